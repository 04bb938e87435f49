"""The printed list's small map (/list): one area, its neighbours named for orientation, and its places
as numbered markers matching the list. No Flask; matplotlib, offline, no base map tiles.

Places come in already numbered and already public (geo.places.privacy.public_place dicts):
only the public point is drawn; hidden places have a number in the list but no marker.
Markers that would overlap are pushed apart and joined to their point by a thin line, so every
number stays readable.
"""
from __future__ import annotations

import io
import math
from typing import Iterable

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import layers
from geo.analysis import meeting
from geo.render.exports import MARKERS, _mpl, _nice_length, _utm_epsg
from geo.storage.models import Area
from geo.vocab import text

WIDTH_MM = 182          # the printable width of A4 portrait with 14 mm margins
MAX_HEIGHT_MM = 100
MIN_HEIGHT_MM = 70


def neighbours(session: Session, area: Area, limit: int = 30) -> list[Area]:
    """Areas of the same kind that touch the area's surroundings (for orientation on the map)."""
    box = func.ST_Expand(func.ST_Envelope(select(Area.geom).where(Area.id == area.id).scalar_subquery()), 0.01)
    return list(session.scalars(select(Area).where(Area.kind == area.kind, Area.id != area.id,
                                                   func.ST_Intersects(Area.geom, box)).limit(limit)))


def _spread(xy: list[tuple[float, float]], min_dist: float, rounds: int = 80) -> list[tuple[float, float]]:
    """Marker positions pushed apart until no two are closer than `min_dist` (or rounds run out)."""
    pos = [list(p) for p in xy]
    for _ in range(rounds):
        moved = False
        for i in range(len(pos)):
            for j in range(i + 1, len(pos)):
                dx, dy = pos[j][0] - pos[i][0], pos[j][1] - pos[i][1]
                d = math.hypot(dx, dy)
                if d >= min_dist:
                    continue
                if d < 1e-9:   # the same point: fan out by index
                    angle = (i + j) * 2.399
                    dx, dy, d = math.cos(angle), math.sin(angle), 1.0
                push = (min_dist - (d if d > 1e-9 else 0)) / 2 + min_dist * 0.01
                ux, uy = dx / d, dy / d
                pos[i][0] -= ux * push
                pos[i][1] -= uy * push
                pos[j][0] += ux * push
                pos[j][1] += uy * push
                moved = True
        if not moved:
            break
    return [tuple(p) for p in pos]


def area_map_svg(area: Area, others: Iterable[Area], numbered: list[tuple[int, dict]], lang: str = "ja") -> bytes:
    """An SVG (text kept as text) of the area with numbered markers, scale bar and north arrow."""
    _mpl()
    import geopandas as gpd
    from matplotlib import patheffects, rcParams
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    rcParams["svg.fonttype"] = "none"
    shape = to_shape(area.geom)
    c = shape.representative_point()
    epsg = _utm_epsg(c.x, c.y)
    mine = gpd.GeoSeries([shape], crs="EPSG:4326").to_crs(epsg)
    others = list(others)
    near = gpd.GeoDataFrame({"name": [a.name for a in others]}, geometry=[to_shape(a.geom) for a in others],
                            crs="EPSG:4326").to_crs(epsg) if others else None

    located = [(n, p) for n, p in numbered if p.get("lat") is not None]
    pts = gpd.GeoSeries(gpd.points_from_xy([p["lon"] for _, p in located], [p["lat"] for _, p in located]),
                        crs="EPSG:4326").to_crs(epsg) if located else gpd.GeoSeries([], crs=epsg)
    x0, y0, x1, y1 = mine.total_bounds
    if len(pts):
        px0, py0, px1, py1 = pts.total_bounds
        x0, y0, x1, y1 = min(x0, px0), min(y0, py0), max(x1, px1), max(y1, py1)
    span = max(x1 - x0, y1 - y0, 300.0)
    pad = span * 0.08
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    h_mm = max(MIN_HEIGHT_MM, min(MAX_HEIGHT_MM, WIDTH_MM * (y1 - y0) / (x1 - x0)))
    # keep the aspect: grow the shorter side to the figure's
    if (x1 - x0) / (y1 - y0) < WIDTH_MM / h_mm:
        grow = ((y1 - y0) * WIDTH_MM / h_mm - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = ((x1 - x0) * h_mm / WIDTH_MM - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow

    fig = Figure(figsize=(WIDTH_MM / 25.4, h_mm / 25.4))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    halo = [patheffects.Stroke(linewidth=3, foreground="white"), patheffects.Normal()]
    if near is not None:
        near.plot(ax=ax, facecolor="#f2f2f2", edgecolor="#888888", linewidth=0.6)
        for _i, row in near.iterrows():
            pt = row.geometry.representative_point()
            if x0 <= pt.x <= x1 and y0 <= pt.y <= y1:
                ax.text(pt.x, pt.y, row["name"], ha="center", va="center", fontsize=7, color="#555555",
                        path_effects=halo, clip_on=True, zorder=3)
    mine.plot(ax=ax, facecolor="#fff8dc", edgecolor="#000000", linewidth=2.2, zorder=2)

    # numbered markers: the layer's colour and shape, the number on top; pushed apart when crowded
    metres_per_mm = (x1 - x0) / WIDTH_MM
    size_mm = 6.4
    where = list(zip(pts.x, pts.y)) if len(pts) else []
    spread = _spread(where, size_mm * 1.05 * metres_per_mm)
    for (n, p), (tx, ty), (mx, my) in zip(located, where, spread):
        layer = layers.get(p["layer"])
        if math.hypot(mx - tx, my - ty) > metres_per_mm * 0.5:
            ax.plot([tx, mx], [ty, my], color="#000000", linewidth=0.7, zorder=5)
            ax.plot([tx], [ty], marker="o", markersize=2.2, color="#000000", zorder=5)
        ax.plot([mx], [my], marker=MARKERS.get(meeting.layer_shape(layer.id), "o"), markersize=size_mm * 2.83,
                markerfacecolor=layer.fill, markeredgecolor="#000000",
                markeredgewidth=1.0 if p.get("precision") == "exact" else 1.4,
                linestyle="none", zorder=6)
        ax.text(mx, my, str(n), ha="center", va="center", fontsize=10 if n < 100 else 8, fontweight="bold", zorder=7,
                color=meeting.text_colour_on(layer.fill))

    # scale bar and north arrow
    length = _nice_length(x1 - x0)
    bx, by, bh = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.04, (y1 - y0) * 0.012
    for i in range(4):
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, bh, facecolor="#000000" if i % 2 == 0
                               else "#ffffff", edgecolor="#000000", linewidth=0.6, zorder=9))
    unit = f"{length // 1000} km" if length >= 1000 and length % 1000 == 0 else f"{length} m"
    ax.text(bx, by + bh * 1.8, "0", fontsize=7, ha="center", va="bottom", zorder=9, path_effects=halo)
    ax.text(bx + length, by + bh * 1.8, unit, fontsize=7, ha="center", va="bottom", zorder=9, path_effects=halo)
    nx, ny = x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.18
    ax.annotate("", xy=(nx, ny + (y1 - y0) * 0.1), xytext=(nx, ny),
                arrowprops={"arrowstyle": "-|>,head_width=0.4,head_length=0.8", "color": "#000000", "linewidth": 1.6},
                zorder=9)
    ax.text(nx, ny + (y1 - y0) * 0.11, text("export.north", lang), ha="center", va="bottom", fontsize=9,
            fontweight="bold", zorder=9)
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#000000", linewidth=1.2, zorder=10))
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()
