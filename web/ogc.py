"""OGC API – Features under /ogc: a thin wrapper over geo/standards/ogc.py.

JSON (GeoJSON for features) by default; HTML with f=html or when the client prefers text/html.
Bad parameters answer 400 with the OGC exception JSON {code, description}; unknown resources 404.
Anonymous GET only, open to every origin (Access-Control-Allow-Origin: *).
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from geo.places import queries
from geo.standards import ogc
from geo.standards.common import ParamError
from web import db_session

bp = Blueprint("ogc", __name__)

PAGE_TEXTS = {  # {key: (ja, en)} for the HTML views
    "home": ("OGC API", "OGC API"), "collections": ("コレクション一覧", "Collections"),
    "conformance": ("適合クラス", "Conformance"), "api": ("API 定義（OpenAPI 3.0）", "API definition (OpenAPI 3.0)"),
    "items": ("地物", "Features"), "id": ("ID", "ID"), "title": ("名称", "Title"), "extent": ("範囲", "Extent"),
    "matched": ("該当 {m} 件中 {a}〜{b} 件目", "{a}–{b} of {m}"), "none": ("該当する地物はありません", "No features"),
    "links": ("リンク", "Links"), "property": ("項目", "Property"), "value": ("値", "Value"),
    "json": ("JSON で見る", "View as JSON"), "qgis": ("QGIS では「OGC API – Features」接続にこの URL を入れます：",
                                                    "In QGIS, add an 'OGC API – Features' connection with this URL:"),
    "schema": ("属性のスキーマ（JSON Schema）", "Schema of the properties (JSON Schema)"),
    "next": ("次へ", "Next"), "prev": ("前へ", "Previous"), "map": ("地図で見る", "On the map"),
    "lonlat": ("経度・緯度", "Longitude, latitude"),
}


def _lang() -> str:
    lang = request.args.get("lang")
    if lang is None:
        from web.i18n import current_lang
        return current_lang()
    if lang not in ("ja", "en"):
        raise ParamError("lang", "lang は ja か en です", "lang must be ja or en")
    return lang


def _base() -> str:
    return request.host_url.rstrip("/") + request.script_root


def _format(allowed: tuple[str, ...] = ogc.COMMON_PARAMS) -> str:
    unknown = sorted(k for k in request.args if k not in allowed)
    if unknown:
        raise ParamError(unknown[0], f"不明なパラメータです: {', '.join(unknown)}（使えるもの: {', '.join(allowed)}）",
                         f"unknown parameter: {', '.join(unknown)} (allowed: {', '.join(allowed)})")
    f = request.args.get("f")
    if f is not None:
        if f not in ("json", "html"):
            raise ParamError("f", "f は json か html です", "f must be json or html")
        return f
    accept = request.accept_mimetypes
    if not accept:
        return "json"
    html_q = accept[ogc.HTML_T]
    json_q = max(accept[ogc.JSON_T], accept[ogc.GEOJSON])
    # a browser sends text/html with */* at a lower weight: it gets HTML; GDAL, QGIS and curl get JSON
    return "html" if html_q > json_q else "json"


def _json(doc, media: str = ogc.JSON_T, status: int = 200) -> Response:
    return Response(current_app.json.dumps(doc), status=status, mimetype=media)


def _exception(code: str, description: str, status: int) -> Response:
    return _json({"code": code, "description": description}, ogc.JSON_T, status)


@bp.errorhandler(ParamError)
def _bad_param(exc: ParamError):
    return _exception("InvalidParameterValue", str(exc), 400)


def _not_found(what: str) -> Response:
    return _exception("NotFound", f"見つかりません: {what} (not found)", 404)


@bp.after_request
def _cors(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers.setdefault("Vary", "Accept")
    return resp


def _page(kind: str, doc: dict, title: str, lang: str, crumbs: list[tuple[str, str]], **extra) -> str:
    texts = {k: (en if lang == "en" else ja) for k, (ja, en) in PAGE_TEXTS.items()}
    return render_template("ogc_page.html", kind=kind, doc=doc, page_title=title, lang=lang, crumbs=crumbs,
                           tx=texts, base=_base(), attributions=queries.attributions(db_session()), **extra)


def _crumbs(lang: str, *more: tuple[str, str]) -> list[tuple[str, str]]:
    home = PAGE_TEXTS["home"][1 if lang == "en" else 0]
    return [(f"{_base()}/ogc?f=html", home), *more]


@bp.get("")
@bp.get("/")
def landing():
    lang, fmt = _lang(), _format()
    doc = ogc.landing(_base(), lang)
    if fmt == "html":
        return _page("landing", doc, doc["title"], lang, _crumbs(lang))
    return _json(doc)


@bp.get("/conformance")
def conformance():
    lang, fmt = _lang(), _format()
    doc = ogc.conformance()
    if fmt == "html":
        title = PAGE_TEXTS["conformance"][1 if lang == "en" else 0]
        return _page("conformance", doc, title, lang, _crumbs(lang))
    return _json(doc)


@bp.get("/collections")
def collections():
    lang, fmt = _lang(), _format()
    doc = ogc.collections_doc(db_session(), _base(), lang)
    if fmt == "html":
        title = PAGE_TEXTS["collections"][1 if lang == "en" else 0]
        return _page("collections", doc, title, lang, _crumbs(lang))
    return _json(doc)


def _collection(cid: str) -> ogc.Collection | None:
    return ogc.find_collection(db_session(), cid)


@bp.get("/collections/<cid>")
def collection(cid: str):
    lang, fmt = _lang(), _format()
    c = _collection(cid)
    if c is None:
        return _not_found(f"collection {cid}")
    doc = ogc.collection_doc(db_session(), _base(), c, lang)
    if fmt == "html":
        return _page("collection", doc, c.title(lang), lang, _crumbs(lang, _collections_crumb(lang)))
    return _json(doc)


def _collections_crumb(lang: str) -> tuple[str, str]:
    return f"{_base()}/ogc/collections?f=html", PAGE_TEXTS["collections"][1 if lang == "en" else 0]


@bp.get("/collections/<cid>/schema")
def schema(cid: str):
    lang = _lang()
    _format(("lang",))
    c = _collection(cid)
    if c is None:
        return _not_found(f"collection {cid}")
    return _json(ogc.feature_schema(_base(), c, lang), ogc.SCHEMA_T)


@bp.get("/collections/<cid>/items")
def items(cid: str):
    lang = _lang()
    c = _collection(cid)
    if c is None:
        _format(ogc.ITEMS_PARAMS)
        return _not_found(f"collection {cid}")
    fmt = _format(ogc.ITEMS_PARAMS)
    q = ogc.parse_items_args(request.args, c)
    doc = ogc.items(db_session(), _base(), c, q, request.args, lang)
    if fmt == "html":
        return _page("items", doc, f"{c.title(lang)} — {PAGE_TEXTS['items'][1 if lang == 'en' else 0]}", lang,
                     _crumbs(lang, _collections_crumb(lang), (f"{_base()}/ogc/collections/{c.id}?f=html", c.title(lang))),
                     collection=c, query=q)
    return _json(doc, ogc.GEOJSON)


@bp.get("/collections/<cid>/items/<fid>")
def item(cid: str, fid: str):
    lang, fmt = _lang(), _format()
    c = _collection(cid)
    if c is None:
        return _not_found(f"collection {cid}")
    if not (fid.isascii() and fid.isdigit()) or int(fid) >= 2**31:
        return _not_found(f"feature {fid}")
    doc = ogc.item(db_session(), _base(), c, int(fid), lang)
    if doc is None:
        return _not_found(f"feature {fid}")
    if fmt == "html":
        name = doc["properties"].get("name") or fid
        return _page("item", doc, f"{name} — {c.title(lang)}", lang,
                     _crumbs(lang, _collections_crumb(lang), (f"{_base()}/ogc/collections/{c.id}?f=html", c.title(lang)),
                             (f"{_base()}/ogc/collections/{c.id}/items?f=html", PAGE_TEXTS["items"][1 if lang == "en" else 0])),
                     collection=c)
    return _json(doc, ogc.GEOJSON)


@bp.get("/api")
def api():
    lang, fmt = _lang(), _format()
    doc = ogc.openapi(db_session(), _base(), lang)
    if fmt == "html":
        return _page("api", doc, PAGE_TEXTS["api"][1 if lang == "en" else 0], lang, _crumbs(lang))
    return _json(doc, ogc.OPENAPI_T)
