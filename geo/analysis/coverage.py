"""Coverage gaps per area: where no place reaches people. No Flask here.

The method is written for coordinators in docs/coverage.md; every number below can be
checked by hand from it. In short, per area of one kind (小学校区, 中学校区, ...) and one
place layer:

- places:            active places of the layer whose true point lies inside the area
                     (hidden / approximate places count in their true area; the point
                     itself is never returned);
- target_population: the layer's target population (65+, 0–14 or everyone) living in the
                     area, from 町丁 small areas (kind 'town_block') spread uniformly over
                     their polygons; None when age bands are not loaded (never invented);
- per_1000:          places per 1,000 of the target population;
- covered_share:     share of the area's people (target band if known, else everyone,
                     else plain land area) within the layer's walking radius of a place of
                     the layer (anywhere, also across the boundary);
- open_bands:        (weekday, band) pairs in which at least one place inside is open;
- klass:             'none' 空白 (no place inside) / 'thin' 手薄 / 'covered' 充足 by the layer's
                     thresholds (codes; labels in geo/vocab.py), with the reasons as message codes.

Results are cached per process and keyed by a data version (a fingerprint of the place,
area and population tables), so any import or edit invalidates them.
"""
from __future__ import annotations

import datetime as dt
import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

import layers
from geo.places.schedule import open_bands as schedule_open_bands
from geo import clock
from geo.vocab import BAND_CODES as BANDS, COVERAGE_CLASSES, Invalid, Msg, Term

KLASS_NONE, KLASS_THIN, KLASS_COVERED = COVERAGE_CLASSES
KLASS_ORDER = {k: i for i, k in enumerate(COVERAGE_CLASSES)}
ALL_BANDS = [(wd, band) for wd in range(7) for band in BANDS]
BUFFER_QUAD_SEGS = 16          # a walking-radius circle is drawn as a 64-sided polygon


def default_thresholds(layer_id: str) -> dict[str, Any]:
    """The layer's own thresholds (its file in layers/; docs/coverage.md explains them).
    空白 'none' always means "no place inside"."""
    layer = layers.get(layer_id)
    if not isinstance(layer, layers.PlaceLayer):
        raise Invalid("invalid.layer", layers=layer_id[:40])
    return layer.thresholds()


def normalise_thresholds(layer_id: str, thresholds: dict | None) -> dict[str, Any]:
    """Defaults of the layer overridden by the caller's values (None / '' keeps the default,
    except min_per_1000 where None switches the criterion off). Raises ValueError."""
    out = default_thresholds(layer_id)
    for key, value in (thresholds or {}).items():
        if key not in out:
            raise Invalid("invalid.threshold_name", name=str(key)[:40])
        if value == "" or (value is None and key != "min_per_1000"):
            continue
        out[key] = value
    try:
        out["min_places"] = int(out["min_places"])
        out["min_covered_share"] = float(out["min_covered_share"])
        out["min_per_1000"] = None if out["min_per_1000"] is None else float(out["min_per_1000"])
    except (TypeError, ValueError):
        raise Invalid("invalid.threshold_number") from None
    if out["min_places"] < 1:
        raise Invalid("invalid.min_places")
    if not 0 <= out["min_covered_share"] <= 1:
        raise Invalid("invalid.min_share")
    if out["min_per_1000"] is not None and (out["min_per_1000"] < 0 or math.isnan(out["min_per_1000"])):
        raise Invalid("invalid.min_per_1000")
    return out


@dataclass
class AreaCoverage:
    area_id: int
    kind: str
    code: str
    name: str
    municipality_code: str | None
    layer_id: str
    places: int
    target_population: int | None
    per_1000: float | None
    covered_population: float | None
    covered_share: float | None
    open_bands: set = field(default_factory=set)
    missing_bands: list = field(default_factory=list)
    klass: str = KLASS_NONE                 # 'none' / 'thin' / 'covered' (vocabulary "coverage_class")
    total_population: int | None = None
    population_65_over: int | None = None
    population_0_14: int | None = None
    target_population_kind: str = "total"   # the layer's: age_65_over | age_0_14 | total
    share_basis: str = "total"              # what covered_share weighs: a band, 'total' or 'area'
    per_1000_note: Msg | None = None        # why per_1000 is None
    unknown_time_weekdays: set = field(default_factory=set)  # weekdays open, time not given
    unscheduled_places: int = 0             # places inside whose schedule is not structured
    target_groups: dict = field(default_factory=dict)        # target group -> places inside
    walking_radius_m: int = 0
    area_m2: float = 0.0
    reasons: list = field(default_factory=list)     # why this class: [Msg]
    thresholds: dict = field(default_factory=dict)  # the thresholds this class was judged by

    def copy(self) -> "AreaCoverage":
        return replace(self, open_bands=set(self.open_bands), missing_bands=list(self.missing_bands),
                       unknown_time_weekdays=set(self.unknown_time_weekdays),
                       target_groups=dict(self.target_groups), reasons=list(self.reasons),
                       thresholds=dict(self.thresholds))


def rank_key(c: AreaCoverage):
    """Least covered first: class, then share within walking radius, then places per 1,000."""
    return (KLASS_ORDER[c.klass], c.covered_share if c.covered_share is not None else -1,
            c.per_1000 if c.per_1000 is not None else -1, c.places, c.code)


# --------------------------------------------------------------------------- data version / cache
_VERSION_SQL = text("""
SELECT (SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM place) || '/' ||
       (SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM area) || '/' ||
       (SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM population)
""")


def data_version(session: Session) -> str:
    """A fingerprint that changes with every insert, update or delete of a place, area or
    population row: row counts plus the sum of the rows' creating transaction ids (xmin).
    An UPDATE writes a new row version with a new xmin, so the sum moves; no schema change
    is needed and edits made with plain SQL are seen too."""
    return session.execute(_VERSION_SQL).scalar_one()


_cache: "OrderedDict[tuple, list[AreaCoverage]]" = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 64


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _db_identity(session: Session) -> str:
    bind = session.get_bind()
    return bind.url.render_as_string(hide_password=True)


# --------------------------------------------------------------------------- geometry helpers
def _extent(session: Session, area_kind: str, municipality_code: str | None):
    return session.execute(text("""
        SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), n FROM (
          SELECT ST_Extent(geom) AS e, count(*) AS n FROM area
          WHERE kind = :kind AND (CAST(:muni AS text) IS NULL OR municipality_code = :muni)) s"""),
        {"kind": area_kind, "muni": municipality_code}).one()


def metric_srid(lon: float) -> int:
    """The UTM zone (WGS 84, EPSG:326NN) containing a longitude: metres, scale error < 0.04 %
    inside the zone. 生駒市 (135.7°E) is zone 53 -> EPSG:32653."""
    zone = int(math.floor((lon + 180) / 6)) + 1
    return 32600 + max(1, min(60, zone))


def _degrees_for(metres: float, lat: float) -> float:
    """A generous distance in degrees for a bounding-box prefilter (exact test follows)."""
    return 1.2 * metres / (111_320 * math.cos(math.radians(min(abs(lat) + 1, 80))))


_ACTIVE = """p.status = 'active' AND (p.valid_from IS NULL OR p.valid_from <= :day)
             AND (p.valid_to IS NULL OR p.valid_to >= :day)"""


def _params(session: Session, area_kind: str, layer_id: str, on_date, municipality_code):
    layer = layers.get(layer_id)
    if getattr(layer, "kind", None) != "place":
        raise Invalid("invalid.layer", layers=layer_id[:40])
    xmin, ymin, xmax, ymax, n = _extent(session, area_kind, municipality_code)
    if not n:
        return layer, None
    return layer, {"kind": area_kind, "muni": municipality_code, "layer": layer_id,
                   "xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax,
                   "day": on_date or clock.today(), "r": float(layer.walking_radius_m),
                   "srid": metric_srid((xmin + xmax) / 2),
                   "rdeg": _degrees_for(layer.walking_radius_m, max(abs(ymin), abs(ymax))),
                   "quad": f"quad_segs={BUFFER_QUAD_SEGS}"}


# The walking-radius circles of the active places of the layer near the target areas are
# computed once per call into a temporary table with a spatial index (REACH_TABLE); the union
# of the circles near one geometry is then read from it.
REACH_TABLE = "tsunagari_cov_reach"


def _prepare_reach(session: Session, params: dict) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {REACH_TABLE}"))
    session.execute(text(f"""
        CREATE TEMP TABLE {REACH_TABLE} AS
        SELECT q.g, ST_Buffer(q.g, :r, :quad) AS b FROM (
          SELECT ST_Transform(p.point, :srid) AS g FROM place p
          WHERE p.layer = :layer AND p.point IS NOT NULL AND {_ACTIVE}
            AND p.point && ST_Expand(ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 4326), :rdeg)) q"""), params)
    session.execute(text(f"CREATE INDEX ON {REACH_TABLE} USING gist (b)"))
    session.execute(text(f"ANALYZE {REACH_TABLE}"))


def _drop_reach(session: Session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {REACH_TABLE}"))


def _near_reach(geom_m: str) -> str:
    return f"""
  SELECT ST_Union(pb.b) AS u FROM {REACH_TABLE} pb WHERE pb.b && {geom_m} AND ST_DWithin(pb.g, {geom_m}, :r)"""


# Pieces: each target area cut by each populated small area (町丁, kind town_block), in metres,
# and the part of each small area within walking radius of a place (computed once per small area).
_PIECES = f"""
WITH tgt AS MATERIALIZED (
  SELECT id, geom, ST_Transform(geom, :srid) AS g FROM area
  WHERE kind = :kind AND (CAST(:muni AS text) IS NULL OR municipality_code = :muni)
), hits AS MATERIALIZED (
  SELECT t.id AS tid, s.id AS sid FROM tgt t JOIN area s ON s.kind = 'town_block' AND ST_Intersects(t.geom, s.geom)
), sm AS MATERIALIZED (
  -- each small area's latest population row
  SELECT s.id AS sid, s.geom AS sgeom, ST_Transform(s.geom, :srid) AS sg, pop.total, pop.age_0_14, pop.age_65_over
  FROM area s CROSS JOIN LATERAL (
    SELECT p.total, p.age_0_14, p.age_65_over FROM population p WHERE p.area_id = s.id
    ORDER BY p.year DESC LIMIT 1) pop
  WHERE s.id IN (SELECT sid FROM hits)
), reach AS MATERIALIZED (
  SELECT x.sid, x.cu, ST_Area(x.cu) AS cu_area FROM (
    SELECT sm.sid, ST_Intersection(sm.sg, near.u) AS cu
    FROM sm CROSS JOIN LATERAL ({_near_reach("sm.sg")}) near WHERE near.u IS NOT NULL) x
), pairs AS MATERIALIZED (
  -- a small area wholly inside the target area (the usual case) needs no cutting
  SELECT x.*, CASE WHEN x.inside THEN x.sg ELSE ST_Intersection(x.g, x.sg) END AS piece FROM (
    SELECT h.tid, sm.sid, sm.total, sm.age_0_14, sm.age_65_over, ST_Area(sm.sg) AS s_area,
           ST_Covers(t.g, sm.sg) AS inside, t.g, sm.sg
    FROM hits h JOIN tgt t ON t.id = h.tid JOIN sm ON sm.sid = h.sid) x
)
"""

_PIECE_SQL = text(_PIECES + """
SELECT pr.tid, pr.sid, pr.total, pr.age_0_14, pr.age_65_over, pr.s_area,
       ST_Area(pr.piece) AS piece_area,
       CASE WHEN r.cu IS NULL THEN 0 WHEN pr.inside THEN r.cu_area
            ELSE ST_Area(ST_Intersection(pr.piece, r.cu)) END AS cov_area
FROM pairs pr LEFT JOIN reach r ON r.sid = pr.sid
WHERE ST_Area(pr.piece) >= 1.0
""")

# No population loaded at all: plain land-area share per target area.
_AREA_SHARE_SQL = text(f"""
SELECT t.id AS tid, ST_Area(t.g) AS t_area,
       CASE WHEN near.u IS NULL THEN 0 ELSE ST_Area(ST_Intersection(t.g, near.u)) END AS cov_area
FROM (SELECT id, geom, ST_Transform(geom, :srid) AS g FROM area
      WHERE kind = :kind AND (CAST(:muni AS text) IS NULL OR municipality_code = :muni)) t
CROSS JOIN LATERAL ({_near_reach("t.g")}) near
""")

_AREAS_SQL = text("""
SELECT id, kind, code, name, municipality_code FROM area
WHERE kind = :kind AND (CAST(:muni AS text) IS NULL OR municipality_code = :muni) ORDER BY code, id
""")

_PLACES_IN_SQL = text(f"""
SELECT t.id AS tid, p.id AS pid, p.target_groups, p.schedule
FROM area t JOIN place p ON ST_Intersects(t.geom, p.point)
WHERE t.kind = :kind AND (CAST(:muni AS text) IS NULL OR t.municipality_code = :muni)
  AND p.layer = :layer AND {_ACTIVE}
""")

_HAS_POP_SQL = text("""SELECT EXISTS (SELECT 1 FROM population p JOIN area s ON s.id = p.area_id
                       WHERE s.kind = 'town_block')""")


# --------------------------------------------------------------------------- compute
def compute_coverage(session: Session, area_kind: str, layer_id: str, *, on_date: dt.date | None = None,
                     municipality_code: str | None = None, thresholds: dict | None = None) -> list[AreaCoverage]:
    """Coverage of every area of `area_kind` (optionally one municipality) for one place layer,
    in area-code order. Places are those active on `on_date` (default today)."""
    th = normalise_thresholds(layer_id, thresholds)
    day = on_date or clock.today()
    version = data_version(session)
    key = (_db_identity(session), version, area_kind, layer_id, day, municipality_code)
    with _cache_lock:
        raw = _cache.get(key)
        if raw is not None:
            _cache.move_to_end(key)
    if raw is None:
        raw = _compute_raw(session, area_kind, layer_id, day, municipality_code)
        with _cache_lock:
            _cache[key] = raw
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    out = [c.copy() for c in raw]
    for c in out:
        classify(c, th)
    return out


def _compute_raw(session: Session, area_kind: str, layer_id: str, day: dt.date,
                 municipality_code: str | None) -> list[AreaCoverage]:
    layer, params = _params(session, area_kind, layer_id, day, municipality_code)
    if params is None:
        return []
    band = layer.target_population
    areas = session.execute(_AREAS_SQL, params).all()
    result: dict[int, AreaCoverage] = {}
    for a in areas:
        result[a.id] = AreaCoverage(area_id=a.id, kind=a.kind, code=a.code, name=a.name,
                                    municipality_code=a.municipality_code, layer_id=layer_id, places=0,
                                    target_population=None, per_1000=None, covered_population=None,
                                    covered_share=None, target_population_kind=band,
                                    walking_radius_m=layer.walking_radius_m)

    # places inside, their target groups and open bands
    groups: dict[int, Counter] = {}
    for row in session.execute(_PLACES_IN_SQL, params):
        c = result[row.tid]
        c.places += 1
        groups.setdefault(row.tid, Counter()).update(row.target_groups or [])
        pairs = schedule_open_bands(row.schedule)
        if not pairs:
            c.unscheduled_places += 1
        for wd, b in pairs:
            if b in BANDS:
                c.open_bands.add((wd, b))
            else:
                c.unknown_time_weekdays.add(wd)
    for tid, cnt in groups.items():
        result[tid].target_groups = dict(cnt)
    for c in result.values():
        c.missing_bands = [p for p in ALL_BANDS if p not in c.open_bands]

    _prepare_reach(session, params)
    try:
        _reach_coverage(session, params, result, band)
    finally:
        _drop_reach(session)
    return list(result.values())


def _reach_coverage(session: Session, params: dict, result: dict[int, AreaCoverage], band: str) -> None:
    if session.execute(_HAS_POP_SQL).scalar():
        _population_coverage(session, params, result, band)
    else:
        for c in result.values():
            c.share_basis = "area"
            c.per_1000_note = Msg("coverage.note.no_population")
        for row in session.execute(_AREA_SHARE_SQL, params):
            c = result[row.tid]
            c.area_m2 = float(row.t_area)
            c.covered_share = _clamp(row.cov_area / row.t_area) if row.t_area else None


def _clamp(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def _population_coverage(session: Session, params: dict, result: dict[int, AreaCoverage], band: str) -> None:
    sums: dict[int, dict[str, Any]] = {}
    for row in session.execute(_PIECE_SQL, params):
        s = sums.setdefault(row.tid, {"total": 0.0, "age_0_14": 0.0, "age_65_over": 0.0,
                                      "known": {"age_0_14": True, "age_65_over": True, "total": True},
                                      "cov": {"total": 0.0, "age_0_14": 0.0, "age_65_over": 0.0},
                                      "area": 0.0, "cov_area": 0.0})
        share = row.piece_area / row.s_area if row.s_area else 0.0
        cov_share = row.cov_area / row.s_area if row.s_area else 0.0
        s["area"] += row.piece_area
        s["cov_area"] += row.cov_area
        for col in ("total", "age_0_14", "age_65_over"):
            value = getattr(row, col)
            if value is None:
                # unknown only matters when at least half a person of the small area lives here
                if col == "total" or (row.total or 0) * share >= 0.5:
                    s["known"][col] = False
                continue
            s[col] += value * share
            s["cov"][col] += value * cov_share
    for tid, c in result.items():
        s = sums.get(tid)
        if s is None:  # no populated small area overlaps this area
            c.total_population = 0
            c.population_65_over = 0
            c.population_0_14 = 0
            c.target_population = 0
            c.per_1000_note = Msg("coverage.note.no_populated_block")
            c.share_basis = band
            continue
        c.area_m2 = s["area"]
        c.total_population = round(s["total"]) if s["known"]["total"] else None
        c.population_65_over = round(s["age_65_over"]) if s["known"]["age_65_over"] else None
        c.population_0_14 = round(s["age_0_14"]) if s["known"]["age_0_14"] else None
        c.target_population = {"total": c.total_population, "age_65_over": c.population_65_over,
                               "age_0_14": c.population_0_14}[band]
        basis = band if s["known"][band] else ("total" if s["known"]["total"] else "area")
        c.share_basis = basis
        if basis == "area":
            c.covered_population = None
            c.covered_share = _clamp(s["cov_area"] / s["area"]) if s["area"] else None
        else:
            denom = s[basis]
            c.covered_population = round(s["cov"][basis], 1)
            c.covered_share = _clamp(s["cov"][basis] / denom) if denom > 0 else None
        if c.target_population is None:
            c.per_1000_note = Msg("coverage.note.band_not_loaded", {"band": Term("target_population", band)})
        elif c.target_population == 0:
            c.per_1000_note = Msg("coverage.note.zero_target")
        else:
            c.per_1000 = round(c.places / c.target_population * 1000, 3)


def classify(c: AreaCoverage, th: dict[str, Any]) -> None:
    """Set klass and the reasons (message codes), from thresholds normalised by normalise_thresholds."""
    reasons: list[Msg] = []
    if c.places == 0:
        c.klass = KLASS_NONE
        reasons.append(Msg("coverage.reason.no_place"))
    else:
        if c.places < th["min_places"]:
            reasons.append(Msg("coverage.reason.few_places", {"places": c.places, "need": th["min_places"]}))
        share = c.covered_share
        need = th["min_covered_share"] * 100
        if share is None:
            reasons.append(Msg("coverage.reason.share_unknown", {"need": need}))
        elif share < th["min_covered_share"]:
            reasons.append(Msg("coverage.reason.share_low", {"share": share * 100, "need": need}))
        if th["min_per_1000"] is not None and c.per_1000 is not None and c.per_1000 < th["min_per_1000"]:
            reasons.append(Msg("coverage.reason.per_1000_low", {"per_1000": c.per_1000, "need": th["min_per_1000"]}))
        c.klass = KLASS_THIN if reasons else KLASS_COVERED
    if th["min_per_1000"] is not None and c.per_1000 is None and c.places:
        reasons.append(Msg("coverage.reason.per_1000_skipped"))
    c.reasons = reasons
    c.thresholds = {k: th[k] for k in ("min_places", "min_covered_share", "min_per_1000")}


def target_group_matrix(results: Iterable[AreaCoverage]) -> tuple[list[str], list[tuple[AreaCoverage, list[int]]]]:
    """Columns (the standard target groups first, then any other found) and one row per area."""
    from geo.storage.models import TARGET_GROUPS

    results = list(results)
    extra = sorted({g for c in results for g in c.target_groups} - set(TARGET_GROUPS))
    cols = list(TARGET_GROUPS) + extra
    return cols, [(c, [c.target_groups.get(g, 0) for g in cols]) for c in results]


def summary(results: Iterable[AreaCoverage]) -> dict[str, int]:
    counts = Counter(c.klass for c in results)
    return {k: counts.get(k, 0) for k in (KLASS_NONE, KLASS_THIN, KLASS_COVERED)}


# --------------------------------------------------------------------------- candidate sites
@dataclass
class Candidate:
    label: str | Msg                 # a place's name, or a message for a clicked point
    place_id: int | None = None      # when the candidate is an existing place (any layer)
    lat: float | None = None         # PUBLIC location only (public_point for places)
    lon: float | None = None
    gain: float = 0.0                # people (or m² when no population) newly within reach
    order: int = 0                   # 1 = chosen first
    area_code: str | None = None     # the area (of the kind analysed) its location falls in, if any
    area_name: str | None = None


@dataclass
class PointWhere:
    """Where one given candidate point falls: inside the municipality (or the served areas) or
    not, and the area of the analysed kind it lies in (None between areas)."""
    n: int                           # 1-based, as in the point's label 地点n
    lat: float
    lon: float
    inside: bool
    area_code: str | None = None
    area_name: str | None = None

    @property
    def label(self) -> Msg:
        return Msg("coverage.point_label", {"n": self.n, "lat": self.lat, "lon": self.lon})


@dataclass
class AreaChange:
    area_id: int
    code: str
    name: str
    before_share: float | None
    after_share: float | None
    before_klass: str
    after_klass: str
    before_places: int
    after_places: int

    @property
    def klass_changed(self) -> bool:
        return self.before_klass != self.after_klass


@dataclass
class SiteSuggestion:
    layer_id: str
    area_kind: str
    basis: str                        # age band, 'total' or 'area' (m²)
    candidates_considered: int
    chosen: list[Candidate]
    total: float                      # people (or m²) in all areas
    covered_before: float
    covered_after: float
    areas: list[AreaChange]           # areas whose places or share change (class changed or not)
    areas_total: int = 0              # areas analysed
    points: list[PointWhere] = field(default_factory=list)   # the given points, each with its area

    @property
    def class_changes(self) -> list[AreaChange]:
        """Only the areas whose class changes (the change table shows these)."""
        return [a for a in self.areas if a.klass_changed]

    @property
    def unchanged_count(self) -> int:
        """Areas whose class stays the same (of which share_only_count gain reach only)."""
        return self.areas_total - len(self.class_changes)

    @property
    def share_only_count(self) -> int:
        return len(self.areas) - len(self.class_changes)

    @property
    def share_before(self) -> float | None:
        return self.covered_before / self.total if self.total else None

    @property
    def share_after(self) -> float | None:
        return self.covered_after / self.total if self.total else None


_PIECE_GEOM_SQL = text(_PIECES + """
SELECT pr.tid, pr.sid, pr.total, pr.age_0_14, pr.age_65_over, pr.s_area, ST_Area(pr.piece) AS piece_area,
       ST_AsBinary(CASE WHEN r.cu IS NULL THEN pr.piece ELSE ST_Difference(pr.piece, r.cu) END) AS uncovered
FROM pairs pr LEFT JOIN reach r ON r.sid = pr.sid
WHERE ST_Area(pr.piece) >= 1.0
""")

_AREA_GEOM_SQL = text(f"""
SELECT t.id AS tid, ST_AsBinary(CASE WHEN near.u IS NULL THEN t.g ELSE ST_Difference(t.g, near.u) END) AS uncovered,
       ST_AsBinary(t.g) AS g
FROM (SELECT id, geom, ST_Transform(geom, :srid) AS g FROM area
      WHERE kind = :kind AND (CAST(:muni AS text) IS NULL OR municipality_code = :muni)) t
CROSS JOIN LATERAL ({_near_reach("t.g")}) near
""")


def candidates_from_layer(session: Session, candidate_layer: str, *, on_date: dt.date | None = None,
                          municipality_code: str | None = None, limit: int = 2000) -> list[dict]:
    """Active places of any layer as candidate sites: id, name and PUBLIC location only."""
    rows = session.execute(text(f"""
        SELECT p.id, p.name, ST_Y(p.public_point) AS lat, ST_X(p.public_point) AS lon
        FROM place p WHERE p.layer = :layer AND p.point IS NOT NULL AND {_ACTIVE}
          AND (CAST(:muni AS text) IS NULL OR p.municipality_code = :muni)
        ORDER BY p.id LIMIT :limit"""), {"layer": candidate_layer, "day": on_date or clock.today(),
                                         "muni": municipality_code, "limit": limit}).all()
    return [{"place_id": r.id, "label": r.name, "lat": None if r.lat is None else round(r.lat, 6),
             "lon": None if r.lon is None else round(r.lon, 6)} for r in rows]


_LOCATE_SQL = text("""
WITH pts AS (
  SELECT t.n, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS g
  FROM unnest(CAST(:lats AS float8[]), CAST(:lons AS float8[])) WITH ORDINALITY AS t(lat, lon, n)),
outline AS (   -- the municipality's own outline when one is loaded (kind 'municipality')
  SELECT EXISTS (SELECT 1 FROM area WHERE kind = 'municipality'
                 AND (CAST(:muni AS text) IS NULL OR left(municipality_code, 5) = :muni)) AS has)
SELECT pts.n,
  EXISTS (SELECT 1 FROM area a, outline o
          WHERE ST_Intersects(a.geom, pts.g)
            AND (CAST(:muni AS text) IS NULL OR left(a.municipality_code, 5) = :muni)
            AND (a.kind = 'municipality' OR (NOT o.has AND a.kind <> 'catchment'))) AS inside,
  k.code, k.name
FROM pts LEFT JOIN LATERAL (
  SELECT a.code, a.name FROM area a
  WHERE a.kind = :kind AND ST_Intersects(a.geom, pts.g)
    AND (CAST(:muni AS text) IS NULL OR left(a.municipality_code, 5) = :muni)
  ORDER BY a.id LIMIT 1) k ON true
ORDER BY pts.n""")


def locate_points(session: Session, points: list[tuple[float, float]], area_kind: str,
                  municipality_code: str | None = None) -> list[PointWhere]:
    """Where each (lat, lon) falls: inside the municipality or not, and in which area of
    `area_kind`. The municipality is its outline (an area of kind 'municipality') when loaded,
    else the union of its other areas (small areas, school districts; support desks' areas are
    not the municipality). Without a municipality: inside any area this database holds."""
    if not points:
        return []
    for lat, lon in points:
        if not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
            raise Invalid("invalid.latlon_range")
    muni = municipality_code[:5] if municipality_code else None
    rows = session.execute(_LOCATE_SQL, {"lats": [float(p[0]) for p in points],
                                         "lons": [float(p[1]) for p in points],
                                         "kind": area_kind, "muni": muni}).all()
    return [PointWhere(n=int(r.n), lat=float(points[int(r.n) - 1][0]), lon=float(points[int(r.n) - 1][1]),
                       inside=bool(r.inside), area_code=r.code, area_name=r.name) for r in rows]


def refuse_outside(where: list[PointWhere], municipality_code: str | None) -> None:
    """Invalid('invalid.points_outside') naming every point outside the municipality (or outside
    every area served when no municipality is chosen)."""
    outside = [w for w in where if not w.inside]
    if not outside:
        return
    if municipality_code:
        from geo.geocoding.municipalities import registry

        m = registry().get(municipality_code[:5])
        place = Msg("coverage.municipality_name", {"name": m.name if m else municipality_code[:5],
                                                   "code": municipality_code[:5]})
    else:
        place = Msg("coverage.served_region")
    raise Invalid("invalid.points_outside", points=[w.label for w in outside], place=place)


def suggest_sites(session: Session, area_kind: str, layer_id: str, *, candidate_layer: str | None = None,
                  points: list[tuple[float, float]] | None = None, k: int = 3, on_date: dt.date | None = None,
                  municipality_code: str | None = None, thresholds: dict | None = None) -> SiteSuggestion:
    """Greedy maximal covering: from the candidates (places of `candidate_layer` and/or clicked
    (lat, lon) points), pick up to k sites one at a time, each time the one that brings the most
    people not yet within the layer's walking radius of any place (nor of a site already picked)
    within reach. Returns the picks in order and the coverage before and after."""
    import shapely
    from shapely import wkb
    from shapely.strtree import STRtree

    if not 1 <= int(k) <= 50:
        raise Invalid("invalid.k_range")
    k = int(k)
    day = on_date or clock.today()
    th = normalise_thresholds(layer_id, thresholds)
    layer, params = _params(session, area_kind, layer_id, day, municipality_code)
    before = {c.area_id: c for c in compute_coverage(session, area_kind, layer_id, on_date=day,
                                                     municipality_code=municipality_code, thresholds=thresholds)}
    # candidates: true points in metres internally; public locations for the output
    cands: list[Candidate] = []
    geoms = []
    if params is not None and candidate_layer:
        rows = session.execute(text(f"""
            SELECT p.id, p.name, ST_Y(p.public_point) AS lat, ST_X(p.public_point) AS lon,
                   ST_AsBinary(ST_Transform(p.point, :srid)) AS g, k.code AS area_code, k.name AS area_name
            FROM place p LEFT JOIN LATERAL (
              SELECT a.code, a.name FROM area a WHERE a.kind = :kind AND ST_Intersects(a.geom, p.point)
                AND (CAST(:muni AS text) IS NULL OR a.municipality_code = :muni) ORDER BY a.id LIMIT 1) k ON true
            WHERE p.layer = :cl AND p.point IS NOT NULL AND {_ACTIVE}
              AND (CAST(:muni AS text) IS NULL OR p.municipality_code = :muni) ORDER BY p.id LIMIT 2000"""),
            {**params, "cl": candidate_layer}).all()
        for r in rows:
            cands.append(Candidate(label=r.name, place_id=r.id, lat=None if r.lat is None else round(r.lat, 6),
                                   lon=None if r.lon is None else round(r.lon, 6),
                                   area_code=r.area_code, area_name=r.area_name))
            geoms.append(wkb.loads(bytes(r.g)))
    where = locate_points(session, list(points or []), area_kind, municipality_code)
    refuse_outside(where, municipality_code)
    for i, (lat, lon) in enumerate(points or []):
        lat, lon = float(lat), float(lon)
        if params is None:
            continue
        g = session.execute(text("SELECT ST_AsBinary(ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :srid))"),
                            {"lat": lat, "lon": lon, "srid": params["srid"]}).scalar_one()
        cands.append(Candidate(label=where[i].label, lat=round(lat, 6), lon=round(lon, 6),
                               area_code=where[i].area_code, area_name=where[i].area_name))
        geoms.append(wkb.loads(bytes(g)))
    if params is None:
        return SiteSuggestion(layer_id, area_kind, "area", 0, [], 0.0, 0.0, 0.0, [], 0, where)

    # demand: uncovered parts of each (area × small area) piece, with people per m²
    band = layer.target_population
    pieces, dens, owner = [], [], []
    total_by_area: dict[int, float] = {}
    cov_by_area: dict[int, float] = {}
    basis = "area"
    _prepare_reach(session, params)
    if session.execute(_HAS_POP_SQL).scalar():
        rows = session.execute(_PIECE_GEOM_SQL, params).all()
        known_band = all(getattr(r, band) is not None or (r.total or 0) * r.piece_area / r.s_area < 0.5
                         for r in rows if r.s_area)
        known_total = all(r.total is not None for r in rows)
        basis = band if known_band else ("total" if known_total else "area")
        for r in rows:
            people = float(getattr(r, basis) or 0) if basis != "area" else r.s_area
            d = people / r.s_area if r.s_area else 0.0
            geom = wkb.loads(bytes(r.uncovered))
            total_by_area[r.tid] = total_by_area.get(r.tid, 0.0) + d * r.piece_area
            cov_by_area[r.tid] = cov_by_area.get(r.tid, 0.0) + d * (r.piece_area - geom.area)
            if not geom.is_empty and d > 0:
                pieces.append(geom), dens.append(d), owner.append(r.tid)
    else:
        for r in session.execute(_AREA_GEOM_SQL, params):
            g, unc = wkb.loads(bytes(r.g)), wkb.loads(bytes(r.uncovered))
            total_by_area[r.tid] = g.area
            cov_by_area[r.tid] = g.area - unc.area
            if not unc.is_empty:
                pieces.append(unc), dens.append(1.0), owner.append(r.tid)
    _drop_reach(session)

    buffers = [shapely.buffer(g, layer.walking_radius_m, quad_segs=BUFFER_QUAD_SEGS) for g in geoms]
    tree = STRtree(pieces) if pieces else None

    def gain_of(i: int) -> float:
        if tree is None:
            return 0.0
        idx = tree.query(buffers[i], predicate="intersects")
        return float(sum(dens[j] * shapely.intersection(pieces[j], buffers[i]).area for j in idx))

    # lazy greedy (gains only shrink as sites are picked)
    import heapq
    heap = [(-gain_of(i), i) for i in range(len(cands))]
    heapq.heapify(heap)
    chosen: list[Candidate] = []
    gained_by_area: dict[int, float] = {}
    while heap and len(chosen) < k:
        neg, i = heapq.heappop(heap)
        fresh = gain_of(i)
        if heap and fresh < -heap[0][0] - 1e-9:
            heapq.heappush(heap, (-fresh, i))
            continue
        if fresh <= 1e-9:
            break
        cand = cands[i]
        cand.gain, cand.order = round(fresh, 1), len(chosen) + 1
        chosen.append(cand)
        for j in tree.query(buffers[i], predicate="intersects"):
            cut = shapely.intersection(pieces[j], buffers[i]).area
            gained_by_area[owner[j]] = gained_by_area.get(owner[j], 0.0) + dens[j] * cut
            pieces[j] = shapely.difference(pieces[j], buffers[i])
        tree = STRtree(pieces)

    # areas that receive a picked site get one more place inside
    extra_places: Counter = Counter()
    if chosen:
        area_rows = session.execute(text("""SELECT id, ST_AsBinary(ST_Transform(geom, :srid)) AS g FROM area
            WHERE kind = :kind AND (CAST(:muni AS text) IS NULL OR municipality_code = :muni)"""), params).all()
        area_geoms = {r.id: wkb.loads(bytes(r.g)) for r in area_rows}
        for cand in chosen:
            g = geoms[cands.index(cand)]
            for aid, ag in area_geoms.items():
                if ag.intersects(g):
                    extra_places[aid] += 1
    changes = []
    for aid, c in before.items():
        tot = total_by_area.get(aid, 0.0)
        after = c.copy()
        after.places += extra_places.get(aid, 0)
        if tot > 0:
            after.covered_share = _clamp((cov_by_area.get(aid, 0.0) + gained_by_area.get(aid, 0.0)) / tot)
        if after.per_1000 is not None and after.target_population:
            after.per_1000 = round(after.places / after.target_population * 1000, 3)
        classify(after, th)
        if after.places != c.places or (after.covered_share or 0) - (c.covered_share or 0) > 1e-9:
            changes.append(AreaChange(aid, c.code, c.name, c.covered_share, after.covered_share, c.klass,
                                      after.klass, c.places, after.places))
    changes.sort(key=lambda a: a.code)
    total = sum(total_by_area.values())
    covered = sum(cov_by_area.values())
    return SiteSuggestion(layer_id, area_kind, basis, len(cands), chosen, round(total, 1), round(covered, 1),
                          round(covered + sum(c.gain for c in chosen), 1), changes, len(before), where)
