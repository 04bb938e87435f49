"""Writing records to the database: datasets, areas, population. No Flask here.

Callers hold the transaction (geo.db.session_scope): a file is written whole or not at all.
"""
from __future__ import annotations

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.models import Area, Dataset, Population
from geo.records import AreaRecord, PopulationRecord


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


def save_areas(session: Session, dataset: Dataset, records: list[AreaRecord]) -> dict[str, int]:
    """Upsert areas by (kind, code). Returns counts new/updated/unchanged."""
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    existing = {(a.kind, a.code): a for a in session.scalars(
        select(Area).where(Area.kind.in_({r.kind for r in records}),
                           Area.code.in_([r.code for r in records])))}
    for rec in records:
        geom = from_shape(as_multipolygon(rec.geometry), srid=4326)
        area = existing.get((rec.kind, rec.code))
        if area is None:
            area = Area(kind=rec.kind, code=rec.code)
            session.add(area)
            existing[(rec.kind, rec.code)] = area
            counts["new"] += 1
        elif area.name == rec.name and area.properties == (rec.properties or {}):
            counts["unchanged"] += 1
        else:
            counts["updated"] += 1
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
    counts = {"new": 0, "updated": 0, "missing": 0}
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
        else:
            counts["updated"] += 1
        for field in ("total", "age_0_14", "age_15_64", "age_65_over", "households"):
            value = getattr(rec, field)
            if value is not None:  # an age table adds bands without erasing the boundary totals
                setattr(pop, field, value)
        pop.dataset_id = dataset.id
    session.flush()
    return counts
