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
from sqlalchemy.orm import Session, defer

from geo.storage.models import Area, Dataset, Place
from geo import clock

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


# The hot statements compiled to SQL text once a day (active_on() holds today's date): run with
# Connection.exec_driver_sql, they skip SQLAlchemy's per-call statement building, cache-key
# walk and compilation; psycopg prepares them on the server after a few uses.
_COMPILED: dict[str, tuple] = {}


def _compiled(key: str, build, dialect) -> tuple[str, dict]:
    today = clock.today()
    hit = _COMPILED.get(key)
    if hit is None or hit[0] != today:
        compiled = build().compile(dialect=dialect)
        sql = str(compiled)
        assert "POSTCOMPILE" not in sql, sql   # only fixed-shape statements here
        hit = _COMPILED[key] = (today, sql, dict(compiled.params))
    return hit[1], hit[2]


def _run_compiled(session: Session, key: str, build, params: dict) -> list:
    """Run a compiled hot statement on the session's connection through the driver itself
    (psycopg, prepared on the server, rows as named tuples). A driver error is raised as
    SQLAlchemy's (so the web layer's 503 for a lost database still applies), and a dead
    connection is invalidated so the pool replaces it."""
    from psycopg.rows import namedtuple_row
    from sqlalchemy import exc as sa_exc

    sql, fixed = _compiled(key, build, session.get_bind().dialect)
    conn = session.connection()
    driver = conn.connection.driver_connection
    values = {**fixed, **params}
    try:
        with driver.cursor(row_factory=namedtuple_row) as cur:
            cur.execute(sql, values, prepare=True)
            return cur.fetchall()
    except conn.dialect.loaded_dbapi.Error as err:
        lost = conn.dialect.is_disconnect(err, driver, None) or driver.closed
        if lost:
            conn.invalidate(err)
        raise sa_exc.DBAPIError.instance(sql, values, err, conn.dialect.loaded_dbapi.Error,
                                         connection_invalidated=lost, dialect=conn.dialect) from err


def _plain_lean_nearest_stmt():
    """The `batch` candidates nearest by the KNN operator, but only the `limit` nearest of them in
    metres come back, with what the exactness check needs: how many candidates there were and the
    planar distance of the farthest (so the wire carries 10 rows, not 30)."""
    from sqlalchemy import Integer, bindparam
    cand = nearest_select(bindparam("lat", type_=Float), bindparam("lon", type_=Float),
                          lean=True).limit(bindparam("batch", type_=Integer)).cte("cand")
    reach = select(func.max(cand.c.planar)).scalar_subquery().label("reach")
    fetched = select(func.count()).select_from(cand).scalar_subquery().label("fetched")
    return (select(cand, reach, fetched).order_by(cand.c.distance, cand.c.id)
            .limit(bindparam("lim", type_=Integer)))


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
    if lean and not layers and where is None and accept is None:
        # the commonest request: one statement compiled once, ranked in metres by the database
        while True:
            rows = _run_compiled(session, "nearest", _plain_lean_nearest_stmt,
                                 {"lat": lat, "lon": lon, "batch": batch, "lim": limit})
            kept = [(r, float(r.distance)) for r in rows]
            if not rows or rows[0].fetched < batch:
                return kept
            if _settled(kept, limit, lat, float(rows[0].reach)):
                return kept
            batch *= 4
    q = nearest_select(lat, lon, layers, where, lean=lean)
    while True:
        rows = session.execute(q.limit(batch)).all()
        if lean:
            triples = [(r, r.distance, r.planar) for r in rows]
        else:
            triples = rows
        kept = [(p, float(d)) for p, d, _ in triples if accept is None or accept(p)]
        kept.sort(key=lambda pd: (pd[1], pd[0].id))
        if len(rows) < batch:           # everything that matches was fetched
            return kept[:limit]
        if _settled(kept, limit, lat, float(triples[-1][2])):
            return kept[:limit]
        batch *= 4


def _settled(kept: list[tuple], limit: int, lat: float, reach: float) -> bool:
    """Whether the `limit` nearest of the candidates `kept` (sorted by metres) are final: no
    unfetched place, all farther than `reach` degrees (planar), can be nearer than the last."""
    return len(kept) >= limit and kept[limit - 1][1] <= reach * _metres_per_degree_floor(lat, reach)


def _plain_bbox_stmt():
    from sqlalchemy import Integer, bindparam
    return _bbox_lean_select(BBox(*(bindparam(k, type_=Float) for k in ("west", "south", "east", "north")))
                             ).order_by(Place.id).limit(bindparam("lim", type_=Integer))


def _bbox_lean_select(bbox: BBox):
    from geo.places.privacy import public_columns
    return select(*public_columns()).where(Place.public_point.is_not(None),
                                           func.ST_Intersects(Place.public_point, bbox.envelope()), active_on())


def places_in_bbox_lean(session: Session, bbox: BBox, where=None, limit: int | None = None):
    """Rows of the public columns of the active places whose public point is in the box, by id."""
    if where is None and limit is not None:
        return _run_compiled(session, "bbox", _plain_bbox_stmt,
                             {"west": bbox.west, "south": bbox.south, "east": bbox.east, "north": bbox.north,
                              "lim": limit})
    q = _bbox_lean_select(bbox)
    if where is not None:
        q = q.where(where)
    q = q.order_by(Place.id)
    if limit is not None:
        q = q.limit(limit)
    return session.execute(q).all()


def areas_at(session: Session, lat: float, lon: float, kinds: list[str] | None = None) -> list[Area]:
    here = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    # the outline itself is not needed by anyone asking "which areas are here" (and is the bulk of a row)
    q = select(Area).options(defer(Area.geom)).where(func.ST_Intersects(Area.geom, here))
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
