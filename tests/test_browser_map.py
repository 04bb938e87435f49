"""The map page in Debian's Chromium (headless, through Playwright; no browser is downloaded)."""
from urllib.parse import urlparse

import pytest

from helpers import open_page, outside_requests

pytestmark = pytest.mark.browser

LAYER_IDS = ("salons", "engawa", "kodomo_shokudo", "support_branches")

# Places drawn per layer: a single marker counts 1, a cluster (one cluster group for every layer,
# so markers never pile up) counts its children of that layer (data-layers).
COUNT_JS = """(layer) => { let n = 0;
  for (const el of document.querySelectorAll('.leaflet-marker-icon.place-marker.pm-' + layer)) n += 1;
  for (const el of document.querySelectorAll('.leaflet-marker-icon.place-cluster [data-layers]'))
    n += JSON.parse(el.dataset.layers)[layer] || 0;
  return n; }"""


@pytest.fixture
def page(browser, live_server):
    context, page = open_page(browser)
    yield page
    context.close()


def drawn(page) -> dict[str, int]:
    return {layer: page.evaluate(COUNT_JS, layer) for layer in LAYER_IDS}


def test_map_page_layers_popup_notice_attribution(page, live_server):
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    page.wait_for_selector(".place-marker, .place-cluster")
    assert page.locator("html").get_attribute("lang") == "ja"

    # the fictional-sample notice and the attribution of every source
    notice = page.locator("#fictional-notice")
    assert notice.is_visible() and "架空のサンプル" in notice.inner_text()
    footer = page.locator("#attribution").inner_text()
    for text in ("国土数値情報（小学校区データ）", "国土数値情報（中学校区データ）", "令和2年国勢調査", "地理院タイル", "架空のサンプル"):
        assert text in footer

    # layer control lists every layer; every located place is drawn (as a marker or inside a cluster)
    control = page.locator(".leaflet-control-layers")
    for name in ("サロン・通いの場", "地域の縁側・居場所", "子ども食堂", "相談窓口・地域包括支援センター", "小学校区", "中学校区"):
        assert name in control.inner_text()
    before = drawn(page)
    assert before == {"salons": 40, "engawa": 12, "kodomo_shokudo": 10, "support_branches": 8}
    # toggling salons off removes exactly the 40 salons (markers and clusters), nothing else
    salon_box = control.locator("label", has_text="サロン・通いの場").locator("input")
    salon_box.uncheck()
    after = drawn(page)
    assert after == dict(before, salons=0)
    assert page.locator(".leaflet-marker-icon.pm-salons").count() == 0
    salon_box.check()
    assert drawn(page) == before
    # district outlines and their names come and go with their layer
    assert page.locator("path.leaflet-interactive").count() >= 20
    for name in ("小学校区", "中学校区"):
        control.locator("label", has_text=name).locator("input").uncheck()
    assert page.locator("path.leaflet-interactive").count() == 0
    assert page.locator(".area-label").count() == 0

    # open a popup from the keyboard on a single marker
    marker = page.locator(".place-marker").first
    marker.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "架空のサンプル" in text and ("次回" in text or "日程は直接お問い合わせください" in text)
    assert popup.locator("a", has_text="くわしく見る").get_attribute("href").startswith("/place/")

    assert page.errors == []
    assert outside_requests(page) == [], outside_requests(page)
    assert any(urlparse(u).hostname == "127.0.0.1" and "/static/vendor/leaflet/leaflet.js" in u for u in page.requests)
    assert any("/static/vendor/markercluster/leaflet.markercluster.js" in u for u in page.requests)
    # places come by bounding box, not all at once in the page
    assert any("/api/places?" in u and "bbox=" in u for u in page.requests)


def test_places_load_for_the_view_only(page, live_server):
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    total = int(page.locator("body").get_attribute("data-places-loaded"))
    assert total == 70
    # zoom far into one corner: the answer for that view keeps only what is near it. Wait for the
    # answer asked at zoom 17 (answers to earlier views are dropped by the map module, so a slow
    # first answer cannot land after it and put every place back).
    page.evaluate("() => TsunagariMap.of(document.getElementById('map')).map.setView([34.6919, 135.7006], 17)")
    page.wait_for_selector("body[data-places-zoom='17']")
    assert int(page.locator("body").get_attribute("data-places-loaded")) < total
    assert page.errors == []


def test_map_page_in_english(page, live_server):
    page.goto(live_server + "/?lang=en")
    page.wait_for_selector(".place-marker, .place-cluster")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "fictional sample" in page.locator("#fictional-notice").inner_text()
    assert "Children's cafeterias" in page.locator(".leaflet-control-layers").inner_text()
    assert page.errors == []
    page.goto(live_server + "/?lang=ja")   # the language cookie is per browser context; reset anyway


def test_map_works_with_no_base_map(browser, shared_demo_url):
    """The base map is optional: with tiles switched off the page still draws every layer."""
    from helpers import make_app, served

    with served(make_app(shared_demo_url, TILE_URL=None)) as base:
        page = browser.new_page()
        errors, requests = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base + "/")
        page.wait_for_selector(".place-marker, .place-cluster")
        assert sum(page.evaluate(COUNT_JS, layer) for layer in LAYER_IDS) == 70
        assert page.locator("path.leaflet-interactive").count() >= 20
        assert "背景地図なし" in page.locator("#attribution").inner_text()
        assert errors == []
        assert all(urlparse(u).hostname == "127.0.0.1" for u in requests if u.startswith("http"))
        page.close()
