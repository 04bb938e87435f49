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
from geo import clock
from geo.vocab import Invalid, Term, label as vocab_label, labels, text

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
                           .where(Area.kind == view.kind).order_by(Area.code)).all()
    if view.coverage_layer == "":
        cov_layer = None
    else:
        cov_layer = view.coverage_layer if view.coverage_layer in layer_ids else (layer_ids[0] if layer_ids else None)
    classes = None
    if cov_layer:
        classes = (meeting.coverage_classes(session, view.kind, [cov_layer], view.on_date) or {}).get(cov_layer)
    areas = [{"id": r.id, "code": r.code, "name": r.name, "geom": to_shape(r.g),
              "klass": classes.get(r.id) if classes else None} for r in rows]
    names = {a["id"]: a["name"] for a in areas}
    pf = view.place_filter()
    comparison = None
    if view.then_date:
        comparison = meeting.compare(session, view.then_date, view.on_date, view.kind, layer_ids, view.lang)
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
    """The handout list: UTF-8 with BOM (Excel opens it as UTF-8); formula-like cells neutralised."""
    lang = data.view.lang
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(list(labels("places_csv_column", lang).values()))
    status = {"new": text("export.new", lang), "closed": text("export.closed", lang)}
    for p in data.places:
        layer = layers.get(p["layer"])
        row = [layer.name(lang), p["name"], p.get("area_name") or "", p.get("address") or "",
               p.get("schedule_text") or "", p.get("operator") or "", p.get("phone") or "",
               text("export.yes", lang) if p.get("has_consultation") else "",
               p.get("precision_label") or "",
               "" if p["lat"] is None else f"{p['lat']:.6f}", "" if p["lon"] is None else f"{p['lon']:.6f}",
               text("export.fictional_yes", lang) if p.get("fictional") else "",
               status.get(p.get("change") or "", "")]
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


def _draw_places(ax, sel, layer, precision, change, scale, fs, dim=False) -> None:
    closed = change == "closed"
    alpha = 0.35 if dim else (0.8 if closed else 1.0)
    ax.scatter(sel.geometry.x, sel.geometry.y, s=(150 if precision == "exact" else 230) * scale ** 2,
               marker=MARKERS[meeting.layer_shape(layer.id)],
               facecolor="#dddddd" if closed else layer.colour, edgecolor="#000000",
               linewidths=1.3 * scale, linestyle="-" if precision == "exact" else (0, (2, 1.5)),
               zorder=6, alpha=alpha)
    for x, y in zip(sel.geometry.x, sel.geometry.y):
        ax.text(x, y, layer.icon, ha="center", va="center", fontsize=fs(5.5), zorder=7, clip_on=True,
                alpha=alpha, color="#000000" if closed else meeting.text_colour_on(layer.colour))
    if change == "new":
        ax.scatter(sel.geometry.x, sel.geometry.y, s=420 * scale ** 2, marker="o", alpha=alpha,
                   facecolor="none", edgecolor="#000000", linewidths=2.0 * scale, zorder=5)
    if closed:
        ax.scatter(sel.geometry.x, sel.geometry.y, s=260 * scale ** 2, marker="x", alpha=alpha,
                   color="#000000", linewidths=1.6 * scale, zorder=8)


def _halo_text(ax, x, y, text, halo, **kw) -> None:
    """A white halo (drawn as a path) under plain text, so the text stays text in the PDF
    (path effects on the text itself would turn it into outlines that pdftotext cannot read)."""
    ax.text(x, y, text, path_effects=halo, **kw)
    ax.text(x, y, text, **kw)


def render_figure(data: ViewData, paper: str = "A4"):
    """A landscape figure the size of the paper: map on the left, legend and profile on the right."""
    _mpl()
    import geopandas as gpd
    from matplotlib import patheffects
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    view, lang = data.view, data.view.lang
    w_mm, h_mm = PAPERS_MM.get(paper, PAPERS_MM["A4"])
    fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4))
    scale = w_mm / 297  # type sizes grow with the paper
    fs = lambda n: n * scale  # noqa: E731

    title = view.title or text("export.title", lang)
    if data.focus is not None:
        title = f"{title} ― {data.focus.name}"
    fig.text(0.02, 0.965, title, fontsize=fs(17), fontweight="bold", va="top")
    fig.text(0.98, 0.965, view.date_text(), fontsize=fs(13), va="top", ha="right")

    ax = fig.add_axes((0.02, 0.16, 0.66, 0.76))
    ax.set_axis_off()
    ax.set_aspect("equal")

    if data.areas:
        gdf = gpd.GeoDataFrame(
            {"id": [a["id"] for a in data.areas], "name": [a["name"] for a in data.areas],
             "klass": [a["klass"] for a in data.areas]},
            geometry=[a["geom"] for a in data.areas], crs="EPSG:4326")
        c = gdf.union_all().centroid if hasattr(gdf, "union_all") else gdf.unary_union.centroid
        epsg = _utm_epsg(c.x, c.y)
        gdf = gdf.to_crs(epsg)
    else:
        gdf, epsg = None, 3857

    focus_id = data.focus.id if data.focus is not None else None
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
            mine = gdf[gdf["id"] == focus_id]
            mine.boundary.plot(ax=ax, color="#000000", linewidth=3.2 * scale)
            x0, y0, x1, y1 = mine.total_bounds
        else:
            x0, y0, x1, y1 = gdf.total_bounds
        pad = max(x1 - x0, y1 - y0) * 0.06
        x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
        # keep the axes' aspect: grow the shorter side
        ax_w, ax_h = 0.66 * w_mm, 0.76 * h_mm
        if (x1 - x0) / (y1 - y0) < ax_w / ax_h:
            grow = ((y1 - y0) * ax_w / ax_h - (x1 - x0)) / 2
            x0, x1 = x0 - grow, x1 + grow
        else:
            grow = ((x1 - x0) * ax_h / ax_w - (y1 - y0)) / 2
            y0, y1 = y0 - grow, y1 + grow
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        halo = [patheffects.Stroke(linewidth=3 * scale, foreground="white")]
        for _i, row in gdf.iterrows():
            pt = row.geometry.representative_point()
            if not (x0 <= pt.x <= x1 and y0 <= pt.y <= y1):
                continue
            strong = focus_id is None or row["id"] == focus_id
            label = row["name"]
            if row["klass"]:
                label += f"\n[{vocab_label('coverage_class', row['klass'], lang)}]"
            _halo_text(ax, pt.x, pt.y, label, halo, ha="center", va="center", fontsize=fs(9 if strong else 7),
                       fontweight="bold" if strong else "normal", color="#000000" if strong else "#444444",
                       zorder=10, clip_on=True)

    # places (public points only)
    shown = [p for p in data.places if p["lat"] is not None]
    if shown:
        pts = gpd.GeoDataFrame(shown, geometry=gpd.points_from_xy([p["lon"] for p in shown],
                                                                  [p["lat"] for p in shown]), crs="EPSG:4326")
        pts = pts.to_crs(epsg)
        for layer_id in view.layer_ids():
            layer = layers.get(layer_id)
            for change in (None, "unchanged", "new", "closed"):
                for precision in ("exact", "approximate"):
                    sel = pts[(pts["layer"] == layer_id) & (pts["precision"] == precision)
                              & (pts["change"].isna() if change is None else pts["change"] == change)]
                    if not len(sel):
                        continue
                    if focus_id is not None:   # dim the neighbours' places too
                        for far in (False, True):
                            part = sel[(sel["area_id"] != focus_id) == far]
                            if len(part):
                                _draw_places(ax, part, layer, precision, change, scale, fs, dim=far)
                        continue
                    _draw_places(ax, sel, layer, precision, change, scale, fs, dim=False)

    # scale bar and north arrow (metric CRS: UTM)
    if gdf is not None:
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        length = _nice_length(x1 - x0)
        bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
        bh = (y1 - y0) * 0.012
        for i in range(4):
            ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, bh, facecolor="#000000" if i % 2 == 0
                                   else "#ffffff", edgecolor="#000000", linewidth=0.8 * scale, zorder=9))
        unit = f"{length // 1000} km" if length >= 1000 and length % 1000 == 0 else f"{length} m"
        thin = [patheffects.Stroke(linewidth=2, foreground="white")]
        _halo_text(ax, bx, by + bh * 1.6, "0", thin, fontsize=fs(8), ha="center", va="bottom", zorder=9)
        _halo_text(ax, bx + length, by + bh * 1.6, unit, thin, fontsize=fs(8), ha="center", va="bottom", zorder=9)
        nx, ny = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.16
        ax.annotate("", xy=(nx, ny + (y1 - y0) * 0.09), xytext=(nx, ny),
                    arrowprops={"arrowstyle": "-|>,head_width=0.5,head_length=0.9", "color": "#000000",
                                "linewidth": 2.2 * scale}, zorder=9)
        ax.text(nx, ny + (y1 - y0) * 0.10, text("export.north", lang), ha="center", va="bottom", fontsize=fs(12),
                fontweight="bold", zorder=9)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#000000", linewidth=0.8))

    # legend
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
    area_layer = layers.registry().get(view.kind)
    handles.append(Line2D([], [], color="#000000", linewidth=1.1 * scale,
                          label=area_layer.name(lang) if area_layer else view.kind))
    if data.focus is not None:
        handles.append(Line2D([], [], color="#000000", linewidth=3.2 * scale,
                              label=f"{text('export.focus', lang)}: {data.focus.name}"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.70, 0.92), frameon=True, fontsize=fs(9),
               title=text("export.legend", lang), title_fontsize=fs(10), alignment="left", borderpad=0.8)
    notes = [text("export.approx", lang)]
    hidden = sum(1 for p in data.places if p["lat"] is None)
    if hidden:
        notes.append(f"{text('export.hidden', lang)}: {hidden}{text('export.kasho', lang)}")
    # profile of the focused area
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
    if lines or notes:
        fig.text(0.70, 0.44, "\n".join(notes + [""] + lines), fontsize=fs(8.5), va="top", ha="left",
                 linespacing=1.35)

    # footer: sources, no base map, fictional notice
    src = [f"{text('export.sources', lang)}:"] + [_wrap(a, 110) for a in data.attributions] + [text('export.no_base_map', lang)]
    fig.text(0.02, 0.145, "\n".join(src), fontsize=fs(6.5), va="top", ha="left", linespacing=1.25)
    if data.fictional:
        fig.text(0.02, 0.015, text("export.fictional", lang), fontsize=fs(9), fontweight="bold", va="bottom", ha="left",
                 color="#5c3b00", bbox={"facecolor": "#fff4d6", "edgecolor": "#e0a800", "pad": 3})
    return fig


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
