"""JSON API. Every parameter is validated here before it reaches geo/ (and SQL)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from geo.places import queries
from geo.storage.models import AREA_KINDS, Place
from geo.places import search
from geo.places.privacy import public_feature
from web import db_session
from web.i18n import current_lang, say, t

bp = Blueprint("api", __name__)


class BadRequest(ValueError):
    pass


@bp.errorhandler(BadRequest)
def bad_request(exc):
    return jsonify({"error": str(exc)}), 400


def _float(name: str, lo: float, hi: float) -> float:
    raw = request.args.get(name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise BadRequest(t("invalid.number", name=name)) from None
    if not lo <= value <= hi:
        raise BadRequest(t("invalid.range", name=name, lo=lo, hi=hi))
    return value


def _limit(default: int, maximum: int) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadRequest(t("invalid.limit", n=maximum))
    return int(raw)


def _latlon(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise BadRequest(t("invalid.near")) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadRequest(t("invalid.latlon_range"))
    return lat, lon


def _filters() -> search.Filters:
    try:
        return search.Filters.from_args(request.args)
    except ValueError as exc:
        raise BadRequest(say(exc)) from None


def _bbox() -> queries.BBox:
    try:
        return queries.BBox.parse(request.args["bbox"])
    except ValueError as exc:
        raise BadRequest(say(exc)) from None


@bp.get("/places")
def places():
    """near=lat,lon (nearest first, with distance and walking minutes) or bbox=w,s,e,n, plus
    filters: layer, day, time, target, free, no_reservation, consultation."""
    session = db_session()
    filters = _filters()
    lang = current_lang()
    if request.args.get("near"):
        lat, lon = _latlon(request.args["near"])
        rows = search.nearest(session, lat, lon, filters, _limit(20, 200))
        return jsonify({"type": "FeatureCollection",
                        "features": [search.feature(p, lang, distance=d) for p, d in rows]})
    if request.args.get("bbox"):
        bbox = _bbox()
        rows, truncated = search.in_bbox(session, bbox, filters, _limit(5000, 20000))
        return jsonify({"type": "FeatureCollection", "truncated": truncated,
                        "features": [search.feature(p, lang) for p in rows]})
    raise BadRequest(t("invalid.near_or_bbox"))


@bp.get("/places/<int:place_id>")
def place(place_id: int):
    p = db_session().get(Place, place_id)
    if p is None:
        return jsonify({"error": t("not_found")}), 404
    return jsonify(search.feature(p, current_lang(), dates=3))


@bp.get("/search")
def search_endpoint():
    """Where to look from — q (address or place name) or lat/lon (the browser's location) —
    then the nearest places with the filters, and who to ask for help there."""
    session = db_session()
    filters = _filters()
    lang = current_lang()
    limit = _limit(10, 50)
    municipality = request.args.get("municipality") or None
    if municipality is not None and not (municipality.isdigit() and len(municipality) in (5, 6)):
        raise BadRequest(t("invalid.municipality"))
    out: dict = {"origin": None, "matches": [], "results": [], "help": None, "areas": [], "message": None}
    if request.args.get("q") is not None:
        try:
            found = search.search_text(session, request.args["q"], municipality)
        except ValueError as exc:
            raise BadRequest(say(exc)) from None
        out["query"] = found.query
        out["matches"] = [search.result(p, lang) for p in found.matches]
        origin = found.origin
        if origin is None:
            out["message"] = say(found.reason)
    elif request.args.get("lat") is not None or request.args.get("lon") is not None:
        origin = search.Origin(lat=_float("lat", -90, 90), lon=_float("lon", -180, 180),
                               label=(request.args.get("label") or t("your_location"))[:100],
                               kind="location")
    else:
        raise BadRequest(t("invalid.q_or_latlon"))
    if origin is not None:
        out["origin"] = {"lat": origin.lat, "lon": origin.lon, "label": origin.label, "kind": origin.kind,
                         "level": origin.level, "approximate": origin.approximate}
        rows = search.nearest(session, origin.lat, origin.lon, filters, limit)
        out["results"] = [search.result(p, lang, distance=d) for p, d in rows]
        helper = search.help_desk(session, origin.lat, origin.lon)
        if helper:
            out["help"] = {"by": helper["by"], "area": helper["area"],
                           "place": search.result(helper["place"], lang, distance=helper.get("distance"))}
        out["areas"] = [{"id": a.id, "kind": a.kind, "code": a.code, "name": a.name}
                        for a in search.areas_here(session, origin.lat, origin.lon)]
    return jsonify(out)


@bp.get("/areas")
def areas():
    kind = request.args.get("kind", "")
    if kind not in AREA_KINDS:
        raise BadRequest(t("invalid.area_kind", kind=kind[:40]))
    bbox = _bbox() if request.args.get("bbox") else None
    return jsonify(queries.areas_geojson(db_session(), kind, bbox))


@bp.get("/areas/at")
def areas_at():
    lat, lon = _float("lat", -90, 90), _float("lon", -180, 180)
    kinds = request.args.get("kind")
    if kinds and any(k not in AREA_KINDS for k in kinds.split(",")):
        raise BadRequest(t("invalid.area_kind", kind=kinds[:40]))
    found = queries.areas_at(db_session(), lat, lon, kinds.split(",") if kinds else None)
    return jsonify([{"id": a.id, "kind": a.kind, "code": a.code, "name": a.name,
                     "municipality_code": a.municipality_code,
                     "support_branch": public_feature(a.place)["properties"] if a.place else None} for a in found])
