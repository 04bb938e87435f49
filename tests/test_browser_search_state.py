"""The resident search in the address (back, reload, a shared link and 「地図にもどる」 restore it) and the
date filters (平日/土日, 今週の土曜, a picked day that says 「…は開催なし（次回 …）」), in Chromium at phone
(390x844), PC (1280x800) and projector (1920x1080) sizes. Screenshots: var/screenshots/search-*.png."""
import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import create_engine, pool
from sqlalchemy.orm import Session

from geo import clock
from geo.places import search
from geo.places.schedule import occurrence_on
from helpers import ROOT, open_page

pytestmark = pytest.mark.browser
SIZES = {"phone": (390, 844), "pc": (1280, 800), "projector": (1920, 1080)}
SHOTS = ROOT / "var" / "screenshots"
CITY_HALL = (34.6919, 135.7006)


@pytest.fixture(params=list(SIZES))
def sized(request, browser):
    w, h = SIZES[request.param]
    context, page = open_page(browser, w, h)
    page.size_name = request.param
    yield page
    assert page.errors == []
    context.close()


def _query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _names(page) -> list[str]:
    return page.locator("#result-list > li h3 a").all_inner_texts()


def _wait_searches(page, n: int):
    page.wait_for_function(f"() => Number(document.body.dataset.searches || 0) >= {n}")


def _search(page, text: str, n: int):
    page.locator("#search-q").fill(text)
    page.locator("#search-button").click()
    _wait_searches(page, n)


def _open_filters(page):
    if not page.locator("#filters").evaluate("d => d.open"):
        page.locator("#filters > summary").click()


def test_back_reload_and_the_place_page_keep_the_search(sized, live_server):
    page = sized
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    _search(page, "元町1丁目", 1)
    assert _query(page) == {"q": "元町1丁目"}
    _open_filters(page)
    page.locator("#f-day").select_option("weekend")
    _wait_searches(page, 2)
    assert _query(page) == {"q": "元町1丁目", "day": "weekend"}
    first = _names(page)
    assert first
    length = page.evaluate("() => history.length")
    # a reload (or this address shared) gives the same search, form included
    page.reload()
    _wait_searches(page, 1)
    assert _names(page) == first
    assert page.locator("#f-day").input_value() == "weekend" and page.locator("#search-q").input_value() == "元町1丁目"
    # another search is a new history entry; back returns to the first one
    _search(page, "生駒市北新町", 2)
    assert _query(page)["q"] == "生駒市北新町"
    assert page.evaluate("() => history.length") == length + 1
    page.go_back()
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === '元町1丁目'")
    _wait_searches(page, 3)
    assert _names(page) == first and page.locator("#search-q").input_value() == "元町1丁目"
    # a place and 「地図にもどる」
    page.locator("#result-list > li h3 a").first.click()
    page.wait_for_url(re.compile(r"/place/\d+\?"))
    assert _query(page) == {"q": "元町1丁目", "day": "weekend"}
    page.screenshot(path=str(SHOTS / f"search-place-{page.size_name}.png"))
    page.locator("#back-to-map").click()
    page.wait_for_url(re.compile(r"/\?"))
    _wait_searches(page, 1)
    assert _names(page) == first and page.locator("#f-day").input_value() == "weekend"
    page.screenshot(path=str(SHOTS / f"search-restored-{page.size_name}.png"), full_page=True)


@pytest.fixture(scope="module")
def quiet_day(shared_demo_url):
    """A day from Japan's today on which no 子ども食堂 near the city hall meets, and the next day one does."""
    engine = create_engine(shared_demo_url, poolclass=pool.NullPool)
    with Session(engine) as s:
        near = [p for p, _ in search.nearest(s, *CITY_HALL, search.Filters(layers=("kodomo_shokudo",)), limit=10)]
        day = clock.today()
        while any(occurrence_on(p.schedule, day) for p in near):
            day += dt.timedelta(days=1)
        nxt = day + dt.timedelta(days=1)
        while not any(occurrence_on(p.schedule, nxt) for p in near):
            nxt += dt.timedelta(days=1)
    engine.dispose()
    return day, nxt


def test_a_shared_link_for_a_day_with_nothing_says_the_next_date(sized, live_server, quiet_day):
    page = sized
    day, nxt = quiet_day
    page.goto(f"{live_server}/?lat={CITY_HALL[0]}&lon={CITY_HALL[1]}&label=市役所&layer=kodomo_shokudo"
              f"&date={day.isoformat()}&lang=ja")
    _wait_searches(page, 1)
    note = page.locator("#date-note")
    assert note.is_visible()
    assert note.inner_text() == f"{day.month}月{day.day}日は開催なし（次回 {nxt.month}月{nxt.day}日）"
    assert _names(page) == []
    _open_filters(page)
    assert page.locator("#f-date").input_value() == "pick"
    assert page.locator("#f-date-pick").input_value() == day.isoformat()
    page.screenshot(path=str(SHOTS / f"search-date-none-{page.size_name}.png"), full_page=True)
    # the next date: places meeting that very day, each with that date as its next one
    page.locator("#f-date-pick").fill(nxt.isoformat())   # fires input and change
    _wait_searches(page, 2)
    assert _query(page)["date"] == nxt.isoformat()
    assert _names(page)
    nexts = page.locator("#result-list .result-next").all_inner_texts()
    assert all(f"{nxt.month}月{nxt.day}日" in t for t in nexts), nexts
    assert f"{nxt.month}月{nxt.day}日" in note.inner_text() and "開催なし" not in note.inner_text()
    # 今週の土曜: named in the address, its date shown in the menu
    page.locator("#f-date").select_option("sat")
    _wait_searches(page, 3)
    assert _query(page)["date"] == "sat"
    sat = search.resolve_date("sat")
    assert f"{sat.month}月{sat.day}日" in page.locator("#f-date option[value=sat]").inner_text()
    assert f"{sat.month}月{sat.day}日" in note.inner_text()
