"""Japan time. Every date a person sees ("today", 次回, 印刷日, 基準日) is the date in Asia/Tokyo,
whatever the server's own zone: on a UTC server 00:00–09:00 JST is still "yesterday" there."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def now() -> dt.datetime:
    """The current time in Japan, timezone-aware."""
    return dt.datetime.now(JST)


def today() -> dt.date:
    """Today's date in Japan."""
    return now().date()


def in_japan(ts: dt.datetime) -> dt.datetime:
    """A stored timestamp as Japan time (a naive one is taken as UTC, as PostgreSQL stores it)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.timezone.utc)
    return ts.astimezone(JST)


def japan_date(ts: dt.datetime) -> dt.date:
    """The Japan date of a stored timestamp (更新日, 受付日): 2026-11-23 22:54 UTC is 11月24日."""
    return in_japan(ts).date()
