"""Compose the Leaflet map with folium, with every asset served by the app itself."""
from __future__ import annotations

import datetime as dt

import folium
from flask import current_app, url_for
from markupsafe import Markup, escape

import layers
from geo.places.privacy import public_place
from web.i18n import t
from geo import clock

GSI_TILES = "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"
GSI_ATTR = '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>'


def _local_assets(element) -> None:
    """folium points at CDNs by default: point every asset at our own /static instead
    (jQuery too: folium builds popups with it; bootstrap and awesome-markers are not used)."""
    js = {"leaflet": "vendor/leaflet/leaflet.js", "jquery": "vendor/jquery/jquery.min.js",
          "markerclusterjs": "vendor/markercluster/leaflet.markercluster.js"}
    css = {"leaflet_css": "vendor/leaflet/leaflet.css",
           "markerclustercss": "vendor/markercluster/MarkerCluster.css",
           "markerclusterdefaultcss": "vendor/markercluster/MarkerCluster.Default.css"}
    element.default_js = [(k, url_for("static", filename=v)) for k, v in js.items()
                          if k in dict(type(element).default_js)]
    element.default_css = [(k, url_for("static", filename=v)) for k, v in css.items()
                           if k in dict(type(element).default_css)]


def popup_html(place, lang: str, today: dt.date) -> str:
    """Popup content for one place. Every value is escaped: names and notes are untrusted."""
    from geo.places.schedule import format_next_en, format_next_ja

    layer = layers.get(place.layer)
    p = public_place(place, lang)
    nxt = format_next_en(place.schedule, today) if lang == "en" else format_next_ja(place.schedule, today)
    rows = [f'<div class="popup-layer" style="color:{escape(layer.colour)}">{escape(layer.name(lang))}</div>',
            f'<h3 class="popup-name">{escape(p["name"])}</h3>']
    if p["fictional"]:
        rows.append(f'<span class="badge-fictional">{escape(t("fictional_badge", lang))}</span>')
    rows.append(f'<p class="popup-next">{escape(nxt)}</p>')
    for key in layer.popup_fields:
        value = p.get(key)
        if value in (None, "", []):
            continue
        label = t({"schedule_text": "schedule"}.get(key, key), lang)
        rows.append(f"<div><b>{escape(label)}</b>: {escape(value)}</div>")
    if p["has_consultation"]:
        rows.append(f'<div class="popup-consult">{escape(t("consultation", lang))}</div>')
    if p["precision"] != "exact":
        rows.append(f'<div class="popup-precision">{escape(t("location", lang))}: {escape(p["precision_label"])}</div>')
    rows.append(f'<a href="{escape(url_for("public.place_page", place_id=place.id))}">{escape(t("details", lang))}</a>')
    return '<div class="popup">' + "".join(rows) + "</div>"


def area_label_zoom(layer) -> int:
    """The zoom from which an area layer's names are drawn permanently (coarser kinds earlier)."""
    return 12 if layer.weight >= 4 else 13


def build_map(places: list, area_collections: dict[str, dict], lang: str, attributions: list[str],
              bounds: list[list[float]] | None = None, place_markers: bool = True) -> folium.Map:
    """Map + optional base layer + area outlines with names + layer control.

    With `place_markers` the places are drawn by folium as before (for pages that want a
    static map); the resident page passes no places and lets web/static/app.js load them by
    bounding box into marker-cluster groups registered in the same layer control.
    """
    tiles = current_app.config.get("TILE_URL")
    m = folium.Map(location=[34.69, 135.70], zoom_start=12, tiles=None, control_scale=True)
    m.options["maxZoom"] = 18   # marker clustering needs it even when there is no base map
    m.options["zoomSnap"] = 0.25  # fit the municipality snugly instead of a whole zoom level out
    if bounds:
        m.fit_bounds(bounds)
    _local_assets(m)
    if tiles:
        folium.TileLayer(tiles=tiles, attr=current_app.config.get("TILE_ATTRIBUTION") or GSI_ATTR,
                         name=t("base_map", lang), max_zoom=18, overlay=False, control=True).add_to(m)
    today = clock.today()

    for layer in layers.area_layers():
        coll = area_collections.get(layer.id)
        if not coll or not coll["features"]:
            continue
        group = folium.FeatureGroup(name=layer.name(lang), show=True)
        for feat in coll["features"]:
            feat["properties"]["label"] = str(escape(feat["properties"]["name"]))
        folium.GeoJson(
            coll, name=layer.name(lang),
            style_function=lambda _f, c=layer.colour, w=layer.weight, d=layer.dash: {
                "color": c, "weight": w, "fillOpacity": 0.03, "dashArray": d},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=False),
        ).add_to(group)
        if layer.show_labels:
            # permanent names; CSS shows them only from a sensible zoom (app.js sets the class)
            zoom = area_label_zoom(layer)
            for feat in coll["features"]:
                props = feat["properties"]
                if props.get("label_lat") is None:
                    continue
                folium.Marker(
                    location=[props["label_lat"], props["label_lon"]], interactive=False, keyboard=False,
                    icon=folium.DivIcon(html=f'<span style="border-color:{escape(layer.colour)}">{props["label"]}</span>',
                                        class_name=f"area-label area-label-z{zoom} area-label-{escape(layer.id)}",
                                        icon_size=(0, 0)),
                ).add_to(group)
        group.add_to(m)

    if place_markers:
        by_layer: dict[str, list] = {}
        for place in places:
            by_layer.setdefault(place.layer, []).append(place)
        for layer in layers.place_layers():
            group = folium.FeatureGroup(name=f"{layer.icon} {layer.name(lang)}", show=True)
            for place in by_layer.get(layer.id, []):
                p = public_place(place)
                if p["lat"] is None:
                    continue
                folium.CircleMarker(
                    location=[p["lat"], p["lon"]], radius=9 if p["precision"] == "exact" else 14,
                    color="#000000", weight=1.5, fill=True, fill_color=layer.colour, fill_opacity=0.9,
                    dash_array=None if p["precision"] == "exact" else "4 3",
                    popup=folium.Popup(popup_html(place, lang, today), max_width=320),
                    tooltip=str(escape(p["name"])),
                ).add_to(group)
            group.add_to(m)
    control = folium.LayerControl(collapsed=False)
    control.add_to(m)
    m.tsunagari_control = control
    return m


def js_names(m: folium.Map) -> dict[str, str]:
    """The JavaScript names folium gave the map and its layer control (for app.js)."""
    control = getattr(m, "tsunagari_control", None)
    return {"map": m.get_name(), "control": control.get_name() if control is not None else ""}


def map_parts(m: folium.Map) -> dict[str, Markup]:
    root = m.get_root()
    root.render()
    return {"header": Markup(root.header.render()), "html": Markup(root.html.render()),
            "script": Markup(root.script.render())}
