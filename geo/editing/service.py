"""Creating, changing, closing, confirming and reverting places — the one path every form, API call
and approved report takes. The database records each change in the history (geo/editing/history.py).

Concurrency: an update names the version it was based on; the row is locked (SELECT ... FOR UPDATE)
and the change is refused with Conflict (carrying the current place) when the version moved on,
so no edit is ever silently lost.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import layers
from geo.accounts.scope import Scope
from geo import clock
from geo.editing.fields import validate
from geo.editing.history import Actor, act_as, current_json
from geo.places.schedule import parse_schedule
from geo.storage.models import Place, PlaceChange


class EditError(Exception):
    status = 400


class NotFound(EditError):
    status = 404


class Forbidden(EditError):
    status = 403


class Invalid(EditError):
    status = 422

    def __init__(self, errors: dict[str, str], params: dict | None = None):
        super().__init__("invalid")
        self.errors = errors
        self.params = params or {}


class Conflict(EditError):
    """The place changed since `expected` version; `place` is the current one."""
    status = 412

    def __init__(self, place: Place, expected: int | None):
        super().__init__("conflict")
        self.place, self.expected = place, expected


def etag(place: Place) -> str:
    return f'"{place.id}.{place.version}"'


def version_from_etag(value: str | None) -> int | None:
    """The version named by an If-Match value ('"12.3"', 'W/"12.3"' or plain '3'); None if unreadable."""
    if not value:
        return None
    v = value.strip()
    if v.startswith("W/"):
        v = v[2:]
    v = v.strip('"')
    if "." in v:
        v = v.rsplit(".", 1)[1]
    return int(v) if v.isdigit() else None


def _locate(session: Session, clean: dict, municipality_code: str | None, errors: dict, params: dict) -> dict:
    """Point and geocoding columns from the address (geocoded) and/or a point picked on the map."""
    from geo.geocoding.gazetteer import geocoder_for

    out: dict[str, Any] = {}
    lat, lon = clean.get("lat"), clean.get("lon")
    address = clean.get("address")
    result = None
    if address:
        result = geocoder_for(session).geocode(address, municipality_code)
    if lat is not None and lon is not None:
        out["point"] = from_shape(Point(lon, lat), srid=4326)
        out["geocode_level"] = "地図" if not (result and result.ok) else result.level
        out["geocode_matched"] = result.matched if result and result.ok else None
        out["needs_review"] = False
    elif address:
        if not result.ok:
            errors["address"] = "address_not_found"
            params["address"] = {"reason": result.reason or ""}
            return out
        out["point"] = from_shape(Point(result.lon, result.lat), srid=4326)
        out["geocode_level"] = result.level
        out["geocode_matched"] = result.matched
        out["needs_review"] = bool(result.needs_review)
    return out


def _location_errors(errors: dict) -> bool:
    return any(k in errors for k in ("address", "lat", "lon", "municipality_code"))


def _schedule(text: str | None) -> dict | None:
    return parse_schedule(text, today=clock.today()) if text else None


def _now():
    return func.now()


def create_place(session: Session, scope: Scope, data: dict, actor: Actor) -> Place:
    clean, errors = validate(data, creating=True)
    code = clean.get("municipality_code")
    if code and not errors.get("municipality_code") and not scope.can_edit(code):
        raise Forbidden("municipality")
    params: dict = {}
    # geocoded even when other fields have errors, so that every problem is shown at once
    located = {} if _location_errors(errors) else _locate(session, clean, code, errors, params)
    if errors:
        raise Invalid(errors, params)
    layer = layers.get(clean["layer"])
    values = {k: v for k, v in clean.items() if k not in ("lat", "lon")}
    values["precision"] = values.get("precision") or getattr(layer, "default_precision", "exact")
    values.update(located)
    values["schedule"] = _schedule(values.get("schedule_text"))
    today = clock.today()
    values["valid_from"] = today
    if values.get("status") == "closed":
        values["valid_to"] = today
    place = Place(**values, confirmed_at=_now())
    act_as(session, actor)
    session.add(place)
    session.flush()
    session.refresh(place)
    return place


def lock(session: Session, place_id: int) -> Place:
    place = session.scalar(select(Place).where(Place.id == place_id).with_for_update().execution_options(
        populate_existing=True))
    if place is None:
        raise NotFound("place")
    return place


def update_place(session: Session, scope: Scope, place_id: int, data: dict, expected_version: int | None,
                 actor: Actor, action: str | None = None) -> Place:
    """Apply the fields in `data`. `expected_version` None skips the concurrency check (used only by
    approvals, which act on the place as it is)."""
    place = lock(session, place_id)
    if not scope.can_edit(place.municipality_code):
        raise Forbidden("municipality")
    if expected_version is not None and place.version != expected_version:
        raise Conflict(place, expected_version)
    clean, errors = validate(data, creating=False)
    params: dict = {}
    # relocate only for a point picked now or a new address (a saved form repeats the address:
    # that must not move a point picked on the map earlier); a cleared address keeps the point
    picked = clean.get("lat") is not None
    new_address = bool(clean.get("address")) and clean.get("address") != place.address
    located = {}
    if not _location_errors(errors) and (picked or new_address):
        located = _locate(session, {**clean, "address": clean.get("address", place.address)},
                          place.municipality_code, errors, params)
    if errors:
        raise Invalid(errors, params)
    # before any attribute changes: the query would autoflush them unattributed
    act_as(session, actor, action=action)
    _apply(place, clean, located)
    place.confirmed_at = _now()
    session.flush()
    session.refresh(place)
    return place


def _apply(place: Place, clean: dict, located: dict) -> None:
    for key, value in clean.items():
        if key in ("lat", "lon", "municipality_code"):
            continue
        if key == "precision" and value is None:
            continue
        setattr(place, key, value)
    for key, value in located.items():
        setattr(place, key, value)
    if "schedule_text" in clean:
        place.schedule = _schedule(clean["schedule_text"])
    if "status" in clean:
        if clean["status"] == "closed" and place.valid_to is None:
            place.valid_to = clock.today()
        elif clean["status"] != "closed" and place.valid_to is not None and place.valid_to <= clock.today():
            place.valid_to = None


def close_place(session: Session, scope: Scope, place_id: int, expected_version: int | None, actor: Actor) -> Place:
    """Closing, never deleting: the place stays in the history and in past maps."""
    return update_place(session, scope, place_id, {"status": "closed"}, expected_version, actor)


def confirm_place(session: Session, scope: Scope, place_id: int, actor: Actor) -> Place:
    """「変更なしを確認」: the place is as it is; only 最終確認日 moves (a history entry says who)."""
    place = lock(session, place_id)
    if not scope.can_edit(place.municipality_code):
        raise Forbidden("municipality")
    place.confirmed_at = _now()
    session.add(PlaceChange(place_id=place.id, action="confirmed", changes={}, user_id=actor.user_id,
                            submission_id=actor.submission_id, via=actor.via))
    session.flush()
    session.refresh(place)
    return place


def _from_json(key: str, value):
    if key == "point":
        return None if value is None else from_shape(Point(value[1], value[0]), srid=4326)
    if key in ("valid_from", "valid_to") and value is not None:
        return dt.date.fromisoformat(value)
    return value


def revert_change(session: Session, scope: Scope, place_id: int, change_id: int, actor: Actor,
                  expected_version: int | None = None) -> tuple[Place, list[str]]:
    """Undo one change: each field it changed goes back to its old value when it still holds the
    value that change gave it. Returns the place and the fields left alone (changed again since).
    Recorded as a change too (action 'reverted', pointing to the change it undoes)."""
    place = lock(session, place_id)
    if not scope.can_edit(place.municipality_code):
        raise Forbidden("municipality")
    if expected_version is not None and place.version != expected_version:
        raise Conflict(place, expected_version)
    change = session.get(PlaceChange, change_id)
    if change is None or change.place_id != place.id:
        raise NotFound("change")
    if change.action in ("created", "confirmed") or not change.changes:
        raise Invalid({"change": "not_revertable"})
    now = current_json(session, place.id)
    act_as(session, actor, action="reverted", reverts_id=change.id)
    skipped, applied = [], 0
    for key, (old, new) in change.changes.items():
        if key not in now:
            continue
        if now[key] != new:
            skipped.append(key)
            continue
        setattr(place, key, _from_json(key, old))
        applied += 1
    if not applied:
        raise Invalid({"change": "changed_since"}, {"change": {"fields": ", ".join(skipped)}})
    place.confirmed_at = _now()
    session.flush()
    session.refresh(place)
    return place, skipped
