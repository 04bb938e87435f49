"""Helpers the tests import (fixtures live in conftest.py): app factory, browser pages, data paths."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# Real open-data files (clipped where large) with their attribution: tests/fixtures/SOURCES.md
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_app(url: str, **config):
    from web import create_app

    cfg = {"TESTING": True, "DATABASE_URL": url, "TILE_URL": None}
    cfg.update(config)
    return create_app(cfg)


@contextmanager
def served(app):
    """The app served on a free localhost port in a thread, for the browser; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


TILE_HOSTS = {"cyberjapandata.gsi.go.jp"}


def open_page(browser, width: int = 1280, height: int = 900, **context_options):
    """A new browser context and page that record console errors (page.errors) and every
    request (page.requests). There is no internet here and tiles are optional, so tile
    requests are answered with an empty 204 instead of waiting."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ja-JP", **context_options)
    page = context.new_page()
    page.errors, page.requests = [], []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    page.route("https://cyberjapandata.gsi.go.jp/**", lambda route: route.fulfill(status=204, body=b""))
    return context, page


def outside_requests(page) -> list[str]:
    """Requests that left this machine, other than the optional base-map tiles."""
    return [u for u in page.requests if urlparse(u).scheme in ("http", "https")
            and urlparse(u).hostname not in ("127.0.0.1", "localhost") and urlparse(u).hostname not in TILE_HOSTS]
