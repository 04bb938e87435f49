"""/place/<id>.ics parsed back with icalendar; schema.org JSON-LD on the place page."""
from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import icalendar
import jpholiday
import requests
from sqlalchemy import create_engine, pool, text

from geo.places.schedule import next_occurrences
from geo.standards.common import today_jst

JST = ZoneInfo("Asia/Tokyo")


def _place(url: str, where: str):
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as c:
        row = c.execute(text(f"SELECT id, schedule, name, precision, address FROM place WHERE {where} ORDER BY id LIMIT 1")).one()
    engine.dispose()
    return row


def _events(cal):
    return [c for c in cal.walk("VEVENT")]


def test_ics_has_the_coming_dates_in_japan_time(live_server, shared_demo_url):
    row = _place(shared_demo_url, "schedule_text LIKE '%第2・4火曜日%'")
    r = requests.get(f"{live_server}/place/{row.id}.ics", timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    events = _events(cal)
    expected = [o for o in next_occurrences(row.schedule, today_jst(), 60)
                if o[0] <= today_jst() + dt.timedelta(days=183)]
    assert len(events) == len(expected) >= 10
    for ev, (day, start, end) in zip(events, expected):
        begin = ev.decoded("DTSTART")
        assert ev["DTSTART"].params["TZID"] == "Asia/Tokyo"
        assert begin.tzinfo is not None and begin.utcoffset() == dt.timedelta(hours=9)
        assert begin.date() == day and begin.strftime("%H:%M") == start == "10:00"
        assert ev.decoded("DTEND").strftime("%H:%M") == end == "12:00"
        assert begin.weekday() == 1 and (begin.day - 1) // 7 + 1 in (2, 4)     # 第2・4火曜日
        assert str(ev["SUMMARY"]) == row.name
    assert len({str(ev["UID"]) for ev in events}) == len(events)


def test_ics_skips_holidays_and_year_end(live_server, shared_demo_url):
    """The support desks are closed on national holidays and 12/29–1/3 (祝日・年末年始を除く)."""
    row = _place(shared_demo_url, "layer = 'support_branches'")
    cal = icalendar.Calendar.from_ical(requests.get(f"{live_server}/place/{row.id}.ics", timeout=60).content)
    days = [ev.decoded("DTSTART").date() for ev in _events(cal)]
    assert days
    assert all(d.weekday() < 5 for d in days)
    assert not [d for d in days if jpholiday.is_holiday(d)]
    assert not [d for d in days if (d.month, d.day) >= (12, 29) or (d.month, d.day) <= (1, 3)]
    # every weekday that is neither a holiday nor in 年末年始 is there, up to the last date
    want, d = [], days[0]
    while d <= days[-1]:
        if d.weekday() < 5 and not jpholiday.is_holiday(d) and not ((d.month, d.day) >= (12, 29) or (d.month, d.day) <= (1, 3)):
            want.append(d)
        d += dt.timedelta(days=1)
    assert days == want


def test_ics_for_a_hidden_place_has_no_location_and_unstructured_has_no_events(live_server, shared_demo_url):
    hidden = _place(shared_demo_url, "precision = 'hidden'")
    body = requests.get(f"{live_server}/place/{hidden.id}.ics", timeout=60).content
    cal = icalendar.Calendar.from_ical(body)
    for ev in _events(cal):
        assert "GEO" not in ev
        assert hidden.address not in str(ev.get("LOCATION", ""))
    loose = _place(shared_demo_url, "schedule->>'structured' = 'false'")
    cal = icalendar.Calendar.from_ical(requests.get(f"{live_server}/place/{loose.id}.ics", timeout=60).content)
    assert _events(cal) == [] and "直接お問い合わせ" in str(cal["X-WR-CALDESC"])
    assert requests.get(f"{live_server}/place/99999999.ics", timeout=60).status_code == 404


def test_place_page_has_schema_org_jsonld_and_ics_link(live_server, shared_demo_url):
    row = _place(shared_demo_url, "layer = 'salons' AND schedule->>'structured' = 'true'")
    html = requests.get(f"{live_server}/place/{row.id}", timeout=60).text
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    doc = json.loads(blocks[0])
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "Place" and doc["name"] == row.name
    assert doc["address"]["@type"] == "PostalAddress" and doc["address"]["addressRegion"] == "奈良県"
    assert doc["geo"]["@type"] == "GeoCoordinates"
    assert doc["event"] and all(e["@type"] == "Event" for e in doc["event"])
    first = dt.datetime.fromisoformat(doc["event"][0]["startDate"])
    assert first.utcoffset() == dt.timedelta(hours=9) and first.date() >= today_jst()
    assert f'href="/place/{row.id}.ics"' in html


def test_jsonld_of_an_approximate_place_has_no_coordinates(live_server, shared_demo_url):
    row = _place(shared_demo_url, "precision = 'approximate'")
    html = requests.get(f"{live_server}/place/{row.id}", timeout=60).text
    doc = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert "geo" not in doc and row.address not in blocks_text(doc)


def blocks_text(doc) -> str:
    return json.dumps(doc, ensure_ascii=False)


def test_jsonld_cannot_break_out_of_its_script(demo_db_url, session_for):
    from tests.conftest import make_app

    s = session_for(demo_db_url)
    pid = s.execute(text("SELECT id FROM place ORDER BY id LIMIT 1")).scalar()
    s.execute(text("UPDATE place SET name = :n WHERE id = :i"), {"n": "</script><script>alert(1)</script>", "i": pid})
    s.commit()
    html = make_app(demo_db_url).test_client().get(f"/place/{pid}").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block
    assert json.loads(block)["name"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html
