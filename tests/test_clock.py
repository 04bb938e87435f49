"""Dates people see are Japan time, whatever the server's zone (UTC servers are 9 hours behind)."""
import datetime as dt
import time_machine

from geo import clock

# 2026-11-22 16:30 UTC is already 2026-11-23 01:30 in Japan.
LATE_UTC = dt.datetime(2026, 11, 22, 16, 30, tzinfo=dt.timezone.utc)


def test_today_is_the_date_in_japan_on_a_utc_server(utc_server):
    with time_machine.travel(LATE_UTC, tick=False):
        assert dt.date.today() == dt.date(2026, 11, 22)      # the server's own idea
        assert clock.today() == dt.date(2026, 11, 23)        # what people in Japan see
        assert clock.now().utcoffset() == dt.timedelta(hours=9)


def test_printed_list_dates_in_japan_time(utc_server, demo_client):
    with time_machine.travel(LATE_UTC, tick=False):
        html = demo_client.get("/list?area=elementary:" + _first_elementary(demo_client)).get_data(as_text=True)
    assert "2026年11月23日" in html


def _first_elementary(client) -> str:
    areas = client.get("/api/areas?kind=elementary").get_json()
    features = areas["features"] if isinstance(areas, dict) else areas
    props = features[0]["properties"] if "properties" in features[0] else features[0]
    return props["code"]


def test_stored_timestamps_are_shown_as_japan_dates(utc_server):
    """A place updated at 22:54 UTC on 23 November was updated on 24 November in Japan (更新日),
    and an import run started then is shown at 07:54."""
    from geo.places.search import updated_label
    from geo.storage.models import Place
    from web.coordinator import when
    from tests.helpers import make_app

    late = dt.datetime(2026, 11, 23, 22, 54, tzinfo=dt.timezone.utc)
    assert updated_label(Place(updated_at=late), "ja") == "2026年11月24日（火）"
    assert updated_label(Place(updated_at=late.replace(tzinfo=None)), "en") == "2026-11-24"
    with make_app("postgresql://unused/none").test_request_context("/?lang=ja"):
        assert when(late).endswith("07:54") and "11月24日" in when(late)
