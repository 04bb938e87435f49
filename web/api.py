"""JSON API. Every parameter is validated here before it reaches geo/ (and SQL)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

import layers
from geo import queries
from geo.models import AREA_KINDS, Place
from geo.privacy import public_feature
from web import db_session

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
        raise BadRequest(f"{name} は数値で指定してください ({name} must be a number)") from None
    if not lo <= value <= hi:
        raise BadRequest(f"{name} が範囲外です ({name} out of range {lo}..{hi})")
    return value


def _layers() -> list[str] | None:
    raw = request.args.get("layer")
    if not raw:
        return None
    known = {l.id for l in layers.place_layers()}
    wanted = [x for x in raw.split(",") if x]
    unknown = [x for x in wanted if x not in known]
    if unknown:
        raise BadRequest(f"不明なレイヤー (unknown layer): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return wanted


def _limit(default: int, maximum: int) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadRequest(f"limit は 1〜{maximum} の整数です (limit must be an integer 1..{maximum})")
    return int(raw)


def _latlon(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise BadRequest("near は 緯度,経度 です (near must be lat,lon)") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadRequest("near が範囲外です (near out of range)")
    return lat, lon


@bp.get("/places")
def places():
    session = db_session()
    wanted = _layers()
    if request.args.get("near"):
        lat, lon = _latlon(request.args["near"])
        rows = queries.nearest_places(session, lat, lon, wanted, _limit(20, 200))
        feats = [public_feature(p, distance_m=round(d), walk_min=queries.walking_minutes(round(d))) for p, d in rows]
    elif request.args.get("bbox"):
        try:
            bbox = queries.BBox.parse(request.args["bbox"])
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        feats = [public_feature(p) for p in queries.places_in_bbox(session, bbox, wanted, _limit(5000, 20000))]
    else:
        raise BadRequest("near=緯度,経度 か bbox=西,南,東,北 を指定してください (give near=lat,lon or bbox=w,s,e,n)")
    return jsonify({"type": "FeatureCollection", "features": feats})


@bp.get("/places/<int:place_id>")
def place(place_id: int):
    p = db_session().get(Place, place_id)
    if p is None:
        return jsonify({"error": "見つかりません (not found)"}), 404
    return jsonify(public_feature(p))


@bp.get("/areas")
def areas():
    kind = request.args.get("kind", "")
    if kind not in AREA_KINDS:
        raise BadRequest(f"kind は {', '.join(AREA_KINDS)} のどれかです (kind must be one of them)")
    bbox = None
    if request.args.get("bbox"):
        try:
            bbox = queries.BBox.parse(request.args["bbox"])
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
    return jsonify(queries.areas_geojson(db_session(), kind, bbox))


@bp.get("/areas/at")
def areas_at():
    lat, lon = _float("lat", -90, 90), _float("lon", -180, 180)
    kinds = request.args.get("kind")
    if kinds and any(k not in AREA_KINDS for k in kinds.split(",")):
        raise BadRequest("kind が不明です (unknown kind)")
    found = queries.areas_at(db_session(), lat, lon, kinds.split(",") if kinds else None)
    return jsonify([{"id": a.id, "kind": a.kind, "code": a.code, "name": a.name,
                     "municipality_code": a.municipality_code,
                     "support_branch": public_feature(a.place)["properties"] if a.place else None} for a in found])
