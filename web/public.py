"""Resident pages: the map with search (/), a place (/place/<id>), a printable list (/list).

Views stay thin: search, filters and area lists live in geo/places/search.py.
"""
from __future__ import annotations

import datetime as dt
import io
import re

from flask import Blueprint, Response, abort, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import func, select

import layers
from geo.places import queries, search, served
from geo.vocab import Invalid
from geo.storage.models import TARGET_GROUPS, Area, Place
from geo.places.privacy import public_place
from geo.places.schedule import format_date_ja, short_date
from geo.vocab import BAND_CODES
from geo.standards.jsonld import place_jsonld
from web import db_session, maps, params
from web.i18n import current_lang, js_texts, label, labels, t
from geo import clock
from web.params import BadParameter

bp = Blueprint("public", __name__)

def _js_texts(lang: str) -> dict[str, str]:
    """The resident map script's texts, from the one catalogue (keys "map.*" and a few common ones)."""
    return js_texts("map.", "details", "phone", "schedule", "address", "fees", "operator", lang=lang,
                    location_note="location", fictional="fictional_badge", consult="consultation",
                    layers_control="map_layers")


@bp.get("/")
@bp.get("/m/<muni>/")
def index(muni: str | None = None):
    """The resident map; /m/<code>/ is one municipality's map (its areas in view, its towns
    first when a resident searches)."""
    session = db_session()
    lang = current_lang()
    code = params.municipality_in_path()
    if code is not None:
        try:
            here = served.settings_for(session, code)
        except Invalid:
            abort(404)
    areas = {layer.id: queries.areas_geojson(session, layer.id, simplify_deg=0.00005)
             for layer in layers.area_layers()}
    attributions = queries.attributions(session)
    # places with no public location are listed by name only (never on the map)
    hidden_rows = session.scalars(select(Place).where(queries.active_on(), Place.public_point.is_(None))
                                  .order_by(Place.layer, Place.id))
    hidden = [public_place(p) for p in hidden_rows]
    config = maps.map_config(lang, bounds=_bounds(session, code), areas=areas, texts=_js_texts(lang),
                             api={"places": "/api/places",
                                  "search": url_for("api.search_endpoint", muni=code) if code else "/api/search"})
    weekdays = list(labels("weekday_long", lang).values())
    today = clock.today()
    # named dates with the day they stand for today (Japan time): 今週の土曜（11月28日）
    date_choices = [(code, t("date_choice_with_day", choice=label("date_choice", code),
                             date=short_date(search.resolve_date(code, today), lang, today)))
                    for code in search.DATE_CHOICES]
    return render_template("index.html", attributions=attributions, page_config=config,
                           fictional=queries.has_fictional(session), hidden=hidden,
                           place_layers=layers.place_layers(), weekdays=weekdays, target_groups=TARGET_GROUPS,
                           bands=BAND_CODES, day_groups=labels("day_group", lang), date_choices=date_choices,
                           date_min=today.isoformat(), date_max=(today + dt.timedelta(days=366)).isoformat(),
                           layer_names={l.id: l.name(lang) for l in layers.place_layers()},
                           municipalities=served.served_municipalities(session),
                           municipality=here if code is not None else None)


# The resident search as the map page keeps it in its address (app.js): where from, then the filters.
SEARCH_KEYS = ("q", "lat", "lon", "label", "layer", "day", "date", "time", "target", "free", "no_reservation",
               "consultation")


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
    jsonld = place_jsonld(place, request.host_url.rstrip("/") + request.script_root)
    # 「地図にもどる」 returns to the search the resident came from (its query string, known keys only)
    back = url_for("public.index", **{k: v[:200] for k, v in request.args.items() if k in SEARCH_KEYS})
    return render_template("place.html", p=p, tel=tel, back_url=back, layer=layers.get(place.layer),
                           source=search.source_of(session, place),
                           updated=search.updated_label(place, lang), fictional=place.fictional,
                           ask=search.ask_directly(lang), attributions=queries.attributions(session), jsonld=jsonld)


LIST_SIZES = ("15", "18")   # the printed list's type size in points (15 already large; 18 on request)


def _list_area(session):
    """The area and filters of a printed list (None, filters when no area was asked for)."""
    spec = params.area_spec("area")
    filters = params.filters()
    if spec is None:
        return None, filters
    area = search.resolve_area(session, request.args["area"])
    if area is None:
        raise BadParameter("list_area_unknown")
    return area, filters


def _numbered(session, area, filters, lang: str, today: dt.date) -> list[tuple[int, dict]]:
    """The area's places as the list shows them (by layer, then reading), numbered from 1:
    the same numbers on the list and on its map."""
    rows = [search.result(p, lang, today, dates=2) for p in search.places_in_area(session, area, filters)]
    return list(enumerate(rows, start=1))


def _qr_svg(url: str, title: str) -> Markup:
    """A QR code of `url` as inline SVG (segno, made here: no network)."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", xmldecl=False, svgns=True, scale=3, border=2,
                                   title=title, svgclass="qr", lineclass=None)
    return Markup(buf.getvalue().decode("utf-8"))


@bp.get("/list")
def list_page():
    """A large-print list of the places in one area, for paper (A4 portrait): the area's 相談先,
    a small map with numbered markers, every place's dates, 対象, 予約, fee and contact, and a QR
    code back to this page. size=18 prints in 18 pt."""
    session = db_session()
    lang = current_lang()
    try:
        area, filters = _list_area(session)
        size = params.choice("size", LIST_SIZES, "15")
    except BadParameter as exc:  # the list of areas to choose from, with a message a resident can act on
        error = t("list_area_unknown") if exc.code in ("param_area", "list_area_unknown") else exc.message(lang)
        status = 404 if exc.code == "list_area_unknown" else 400
        return render_template("list.html", area=None, error=error, choices=search.list_choices(session),
                               attributions=queries.attributions(session)), status
    if area is None:
        return render_template("list.html", area=None, choices=search.list_choices(session),
                               attributions=queries.attributions(session), fictional=queries.has_fictional(session))
    today = clock.today()
    numbered = _numbered(session, area, filters, lang, today)
    groups: list[tuple] = []
    for layer in layers.place_layers():
        items = [(n, r) for n, r in numbered if r["layer"] == layer.id]
        if items:
            groups.append((layer, items))
    desks = [search.result(p, lang, today) for p in search.area_help_desks(session, area)]
    printed = today.isoformat() if lang == "en" else format_date_ja(today)
    # the QR code leads back to this list (same area, filters and language), from the address it was served at
    keep = {**filters.params(), "area": request.args["area"], "lang": lang}
    if size != "15":
        keep["size"] = size
    page_url = url_for("public.list_page", _external=True, **keep)
    other_size = {**keep, "size": "18"} if size == "15" else {k: v for k, v in keep.items() if k != "size"}
    return render_template("list.html", area=area, groups=groups, count=len(numbered), printed=printed,
                           kind_label=label("area_kind", area.kind), desks=desks, size=size,
                           map_url=url_for("public.list_map", **{k: v for k, v in keep.items() if k != "size"}),
                           on_map=sum(1 for _n, r in numbered if r["lat"] is not None),
                           qr=_qr_svg(page_url, t("list_qr_title")), page_url=page_url,
                           other_size_url=url_for("public.list_page", **other_size),
                           fictional=any(r["fictional"] for _n, r in numbered) or any(d["fictional"] for d in desks),
                           ask=search.ask_directly(lang), attributions=queries.attributions(session))


@bp.get("/list/map.svg")
def list_map():
    """The printed list's map: the area and its places numbered as on the list (SVG)."""
    from geo.render.handout import area_map_svg, neighbours

    session = db_session()
    lang = current_lang()
    area, filters = _list_area(session)
    if area is None:
        raise BadParameter("param_missing", name="area")
    numbered = _numbered(session, area, filters, lang, clock.today())
    svg = area_map_svg(area, neighbours(session, area), numbered, lang)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-cache"})


def _bounds(session, municipality_code: str | None = None) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the school districts loaded (of one municipality, if
    given), to fit the map to."""
    box = func.ST_Envelope(func.ST_Collect(Area.geom))
    q = (select(func.ST_YMin(box), func.ST_XMin(box), func.ST_YMax(box), func.ST_XMax(box))
         .where(Area.kind.in_(("elementary", "junior_high"))))
    if municipality_code:
        q = q.where(Area.municipality_code == municipality_code)
    row = session.execute(q).one()
    if row[0] is None and municipality_code:
        return _bounds(session)
    return [[row[0], row[1]], [row[2], row[3]]] if row[0] is not None else None
