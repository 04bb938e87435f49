"""Dates people see are Japan time, whatever the server's zone (UTC servers are 9 hours behind)."""
import datetime as dt
import os
import time

import pytest
import time_machine

from geo import clock

# 2026-11-22 16:30 UTC is already 2026-11-23 01:30 in Japan.
LATE_UTC = dt.datetime(2026, 11, 22, 16, 30, tzinfo=dt.timezone.utc)


@pytest.fixture
def utc_server():
    """The process's own zone set to UTC, as on most servers."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


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
