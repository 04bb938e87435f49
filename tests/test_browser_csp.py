"""The Content-Security-Policy breaks nothing: every page runs in Chromium with no CSP violation."""
import pytest

from helpers import open_page

pytestmark = pytest.mark.browser


def test_pages_run_under_the_csp(live_server, browser):
    context, page = open_page(browser)
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    try:
        for path in ["/", "/place/1", "/list", "/coverage", "/meeting", "/imports"]:
            resp = page.goto(live_server + path)
            assert resp.status == 200, path
            assert "frame-ancestors 'self'" in resp.headers["content-security-policy"]
            page.wait_for_load_state("load")
        page.goto(live_server + "/")
        page.wait_for_function("() => +document.body.getAttribute('data-places-loaded') > 0")
        # the list page's print button, wired by script now instead of onclick=
        page.add_init_script("window.print = () => { window.printed = true; };")
        page.goto(live_server + "/list")
        page.locator("a[href*='area=']").first.click()
        page.locator("#print-button").click()
        assert page.evaluate("() => window.printed") is True
    finally:
        context.close()
    assert violations == []
    assert [e for e in page.errors if "Content Security Policy" in e] == []
