"""axe-core (vendored in tests/vendor/axe-core, axe 4.14.1, MPL-2.0 with its LICENSE) on every page, in both
languages, at phone (390x844) and desktop (1280x800) sizes: zero WCAG 2.2 A/AA violations.
One page load per page x language x size."""
import json
import urllib.request
from pathlib import Path

import pytest

from helpers import open_page

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
# {place} and {area} are filled in from the demo served (a located place, the first elementary district)
PAGES = ["/", "/place/{place}", "/list", "/list?area={area}", "/coverage", "/meeting", "/imports"]
# the element each page shows when its script has finished (axe must see the page as people do)
READY = {"/": "body[data-places-loaded]", "/coverage": ".leaflet-interactive", "/meeting": ".leaflet-interactive"}


@pytest.fixture(scope="module")
def ids(live_server) -> dict:
    def get(path):
        with urllib.request.urlopen(live_server + path) as r:
            return json.load(r)

    places = get("/api/places?near=34.6919,135.7006&limit=1")["features"]
    areas = get("/api/areas?kind=elementary")["features"]
    return {"place": places[0]["properties"]["id"], "area": "elementary:" + areas[0]["properties"]["code"]}


def axe_violations(page) -> list[dict]:
    page.add_script_tag(content=AXE)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [{"id": v["id"], "impact": v["impact"], "count": len(v["nodes"]),
             "nodes": [(n["target"], n.get("failureSummary", "")[:200]) for n in v["nodes"]][:4]}
            for v in result["violations"]]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_wcag_violations(browser, live_server, ids, path, lang, size):
    w, h = SIZES[size]
    context, page = open_page(browser, w, h)
    try:
        url = path.format(**ids)
        page.goto(f"{live_server}{url}{'&' if '?' in url else '?'}lang={lang}")
        page.wait_for_load_state("networkidle")
        if path in READY:
            page.wait_for_selector(READY[path], state="attached")
        violations = axe_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
        assert page.errors == []
    finally:
        context.close()
