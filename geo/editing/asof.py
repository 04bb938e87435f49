"""The map as of a past date, rebuilt from the history (place_change).

A place's state at the end of day D (Japan time) is its current row with every change recorded
after D undone, newest first — except valid_from and valid_to, which say when the place really
ran and so apply to the past too when they are corrected later (a closure entered today as
"ended 31 March" is closed on 1 April). Creation is not undone either: when a place began is its
valid_from (an import or a coordinator sets it to the day it was added), so a place added today
is not active yesterday, while a list imported today with older start dates keeps them. Meeting mode's
then-and-now (geo/analysis/meeting.py) reads the map through here, so a place closed, moved,
renamed or rescheduled today still shows as it was on any earlier date.
"""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo import clock
from geo.places import queries
from geo.storage.models import Area, Place, PlaceChange

_SKIPPED = ("created", "confirmed")
_VALID_TIME = ("valid_from", "valid_to")   # facts about the real world: never undone


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), clock.JST)


def _value(key: str, value):
    if key == "point":
        return None if value is None else from_shape(Point(value[1], value[0]), srid=4326)
    if key in ("valid_from", "valid_to") and value is not None:
        return dt.date.fromisoformat(value)
    return value


def _active(p: Place, day: dt.date) -> bool:
    return (p.status == "active" and (p.valid_from is None or p.valid_from <= day)
            and (p.valid_to is None or p.valid_to >= day))


def places_as_of(session: Session, day: dt.date, layer_ids: list[str] | None = None,
                 municipality_code: str | None = None) -> list[Place] | None:
    """Places active on `day` as they were then, or None when `day` is today or later (then the
    current rows are the answer). Rebuilt places are detached copies marked `_as_of = day`;
    their `public_point` is derived by the database's own blurring rule (tsunagari_blur)."""
    if day >= clock.today():
        return None
    end = _end_of(day)
    later = (select(PlaceChange.place_id).where(PlaceChange.at >= end, PlaceChange.action.not_in(_SKIPPED))
             .distinct())
    q = select(Place).where(queries.active_on(day), Place.id.not_in(later))
    if layer_ids:
        q = q.where(Place.layer.in_(layer_ids))
    if municipality_code:
        q = q.where(Place.municipality_code == municipality_code)
    unchanged = list(session.scalars(q))

    changed_ids = list(session.scalars(later))
    rebuilt: list[Place] = []
    if changed_ids:
        states = dict(session.execute(text(
            "SELECT p.id, tsunagari_place_json(p) FROM place p WHERE p.id = ANY(:ids)"), {"ids": changed_ids}).all())
        changes = session.execute(select(PlaceChange.place_id, PlaceChange.changes).where(
            PlaceChange.place_id.in_(changed_ids), PlaceChange.at >= end, PlaceChange.action.not_in(_SKIPPED))
            .order_by(PlaceChange.id.desc())).all()
        for pid, diff in changes:
            state = states[pid]
            for key, pair in (diff or {}).items():
                if key in state and key not in _VALID_TIME:
                    state[key] = pair[0]
        current = {p.id: p for p in session.scalars(select(Place).where(Place.id.in_(changed_ids)))}
        columns = {c.key for c in Place.__table__.columns}
        for pid, state in states.items():
            now = current[pid]
            copy = Place(**{c: getattr(now, c) for c in columns if c not in ("public_point",)})
            for key, value in state.items():
                if key in columns:
                    setattr(copy, key, _value(key, value))
            copy._as_of = day
            if not _active(copy, day):
                continue
            if layer_ids and copy.layer not in layer_ids:
                continue
            if municipality_code and copy.municipality_code != municipality_code:
                continue
            rebuilt.append(copy)
        _blur(session, rebuilt)
    return sorted(unchanged + rebuilt, key=lambda p: (p.layer, p.id))


def _blur(session: Session, places: list[Place]) -> None:
    for p in places:
        if p.point is None:
            p.public_point = None
            continue
        pt = to_shape(p.point)
        p.public_point = session.scalar(select(func.tsunagari_blur(
            func.ST_SetSRID(func.ST_MakePoint(pt.x, pt.y), 4326), p.precision,
            type_=Geometry("POINT", srid=4326))))


def areas_of_points(session: Session, kind: str, places: list[Place]) -> dict[int, int]:
    """place id -> area of `kind` containing the place's (historical) true point. Internal only."""
    out: dict[int, int] = {}
    for p in places:
        if p.point is None:
            continue
        pt = to_shape(p.point)
        aid = session.scalar(select(Area.id).where(
            Area.kind == kind, func.ST_Intersects(Area.geom, func.ST_SetSRID(func.ST_MakePoint(pt.x, pt.y), 4326)))
            .order_by(Area.id).limit(1))
        if aid is not None:
            out[p.id] = aid
    return out
