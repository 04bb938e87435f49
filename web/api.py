"""JSON API. Every parameter is validated here before it reaches geo/ (and SQL)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from geo import clock, vocab
from geo.places import queries, search
from geo.places.schedule import short_date
from geo.places.privacy import public_feature
from geo.storage.models import AREA_KINDS, Place
from web import db_session, params
from web.i18n import current_lang, say, t
from web.params import BadParameter

bp = Blueprint("api", __name__)


@bp.get("/places")
def places():
    """near=lat,lon (nearest first, with distance and walking minutes) or bbox=w,s,e,n, plus
    filters: layer, day, time, target, free, no_reservation, consultation."""
    session = db_session()
    filters = params.filters()
    lang = current_lang()
    near, bbox = params.latlon("near"), params.bbox("bbox")
    if near:
        rows = search.nearest(session, *near, filters, params.int_in_range("limit", 1, 200, 20), lean=True)
        return jsonify({"type": "FeatureCollection",
                        "features": [search.feature(p, lang, distance=d) for p, d in rows]})
    if bbox:
        rows, truncated = search.in_bbox(session, bbox, filters, params.int_in_range("limit", 1, 20000, 5000), lean=True)
        return jsonify({"type": "FeatureCollection", "truncated": truncated,
                        "features": [search.feature(p, lang) for p in rows]})
    raise BadParameter("param_need_one", options="near=lat,lon / bbox=w,s,e,n")


@bp.get("/places/<int:place_id>")
def place(place_id: int):
    p = db_session().get(Place, place_id)
    if p is None:
        return jsonify({"error": t("not_found")}), 404
    return jsonify(search.feature(p, current_lang(), dates=3))


@bp.get("/search")
@bp.get("/m/<muni>/search")
def search_endpoint(muni: str | None = None):
    """Where to look from — q (address or place name) or lat/lon (the browser's location) —
    then the nearest places with the filters, and who to ask for help there."""
    session = db_session()
    filters = params.filters()
    lang = current_lang()
    limit = params.int_in_range("limit", 1, 50, 10)
    municipality = params.municipality("municipality") or params.municipality_in_path()
    q = params.query("q")
    out: dict = {"origin": None, "matches": [], "results": [], "help": None, "areas": [], "message": None}
    if q is not None:
        found = search.search_text(session, q, municipality)
        out["query"] = found.query
        out["matches"] = [search.result(p, lang) for p in found.matches]
        origin = found.origin
        if origin is None:
            out["message"] = say(found.reason)
    elif request.args.get("lat") is not None or request.args.get("lon") is not None:
        origin = search.Origin(lat=params.required(params.number("lat", -90, 90), "lat"),
                               lon=params.required(params.number("lon", -180, 180), "lon"),
                               label=(request.args.get("label") or t("your_location"))[:100],
                               kind="location")
    else:
        raise BadParameter("param_need_one", options="q / lat=..&lon=..")
    if origin is not None:
        out["origin"] = {"lat": origin.lat, "lon": origin.lon, "label": origin.label, "kind": origin.kind,
                         "level": origin.level, "approximate": origin.approximate}
        rows = search.nearest(session, origin.lat, origin.lon, filters, limit, lean=True)
        # with a chosen date, each place's "next" date counts from that day
        out["results"] = [search.result(p, lang, today=filters.on, distance=d) for p, d in rows]
        out["date"] = _date_info(filters, search.date_note(session, origin.lat, origin.lon, filters, len(rows)), lang)
        if not rows and search.nothing_near(session, origin.lat, origin.lon):
            out["message"] = vocab.text("search.nothing_near", lang)
        here = search.areas_here(session, origin.lat, origin.lon)   # one query for both uses
        helper = search.help_desk(session, origin.lat, origin.lon, areas=here)
        if helper:
            out["help"] = {"by": helper["by"], "area": helper["area"],
                           "place": search.result(helper["place"], lang, distance=helper.get("distance"))}
        out["areas"] = [{"id": a.id, "kind": a.kind, "code": a.code, "name": a.name}
                        for a in here]
    return jsonify(out)


def _date_info(filters: search.Filters, note: search.DateNote | None, lang: str) -> dict | None:
    """The chosen date, said in the reader's language, and whether anything meets that day."""
    if filters.on is None:
        return None
    info = {"date": filters.on.isoformat(), "label": short_date(filters.on, lang, clock.today()),
            "heading": t("search.date_open", lang, date=short_date(filters.on, lang, clock.today())),
            "note": None, "next": None}
    if note is not None:
        info["next"] = note.next.isoformat() if note.next else None
        info["note"] = t(note.code, lang, date=short_date(note.day, lang, clock.today(), weekday=False),
                       next=short_date(note.next, lang, clock.today(), weekday=False) if note.next else "")
    return info


@bp.get("/areas")
def areas():
    kind = params.required(params.choice("kind", AREA_KINDS), "kind")
    return jsonify(queries.areas_geojson(db_session(), kind, params.bbox("bbox")))


@bp.get("/areas/at")
def areas_at():
    lat = params.required(params.number("lat", -90, 90), "lat")
    lon = params.required(params.number("lon", -180, 180), "lon")
    kinds = params.choices("kind", AREA_KINDS)
    found = queries.areas_at(db_session(), lat, lon, list(kinds) or None)
    return jsonify([{"id": a.id, "kind": a.kind, "code": a.code, "name": a.name,
                     "municipality_code": a.municipality_code,
                     "support_branch": public_feature(a.place)["properties"] if a.place else None} for a in found])


@bp.get("/aggregates")
def aggregates():
    """bbox=w,s,e,n&zoom=z (+ the place filters): places counted per grid cell and layer, for the
    map at low zoom. mode "points" says the view holds few enough places (or the zoom is street
    level) to draw them one by one from /api/places?bbox= instead."""
    import layers as layer_registry
    from geo import vocab
    from geo.places import aggregates as agg

    bbox = params.required(params.bbox("bbox"), "bbox")
    zoom = params.required(params.int_in_range("zoom", 0, 20), "zoom")
    filters = params.filters()
    wanted = list(filters.layers) or [l.id for l in layer_registry.place_layers()]
    key = "&".join(f"{k}={v}" for k, v in sorted(filters.params().items()) if k not in ("layer", "time"))
    result = agg.aggregate(db_session(), bbox, zoom, wanted, filters.where(), filter_key=key)
    out = {"zoom": result.zoom, "mode": result.mode, "total": result.total, "layers": result.layers,
           "cell_px": 256 // agg.CELLS_PER_TILE, "street_zoom": agg.STREET_ZOOM, "cells": result.cells,
           "hint": vocab.text("aggregate_hint", current_lang()) if result.mode == "cells" else None}
    if filters.band:
        out["time_filter_applied"] = False   # a time band is checked per place: shown when zoomed in
    return jsonify(out)
