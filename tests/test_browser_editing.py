"""Coordinators in Debian's Chromium: log in, create a place from an address, edit its schedule
with the preview, see it on the public map; a resident report approved and published; a stale
second edit refused with both versions shown; another municipality's place cannot be opened."""

import pytest
from sqlalchemy import select

from accounts_helpers import PASSWORD
from helpers import open_page
from geo import clock
from geo.places.schedule import format_next_ja, parse_schedule
from geo.storage.models import Place

pytestmark = pytest.mark.browser


def log_in(page, site, email):
    page.goto(site.base + "/login")
    page.get_by_label("メールアドレス", exact=True).fill(email)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_selector("#signed-in-as")


def test_create_edit_with_preview_and_see_it_on_the_public_map(browser, site):
    context, page = open_page(browser)
    try:
        log_in(page, site, site.ikoma)
        assert "生駒の担当" in page.locator("#signed-in-as").inner_text()
        page.click("#new-place")
        page.get_by_label("種類", exact=True).select_option("salons")
        page.get_by_label("名称 必須").fill("ブラウザで作ったサロン")
        page.get_by_label("住所", exact=True).fill("奈良県生駒市元町一丁目")
        page.click("#save")
        page.wait_for_selector("#saved")
        assert page.locator("#place-title").inner_text() == "ブラウザで作ったサロン"
        # geocoded from the address when saved; the match level is shown
        assert page.locator("#geocode-level").inner_text() in ("町丁目", "街区")
        assert page.locator("#location-now").inner_text().startswith("34.")
        # the schedule, previewed as the public page will read it before saving
        text = "毎月第2火曜日 10:00～12:00"
        expected = format_next_ja(parse_schedule(text, today=clock.today()), clock.today())
        assert expected.startswith("次回 ") and "（火）10:00" in expected
        page.get_by_label("日時（自由記述）", exact=True).fill(text)
        page.wait_for_function("() => document.getElementById('schedule-preview').textContent.length > 0")  # a function: the CSP allows no eval
        assert page.locator("#schedule-preview").inner_text() == expected
        page.click("#save")
        page.wait_for_selector("#saved")
        assert "毎月第2火曜日" in page.locator("#history").inner_text()
        assert page.locator("#history tr.change").count() == 2     # created, then the schedule
        # the public map finds it, with its next date
        public, ppage = open_page(browser)
        try:
            ppage.goto(site.base + "/")
            ppage.wait_for_selector("body[data-places-loaded]")
            ppage.get_by_label("住所・町名・場所の名前", exact=True).fill("ブラウザで作ったサロン")
            ppage.get_by_role("button", name="さがす", exact=True).click()
            ppage.wait_for_selector("#result-list li")
            first = ppage.locator("#result-list li").first.inner_text()
            assert "ブラウザで作ったサロン" in first and expected.split("–")[0] in first
            assert ppage.locator(".leaflet-marker-icon").count() > 0
            # its public page says when it was last confirmed
            ppage.goto(site.base + page.locator("#public-link").get_attribute("href"))
            today = clock.today()
            assert ppage.locator("#confirmed").inner_text() == f"{today.year}年{today.month}月に確認"
            assert not ppage.errors
        finally:
            public.close()
        assert not page.errors
    finally:
        context.close()


def test_resident_report_approved_and_published(browser, site):
    resident, rpage = open_page(browser)
    coord, cpage = open_page(browser)
    try:
        rpage.goto(site.base + "/")
        rpage.click("#tell-us")
        rpage.wait_for_selector("#pick-map .leaflet-tile-pane, #pick-map.leaflet-container")
        # without a base map the school districts show where one is (drawn by the one map module)
        assert rpage.locator("#pick-map path.leaflet-interactive").count() >= 10
        rpage.get_by_label("名称", exact=True).fill("住民が教えた子ども食堂")
        rpage.get_by_label("種類", exact=True).select_option("kodomo_shokudo")
        # pick the point on the map
        box = rpage.locator("#pick-map").bounding_box()
        rpage.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert rpage.locator("#f-lat").input_value().startswith("34.")
        rpage.get_by_label("内容", exact=True).fill("毎月第3土曜日のお昼にやっています")
        rpage.click("#report-submit")
        rpage.wait_for_selector("#report-done")
        # not public yet
        rpage.goto(site.base + "/api/search?q=住民が教えた子ども食堂")
        assert "住民が教えた子ども食堂\"" not in rpage.locator("body").inner_text().split('"matches"')[1].split("]")[0]
        log_in(cpage, site, site.ikoma)
        cpage.click("#open-reports")
        cpage.get_by_role("link", name=cpage.locator("#reports tbody tr").first.locator("a").inner_text()).click()
        assert "毎月第3土曜日" in cpage.locator(".report-message").inner_text()
        cpage.click("#approve")
        cpage.wait_for_selector("#saved")
        assert cpage.locator("#place-title").inner_text() == "住民が教えた子ども食堂"
        assert "住民からの報告" in cpage.locator("#history").inner_text()
        # published: the resident finds it
        rpage.goto(site.base + "/")
        rpage.wait_for_selector("body[data-places-loaded]")
        rpage.get_by_label("住所・町名・場所の名前", exact=True).fill("住民が教えた子ども食堂")
        rpage.get_by_role("button", name="さがす", exact=True).click()
        rpage.wait_for_selector("#result-list li")
        assert "住民が教えた子ども食堂" in rpage.locator("#result-list").inner_text()
        assert not rpage.errors and not cpage.errors
    finally:
        resident.close()
        coord.close()


def test_stale_second_edit_is_refused_with_both_versions(browser, site, session_for):
    s = session_for(site.url)
    place = s.scalar(select(Place).where(Place.layer == "engawa", Place.municipality_code == "29209").order_by(Place.id))
    first, p1 = open_page(browser)
    second, p2 = open_page(browser)
    try:
        log_in(p1, site, site.ikoma)
        log_in(p2, site, site.admin)
        for p in (p1, p2):
            p.goto(f"{site.base}/manage/places/{place.id}")
        p1.get_by_label("参加費", exact=True).fill("100円（お茶代）")
        p1.click("#save")
        p1.wait_for_selector("#saved")
        # the second coordinator still has the old page open
        p2.get_by_label("参加費", exact=True).fill("無料")
        p2.click("#save")
        p2.wait_for_selector("#conflict")
        row = p2.locator("#conflict tr.conflict-fees")
        assert row.locator(".yours").inner_text() == "無料"
        assert row.locator(".current").inner_text() == "100円（お茶代）"
        assert "ほかの人が先にこの場所を変更しました" in p2.locator("#conflict").inner_text()
        # nothing was lost: the first edit stands; saving again now is a deliberate choice
        s.expire_all()
        assert s.get(Place, place.id).fees == "100円（お茶代）"
        assert p2.get_by_label("参加費", exact=True).input_value() == "無料"
        p2.click("#save")
        p2.wait_for_selector("#saved")
        s.expire_all()
        assert s.get(Place, place.id).fees == "無料"
    finally:
        first.close()
        second.close()


def test_coordinator_cannot_open_another_municipalitys_place(browser, site, session_for):
    s = session_for(site.url)
    place = s.scalar(select(Place).where(Place.municipality_code == "29209").order_by(Place.id))
    context, page = open_page(browser)
    try:
        log_in(page, site, site.bunkyo)
        response = page.goto(f"{site.base}/manage/places/{place.id}")
        assert response.status == 403
        assert page.locator("#refused").inner_text() == "担当の市区町村ではないため開けません"
        assert page.locator("#place-form").count() == 0
        # and the list does not offer it
        page.goto(f"{site.base}/manage/places")
        assert place.name not in page.locator("#places").inner_text()
    finally:
        context.close()
