"""Spatial queries: places in a box, nearest places, areas at a point. No Flask here.

Places are always located by their public point (see geo/places/privacy.py), so a query can
never reveal a private location by what it returns or by how it orders results.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

from sqlalchemy import Float, and_, func, or_, select
from sqlalchemy.orm import Session

from geo.storage.models import Area, Dataset, Place
from geo import clock
from geo.vocab import Invalid

WALK_M_PER_MIN = 80


def walking_minutes(metres: float) -> int:
    """Walking time at 80 m per minute (the real-estate rule in Japan), rounded up, at least 1."""
    return max(1, math.ceil(metres / WALK_M_PER_MIN))


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    def envelope(self):
        return func.ST_MakeEnvelope(self.west, self.south, self.east, self.north, 4326)


def active_on(day: dt.date | None = None):
    """Places active on a day (valid_from/valid_to, status)."""
    day = day or clock.today()
    return and_(
        Place.status == "active",
        or_(Place.valid_from.is_(None), Place.valid_from <= day),
        or_(Place.valid_to.is_(None), Place.valid_to >= day),
    )


def places_in_bbox(session: Session, bbox: BBox, layers: list[str] | None = None,
                   limit: int = 5000) -> list[Place]:
    q = select(Place).where(Place.public_point.is_not(None),
                            func.ST_Intersects(Place.public_point, bbox.envelope()), active_on())
    if layers:
        q = q.where(Place.layer.in_(layers))
    return list(session.scalars(q.order_by(Place.id).limit(limit)))


def _metres_per_degree_floor(lat: float, reach_deg: float) -> float:
    """A lower bound on the metres one degree of planar distance covers within reach of lat."""
    worst = min(89.0, abs(lat) + reach_deg)
    return 111_000.0 * math.cos(math.radians(worst))


def first_batch(limit: int) -> int:
    """How many candidates the nearest search fetches first (see nearest_places)."""
    return max(limit * 2, limit + 20)


def nearest_select(lat: float, lon: float, layers: list[str] | None = None, where=None, lean: bool = False):
    """SELECT place, metres, planar distance ... ORDER BY public_point <-> here (KNN on the GiST index).
    lean: only the public columns (geo.places.privacy.public_columns) + distance + planar, as rows."""
    here = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    distance = func.ST_Distance(func.geography(Place.public_point), func.geography(here))
    planar = Place.public_point.op("<->", return_type=Float)(here)
    if lean:
        from geo.places.privacy import public_columns
        q = select(*public_columns(), distance.label("distance"), planar.label("planar"))
    else:
        q = select(Place, distance, planar)
    q = q.where(Place.public_point.is_not(None), active_on())
    if layers:
        q = q.where(Place.layer.in_(layers))
    if where is not None:
        q = q.where(where)
    return q.order_by(planar)


_PLAIN_LEAN_NEAREST: tuple = (None, None)


def _plain_lean_nearest():
    """The no-filter lean nearest statement, built once a day (active_on() holds today's date)."""
    global _PLAIN_LEAN_NEAREST
    today = clock.today()
    if _PLAIN_LEAN_NEAREST[0] != today:
        from sqlalchemy import bindparam
        _PLAIN_LEAN_NEAREST = (today, nearest_select(bindparam("lat", type_=Float), bindparam("lon", type_=Float),
                                                     lean=True))
    return _PLAIN_LEAN_NEAREST[1]


def nearest_places(session: Session, lat: float, lon: float, layers: list[str] | None = None,
                   limit: int = 20, where=None, accept=None, lean: bool = False) -> list[tuple]:
    """The `limit` places nearest in metres, by the KNN operator on the GiST index of public_point.

    `<->` orders by planar distance in degrees, which is not metric order (a degree of
    longitude is shorter than one of latitude). So candidates are fetched in planar order,
    ranked by their true geodesic distance, and the batch grows until no place beyond it
    could still be nearer: exact, and still an index scan. `where` adds SQL conditions;
    `accept(place)` is a Python check for what SQL cannot express (schedule bands).
    Distances are from the public point only, so they never reveal a private location.
    Returns (place, metres) pairs; with `lean` the place is a row of the public columns
    (for the hot paths: no ORM objects, no geometry parsing), which geo.places.privacy reads
    the same way as a Place.
    """
    batch = first_batch(limit)
    if lean and not layers and where is None:
        # the commonest request: one statement built once, with parameters
        q, params = _plain_lean_nearest(), {"lat": lat, "lon": lon}
    else:
        q, params = nearest_select(lat, lon, layers, where, lean=lean), {}
    while True:
        rows = session.execute(q.limit(batch), params).all()
        if lean:
            triples = [(r, r.distance, r.planar) for r in rows]
        else:
            triples = rows
        kept = [(p, float(d)) for p, d, _ in triples if accept is None or accept(p)]
        kept.sort(key=lambda pd: (pd[1], pd[0].id))
        if len(rows) < batch:           # everything that matches was fetched
            return kept[:limit]
        reach = float(triples[-1][2])   # no unfetched place is nearer than this, in degrees
        if len(kept) >= limit and kept[limit - 1][1] <= reach * _metres_per_degree_floor(lat, reach):
            return kept[:limit]
        batch *= 4


def places_in_bbox_lean(session: Session, bbox: BBox, where=None, limit: int | None = None):
    """Rows of the public columns of the active places whose public point is in the box, by id."""
    from geo.places.privacy import public_columns
    q = select(*public_columns()).where(Place.public_point.is_not(None),
                                        func.ST_Intersects(Place.public_point, bbox.envelope()), active_on())
    if where is not None:
        q = q.where(where)
    q = q.order_by(Place.id)
    if limit is not None:
        q = q.limit(limit)
    return session.execute(q).all()


def areas_at(session: Session, lat: float, lon: float, kinds: list[str] | None = None) -> list[Area]:
    here = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    q = select(Area).where(func.ST_Intersects(Area.geom, here))
    if kinds:
        q = q.where(Area.kind.in_(kinds))
    return list(session.scalars(q.order_by(Area.kind, Area.name)))


def areas_geojson(session: Session, kind: str, bbox: BBox | None = None,
                  simplify_deg: float = 0.0) -> dict:
    """A FeatureCollection of the areas of one kind (geometry simplified if asked)."""
    geom = Area.geom if not simplify_deg else func.ST_SimplifyPreserveTopology(Area.geom, simplify_deg)
    q = select(Area.id, Area.kind, Area.code, Area.name, Area.municipality_code,
               func.ST_AsGeoJSON(geom, 6).label("gj"),
               func.ST_Y(func.ST_PointOnSurface(Area.geom)).label("label_lat"),
               func.ST_X(func.ST_PointOnSurface(Area.geom)).label("label_lon")).where(Area.kind == kind)
    if bbox:
        q = q.where(func.ST_Intersects(Area.geom, bbox.envelope()))
    features = []
    for row in session.execute(q.order_by(Area.code)):
        features.append({
            "type": "Feature", "id": row.id, "geometry": json.loads(row.gj),
            "properties": {"id": row.id, "kind": row.kind, "code": row.code, "name": row.name,
                           "municipality_code": row.municipality_code,
                           "label_lat": row.label_lat, "label_lon": row.label_lon},
        })
    return {"type": "FeatureCollection", "features": features}


def attributions(session: Session) -> list[str]:
    """Distinct attribution texts of every dataset loaded, for the map and exports."""
    rows = session.scalars(select(Dataset.attribution).where(Dataset.attribution.is_not(None)).distinct())
    return sorted({r for r in rows if r})


def has_fictional(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Place).where(Place.fictional.is_(True))))
