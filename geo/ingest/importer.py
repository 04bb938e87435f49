"""Import municipal open data into the database: places, areas, population. No Flask here.

Every import is a plan, then applied (geo.ingest.plan): the registry (geo.ingest.registry)
chooses the reader, the planner validates and compares every row against the database, and
applying writes the plan in ONE transaction inside one recorded run (geo.ingest.run): the
file is applied whole or not at all, and the run (applied, dry_run or failed) is stored
with its counts and report. A dry run plans (counts, rejections, geocoding) and records the
run as 'dry_run' without writing any place, area or population.

Re-importing a file updates rows instead of duplicating them. Place key: dataset + source
ID, else name + normalised address (geo.geocoding.address.match_key). Counts: new / updated /
unchanged (field values compared). Places of the dataset missing from a re-import are
listed in the report, and closed (status 'closed', valid_to today) only with close_missing.

Rows without coordinates are geocoded with geocoder_for(session) when geocode=True (the
search box's code): 街区/町丁目 matches are placed, 大字 matches are placed and flagged
needs_review, anything coarser or unmatched is kept WITHOUT a point (never on a city hall)
and listed for a coordinator, as are rows without coordinates when geocode=False.

    run_import(session, "places", path, layer="salons", dry_run=True)   # -> ImportReport
    plan = plan_import(session, "places", path, layer="salons")         # recorded dry run -> Plan
    run_import(session, "places", path, layer="salons", expect=plan.fingerprint)  # refused if it changed
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import Integer, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo import clock
from geo.geocoding.address import match_key
from geo.ingest import registry
from geo.ingest.plan import Change, OnChange, Plan, apply_plan
from geo.ingest.records import PlaceRecord, ReadResult, Rejection, reason_text
from geo.ingest.run import ImportFailed, ImportReport, new_report, recorded_run, _clean_json
from geo.ingest.store import diff, get_or_create_dataset, same
from geo.storage.models import AREA_KINDS, OPERATOR_TYPES, PRECISIONS, Dataset, Place

__all__ = ["ImportReport", "ImportFailed", "Plan", "Change", "import_places", "import_areas", "import_population",
           "plan_places", "plan_areas", "plan_population", "plan_import", "run_import"]

FINE_LEVELS = ("街区", "町丁目")
Progress = Callable[[int, int], None]


# ----------------------------------------------------------------------------- running

def run_import(session: Session, what: str, path, *, dry_run: bool = False, commit: bool = True,
               on_change: OnChange | None = None, expect: str | None = None, **options) -> ImportReport:
    """Plan `path` as `what` (places / areas / population) and, unless dry_run, apply the plan: one transaction, one recorded run.

    expect: the fingerprint of a plan shown earlier (a dry run in a browser); applying is
    refused when the plan is no longer the same (the database or the file changed since).
    on_change(change) is called for every written change (see geo.ingest.plan)."""
    planner = PLANNERS.get(what)
    if planner is None:
        raise ValueError(f"取り込みの種類が不正です: {what} (unknown import kind)")
    report = new_report(what, path, dry_run=dry_run, **_report_fields(what, options))
    with recorded_run(session, report, commit=commit):
        plan = planner(session, path, report=report, **options)
        if expect is not None and plan.fingerprint != expect:
            raise ValueError("確認したときから取り込み内容が変わりました。もう一度確認してください "
                             "(the plan changed since it was shown; check it again)")
        if not dry_run:
            report.dataset_id = apply_plan(session, plan, on_change)
    return report


def plan_import(session: Session, what: str, path, **options) -> Plan:
    """A dry run that returns the Plan (recorded as a 'dry_run' run: plan.report.run_id)."""
    planner = PLANNERS[what]
    report = new_report(what, path, dry_run=True, **_report_fields(what, options))
    with recorded_run(session, report):
        plan = planner(session, path, report=report, **options)
    return plan


def _report_fields(what: str, options: dict) -> dict:
    if what == "places":
        return {"layer": options.get("layer")}
    return {"area_kind": options.get("kind") if what == "areas" else "town_block"}


def import_places(session: Session, path, *, layer: str, dry_run: bool = False, **options) -> ImportReport:
    """Import a place list (CSV) into `layer`. Options: see plan_places."""
    return run_import(session, "places", path, layer=layer, dry_run=dry_run, **options)


def import_areas(session: Session, path, *, kind: str, dry_run: bool = False, **options) -> ImportReport:
    """Import area polygons of `kind` (school districts, 地区, catchments, ...), upserting by (kind, code)."""
    return run_import(session, "areas", path, kind=kind, dry_run=dry_run, **options)


def import_population(session: Session, path, *, dry_run: bool = False, **options) -> ImportReport:
    """e-Stat 小地域: boundaries with JINKO/SETAI -> town_block areas + population; or an age
    table (CSV keyed by KEY_CODE) -> age bands onto existing town_block areas."""
    return run_import(session, "population", path, dry_run=dry_run, **options)


# ----------------------------------------------------------------------------- shared steps

def _stem(file_name: str) -> str:
    name = file_name
    for ext in (".topojson", ".geojson", ".json", ".csv", ".tsv", ".txt", ".zip", ".shp", ".gpkg"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return os.path.splitext(name)[0]


def _dataset(session: Session, name: str, kind: str) -> Dataset | None:
    return session.scalar(select(Dataset).where(Dataset.name == name, Dataset.kind == kind))


def _describe_read(report: ImportReport, read: ReadResult) -> None:
    report.format, report.encoding, report.columns = read.format, read.encoding, dict(read.columns)
    report.warnings.extend(read.warnings)


def _source(report: ImportReport, fmt: str, licence: str | None, attribution: str | None, **context) -> None:
    """The licence and attribution given, else the format's defaults; a warning when none."""
    d_licence, d_attr = registry.default_source(fmt, **context)
    report.licence, report.attribution = licence or d_licence, attribution or d_attr
    if not report.attribution:
        report.warnings.append("出典（attribution）が未指定です。--attribution で指定してください "
                               "(no attribution given; pass --attribution)")


def _progress(progress: Progress | None, done: int, total: int) -> None:
    if progress:
        progress(done, total)


def _counts_into(report: ImportReport, plan: Plan) -> None:
    c = plan.counts()
    report.new, report.updated, report.unchanged = c["new"], c["update"], c["unchanged"]


# ----------------------------------------------------------------------------- places: values

_COMPARED = ("layer", "name", "name_kana", "address", "address_key", "precision", "municipality_code",
             "operator", "operator_type", "target_groups", "schedule_text", "fees", "free_of_charge",
             "capacity", "reservation", "reservation_required", "drop_in", "has_consultation",
             "barrier_free", "phone", "email", "url", "note", "extra", "source_id",
             "geocode_level", "geocode_matched", "needs_review", "status", "valid_to", "registered", "lat", "lon")
_WRITTEN = tuple(f for f in _COMPARED if f not in ("lat", "lon")) + ("schedule", "source_row", "fictional")
_SUPPLEMENT_KEYS = ("追加", "_supplement")  # keys of place.extra written by a 追加 (supplement) file
_SUPPLEMENT_FIELDS = ("name_kana", "address", "operator", "operator_type", "schedule_text", "schedule", "fees",
                      "free_of_charge", "capacity", "reservation", "reservation_required", "drop_in",
                      "has_consultation", "barrier_free", "phone", "email", "url", "note")
_INT_MAX = 2_147_483_647


def _ewkt(lat, lon) -> str | None:
    if lat is None or lon is None:
        return None
    return f"SRID=4326;POINT({lon!r} {lat!r})"


def _name_key(name: str | None) -> str:
    return match_key(name or "")


def _place_values(rec: PlaceRecord, layer: str, layer_obj, fictional: bool = False) -> dict:
    extra = dict(rec.extra or {})
    if rec.school_district and "学区" not in extra:
        extra["学区"] = rec.school_district
    has_consultation = rec.has_consultation
    if has_consultation is None:
        has_consultation = layer_obj.has_consultation
    # no NUL can reach here: decode_bytes refuses text holding NUL (PostgreSQL text cannot store it)
    return {
        "layer": layer, "name": rec.name, "name_kana": rec.name_kana, "address": rec.address,
        "address_key": match_key(rec.address) if rec.address else None,
        "precision": rec.precision or layer_obj.default_precision,
        "municipality_code": rec.municipality_code, "operator": rec.operator,
        "operator_type": rec.operator_type, "target_groups": list(rec.target_groups or []),
        "schedule": rec.schedule, "schedule_text": rec.schedule_text, "fees": rec.fees,
        "free_of_charge": rec.free_of_charge, "capacity": rec.capacity, "reservation": rec.reservation,
        "reservation_required": rec.reservation_required, "drop_in": rec.drop_in,
        "has_consultation": has_consultation, "barrier_free": rec.barrier_free, "phone": rec.phone,
        "email": rec.email, "url": rec.url, "note": rec.note, "extra": extra or None,
        "source_id": rec.source_id, "source_row": rec.line, "fictional": fictional,
        "geocode_level": None, "geocode_matched": rec.geocode_matched, "needs_review": False,
        "registered": rec.registered,
        "status": "active", "valid_to": None,
        "lat": rec.lat, "lon": rec.lon,
    }


def _rec_raw(rec: PlaceRecord) -> str:
    return ", ".join(str(x) for x in (rec.source_id, rec.name, rec.address) if x)[:500]


def _value_problem(rec: PlaceRecord, v: dict) -> Rejection | None:
    """Values the database would refuse: reject the row instead of failing the whole file."""
    if v["capacity"] is not None and not (0 <= v["capacity"] <= _INT_MAX):
        return Rejection(rec.line, "capacity_out_of_range", {"value": v["capacity"]}, _rec_raw(rec))
    if v["operator_type"] is not None and v["operator_type"] not in OPERATOR_TYPES:
        extra = dict(v["extra"] or {})
        extra.setdefault("運営種別", v["operator_type"])
        v["extra"], v["operator_type"] = extra, None
    if v["precision"] not in PRECISIONS:
        return Rejection(rec.line, "unknown_precision", {"value": v["precision"]}, _rec_raw(rec))
    return None


def _place_layer(layer: str):
    import layers as layer_registry

    try:
        layer_obj = layer_registry.get(layer)
    except KeyError as e:
        raise ValueError(str(e.args[0])) from None
    if getattr(layer_obj, "kind", "") != "place":
        raise ValueError(f"場所のレイヤーではありません: {layer} (not a place layer)")
    return layer_obj


def _detect_municipality(read: ReadResult, given: str | None, file_name: str) -> tuple[str | None, str | None]:
    """(5-digit code, municipality name) from the option, the rows, or the file name."""
    from geo.geocoding.geocode import MUNICIPALITIES
    from geo.ingest.text import normalize_municipality_code

    code = None
    if given:
        code, w = normalize_municipality_code(given)
        if w:
            raise ValueError(w)
    codes = {r.municipality_code for r in read.records if r.municipality_code}
    if code is None and len(codes) == 1:
        code = codes.pop()
    if code is None and read.format == "takamatsu":
        code = "37201"
    if code is None:
        m = re.match(r"^(\d{6})_", file_name)
        if m:
            code, _ = normalize_municipality_code(m.group(1))
    name = None
    for r in read.records:
        ex = r.extra or {}
        n = ex.get("地方公共団体名") or ex.get("市区町村名")
        if n:
            name = n.strip()
            break
    if name is None and read.format == "takamatsu":
        name = "高松市"
    if name is None and code and code in MUNICIPALITIES:
        name = MUNICIPALITIES[code][1]
    return code, name


# ----------------------------------------------------------------------------- places: the plan

@dataclass
class _Existing:
    """The dataset's places as they are, indexed by source ID and by name + address."""
    rows: list[dict] = field(default_factory=list)
    by_sid: dict[str, dict] = field(default_factory=dict)
    by_name_addr: dict[tuple, dict] = field(default_factory=dict)
    matched: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session, dataset: Dataset | None) -> "_Existing":
        if dataset is None:
            return cls()
        t = Place.__table__
        cols = [t.c.id] + [t.c[c] for c in _COMPARED if c in t.c] + [
            t.c.valid_from, func.ST_Y(t.c.point).label("lat"), func.ST_X(t.c.point).label("lon")]
        rows = [dict(m) for m in session.execute(select(*cols).where(t.c.dataset_id == dataset.id)).mappings()]
        ex = cls(rows, {e["source_id"]: e for e in rows if e["source_id"]})
        for e in rows:
            ex.by_name_addr.setdefault((_name_key(e["name"]), e["address_key"]), e)
        return ex

    def match(self, rec: PlaceRecord, v: dict) -> dict | None:
        """The existing place this record updates: same source ID, else same name and address
        (a place imported without ID); each place is matched once."""
        if rec.source_id:
            old = self.by_sid.get(rec.source_id)
            if old is None:
                cand = self.by_name_addr.get((_name_key(rec.name), v["address_key"]))
                if cand is not None and not cand["source_id"]:
                    old = cand
        else:
            old = self.by_name_addr.get((_name_key(rec.name), v["address_key"]))
        if old is not None and old["id"] in self.matched:
            return None
        if old is not None:
            self.matched.add(old["id"])
        return old

    def unmatched(self) -> list[dict]:
        return [e for e in self.rows if e["id"] not in self.matched and e["status"] != "closed"]


def plan_places(session: Session, path, *, report: ImportReport, layer: str, municipality_code: str | None = None,
                mapping: dict[str, str] | None = None, geocode: bool = False, dataset_name: str | None = None,
                licence: str | None = None, attribution: str | None = None, close_missing: bool = False,
                supplement: bool | None = None, progress: Progress | None = None, today: dt.date | None = None,
                fictional: bool = False, read: ReadResult | None = None) -> Plan:
    """Plan a place list: read → values and duplicates → geocoding → compare → missing places.

    read: records already read (the demo's generated places) instead of reading `path`."""
    layer_obj = _place_layer(layer)
    today = today or clock.today()
    if read is None:
        read = registry.read("places", path, mapping=mapping, municipality_code=municipality_code,
                             default_target_groups=list(layer_obj.default_target_groups) or None, layer=layer,
                             supplement=supplement, default_precision=layer_obj.default_precision)
    _describe_read(report, read)
    plan = Plan("places", report)
    for r in read.rejections:
        plan.reject(r)
    code, muni_name = _detect_municipality(read, municipality_code, report.file_name)
    if read.format == "takamatsu" and not municipality_code and code == "37201":
        report.warnings.append("高松市の形式のため団体コード 37201 としました (Takamatsu layout: municipality 37201 assumed)")
    for r in read.records:
        if not r.municipality_code and code:
            r.municipality_code = code
    report.read = len(read.records) + len(read.rejections)
    if read.format == "jp-standard-supplement":
        return _plan_supplement(session, plan, read, layer, code, dataset_name)

    _source(report, read.format, licence, attribution, municipality_name=muni_name)
    name = dataset_name or f"{layer}:{_stem(report.file_name)}"
    report.dataset_name = name
    ds = _dataset(session, name, "places")
    report.dataset_id = ds.id if ds is not None else None
    existing = _Existing.load(session, ds)

    records, values = _place_rows(plan, read.records, layer, layer_obj, fictional)
    if geocode:
        _geocode_records(session, records, values, report, code)
    else:
        report.geocoding = {"enabled": False}
    _compare_places(plan, records, values, existing, geocode, today, progress)
    _plan_missing(plan, existing, close_missing)
    report.reject(plan.rejections)
    _counts_into(report, plan)
    dataset_fields = dict(layer=layer, municipality_code=code, source_file=report.file_name, format=read.format,
                          licence=report.licence, attribution=report.attribution)
    if fictional:
        dataset_fields["fictional"] = True

    def write(session: Session, plan: Plan, on_change: OnChange | None) -> int:
        ds = get_or_create_dataset(session, name, "places", **dataset_fields)
        _write_places(session, ds.id, plan, today, progress, on_change)
        return ds.id

    plan.writer = write
    return plan


def _place_rows(plan: Plan, records: list[PlaceRecord], layer: str, layer_obj, fictional: bool
                ) -> tuple[list[PlaceRecord], list[dict]]:
    """Values per record; rows the database would refuse and duplicate keys inside the file are rejected."""
    kept: list[PlaceRecord] = []
    values: list[dict] = []
    seen: dict[tuple, int] = {}
    for rec in records:
        v = _place_values(rec, layer, layer_obj, fictional)
        key = ("id", rec.source_id) if rec.source_id else ("na", _name_key(rec.name), v["address_key"])
        if key in seen:
            plan.reject(Rejection(rec.line, "duplicate_id", {"id": rec.source_id, "first": seen[key]}, _rec_raw(rec))
                        if rec.source_id else
                        Rejection(rec.line, "duplicate_name_address", {"first": seen[key]}, _rec_raw(rec)))
            continue
        problem = _value_problem(rec, v)
        if problem:
            plan.reject(problem)
            continue
        seen[key] = rec.line
        kept.append(rec)
        values.append(v)
    return kept, values


def _keep_earlier_values(old: dict | None, v: dict, geocode: bool) -> None:
    """What an earlier import added and this file cannot say is kept: fields a 追加 file filled
    (while this list leaves them empty), its venues, and a point --geocode found for the same address."""
    if old is None:
        return
    old_extra = old.get("extra") or {}
    sup = old_extra.get("_supplement")
    if isinstance(sup, dict):
        for f, val in sup.items():
            if f in _SUPPLEMENT_FIELDS and v.get(f) is None:
                v[f] = val
                if f == "address":
                    v["address_key"] = match_key(val)
    kept = {k: old_extra[k] for k in _SUPPLEMENT_KEYS if k in old_extra}
    if kept:
        v["extra"] = {**(v["extra"] or {}), **kept}
    if v["lat"] is None and not geocode and old["lat"] is not None \
            and old["geocode_level"] and old["address_key"] == v["address_key"]:
        v.update(lat=old["lat"], lon=old["lon"], geocode_level=old["geocode_level"],
                 geocode_matched=old["geocode_matched"], needs_review=old["needs_review"])


def _no_point(report: ImportReport, rec: PlaceRecord, v: dict, geocode: bool, found: dict | None) -> None:
    """A place kept without a point: flagged for review and listed with the reason."""
    v["needs_review"] = True
    if found is None:
        code = ("no_point_no_address" if not rec.address else
                "no_point_not_geocoded" if geocode else "no_point_use_geocode")
        found = {"code": code, "params": {}}
    entry = {"line": rec.line, "name": rec.name, "address": rec.address, **found}
    entry["reason"] = reason_text(found["code"], found.get("params")) if found.get("code") else found.get("reason")
    report.no_point.append(entry)


def _compare_places(plan: Plan, records: list[PlaceRecord], values: list[dict], existing: _Existing,
                    geocode: bool, today: dt.date, progress: Progress | None) -> None:
    """One Change per record: new, update ({field: (old, new)}) or unchanged."""
    report = plan.report
    total = len(records)
    add = plan.rows.append
    for i, (rec, v) in enumerate(zip(records, values), 1):
        old = existing.match(rec, v)
        found = v.pop("_no_point", None)
        _keep_earlier_values(old, v, geocode)
        if v["lat"] is None:
            _no_point(report, rec, v, geocode, found)
        if old is None:
            v["valid_from"] = today
            add(Change("new", rec.line, rec.source_id, rec.name, values=v))
        else:
            changes = diff(old, v, _COMPARED)
            v["valid_from"] = old["valid_from"] or today
            add(Change("update" if changes else "unchanged", rec.line, rec.source_id, rec.name, old["id"],
                       values=v, changes=changes or None))
        if progress and (i % 2000 == 0 or i == total):
            progress(i, total)


def _plan_missing(plan: Plan, existing: _Existing, close_missing: bool) -> None:
    """Places of the dataset that this file no longer holds: listed, closed only with close_missing."""
    report = plan.report
    missing = existing.unmatched()
    report.missing = [{"id": e["id"], "source_id": e["source_id"], "name": e["name"], "address": e["address"]}
                      for e in missing]
    for e in missing:
        plan.add(Change("close" if close_missing else "missing", None, e["source_id"], e["name"], e["id"],
                        changes={"status": (e["status"], "closed")} if close_missing else None))
    if missing and close_missing:
        report.closed = len(missing)
        if any(c.fate == "rejected" for c in plan.rows):
            report.warnings.append("不採用の行があるまま --close-missing を実行しました。不採用行の場所も終了扱いになります "
                                   "(--close-missing with rejected rows: their places are closed too)")


def _geocode_records(session: Session, records: list[PlaceRecord], values: list[dict], report: ImportReport,
                     municipality_code: str | None) -> None:
    from geo.geocoding.gazetteer import geocoder_for

    geocoder = geocoder_for(session)
    levels: dict[str, int] = {}
    g = {"enabled": True, "attempted": 0, "fine": 0, "coarse_placed": 0, "unplaced": 0, "levels": levels}
    for rec, v in zip(records, values):
        if v["lat"] is not None or not rec.address:
            continue
        g["attempted"] += 1
        ex = rec.extra or {}
        r = geocoder.geocode(rec.address, municipality_code=rec.municipality_code or municipality_code,
                             default_pref=ex.get("都道府県") or ex.get("都道府県名") or None,
                             default_city=ex.get("市区町村名") or None)
        level = r.level if r.ok else "照合できず"
        levels[level] = levels.get(level, 0) + 1
        flagged = {"line": rec.line, "name": rec.name, "address": rec.address, "level": r.level, "matched": r.matched}
        if r.ok and r.level in FINE_LEVELS:
            v.update(lat=r.lat, lon=r.lon, geocode_level=r.level, geocode_matched=r.matched,
                     needs_review=bool(r.needs_review))
            g["fine"] += 1
            if r.needs_review:
                report.needs_review.append({**flagged, "reason": r.reason})
        elif r.ok and r.level == "大字":
            v.update(lat=r.lat, lon=r.lon, geocode_level=r.level, geocode_matched=r.matched, needs_review=True)
            g["coarse_placed"] += 1
            report.needs_review.append({**flagged, "reason": r.reason or reason_text("geocode_coarse")})
        else:
            # unmatched, or only the municipality: never put a place on the city hall
            if r.ok:
                v.update(geocode_level=r.level, geocode_matched=r.matched)
                v["_no_point"] = {"code": "no_point_municipality_only", "params": {"matched": r.matched}}
            else:
                v["_no_point"] = {"reason": r.reason} if r.reason else {"code": "geocode_no_match", "params": {}}
            v["needs_review"] = True
            g["unplaced"] += 1
    report.geocoding = g


# ----------------------------------------------------------------------------- places: writing

_BATCH = 5000


def _json_text(v) -> str | None:
    """JSON text for a JSONB column (COPY); NUL, which JSONB cannot hold, is replaced."""
    if v is None:
        return None
    out = json.dumps(v, ensure_ascii=False, default=str)
    return out.replace("\\u0000", "\\ufffd") if "\\u0000" in out else out


def _write_places(session: Session, dataset_id: int, plan: Plan, today: dt.date, progress: Progress | None,
                  on_change: OnChange | None) -> None:
    """New rows with COPY (one stream, the privacy trigger still runs per row), changed rows
    with one executemany UPDATE, missing rows closed with one UPDATE: no per-row ORM work."""
    t = Place.__table__
    cols = list(_WRITTEN) + ["valid_from"]
    conn = session.connection()
    inserts = [c for c in plan.rows if c.fate == "new"]
    updates = [c for c in plan.rows if c.fate == "update"]
    closing = [c for c in plan.rows if c.fate == "close"]
    done, total = 0, len(inserts) + len(updates)
    if inserts:
        first_id = session.scalar(select(func.coalesce(func.max(t.c.id), 0))) if on_change else 0
        copy_cols = cols + ["dataset_id", "point"]
        i_extra, i_sched = cols.index("extra"), cols.index("schedule")
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            with cur.copy(f"COPY place ({', '.join(copy_cols)}) FROM STDIN") as cp:
                sched_json: dict[int, str | None] = {}  # schedules are shared by rows with equal columns
                for ch in inserts:
                    v = ch.values
                    sc = v["schedule"]
                    if id(sc) not in sched_json:
                        sched_json[id(sc)] = _json_text(sc)
                    row = [v[c] for c in cols]
                    row[i_extra] = _json_text(v["extra"])
                    row[i_sched] = sched_json[id(sc)]
                    cp.write_row(row + [dataset_id, _ewkt(v["lat"], v["lon"])])
                    done += 1
                    if progress and done % 5000 == 0:
                        progress(done, total)
        _progress(progress, done, total)
        if on_change:
            ids = dict(session.execute(select(t.c.source_row, t.c.id).where(t.c.dataset_id == dataset_id,
                                                                          t.c.id > first_id)).all())
            for ch in inserts:
                ch.target_id = ids.get(ch.line)
    if updates:
        stmt = (update(t).where(t.c.id == bindparam("_id"))
                .values(**{c: bindparam("u_" + c) for c in cols}, point=bindparam("u_point", type_=t.c.point.type),
                        updated_at=func.now()))
        for start in range(0, len(updates), _BATCH):
            chunk = updates[start:start + _BATCH]
            conn.execute(stmt, [{"_id": ch.target_id, **{"u_" + c: ch.values.get(c) for c in cols},
                                 "u_point": _ewkt(ch.values["lat"], ch.values["lon"])} for ch in chunk])
            done += len(chunk)
            _progress(progress, done, total)
    if closing:
        session.execute(update(t).where(t.c.id.in_([c.target_id for c in closing]))
                        .values(status="closed", valid_to=today, updated_at=func.now()))
    # 最終確認日: every place present in this file, changed or not, and every new one
    # (updated_at kept as it is: nothing about the place changed)
    present = [c.target_id for c in plan.rows if c.fate in ("update", "unchanged") and c.target_id]
    session.execute(update(t).where(t.c.dataset_id == dataset_id,
                                    t.c.id.in_(select(func.unnest(bindparam("present", present, type_=ARRAY(Integer)))))
                                    | t.c.confirmed_at.is_(None))
                    .values(confirmed_at=func.now(), updated_at=t.c.updated_at))
    session.flush()
    if on_change:
        for ch in inserts + updates + closing:
            on_change(ch)


# ----------------------------------------------------------------------------- places: 追加 (supplement) files

def _find_supplement_target(session: Session, layer: str, file_name: str, code: str | None) -> Dataset | None:
    cands = list(session.scalars(select(Dataset).where(Dataset.kind == "places", Dataset.layer == layer)
                                 .order_by(Dataset.id)))
    stem = _stem(file_name)
    base = re.sub(r"[_\-\s]*(tsuika|追加|supplement|add)$", "", stem, flags=re.I)
    by_prefix = [d for d in cands if d.source_file and (
        _stem(d.source_file) == base or (base.startswith(_stem(d.source_file)) and _stem(d.source_file) != stem))]
    if by_prefix:
        return max(by_prefix, key=lambda d: len(d.source_file or ""))
    if code:
        same_code = [d for d in cands if d.municipality_code == code]
        if len(same_code) == 1:
            return same_code[0]
    return None


def _supplement_entry(rec: PlaceRecord) -> dict:
    """A 追加 row kept whole (often another venue or session of the same place)."""
    e = {"行": rec.line, "住所": rec.address, "緯度": rec.lat, "経度": rec.lon, "開催日時": rec.schedule_text,
         "参加費": rec.fees, "定員": rec.capacity, "予約": rec.reservation, "備考": rec.note, **(rec.extra or {})}
    return {k: x for k, x in e.items() if x is not None}


def _supplement_values(cur: dict, recs: list[PlaceRecord]) -> dict[str, Any]:
    """The new values for one place from its 追加 rows: fill only what the main list leaves
    empty (never overwrite its values), and keep every row in extra['追加']."""
    extra = dict(cur.get("extra") or {})
    new: dict[str, Any] = {}
    fill = dict(extra.get("_supplement") or {})
    for rec in recs:
        for f in _SUPPLEMENT_FIELDS:
            val = getattr(rec, f, None)
            if val is not None and (cur.get(f) is None or f in fill) and f not in new:
                val = _clean_json(val) if isinstance(val, (str, dict, list)) else val
                fill[f] = val
                if not same(cur.get(f), val):
                    new[f] = val
    if new.get("address"):
        new["address_key"] = match_key(new["address"])
    want = {**extra, "追加": _clean_json([_supplement_entry(rec) for rec in recs])}
    if fill:
        want["_supplement"] = fill
    if want != extra:
        new["extra"] = want
    return new


def _plan_supplement(session: Session, plan: Plan, read: ReadResult, layer: str, code: str | None,
                     dataset_name: str | None) -> Plan:
    """The 追加 file of the standard dataset: complete existing places by ID, never create places."""
    report = plan.report
    ds = _dataset(session, dataset_name, "places") if dataset_name else \
        _find_supplement_target(session, layer, report.file_name, code)
    if ds is None:
        raise ValueError(
            "追加データ（名称のない補足ファイル）の結合先の一覧が見つかりません。先に元の一覧を取り込むか、"
            "--dataset で結合先を指定してください (supplement file: no place list to merge into; "
            "import the main list first or pass --dataset)")
    report.dataset_name, report.dataset_id = ds.name, ds.id
    report.licence, report.attribution = ds.licence, ds.attribution
    report.geocoding = {"enabled": False}
    report.warnings.append(f"追加データとして「{ds.name}」の場所に ID で結合しました "
                           f"(supplement merged by ID into dataset {ds.name!r})")
    t = Place.__table__
    current = {r.source_id: dict(r._mapping) for r in session.execute(
        select(t.c.id, t.c.source_id, *[t.c[f] for f in _SUPPLEMENT_FIELDS], t.c.extra)
        .where(t.c.dataset_id == ds.id, t.c.source_id.is_not(None)))}
    by_id: dict[str, list[PlaceRecord]] = {}
    for rec in read.records:
        if rec.source_id not in current:
            plan.reject(Rejection(rec.line, "supplement_id_unknown", {"id": rec.source_id, "dataset": ds.name},
                                  _rec_raw(rec)))
            continue
        by_id.setdefault(rec.source_id, []).append(rec)
    for sid, recs in by_id.items():
        cur = current[sid]
        new = _supplement_values(cur, recs)
        for rec in recs:
            if rec.address and rec.address != (cur.get("address") or new.get("address")):
                report.warnings.append(f"{rec.line} 行目: ID {sid} の追加の開催場所「{rec.address}」を記録しました"
                                       f"（位置は元の一覧のまま） (line {rec.line}: additional venue of ID {sid} recorded;"
                                       f" the place keeps its point)")
        changes = {f: (cur.get(f), v) for f, v in new.items()} or None
        for rec in recs:  # every row of the place shares the place's fate
            plan.add(Change("update" if new else "unchanged", rec.line, sid, cur.get("name"), cur["id"],
                            values=new, changes=changes))
    report.reject(plan.rejections)
    _counts_into(report, plan)

    def write(session: Session, plan: Plan, on_change: OnChange | None) -> int:
        written: set[int] = set()
        for ch in plan.rows:
            if ch.fate == "update" and ch.target_id not in written:
                written.add(ch.target_id)
                session.execute(update(t).where(t.c.id == ch.target_id).values(**ch.values, updated_at=func.now()))
                if on_change:
                    on_change(ch)
        session.flush()
        return ds.id

    plan.writer = write
    return plan


# ----------------------------------------------------------------------------- areas and population

def plan_areas(session: Session, path, *, report: ImportReport, kind: str, municipality_code: str | None = None,
               dataset_name: str | None = None, licence: str | None = None, attribution: str | None = None,
               gis_layer: str | None = None, name_column: str | None = None, code_column: str | None = None,
               progress: Progress | None = None) -> Plan:
    """Plan area polygons of `kind`: upserted by (kind, code); areas missing from the file are listed."""
    from geo.ingest.store import area_changes, write_areas
    from geo.ingest.text import normalize_municipality_code

    if kind not in AREA_KINDS:
        raise ValueError(f"区域の種類が不正です: {kind}（{', '.join(AREA_KINDS)}） (unknown area kind)")
    read = registry.read("areas", path, hints={"area_kind": kind, "name_column": name_column},
                         kind=kind, municipality_code=municipality_code, layer=gis_layer,
                         name_column=name_column, code_column=code_column)
    if read.format.startswith("estat-") and municipality_code:
        want, _ = normalize_municipality_code(municipality_code)
        read.records = [r for r in read.records if r.municipality_code == want]
    _describe_read(report, read)
    plan = Plan("areas", report)
    for r in read.rejections:
        plan.reject(r)
    report.read = len(read.records) + len(read.rejections)
    _source(report, read.format, licence, attribution, kind=kind, year=2020)
    name = dataset_name or f"{kind}:{_stem(report.file_name)}" + (f":{municipality_code}" if municipality_code else "")
    report.dataset_name = name
    ds = _dataset(session, name, "areas")
    report.dataset_id = ds.id if ds is not None else None
    changes, missing = area_changes(session, read.records, report.dataset_id)
    plan.rows.extend(changes + missing)
    report.missing = [{"id": m.target_id, "source_id": m.key, "name": m.name, "address": None} for m in missing]
    report.reject(plan.rejections)
    _counts_into(report, plan)
    _progress(progress, len(read.records), len(read.records))
    codes = {r.municipality_code for r in read.records if r.municipality_code}

    def write(session: Session, plan: Plan, on_change: OnChange | None) -> int:
        ds = get_or_create_dataset(session, name, "areas", area_kind=kind, source_file=report.file_name,
                                   format=read.format, municipality_code=codes.pop() if len(codes) == 1 else None,
                                   licence=report.licence, attribution=report.attribution)
        write_areas(session, ds, read.records, changes)
        _changed(changes, on_change)
        return ds.id

    plan.writer = write
    return plan


def _changed(changes: list[Change], on_change: OnChange | None) -> None:
    if on_change:
        for ch in changes:
            if ch.fate in ("new", "update"):
                on_change(ch)


def plan_population(session: Session, path, *, report: ImportReport, year: int = 2020,
                    dataset_name: str | None = None, licence: str | None = None, attribution: str | None = None,
                    progress: Progress | None = None) -> Plan:
    """Plan e-Stat 小地域 population (and the town_block areas of a boundary file)."""
    from geo.ingest.store import area_changes, population_changes, write_areas, write_population

    areas, pops = registry.read("population", path, year=year)
    fmt = pops.format
    report.format, report.encoding, report.columns = fmt, pops.encoding, dict(pops.columns)
    plan = Plan("population", report)
    for r in pops.rejections + (areas.rejections if areas is not None else []):
        plan.reject(r)
    if areas is not None:
        report.warnings.extend(areas.warnings)
    report.warnings.extend(pops.warnings)
    _source(report, fmt, licence, attribution, year=year)
    name = dataset_name or f"population:{_stem(report.file_name)}"
    report.dataset_name = name
    ds = _dataset(session, name, "population")
    report.dataset_id = ds.id if ds is not None else None
    area_rows: list[Change] = []
    if areas is not None:
        area_rows, _ = area_changes(session, areas.records, None)
    pending = {r.code for r in areas.records} if areas is not None else set()
    pop_rows, unknown = population_changes(session, pops.records, areas_pending=pending)
    for rec in unknown:
        plan.reject(Rejection(rec.line, "population_area_unknown", {"code": rec.area_code}))
    gone = {id(u) for u in unknown}
    records = [r for r in pops.records if id(r) not in gone]
    plan.rows.extend(pop_rows)
    report.read = len(pops.records) + len(pops.rejections) + (len(areas.rejections) if areas else 0)
    report.reject(plan.rejections)
    _counts_into(report, plan)
    if areas is not None:
        c = {f: sum(1 for ch in area_rows if ch.fate == f) for f in ("new", "update", "unchanged")}
        report.warnings.append(
            f"町丁・字の区域: 新規 {c['new']} / 更新 {c['update']} / 変更なし {c['unchanged']} "
            f"(town_block areas: new {c['new']}, updated {c['update']}, unchanged {c['unchanged']})")
        report.geocoding = {}
    total = sum(r.total or 0 for r in records)
    report.warnings.append(f"人口の合計 {total:,} 人（{year}年） (population total {total:,}, year {year})")
    _progress(progress, len(records), len(records))
    codes = {r.municipality_code for r in (areas.records if areas else []) if r.municipality_code}

    def write(session: Session, plan: Plan, on_change: OnChange | None) -> int:
        ds = get_or_create_dataset(session, name, "population", area_kind="town_block", source_file=report.file_name,
                                   format=fmt, municipality_code=codes.pop() if len(codes) == 1 else None,
                                   licence=report.licence, attribution=report.attribution)
        if areas is not None:
            write_areas(session, ds, areas.records, area_rows)
            _changed(area_rows, on_change)
        write_population(session, ds, records, pop_rows)
        _changed(pop_rows, on_change)
        return ds.id

    plan.writer = write
    return plan


PLANNERS = {"places": plan_places, "areas": plan_areas, "population": plan_population}
