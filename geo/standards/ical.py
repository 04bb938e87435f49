"""A place's coming dates as an RFC 5545 calendar (for /place/<id>.ics), built with `icalendar`.

One VEVENT per coming date from geo/places/schedule.next_occurrences — so the holiday and
年末年始 rules the schedule carries are already applied, and one-off dates are included —
rather than an RRULE a phone would expand without them. Times are local to the place:
DTSTART;TZID=Asia/Tokyo with a VTIMEZONE for Asia/Tokyo; a date without a time is an all-day
event. Only public data: the public address, the public point as GEO (none when hidden).
"""
from __future__ import annotations

import datetime as dt

from geoalchemy2.shape import to_shape
from icalendar import Calendar, Event

from geo.places.privacy import public_address
from geo.places.schedule import ASK_DIRECTLY_EN, ASK_DIRECTLY_JA, MAY_CHANGE_JA, next_occurrences
from geo.standards.common import JST, TZID, label, now_jst, page_url

HORIZON_DAYS = 183      # about six months of dates
MAX_EVENTS = 60


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    if h >= 24:  # '24:00' and later: the next day
        return dt.datetime(day.year, day.month, day.day, tzinfo=JST) + dt.timedelta(hours=h, minutes=m)
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=JST)


def coming_dates(place, today: dt.date) -> list[tuple[dt.date, str | None, str | None]]:
    return [o for o in next_occurrences(place.schedule, today, MAX_EVENTS)
            if o[0] <= today + dt.timedelta(days=HORIZON_DAYS)]


def calendar(place, base: str, today: dt.date | None = None, now: dt.datetime | None = None) -> bytes:
    now = now or now_jst()
    today = today or now.astimezone(JST).date()
    url = page_url(base, place.id)
    cal = Calendar()
    cal.add("prodid", "-//Tsunagari Map//つながりマップ//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", place.name)
    cal.add("x-wr-timezone", TZID)
    dates = coming_dates(place, today)
    if not dates:
        cal.add("x-wr-caldesc", f"{ASK_DIRECTLY_JA} ({ASK_DIRECTLY_EN})")
    address = public_address(place)
    description = "\n".join(x for x in (
        label("layer", place.layer, "ja"), place.schedule_text,
        MAY_CHANGE_JA.strip("（）") if (place.schedule or {}).get("irregular") else None,
        "架空のサンプル（実在の施設ではありません）" if place.fictional else None, url) if x)
    geo = None
    if place.public_point is not None:  # the public point only
        pt = to_shape(place.public_point)
        geo = (round(pt.y, 6), round(pt.x, 6))
    for day, start, end in dates:
        ev = Event()
        ev.add("uid", f"place-{place.id}-{day.isoformat()}@tsunagari-map")
        ev.add("dtstamp", now.astimezone(dt.timezone.utc))
        ev.add("summary", place.name)
        if start:
            begin = _at(day, start)
            ev.add("dtstart", begin)
            if end and _at(day, end) > begin:
                ev.add("dtend", _at(day, end))
        else:
            ev.add("dtstart", day)
            ev.add("dtend", day + dt.timedelta(days=1))
        ev.add("description", description)
        ev.add("url", url)
        if address:
            ev.add("location", address)
        if geo:
            ev.add("geo", geo)
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    cal.add_missing_timezones(first_date=today - dt.timedelta(days=1),
                              last_date=today + dt.timedelta(days=HORIZON_DAYS + 2))
    return cal.to_ical()
