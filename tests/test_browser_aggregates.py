"""The aggregate map in Chromium with 100,000 places: a city view draws counts per square
(legible, a few hundred KB at most), street zoom draws the places themselves."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from helpers import make_app, open_page, served
from tests.test_aggregates import _generate

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dense_server(templates, session_for_module):
    name = f"agg100k_{os.getpid()}"      # a database of its own (the shared demo stays as it is)
    templates.ensure_database(name, template="tpl_demo")
    url = templates.url(name)
    s = session_for_module(url)
    _generate(s, 100_000)
    s.execute(text("ANALYZE place"))
    s.commit()
    with served(make_app(url)) as base:
        yield base


def _overlap(a, b) -> float:
    w = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(0, w) * max(0, h)


def test_city_view_of_100k_places_is_counted_in_squares(dense_server, browser):
    context, page = open_page(browser)
    api_bytes = []

    def on_finished(req):
        if "/api/" in req.url:
            api_bytes.append((req.url, req.sizes()["responseBodySize"]))
    page.on("requestfinished", on_finished)
    try:
        page.goto(dense_server + "/")
        page.wait_for_function("() => +document.body.getAttribute('data-aggregate-cells') > 0", timeout=120_000)
        page.wait_for_load_state("networkidle")
        cells = page.locator(".agg-cell")
        n = cells.count()
        assert n > 20
        assert page.get_attribute("body", "data-places-loaded") == "0"      # no wall of markers
        total = int(page.get_attribute("body", "data-aggregate-total"))
        assert total > 5000
        # the numbers add up to the total, and every circle says how many places it stands for
        counts = [int(c) for c in cells.evaluate_all("els => els.map(e => e.getAttribute('data-count'))")]
        assert sum(counts) == total
        texts = cells.evaluate_all("els => els.map(e => e.textContent)")
        assert all(t.rstrip("k").isdigit() for t in texts)
        # legible: circles do not sit on top of each other
        boxes = [cells.nth(i).bounding_box() for i in range(n)]
        boxes = [b for b in boxes if b]
        worst = max((_overlap(a, b) / min(a["width"] * a["height"], b["width"] * b["height"])
                     for i, a in enumerate(boxes) for b in boxes[i + 1:]), default=0)
        assert worst < 0.25
        # the hint says why there are numbers instead of places
        assert "件数" in page.inner_text("#map-status")
        # a few hundred KB at most for the whole view (the old way: megabytes of points)
        transferred = sum(size for _url, size in api_bytes)
        assert transferred <= 300 * 1024, api_bytes
        assert any("/api/aggregates" in u for u, _ in api_bytes)
        assert not any("/api/places?" in u and "bbox=" in u for u, _ in api_bytes)

        # clicking a square zooms in; at street zoom the places themselves are drawn
        page.evaluate("() => TsunagariMap.of(document.getElementById('map')).map.setView([34.70, 135.70], 16)")
        page.wait_for_function("() => +document.body.getAttribute('data-places-loaded') > 0", timeout=120_000)
        assert page.locator(".agg-cell").count() == 0
        assert page.get_attribute("body", "data-aggregate-cells") == "0"
    finally:
        context.close()
    assert [e for e in page.errors if "Content Security Policy" in e or "TypeError" in e] == []
