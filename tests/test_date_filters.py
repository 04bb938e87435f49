"""Date-aware resident filters: 平日, 土日, a chosen date (今週の土曜), and "nothing on that day
(next …)", against the real PostGIS demo. Every named date is Japan's (geo.clock)."""
import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from geo import clock
from geo.places import queries, search
from geo.places.schedule import next_occurrences, occurrence_on, open_bands
from geo.storage.models import Place
from helpers import make_app
from web import params

CITY_HALL = (34.6919, 135.7006)
# 2026-11-27 16:30 UTC is Saturday 2026-11-28 01:30 in Japan (still Friday on a UTC server).
LATE_UTC = dt.datetime(2026, 11, 27, 16, 30, tzinfo=dt.timezone.utc)


def _active(s) -> list[Place]:
    return list(s.scalars(select(Place).where(queries.active_on(), Place.public_point.is_not(None))))


def test_weekdays_and_weekends_keep_only_places_meeting_then(s):
    lat, lon = CITY_HALL
    every = search.nearest(s, lat, lon, limit=500)
    for group, days in (("weekdays", {0, 1, 2, 3, 4}), ("weekend", {5, 6})):
        rows = search.nearest(s, lat, lon, search.Filters(days=group), limit=500)
        expected = [p.id for p, _ in every if {wd for wd, _b in open_bands(p.schedule)} & days]
        assert rows and [p.id for p, _ in rows] == expected, group
        assert len(rows) < len(every)
    # with a band: that band on one of those days
    rows = search.nearest(s, lat, lon, search.Filters(days="weekend", band="morning"), limit=500)
    expected = [p.id for p, _ in every if any(b == "morning" and wd in (5, 6) for wd, b in open_bands(p.schedule))]
    assert rows and [p.id for p, _ in rows] == expected


def test_a_chosen_date_lists_only_places_meeting_that_very_day(s):
    lat, lon = CITY_HALL
    every = search.nearest(s, lat, lon, limit=500)
    # a place meeting on some Saturdays only (第2土曜 and the like): the date decides, not the weekday
    monthly = [p for p, _ in every if p.schedule and any(r.get("nth") and 5 in r["weekdays"]
                                                          for r in p.schedule.get("rules") or [])]
    assert monthly, "the demo has places meeting on some Saturdays of the month only"
    place = monthly[0]
    on = next_occurrences(place.schedule, dt.date(2026, 11, 1), 1)[0][0]
    off = on + dt.timedelta(days=7)
    assert occurrence_on(place.schedule, off) is None
    for day in (on, off):
        rows = search.nearest(s, lat, lon, search.Filters(on=day), limit=500)
        expected = [p.id for p, _ in every if occurrence_on(p.schedule, day) is not None]
        assert [p.id for p, _ in rows] == expected
        assert (place.id in expected) == (day == on)
    # a weekly Saturday place is on both; a weekday filter for a Saturday date finds nothing
    assert not search.nearest(s, lat, lon, search.Filters(on=on, days="weekdays"), limit=50)


def test_nothing_on_that_day_says_the_next_date(s):
    lat, lon = CITY_HALL
    # a day on which nothing of one layer meets, found by hand
    kids = search.Filters(layers=("kodomo_shokudo",))
    near = [p for p, _ in search.nearest(s, lat, lon, kids, limit=50)]
    day = dt.date(2026, 11, 23)
    while any(occurrence_on(p.schedule, day) for p in near):
        day += dt.timedelta(days=1)
    chosen = search.Filters(layers=("kodomo_shokudo",), on=day)
    rows = search.nearest(s, lat, lon, chosen, limit=10)
    assert rows == []
    note = search.date_note(s, lat, lon, chosen, len(rows))
    first = min(d for p in near for d, *_ in next_occurrences(p.schedule, day + dt.timedelta(days=1), 1))
    assert note == search.DateNote("search.date_none", day, first)
    # found something: no note
    assert search.date_note(s, lat, lon, search.Filters(on=first), 3) is None
    # a date far past every schedule's horizon: nothing, and no next date either
    never = search.Filters(layers=("kodomo_shokudo",), on=dt.date(2026, 11, 23), target="障害のある人",
                           free=True, no_reservation=True, consultation=True)
    assert search.date_note(s, lat, lon, never, 0).code in ("search.date_none", "search.date_none_no_next")


def test_date_parameters_parse_and_round_trip():
    sat = dt.date(2026, 11, 28)
    for today, expected in ((dt.date(2026, 11, 25), sat), (sat, sat), (dt.date(2026, 11, 29), dt.date(2026, 12, 5))):
        f = params.filters({"date": "sat"}, today=today)
        assert f.on == expected and f.on_choice == "sat"
        assert params.filters(f.params(), today=today) == f
    assert params.filters({"date": "sun"}, today=sat).on == dt.date(2026, 11, 29)
    assert params.filters({"date": "tomorrow"}, today=sat).on == dt.date(2026, 11, 29)
    f = params.filters({"date": "2026-12-05", "day": "平日", "time": "morning"})
    assert f.on == dt.date(2026, 12, 5) and f.days == "weekdays" and f.weekday is None
    assert params.filters(f.params()) == f
    assert params.filters({"day": "weekend"}).days == params.filters({"day": "土日"}).days == "weekend"
    for bad in ({"date": "2026-13-01"}, {"date": "next sat"}, {"day": "休日"}):
        with pytest.raises(params.BadParameter):
            params.filters(bad)


def test_today_and_this_saturday_are_japan_dates_on_a_utc_server(utc_server):
    with time_machine.travel(LATE_UTC, tick=False):
        assert dt.date.today() == dt.date(2026, 11, 27)
        assert params.filters({"date": "today"}).on == dt.date(2026, 11, 28)
        assert params.filters({"date": "sat"}).on == dt.date(2026, 11, 28)   # already Saturday in Japan
        assert search.resolve_date("tomorrow") == clock.today() + dt.timedelta(days=1)


def test_search_api_says_nothing_on_that_day_and_the_next_date(shared_demo_url, s):
    client = make_app(shared_demo_url).test_client()
    lat, lon = CITY_HALL
    near = [p for p, _ in search.nearest(s, lat, lon, search.Filters(layers=("kodomo_shokudo",)), limit=50)]
    day = dt.date(2026, 11, 23)
    while any(occurrence_on(p.schedule, day) for p in near):
        day += dt.timedelta(days=1)
    base = f"/api/search?lat={lat}&lon={lon}&layer=kodomo_shokudo&date={day.isoformat()}"
    ja = client.get(base).get_json()
    assert ja["results"] == []
    nxt = dt.date.fromisoformat(ja["date"]["next"])
    assert ja["date"]["note"] == f"{day.month}月{day.day}日は開催なし（次回 {nxt.month}月{nxt.day}日）"
    en = client.get(base + "&lang=en").get_json()
    assert en["date"]["note"].startswith(f"Nothing on {day.day} ") and "next:" in en["date"]["note"]
    # on the next date, places are listed, their next date is that day, and no note
    got = client.get(f"/api/search?lat={lat}&lon={lon}&layer=kodomo_shokudo&date={nxt.isoformat()}&lang=ja").get_json()
    assert got["results"] and got["date"]["note"] is None
    assert all(f"{nxt.month}月{nxt.day}日" in r["next_text"] for r in got["results"]), (nxt, [r["next_text"] for r in got["results"]])
    bad = client.get(f"/api/search?lat={lat}&lon={lon}&date=someday")
    assert bad.status_code == 400 and "2026-11-23" in bad.get_json()["error"]
