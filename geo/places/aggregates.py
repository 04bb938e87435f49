"""National-density maps: how many places lie in each square of the screen, by layer. No Flask.

At low zoom a map of 100,000 places cannot draw them one by one (megabytes of JSON, a wall of
markers). Instead the server counts the places per grid cell, by layer, and the map draws one
labelled circle per cell; from STREET_ZOOM, or whenever the view holds few enough places, the map
shows the places themselves as before.

The grid is the web map's own tile grid: each 256-pixel tile at `zoom` is split into
CELLS_PER_TILE x CELLS_PER_TILE cells (64 px squares on screen). Cells are computed per tile and
cached per tile (an in-process LRU with a short time to live), so panning only computes the
tiles that came into view, and the same tile is never counted twice within TTL_S.

Privacy: only `public_point` is read (hidden places have none and are not counted). A cell's
position is the mean of the public points in it, which for one place is its public point.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Float, Integer, cast, func, literal, select
from sqlalchemy.orm import Session

from geo.places.queries import BBox, active_on
from geo.vocab import Invalid
from geo.storage.models import Place

CELLS_PER_TILE = 4          # 64-pixel cells on 256-pixel tiles
STREET_ZOOM = 15            # from here on the map always shows points
POINTS_MAX = 1500           # fewer places than this in view: show points at any zoom
MAX_TILES = 400             # a request may cover at most this many tiles (a very wide screen at a low zoom)
TTL_S = 30.0                # an import shows up in the aggregate map within this many seconds
CACHE_TILES = 4096
MAX_LAT = 85.0511287798


def tile_x(lon: float, zoom: int) -> int:
    return min(2 ** zoom - 1, max(0, int((lon + 180.0) / 360.0 * 2 ** zoom)))


def tile_y(lat: float, zoom: int) -> int:
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    r = math.radians(lat)
    return min(2 ** zoom - 1, max(0, int((1.0 - math.asinh(math.tan(r)) / math.pi) / 2.0 * 2 ** zoom)))


def tile_bounds(x: int, y: int, zoom: int) -> BBox:
    n = 2 ** zoom

    def lat(yy: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / n))))
    return BBox(x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y))


@dataclass
class Aggregates:
    zoom: int
    layers: list[str]
    total: int
    mode: str                               # "cells" or "points"
    cells: list[list]                        # [lat, lon, total, [count per layer]]


class TileCache:
    """Tile -> cells, least recently used out, entries older than TTL_S ignored."""

    def __init__(self, size: int = CACHE_TILES, ttl: float = TTL_S):
        self.size, self.ttl = size, ttl
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            hit = self._data.get(key)
            if hit is None or time.monotonic() - hit[0] > self.ttl:
                return None
            self._data.move_to_end(key)
            return hit[1]

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = (time.monotonic(), value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


CACHE = TileCache()


def _count_tiles(session: Session, zoom: int, x0: int, x1: int, y0: int, y1: int, layers: list[str],
                 where=None) -> dict[tuple[int, int], list[list]]:
    """Cells of every tile x0..x1, y0..y1 in one query: {(tx, ty): [[lat, lon, total, [per layer]]]}."""
    sw, ne = tile_bounds(x0, y1, zoom), tile_bounds(x1, y0, zoom)
    box = BBox(sw.west, sw.south, ne.east, ne.north)
    scale = 2 ** zoom * CELLS_PER_TILE
    lon, lat = func.ST_X(Place.public_point), func.ST_Y(Place.public_point)
    rad = func.radians(func.greatest(-MAX_LAT, func.least(MAX_LAT, lat)))
    cx = cast(func.floor((lon + 180.0) / 360.0 * scale), Integer).label("cx")
    cy = cast(func.floor((1.0 - func.ln(func.tan(rad) + literal(1.0, Float) / func.cos(rad)) / math.pi) / 2.0 * scale),
              Integer).label("cy")
    q = (select(cx, cy, Place.layer, func.count().label("n"), cast(func.avg(lat), Float).label("lat"),
                cast(func.avg(lon), Float).label("lon"))
         .where(Place.public_point.is_not(None), Place.public_point.op("&&")(box.envelope()),  # points: the box test is exact
                active_on(), Place.layer.in_(layers)))
    if where is not None:
        q = q.where(where)
    q = q.group_by(cx, cy, Place.layer)
    index = {layer: i for i, layer in enumerate(layers)}
    cells: dict[tuple[int, int], list] = {}
    for row in session.execute(q):
        cell = cells.get((row.cx, row.cy))
        if cell is None:
            cell = cells[(row.cx, row.cy)] = [0.0, 0.0, 0, [0] * len(layers)]
        # running mean of the public points, weighted by each layer's count
        n_before, n = cell[2], row.n
        cell[0] = (cell[0] * n_before + row.lat * n) / (n_before + n)
        cell[1] = (cell[1] * n_before + row.lon * n) / (n_before + n)
        cell[2] += n
        cell[3][index[row.layer]] += n
    tiles: dict[tuple[int, int], list[list]] = {(tx, ty): [] for tx in range(x0, x1 + 1) for ty in range(y0, y1 + 1)}
    for (cx_, cy_), cell in cells.items():
        key = (cx_ // CELLS_PER_TILE, cy_ // CELLS_PER_TILE)
        if key in tiles:   # a point exactly on the outer edge belongs to the next tile
            tiles[key].append([round(cell[0], 5), round(cell[1], 5), cell[2], cell[3]])
    return tiles


def aggregate(session: Session, bbox: BBox, zoom: int, layers: list[str], where=None,
              filter_key: str = "", cache: TileCache | None = CACHE) -> Aggregates:
    """Counts per cell for the tiles covering `bbox` at `zoom`, for the given layers; `total` is
    the number of places in those tiles."""
    x0, x1 = tile_x(bbox.west, zoom), tile_x(bbox.east, zoom)
    y0, y1 = tile_y(bbox.north, zoom), tile_y(bbox.south, zoom)
    if (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_TILES:
        raise Invalid("aggregate_too_wide", max_tiles=MAX_TILES)
    key_base = (str(session.get_bind().url), zoom, tuple(layers), filter_key)
    tiles: dict[tuple[int, int], list[list]] = {}
    missing = []
    for tx in range(x0, x1 + 1):
        for ty in range(y0, y1 + 1):
            hit = cache.get(key_base + (tx, ty)) if cache is not None else None
            if hit is None:
                missing.append((tx, ty))
            else:
                tiles[(tx, ty)] = hit
    if missing:
        mx0, mx1 = min(t[0] for t in missing), max(t[0] for t in missing)
        my0, my1 = min(t[1] for t in missing), max(t[1] for t in missing)
        fresh = _count_tiles(session, zoom, mx0, mx1, my0, my1, layers, where)
        for key in missing:
            tiles[key] = fresh.get(key, [])
        if cache is not None:
            for key, value in fresh.items():
                cache.put(key_base + key, value)
    # every cell of the tiles that cover the box: the screen's edges get their counts too
    cells = [c for key in sorted(tiles) for c in tiles[key]]
    total = sum(c[2] for c in cells)
    mode = "points" if zoom >= STREET_ZOOM or total <= POINTS_MAX else "cells"
    return Aggregates(zoom=zoom, layers=list(layers), total=total, mode=mode, cells=cells)
