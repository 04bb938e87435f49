"""The map page in Debian's Chromium (headless, through Playwright; no browser is downloaded)."""
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

TILE_HOSTS = {"cyberjapandata.gsi.go.jp"}


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.errors, page.requests = [], []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    # No internet here: tiles are optional, so answer them with nothing instead of waiting.
    page.route("https://cyberjapandata.gsi.go.jp/**", lambda route: route.fulfill(status=204, body=b""))
    yield page
    context.close()


def test_map_page_layers_popup_notice_attribution(page, live_server):
    page.goto(live_server + "/")
    page.wait_for_selector(".leaflet-interactive")
    assert page.locator("html").get_attribute("lang") == "ja"

    # the fictional-sample notice and the attribution of every source
    notice = page.locator("#fictional-notice")
    assert notice.is_visible() and "架空のサンプル" in notice.inner_text()
    footer = page.locator("#attribution").inner_text()
    for text in ("国土数値情報（小学校区データ）", "国土数値情報（中学校区データ）", "令和2年国勢調査", "地理院タイル", "架空のサンプル"):
        assert text in footer

    # layer control lists every layer; toggling one removes its markers
    control = page.locator(".leaflet-control-layers")
    for name in ("サロン・通いの場", "地域の縁側・居場所", "子ども食堂", "相談窓口・地域包括支援センター", "小学校区", "中学校区"):
        assert name in control.inner_text()
    markers_before = page.locator("path.leaflet-interactive").count()
    salon_box = control.locator("label", has_text="サロン・通いの場").locator("input")
    salon_box.uncheck()
    markers_after = page.locator("path.leaflet-interactive").count()
    assert markers_before - markers_after == 40
    salon_box.check()
    assert page.locator("path.leaflet-interactive").count() == markers_before

    # turn the district outlines off so a marker can be clicked, then open a popup
    for name in ("小学校区", "中学校区"):
        control.locator("label", has_text=name).locator("input").uncheck()
    page.evaluate("""() => { for (const k in window) { if (k.startsWith('circle_marker_')) { window[k].openPopup(); return; } } }""")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "架空のサンプル" in text and ("次回" in text or "日程は直接お問い合わせください" in text)

    assert page.errors == []
    outside = [u for u in page.requests
               if urlparse(u).hostname not in ("127.0.0.1", "localhost") and urlparse(u).scheme in ("http", "https")
               and urlparse(u).hostname not in TILE_HOSTS]
    assert outside == [], outside
    assert any(urlparse(u).hostname == "127.0.0.1" and "/static/vendor/leaflet/leaflet.js" in u for u in page.requests)


def test_map_page_in_english(page, live_server):
    page.goto(live_server + "/?lang=en")
    page.wait_for_selector(".leaflet-interactive")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "fictional sample" in page.locator("#fictional-notice").inner_text()
    assert "Children's cafeterias" in page.locator(".leaflet-control-layers").inner_text()
    assert page.errors == []


def test_map_works_with_no_base_map(browser, shared_demo_url):
    """The base map is optional: with tiles switched off the page still draws every layer."""
    import threading
    from werkzeug.serving import make_server
    from conftest import make_app

    server = make_server("127.0.0.1", 0, make_app(shared_demo_url, TILE_URL=None), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        errors, requests = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.wait_for_selector(".leaflet-interactive")
        assert page.locator("path.leaflet-interactive").count() >= 70
        assert "背景地図なし" in page.locator("#attribution").inner_text()
        assert errors == []
        assert all(urlparse(u).hostname == "127.0.0.1" for u in requests if u.startswith("http"))
        page.close()
    finally:
        server.shutdown()
