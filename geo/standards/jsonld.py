"""schema.org JSON-LD for a public place page: a Place with its public address, opening hours for
weekly rules, and its next dates as Events. Only public data: the address as public_address()
gives it (the town for approximate and hidden places) and coordinates only for exact places
(a blurred grid-cell centre would mislead a search engine into showing a wrong spot).
"""
from __future__ import annotations

import datetime as dt

from geoalchemy2.shape import to_shape

from geo.places.privacy import public_address
from geo.places.schedule import next_occurrences
from geo.standards.common import address_parts, label, page_url, today_jst

DAY_URIS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _postal_address(address: str | None) -> dict | None:
    if not address:
        return None
    pref, city, rest = address_parts(address)
    out = {"@type": "PostalAddress", "addressCountry": "JP"}
    if pref:
        out["addressRegion"] = pref
    if city:
        out["addressLocality"] = city
    if rest:
        out["streetAddress"] = rest
    if not (pref or city):
        out["streetAddress"] = address
    return out


def _opening_hours(schedule: dict | None) -> list[dict]:
    """Weekly rules only (every week, every month): schema.org has no 'second Tuesday'."""
    if not schedule or not schedule.get("structured") or schedule.get("irregular"):
        return []
    out = []
    for rule in schedule.get("rules") or []:
        if rule.get("nth") or rule.get("months"):
            continue
        opens = rule.get("start", schedule.get("start"))
        closes = rule.get("end", schedule.get("end"))
        spec = {"@type": "OpeningHoursSpecification",
                "dayOfWeek": [f"https://schema.org/{DAY_URIS[d]}" for d in rule["weekdays"]]}
        if opens:
            spec["opens"] = opens
        if closes:
            spec["closes"] = closes
        out.append(spec)
    return out


def _iso(day: dt.date, hhmm: str | None) -> str:
    return f"{day.isoformat()}T{hhmm}:00+09:00" if hhmm else day.isoformat()


def place_jsonld(place, base: str, today: dt.date | None = None, events: int = 3) -> dict:
    today = today or today_jst()
    url = page_url(base, place.id)
    address = _postal_address(public_address(place))
    doc: dict = {"@context": "https://schema.org", "@type": "Place", "@id": f"{url}#place", "name": place.name,
                 "url": url, "description": label("layer", place.layer, "ja")}
    if place.name_kana:
        doc["alternateName"] = place.name_kana
    if address:
        doc["address"] = address
    if place.precision == "exact" and place.public_point is not None:
        pt = to_shape(place.public_point)
        doc["geo"] = {"@type": "GeoCoordinates", "latitude": round(pt.y, 6), "longitude": round(pt.x, 6)}
    if place.phone and not place.fictional:
        doc["telephone"] = place.phone
    if place.free_of_charge is not None:
        doc["isAccessibleForFree"] = bool(place.free_of_charge)
    hours = _opening_hours(place.schedule)
    if hours:
        doc["openingHoursSpecification"] = hours
    location = {"@type": "Place", "@id": f"{url}#place", "name": place.name}
    if address:
        location["address"] = address
    found = []
    for day, start, end in next_occurrences(place.schedule, today, events):
        ev = {"@type": "Event", "name": place.name, "startDate": _iso(day, start), "url": url,
              "eventStatus": "https://schema.org/EventScheduled",
              "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode", "location": location}
        if end and start:
            ev["endDate"] = _iso(day, end)
        if place.operator:
            ev["organizer"] = {"@type": "Organization", "name": place.operator}
        if place.free_of_charge is not None:
            ev["isAccessibleForFree"] = bool(place.free_of_charge)
        found.append(ev)
    if found:
        doc["event"] = found
    return doc
