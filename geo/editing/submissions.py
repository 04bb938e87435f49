"""Resident reports: 「情報のまちがいを知らせる」 (correction / closed) and 「ここにある場所を教える」
(new). Nothing becomes public until a coordinator approves it; approval goes through the same
service as any edit, so the history points to the report. No personal data is asked for; an
optional contact is erased when the report is closed (approved or rejected).
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from geo.accounts.scope import Scope, code5
from geo.editing import service
from geo.editing.fields import validate
from geo.editing.history import Actor
from geo.storage.models import SUBMISSION_KINDS, Area, Place, Submission

RATE_LIMIT = 5                       # reports per client address ...
RATE_WINDOW = dt.timedelta(hours=1)  # ... per hour
MAX_MESSAGE = 2000
MAX_CONTACT = 200
# fields a resident may propose (a coordinator checks them before anything is published)
PROPOSABLE = ("layer", "name", "address", "lat", "lon", "schedule_text", "fees", "phone", "url", "operator")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SubmissionInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid")
        self.errors = errors


class RateLimited(Exception):
    pass


def _text(value, limit: int) -> tuple[str | None, bool]:
    if value is None:
        return None, True
    if not isinstance(value, str):
        return None, False
    value = _CONTROL.sub("", value).strip()
    if len(value) > limit:
        return None, False
    return value or None, True


def rate_limited(session: Session, client: str) -> bool:
    since = dt.datetime.now(dt.timezone.utc) - RATE_WINDOW
    n = session.scalar(select(func.count()).where(Submission.client == client, Submission.created_at > since))
    return n >= RATE_LIMIT


def _municipality_at(session: Session, lat: float, lon: float) -> str | None:
    pt = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    return session.scalar(select(Area.municipality_code).where(
        Area.municipality_code.is_not(None), func.ST_Intersects(Area.geom, pt)).limit(1))


def submit(session: Session, data: dict, client: str) -> Submission | None:
    """Store a report. Returns None (and stores nothing) when the honeypot field is filled."""
    if not isinstance(data, dict):
        raise SubmissionInvalid({"_": "invalid"})
    if data.get("website"):           # honeypot: people do not see this field, robots fill it
        return None
    if rate_limited(session, client):
        raise RateLimited()
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in SUBMISSION_KINDS:
        errors["kind"] = "invalid_choice"
    message, ok = _text(data.get("message"), MAX_MESSAGE)
    if not ok:
        errors["message"] = "too_long"
    contact, ok = _text(data.get("contact"), MAX_CONTACT)
    if not ok:
        errors["contact"] = "too_long"
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        errors["fields"] = "invalid"
        fields = {}
    unknown = [k for k in fields if k not in PROPOSABLE]
    for k in unknown:
        errors[k] = "unknown_field"
    proposed, field_errors = validate({k: v for k, v in fields.items() if k in PROPOSABLE}, creating=False)
    errors.update(field_errors)
    place = None
    code = None
    if kind in ("correction", "closed"):
        pid = data.get("place_id")
        place = session.get(Place, pid) if isinstance(pid, int) and not isinstance(pid, bool) else None
        if place is None:
            errors["place_id"] = "required"
        else:
            code = place.municipality_code
        if kind == "correction" and not proposed and not message:
            errors["message"] = "required"
    elif kind == "new":
        if not proposed.get("name"):
            errors["name"] = "required"
        if proposed.get("lat") is None and not proposed.get("address"):
            errors["address"] = "address_or_point"
        if proposed.get("lat") is not None and proposed.get("lon") is not None:
            code = _municipality_at(session, proposed["lat"], proposed["lon"])
    if errors:
        raise SubmissionInvalid(errors)
    sub = Submission(kind=kind, place_id=place.id if place else None, municipality_code=code5(code),
                     payload=proposed, message=message, contact=contact, client=client, status="open")
    session.add(sub)
    session.flush()
    return sub


def _in_scope(scope: Scope):
    if scope.is_admin:
        return True
    if scope.role == "viewer" and not scope.municipalities:
        return True
    return func.left(Submission.municipality_code, 5).in_(sorted(scope.municipalities))


def open_reports(session: Session, scope: Scope, limit: int = 500) -> list[Submission]:
    return list(session.scalars(select(Submission).where(Submission.status == "open", _in_scope(scope))
                                .order_by(Submission.id).limit(limit)))


def get(session: Session, scope: Scope, submission_id: int) -> Submission:
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise service.NotFound("submission")
    if not (scope.is_admin or scope.can_view(sub.municipality_code)):
        raise service.Forbidden("municipality")
    return sub


def _close(sub: Submission, scope: Scope, status: str, reason: str | None = None) -> None:
    sub.status = status
    sub.reason = reason
    sub.decided_at = func.now()
    sub.decided_by = scope.user_id
    sub.contact = None     # an optional contact is erased once the report is closed


def approve(session: Session, scope: Scope, submission_id: int, edits: dict | None = None) -> Submission:
    """Apply a report (with the coordinator's corrections in `edits`): create, change or close the
    place, its history pointing to the report."""
    sub = get(session, scope, submission_id)
    if sub.status != "open":
        raise service.Invalid({"submission": "already_closed"})
    actor = Actor(user_id=scope.user_id, submission_id=sub.id, via="report")
    values = {**(sub.payload or {}), **(edits or {})}
    if sub.kind == "new":
        values.setdefault("municipality_code", sub.municipality_code)
        if not scope.can_edit(values.get("municipality_code")):
            if values.get("municipality_code"):
                raise service.Forbidden("municipality")
        place = service.create_place(session, scope, values, actor)
    elif sub.kind == "correction":
        if sub.place_id is None:
            raise service.Invalid({"place_id": "required"})
        place = service.update_place(session, scope, sub.place_id, values, None, actor)
    else:
        if sub.place_id is None:
            raise service.Invalid({"place_id": "required"})
        place = service.update_place(session, scope, sub.place_id, {**values, "status": "closed"}, None, actor)
    sub.result_place_id = place.id
    _close(sub, scope, "approved")
    session.flush()
    return sub


def reject(session: Session, scope: Scope, submission_id: int, reason: str | None) -> Submission:
    sub = get(session, scope, submission_id)
    if not scope.can_edit(sub.municipality_code) and not scope.is_admin:
        raise service.Forbidden("municipality")
    if sub.status != "open":
        raise service.Invalid({"submission": "already_closed"})
    reason, ok = _text(reason, 500)
    if not ok or not reason:
        raise service.Invalid({"reason": "required" if ok else "too_long"})
    _close(sub, scope, "rejected", reason)
    session.flush()
    return sub


def counts_open(session: Session, scope: Scope) -> int:
    return session.scalar(select(func.count()).select_from(Submission)
                          .where(Submission.status == "open", _in_scope(scope))) or 0


__all__ = ["submit", "open_reports", "approve", "reject", "RateLimited", "SubmissionInvalid", "or_"]
