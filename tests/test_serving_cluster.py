"""Database down and read replicas, on a throwaway primary (and its streaming standby) of their
own, since these tests stop and start servers."""
from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import text

from geo.storage import migrate, routing
from geo.storage.db import dispose_engines
from geo.storage.embedded import cluster_at, throwaway_cluster
from geo.storage.replica import replica_down, replica_status, replica_up
from helpers import ROOT, make_app

NEAR = "/api/places?near=34.69,135.70&limit=5"


@pytest.fixture(scope="module")
def primary():
    with throwaway_cluster(ROOT / "var" / f"test-srv-{os.getpid()}") as c:
        yield from _with_places(c)


def _with_places(c):
    migrate.upgrade(c.url())
    c.psql("INSERT INTO dataset (name, kind, fictional) VALUES ('test', 'places', true)", dbname="tsunagari")
    c.psql("""INSERT INTO place (layer, name, point, precision, status, fictional, dataset_id, source_id)
              SELECT 'salons', 'サロン ' || i, ST_SetSRID(ST_MakePoint(135.70 + i * 0.001, 34.69), 4326),
                     'exact', 'active', true, 1, 's' || i FROM generate_series(1, 20) AS i""", dbname="tsunagari")
    yield c


@pytest.fixture(scope="module")
def standby(primary):
    s = cluster_at(ROOT / "var" / f"test-srv-{os.getpid()}-replica")
    s.destroy()
    yield replica_up(primary, s)
    dispose_engines()
    s.destroy()


def _wait_after_breaker() -> None:
    time.sleep(routing.PRIMARY_RETRY_S + 0.2)


def test_database_down_gives_503_with_retry_after_then_recovers(primary):
    app = make_app(primary.url(), DATABASE_REPLICA_URLS=[])
    client = app.test_client()
    assert client.get(NEAR).status_code == 200
    assert client.get("/readyz").status_code == 200

    primary.stop()
    try:
        for _ in range(3):   # the first request finds the server gone, the next ones hit the breaker
            r = client.get(NEAR)
            assert r.status_code == 503
            assert r.headers["Retry-After"] == "5" and r.headers["Cache-Control"] == "no-store"
            body = r.get_json()
            assert body["code"] == "database_unavailable" and "データベース" in body["error"]
        assert client.get(NEAR + "&lang=en").get_json()["error"].startswith("The database cannot be reached")
        page = client.get("/?lang=ja")
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        html = page.get_data(as_text=True)
        assert "データベースに接続できない" in html and 'id="db-unavailable"' in html
        assert "Traceback" not in html and "OperationalError" not in html
        assert "The database cannot be reached" in client.get("/?lang=en").get_data(as_text=True)
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200     # the process itself is fine
    finally:
        primary.start()
    _wait_after_breaker()
    # back without restarting the app: the stale pooled connections are replaced (pool_pre_ping)
    r = client.get(NEAR)
    assert r.status_code == 200 and len(r.get_json()["features"]) == 5
    assert client.get("/").status_code == 200
    assert client.get("/readyz").status_code == 200


def _backend(app, method: str):
    from web import db_session
    with app.test_request_context("/api/places", method=method):
        session = db_session()
        return session.info["backend"].role, session.scalar(text("SELECT pg_is_in_recovery()"))


def _wait_replayed(primary, standby) -> None:
    target = primary.psql("SELECT pg_current_wal_insert_lsn()")
    for _ in range(200):
        if standby.psql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
            return
        time.sleep(0.05)
    raise AssertionError("the standby did not catch up")


def test_replica_routing_and_fallback(primary, standby):
    st = replica_status(primary, standby)
    assert st["state"] == "streaming"
    primary.psql("UPDATE place SET name = 'レプリカで読む' WHERE source_id = 's1'", dbname="tsunagari")
    _wait_replayed(primary, standby)

    app = make_app(primary.url(), DATABASE_REPLICA_URLS=[standby.url()])
    client = app.test_client()
    assert _backend(app, "GET") == ("replica", True)
    assert _backend(app, "HEAD") == ("replica", True)
    assert _backend(app, "POST") == ("primary", False)
    r = client.get("/api/places?near=34.69,135.70&limit=20")
    assert r.status_code == 200
    assert "レプリカで読む" in {f["properties"]["name"] for f in r.get_json()["features"]}
    assert client.get("/readyz").get_json()["replicas"] == {"configured": 1, "answering": 1}

    # reads keep working from the standby while the primary is down
    primary.stop()
    try:
        assert client.get(NEAR).status_code == 200
        assert client.get("/readyz").status_code == 503
    finally:
        primary.start()

    # a stopped replica is skipped: reads fall back to the primary
    replica_down(primary, standby)
    try:
        _wait_after_breaker()
        assert _backend(app, "GET") == ("primary", False)
        r = client.get(NEAR)
        assert r.status_code == 200 and len(r.get_json()["features"]) == 5
        assert client.get("/readyz").get_json()["replicas"] == {"configured": 1, "answering": 0}
        # two replicas, one of them dead: the live one serves
        app2 = make_app(primary.url(), DATABASE_REPLICA_URLS=[standby.url(), primary.url()])
        assert app2.test_client().get(NEAR).status_code == 200
    finally:
        replica_up(primary, standby)
    assert replica_status(primary, standby)["state"] in ("streaming", "running (not streaming)")
