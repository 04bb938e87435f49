"""The resident's path in Debian's Chromium: search, filter, open a place, language, print,
phone width, keyboard only, location refused or given."""
import re

import pytest

pytestmark = pytest.mark.browser


def _context(browser, **kw):
    opts = {"viewport": {"width": 1280, "height": 900}, "locale": "ja-JP"}
    opts.update(kw)
    context = browser.new_context(**opts)
    context.route("https://cyberjapandata.gsi.go.jp/**", lambda route: route.fulfill(status=204, body=b""))
    return context


@pytest.fixture
def page(browser):
    context = _context(browser)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def _search(page, text):
    page.get_by_label("住所・町名・場所の名前").fill(text)
    page.get_by_role("button", name="さがす", exact=True).click()
    page.wait_for_selector("#result-list li")


def test_search_by_address_shows_nearest_places_and_who_to_ask(page, live_server):
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    # landmarks and labels a screen reader announces
    assert page.get_by_role("search").count() == 1 and page.get_by_role("main").count() == 1
    assert page.get_by_role("banner").count() == 1 and page.get_by_role("contentinfo").count() == 1
    assert page.get_by_role("region", name="地図").count() == 1
    _search(page, "元町1丁目")
    status = page.locator("#search-status").inner_text()
    assert "奈良県生駒市元町一丁目" in status and "10件" in status
    items = page.locator("#result-list > li")
    assert items.count() == 10
    first = items.first.inner_text()
    assert re.search(r"約[\d,]+m・徒歩\d+分", first)
    assert re.search(r"次回 \d+月\d+日（.）|日程は直接お問い合わせください", first)
    metres = [int(re.search(r"約([\d,]+)m", items.nth(i).inner_text()).group(1).replace(",", ""))
              for i in range(items.count())]
    assert metres == sorted(metres)
    help_box = page.locator("#help-box")
    assert help_box.is_visible()
    assert "地域包括支援センター" in help_box.inner_text() and "電話" in help_box.inner_text()
    links = page.locator("#print-links a")
    assert links.count() == 3 and "/list?area=" in links.first.get_attribute("href")
    # the searched point is marked on the map
    assert page.locator(".origin-marker").count() == 1
    # 'show on map' opens that place's popup
    name = items.first.locator("h3").inner_text()
    items.first.get_by_role("button", name="地図で見る").click()
    page.wait_for_selector(".leaflet-popup-content")
    assert name in page.locator(".leaflet-popup-content").inner_text()
    assert page.errors == []


def test_filters_narrow_results_and_map(page, live_server):
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    _search(page, "元町1丁目")
    page.locator("#filters summary").click()
    for name in ("サロン・通いの場", "地域の縁側・居場所", "相談窓口・地域包括支援センター"):
        page.get_by_label(name, exact=False).first.uncheck()
    page.wait_for_function("() => [...document.querySelectorAll('#result-list .result-kind')].every(e => e.textContent.includes('子ども食堂'))")
    page.get_by_label("曜日").select_option("5")
    page.wait_for_function("() => [...document.querySelectorAll('#result-list .result-next')].every(e => e.textContent.includes('（土）'))")
    texts = page.locator("#result-list > li").all_inner_texts()
    assert 0 < len(texts) < 10
    assert all("子ども食堂" in t and "（土）" in t for t in texts)
    # the map shows only what matches, too
    page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon.pm-salons').length === 0")
    assert page.locator(".leaflet-marker-icon.pm-kodomo_shokudo").count() > 0
    # no match at all says so
    page.get_by_label("相談窓口あり").check()
    page.wait_for_function("() => document.querySelector('#search-status').textContent.includes('見つかりませんでした')")
    assert page.locator("#result-list > li").count() == 0
    assert page.errors == []


def test_open_a_place_page(page, live_server):
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    _search(page, "元町1丁目")
    link = page.locator("#result-list > li h3 a").first
    name = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/place/\d+\?q="))   # the search rides along
    assert page.locator("h1").inner_text() == name
    body = page.locator("main").inner_text()
    assert "情報の出典" in body and "架空" in body
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日（[月火水木金土日]）", page.locator("#updated").inner_text())
    assert re.search(r"次回 \d+月\d+日（.）|日程は直接お問い合わせください", body)
    page.get_by_role("link", name="地図にもどる").click()
    page.wait_for_url(re.compile(r"/\?q="))
    page.wait_for_selector("#result-list > li")          # the same search, restored
    assert page.locator("#result-list > li h3 a").first.inner_text() == name


def test_switch_language_and_back(page, live_server):
    page.goto(live_server + "/")
    page.locator("#lang-switch").click()
    page.wait_for_selector("html[lang=en]")
    assert page.locator("#search-h").inner_text() == "Find places near you"
    page.goto(live_server + "/")           # remembered by cookie
    assert page.locator("html").get_attribute("lang") == "en"
    page.wait_for_selector("body[data-places-loaded]")
    page.get_by_label("Address, town or place name").fill("元町1丁目")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_selector("#result-list li")
    assert re.search(r"about [\d,]+ m, \d+ min walk", page.locator("#result-list > li").first.inner_text())
    assert "Where to ask for help" in page.locator("#help-box").inner_text()
    page.locator("#lang-switch").click()
    page.wait_for_selector("html[lang=ja]")
    assert page.locator("#search-h").inner_text() == "近くの場所をさがす"
    assert page.errors == []


def test_print_view_of_an_area_list(page, live_server):
    page.goto(live_server + "/list")
    page.get_by_role("link", name="生駒小学校").click()
    page.wait_for_url(re.compile(r"/list\?area=\d+"))
    assert "生駒小学校（小学校区）場所の一覧" in page.locator("h1").inner_text()
    entries = page.locator(".entry")
    assert entries.count() > 0
    assert page.get_by_role("button", name="印刷する").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert not page.get_by_role("button", name="印刷する").is_visible()
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.entry h3')).fontSize)")
    body = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.entry dd')).fontSize)")
    assert size >= 22 and body >= 20      # large print: well above the usual 16 px
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes), boxes  # A4


def test_phone_width_layout_and_larger_text(browser, live_server):
    context = _context(browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(live_server + "/")
        page.wait_for_selector("body[data-places-loaded]")

        def fits():
            return page.evaluate("() => document.documentElement.scrollWidth") <= 360

        assert fits()
        for sel in ("#search-q", "#search-button", "#locate-button", "#filters summary", "#lang-switch", "#text-size"):
            box = page.locator(sel).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, sel
            assert box["height"] >= 40, f"{sel} is a small touch target"
        # the layer control is folded away on a phone and opens on demand
        assert not page.locator(".leaflet-control-layers-list").is_visible()
        page.locator(".leaflet-control-layers-toggle").click()
        assert page.locator(".leaflet-control-layers-list").is_visible()
        base = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        page.locator("#text-size").click()
        assert page.locator("#text-size").get_attribute("aria-pressed") == "true"
        page.reload()
        page.wait_for_selector("body[data-places-loaded]")
        assert "large-text" in page.locator("html").get_attribute("class")
        assert page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") > base
        page.locator("#search-q").fill("元町1丁目")
        page.locator("#search-button").click()
        page.wait_for_selector("#result-list li")
        assert fits()
        page.locator("#filters summary").click()
        assert fits()
        assert errors == []
    finally:
        context.close()


def test_keyboard_only_path(page, live_server):
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "検索へ移動"
    for _ in range(12):
        if page.evaluate("() => document.activeElement.id") == "search-q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "search-q"
    # focus is visible
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.type("元町1丁目")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result-list li")
    assert page.evaluate("() => document.activeElement.id") == "results-h"   # announced, and the next Tab is a result
    page.keyboard.press("Tab")
    active = page.evaluate("() => [document.activeElement.tagName, !!document.activeElement.closest('#result-list')]")
    assert active == ["A", True]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/place/\d+\?q="))   # the search rides along
    assert page.errors == []


def test_location_refused_and_given(browser, live_server):
    context = _context(browser)                      # no permission granted: the browser refuses
    page = context.new_page()
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    page.get_by_role("button", name="現在地から探す").click()
    page.wait_for_function("() => document.querySelector('#search-status').textContent.includes('住所か場所の名前')")
    assert "現在地" in page.locator("#search-status").inner_text()
    context.close()

    context = _context(browser, geolocation={"latitude": 34.6919, "longitude": 135.7006}, permissions=["geolocation"])
    page = context.new_page()
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-places-loaded]")
    page.get_by_role("button", name="現在地から探す").click()
    page.wait_for_selector("#result-list li")
    assert "「現在地」の近く" in page.locator("#search-status").inner_text()
    assert "地域包括支援センター" in page.locator("#help-box").inner_text()
    context.close()
