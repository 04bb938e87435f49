"""The map on a phone (390×844) and a PC (1280×800): pinch-zoom allowed on every page, popups that
stay inside the map, and filters that announce 「N件」 without scrolling or moving the focus."""
import re

import pytest

from helpers import open_page

pytestmark = pytest.mark.browser

SIZES = [(390, 844), (1280, 800)]
PAGES = ["/", "/coverage", "/meeting", "/list"]


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def page(request, browser):
    width, height = request.param
    phone = width < 500
    context, page = open_page(browser, width, height, is_mobile=phone, has_touch=phone)
    yield page
    context.close()


def test_every_page_allows_pinch_zoom(page, live_server):
    for path in PAGES:
        page.goto(live_server + path)
        metas = page.locator("meta[name=viewport]")
        assert metas.count() == 1, path
        content = metas.get_attribute("content").replace(" ", "")
        assert "width=device-width" in content, path
        assert "user-scalable=no" not in content and "maximum-scale" not in content, (path, content)
    assert page.errors == []


# Open the popup of one marker from the keyboard and measure it once it has settled: Leaflet fires
# "autopanstart" when it moves the map to show the popup, and "moveend" when that move is over.
# The measure is taken in that same moment (a later load of places for the new view may redraw).
OPEN_POPUP = """(title) => {
  const map = TsunagariMap.of(document.getElementById('map')).map;
  const state = window.__popup = {panning: false, box: null};
  const measure = () => {
    const m = document.getElementById('map').getBoundingClientRect();
    const p = document.querySelector('.leaflet-popup').getBoundingClientRect();
    const b = document.querySelector('.leaflet-popup-close-button');
    const r = b.getBoundingClientRect();
    const x = r.x + r.width / 2, y = r.y + r.height / 2;
    // the control, if any, that lies over the close button
    const over = [...document.querySelectorAll('#map .leaflet-control')].some((c) => {
      const q = c.getBoundingClientRect(); return x >= q.left && x <= q.right && y >= q.top && y <= q.bottom; });
    state.box = {map: [m.left, m.top, m.right, m.bottom], popup: [p.left, p.top, p.right, p.bottom], closeCovered: over,
                 details: !!document.querySelector('.leaflet-popup-content a[href^="/place/"]')};
  };
  map.once('autopanstart', () => { state.panning = true; map.once('moveend', measure); });
  map.once('popupopen', () => { if (!state.panning) measure(); });
  const el = [...document.querySelectorAll('.leaflet-marker-icon.place-marker')].find(e => e.title === title);
  el.focus();
  el.dispatchEvent(new KeyboardEvent('keypress', {key: 'Enter', keyCode: 13, bubbles: true}));
}"""

# the single markers nearest the top, right, bottom and left edges of the map
EDGE_MARKERS = """() => {
  const m = document.getElementById('map').getBoundingClientRect();
  const els = [...document.querySelectorAll('.leaflet-marker-icon.place-marker')];
  const rect = (i) => els[i].getBoundingClientRect();
  const pick = (f) => els.map((_, i) => i).sort((a, b) => f(rect(a)) - f(rect(b)))[0];
  return [pick(r => r.top - m.top), pick(r => m.right - r.right), pick(r => m.bottom - r.bottom),
          pick(r => r.left - m.left)].map(i => els[i].title);
}"""


@pytest.mark.parametrize("large_text", [False, True], ids=["normal-text", "larger-text"])
def test_popups_open_inside_the_map(page, live_server, large_text):
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    if large_text:
        page.locator("#text-size").click()
        page.reload()
        page.wait_for_selector("html.large-text body[data-places-loaded]")
    page.wait_for_selector(".leaflet-marker-icon.place-marker")
    for title in page.evaluate(EDGE_MARKERS):
        # each from a freshly loaded page, where this marker is near the edge of the map
        page.reload()
        page.wait_for_selector("body[data-places-loaded]")
        page.evaluate(OPEN_POPUP, title)
        page.wait_for_function("() => window.__popup.box !== null")
        box = page.evaluate("() => window.__popup.box")
        (ml, mt, mr, mb), (pl, pt, pr, pb) = box["map"], box["popup"]
        assert pl >= ml - 1 and pt >= mt - 1 and pr <= mr + 1 and pb <= mb + 1, (title, box)
        # its link is there and its close button is not under a map control (zoom, layers)
        assert box["details"] and not box["closeCovered"], (title, box)
    assert page.errors == []


def _open_filters(page):
    page.locator("#filters summary").click()
    page.locator("#filters fieldset").scroll_into_view_if_needed()


@pytest.mark.parametrize("lang,count", [("ja", r"^\d+件$"), ("en", r"^\d+ places$")])
def test_filter_change_announces_count_without_scrolling_or_moving_focus(page, live_server, lang, count):
    page.goto(live_server + f"/?lang={lang}")
    page.wait_for_selector("body[data-places-loaded]")
    # a search first: its results are re-run when a filter changes (that used to move the focus)
    page.locator("#search-q").fill("元町1丁目")
    page.locator("#search-button").click()
    page.wait_for_selector("body[data-searches='1']")
    _open_filters(page)

    box = page.locator("input[name=layer][value=salons]")
    box.focus()
    y = page.evaluate("() => window.scrollY")
    page.keyboard.press("Space")                          # uncheck サロン from the keyboard
    page.wait_for_selector("body[data-searches='2']")
    page.wait_for_function("() => document.getElementById('filter-count').textContent !== ''")
    announced = page.locator("#filter-count").inner_text()
    assert re.match(count, announced), announced
    live = page.locator("#filter-count")
    assert live.get_attribute("role") == "status" and live.get_attribute("aria-live") == "polite"
    assert page.evaluate("() => window.scrollY") == y
    assert page.evaluate("() => document.activeElement.name + ':' + document.activeElement.value") == "layer:salons"
    # the cluster layer may still be finishing the search's zoom animation: wait for it to let go
    page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon.pm-salons').length === 0")

    # a select changed from the keyboard: same
    page.evaluate("() => document.getElementById('filter-count').textContent = ''")
    page.locator("#f-day").focus()
    y = page.evaluate("() => window.scrollY")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("body[data-searches='3']")
    page.wait_for_function("() => document.getElementById('filter-count').textContent !== ''")
    assert re.match(count, page.locator("#filter-count").inner_text())
    assert page.evaluate("() => window.scrollY") == y
    assert page.evaluate("() => document.activeElement.id") == "f-day"
    assert page.errors == []
