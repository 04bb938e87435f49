"""Test fixtures: a throwaway embedded PostGIS (the same mechanism as `tsunagari db up`).

One cluster per test session under var/test-pg-<pid>, removed at the end. Two template databases are built once —
`tpl_empty` (migrated, no data) and `tpl_demo` (migrated + the 生駒市 demo) — and every
test that writes gets its own fresh copy (CREATE DATABASE ... TEMPLATE, ~0.2 s).
"""
from __future__ import annotations

import itertools
import os
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
REAL = (ROOT.parent / "shared" / "data" / "real") if (ROOT.parent / "shared").exists() else Path("/work/shared/data/real")
_counter = itertools.count()


@pytest.fixture(scope="session")
def real_data() -> Path:
    assert REAL.exists(), f"shared real data not found at {REAL}"
    return REAL


@pytest.fixture(scope="session")
def cluster():
    from geo.storage.embedded import throwaway_cluster

    # one cluster per pytest process, so parallel runs (developers, helpers, CI) never collide
    with throwaway_cluster(ROOT / "var" / f"test-pg-{os.getpid()}") as c:
        yield c


def _engine(url: str):
    return create_engine(url, poolclass=pool.NullPool)


@pytest.fixture(scope="session")
def templates(cluster):
    from geo.demo import load_demo

    cluster.migrated_database("tpl_empty")
    cluster.ensure_database("tpl_demo", template="tpl_empty")
    engine = _engine(cluster.url("tpl_demo"))
    with Session(engine) as s:
        load_demo(s)
        s.commit()
    engine.dispose()
    return cluster


def _fresh(cluster, template: str) -> str:
    name = f"t_{os.getpid()}_{next(_counter)}"
    cluster.ensure_database(name, template=template)
    return cluster.url(name)


@pytest.fixture
def empty_db_url(templates) -> str:
    """A fresh migrated database with no data."""
    return _fresh(templates, "tpl_empty")


@pytest.fixture
def demo_db_url(templates) -> str:
    """A fresh database with the demo loaded; the test may change it."""
    return _fresh(templates, "tpl_demo")


@pytest.fixture(scope="session")
def shared_demo_url(templates) -> str:
    """One demo database shared by read-only tests (the browser tests, API reads)."""
    return _fresh(templates, "tpl_demo")


@pytest.fixture
def session_for():
    opened = []

    def make(url: str) -> Session:
        engine = _engine(url)
        session = Session(engine, expire_on_commit=False)
        opened.append((session, engine))
        return session

    yield make
    for session, engine in opened:
        session.close()
        engine.dispose()


def make_app(url: str, **config):
    from web import create_app

    cfg = {"TESTING": True, "DATABASE_URL": url, "TILE_URL": None}
    cfg.update(config)
    return create_app(cfg)


@pytest.fixture
def demo_client(demo_db_url):
    return make_app(demo_db_url).test_client()


@pytest.fixture(scope="session")
def live_server(shared_demo_url):
    """The app served on a free localhost port in a thread, for the browser tests."""
    from werkzeug.serving import make_server

    app = make_app(shared_demo_url, TILE_URL="https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Debian's Chromium, never a downloaded one (TSUNAGARI_CHROMIUM only to point at another Debian path)
    chromium = os.environ.get("TSUNAGARI_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.fail(f"Debian's Chromium not found at {chromium}: run scripts/setup.sh")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


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
    from urllib.parse import urlparse

    return [u for u in page.requests if urlparse(u).scheme in ("http", "https")
            and urlparse(u).hostname not in ("127.0.0.1", "localhost") and urlparse(u).hostname not in TILE_HOSTS]
