"""Writing records to the database: datasets, areas, population. No Flask here.

Callers hold the transaction (geo.storage.db.session_scope): a file is written whole or not at all.
"""
from __future__ import annotations

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.storage.models import Area, Dataset, Population
from geo.ingest.records import AreaRecord, PopulationRecord


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


def _existing_areas(session: Session, records: list[AreaRecord]) -> dict[tuple[str, str], Area]:
    if not records:
        return {}
    return {(a.kind, a.code): a for a in session.scalars(
        select(Area).where(Area.kind.in_({r.kind for r in records}),
                           Area.code.in_([r.code for r in records])))}


def _area_same(area: Area, rec: AreaRecord, mp: MultiPolygon) -> bool:
    if area.name != rec.name or (area.properties or {}) != (rec.properties or {}) \
            or area.municipality_code != rec.municipality_code:
        return False
    try:
        return area.geom is not None and to_shape(area.geom).equals_exact(mp, 1e-9)
    except Exception:  # noqa: BLE001 - a geometry that cannot be compared counts as changed
        return False


def compare_areas(session: Session, records: list[AreaRecord], dataset_id: int | None = None
                  ) -> tuple[dict[str, int], list[dict]]:
    """What save_areas would do, without writing: counts new/updated/unchanged, and the areas
    of dataset `dataset_id` that are not in `records` (never deleted; listed for the report)."""
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    existing = _existing_areas(session, records)
    seen: set[tuple[str, str]] = set()
    for rec in records:
        key = (rec.kind, rec.code)
        area = existing.get(key)
        if area is None or key in seen:
            counts["new" if key not in seen else "updated"] += 1
        elif _area_same(area, rec, as_multipolygon(rec.geometry)):
            counts["unchanged"] += 1
        else:
            counts["updated"] += 1
        seen.add(key)
    missing: list[dict] = []
    if dataset_id is not None:
        for a in session.execute(select(Area.id, Area.kind, Area.code, Area.name)
                                 .where(Area.dataset_id == dataset_id).order_by(Area.id)):
            if (a.kind, a.code) not in seen:
                missing.append({"id": a.id, "source_id": a.code, "name": a.name, "address": None})
    return counts, missing


def save_areas(session: Session, dataset: Dataset, records: list[AreaRecord]) -> dict[str, int]:
    """Upsert areas by (kind, code). Returns counts new/updated/unchanged (name, properties,
    municipality and geometry compared)."""
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    existing = _existing_areas(session, records)
    for rec in records:
        mp = as_multipolygon(rec.geometry)
        area = existing.get((rec.kind, rec.code))
        if area is None:
            area = Area(kind=rec.kind, code=rec.code)
            session.add(area)
            existing[(rec.kind, rec.code)] = area
            counts["new"] += 1
        elif _area_same(area, rec, mp):
            counts["unchanged"] += 1
            if area.dataset_id != dataset.id:
                area.dataset_id = dataset.id
            continue
        else:
            counts["updated"] += 1
        geom = from_shape(mp, srid=4326)
        area.name = rec.name
        area.municipality_code = rec.municipality_code
        area.geom = geom
        area.properties = rec.properties or {}
        area.dataset_id = dataset.id
    session.flush()
    return counts


def save_population(session: Session, dataset: Dataset, records: list[PopulationRecord],
                    kind: str = "town_block") -> dict[str, int]:
    """Attach population counts to areas of `kind` by code. Unknown codes are returned as missing."""
    counts = {"new": 0, "updated": 0, "unchanged": 0, "missing": 0}
    areas = {a.code: a for a in session.scalars(select(Area).where(Area.kind == kind))}
    existing = {(p.area_id, p.year): p for p in session.scalars(select(Population))}
    for rec in records:
        area = areas.get(rec.area_code)
        if area is None:
            counts["missing"] += 1
            continue
        pop = existing.get((area.id, rec.year))
        if pop is None:
            pop = Population(area_id=area.id, year=rec.year)
            session.add(pop)
            existing[(area.id, rec.year)] = pop
            counts["new"] += 1
        elif all(getattr(rec, f) is None or getattr(pop, f) == getattr(rec, f) for f in _POP_FIELDS):
            counts["unchanged"] += 1
            continue
        else:
            counts["updated"] += 1
        for field in _POP_FIELDS:
            value = getattr(rec, field)
            if value is not None:  # an age table adds bands without erasing the boundary totals
                setattr(pop, field, value)
        pop.dataset_id = dataset.id
    session.flush()
    return counts


_POP_FIELDS = ("total", "age_0_14", "age_15_64", "age_65_over", "households")


def compare_population(session: Session, records: list[PopulationRecord], kind: str = "town_block",
                       areas_pending: set[str] | frozenset = frozenset()) -> dict[str, int]:
    """What save_population would do, without writing. `areas_pending`: codes of areas that the
    same import creates (their population is new when the area does not exist yet)."""
    counts = {"new": 0, "updated": 0, "unchanged": 0, "missing": 0}
    rows = session.execute(select(Area.code, Population).join(Population, Population.area_id == Area.id)
                           .where(Area.kind == kind))
    existing = {(code, p.year): p for code, p in rows}
    known = set(session.scalars(select(Area.code).where(Area.kind == kind))) | set(areas_pending)
    done: set[tuple[str, int]] = set()
    for rec in records:
        key = (rec.area_code, rec.year)
        if rec.area_code not in known:
            counts["missing"] += 1
            continue
        pop = existing.get(key)
        if pop is None and key not in done:
            counts["new"] += 1
        elif pop is not None and all(getattr(rec, f) is None or getattr(pop, f) == getattr(rec, f)
                                     for f in _POP_FIELDS):
            counts["unchanged"] += 1
        else:
            counts["updated"] += 1
        done.add(key)
    return counts
