"""Production serving against the test cluster: health, security headers (CSP nonces on every
inline script), caching (ETag, 304), gzip, the postgis check of `db upgrade`, backup/restore round
trip, and the real gunicorn server with its JSON access log."""
from __future__ import annotations

import gzip
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from geo.storage.models import Area, Place
from scripts.cli import main
from helpers import ROOT, make_app

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.I)
INLINE_STYLE = re.compile(r"<style([^>]*)>", re.I)


def test_healthz_and_readyz(shared_demo_url):
    client = make_app(shared_demo_url).test_client()
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.get_json()["status"] == "ready" and r.get_json()["database"] == "ok"
    assert r.headers["Cache-Control"] == "no-store"


def _nonce(resp) -> str:
    csp = resp.headers["Content-Security-Policy"]
    m = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'", csp)
    assert m, csp
    return m.group(1)


PUBLIC_PAGES = ["/", "/m/29209/", "/place/1", "/list", "/coverage", "/meeting", "/login", "/report"]
MANAGE_PAGES = ["/manage", "/manage/places", "/manage/places/new", "/manage/places/1", "/manage/reports",
                "/imports", "/imports/new", "/admin/users"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_page_has_security_headers_and_nonced_inline_scripts(shared_demo_url, path):
    client = make_app(shared_demo_url).test_client()
    html = _check_page(client, path)
    if path == "/list":   # one area's printed list too (map, QR code as inline SVG)
        area = re.search(r'href="(/list\?area=[^"]+)"', html).group(1).replace("&amp;", "&")
        assert "<svg" in _check_page(client, area)


def test_coordinator_pages_have_security_headers_and_nonced_inline_scripts(accounts):
    client = accounts.client("admin")
    for path in MANAGE_PAGES:
        _check_page(client, path)


def _check_page(client, path):
    r = client.get(path)
    assert r.status_code == 200, path
    h = r.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    csp = h["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'self'", "object-src 'none'", "base-uri 'self'"):
        assert directive in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    html = r.get_data(as_text=True)
    assert not re.search(r"\son(click|submit|load|change|error)=", html, re.I), "inline event handler"
    scripts = [a for a in INLINE_SCRIPT.findall(html) if "application/json" not in a and "application/ld+json" not in a]
    styles = INLINE_STYLE.findall(html)
    if scripts or styles:
        nonce = _nonce(r)
        for attrs in scripts + styles:
            assert f'nonce="{nonce}"' in attrs, (path, attrs)
    # a fresh nonce for every response
    if scripts:
        assert _nonce(client.get(path)) != _nonce(r)
    return html


def test_signed_in_and_private_answers_are_not_publicly_cacheable(accounts):
    """A coordinator's history (under /api/places/...) and anything asked with a session cookie
    never carry `Cache-Control: public`; the public answers do."""
    anonymous = accounts.client(None)
    assert anonymous.get("/api/places?near=34.69,135.70&limit=3").headers["Cache-Control"].startswith("public")
    admin = accounts.client("admin")
    for url in ("/api/places/1/history", "/api/places/1", "/api/places?near=34.69,135.70&limit=3"):
        r = admin.get(url)
        assert r.status_code == 200, url
        assert "public" not in r.headers.get("Cache-Control", ""), url


def test_api_sends_headers_etag_and_304(shared_demo_url):
    client = make_app(shared_demo_url).test_client()
    url = "/api/places?bbox=135.6,34.6,135.8,34.8"
    r = client.get(url)
    assert r.status_code == 200 and r.get_json()["features"]
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    assert "Cookie" in r.headers["Vary"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    etag = r.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get(url + "&lang=en", headers={"If-None-Match": etag}).status_code == 200
    # errors are not cached
    bad = client.get("/api/places?bbox=1,2,3")
    assert bad.status_code == 400 and "Cache-Control" not in bad.headers


def test_large_responses_are_gzipped(shared_demo_url):
    client = make_app(shared_demo_url).test_client()
    url = "/api/places?bbox=135.6,34.6,135.8,34.8"
    plain = client.get(url)
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert len(r.get_data()) < len(plain.get_data()) / 3
    assert json.loads(gzip.decompress(r.get_data())) == plain.get_json()
    assert r.headers["ETag"] != plain.headers["ETag"]
    assert client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": r.headers["ETag"]}).status_code == 304
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


def test_db_upgrade_creates_postgis(cluster, monkeypatch):
    cluster.psql("DROP DATABASE IF EXISTS no_postgis")
    cluster.psql("CREATE DATABASE no_postgis TEMPLATE template0")
    assert cluster.psql("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'", dbname="no_postgis") == "0"
    monkeypatch.setenv("DATABASE_URL", cluster.url("no_postgis"))
    r = CliRunner().invoke(main, ["db", "upgrade"])
    assert r.exit_code == 0, r.output
    assert "created the postgis extension" in r.output and re.search(r"schema revision: \d{4}", r.output)
    assert cluster.psql("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'", dbname="no_postgis") == "1"
    # and, at head, the national gazetteer is loaded into the new database
    assert re.search(r"住所データ（全国） [\d,]+ 件 読み込みました \(loaded\)", r.output), r.output
    towns = int(cluster.psql("SELECT count(*) FROM gazetteer_entry", dbname="no_postgis"))
    assert towns > 100_000
    r = CliRunner().invoke(main, ["db", "upgrade"])  # the second time: nothing to create or load
    assert r.exit_code == 0 and "created the postgis" not in r.output
    assert "最新です (up to date)" in r.output, r.output
    assert int(cluster.psql("SELECT count(*) FROM gazetteer_entry", dbname="no_postgis")) == towns


def test_db_upgrade_says_what_to_run_when_it_may_not_create_postgis(cluster, monkeypatch):
    cluster.psql("DROP DATABASE IF EXISTS not_mine")
    cluster.psql("DROP ROLE IF EXISTS app_owner")
    cluster.psql("CREATE ROLE app_owner LOGIN")
    cluster.psql("CREATE DATABASE not_mine OWNER app_owner TEMPLATE template0")
    url = cluster.url("not_mine").replace("postgres@", "app_owner@")
    monkeypatch.setenv("DATABASE_URL", url)
    r = CliRunner().invoke(main, ["db", "upgrade"])
    assert r.exit_code == 1
    assert "psql -d not_mine -c 'CREATE EXTENSION IF NOT EXISTS postgis;'" in r.output
    assert "app_owner" in r.output and "superuser" in r.output
    assert 'type "geometry" does not exist' not in r.output
    assert cluster.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", dbname="not_mine") == "0"


def _snapshot(session) -> dict:
    return {
        "places": session.execute(select(Place.id, Place.name, Place.layer, func.ST_AsText(Place.point),
                                         func.ST_AsText(Place.public_point)).order_by(Place.id)).all(),
        "areas": session.scalar(select(func.count()).select_from(Area)),
        "area_hash": session.scalar(text("SELECT md5(string_agg(code || name || ST_AsText(geom), ',' ORDER BY id)) FROM area")),
        "revision": session.scalar(text("SELECT version_num FROM alembic_version")),
        "tables": session.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")),
        "rows": {t: session.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in session.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"))},
    }


def test_backup_and_restore_round_trip(demo_db_url, empty_db_url, session_for, monkeypatch, tmp_path):
    s = session_for(demo_db_url)
    before = _snapshot(s)
    assert len(before["places"]) == 73 and before["areas"] > 100
    s.close()
    monkeypatch.setenv("DATABASE_URL", demo_db_url)
    dump = tmp_path / "tsunagari.dump"
    r = CliRunner().invoke(main, ["backup", str(dump)])
    assert r.exit_code == 0, r.output
    assert dump.read_bytes()[:5] == b"PGDMP"          # pg_dump custom format
    assert not (tmp_path / "tsunagari.dump.partial").exists()

    # damage the data: delete places, rename an area, drop a table's rows
    s = session_for(demo_db_url)
    s.execute(text("DELETE FROM place WHERE id % 2 = 0"))
    s.execute(text("UPDATE area SET name = 'こわれた' WHERE id = (SELECT min(id) FROM area)"))
    s.commit()
    assert _snapshot(s) != before
    s.close()

    # a file that is not an archive is refused before anything is touched
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a dump")
    r = CliRunner().invoke(main, ["restore", str(junk), "--yes"])
    assert r.exit_code == 1 and "not a pg_dump custom-format archive" in r.output

    r = CliRunner().invoke(main, ["restore", str(dump)], input="n\n")
    assert r.exit_code == 1  # declined: nothing done
    r = CliRunner().invoke(main, ["restore", str(dump), "--yes"])
    assert r.exit_code == 0, r.output
    s = session_for(demo_db_url)
    assert _snapshot(s) == before
    s.close()

    # and into another, empty database
    monkeypatch.setenv("DATABASE_URL", empty_db_url)
    r = CliRunner().invoke(main, ["restore", str(dump), "--yes"])
    assert r.exit_code == 0, r.output
    s = session_for(empty_db_url)
    assert _snapshot(s) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_gunicorn_with_json_access_log(shared_demo_url, tmp_path):
    port = _free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = dict(os.environ, DATABASE_URL=shared_demo_url, PYTHONPATH=str(ROOT), TSUNAGARI_TILES="none")
    proc = subprocess.Popen([sys.executable, "-m", "scripts.cli", "serve", "--port", str(port), "--workers", "2",
                             "--max-requests", "4", "--access-log", str(access), "--error-log", str(errors)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):     # wait for the workers to boot (not a speed check)
            try:
                with urllib.request.urlopen(base + "/healthz") as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        with urllib.request.urlopen(base + "/api/places?near=34.69,135.70&limit=3") as resp:
            assert resp.status == 200
            assert len(json.load(resp)["features"]) == 3
        with urllib.request.urlopen(base + "/readyz") as resp:
            assert json.load(resp)["status"] == "ready"
        for _ in range(12):   # --max-requests 4: workers are replaced, and the service goes on
            for _ in range(50):
                try:
                    with urllib.request.urlopen(base + "/healthz") as resp:
                        assert resp.status == 200
                    break
                except OSError:   # a worker closing its socket while it is replaced
                    time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lines = [json.loads(l) for l in access.read_text().splitlines()]
    hit = [l for l in lines if l["path"] == "/api/places"]
    assert hit and hit[0]["status"] == 200 and hit[0]["query"] == "near=34.69,135.70&limit=3" and hit[0]["ms"] >= 0
    err = [json.loads(l) for l in errors.read_text().splitlines() if l.strip()]
    assert any("Booting worker" in e["message"] for e in err)
    assert any("Autorestarting worker" in e["message"] for e in err)
    assert all(set(e) >= {"time", "level", "message"} for e in err)


def test_lean_rows_give_the_same_public_output_as_place_objects(shared_demo_url, session_for):
    """The hot paths read rows of the public columns; what they output must not change."""
    from geo.places import queries, search
    s = session_for(shared_demo_url)
    for filters in (search.Filters(), search.Filters(layers=("salons",)), search.Filters(band="morning")):
        full = search.nearest(s, 34.69, 135.70, filters, 30)
        lean = search.nearest(s, 34.69, 135.70, filters, 30, lean=True)
        assert [search.feature(p, "ja", distance=d) for p, d in full] == \
               [search.feature(p, "ja", distance=d) for p, d in lean]
        box = queries.BBox(135.6, 34.6, 135.8, 34.8)
        rows, cut = search.in_bbox(s, box, filters, 50)
        lean_rows, lean_cut = search.in_bbox(s, box, filters, 50, lean=True)
        assert cut == lean_cut and [search.feature(p, "en") for p in rows] == [search.feature(p, "en") for p in lean_rows]
    # the compiled nearest statement (ranked in metres by the database, the batch grown when the
    # check says a nearer place may be beyond it) gives what the general path gives, anywhere
    for lat, lon, limit in ((34.69, 135.70, 1), (34.69, 135.70, 10), (34.70, 135.72, 200),
                            (43.06, 141.35, 25), (26.21, 127.68, 3)):
        full = queries.nearest_places(s, lat, lon, limit=limit)
        lean = queries.nearest_places(s, lat, lon, limit=limit, lean=True)
        assert [(p.id, round(d, 3)) for p, d in full] == [(p.id, round(d, 3)) for p, d in lean], (lat, lon, limit)
        assert len(lean) == min(limit, len(queries.nearest_places(s, lat, lon, limit=100_000)))
    row = search.nearest(s, 34.69, 135.70, limit=1, lean=True)[0][0]
    assert "point" not in row._fields and "public_point" not in row._fields


def test_hot_api_reads_run_in_autocommit_and_other_requests_in_a_transaction(shared_demo_url):
    from web import db_session
    app = make_app(shared_demo_url)
    for path, method, autocommit in [("/api/places", "GET", True), ("/api/search", "GET", True),
                                     ("/hsds/services", "GET", False), ("/", "GET", False),
                                     ("/api/places", "POST", False)]:
        with app.test_request_context(path, method=method):
            app.preprocess_request()
            from flask import request
            request.url_rule = app.url_map.bind("localhost").match(path, method="GET", return_rule=True)[0]
            session = db_session()
            assert session.connection().connection.dbapi_connection.autocommit is autocommit, (path, method)
