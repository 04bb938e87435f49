"""最終確認日 (when a place was last confirmed) and the dashboard of places not confirmed lately."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, literal_column, or_, select
from sqlalchemy.orm import Session

from geo.accounts.scope import Scope, code5
from geo.storage.models import Place, Submission

from geo import clock

DEFAULT_STALE_MONTHS = 12


def confirmed_date(place) -> dt.date | None:
    ts = place.confirmed_at or place.updated_at
    return clock.japan_date(ts) if ts is not None else None


def confirmed_label(place, lang: str = "ja") -> str | None:
    """「2026年11月に確認」 / 'Checked in November 2026' (Japan time)."""
    d = confirmed_date(place)
    if d is None:
        return None
    if lang == "en":
        return f"Checked in {d.strftime('%B')} {d.year}"
    return f"{d.year}年{d.month}月に確認"


def months_ago(today: dt.date, months: int) -> dt.date:
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    m += 1
    day = min(today.day, [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30,
                          31, 31, 30, 31, 30, 31][m - 1])
    return dt.date(y, m, day)


def _in_scope(column, scope: Scope):
    if scope.is_admin or (scope.role == "viewer" and not scope.municipalities):
        return True
    return func.left(column, 5).in_(sorted(scope.municipalities))


def stale_places(session: Session, scope: Scope, months: int = DEFAULT_STALE_MONTHS,
                 today: dt.date | None = None, limit: int = 500) -> list[Place]:
    """Active places in the user's municipalities not confirmed for longer than `months`."""
    cutoff = months_ago(today or clock.today(), months)
    cutoff_ts = dt.datetime.combine(cutoff, dt.time(), clock.JST)
    confirmed = func.coalesce(Place.confirmed_at, Place.updated_at)
    q = (select(Place).where(Place.status != "closed", confirmed < cutoff_ts, _in_scope(Place.municipality_code, scope))
         .order_by(confirmed, Place.id).limit(limit))
    return list(session.scalars(q))


def dashboard(session: Session, scope: Scope, months: int = DEFAULT_STALE_MONTHS,
              today: dt.date | None = None) -> list[dict]:
    """Per municipality: places not confirmed for `months`, and open resident reports."""
    stale = stale_places(session, scope, months, today)
    muni = func.left(Submission.municipality_code, literal_column("5")).label("muni")
    reports = session.execute(
        select(muni, func.count())
        .where(Submission.status == "open",
               or_(_in_scope(Submission.municipality_code, scope),
                   Submission.municipality_code.is_(None) if scope.is_admin else False))
        .group_by(muni)).all()
    codes = set(scope.municipalities) if not scope.is_admin else set()
    codes |= {code5(p.municipality_code) for p in stale} | {c for c, _n in reports}
    out = []
    for code in sorted(codes, key=lambda c: (c is None, c or "")):
        out.append({"municipality_code": code,
                    "stale": [p for p in stale if code5(p.municipality_code) == code],
                    "open_reports": sum(n for c, n in reports if c == code)})
    return out
