"""The Content-Security-Policy breaks nothing: every page — public, the login page, the report
form, the printed list with its QR code, and the coordinators' pages — runs in Chromium with no
CSP violation and no script error."""

import pytest

from accounts_helpers import PASSWORD
from helpers import open_page

pytestmark = pytest.mark.browser

PUBLIC = ["/", "/m/29209/", "/place/1", "/list", "/coverage", "/meeting", "/login", "/report"]
MANAGE = ["/manage", "/manage/places", "/manage/places/new", "/manage/places/1", "/manage/reports",
          "/imports", "/imports/new", "/admin/users"]


def _watch(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    return violations


def _visit(page, base: str, path: str) -> None:
    resp = page.goto(base + path)
    assert resp.status == 200, path
    assert "frame-ancestors 'self'" in resp.headers["content-security-policy"]
    assert "'unsafe-inline'" not in resp.headers["content-security-policy"].split("script-src", 1)[1].split(";")[0]
    page.wait_for_load_state("load")


def test_public_pages_run_under_the_csp(live_server, browser):
    context, page = open_page(browser)
    violations = _watch(page)
    try:
        for path in PUBLIC:
            _visit(page, live_server, path)
        page.goto(live_server + "/")
        page.wait_for_function("() => +document.body.getAttribute('data-places-loaded') > 0")
        # the report form's pick map is drawn by its script
        page.goto(live_server + "/report")
        page.wait_for_selector("#pick-map .leaflet-container, #pick-map.leaflet-container")
        # the printed list with its map and QR code (inline SVG); the print button is wired by script
        page.add_init_script("window.print = () => { window.printed = true; };")
        page.goto(live_server + "/list")
        page.locator("a[href*='area=']").first.click()
        page.wait_for_selector(".qr-box svg")
        page.locator("#print-button").click()
        assert page.evaluate("() => window.printed") is True
    finally:
        context.close()
    assert violations == []
    assert page.errors == []


def test_coordinator_pages_run_under_the_csp(browser, site):
    context, page = open_page(browser)
    violations = _watch(page)
    try:
        page.goto(site.base + "/login")
        page.get_by_label("メールアドレス", exact=True).fill(site.admin)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_selector("#signed-in-as")
        for path in MANAGE:
            _visit(page, site.base, path)
        # the edit form's pick map and schedule preview run (scripts from static files)
        page.goto(site.base + "/manage/places/1")
        page.wait_for_selector("#pick-map.leaflet-container, #pick-map .leaflet-container")
    finally:
        context.close()
    assert violations == []
    assert page.errors == []
