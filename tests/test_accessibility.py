"""axe-core (vendored in tests/vendor/axe-core, axe 4.14.1, MPL-2.0 with its LICENSE) on every page, in both
languages, at phone (390x844) and desktop (1280x800) sizes: zero WCAG 2.2 A/AA violations.
One page load per page x language x size."""
import json
import re
import urllib.request
from pathlib import Path

import pytest

from helpers import open_page

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
# {place} and {area} are filled in from the demo served (a located place, the first elementary district)
PAGES = ["/", "/place/{place}", "/list", "/list?area={area}", "/coverage", "/meeting", "/imports", "/login",
         "/report", "/report?place={place}"]
# coordinator pages, logged in (as the admin, who may open every one of them)
COORDINATOR_PAGES = ["/manage", "/manage/places", "/manage/places/new", "/manage/places/{place}", "/manage/reports",
                     "/imports/new", "/admin/users"]
OPTIONAL = {"/login"}   # pages of features that may not be in this build (accounts)
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


AXE_PATH = "/__tests__/axe.min.js"


def axe_violations(page) -> list[dict]:
    # loaded as a same-origin file (the pages' CSP allows no inline script without the nonce)
    origin = "/".join(page.url.split("/")[:3])
    page.route(origin + AXE_PATH, lambda route: route.fulfill(status=200, body=AXE,
                                                              content_type="text/javascript"))
    page.add_script_tag(url=origin + AXE_PATH)
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
        response = page.goto(f"{live_server}{url}{'&' if '?' in url else '?'}lang={lang}")
        if path in OPTIONAL and response.status == 404:
            pytest.skip(f"{path} is not in this build")
        page.wait_for_load_state("networkidle")
        if path in READY:
            page.wait_for_selector(READY[path], state="attached")
        violations = axe_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_map_markers_clusters_and_areas_are_reachable_by_keyboard_with_names(browser, live_server, size):
    w, h = SIZES[size]
    context, page = open_page(browser, w, h)
    try:
        page.goto(f"{live_server}/?lang=ja")
        page.wait_for_selector("body[data-places-loaded]")
        page.wait_for_selector(".place-cluster")
        targets = page.evaluate("""() => Array.from(document.querySelectorAll(
              '#map .leaflet-marker-icon.place-icon, #map path.leaflet-interactive')).map(e => ({
            kind: e.tagName === 'path' ? 'area' : (e.classList.contains('place-cluster') ? 'cluster' : 'marker'),
            tab: e.getAttribute('tabindex'), role: e.getAttribute('role'),
            name: (e.getAttribute('aria-label') || e.getAttribute('title') || e.textContent || '').trim()}))""")
        kinds = {t["kind"] for t in targets}
        assert kinds == {"area", "cluster", "marker"}, kinds
        for t in targets:
            assert t["tab"] == "0" and t["name"], t
        clusters = [t for t in targets if t["kind"] == "cluster"]
        assert all(t["role"] == "button" and re.match(r"\d+件のまとまり（.+）", t["name"]) for t in clusters), clusters
        areas = [t["name"] for t in targets if t["kind"] == "area"]
        assert any(n.startswith("小学校区：") for n in areas) and any(n.startswith("中学校区：") for n in areas)
        # a cluster opens from the keyboard (Enter zooms in), an area shows its name when focused
        zoom = page.evaluate("() => TsunagariMap.of(document.getElementById('map')).map.getZoom()")
        page.locator("#map .place-cluster").first.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => TsunagariMap.of(document.getElementById('map')).map.getZoom() > {zoom}")
        page.locator("#map path.leaflet-interactive").first.focus()
        page.wait_for_selector(".leaflet-tooltip")
        # repeated buttons have names of their own
        page.locator("#search-q").fill("元町1丁目")
        page.locator("#search-button").click()
        page.wait_for_selector("#result-list > li button")
        names = page.locator("#result-list > li button").evaluate_all("bs => bs.map(b => b.textContent)")
        assert len(names) > 1 and len(set(names)) == len(names), names
        # the skip link goes to the search box
        page.reload()
        page.wait_for_selector("body[data-searches]")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.evaluate("() => location.hash") == "#search-q"
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_coordinator_pages_have_no_wcag_violations(browser, site, ids, lang, size):
    """Every coordinator page, logged in, in both languages at both sizes (one login per run)."""
    from accounts_helpers import PASSWORD

    w, h = SIZES[size]
    context, page = open_page(browser, w, h)
    try:
        page.goto(f"{site.base}/login?lang=ja")
        page.get_by_label("メールアドレス", exact=True).fill(site.admin)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_selector("#signed-in-as")
        found = {}
        for path in COORDINATOR_PAGES:
            url = path.format(**ids)
            response = page.goto(f"{site.base}{url}{'&' if '?' in url else '?'}lang={lang}")
            assert response.status == 200, (url, response.status)
            page.wait_for_load_state("networkidle")
            violations = axe_violations(page)
            if violations:
                found[url] = violations
        assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
        assert page.errors == []
    finally:
        context.close()
