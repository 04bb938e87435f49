"""Resident pages: the map with search (/), a place (/place/<id>), a printable list (/list).

Views stay thin: search, filters and area lists live in geo/places/search.py.
"""
from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import func, select

import layers
from geo.places import queries, search, served
from geo.vocab import Invalid
from geo.storage.models import TARGET_GROUPS, Area, Place
from geo.places.privacy import public_place
from geo.places.schedule import format_date_ja
from geo.vocab import BAND_CODES
from geo.standards.jsonld import place_jsonld
from web import db_session, maps, params
from web.i18n import current_lang, js_texts, label, labels, say
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
    return render_template("index.html", attributions=attributions, page_config=config,
                           fictional=queries.has_fictional(session), hidden=hidden,
                           place_layers=layers.place_layers(), weekdays=weekdays, target_groups=TARGET_GROUPS,
                           bands=BAND_CODES,
                           layer_names={l.id: l.name(lang) for l in layers.place_layers()},
                           municipalities=served.served_municipalities(session),
                           municipality=here if code is not None else None)


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
    return render_template("place.html", p=p, tel=tel, layer=layers.get(place.layer), source=search.source_of(session, place),
                           updated=search.updated_label(place, lang), fictional=place.fictional,
                           ask=search.ask_directly(lang), attributions=queries.attributions(session), jsonld=jsonld)


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
                           kind_label=label("area_kind", area.kind),
                           fictional=any(r["fictional"] for r in rows), ask=search.ask_directly(lang),
                           attributions=queries.attributions(session))


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
