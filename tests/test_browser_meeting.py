"""The projector view in Debian's Chromium: full screen at 1920×1080 and 1280×720, focus and
profile, then-and-now, permalinks, no console errors, nothing leaves 127.0.0.1 but tiles."""
from urllib.parse import parse_qs, urlparse

import pytest

from helpers import open_page, outside_requests

pytestmark = pytest.mark.browser



def _page(browser, width, height):
    return open_page(browser, width, height)


def _ready(page):
    page.wait_for_selector('body[data-ready="1"]')
    page.wait_for_function("() => document.body.dataset.loading === ''")  # a function: CSP forbids eval


def _in_viewport(page, selector, width, height):
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["y"] >= 0 and box["x"] >= 0 and box["y"] + box["height"] <= height + 0.5 \
        and box["x"] + box["width"] <= width + 0.5, (selector, box)


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_projector_view_fits_the_screen(browser, live_server, width, height):
    context, page = _page(browser, width, height)
    page.goto(live_server + "/meeting?on=2026-11-23")
    _ready(page)
    for sel in ("#m-title", "#m-date", "#attribution", "#fictional-notice", "#map"):
        _in_viewport(page, sel, width, height)
    assert page.locator("#m-date").inner_text() == "2026年11月23日（月）"
    footer = page.locator("#attribution").inner_text()
    for text in ("国土数値情報（小学校区データ）", "国土数値情報（中学校区データ）", "令和2年国勢調査", "地理院タイル"):
        assert text in footer
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    # every area named on the map, in large type; places drawn with shape + glyph
    labels = page.locator("#map .area-label")
    assert labels.count() == 12 and any("生駒北小中学校" in x for x in labels.all_inner_texts())
    assert float(labels.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 18
    assert page.locator("#map .place-icon").count() == 70
    assert page.locator("#map .place-icon .pm-triangle, #map .place-icon .pm-diamond").count() > 0
    assert page.errors == [] and outside_requests(page) == []
    context.close()


def test_focus_profile_and_permalink_round_trip(browser, live_server):
    context, page = _page(browser, 1280, 720)
    page.goto(live_server + "/meeting?on=2026-11-23")
    _ready(page)
    # click the area under its label (labels let clicks through to the district)
    label = page.locator('#map .area-label', has_text="生駒北小中学校")
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#m-profile:not([hidden])")
    _ready(page)
    assert page.locator("#p-name").inner_text() == "生駒北小中学校"
    assert page.locator("#m-focus-name").inner_text() == "生駒北小中学校"
    assert page.locator("#p-pop").inner_text().startswith(("5,", "4,", "6,"))     # census total, 人
    assert page.locator("#p-ageing").inner_text() == "不明"                        # no age bands in the demo
    assert page.locator("#p-layers li[data-layer]").count() == 4
    assert page.locator("#p-layers .klass").count() == 4
    assert page.locator("#p-missing li").count() >= 1
    assert page.locator("#map .area-label.is-dim").count() == 11
    assert page.locator("#map .pm-dim").count() > 30

    # settings: hide the salons, a Saturday filter, shade by 子ども食堂
    page.click("#m-toggle-controls")
    page.locator("input[name=layer][value=salons]").uncheck()
    _ready(page)
    page.select_option("#c-cov", "kodomo_shokudo")
    _ready(page)
    page.select_option("#c-wd", "5")
    _ready(page)
    q = parse_qs(urlparse(page.url).query)
    assert q["area"] and q["layers"] == ["engawa,kodomo_shokudo,support_branches"] and q["wd"] == ["5"]
    assert q["cov"] == ["kodomo_shokudo"] and q["on"] == ["2026-11-23"] and "c" in q and "z" in q
    assert page.locator("#map .place-icon [class*=pm-circle]").count() == 0      # salons are the circles
    n_places = page.locator("#map .place-icon").count()
    pdf_href = page.locator("#x-pdf-a3").get_attribute("href")
    assert "paper=A3" in pdf_href and "wd=5" in pdf_href and "area=" in pdf_href
    url, state = page.url, page.evaluate("() => window.meetingState")
    zoom = q["z"][0]
    context.close()

    # reload the link in a fresh browser: same view, same focus, same filters
    context, page = _page(browser, 1280, 720)
    page.goto(url)
    _ready(page)
    assert page.locator("#p-name").inner_text() == "生駒北小中学校"
    assert not page.locator("input[name=layer][value=salons]").is_checked()
    assert page.locator("#c-wd").input_value() == "5" and page.locator("#c-cov").input_value() == "kodomo_shokudo"
    assert page.locator("#map .place-icon").count() == n_places
    q2 = parse_qs(urlparse(page.url).query)
    assert q2["c"] == q["c"] and q2["z"] == [zoom]
    assert "子ども食堂" in page.locator("#legend-classes").inner_text()
    assert page.errors == [] and outside_requests(page) == []
    assert state["area"] == q["area"][0] and state["wd"] == "5"
    context.close()


def test_then_and_now_side_by_side(browser, live_server):
    context, page = _page(browser, 1920, 1080)
    page.goto(live_server + "/meeting?on=2026-11-23&then=2025-04-01&cov=salons")
    _ready(page)
    assert page.locator("#box-then").is_visible() and page.locator("#box-now").is_visible()
    assert page.locator("#m-date").inner_text() == "2025年4月1日（火） → 2026年11月23日（月）"
    assert "前: 2025年4月1日（火）" in page.locator("#label-then").inner_text()
    assert page.locator("#map-then .area-label").count() == 12 and page.locator("#map .area-label").count() == 12
    # the demo's places have no valid_from: nothing new or closed, all 73 unchanged
    assert page.locator("#cmp-new").inner_text() == "0" and page.locator("#cmp-unchanged").inner_text() == "73"
    assert "充足度が変わった区域はありません" in page.locator("#cmp-classes").inner_text()
    # the two maps move together
    before = page.locator("#map-then .area-label").first.bounding_box()
    page.locator("#map .leaflet-control-zoom-in").click()
    page.wait_for_timeout(600)
    after = page.locator("#map-then .area-label").first.bounding_box()
    assert before != after
    _in_viewport(page, "#attribution", 1920, 1080)
    assert page.errors == [] and outside_requests(page) == []
    context.close()


def test_untrusted_names_are_text(browser, demo_db_url, session_for):
    """A place name with markup shows as text in tooltips and lists, never as HTML."""
    import threading

    from geoalchemy2.elements import WKTElement
    from werkzeug.serving import make_server

    from helpers import make_app
    from geo.storage.models import Place

    s = session_for(demo_db_url)
    evil = '<img src=x onerror="window.pwned=1">'
    s.add_all([Place(layer="salons", name=evil, point=WKTElement("POINT(135.70 34.69)", srid=4326)),
               Place(layer="engawa", name=evil + "2", precision="hidden",
                     point=WKTElement("POINT(135.70 34.69)", srid=4326))])
    s.commit()
    server = make_server("127.0.0.1", 0, make_app(demo_db_url, TILE_URL=None), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        context, page = _page(browser, 1280, 720)
        page.goto(f"http://127.0.0.1:{server.server_port}/meeting?on=2026-11-23")
        _ready(page)
        assert evil + "2" in page.locator("#m-hidden-list").inner_text()
        assert page.locator("#map img[src=x], #m-side img").count() == 0
        assert page.evaluate("window.pwned") is None
        assert "背景地図なし" in page.locator("#attribution").inner_text()
        assert page.errors == [] and all(urlparse(u).hostname == "127.0.0.1" for u in page.requests
                                         if u.startswith("http"))
        context.close()
    finally:
        server.shutdown()
