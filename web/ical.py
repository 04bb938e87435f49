"""/place/<id>.ics: a place's coming dates as an iCalendar file (geo/standards/ical.py)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request

from geo.standards import ical
from geo.storage.models import Place
from web import db_session

bp = Blueprint("ical", __name__)


@bp.get("/place/<int:place_id>.ics")
def place_calendar(place_id: int):
    place = db_session().get(Place, place_id)
    if place is None:
        abort(404)
    body = ical.calendar(place, request.host_url.rstrip("/") + request.script_root)
    resp = Response(body, mimetype="text/calendar")
    resp.headers["Content-Disposition"] = f'inline; filename="place-{place_id}.ics"'
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
