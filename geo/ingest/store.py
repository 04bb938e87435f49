"""Comparing records with the database and writing them: datasets, areas, population. No Flask.

Comparing and saving share one diff (`diff`) and one field list per table, so what a dry run
reports is exactly what applying writes. Callers hold the transaction (an import's recorded
run, or geo.storage.db.session_scope): a file is written whole or not at all.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.ingest.plan import Change
from geo.ingest.records import AreaRecord, PopulationRecord
from geo.storage.models import Area, Dataset, Population

__all__ = ["same", "diff", "as_multipolygon", "get_or_create_dataset", "AREA_FIELDS", "POPULATION_FIELDS",
           "area_changes", "write_areas", "save_areas", "population_changes", "write_population",
           "save_population"]

_EMPTY = (None, [], {})


def same(a, b) -> bool:
    """Equal as stored: None, [] and {} are all 'empty'; floats to 7 decimals (about 1 cm)."""
    if a == b:
        return True
    if a in _EMPTY and b in _EMPTY:
        return True
    if isinstance(a, float) or isinstance(b, float):
        try:
            return round(float(a), 7) == round(float(b), 7)
        except (TypeError, ValueError):
            return False
    return False


def diff(old: Mapping[str, Any], new: Mapping[str, Any], fields: Iterable[str], *, skip_none: bool = False,
         equal: Mapping[str, Callable[[Any, Any], bool]] | None = None) -> dict[str, tuple[Any, Any]]:
    """{field: (old, new)} for the fields whose values differ. skip_none: a None in `new` means
    'not given' (an age table adds bands without erasing the boundary totals)."""
    out: dict[str, tuple[Any, Any]] = {}
    eqs = equal or {}
    for f in fields:
        b = new.get(f)
        if skip_none and b is None:
            continue
        a = old.get(f)
        eq = eqs.get(f)
        if eq is None:
            if a == b or same(a, b):  # the first test settles almost every field of a large re-import
                continue
        elif eq(a, b):
            continue
        out[f] = (a, b)
    return out


def as_multipolygon(geom) -> MultiPolygon:
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    flat: list[Polygon] = []
    for g in polys:
        flat.extend(g.geoms if isinstance(g, MultiPolygon) else [g])
    if not flat:
        raise ValueError(f"面ではありません (not a polygon): {geom.geom_type}")
    return MultiPolygon(flat)


def get_or_create_dataset(session: Session, name: str, kind: str, **fields) -> Dataset:
    ds = session.scalar(select(Dataset).where(Dataset.name == name, Dataset.kind == kind))
    if ds is None:
        ds = Dataset(name=name, kind=kind)
        session.add(ds)
    for key, value in fields.items():
        setattr(ds, key, value)
    session.flush()
    return ds


# ----------------------------------------------------------------------------- areas

AREA_FIELDS = ("name", "municipality_code", "properties", "geom")


def _same_geom(a, b) -> bool:
    try:
        return a is not None and b is not None and a.equals_exact(b, 1e-9)
    except Exception:  # noqa: BLE001 - a geometry that cannot be compared counts as changed
        return False


def _area_values(area: Area) -> dict[str, Any]:
    try:
        geom = to_shape(area.geom) if area.geom is not None else None
    except Exception:  # noqa: BLE001
        geom = None
    return {"name": area.name, "municipality_code": area.municipality_code, "properties": area.properties or {},
            "geom": geom}


def _record_values(rec: AreaRecord) -> dict[str, Any]:
    return {"name": rec.name, "municipality_code": rec.municipality_code, "properties": rec.properties or {},
            "geom": as_multipolygon(rec.geometry)}


def area_changes(session: Session, records: list[AreaRecord], dataset_id: int | None = None
                 ) -> tuple[list[Change], list[Change]]:
    """What writing `records` would do, without writing: one Change per record (new / update
    with {field: (old, new)} / unchanged, keyed by (kind, code)), and the areas of dataset
    `dataset_id` that are not in `records` (fate 'missing': never deleted, listed)."""
    existing = _existing_areas(session, records)
    out: list[Change] = []
    seen: dict[tuple[str, str], Change] = {}
    for rec in records:
        key = (rec.kind, rec.code)
        new = _record_values(rec)
        area = existing.get(key)
        if key in seen:  # a code twice in one file: the later record wins
            out.append(Change("update", rec.line, rec.code, rec.name, seen[key].target_id, values=new,
                              changes={f: (None, new[f]) for f in AREA_FIELDS}))
        elif area is None:
            out.append(Change("new", rec.line, rec.code, rec.name, values=new))
        else:
            changes = diff(_area_values(area), new, AREA_FIELDS, equal={"geom": _same_geom})
            out.append(Change("update" if changes else "unchanged", rec.line, rec.code, rec.name, area.id,
                              values=new, changes=changes or None))
        seen.setdefault(key, out[-1])
    missing: list[Change] = []
    if dataset_id is not None:
        for a in session.execute(select(Area.id, Area.kind, Area.code, Area.name)
                                 .where(Area.dataset_id == dataset_id).order_by(Area.id)):
            if (a.kind, a.code) not in seen:
                missing.append(Change("missing", None, a.code, a.name, a.id))
    return out, missing


def _existing_areas(session: Session, records: list[AreaRecord]) -> dict[tuple[str, str], Area]:
    if not records:
        return {}
    return {(a.kind, a.code): a for a in session.scalars(
        select(Area).where(Area.kind.in_({r.kind for r in records}),
                           Area.code.in_([r.code for r in records])))}


def write_areas(session: Session, dataset: Dataset, records: list[AreaRecord], changes: list[Change]) -> None:
    """Write the area Changes planned by area_changes (same order as `records`)."""
    existing = _existing_areas(session, records)
    for rec, ch in zip(records, changes):
        area = existing.get((rec.kind, rec.code))
        if ch.fate == "unchanged":
            if area is not None and area.dataset_id != dataset.id:
                area.dataset_id = dataset.id
            continue
        if area is None:
            area = Area(kind=rec.kind, code=rec.code)
            session.add(area)
            existing[(rec.kind, rec.code)] = area
        v = ch.values
        area.name, area.municipality_code, area.properties = v["name"], v["municipality_code"], v["properties"]
        area.geom = from_shape(v["geom"], srid=4326)
        area.dataset_id = dataset.id
    session.flush()
    for rec, ch in zip(records, changes):
        if ch.target_id is None:
            ch.target_id = existing[(rec.kind, rec.code)].id


def save_areas(session: Session, dataset: Dataset, records: list[AreaRecord]) -> dict[str, int]:
    """Upsert areas by (kind, code) -> counts new/updated/unchanged."""
    changes, _ = area_changes(session, records)
    write_areas(session, dataset, records, changes)
    return _counts(changes)


# ----------------------------------------------------------------------------- population

POPULATION_FIELDS = ("total", "age_0_14", "age_15_64", "age_65_over", "households")


def population_changes(session: Session, records: list[PopulationRecord], kind: str = "town_block",
                       areas_pending: set[str] | frozenset = frozenset()) -> tuple[list[Change], list[PopulationRecord]]:
    """(Changes keyed by KEY_CODE for the records whose area exists or is created by the same
    import (`areas_pending`), records whose area does not exist). A None value never erases."""
    rows = session.execute(select(Area.code, Population).join(Population, Population.area_id == Area.id)
                           .where(Area.kind == kind))
    existing = {(code, p.year): p for code, p in rows}
    known = set(session.scalars(select(Area.code).where(Area.kind == kind))) | set(areas_pending)
    out: list[Change] = []
    unknown: list[PopulationRecord] = []
    done: set[tuple[str, int]] = set()
    for rec in records:
        key = (rec.area_code, rec.year)
        if rec.area_code not in known:
            unknown.append(rec)
            continue
        new = {f: getattr(rec, f) for f in POPULATION_FIELDS}
        pop = existing.get(key)
        if pop is None:
            out.append(Change("update" if key in done else "new", rec.line, rec.area_code, None, values=new,
                              changes={f: (None, v) for f, v in new.items() if v is not None} if key in done else None))
        else:
            changes = diff({f: getattr(pop, f) for f in POPULATION_FIELDS}, new, POPULATION_FIELDS, skip_none=True)
            out.append(Change("update" if changes else "unchanged", rec.line, rec.area_code, None, pop.id,
                              values=new, changes=changes or None))
        done.add(key)
    return out, unknown


def write_population(session: Session, dataset: Dataset, records: list[PopulationRecord], changes: list[Change],
                     kind: str = "town_block") -> None:
    """Write population Changes (same order as `records`) onto areas of `kind` by code."""
    areas = dict(session.execute(select(Area.code, Area.id).where(Area.kind == kind)).all())
    existing = {(p.area_id, p.year): p for p in session.scalars(select(Population))}
    for rec, ch in zip(records, changes):
        if ch.fate == "unchanged":
            continue
        area_id = areas[rec.area_code]
        pop = existing.get((area_id, rec.year))
        if pop is None:
            pop = Population(area_id=area_id, year=rec.year)
            session.add(pop)
            existing[(area_id, rec.year)] = pop
        for f, value in ch.values.items():
            if value is not None:  # an age table adds bands without erasing the boundary totals
                setattr(pop, f, value)
        pop.dataset_id = dataset.id
    session.flush()
    for rec, ch in zip(records, changes):
        if ch.target_id is None:
            ch.target_id = existing[(areas[rec.area_code], rec.year)].id


def save_population(session: Session, dataset: Dataset, records: list[PopulationRecord],
                    kind: str = "town_block") -> dict[str, int]:
    """Attach population counts to areas of `kind` by code -> counts (unknown codes: 'missing')."""
    changes, unknown = population_changes(session, records, kind)
    gone = {id(r) for r in unknown}
    known = [r for r in records if id(r) not in gone]
    write_population(session, dataset, known, changes, kind)
    return {**_counts(changes), "missing": len(unknown)}


def _counts(changes: list[Change]) -> dict[str, int]:
    c = {"new": 0, "updated": 0, "unchanged": 0}
    for ch in changes:
        c["updated" if ch.fate == "update" else ch.fate] += 1
    return c
