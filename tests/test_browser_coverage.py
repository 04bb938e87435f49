"""The /coverage page in Debian's Chromium: choropleth, legend, filters, CSV download."""

import pytest

from helpers import open_page, outside_requests

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, live_server):
    context, page = open_page(browser, accept_downloads=True)
    yield page
    context.close()


def test_coverage_page_map_legend_filter_csv(page, live_server):
    page.goto(live_server + "/coverage")
    page.wait_for_selector("path.cov-area")
    # choropleth: one path per 小学校区, filled by class with a pattern (not colour alone)
    assert page.locator("path.cov-area").count() == 12
    none_paths = page.locator("path.cov-none")
    assert none_paths.count() >= 1
    fill = page.evaluate("() => getComputedStyle(document.querySelector('path.cov-none')).fill")
    assert "cov-pat-none" in fill
    # labels on the map say the class in words too (or, where there is no room, the numbered list beside it)
    page.wait_for_function("() => document.querySelectorAll('#cov-map .map-label[data-state]').length >= 12")
    page.wait_for_timeout(100)
    on_map = page.locator("#cov-map .map-label[data-state=full] .cov-label", has_text="空白").count()
    listed = page.locator("#cov-numbers li", has_text="空白").count()
    assert on_map + listed == none_paths.count()
    legend = page.locator("#cov-legend")
    assert legend.is_visible()
    for words in ("空白", "手薄", "充足", "凡例"):
        assert words in legend.inner_text()

    # the table ranks the 空白 districts first
    first = page.locator("#cov-table tbody tr").first
    assert "空白" in first.inner_text()
    rows_kodomo = page.locator("#cov-table tbody tr").count()
    assert rows_kodomo == 12

    # changing the area kind reloads with 中学校区: 8 rows, and the layer too
    with page.expect_navigation():
        page.select_option("#cov-kind", "junior_high")
    page.wait_for_selector("path.cov-area")
    assert page.locator("#cov-table tbody tr").count() == 8
    assert "kind=junior_high" in page.url
    with page.expect_navigation():
        page.select_option("#cov-layer", "salons")
    page.wait_for_selector("path.cov-area")
    assert "layer=salons" in page.url
    assert "サロン" in page.locator("#cov-legend").inner_text()
    assert page.locator("#cov-table thead").inner_text().count("65歳以上") == 1

    # CSV download opens cleanly in Excel: UTF-8 with a BOM
    with page.expect_download() as info:
        page.click("#cov-csv")
    path = info.value.path()
    data = open(path, "rb").read()
    assert data.startswith(b"\xef\xbb\xbf") and "順位".encode() in data[:40]

    # a click on the map adds a candidate point to the form
    page.locator("#cov-map").scroll_into_view_if_needed()
    box = page.locator("#cov-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert "," in page.locator("#cov-points").input_value()

    assert page.errors == []
    assert outside_requests(page) == []


def test_coverage_candidates_in_english(page, live_server):
    page.goto(live_server + "/coverage?lang=en&layer=kodomo_shokudo&kind=elementary&suggest=1"
                            "&cand_layer=support_branches&k=2")
    page.wait_for_selector("path.cov-area")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Suggested sites" in page.locator("#cov-suggestion").inner_text()
    assert page.locator("#cov-chosen tbody tr").count() == 2
    assert page.locator("path.cov-chosen").count() == 2         # the chosen sites' walking circles
    assert page.errors == []
