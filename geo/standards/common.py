"""What the standards modules share: Japan time, labels, parameter errors, public address parts."""
from __future__ import annotations

import datetime as dt

from geo import clock
from geo.clock import JST

TZID = "Asia/Tokyo"

def label(vocab: str, code, lang: str = "ja") -> str:
    """geo.vocab.label (kept as a name the standards modules import)."""
    from geo import vocab as shared

    return shared.label(vocab, code, lang)


class ParamError(ValueError):
    """A bad request parameter: `param` names it; the message is Japanese then English."""

    def __init__(self, param: str, ja: str, en: str):
        super().__init__(f"{ja} ({en})")
        self.param, self.ja, self.en = param, ja, en


def now_jst() -> dt.datetime:
    return clock.now()


def today_jst() -> dt.date:
    return clock.today()


def iso_jst(value: dt.datetime | None) -> str | None:
    """An aware datetime in Japan time, ISO 8601 with +09:00 (naive values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(JST).isoformat(timespec="milliseconds")


def parse_datetime(text: str, param: str) -> dt.datetime:
    """ISO 8601 date or date-time; a date or a naive time is Japan time."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            d = dt.date.fromisoformat(raw)
            return dt.datetime(d.year, d.month, d.day, tzinfo=JST)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ParamError(param, f"{param} は ISO 8601 の日付か日時です（例 2026-04-01 / 2026-04-01T09:00:00+09:00）",
                         f"{param} must be an ISO 8601 date or date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=JST)


def address_parts(address: str | None) -> tuple[str | None, str | None, str]:
    """(prefecture, municipality, rest) of a public address, as far as they can be told apart."""
    from geo.geocoding.address import split_city, split_pref

    if not address:
        return None, None, ""
    pref, rest = split_pref(address.strip())
    city, rest = split_city(rest)
    return pref, city, rest.strip()


def page_url(base: str, place_id: int) -> str:
    return f"{base.rstrip('/')}/place/{place_id}"
