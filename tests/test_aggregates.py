"""The aggregate map: places counted per grid cell and layer, from public points only."""
from __future__ import annotations

import json

from sqlalchemy import text

from geo.places import aggregates as agg
from helpers import make_app

DEMO_BOX = "135.60,34.60,135.80,34.80"
GEN_BOX = (135.45, 34.45, 135.95, 34.95)


def _generate(session, n: int) -> None:
    """n fictional places spread over GEN_BOX: mixed layers, 1 in 50 hidden, 1 in 12 approximate."""
    session.execute(text("INSERT INTO dataset (name, kind, fictional) VALUES ('gen', 'places', true)"))
    session.execute(text("""
        INSERT INTO place (layer, name, point, precision, status, fictional, dataset_id, source_id)
        SELECT (ARRAY['salons','salons','engawa','kodomo_shokudo','support_branches'])[1 + i % 5], '生成 ' || i,
               ST_SetSRID(ST_MakePoint(:w + random() * (:e - :w), :s + random() * (:n - :s)), 4326),
               CASE WHEN i % 50 = 0 THEN 'hidden' WHEN i % 12 = 0 THEN 'approximate' ELSE 'exact' END,
               'active', true, (SELECT max(id) FROM dataset), 'g' || i
        FROM generate_series(1, :count) AS i"""),
        {"w": GEN_BOX[0], "s": GEN_BOX[1], "e": GEN_BOX[2], "n": GEN_BOX[3], "count": n})
    session.commit()


def _count(session, box, layer=None) -> int:
    w, s, e, n = box
    sql = ("SELECT count(*) FROM place WHERE public_point IS NOT NULL AND status = 'active' "
           "AND ST_X(public_point) BETWEEN :w AND :e AND ST_Y(public_point) BETWEEN :s AND :n")
    if layer:
        sql += " AND layer = :layer"
    return session.scalar(text(sql), {"w": w, "s": s, "e": e, "n": n, "layer": layer})


def test_demo_view_says_points(shared_demo_url, session_for):
    r = make_app(shared_demo_url).test_client().get(f"/api/aggregates?bbox={DEMO_BOX}&zoom=12")
    assert r.status_code == 200
    body = r.get_json()
    assert body["mode"] == "points"              # a town's worth of places: draw them one by one
    assert body["total"] == _count(session_for(shared_demo_url), (135.60, 34.60, 135.80, 34.80))
    assert body["layers"] == ["salons", "engawa", "kodomo_shokudo", "support_branches"]
    assert all(c[2] == sum(c[3]) for c in body["cells"])


def test_dense_view_is_counted_in_cells(empty_db_url, session_for):
    s = session_for(empty_db_url)
    _generate(s, 8000)
    client = make_app(empty_db_url).test_client()
    # the tiles x 1795..1796, y 812..813 at zoom 11 (the answer covers whole tiles)
    nw, se = agg.tile_bounds(1795, 812, 11), agg.tile_bounds(1796, 813, 11)
    box = (nw.west, se.south, se.east, nw.north)
    eps = 1e-6
    r = client.get("/api/aggregates?bbox=%s,%s,%s,%s&zoom=11" % (box[0] + eps, box[1] + eps, box[2] - eps, box[3] - eps))
    assert r.status_code == 200
    body = r.get_json()
    assert body["mode"] == "cells" and body["cell_px"] == 64
    assert body["total"] == _count(s, box) > agg.POINTS_MAX
    hidden = s.scalar(text("SELECT count(*) FROM place WHERE public_point IS NULL"))
    assert hidden == 160                          # never counted
    for lat, lon, total, per_layer in body["cells"]:
        assert box[1] <= lat <= box[3] and box[0] <= lon <= box[2]
        assert total == sum(per_layer) > 0
    by_layer = [sum(c[3][i] for c in body["cells"]) for i in range(4)]
    assert by_layer == [_count(s, box, layer) for layer in body["layers"]]
    # one layer only
    only = client.get(r.request.url.replace("zoom=11", "zoom=11&layer=engawa")).get_json()
    assert only["layers"] == ["engawa"] and only["total"] == _count(s, box, "engawa")
    # the same answer from the tile cache, and an ETag for HTTP caches
    again = client.get(r.request.url)
    assert again.get_json() == body and again.headers["ETag"]
    # street zoom: points, whatever the count
    assert client.get("/api/aggregates?bbox=135.70,34.70,135.71,34.71&zoom=16").get_json()["mode"] == "points"


def test_cells_are_placed_by_public_points_only(empty_db_url, session_for):
    s = session_for(empty_db_url)
    s.execute(text("INSERT INTO dataset (name, kind, fictional) VALUES ('gen', 'places', true)"))
    # one approximate place alone in its cell, one hidden place next to it
    s.execute(text("""INSERT INTO place (layer, name, point, precision, status, fictional, dataset_id, source_id) VALUES
        ('salons', 'ぼかした場所', ST_SetSRID(ST_MakePoint(141.351234, 43.061234), 4326), 'approximate', 'active', true, 1, 'a'),
        ('salons', '非公開の場所', ST_SetSRID(ST_MakePoint(141.352, 43.062), 4326), 'hidden', 'active', true, 1, 'h')"""))
    s.commit()
    pub = s.execute(text("SELECT ST_Y(public_point), ST_X(public_point) FROM place WHERE source_id = 'a'")).one()
    body = make_app(empty_db_url).test_client().get("/api/aggregates?bbox=141.0,42.8,141.7,43.3&zoom=9").get_json()
    assert len(body["cells"]) == 1
    lat, lon, total, per_layer = body["cells"][0]
    assert total == 1 and per_layer == [1, 0, 0, 0]
    assert (lat, lon) == (round(pub[0], 5), round(pub[1], 5))
    assert (lat, lon) != (43.06123, 141.35123)          # not the true point
    assert "141.351234" not in json.dumps(body)


def test_bad_aggregate_requests(shared_demo_url):
    client = make_app(shared_demo_url).test_client()
    for url in ["/api/aggregates?bbox=135.6,34.6,135.8,34.8", "/api/aggregates?bbox=135.6,34.6,135.8,34.8&zoom=x",
                "/api/aggregates?bbox=135.6,34.6,135.8,34.8&zoom=21", "/api/aggregates?zoom=12",
                "/api/aggregates?bbox=120,20,150,46&zoom=14", "/api/aggregates?bbox=135.6,34.6,135.8,34.8&zoom=12&layer=nope"]:
        r = client.get(url)
        assert r.status_code == 400, url
        assert r.get_json()["error"]
