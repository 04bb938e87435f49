"""協議体 meeting mode, the spatial part: area profiles and the then-and-now comparison.

No Flask here. Counting places per area uses the true point internally (an aggregate);
everything that leaves this module about a single place goes through geo.places.privacy.

Coverage classes come from geo.analysis.coverage.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import layers
from geo.analysis import coverage
from geo.places import queries
from geo.storage.models import Area, Place, Population
from geo.places.privacy import public_place
from geo.places.schedule import open_bands
from geo.vocab import BAND_CODES as BAND_NAMES, label, text

ALL_SLOTS = tuple((wd, band) for wd in range(7) for band in BAND_NAMES)


def layer_shape(layer_id: str) -> str:
    """The marker shape the layer declares (layers differ by shape and glyph, not colour alone)."""
    try:
        return layers.get(layer_id).marker_shape
    except KeyError:
        return "circle"


def text_colour_on(hex_colour: str) -> str:
    """Black or white, whichever reads better on a fill (WCAG relative luminance)."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def place_layer_ids(wanted: list[str] | None = None) -> list[str]:
    ids = [layer.id for layer in layers.place_layers()]
    if not wanted:
        return ids
    return [i for i in ids if i in wanted]


# --------------------------------------------------------------------------- places
def active_places(session: Session, on_date: dt.date, layer_ids: list[str] | None = None,
                  municipality_code: str | None = None) -> list[Place]:
    """Places active on a day. A past day is read from the history (geo/editing/asof.py): places as
    they were then, not as they are now."""
    from geo.editing.asof import places_as_of

    past = places_as_of(session, on_date, layer_ids, municipality_code)
    if past is not None:
        return past
    q = select(Place).where(queries.active_on(on_date))
    if layer_ids:
        q = q.where(Place.layer.in_(layer_ids))
    if municipality_code:
        q = q.where(Place.municipality_code == municipality_code)
    return list(session.scalars(q.order_by(Place.layer, Place.id)))


def place_matches_filter(place: Place, weekday: int | None = None, band: str | None = None,
                         consultation: bool = False) -> bool:
    """The meeting filters: open on a weekday (and band), has a 相談窓口."""
    if consultation and not place.has_consultation:
        return False
    if weekday is None and band is None:
        return True
    slots = open_bands(place.schedule)
    return any((weekday is None or wd == weekday) and (band is None or b == band) for wd, b in slots)


def area_of_places(session: Session, kind: str, place_ids: list) -> dict[int, int]:
    """place id -> id of the area of `kind` containing its (true) point. Internal only.
    Items may be ids or Place objects; a place rebuilt as of a past date is located by its point then."""
    from geo.editing.asof import areas_of_points

    historical = [p for p in place_ids if isinstance(p, Place) and getattr(p, "_as_of", None)]
    place_ids = [p.id if isinstance(p, Place) else p for p in place_ids
                 if not (isinstance(p, Place) and getattr(p, "_as_of", None))]
    if historical:
        out = areas_of_points(session, kind, historical)
        out.update(area_of_places(session, kind, place_ids))
        return out
    if not place_ids:
        return {}
    rows = session.execute(
        select(Place.id, Area.id).join(Area, func.ST_Intersects(Area.geom, Place.point))
        .where(Area.kind == kind, Place.id.in_(place_ids)).order_by(Place.id, Area.id))
    out: dict[int, int] = {}
    for pid, aid in rows:
        out.setdefault(pid, aid)
    return out


# --------------------------------------------------------------------------- areas
def find_area(session: Session, kind: str, code: str | None) -> Area | None:
    if not code:
        return None
    return session.scalar(select(Area).where(Area.kind == kind, Area.code == code))


def area_kinds_present(session: Session, municipality_code: str | None = None) -> list[str]:
    """Area kinds with data (of one municipality: in the order its stored settings give)."""
    q = select(Area.kind).distinct()
    if municipality_code:
        q = q.where(Area.municipality_code == municipality_code)
    present = set(session.scalars(q))
    ordered = [layer.id for layer in layers.area_layers() if layer.id in present]
    kinds = ordered + sorted(present - set(ordered) - {"catchment"})
    if municipality_code:
        from geo.places.served import settings_for

        own = [k for k in settings_for(session, municipality_code).area_kinds if k in kinds]
        kinds = own + [k for k in kinds if k not in own] if own else kinds
    return kinds


def area_label_points(session: Session, kind: str) -> dict[int, tuple[float, float]]:
    rows = session.execute(select(Area.id, func.ST_Y(func.ST_PointOnSurface(Area.geom)),
                                  func.ST_X(func.ST_PointOnSurface(Area.geom))).where(Area.kind == kind))
    return {aid: (lat, lon) for aid, lat, lon in rows}


def area_bounds(session: Session, area_id: int | None = None, kinds: tuple[str, ...] = ("elementary", "junior_high"),
                kind: str | None = None, municipality_code: str | None = None) -> list[list[float]] | None:
    """[[south, west], [north, east]] of one area, or of every area of the kinds given (of one
    municipality, if given)."""
    box = func.ST_Envelope(func.ST_Collect(Area.geom))
    q = select(func.ST_YMin(box), func.ST_XMin(box), func.ST_YMax(box), func.ST_XMax(box))
    if area_id is not None:
        q = q.where(Area.id == area_id)
    else:
        q = q.where(Area.kind.in_((kind,) if kind else kinds))
        if municipality_code:
            q = q.where(Area.municipality_code == municipality_code)
    row = session.execute(q).one()
    if row[0] is None and area_id is None and kind:
        return area_bounds(session, kinds=kinds, municipality_code=municipality_code)
    if row[0] is None and area_id is None and municipality_code:
        return area_bounds(session, kinds=kinds)
    return [[row[0], row[1]], [row[2], row[3]]] if row[0] is not None else None


def population_of(session: Session, area: Area) -> dict:
    """Population of an area: its own row if it has one, otherwise the sum of the 町丁
    (town_block) rows whose representative point lies inside it. Age 65+ only when every
    row counted knows it; never invented. Source of the number is given in 'basis'."""
    row = session.scalar(select(Population).where(Population.area_id == area.id)
                         .order_by(Population.year.desc()).limit(1))
    if row is not None:
        return {"total": row.total, "age_65_over": row.age_65_over, "year": row.year, "basis": "area"}
    if area.kind == "town_block":
        return {"total": None, "age_65_over": None, "year": None, "basis": None}
    tb = Area.__table__.alias("tb")
    latest = (select(Population.area_id, func.max(Population.year).label("year"))
              .group_by(Population.area_id).subquery())
    q = (select(func.count(), func.sum(Population.total), func.sum(Population.age_65_over),
                func.count(Population.age_65_over), func.max(Population.year))
         .select_from(Population)
         .join(latest, (latest.c.area_id == Population.area_id) & (latest.c.year == Population.year))
         .join(tb, tb.c.id == Population.area_id)
         .where(tb.c.kind == "town_block",
                func.ST_Intersects(select(Area.geom).where(Area.id == area.id).scalar_subquery(),
                                   func.ST_PointOnSurface(tb.c.geom))))
    n, total, old, n_old, year = session.execute(q).one()
    if not n:
        return {"total": None, "age_65_over": None, "year": None, "basis": None}
    return {"total": int(total) if total is not None else None,
            "age_65_over": int(old) if n_old == n and old is not None else None,
            "year": year, "basis": "town_blocks"}


def ageing_rate(pop: dict) -> float | None:
    if pop.get("total") and pop.get("age_65_over") is not None:
        return round(100.0 * pop["age_65_over"] / pop["total"], 1)
    return None


# --------------------------------------------------------------------------- coverage
def coverage_by_area(session: Session, kind: str, layer_id: str, on_date: dt.date | None = None,
                     municipality_code: str | None = None) -> dict[int, coverage.AreaCoverage]:
    """area id -> AreaCoverage from geo.analysis.coverage."""
    from geo.places.served import apply_thresholds

    rows = coverage.compute_coverage(session, kind, layer_id, on_date=on_date, municipality_code=municipality_code)
    apply_thresholds(session, rows, layer_id)      # each area by its municipality's stored thresholds
    return {r.area_id: r for r in rows}


def coverage_classes(session: Session, kind: str, layer_ids: list[str], on_date: dt.date,
                     municipality_code: str | None = None) -> dict[str, dict[int, str]]:
    """layer id -> {area id -> klass}."""
    out = {}
    for layer_id in layer_ids:
        rows = coverage_by_area(session, kind, layer_id, on_date, municipality_code)
        out[layer_id] = {aid: r.klass for aid, r in rows.items()}
    return out


# --------------------------------------------------------------------------- summaries
def area_summaries(session: Session, kind: str, on_date: dt.date, layer_ids: list[str],
                   places: list[Place] | None = None, municipality_code: str | None = None) -> dict[int, dict]:
    """Per area of `kind` (of one municipality, if given): place counts per layer (for labels and
    the map legend)."""
    if places is None:
        places = active_places(session, on_date, layer_ids)
    where = area_of_places(session, kind, places)
    names = dict(session.execute(_area_names(kind, municipality_code)).all())
    out = {aid: {"id": aid, "name": name, "counts": {lid: 0 for lid in layer_ids}, "total": 0}
           for aid, name in names.items()}
    for p in places:
        aid = where.get(p.id)
        if aid in out and p.layer in out[aid]["counts"]:
            out[aid]["counts"][p.layer] += 1
            out[aid]["total"] += 1
    return out


@dataclass
class Profile:
    area_id: int
    kind: str
    code: str
    name: str
    population: dict
    ageing_rate: float | None
    layers: list[dict] = field(default_factory=list)     # per layer: id, name, count, places, klass, ...
    open_slots: list[tuple[int, str]] = field(default_factory=list)
    missing_slots: list[tuple[int, str]] = field(default_factory=list)
    unknown_time_places: int = 0
    coverage_available: bool = False
    on_date: dt.date | None = None

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["on_date"] = self.on_date.isoformat() if self.on_date else None
        d["open_slots"] = [list(s) for s in self.open_slots]
        d["missing_slots"] = [list(s) for s in self.missing_slots]
        return d


def area_profile(session: Session, area: Area, on_date: dt.date, layer_ids: list[str],
                 lang: str = "ja", place_filter=None) -> Profile:
    """Everything the projector shows about one focused area."""
    places = [p for p in active_places(session, on_date, layer_ids)
              if place_filter is None or place_filter(p)]
    where = area_of_places(session, area.kind, places)
    inside = [p for p in places if where.get(p.id) == area.id]
    pop = population_of(session, area)
    layer_rows = []
    slots: set[tuple[int, str]] = set()
    unknown = 0
    for lid in layer_ids:
        layer = layers.get(lid)
        mine = [p for p in inside if p.layer == lid]
        row = {"id": lid, "name": layer.name(lang), "colour": layer.colour, "icon": layer.icon,
               "shape": layer_shape(lid), "count": len(mine),
               "places": [public_place(p, lang) for p in mine],
               "klass": None, "per_1000": None, "covered_share": None,
               "target_population": layer.target_population}
        cov = coverage_by_area(session, area.kind, lid, on_date).get(area.id)
        if cov is not None:
            row.update(klass=cov.klass, per_1000=cov.per_1000, covered_share=cov.covered_share)
            if pop.get("basis") != "area" and cov.total_population is not None:
                old = cov.population_65_over
                pop = {"total": int(round(cov.total_population)),
                       "age_65_over": int(round(old)) if old is not None else None,
                       "year": pop.get("year"), "basis": "coverage"}
        layer_rows.append(row)
        for p in mine:
            b = open_bands(p.schedule)
            if not b or all(band == "unknown" for _wd, band in b):
                unknown += 1
            slots.update(s for s in b if s[1] != "unknown")
    open_slots = sorted(slots, key=lambda s: (s[0], BAND_NAMES.index(s[1])))
    missing = [s for s in ALL_SLOTS if s not in slots]
    return Profile(area_id=area.id, kind=area.kind, code=area.code, name=area.name, population=pop,
                   ageing_rate=ageing_rate(pop), layers=layer_rows, open_slots=open_slots,
                   missing_slots=missing, unknown_time_places=unknown,
                   coverage_available=True, on_date=on_date)


def slots_text(slots: list[tuple[int, str]], lang: str = "ja") -> list[str]:
    """[(5,'morning'),(5,'evening'),(6,'morning')] -> ['土 午前、夕方・夜', '日 午前'] (one line per
    weekday; the labels of the vocabulary)."""
    by_day: dict[int, list[str]] = {}
    for wd, band in slots:
        by_day.setdefault(wd, []).append(band)
    out = []
    for wd in sorted(by_day):
        bands = by_day[wd]
        if set(bands) == set(BAND_NAMES):
            said = text("all_day", lang)
        else:
            said = text("band_sep", lang).join(label("time_band", b, lang)
                                               for b in sorted(bands, key=BAND_NAMES.index))
        out.append(f"{label('weekday', wd, lang)} {said}")
    return out


# --------------------------------------------------------------------------- then and now
@dataclass
class Comparison:
    then: dt.date
    now: dt.date
    new: list[dict]
    closed: list[dict]
    unchanged: list[dict]
    class_changes: list[dict] | None      # None while geo.analysis.coverage is missing
    counts: dict[int, dict]               # area id -> {"then": n, "now": n}

    def to_dict(self) -> dict:
        return {"then": self.then.isoformat(), "now": self.now.isoformat(), "new": self.new,
                "closed": self.closed, "unchanged": self.unchanged, "class_changes": self.class_changes,
                "counts": {str(k): v for k, v in self.counts.items()}}


def _area_names(kind: str, municipality_code: str | None = None):
    q = select(Area.id, Area.name).where(Area.kind == kind)
    return q.where(Area.municipality_code == municipality_code) if municipality_code else q


def compare(session: Session, then: dt.date, now: dt.date, kind: str, layer_ids: list[str],
            lang: str = "ja", municipality_code: str | None = None) -> Comparison:
    """Places active then and now: new (only now), closed (only then), unchanged (both);
    per area the count then and now, and each layer's coverage class then and now."""
    before = {p.id: p for p in active_places(session, then, layer_ids)}
    after = {p.id: p for p in active_places(session, now, layer_ids)}
    # a place may have moved between the two dates: each side is located where it was
    where_then = area_of_places(session, kind, list(before.values()))
    where_now = area_of_places(session, kind, list(after.values()))
    names = dict(session.execute(_area_names(kind, municipality_code)).all())
    if municipality_code:   # the places in this municipality's areas
        before = {i: p for i, p in before.items() if where_then.get(i) in names}
        after = {i: p for i, p in after.items() if where_now.get(i) in names}

    def out(p: Place, where: dict[int, int]) -> dict:
        aid = where.get(p.id)
        return public_place(p, lang, area_id=aid, area_name=names.get(aid))

    new = [out(after[i], where_now) for i in sorted(set(after) - set(before))]
    closed = [out(before[i], where_then) for i in sorted(set(before) - set(after))]
    same = [out(after[i], where_now) for i in sorted(set(after) & set(before))]
    counts = {aid: {"then": 0, "now": 0} for aid in names}
    for i in before:
        if where_then.get(i) in counts:
            counts[where_then[i]]["then"] += 1
    for i in after:
        if where_now.get(i) in counts:
            counts[where_now[i]]["now"] += 1
    changes = []
    c_then = coverage_classes(session, kind, layer_ids, then, municipality_code)
    c_now = coverage_classes(session, kind, layer_ids, now, municipality_code)
    for lid in layer_ids:
        for aid in sorted(names, key=lambda a: names[a]):
            k0, k1 = c_then[lid].get(aid), c_now[lid].get(aid)
            changes.append({"area_id": aid, "area_name": names[aid], "layer": lid,
                            "layer_name": layers.get(lid).name(lang), "then": k0, "now": k1,
                            "changed": k0 != k1})
    return Comparison(then=then, now=now, new=new, closed=closed, unchanged=same,
                      class_changes=changes, counts=counts)


def areas_collection(session: Session, kind: str, simplify_deg: float = 0.00005,
                     municipality_code: str | None = None) -> dict:
    """Areas of one kind (of one municipality, if given) as GeoJSON with label points (names are
    data: escape when shown)."""
    out = queries.areas_geojson(session, kind, simplify_deg=simplify_deg)
    if municipality_code:
        out["features"] = [f for f in out["features"]
                           if (f["properties"].get("municipality_code") or "")[:5] == municipality_code]
    return out


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
