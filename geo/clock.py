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
