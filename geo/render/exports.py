"""Handouts for 協議体 and 地域ケア会議: PDF (A4/A3 landscape), PNG, a standalone HTML map and
a CSV list of the places shown. No Flask here; everything works offline.

Places leave only through geo.places.privacy (public_place): hidden places are listed without a
point, approximate ones appear at their blurred public point. Print has no base map tiles:
area outlines and places only, with legend, scale bar, north arrow, title, date and sources.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from geoalchemy2.shape import to_shape
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import layers
from geo.analysis import meeting
from geo.places import queries
from geo.ingest.text import neutralise_formula
from geo.storage.models import Area
from geo.places.privacy import public_place
from geo.places.schedule import format_date_ja
from geo.render.labels import Box, Label, place, ring_offsets
from geo import clock
from geo.vocab import label as vocab_label, labels, text

FONT_PATH = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
PAPERS_MM = {"A4": (297, 210), "A3": (420, 297)}
MARKERS = {"circle": "o", "square": "s", "diamond": "D", "triangle": "^", "hexagon": "h"}
KLASS_STYLE = {  # fill and hatch per coverage class: the class reads in black-and-white print too
    "none": {"facecolor": "#F0E442", "hatch": "////"},
    "thin": {"facecolor": "#FFF6C2", "hatch": ".."},
    "covered": {"facecolor": "#FFFFFF", "hatch": ""},
}
# Texts: geo/vocab.py (keys "export.*", vocabularies "coverage_class", "places_csv_column").


@dataclass
class ExportView:
    """What the meeting screen shows, as the permalink carries it."""
    kind: str = "elementary"
    area_code: str | None = None
    layers: list[str] = field(default_factory=list)
    on_date: dt.date = field(default_factory=clock.today)
    then_date: dt.date | None = None
    lang: str = "ja"
    weekday: int | None = None
    band: str | None = None
    consultation: bool = False
    coverage_layer: str | None = None
    title: str | None = None
    municipality: str | None = None     # 5 digits: the areas (and their places) of one municipality

    def layer_ids(self) -> list[str]:
        return meeting.place_layer_ids(self.layers or None)

    def place_filter(self):
        if self.weekday is None and self.band is None and not self.consultation:
            return None
        return lambda p: meeting.place_matches_filter(p, self.weekday, self.band, self.consultation)

    def date_text(self) -> str:
        now = format_date_ja(self.on_date) if self.lang != "en" else self.on_date.isoformat()
        if self.then_date:
            then = format_date_ja(self.then_date) if self.lang != "en" else self.then_date.isoformat()
            return f"{then} → {now}"
        return now


@dataclass
class ViewData:
    view: ExportView
    areas: list[dict]            # id, code, name, geom (shapely, EPSG:4326), klass
    focus: Area | None
    places: list[dict]           # public_place dicts (+ area_name, change)
    attributions: list[str]
    fictional: bool
    profile: meeting.Profile | None
    comparison: meeting.Comparison | None
    coverage_layer: str | None


def gather(session: Session, view: ExportView) -> ViewData:
    layer_ids = view.layer_ids()
    focus = meeting.find_area(session, view.kind, view.area_code)
    rows = session.execute(select(Area.id, Area.code, Area.name,
                                  func.ST_SimplifyPreserveTopology(Area.geom, 0.00003).label("g"))
                           .where(Area.kind == view.kind,
                                  *([Area.municipality_code == view.municipality] if view.municipality else []))
                           .order_by(Area.code)).all()
    if view.coverage_layer == "":
        cov_layer = None
    else:
        cov_layer = view.coverage_layer if view.coverage_layer in layer_ids else (layer_ids[0] if layer_ids else None)
    classes = None
    if cov_layer:
        classes = (meeting.coverage_classes(session, view.kind, [cov_layer], view.on_date, view.municipality)
                   or {}).get(cov_layer)
    areas = [{"id": r.id, "code": r.code, "name": r.name, "geom": to_shape(r.g),
              "klass": classes.get(r.id) if classes else None} for r in rows]
    names = {a["id"]: a["name"] for a in areas}
    pf = view.place_filter()
    comparison = None
    if view.then_date:
        comparison = meeting.compare(session, view.then_date, view.on_date, view.kind, layer_ids, view.lang,
                                     view.municipality)
        places = ([dict(p, change="new") for p in comparison.new]
                  + [dict(p, change="closed") for p in comparison.closed]
                  + [dict(p, change="unchanged") for p in comparison.unchanged])
        if pf is not None:
            from geo.storage.models import Place
            keep = {p.id for p in session.scalars(select(Place).where(Place.id.in_([x["id"] for x in places])))
                    if pf(p)}
            places = [p for p in places if p["id"] in keep]
    else:
        active = [p for p in meeting.active_places(session, view.on_date, layer_ids) if pf is None or pf(p)]
        where = meeting.area_of_places(session, view.kind, active)
        if view.municipality:   # the places in this municipality's areas
            active = [p for p in active if where.get(p.id) in names]
        places = [public_place(p, lang=view.lang, area_id=where.get(p.id), area_name=names.get(where.get(p.id)), change=None)
                  for p in active]
    order = {lid: i for i, lid in enumerate(layer_ids)}
    places.sort(key=lambda p: (order.get(p["layer"], 99), p.get("area_name") or "", p["name"]))
    profile = None
    if focus is not None:
        profile = meeting.area_profile(session, focus, view.on_date, layer_ids, view.lang, pf)
    return ViewData(view=view, areas=areas, focus=focus, places=places,
                    attributions=queries.attributions(session), fictional=queries.has_fictional(session),
                    profile=profile, comparison=comparison, coverage_layer=cov_layer if classes else None)


# --------------------------------------------------------------------------- CSV
def places_csv(data: ViewData) -> bytes:
    """The handout list: UTF-8 with BOM (Excel opens it as UTF-8); formula-like cells neutralised.
    A focused view lists the focused area's places only; the last column is the number on the PDF's map."""
    lang = data.view.lang
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(list(labels("places_csv_column", lang).values()))
    status = {"new": text("export.new", lang), "closed": text("export.closed", lang)}
    for number, p in numbered_places(data):     # a focused view: that area's places only
        layer = layers.get(p["layer"])
        row = [layer.name(lang), p["name"], p.get("area_name") or "", p.get("address") or "",
               p.get("schedule_text") or "", p.get("operator") or "", p.get("phone") or "",
               text("export.yes", lang) if p.get("has_consultation") else "",
               p.get("precision_label") or "",
               "" if p["lat"] is None else f"{p['lat']:.6f}", "" if p["lon"] is None else f"{p['lon']:.6f}",
               text("export.fictional_yes", lang) if p.get("fictional") else "",
               status.get(p.get("change") or "", ""), "" if number is None else number]
        w.writerow([neutralise_formula(c) if isinstance(c, str) else c for c in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------- matplotlib
@lru_cache(maxsize=1)
def _mpl():
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager, rcParams
    if FONT_PATH.exists():
        font_manager.fontManager.addfont(str(FONT_PATH))
        name = font_manager.FontProperties(fname=str(FONT_PATH)).get_name()
        rcParams["font.family"] = [name, "DejaVu Sans"]
    rcParams["pdf.fonttype"] = 42   # TrueType in the PDF: text stays searchable (pdftotext)
    rcParams["hatch.linewidth"] = 0.8
    return matplotlib


def _utm_epsg(lon: float, lat: float) -> int:
    zone = int((lon + 180) // 6) + 1
    return (32600 if lat >= 0 else 32700) + zone


def _nice_length(span_m: float) -> int:
    target = span_m / 5
    for n in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000):
        if n >= target:
            return n
    return 100000


def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for ch in text:
        line += ch
        if len(line) >= width and ch in " 、,）)" or len(line) >= width + 15:
            lines.append(line.strip())
            line = ""
    if line.strip():
        lines.append(line.strip())
    return "\n".join(lines)


def numbered_places(data: ViewData) -> list[tuple[int | None, dict]]:
    """The handout's places in list order, each with its number on the printed map (None: not on
    the map, its location is hidden). A focused view lists the focused area's places only; the
    CSV and the PDF's side list use the same numbers."""
    focus_id = data.focus.id if data.focus is not None else None
    out, n = [], 0
    for p in data.places:
        if focus_id is not None and p.get("area_id") != focus_id:
            continue
        if p["lat"] is None:
            out.append((None, p))
        else:
            n += 1
            out.append((n, p))
    return out


def _text_width(s: str, size: float) -> float:
    """Estimated width in points of `s` at `size` (full-width characters one em, others about half)."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.56 * size for ch in s)


def _wrap_width(s: str, width: float, size: float) -> str:
    """Lines of at most `width` points at `size` (by the estimate of _text_width)."""
    lines, line = [], ""
    for ch in s:
        if _text_width(line + ch, size) > width and line:
            lines.append(line)
            line = ""
        line += ch
    return "\n".join(lines + [line])


def _fit_text(s: str, width: float, size: float) -> str:
    if _text_width(s, size) <= width:
        return s
    while s and _text_width(s + "…", size) > width:
        s = s[:-1]
    return s + "…"


def _halo_text(ax, x, y, text, halo, gid=None, **kw):
    """A white halo (drawn as a path) under plain text, so the text stays text in the PDF
    (path effects on the text itself would turn it into outlines that pdftotext cannot read)."""
    ax.text(x, y, text, path_effects=halo, **kw)
    return ax.text(x, y, text, gid=gid, **kw)


@dataclass
class FigureLayout:
    """What render_figure placed, in the figure's points (for the tests and the notes)."""
    frame: Box | None = None
    area_labels: dict = field(default_factory=dict)      # area name -> Box
    markers: dict = field(default_factory=dict)          # number -> Box
    moved: int = 0                                        # markers drawn away from their point (leader)
    area_leaders: int = 0
    skipped: list = field(default_factory=list)           # area names left out (no room)
    listed: int = 0                                       # places in the side list
    list_more: int = 0                                    # places that did not fit the side list


def render_figure(data: ViewData, paper: str = "A4"):
    """A landscape figure the size of the paper. The map is as large as the paper allows at the
    shape of the areas shown (its frame fits the areas), the legend, notes and profile beside it,
    and the numbered list of places (numbers as on the map) in the remaining space. Place markers
    carry numbers and are moved apart with a leader line where they would overlap; area names take
    a free spot inside their area (or beside it with a leader), never over another name or marker."""
    _mpl()
    import geopandas as gpd
    import numpy as np
    import shapely
    from matplotlib import patheffects
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    view, lang = data.view, data.view.lang
    w_mm, h_mm = PAPERS_MM.get(paper, PAPERS_MM["A4"])
    fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4), dpi=72)   # display units are points
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    scale = w_mm / 297  # type sizes grow with the paper
    fs = lambda n: n * scale  # noqa: E731
    mm = lambda v: v / 25.4 * 72  # noqa: E731
    W, H = mm(w_mm), mm(h_mm)
    margin = mm(7)
    layout = FigureLayout()
    fig.tsunagari_layout = layout

    def extent(artist) -> Box:
        b = artist.get_window_extent(renderer)
        return Box(b.x0, b.y0, b.x1, b.y1)

    # ---- title, date; footer (fictional notice, sources)
    title = view.title or text("export.title", lang)
    if data.focus is not None:
        title = f"{title} ― {data.focus.name}"
    t_title = fig.text(margin / W, 1 - margin / H, title, fontsize=fs(17), fontweight="bold", va="top")
    fig.text(1 - margin / W, 1 - margin / H, view.date_text(), fontsize=fs(13), va="top", ha="right")
    map_top = extent(t_title).y0 - mm(4)
    y = margin * 0.6
    if data.fictional:
        fn = fig.text(margin / W, y / H, text("export.fictional", lang), fontsize=fs(9), fontweight="bold",
                      va="bottom", ha="left", color="#5c3b00",
                      bbox={"facecolor": "#fff4d6", "edgecolor": "#e0a800", "pad": 3})
        y = extent(fn).y1 + mm(2)
    src = [f"{text('export.sources', lang)}:"] + [_wrap(a, 140) for a in data.attributions] + [text('export.no_base_map', lang)]
    t_src = fig.text(margin / W, y / H, "\n".join(src), fontsize=fs(6.5), va="bottom", ha="left", linespacing=1.25)
    map_bottom = extent(t_src).y1 + mm(4)

    # ---- the map's extent and frame
    gdf, epsg = None, 3857
    if data.areas:
        gdf = gpd.GeoDataFrame(
            {"id": [a["id"] for a in data.areas], "name": [a["name"] for a in data.areas],
             "klass": [a["klass"] for a in data.areas]},
            geometry=[a["geom"] for a in data.areas], crs="EPSG:4326")
        c = gdf.union_all().centroid if hasattr(gdf, "union_all") else gdf.unary_union.centroid
        epsg = _utm_epsg(c.x, c.y)
        gdf = gdf.to_crs(epsg)
    focus_id = data.focus.id if data.focus is not None else None
    avail_w = W - 2 * margin - 0.30 * W
    avail_h = map_top - map_bottom
    if gdf is not None:
        target = gdf[gdf["id"] == focus_id] if focus_id is not None else gdf
        x0, y0, x1, y1 = target.total_bounds
        pad = max(x1 - x0, y1 - y0) * 0.04
        x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
        aspect = (x1 - x0) / (y1 - y0)
        mh, mw = avail_h, avail_h * aspect
        if mw > avail_w:
            mw, mh = avail_w, avail_w / aspect
        if mw < 0.28 * W:    # a very tall shape: widen the extent so the frame keeps a usable width
            mw = 0.28 * W
            grow = ((y1 - y0) * mw / mh - (x1 - x0)) / 2
            x0, x1 = x0 - grow, x1 + grow
    else:
        mw, mh = avail_w, avail_h
        x0, x1, y0, y1 = 0.0, 1.0, 0.0, 1.0
    ax = fig.add_axes((margin / W, (map_top - mh) / H, mw / W, mh / H))
    ax.set_axis_off()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#000000", linewidth=0.8, zorder=12))
    to_disp = ax.transData.transform
    to_data = ax.transData.inverted().transform
    frame = Box(*ax.bbox.extents)
    layout.frame = frame
    inner = Box(frame.x0 + 2, frame.y0 + 2, frame.x1 - 2, frame.y1 - 2)
    pt_per_unit = mw / (x1 - x0)

    if gdf is not None:
        for klass, style in KLASS_STYLE.items():
            part = gdf[gdf["klass"] == klass]
            if len(part):
                part.plot(ax=ax, facecolor=style["facecolor"], edgecolor="#555555", hatch=style["hatch"],
                          linewidth=0.3 * scale)
        gdf.boundary.plot(ax=ax, color="#000000", linewidth=1.1 * scale)
        if focus_id is not None:
            others = gdf[gdf["id"] != focus_id]
            if len(others):
                others.plot(ax=ax, facecolor="#ffffff", alpha=0.55, edgecolor="none")
            gdf[gdf["id"] == focus_id].boundary.plot(ax=ax, color="#000000", linewidth=3.2 * scale)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)

    # ---- scale bar and north arrow (metric CRS: UTM); their boxes are kept free of labels
    obstacles: list[Box] = []
    if gdf is not None:
        length = _nice_length(x1 - x0)
        bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.03
        bh = fs(4) / pt_per_unit
        for i in range(4):
            ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, bh, facecolor="#000000" if i % 2 == 0
                                   else "#ffffff", edgecolor="#000000", linewidth=0.8 * scale, zorder=9))
        unit = f"{length // 1000} km" if length >= 1000 and length % 1000 == 0 else f"{length} m"
        thin = [patheffects.Stroke(linewidth=2, foreground="white")]
        _halo_text(ax, bx, by + bh * 1.6, "0", thin, fontsize=fs(8), ha="center", va="bottom", zorder=9)
        _halo_text(ax, bx + length, by + bh * 1.6, unit, thin, fontsize=fs(8), ha="center", va="bottom", zorder=9)
        (sx0, sy0), (sx1, sy1) = to_disp([(bx, by), (bx + length, by + bh)])
        obstacles.append(Box(sx0 - fs(6), sy0 - 2, sx1 + fs(16), sy1 + fs(8) * 1.6 + 4))
        arrow = fs(36)
        (nx, ny) = to_disp((x1, y1))
        nx, ny = nx - fs(18), ny - fs(14) - arrow
        ax.annotate("", xy=to_data((nx, ny + arrow)), xytext=to_data((nx, ny)),
                    arrowprops={"arrowstyle": "-|>,head_width=0.5,head_length=0.9", "color": "#000000",
                                "linewidth": 2.2 * scale}, zorder=9)
        north = ax.text(*to_data((nx, ny + arrow + 2)), text("export.north", lang), ha="center", va="bottom",
                        fontsize=fs(12), fontweight="bold", zorder=9)
        nb = extent(north)
        obstacles.append(Box(nx - fs(10), ny - 2, nx + fs(10), nb.y1 + 2))

    # ---- places: numbered markers (public points only), moved apart where they would overlap
    listing = numbered_places(data)
    number_of = {id(p): n for n, p in listing if n is not None}
    shown = [p for p in data.places if p["lat"] is not None]
    taken: list[Box] = list(obstacles)
    if shown:
        pts = gpd.GeoSeries(gpd.points_from_xy([p["lon"] for p in shown], [p["lat"] for p in shown]),
                            crs="EPSG:4326").to_crs(epsg)
        xy = list(zip(pts.x, pts.y))
        numbered: list[Label] = []
        for p, (px, py) in zip(shown, xy):
            layer = layers.get(p["layer"])
            d = fs(12.5) if p["precision"] == "exact" else fs(15)
            if id(p) not in number_of:     # a neighbour's place in a focused view: small, dim, no number
                if frame.x0 <= to_disp((px, py))[0] <= frame.x1:
                    _draw_marker(ax, px, py, layer, p, d * 0.7, scale, fs, None, dim=True)
                continue
            box = d * (1.45 if p.get("change") == "new" else 1.0) + fs(1)
            ax_x, ax_y = to_disp((px, py))
            numbered.append(Label(key=number_of[id(p)], anchor=(ax_x, ax_y), size=(box, box),
                                  candidates=[(ax_x + dx, ax_y + dy) for dx, dy in ring_offsets(box, rings=7)],
                                  leader_beyond=d * 0.3, extra={"p": p, "d": d, "layer": layer, "xy": (px, py)}))
        place(numbered, frame=inner, placed=taken, clear_leaders=True)
        for lab in numbered:      # nothing free with a clear leader: take any free spot
            if lab.at is None:
                place([lab], frame=inner, placed=taken)
        for lab in numbered:
            p, d, layer, (px, py) = lab.extra["p"], lab.extra["d"], lab.extra["layer"], lab.extra["xy"]
            if lab.at is None:      # no free spot within reach: drawn where it is (and counted)
                lab.at, lab.box = lab.anchor, Box.around(*lab.anchor, *lab.size)
            mx, my = to_data(lab.at)
            if lab.leader:
                layout.moved += 1
                ax.plot([px, mx], [py, my], color="#000000", linewidth=0.7 * scale, zorder=5.5,
                        solid_capstyle="round")
                ax.scatter([px], [py], s=fs(2.6) ** 2, color="#000000", zorder=5.6, linewidths=0)
            _draw_marker(ax, mx, my, layer, p, d, scale, fs, lab.key)
            layout.markers[lab.key] = lab.box

    # ---- area names: a free spot inside the area, else beside it with a leader, else left out
    if gdf is not None:
        halo = [patheffects.Stroke(linewidth=3 * scale, foreground="white")]
        rows = list(gdf.itertuples())
        rows.sort(key=lambda r: (r.id != focus_id, r.geometry.area))    # focus first, then small areas
        marker_boxes = list(taken)
        name_boxes: list[Box] = []
        for r in rows:
            strong = focus_id is None or r.id == focus_id
            name = r.name
            if r.klass:
                name += f"\n[{vocab_label('coverage_class', r.klass, lang)}]"
            kw = dict(ha="center", va="center", fontsize=fs(9 if strong else 7), linespacing=1.1,
                      fontweight="bold" if strong else "normal", color="#000000" if strong else "#444444",
                      zorder=10, clip_on=True)
            probe = ax.text(0, 0, name, **kw)
            e = extent(probe)
            probe.remove()
            w, h = e.x1 - e.x0 + 2, e.y1 - e.y0 + 2
            geom = r.geometry
            rep = geom.representative_point()
            step = max(h / 2, 3) / pt_per_unit
            gx0, gy0, gx1, gy1 = geom.bounds
            gx, gy = [a.ravel() for a in np.meshgrid(np.arange(gx0 + step / 2, gx1, step),
                                                     np.arange(gy0 + step / 2, gy1, step))]
            keep = shapely.contains_xy(geom, gx, gy)
            gx, gy = gx[keep], gy[keep]
            near = sorted(zip(gx, gy), key=lambda q: (q[0] - rep.x) ** 2 + (q[1] - rep.y) ** 2)
            inside = [tuple(to_disp((rep.x, rep.y)))] + ([tuple(v) for v in to_disp(near)] if near else [])
            anchor = inside[0]
            around = [(anchor[0] + dx, anchor[1] + dy) for dx, dy in ring_offsets(h * 0.8, rings=10, per_ring=12)][1:]
            lab = Label(key=r.name, anchor=anchor, size=(w, h), candidates=inside, leader_beyond=float("inf"))
            place([lab], frame=inner, placed=marker_boxes + name_boxes)
            if lab.at is None:      # beside the area, with a leader line
                lab = Label(key=r.name, anchor=anchor, size=(w, h), candidates=around, leader_beyond=0)
                place([lab], frame=inner, placed=marker_boxes + name_boxes, clear_leaders=True)
                if lab.at is None:
                    place([lab], frame=inner, placed=marker_boxes + name_boxes)
            if lab.at is None:      # no room: left out (and named in the notes), never over a name or a marker
                if strong and r.name not in layout.skipped:
                    layout.skipped.append(r.name)
                continue
            name_boxes.append(lab.box)
            layout.area_labels[r.name] = lab.box
            lx, ly = to_data(lab.at)
            if lab.leader:
                layout.area_leaders += 1
                ax.plot([rep.x, lx], [rep.y, ly], color="#000000", linewidth=0.8 * scale, zorder=5.4)
                ax.scatter([rep.x], [rep.y], s=fs(3) ** 2, color="#000000", zorder=5.4, linewidths=0)
            _halo_text(ax, lx, ly, name, halo, gid="area-label", **kw)

    # ---- beside the map: legend, notes and the focused area's profile, then the list of places
    side_x0, side_x1 = frame.x1 + mm(6), W - margin
    handles = []
    for layer_id in view.layer_ids():
        layer = layers.get(layer_id)
        handles.append(Line2D([], [], linestyle="none", marker=MARKERS[meeting.layer_shape(layer_id)],
                              markersize=11 * scale, markerfacecolor=layer.colour, markeredgecolor="#000000",
                              markeredgewidth=1.2 * scale, label=f"{layer.icon} {layer.name(lang)}"))
    if data.comparison is not None:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=15 * scale, markerfacecolor="none",
                              markeredgecolor="#000000", markeredgewidth=2 * scale,
                              label=f"{text('export.new', lang)} ({len(data.comparison.new)})"))
        handles.append(Line2D([], [], linestyle="none", marker="x", markersize=11 * scale, color="#000000",
                              markeredgewidth=1.6 * scale,
                              label=f"{text('export.closed', lang)} ({len(data.comparison.closed)})"))
    if data.coverage_layer:
        cl = layers.get(data.coverage_layer)
        for klass, style in KLASS_STYLE.items():
            handles.append(Patch(facecolor=style["facecolor"], hatch=style["hatch"], edgecolor="#555555",
                                 label=f"{cl.name(lang)}: {vocab_label('coverage_class', klass, lang)}"))
    handles.append(Line2D([], [], color="#000000", linewidth=1.1 * scale, label=vocab_label("area_kind", view.kind, lang)))
    if data.focus is not None:
        handles.append(Line2D([], [], color="#000000", linewidth=3.2 * scale,
                              label=f"{text('export.focus', lang)}: {data.focus.name}"))
    legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(side_x0 / W, map_top / H), frameon=True,
                        fontsize=fs(9), title=text("export.legend", lang), title_fontsize=fs(10), alignment="left",
                        borderpad=0.8, borderaxespad=0)
    lb = extent(legend)
    notes = []
    if data.coverage_layer:
        notes.append(text("export.coverage_of", lang, layer=layers.get(data.coverage_layer).name(lang)))
    notes.append(text("export.approx", lang))
    if layout.moved:
        notes.append(text("export.moved", lang))
    hidden = sum(1 for p in data.places if p["lat"] is None)
    if hidden:
        notes.append(f"{text('export.hidden', lang)}: {hidden}{text('export.kasho', lang)}")
    if layout.skipped:
        notes.append(text("export.names_left_out", lang, names=text("list_sep", lang).join(layout.skipped))
                     if len(layout.skipped) <= 6 else text("export.names_left_out_n", lang, n=len(layout.skipped)))
    lines = []
    if data.profile is not None:
        pr = data.profile
        unknown = text("export.unknown", lang)
        total = pr.population.get("total")
        lines.append(f"■ {pr.name}")
        lines.append(f"{text('export.population', lang)}: {f'{total:,}' + text('export.people', lang) if total is not None else unknown}")
        lines.append(f"{text('export.ageing', lang)}: {f'{pr.ageing_rate}%' if pr.ageing_rate is not None else unknown}")
        for row in pr.layers:
            k = vocab_label("coverage_class", row["klass"], lang) if row["klass"] else ""
            lines.append(f"{row['icon']} {row['name']}: {row['count']}{text('export.kasho', lang)}"
                         + (text("export.focus_class", lang, klass=k) if k else ""))
        if not pr.coverage_available:
            lines.append(text("export.coverage_pending", lang))
        missing = meeting.slots_text(pr.missing_slots, lang)
        lines.append(f"{text('export.no_place_open', lang)}:")
        lines.extend("  " + m for m in (missing or ["―"]))
    col1_w = max(lb.x1 - lb.x0, mm(70) * scale)
    notes_text = "\n".join(_wrap_width(n, col1_w, fs(8.5)) for n in notes) + ("\n\n" + "\n".join(lines) if lines else "")
    t_notes = fig.text(side_x0 / W, (lb.y0 - mm(3)) / H, notes_text, fontsize=fs(8.5), va="top", ha="left",
                       linespacing=1.35)
    tn = extent(t_notes)
    col1_w = max(col1_w, tn.x1 - tn.x0)
    if side_x1 - (side_x0 + col1_w + mm(6)) >= mm(60) * scale:      # a column of its own beside the legend
        list_box = Box(side_x0 + col1_w + mm(6), map_bottom, side_x1, map_top)
    else:
        list_box = Box(side_x0, map_bottom, side_x1, tn.y0 - mm(4))
    _place_list(fig, listing, list_box, W, H, fs, lang, layout)
    return fig


def _draw_marker(ax, x, y, layer, p, d, scale, fs, number, dim=False) -> None:
    """One place: the layer's shape and colour, its number inside (the layer's glyph when it has
    none), a ring when new, a cross when closed, a dashed edge when the location is approximate."""
    closed = p.get("change") == "closed"
    alpha = 0.35 if dim else (0.85 if closed else 1.0)
    shape = meeting.layer_shape(layer.id)
    ax.scatter([x], [y], s=d ** 2 * (1.2 if shape == "triangle" else 0.8 if shape == "diamond" else 0.62 if shape == "square" else 1.0),
               marker=MARKERS[shape], facecolor="#dddddd" if closed else layer.colour, edgecolor="#000000",
               linewidths=1.3 * scale, linestyle="-" if p["precision"] == "exact" else (0, (2, 1.5)),
               zorder=6, alpha=alpha)
    if p.get("change") == "new":
        ax.scatter([x], [y], s=(d * 1.45) ** 2, marker="o", alpha=alpha, facecolor="none", edgecolor="#000000",
                   linewidths=2.0 * scale, zorder=5)
    if closed:
        ax.scatter([x], [y], s=(d * 1.1) ** 2, marker="x", alpha=alpha, color="#000000", linewidths=1.2 * scale,
                   zorder=6.5)
    label = str(number) if number is not None else layer.icon
    size = fs(6.8 if number is None or number < 10 else 6.2 if number < 100 else 5.0)
    if dim:
        size = fs(4.5)
    dy = -d * 0.2 / (ax.bbox.height / (ax.get_ylim()[1] - ax.get_ylim()[0])) if shape == "triangle" else 0
    ax.text(x, y + dy, label, ha="center", va="center", fontsize=size, zorder=7, clip_on=True, alpha=alpha,
            fontweight="bold", gid="place-number" if number is not None else None,
            color="#000000" if closed else meeting.text_colour_on(layer.colour))


def _place_list(fig, listing, box: Box, W, H, fs, lang, layout: FigureLayout) -> None:
    """The numbered list of places in columns filling `box` (a smaller type when many; what still
    does not fit is counted in a last line pointing to the CSV)."""
    if not listing or box.y1 - box.y0 < fs(30) or box.x1 - box.x0 < fs(60):
        layout.list_more = len(listing)
        return
    fig.text(box.x0 / W, box.y1 / H, text("export.place_list", lang), fontsize=fs(10), fontweight="bold",
             va="top", ha="left")
    top = box.y1 - fs(10) * 1.8
    entries = []      # (kind, ...): ("layer", name) or ("place", number, glyph, name)
    last = None
    for n, p in listing:
        if p["layer"] != last:
            last = p["layer"]
            layer = layers.get(last)
            entries.append(("layer", f"{layer.icon} {layer.name(lang)}"))
        entries.append(("place", n, p["name"]))
    avail_h, avail_w = top - box.y0, box.x1 - box.x0
    size = fs(7.5)
    while True:
        line_h = size * 1.32
        rows = max(1, int(avail_h // line_h))
        cols = -(-len(entries) // rows)
        col_w = avail_w / cols
        if col_w >= size * 13 or size <= fs(5.2):
            break
        size -= fs(0.3)
    max_cols = max(1, int(avail_w // (size * 13)))
    fit = rows * max_cols
    more = 0
    if len(entries) > fit:
        places_cut = sum(1 for e in entries[fit - 1:] if e[0] == "place")
        entries, more = entries[:fit - 1], places_cut
        entries.append(("more", text("export.list_more", lang, n=more)))
        cols = max_cols
        col_w = avail_w / cols
    num_w = _text_width("000", size) + size * 0.3
    for i, e in enumerate(entries):
        c, r = divmod(i, rows)
        x, y = box.x0 + c * col_w, top - r * line_h
        if e[0] == "place":
            _, n, name = e
            fig.text((x + num_w) / W, y / H, "－" if n is None else str(n), fontsize=size, fontweight="bold",
                     ha="right", va="top")
            fig.text((x + num_w + size * 0.45) / W, y / H, _fit_text(name, col_w - num_w - size * 1.2, size),
                     fontsize=size, ha="left", va="top")
            layout.listed += 1
        else:
            fig.text(x / W, y / H, _fit_text(e[1], col_w - size, size), fontsize=size, fontweight="bold",
                     ha="left", va="top")
    layout.list_more = more


def figure_pdf(data: ViewData, paper: str = "A4") -> bytes:
    fig = render_figure(data, paper)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata={"Title": data.view.title or text('export.title', data.view.lang),
                                             "Creator": "Tsunagari Map"})
    return buf.getvalue()


def figure_png(data: ViewData, paper: str = "A4", dpi: int = 150) -> bytes:
    fig = render_figure(data, paper)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


# --------------------------------------------------------------------------- standalone HTML
@dataclass(frozen=True)
class OfflineAssets:
    """The vendored Leaflet (and jQuery, which folium's popups use) that the standalone HTML
    inlines. The caller says where they are: geo/ never reads the web application's files."""
    leaflet_js: Path
    leaflet_css: Path
    leaflet_images: Path
    jquery_js: Path


def _inline_css(path: Path, images: Path) -> str:
    css = path.read_text(encoding="utf-8")

    def data_uri(m: re.Match) -> str:
        img = images / m.group(1)
        if not img.exists():
            return m.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(img.read_bytes()).decode()})"
    return re.sub(r"url\(images/([^)]+\.png)\)", data_uri, css)


def _default_icon_js(images: Path) -> str:
    """folium creates each marker with Leaflet's default icon before setting ours: give that
    default icon data URIs so nothing is looked up next to the emailed file."""
    def uri(name: str) -> str:
        return "data:image/png;base64," + base64.b64encode((images / name).read_bytes()).decode()
    return ("L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({"
            f"iconUrl:'{uri('marker-icon.png')}',iconRetinaUrl:'{uri('marker-icon-2x.png')}',"
            f"shadowUrl:'{uri('marker-shadow.png')}'}});")


def _script(text: str) -> str:
    return "<script>" + text.replace("</script", "<\\/script") + "</script>"


def standalone_html(data: ViewData, assets: OfflineAssets, tile_url: str | None = None,
                    tile_attribution: str | None = None, tile_source: str | None = None) -> str:
    """One HTML file that works offline when emailed: Leaflet and jQuery (from `assets`) inlined,
    data embedded. The only external URL is the optional tile layer; `tile_attribution` is its
    short credit on the map and `tile_source` its line under 出典."""
    import folium

    view, lang = data.view, data.view.lang
    m = folium.Map(location=[34.69, 135.70], zoom_start=12, tiles=None, control_scale=True, prefer_canvas=False)
    m.default_js, m.default_css = [], []
    bounds = None
    if data.focus is not None:
        fa = next((a for a in data.areas if a["id"] == data.focus.id), None)
        if fa:
            x0, y0, x1, y1 = fa["geom"].bounds
            bounds = [[y0, x0], [y1, x1]]
    elif data.areas:
        xs = [a["geom"].bounds for a in data.areas]
        bounds = [[min(b[1] for b in xs), min(b[0] for b in xs)], [max(b[3] for b in xs), max(b[2] for b in xs)]]
    if bounds:
        m.fit_bounds(bounds)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=escape(tile_attribution or tile_url), name="base", max_zoom=18).add_to(m)

    focus_id = data.focus.id if data.focus is not None else None
    features = []
    for a in data.areas:
        from shapely.geometry import mapping
        features.append({"type": "Feature", "geometry": mapping(a["geom"]),
                         "properties": {"label": str(escape(a["name"])), "focus": a["id"] == focus_id,
                                        "klass": a["klass"] or ""}})
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, name="areas",
        style_function=lambda f: {"color": "#000000", "weight": 5 if f["properties"]["focus"] else 2,
                                  "fillColor": "#ffffff",
                                  "fillOpacity": 0.5 if (focus_id is not None and not f["properties"]["focus"]) else 0.0},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=False),
    ).add_to(m)
    for a in data.areas:
        pt = a["geom"].representative_point()
        folium.Marker([pt.y, pt.x], icon=folium.DivIcon(
            html=f'<div class="area-label">{escape(a["name"])}'
                 + (f'<br>[{escape(vocab_label("coverage_class", a["klass"], lang))}]' if a["klass"] else "") + "</div>",
            icon_size=(160, 40), icon_anchor=(80, 20), class_name="area-label-icon")).add_to(m)
    for p in data.places:
        if p["lat"] is None:
            continue
        layer = layers.get(p["layer"])
        closed = p.get("change") == "closed"
        glyph = escape(layer.icon)
        html = (f'<div class="pm pm-{meeting.layer_shape(layer.id)}{" pm-approx" if p["precision"] != "exact" else ""}'
                f'{" pm-new" if p.get("change") == "new" else ""}{" pm-closed" if closed else ""}" '
                f'style="background:{"#dddddd" if closed else escape(layer.colour)};'
                f'color:{"#000" if closed else meeting.text_colour_on(layer.colour)}"><span>{glyph}</span></div>')
        popup = (f'<b>{escape(p["name"])}</b><br>{escape(layer.name(lang))}'
                 + (f'<br>{escape(p["schedule_text"])}' if p.get("schedule_text") else "")
                 + (f'<br>{escape(p["address"])}' if p.get("address") else "")
                 + (f'<br>{escape(p["precision_label"])}' if p["precision"] != "exact" else "")
                 + (f'<br><b>{escape(text("export." + p["change"], lang))}</b>' if p.get("change") in ("new", "closed") else "")
                 + (f'<br><i>{escape(text("export.fictional", lang))}</i>' if p.get("fictional") else ""))
        folium.Marker([p["lat"], p["lon"]], icon=folium.DivIcon(html=html, icon_size=(30, 30), icon_anchor=(15, 15),
                                                               class_name="place-icon"),
                      popup=folium.Popup(popup, max_width=300), tooltip=str(escape(p["name"]))).add_to(m)

    legend = "".join(
        f'<li><span class="pm pm-{meeting.layer_shape(l.id)}" style="background:{escape(l.colour)};'
        f'color:{meeting.text_colour_on(l.colour)}"><span>{escape(l.icon)}</span></span> {escape(l.name(lang))}</li>'
        for l in (layers.get(i) for i in view.layer_ids()))
    hidden = [p for p in data.places if p["lat"] is None]
    hidden_html = ""
    if hidden:
        hidden_html = (f'<div class="hidden"><b>{escape(text("export.hidden", lang))}</b><ul>'
                       + "".join(f'<li>{escape(p["name"])}（{escape(layers.get(p["layer"]).name(lang))}）</li>'
                                 for p in hidden) + "</ul></div>")
    title = view.title or text("export.title", lang)
    if data.focus is not None:
        title += f" ― {data.focus.name}"
    sources = "".join(f"<li>{escape(a)}</li>" for a in data.attributions)
    sources += f"<li>{escape((tile_source or tile_attribution or tile_url) if tile_url else text('export.no_base_map', lang))}</li>"
    notice = f'<div class="notice" id="fictional-notice">{escape(text("export.fictional", lang))}</div>' if data.fictional else ""
    panel = (f'<div id="export-title"><h1>{escape(title)}</h1><div class="date">{escape(view.date_text())}</div>'
             f'{notice}<ul class="legend">{legend}</ul>{hidden_html}</div>'
             f'<footer id="attribution"><b>{escape(text("export.sources", lang))}:</b><ul>{sources}</ul></footer>')
    style = """<style>
html,body{margin:0;height:100%;font-family:"Noto Sans CJK JP","Hiragino Sans","Yu Gothic",sans-serif}
.folium-map{position:absolute!important;top:0;bottom:0;left:0;right:0;height:auto!important}
#export-title{position:absolute;z-index:1000;top:10px;left:60px;background:#fff;border:2px solid #000;padding:6px 12px;max-width:40%;max-height:70%;overflow:auto}
#export-title h1{margin:0;font-size:20px}.date{font-weight:bold}
.notice{background:#fff4d6;color:#5c3b00;border:1px solid #e0a800;padding:2px 6px;font-weight:bold;margin:4px 0}
#attribution{position:absolute;z-index:1000;bottom:0;left:0;right:0;background:rgba(255,255,255,.92);font-size:12px;padding:4px 8px;border-top:1px solid #000}
#attribution ul{display:inline;margin:0;padding:0}#attribution li{display:inline;margin-right:1em}
.legend{list-style:none;padding:0;margin:6px 0}.legend li{margin:3px 0;display:flex;align-items:center;gap:6px}
.area-label{font-weight:bold;font-size:14px;text-align:center;color:#000;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;white-space:nowrap}
.area-label-icon,.place-icon{background:none;border:none}
.pm{display:inline-flex;align-items:center;justify-content:center;width:26px;height:26px;border:3px solid #000;box-sizing:border-box;font-weight:bold;font-size:13px}
.pm-circle{border-radius:50%}.pm-diamond{transform:rotate(45deg)}.pm-diamond span{transform:rotate(-45deg)}
.pm-triangle{clip-path:polygon(50% 0,100% 100%,0 100%);border:none}.pm-hexagon{clip-path:polygon(25% 0,75% 0,100% 50%,75% 100%,25% 100%,0 50%);border:none}
.pm-approx{border-style:dashed}.pm-new{outline:3px solid #000;outline-offset:3px}.pm-closed{opacity:.85;text-decoration:line-through}
</style>"""
    root = m.get_root()
    root.header.add_child(folium.Element(
        "<style>" + _inline_css(assets.leaflet_css, assets.leaflet_images) + "</style>" + style
        + _script(assets.jquery_js.read_text(encoding="utf-8"))
        + _script(assets.leaflet_js.read_text(encoding="utf-8"))
        + _script(_default_icon_js(assets.leaflet_images))), name="inline_assets")
    root.html.add_child(folium.Element(panel), name="panel")
    html = root.render()
    html = html.replace("<html>", f'<html lang="{"en" if lang == "en" else "ja"}">', 1)
    return html


def filename(view: ExportView, ext: str) -> str:
    parts = ["tsunagari", view.kind, view.area_code or "all", view.on_date.isoformat()]
    if view.then_date:
        parts.insert(3, view.then_date.isoformat())
    name = "_".join(parts)
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name) + "." + ext


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
