"""OGC API – Features, Part 1 Core, built as plain dicts from the database (no Flask).

Collections: one per place layer in the layer registry (layers/), and one per area kind that has
areas. Feature ids are the database ids. Every place geometry is its *public* point
(geo/places/privacy.py): exact places their point, approximate places the centre of their grid
cell; hidden places have no public location and are not in the collections at all.

Which places an items request returns:
- without `datetime`: the places the public map shows today (Japan time): status active and
  valid today — the same set as /api/places;
- with `datetime` (an instant or an interval, open ends `..`): every place whose validity
  (valid_from..valid_to) overlaps it, whatever its status, for year-on-year maps.

Parameters are checked here (`parse_items_args`); a bad one raises ParamError, which the web
layer answers with 400 and the OGC exception JSON {code, description}.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any, Mapping

from geoalchemy2.shape import to_shape
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

import layers
from geo.places import queries
from geo.places.privacy import public_place
from geo.places.schedule import next_occurrences
from geo.standards.common import (JST, ParamError, iso_jst, label, now_jst, page_url, parse_datetime,
                                  today_jst)
from geo.storage.models import AREA_KINDS, TARGET_GROUPS, Area, Place

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
GEOJSON, JSON_T, HTML_T = "application/geo+json", "application/json", "text/html"
OPENAPI_T = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_T = "application/schema+json"
COMMON_PARAMS = ("f", "lang")
ITEMS_PARAMS = COMMON_PARAMS + ("limit", "offset", "bbox", "datetime", "municipality_code", "target_group")

TEXTS = {  # {key: (ja, en)}
    "title": ("つながりマップ OGC API – Features", "Tsunagari Map OGC API – Features"),
    "description": ("地域の集いの場・相談窓口（公開位置のみ）と区域を OGC API – Features で配信します。",
                    "Community places (public locations only) and local areas, served as OGC API – Features."),
    "place_desc": ("{name}：公開位置のみ（正確な位置の場所はその地点、おおよその位置の場所は約500m四方の中心）。"
                   "位置を公開していない場所は含みません。",
                   "{name}: public locations only (exact places at their point, approximate places at the "
                   "centre of a ~500 m cell); places whose location is not public are left out."),
    "area_desc": ("{name}（区域の境界）", "{name} (area boundaries)"),
    "conformance": ("適合クラス", "Conformance classes"),
    "collections": ("コレクション一覧", "Collections"),
    "api": ("API 定義（OpenAPI 3.0）", "API definition (OpenAPI 3.0)"),
    "items": ("地物", "Features"),
    "schema": ("属性のスキーマ", "Schema of the properties"),
    "this_html": ("この文書（HTML）", "This document as HTML"),
    "this_json": ("この文書（JSON）", "This document as JSON"),
    "next": ("次のページ", "Next page"),
    "prev": ("前のページ", "Previous page"),
    "collection": ("コレクション", "Collection"),
}


def text(key: str, lang: str = "ja", **params) -> str:
    ja, en = TEXTS[key]
    template = en if lang == "en" else ja
    return template.format(**params) if params else template


# --------------------------------------------------------------------------- collections
@dataclass(frozen=True)
class Collection:
    id: str
    kind: str            # "place" | "area"
    title_ja: str
    title_en: str

    def title(self, lang: str = "ja") -> str:
        return self.title_en if lang == "en" else self.title_ja


def collection_list(session: Session) -> list[Collection]:
    """Every place layer, then every area kind that has areas (in the registry's order first)."""
    out = [Collection(l.id, "place", l.name_ja, l.name_en) for l in layers.place_layers()]
    have = set(session.scalars(select(Area.kind).distinct()))
    area_layers = {l.id: l for l in layers.area_layers()}
    ordered = [k for k in area_layers if k in have] + [k for k in AREA_KINDS if k in have and k not in area_layers]
    for kind in ordered:
        layer = area_layers.get(kind)
        ja = layer.name_ja if layer else label("area_kind", kind, "ja")
        en = layer.name_en if layer else label("area_kind", kind, "en")
        out.append(Collection(kind, "area", ja, en))
    return out


def find_collection(session: Session, cid: str) -> Collection | None:
    return next((c for c in collection_list(session) if c.id == cid), None)


def _links(base: str, path: str, rel_self_type: str, alternates: list[tuple[str, str]], lang: str,
           query: str = "") -> list[dict]:
    q = f"&{query}" if query else ""
    links = [{"href": f"{base}{path}?f={_f(rel_self_type)}{q}", "rel": "self", "type": rel_self_type,
              "title": text("this_json" if rel_self_type != HTML_T else "this_html", lang)}]
    for media, title in alternates:
        links.append({"href": f"{base}{path}?f={_f(media)}{q}", "rel": "alternate", "type": media, "title": title})
    return links


def _f(media: str) -> str:
    return "html" if media == HTML_T else "json"


def landing(base: str, lang: str = "ja") -> dict:
    o = f"{base}/ogc"
    return {
        "title": text("title", lang), "description": text("description", lang),
        "links": _links(o, "", JSON_T, [(HTML_T, text("this_html", lang))], lang) + [
            {"href": f"{o}/api", "rel": "service-desc", "type": OPENAPI_T, "title": text("api", lang)},
            {"href": f"{o}/api?f=html", "rel": "service-doc", "type": HTML_T, "title": text("api", lang)},
            {"href": f"{o}/conformance", "rel": "conformance", "type": JSON_T, "title": text("conformance", lang)},
            {"href": f"{o}/collections", "rel": "data", "type": JSON_T, "title": text("collections", lang)},
        ],
    }


def conformance() -> dict:
    return {"conformsTo": list(CONFORMANCE)}


def _place_extent(session: Session, layer_id: str) -> dict:
    box = func.ST_Extent(Place.public_point)
    row = session.execute(select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box),
                                 func.min(Place.valid_from), func.max(Place.valid_to),
                                 func.count(Place.valid_to), func.count(Place.valid_from), func.count())
                          .where(Place.layer == layer_id, Place.public_point.is_not(None))).one()
    extent: dict[str, Any] = {}
    if row[0] is not None:
        extent["spatial"] = {"bbox": [[round(v, 6) for v in row[:4]]], "crs": CRS84}
    if row[8]:
        start = row[4].isoformat() + "T00:00:00+09:00" if row[4] is not None and row[7] == row[8] else None
        end = row[5].isoformat() + "T23:59:59+09:00" if row[5] is not None and row[6] == row[8] else None
        extent["temporal"] = {"interval": [[start, end]], "trs": GREGORIAN}
    return extent


def _area_extent(session: Session, kind: str) -> dict:
    box = func.ST_Extent(Area.geom)
    row = session.execute(select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box))
                          .where(Area.kind == kind)).one()
    return {"spatial": {"bbox": [[round(v, 6) for v in row]], "crs": CRS84}} if row[0] is not None else {}


def collection_doc(session: Session, base: str, c: Collection, lang: str = "ja") -> dict:
    o = f"{base}/ogc/collections/{c.id}"
    desc_key = "place_desc" if c.kind == "place" else "area_desc"
    doc = {
        "id": c.id, "title": c.title(lang), "description": text(desc_key, lang, name=c.title(lang)),
        "itemType": "feature", "crs": [CRS84],
        "links": _links(o, "", JSON_T, [(HTML_T, text("this_html", lang))], lang) + [
            {"href": f"{o}/items?f=json", "rel": "items", "type": GEOJSON, "title": text("items", lang)},
            {"href": f"{o}/items?f=html", "rel": "items", "type": HTML_T, "title": text("items", lang)},
            {"href": f"{o}/schema", "rel": "describedby", "type": SCHEMA_T, "title": text("schema", lang)},
        ],
    }
    extent = _place_extent(session, c.id) if c.kind == "place" else _area_extent(session, c.kind)
    if extent:
        doc["extent"] = extent
    return doc


def collections_doc(session: Session, base: str, lang: str = "ja") -> dict:
    o = f"{base}/ogc/collections"
    return {"links": _links(o, "", JSON_T, [(HTML_T, text("this_html", lang))], lang),
            "collections": [collection_doc(session, base, c, lang) for c in collection_list(session)]}


# --------------------------------------------------------------------------- items query
@dataclass(frozen=True)
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    interval: tuple[dt.datetime | None, dt.datetime | None] | None = None
    municipality_code: str | None = None
    target_group: str | None = None

    def params(self, raw: Mapping[str, str]) -> dict[str, str]:
        """The request's own filter parameters, to carry into next/prev links."""
        return {k: raw[k] for k in ("bbox", "datetime", "municipality_code", "target_group", "lang") if raw.get(k)}


def _int(raw: str, name: str, lo: int) -> int:
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()):
        raise ParamError(name, f"{name} は {lo} 以上の整数です", f"{name} must be an integer >= {lo}")
    value = int(raw)
    if value < lo:
        raise ParamError(name, f"{name} は {lo} 以上の整数です", f"{name} must be an integer >= {lo}")
    return value


def _bbox(raw: str) -> tuple[float, float, float, float]:
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise ParamError("bbox", "bbox は 西,南,東,北 の4つ（高さ付きは6つ）の数値です",
                         "bbox needs 4 numbers (or 6 with heights): minLon,minLat,maxLon,maxLat")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise ParamError("bbox", "bbox の値が数値ではありません", "bbox values must be numbers") from None
    if not all(math.isfinite(n) for n in nums):
        raise ParamError("bbox", "bbox の値が数値ではありません", "bbox values must be finite numbers")
    w, s, e, n = (nums[0], nums[1], nums[2], nums[3]) if len(nums) == 4 else (nums[0], nums[1], nums[3], nums[4])
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        raise ParamError("bbox", "bbox が経度 -180〜180・緯度 -90〜90 の範囲外です",
                         "bbox out of range (longitude -180..180, latitude -90..90)")
    if s > n:
        raise ParamError("bbox", "bbox の南端が北端より北にあります", "bbox south is north of its north")
    return w, s, e, n


def _interval(raw: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    raw = raw.strip()
    if "/" not in raw:
        t = parse_datetime(raw, "datetime")
        return t, t
    parts = raw.split("/")
    if len(parts) != 2:
        raise ParamError("datetime", "datetime は日時か「開始/終了」の期間です（開いた端は ..）",
                         "datetime must be an instant or an interval start/end (open end: ..)")
    start, end = ((None if p.strip() in ("", "..") else parse_datetime(p, "datetime")) for p in parts)
    if start is None and end is None:
        raise ParamError("datetime", "datetime の期間の両端が開いています", "datetime interval is open at both ends")
    if start is not None and end is not None and start > end:
        raise ParamError("datetime", "datetime の期間の開始が終了より後です", "datetime interval starts after it ends")
    return start, end


def parse_items_args(args: Mapping[str, str], c: Collection) -> ItemsQuery:
    unknown = sorted(k for k in args if k not in ITEMS_PARAMS)
    if unknown:
        raise ParamError(unknown[0], f"不明なパラメータです: {', '.join(unknown)}（使えるもの: {', '.join(ITEMS_PARAMS)}）",
                         f"unknown parameter: {', '.join(unknown)} (allowed: {', '.join(ITEMS_PARAMS)})")
    limit = DEFAULT_LIMIT
    if args.get("limit") is not None:
        # more than the maximum is answered as the maximum (OGC API – Features 1.0, 7.15.3)
        limit = min(_int(args["limit"], "limit", 1), MAX_LIMIT)
    offset = _int(args["offset"], "offset", 0) if args.get("offset") is not None else 0
    bbox = _bbox(args["bbox"]) if args.get("bbox") is not None else None
    interval = _interval(args["datetime"]) if args.get("datetime") is not None else None
    if interval is not None and c.kind != "place":
        raise ParamError("datetime", "datetime は場所のコレクションだけで使えます（区域には期間がありません）",
                         "datetime applies to place collections only (areas have no validity period)")
    code = args.get("municipality_code")
    if code is not None:
        code = code.strip()
        if not (code.isascii() and code.isdigit() and len(code) in (5, 6)):
            raise ParamError("municipality_code", "municipality_code は5桁か6桁の団体コードです",
                             "municipality_code must be a 5 or 6 digit local government code")
    target = args.get("target_group")
    if target is not None:
        if c.kind != "place":
            raise ParamError("target_group", "target_group は場所のコレクションだけで使えます",
                             "target_group applies to place collections only")
        if target not in TARGET_GROUPS:
            raise ParamError("target_group", f"target_group は {'・'.join(TARGET_GROUPS)} のどれかです",
                             f"target_group must be one of {', '.join(TARGET_GROUPS)}")
    if offset > 10**9:
        raise ParamError("offset", "offset が大きすぎます", "offset too large")
    return ItemsQuery(limit, offset, bbox, interval, code, target)


def _envelope_filter(column, bbox):
    w, s, e, n = bbox
    if w <= e:
        return func.ST_Intersects(column, func.ST_MakeEnvelope(w, s, e, n, 4326))
    # a box across the antimeridian
    return or_(func.ST_Intersects(column, func.ST_MakeEnvelope(w, s, 180, n, 4326)),
               func.ST_Intersects(column, func.ST_MakeEnvelope(-180, s, e, n, 4326)))


def _code_filter(column, code: str):
    return column.in_([code, code[:5]]) if len(code) == 6 else or_(column == code, func.left(column, 5) == code)


def _place_where(c: Collection, q: ItemsQuery):
    conds = [Place.layer == c.id, Place.public_point.is_not(None)]
    if q.interval is None:
        conds.append(queries.active_on(today_jst()))
    else:
        start, end = q.interval
        if end is not None:
            conds.append(or_(Place.valid_from.is_(None), Place.valid_from <= end.astimezone(JST).date()))
        if start is not None:
            conds.append(or_(Place.valid_to.is_(None), Place.valid_to >= start.astimezone(JST).date()))
    if q.bbox:
        conds.append(_envelope_filter(Place.public_point, q.bbox))
    if q.municipality_code:
        conds.append(_code_filter(Place.municipality_code, q.municipality_code))
    if q.target_group:
        conds.append(Place.target_groups.contains([q.target_group]))
    return and_(*conds)


def _area_where(c: Collection, q: ItemsQuery):
    conds = [Area.kind == c.id]
    if q.bbox:
        conds.append(_envelope_filter(Area.geom, q.bbox))
    if q.municipality_code:
        conds.append(_code_filter(Area.municipality_code, q.municipality_code))
    return and_(*conds)


# --------------------------------------------------------------------------- features
def place_properties(place: Place, base: str, lang: str = "ja", today: dt.date | None = None) -> dict:
    """Flat, public properties of a place (what QGIS shows in its attribute table)."""
    p = public_place(place)
    today = today or today_jst()
    upcoming = next_occurrences(place.schedule, today, 1)
    nxt = upcoming[0] if upcoming else None
    return {
        "id": place.id, "name": p["name"], "name_kana": p["name_kana"], "layer": place.layer,
        "layer_name": label("layer", place.layer, lang), "target_groups": list(p["target_groups"] or []),
        "schedule_text": p["schedule_text"],
        "next_date": nxt[0].isoformat() if nxt else None, "next_start": nxt[1] if nxt else None,
        "next_end": nxt[2] if nxt else None,
        "address": p["address"], "precision": p["precision"], "precision_label": label("precision", p["precision"], lang),
        "operator": p["operator"], "operator_type": p["operator_type"], "fees": p["fees"],
        "free_of_charge": p["free_of_charge"], "capacity": p["capacity"], "reservation": p["reservation"],
        "reservation_required": p["reservation_required"], "drop_in": p["drop_in"],
        "has_consultation": p["has_consultation"], "barrier_free": p["barrier_free"], "phone": p["phone"],
        "email": p["email"], "url": p["url"], "status": p["status"], "valid_from": p["valid_from"],
        "valid_to": p["valid_to"], "municipality_code": p["municipality_code"], "fictional": p["fictional"],
        "page": page_url(base, place.id),
    }


def place_feature(place: Place, base: str, lang: str = "ja", today: dt.date | None = None) -> dict:
    props = place_properties(place, base, lang, today)
    pt = to_shape(place.public_point)  # the public point only (never Place.point)
    return {"type": "Feature", "id": place.id,
            "geometry": {"type": "Point", "coordinates": [round(pt.x, 6), round(pt.y, 6)]},
            "properties": props}


def _area_features(session: Session, where, limit: int | None, offset: int, lang: str) -> list[dict]:
    q = (select(Area.id, Area.kind, Area.code, Area.name, Area.municipality_code, Area.place_id,
                func.ST_AsGeoJSON(Area.geom, 6).label("gj")).where(where).order_by(Area.id).offset(offset))
    if limit is not None:
        q = q.limit(limit)
    out = []
    for row in session.execute(q):
        props = {"id": row.id, "kind": row.kind, "kind_name": label("area_kind", row.kind, lang), "code": row.code,
                 "name": row.name, "municipality_code": row.municipality_code}
        if row.kind == "catchment":
            props["support_desk_id"] = row.place_id
        out.append({"type": "Feature", "id": row.id, "geometry": json.loads(row.gj), "properties": props})
    return out


def items(session: Session, base: str, c: Collection, q: ItemsQuery, raw_args: Mapping[str, str],
          lang: str = "ja") -> dict:
    """A FeatureCollection page, with numberMatched/numberReturned and next/prev links."""
    if c.kind == "place":
        where = _place_where(c, q)
        matched = session.scalar(select(func.count()).select_from(Place).where(where))
        rows = session.scalars(select(Place).where(where).order_by(Place.id).offset(q.offset).limit(q.limit))
        today = today_jst()
        features = [place_feature(p, base, lang, today) for p in rows]
    else:
        where = _area_where(c, q)
        matched = session.scalar(select(func.count()).select_from(Area).where(where))
        features = _area_features(session, where, q.limit, q.offset, lang)
    o = f"{base}/ogc/collections/{c.id}/items"
    carry = q.params(raw_args)

    def href(fmt: str, offset: int | None = None) -> str:
        params = {"f": fmt, **carry, "limit": str(q.limit)}
        if offset:
            params["offset"] = str(offset)
        from urllib.parse import urlencode
        return f"{o}?{urlencode(params)}"

    links = [{"href": href("json", q.offset), "rel": "self", "type": GEOJSON, "title": text("this_json", lang)},
             {"href": href("html", q.offset), "rel": "alternate", "type": HTML_T, "title": text("this_html", lang)},
             {"href": f"{base}/ogc/collections/{c.id}", "rel": "collection", "type": JSON_T,
              "title": text("collection", lang)}]
    if q.offset + len(features) < matched:
        links.append({"href": href("json", q.offset + q.limit), "rel": "next", "type": GEOJSON,
                      "title": text("next", lang)})
    if q.offset > 0:
        links.append({"href": href("json", max(0, q.offset - q.limit)), "rel": "prev", "type": GEOJSON,
                      "title": text("prev", lang)})
    return {"type": "FeatureCollection", "features": features, "numberMatched": matched,
            "numberReturned": len(features), "timeStamp": iso_jst(now_jst()), "links": links}


def item(session: Session, base: str, c: Collection, fid: int, lang: str = "ja") -> dict | None:
    """One feature of the collection (any validity), or None."""
    o = f"{base}/ogc/collections/{c.id}"
    if c.kind == "place":
        place = session.scalar(select(Place).where(Place.id == fid, Place.layer == c.id,
                                                   Place.public_point.is_not(None)))
        if place is None:
            return None
        feature = place_feature(place, base, lang)
    else:
        found = _area_features(session, and_(Area.kind == c.id, Area.id == fid), 1, 0, lang)
        if not found:
            return None
        feature = found[0]
    feature["links"] = [
        {"href": f"{o}/items/{fid}?f=json", "rel": "self", "type": GEOJSON, "title": text("this_json", lang)},
        {"href": f"{o}/items/{fid}?f=html", "rel": "alternate", "type": HTML_T, "title": text("this_html", lang)},
        {"href": o, "rel": "collection", "type": JSON_T, "title": text("collection", lang)},
    ]
    return feature


# --------------------------------------------------------------------------- schema
_N = lambda t: {"type": [t, "null"]}  # noqa: E731  a nullable JSON type


def _place_property_schemas(lang: str) -> dict:
    s = {
        "id": {"type": "integer"}, "name": {"type": "string"}, "name_kana": _N("string"),
        "layer": {"type": "string"}, "layer_name": {"type": "string"},
        "target_groups": {"type": "array", "items": {"type": "string", "enum": list(TARGET_GROUPS)}},
        "schedule_text": _N("string"), "next_date": {**_N("string"), "format": "date"},
        "next_start": _N("string"), "next_end": _N("string"), "address": _N("string"),
        "precision": {"type": "string", "enum": ["exact", "approximate"]}, "precision_label": {"type": "string"},
        "operator": _N("string"), "operator_type": _N("string"), "fees": _N("string"),
        "free_of_charge": _N("boolean"), "capacity": _N("integer"), "reservation": _N("string"),
        "reservation_required": _N("boolean"), "drop_in": _N("boolean"), "has_consultation": {"type": "boolean"},
        "barrier_free": _N("boolean"), "phone": _N("string"), "email": _N("string"), "url": _N("string"),
        "status": {"type": "string", "enum": ["active", "paused", "closed"]},
        "valid_from": {**_N("string"), "format": "date"}, "valid_to": {**_N("string"), "format": "date"},
        "municipality_code": _N("string"), "fictional": {"type": "boolean"}, "page": {"type": "string", "format": "uri"},
    }
    titles = {"name": ("名称", "Name"), "name_kana": ("ふりがな", "Name in kana"), "layer": ("レイヤー", "Layer"),
              "target_groups": ("対象", "For"), "schedule_text": ("日時", "When"), "next_date": ("次回", "Next date"),
              "address": ("場所（公開できる範囲）", "Where (public part of the address)"),
              "precision": ("位置の精度", "Location precision"), "operator": ("運営", "Run by"),
              "fees": ("参加費", "Fee"), "phone": ("電話", "Phone"), "page": ("ページ", "Page")}
    for key, (ja, en) in titles.items():
        s[key]["title"] = en if lang == "en" else ja
    return s


def _area_property_schemas(kind: str) -> dict:
    props = {"id": {"type": "integer"}, "kind": {"type": "string", "enum": list(AREA_KINDS)},
             "kind_name": {"type": "string"}, "code": {"type": "string"}, "name": {"type": "string"},
             "municipality_code": _N("string")}
    if kind == "catchment":
        props["support_desk_id"] = _N("integer")
    return props


def feature_schema(base: str, c: Collection, lang: str = "ja") -> dict:
    """JSON Schema (2020-12) of one GeoJSON feature of the collection."""
    if c.kind == "place":
        geometry = {"type": "object", "required": ["type", "coordinates"],
                    "properties": {"type": {"const": "Point"},
                                   "coordinates": {"type": "array", "minItems": 2, "maxItems": 2,
                                                   "items": {"type": "number"}}}}
        props = _place_property_schemas(lang)
    else:
        geometry = {"type": "object", "required": ["type", "coordinates"],
                    "properties": {"type": {"enum": ["Polygon", "MultiPolygon"]}, "coordinates": {"type": "array"}}}
        props = _area_property_schemas(c.id)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/ogc/collections/{c.id}/schema",
        "title": c.title(lang), "type": "object", "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"const": "Feature"}, "id": {"type": "integer"},
            "geometry": {**geometry, "x-ogc-role": "primary-geometry"},
            "properties": {"type": "object", "required": sorted(props), "properties": props,
                           "additionalProperties": False},
            "links": {"type": "array"},
        },
    }


# --------------------------------------------------------------------------- OpenAPI
def openapi(session: Session, base: str, lang: str = "ja") -> dict:
    """OpenAPI 3.0 of this OGC API (paths relative to the server {base}/ogc)."""
    ids = [c.id for c in collection_list(session)]
    exc = {"$ref": "#/components/responses/Exception"}
    not_found = {"$ref": "#/components/responses/NotFound"}
    f_param, lang_param = {"$ref": "#/components/parameters/f"}, {"$ref": "#/components/parameters/lang"}
    cid = {"$ref": "#/components/parameters/collectionId"}

    def op(op_id: str, summary: str, params: list, schema_ref: str, media: str = JSON_T, extra=None) -> dict:
        responses = {"200": {"description": summary, "content": {
            media: {"schema": {"$ref": schema_ref}}, HTML_T: {"schema": {"type": "string"}}}},
            "400": exc}
        responses.update(extra or {})
        return {"get": {"operationId": op_id, "summary": summary, "tags": ["OGC API – Features"],
                        "parameters": params, "responses": responses}}

    link = {"type": "object", "required": ["href", "rel"],
            "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
                           "title": {"type": "string"}}}
    links = {"type": "array", "items": {"$ref": "#/components/schemas/link"}}
    collection = {"type": "object", "required": ["id", "links"],
                  "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                 "description": {"type": "string"}, "links": links,
                                 "extent": {"type": "object"}, "itemType": {"type": "string"},
                                 "crs": {"type": "array", "items": {"type": "string"}}}}
    feature = {"type": "object", "required": ["type", "geometry", "properties"],
               "properties": {"type": {"type": "string", "enum": ["Feature"]},
                              "id": {"type": "integer"},
                              "geometry": {"type": "object", "nullable": True},
                              "properties": {"type": "object", "nullable": True}, "links": links}}
    return {
        "openapi": "3.0.3",
        "info": {"title": text("title", lang), "description": text("description", lang), "version": "1.0.0",
                 "license": {"name": "各データの出典・ライセンスに従います (see each dataset's licence)"}},
        "servers": [{"url": f"{base}/ogc"}],
        "paths": {
            "/": op("getLandingPage", "Landing page", [f_param, lang_param], "#/components/schemas/landingPage"),
            "/conformance": op("getConformance", "Conformance classes", [f_param, lang_param],
                               "#/components/schemas/confClasses"),
            "/collections": op("getCollections", "Collections", [f_param, lang_param],
                               "#/components/schemas/collections"),
            "/collections/{collectionId}": op("describeCollection", "A collection", [cid, f_param, lang_param],
                                              "#/components/schemas/collection", extra={"404": not_found}),
            "/collections/{collectionId}/schema": {"get": {
                "operationId": "getCollectionSchema", "summary": "JSON Schema of a collection's features",
                "tags": ["OGC API – Features"], "parameters": [cid, lang_param],
                "responses": {"200": {"description": "JSON Schema", "content": {SCHEMA_T: {"schema": {"type": "object"}}}},
                              "400": exc, "404": not_found}}},
            "/collections/{collectionId}/items": op(
                "getFeatures", "Features of a collection",
                [cid, f_param, lang_param] + [{"$ref": f"#/components/parameters/{n}"} for n in
                                              ("limit", "offset", "bbox", "datetime", "municipality_code",
                                               "target_group")],
                "#/components/schemas/featureCollectionGeoJSON", media=GEOJSON, extra={"404": not_found}),
            "/collections/{collectionId}/items/{featureId}": op(
                "getFeature", "One feature", [cid, {"$ref": "#/components/parameters/featureId"}, f_param, lang_param],
                "#/components/schemas/featureGeoJSON", media=GEOJSON, extra={"404": not_found}),
            "/api": {"get": {"operationId": "getOpenAPI", "summary": "This document", "tags": ["OGC API – Features"],
                             "parameters": [f_param, lang_param],
                             "responses": {"200": {"description": "OpenAPI 3.0", "content": {
                                 OPENAPI_T: {"schema": {"type": "object"}}, JSON_T: {"schema": {"type": "object"}},
                                 HTML_T: {"schema": {"type": "string"}}}}, "400": exc}}},
        },
        "components": {
            "parameters": {
                "f": {"name": "f", "in": "query", "required": False, "description": "json / html",
                      "schema": {"type": "string", "enum": ["json", "html"]}},
                "lang": {"name": "lang", "in": "query", "required": False, "description": "ja（既定）/ en",
                         "schema": {"type": "string", "enum": ["ja", "en"]}},
                "collectionId": {"name": "collectionId", "in": "path", "required": True,
                                 "schema": {"type": "string", "enum": ids}},
                "featureId": {"name": "featureId", "in": "path", "required": True,
                              "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
                "limit": {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
                          "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
                "offset": {"name": "offset", "in": "query", "required": False,
                           "schema": {"type": "integer", "minimum": 0, "default": 0}},
                "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
                         "description": "minLon,minLat,maxLon,maxLat (CRS84)",
                         "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
                "datetime": {"name": "datetime", "in": "query", "required": False, "style": "form",
                             "explode": False, "description": "instant or interval (start/end, open end ..); "
                             "places only: validity overlaps it", "schema": {"type": "string"}},
                "municipality_code": {"name": "municipality_code", "in": "query", "required": False,
                                      "schema": {"type": "string", "pattern": "^[0-9]{5,6}$"}},
                "target_group": {"name": "target_group", "in": "query", "required": False,
                                 "description": "places only", "schema": {"type": "string", "enum": list(TARGET_GROUPS)}},
            },
            "schemas": {
                "link": link,
                "exception": {"type": "object", "required": ["code"],
                              "properties": {"code": {"type": "string"}, "description": {"type": "string"}}},
                "landingPage": {"type": "object", "required": ["links"],
                                "properties": {"title": {"type": "string"}, "description": {"type": "string"},
                                               "links": links}},
                "confClasses": {"type": "object", "required": ["conformsTo"],
                                "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}},
                "collection": collection,
                "collections": {"type": "object", "required": ["links", "collections"],
                                "properties": {"links": links, "collections": {"type": "array", "items": collection}}},
                "featureGeoJSON": feature,
                "featureCollectionGeoJSON": {
                    "type": "object", "required": ["type", "features"],
                    "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                                   "features": {"type": "array", "items": feature}, "links": links,
                                   "timeStamp": {"type": "string", "format": "date-time"},
                                   "numberMatched": {"type": "integer", "minimum": 0},
                                   "numberReturned": {"type": "integer", "minimum": 0}}},
            },
            "responses": {
                "Exception": {"description": "Bad request (OGC exception)",
                              "content": {JSON_T: {"schema": {"$ref": "#/components/schemas/exception"}},
                                          HTML_T: {"schema": {"type": "string"}}}},
                "NotFound": {"description": "Not found (OGC exception)",
                             "content": {JSON_T: {"schema": {"$ref": "#/components/schemas/exception"}},
                                         HTML_T: {"schema": {"type": "string"}}}},
            },
        },
    }
