"""Test fixtures: a throwaway embedded PostGIS (the same mechanism as `tsunagari db up`).

One cluster per test session under var/test-pg-<pid>, removed at the end. Two template databases are built once —
`tpl_empty` (migrated, no data) and `tpl_demo` (migrated + the 生駒市 demo) — and every
test that writes gets its own fresh copy (CREATE DATABASE ... TEMPLATE, ~0.2 s).
"""
from __future__ import annotations

import itertools
import os
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool
from sqlalchemy.orm import Session

from helpers import FIXTURES, ROOT, make_app, served

_counter = itertools.count()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real open-data files the tests read (tests/fixtures, attribution in SOURCES.md)."""
    return FIXTURES


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


@contextmanager
def _session_maker():
    """make(url) -> a Session on its own unpooled engine; every one is closed on the way out."""
    opened = []

    def make(url: str) -> Session:
        engine = _engine(url)
        session = Session(engine, expire_on_commit=False)
        opened.append((session, engine))
        return session

    try:
        yield make
    finally:
        for session, engine in opened:
            session.close()
            engine.dispose()


@pytest.fixture
def session_for():
    with _session_maker() as make:
        yield make


@pytest.fixture(scope="module")
def session_for_module():
    """session_for for module-scoped fixtures (a database built once per test module)."""
    with _session_maker() as make:
        yield make


@pytest.fixture(scope="module")
def s(shared_demo_url):
    """A session on the shared demo database, for tests that only read it (one per module)."""
    engine = _engine(shared_demo_url)
    session = Session(engine)
    yield session
    session.close()
    engine.dispose()


@pytest.fixture
def utc_server():
    """The process's own zone set to UTC, as on most servers (dates people see must stay Japan's)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture
def demo_client(demo_db_url):
    return make_app(demo_db_url).test_client()


@pytest.fixture(scope="session")
def live_server(shared_demo_url):
    """The app served on a free localhost port in a thread, for the browser tests."""
    app = make_app(shared_demo_url, TILE_URL="https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png")
    with served(app) as base:
        yield base


@pytest.fixture
def site(demo_db_url):
    """A writable demo database with accounts (accounts_helpers.Accounts), served on a free port:
    `site.base` is its address."""
    from accounts_helpers import Accounts, release

    accounts = Accounts(demo_db_url)
    with served(make_app(demo_db_url)) as base:
        accounts.base = base
        yield accounts
    release(demo_db_url)


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


# =========================================================================== accounts (#11)
# Logging in as each role: helpers in tests/accounts_helpers.py. The app's secret key comes from the
# environment here (never from the repository); each test process uses its own.
os.environ.setdefault("TSUNAGARI_SECRET_KEY", "test-only-" + os.urandom(16).hex())


@pytest.fixture
def accounts(demo_db_url):
    """One admin, a coordinator of 生駒市 (29209), one of 文京区 (13105), a viewer, on a fresh demo.
    The app's pooled connections to this test's database are closed afterwards (the cluster allows
    60 connections; every test database would otherwise keep its idle pool to the end)."""
    from accounts_helpers import Accounts, release

    yield Accounts(demo_db_url)
    release(demo_db_url)
