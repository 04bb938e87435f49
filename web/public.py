"""Resident pages."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template
from sqlalchemy import select

import layers
from geo import queries
from geo.models import Area, Place
from geo.privacy import public_place
from web import db_session
from web.i18n import current_lang
from web.maps import build_map, map_parts

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    session = db_session()
    lang = current_lang()
    places = list(session.scalars(select(Place).where(queries.active_on()).order_by(Place.layer, Place.id)))
    areas = {layer.id: queries.areas_geojson(session, layer.id, simplify_deg=0.00005)
             for layer in layers.area_layers()}
    attributions = queries.attributions(session)
    m = build_map(places, areas, lang, attributions, bounds=_bounds(session))
    hidden = [public_place(p) for p in places if p.public_point is None]
    return render_template("index.html", map=map_parts(m), attributions=attributions,
                           fictional=queries.has_fictional(session), hidden=hidden,
                           layer_names={l.id: l.name(lang) for l in layers.place_layers()})


@bp.get("/place/<int:place_id>")
def place_page(place_id: int):
    session = db_session()
    place = session.get(Place, place_id)
    if place is None:
        abort(404)
    from geo.schedule import format_next_en, format_next_ja
    lang = current_lang()
    today = dt.date.today()
    nxt = format_next_en(place.schedule, today) if lang == "en" else format_next_ja(place.schedule, today)
    return render_template("place.html", p=public_place(place), layer=layers.get(place.layer), next_text=nxt,
                           attributions=queries.attributions(session))


def _bounds(session) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the school districts loaded, to fit the map to."""
    from sqlalchemy import func
    box = func.ST_Envelope(func.ST_Collect(Area.geom))
    row = session.execute(select(func.ST_YMin(box), func.ST_XMin(box), func.ST_YMax(box), func.ST_XMax(box))
                          .where(Area.kind.in_(("elementary", "junior_high")))).one()
    return [[row[0], row[1]], [row[2], row[3]]] if row[0] is not None else None
