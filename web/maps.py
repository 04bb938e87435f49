"""The one map configuration every page hands to web/static/map.js.

Base map (tiles and attribution), the initial view, the look of each place layer (glyph, shape,
colour) and of each area layer (outline colour, weight, dash, names) are decided here once and
passed to the browser as JSON in the same shape on every page (`map_config`). The pages draw
with Leaflet through map.js; folium is used only for the offline HTML export (geo/render).
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app

import layers
from geo.analysis.meeting import text_colour_on
from geo.render.exports import OfflineAssets
from web.i18n import t

# 地理院タイル: the default base map (TSUNAGARI_TILES=none or TILE_URL=None runs without one).
GSI_TILES = "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"
GSI_ATTRIBUTION = "地理院タイル"
GSI_ATTRIBUTION_URL = "https://maps.gsi.go.jp/development/ichiran.html"
GSI_SOURCE = "地理院タイル（国土地理院）"
MAX_ZOOM = 18
DEFAULT_VIEW = {"center": [34.69, 135.70], "zoom": 12}


def tiles() -> dict | None:
    """The base map of this deployment, or None when it runs without one."""
    url = current_app.config.get("TILE_URL")
    if not url:
        return None
    custom = current_app.config.get("TILE_ATTRIBUTION")
    gsi = url == GSI_TILES
    attribution = custom or GSI_ATTRIBUTION
    return {"url": url, "attribution": attribution, "attribution_url": GSI_ATTRIBUTION_URL if gsi and not custom else None,
            "source": GSI_SOURCE if gsi and not custom else attribution, "max_zoom": MAX_ZOOM}


def base_map_source(lang: str) -> str:
    """The base map's line in a page's sources footer."""
    tl = tiles()
    return f"{t('base_map', lang)}: {tl['source']}" if tl else t("no_base_map", lang)


def place_layer_style(layer, lang: str) -> dict:
    """How one place layer is drawn everywhere: glyph + shape + colour (never colour alone)."""
    return {"id": layer.id, "name": layer.name(lang), "icon": layer.icon, "colour": layer.fill,
            "text_colour": text_colour_on(layer.fill), "shape": layer.marker_shape,
            "popup_fields": list(layer.popup_fields)}


def area_label_zoom(layer) -> int:
    """The zoom from which an area layer's names are drawn permanently (coarser kinds earlier)."""
    return 12 if layer.weight >= 4 else 13


def area_layer_style(layer, lang: str) -> dict:
    return {"id": layer.id, "name": layer.name(lang), "colour": layer.colour, "weight": layer.weight,
            "dash": layer.dash, "labels": layer.show_labels, "label_zoom": area_label_zoom(layer)}


def map_texts(lang: str) -> dict[str, str]:
    """The few texts map.js itself shows."""
    return {"base_map": t("base_map", lang), "map_layers": "表示する地図の種類" if lang != "en" else "Map layers",
            "place_count": "{n}件" if lang != "en" else "{n} places"}


def map_config(lang: str, bounds: list[list[float]] | None = None, **extra) -> dict:
    """The config map.js's TsunagariMap.create() reads; pages add their own keys (`extra`)."""
    config = {"lang": lang, "tiles": tiles(), "view": dict(DEFAULT_VIEW, bounds=bounds), "max_zoom": MAX_ZOOM,
              "place_layers": [place_layer_style(l, lang) for l in layers.place_layers()],
              "area_layers": [area_layer_style(l, lang) for l in layers.area_layers()],
              "texts": map_texts(lang)}
    texts = extra.pop("texts", None)
    if texts:
        config["texts"] = {**config["texts"], **texts}
    config.update(extra)
    return config


def offline_assets() -> OfflineAssets:
    """The vendored files the standalone HTML export inlines (geo/ never reads web/ itself)."""
    vendor = Path(current_app.static_folder) / "vendor"
    return OfflineAssets(leaflet_js=vendor / "leaflet/leaflet.js", leaflet_css=vendor / "leaflet/leaflet.css",
                         leaflet_images=vendor / "leaflet/images", jquery_js=vendor / "jquery/jquery.min.js")


def pick_config(session, lang: str) -> dict:
    """The config of a point-picking map (place form, resident report): the municipality's school
    districts to find one's way without a base map, fitted to them."""
    from geo.analysis.meeting import area_bounds
    from geo.places import queries

    kinds = [l.id for l in layers.area_layers() if l.id == "elementary"] or [l.id for l in layers.area_layers()][:1]
    areas = {k: queries.areas_geojson(session, k, simplify_deg=0.0001) for k in kinds}
    return map_config(lang, bounds=area_bounds(session), areas=areas)
