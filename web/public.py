"""Resident pages: the map with search (/), a place (/place/<id>), a printable list (/list).

Views stay thin: search, filters and area lists live in geo/places/search.py.
"""
from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

import layers
from geo.places import queries, search
from geo.storage.models import TARGET_GROUPS, Area, Place
from geo.places.privacy import public_place
from geo.places.schedule import WEEKDAYS_EN, WEEKDAYS_JA, format_date_ja
from web import db_session, maps, params
from web.i18n import current_lang, t
from geo import clock
from web.params import BadParameter

bp = Blueprint("public", __name__)

# Texts the page script shows (Japanese first); handed to app.js as JSON.
JS_TEXTS = {
    "ja": {
        "searching": "さがしています…", "near": "の近く", "count": "{n}件", "walk": "約{m}m・徒歩{w}分",
        "no_results": "条件に合う場所が見つかりませんでした。条件を減らしてみてください。",
        "show_on_map": "地図で見る", "details": "くわしく見る", "here": "さがした場所",
        "geo_unsupported": "この端末では現在地を使えません。住所か場所の名前を入力してください。",
        "geo_denied": "現在地の利用が許可されませんでした。住所か場所の名前を入力して探してください。",
        "geo_failed": "現在地がわかりませんでした。住所か場所の名前を入力して探してください。",
        "geo_locating": "現在地を調べています…", "error": "うまく探せませんでした。もう一度お試しください。",
        "help_area": "担当地域", "help_nearest": "担当の窓口が見つからないため、いちばん近い相談窓口です。",
        "matches": "名前が一致した場所", "search_from": "ここから探す", "approx_origin": "（町の中心から探しています）",
        "truncated": "場所が多いため一部だけ表示しています。地図を拡大してください。",
        "location_note": "位置", "fictional": "架空のサンプル", "consult": "相談できます", "phone": "電話",
        "schedule": "日時", "address": "場所", "fees": "参加費", "operator": "運営",
        "print_list": "印刷用の一覧",
    },
    "en": {
        "searching": "Searching…", "near": " — nearby", "count": "{n} places", "walk": "about {m} m, {w} min walk",
        "no_results": "No place matches. Try fewer conditions.",
        "show_on_map": "Show on map", "details": "Details", "here": "Searched place",
        "geo_unsupported": "This device cannot share its location. Please type an address or place name.",
        "geo_denied": "Location was not allowed. Please type an address or a place name instead.",
        "geo_failed": "Your location could not be found. Please type an address or a place name.",
        "geo_locating": "Finding your location…", "error": "The search failed. Please try again.",
        "help_area": "Area", "help_nearest": "No desk is assigned to this point; this is the nearest one.",
        "matches": "Places with this name", "search_from": "Search from here",
        "approx_origin": " (searching from the town centre)",
        "truncated": "Too many places to show at once: zoom in to see them all.",
        "location_note": "Location", "fictional": "Fictional sample", "consult": "You can ask for advice here",
        "phone": "Phone", "schedule": "When", "address": "Where", "fees": "Fee", "operator": "Run by",
        "print_list": "Printable list",
    },
}


@bp.get("/")
def index():
    session = db_session()
    lang = current_lang()
    areas = {layer.id: queries.areas_geojson(session, layer.id, simplify_deg=0.00005)
             for layer in layers.area_layers()}
    attributions = queries.attributions(session)
    # places with no public location are listed by name only (never on the map)
    hidden_rows = session.scalars(select(Place).where(queries.active_on(), Place.public_point.is_(None))
                                  .order_by(Place.layer, Place.id))
    hidden = [public_place(p) for p in hidden_rows]
    config = maps.map_config(lang, bounds=_bounds(session), areas=areas, texts=JS_TEXTS[lang],
                             api={"places": "/api/places", "search": "/api/search"})
    weekdays = WEEKDAYS_EN if lang == "en" else [f"{c}曜日" for c in WEEKDAYS_JA]
    return render_template("index.html", attributions=attributions, page_config=config,
                           fictional=queries.has_fictional(session), hidden=hidden,
                           weekdays=weekdays, target_groups=TARGET_GROUPS,
                           layer_names={l.id: l.name(lang) for l in layers.place_layers()})


@bp.get("/place/<int:place_id>")
def place_page(place_id: int):
    session = db_session()
    place = session.get(Place, place_id)
    if place is None:
        abort(404)
    lang = current_lang()
    today = clock.today()
    p = search.result(place, lang, today, dates=3)
    # a dialable link only for real places: a fictional sample's number must not ring anyone
    tel = re.sub(r"[^0-9+]", "", p["phone"] or "") if not place.fictional else ""
    return render_template("place.html", p=p, tel=tel, layer=layers.get(place.layer), source=search.source_of(session, place),
                           updated=search.updated_label(place, lang), fictional=place.fictional,
                           ask=search.ask_directly(lang), attributions=queries.attributions(session))


@bp.get("/list")
def list_page():
    """A large-print list of the places in one area, for paper (A4)."""
    session = db_session()
    lang = current_lang()
    try:
        spec = params.area_spec("area")
        filters = params.filters()
    except BadParameter as exc:  # the list of areas to choose from, with the message
        return render_template("list.html", area=None, error=exc.message(lang), choices=search.list_choices(session),
                               attributions=queries.attributions(session)), 400
    if spec is None:
        return render_template("list.html", area=None, choices=search.list_choices(session),
                               attributions=queries.attributions(session), fictional=queries.has_fictional(session))
    area = search.resolve_area(session, request.args["area"])
    if area is None:
        abort(404)
    today = clock.today()
    rows = [search.result(p, lang, today, dates=2) for p in search.places_in_area(session, area, filters)]
    groups: list[tuple] = []
    for layer in layers.place_layers():
        items = [r for r in rows if r["layer"] == layer.id]
        if items:
            groups.append((layer, items))
    printed = today.isoformat() if lang == "en" else format_date_ja(today)
    return render_template("list.html", area=area, groups=groups, count=len(rows), printed=printed,
                           kind_label=t(area.kind) if area.kind in ("elementary", "junior_high", "catchment") else area.kind,
                           fictional=any(r["fictional"] for r in rows), ask=search.ask_directly(lang),
                           attributions=queries.attributions(session))


def _bounds(session) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the school districts loaded, to fit the map to."""
    box = func.ST_Envelope(func.ST_Collect(Area.geom))
    row = session.execute(select(func.ST_YMin(box), func.ST_XMin(box), func.ST_YMax(box), func.ST_XMax(box))
                          .where(Area.kind.in_(("elementary", "junior_high")))).one()
    return [[row[0], row[1]], [row[2], row[3]]] if row[0] is not None else None
