"""OGC API – Features under /ogc, against the demo served over real HTTP (live_server), read by
GDAL's own OAPIF driver (Debian's gdal-bin) as QGIS would, and checked for private points."""
from __future__ import annotations

import json
import shutil
import subprocess

import jsonschema
import pytest
import requests
from sqlalchemy import text

needs_gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None,
                                reason="GDAL (Debian's gdal-bin) is not installed: run scripts/setup.sh")

PLACE_LAYERS = ("salons", "engawa", "kodomo_shokudo", "support_branches")


def get(url, **kw):
    r = requests.get(url, timeout=60, **kw)
    return r


@pytest.fixture(scope="module")
def private_points(shared_demo_url):
    """The true points of every place that is not exact (approximate and hidden), straight from
    the database, and the hidden places' ids."""
    from sqlalchemy import create_engine, pool

    engine = create_engine(shared_demo_url, poolclass=pool.NullPool)
    with engine.connect() as s:
        rows = s.execute(text("SELECT id, precision, round(ST_X(point)::numeric, 6), round(ST_Y(point)::numeric, 6),"
                          " ST_Equals(point, public_point) FROM place WHERE precision <> 'exact'")).all()
    engine.dispose()
    assert any(r.precision == "approximate" for r in rows) and any(r.precision == "hidden" for r in rows)
    # the test is only meaningful if the public point really differs from the true one
    assert not any(r[4] for r in rows if r.precision == "approximate")
    return {"points": {(float(r[2]), float(r[3])) for r in rows}, "hidden": {r.id for r in rows if r.precision == "hidden"}}


def _coords(geojson: dict):
    for f in geojson["features"]:
        g = f.get("geometry")
        if g and g["type"] == "Point":
            yield tuple(round(c, 6) for c in g["coordinates"])


@needs_gdal
def test_ogrinfo_lists_the_collections(live_server):
    out = subprocess.run(["ogrinfo", "-ro", "-q", f"OAPIF:{live_server}/ogc"], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    for layer in PLACE_LAYERS + ("elementary", "junior_high", "town_block", "catchment"):
        assert f": {layer} (" in out, out
    assert "サロン・通いの場" in out
    assert "(Point)" in out and "(Multi Polygon)" in out


@needs_gdal
@pytest.mark.parametrize("cid", PLACE_LAYERS + ("elementary", "junior_high", "catchment"))
def test_ogr2ogr_copies_each_collection_whole_without_private_points(live_server, cid, tmp_path, private_points):
    out = tmp_path / f"{cid}.geojson"
    subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{live_server}/ogc", cid],
                   capture_output=True, text=True, timeout=300, check=True)
    copied = json.loads(out.read_text())
    n = len(copied["features"])
    ogc = get(f"{live_server}/ogc/collections/{cid}/items", params={"limit": 1}).json()
    assert n == ogc["numberMatched"] > 0
    if cid in PLACE_LAYERS:
        api = get(f"{live_server}/api/places", params={"bbox": "-180,-90,180,90", "layer": cid, "limit": 20000}).json()
        assert n == len(api["features"])
        assert not private_points["points"] & set(_coords(copied))
        assert not private_points["hidden"] & {f["properties"]["id"] for f in copied["features"]}
    else:
        api = get(f"{live_server}/api/areas", params={"kind": cid}).json()
        assert n == len(api["features"])


def test_landing_conformance_and_collections(live_server):
    landing = get(f"{live_server}/ogc").json()
    rels = {l["rel"] for l in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conf = get(f"{live_server}/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf
    cols = get(f"{live_server}/ogc/collections").json()["collections"]
    salons = next(c for c in cols if c["id"] == "salons")
    w, s, e, n = salons["extent"]["spatial"]["bbox"][0]
    assert 135.5 < w < e < 136 and 34.5 < s < n < 35          # 生駒市
    assert any(l["rel"] == "describedby" for l in salons["links"])
    assert get(f"{live_server}/ogc/api").headers["Content-Type"].startswith("application/vnd.oai.openapi+json")


def test_items_validate_against_the_collection_schema(live_server):
    for cid in ("salons", "engawa", "elementary"):
        schema = get(f"{live_server}/ogc/collections/{cid}/schema").json()
        page = get(f"{live_server}/ogc/collections/{cid}/items", params={"limit": 500}).json()
        assert page["features"]
        for f in page["features"]:
            jsonschema.validate(f, schema, format_checker=jsonschema.FormatChecker())


def test_paging_bbox_filters_and_datetime(live_server):
    url = f"{live_server}/ogc/collections/salons/items"
    first = get(url, params={"limit": 15})
    assert first.headers["Content-Type"].startswith("application/geo+json")
    first = first.json()
    assert first["numberReturned"] == 15 and first["numberMatched"] == 40
    nxt = next(l["href"] for l in first["links"] if l["rel"] == "next")
    second = get(nxt).json()
    assert second["numberReturned"] == 15
    assert not {f["id"] for f in first["features"]} & {f["id"] for f in second["features"]}
    # bbox: only the features inside it
    w, s, e, n = 135.70, 34.66, 135.72, 34.70
    boxed = get(url, params={"bbox": f"{w},{s},{e},{n}", "limit": 1000}).json()
    assert 0 < boxed["numberMatched"] < 40
    for x, y in _coords(boxed):
        assert w <= x <= e and s <= y <= n
    # simple property filters
    assert get(url, params={"municipality_code": "29209"}).json()["numberMatched"] == 40
    assert get(url, params={"municipality_code": "13113"}).json()["numberMatched"] == 0
    kodomo = get(f"{live_server}/ogc/collections/kodomo_shokudo/items", params={"target_group": "こども"}).json()
    assert kodomo["numberMatched"] == 10
    assert get(url, params={"target_group": "こども"}).json()["numberMatched"] == 0
    # datetime over validity: open-ended demo places are valid at any time
    assert get(url, params={"datetime": "2020-01-01/.."}).json()["numberMatched"] == 40
    assert get(url, params={"datetime": "2026-04-01T00:00:00Z"}).json()["numberMatched"] == 40


def test_datetime_selects_by_validity(demo_db_url, session_for):
    from tests.conftest import make_app

    s = session_for(demo_db_url)
    ids = [r[0] for r in s.execute(text("SELECT id FROM place WHERE layer = 'salons' ORDER BY id LIMIT 2"))]
    s.execute(text("UPDATE place SET valid_from = '2018-04-01', valid_to = '2020-03-31', status = 'closed' WHERE id = :i"), {"i": ids[0]})
    s.execute(text("UPDATE place SET valid_from = '2099-04-01' WHERE id = :i"), {"i": ids[1]})
    s.commit()
    client = make_app(demo_db_url).test_client()
    url = "/ogc/collections/salons/items?limit=1000"
    today = {f["id"] for f in client.get(url).get_json()["features"]}
    assert ids[0] not in today and ids[1] not in today and len(today) == 38
    in_2019 = {f["id"] for f in client.get(url + "&datetime=2019-06-01").get_json()["features"]}
    assert ids[0] in in_2019 and ids[1] not in in_2019
    future = {f["id"] for f in client.get(url + "&datetime=2099-05-01/2099-06-01").get_json()["features"]}
    assert ids[1] in future and ids[0] not in future
    # the closed place is still one feature of the collection
    assert client.get(f"/ogc/collections/salons/items/{ids[0]}").status_code == 200


@pytest.mark.parametrize("path,params", [
    ("/ogc/collections/salons/items", {"limit": "abc"}),
    ("/ogc/collections/salons/items", {"limit": "0"}),
    ("/ogc/collections/salons/items", {"offset": "-1"}),
    ("/ogc/collections/salons/items", {"bbox": "1,2,3"}),
    ("/ogc/collections/salons/items", {"bbox": "a,b,c,d"}),
    ("/ogc/collections/salons/items", {"bbox": "135,35,136,34"}),
    ("/ogc/collections/salons/items", {"bbox": "0,0,200,10"}),
    ("/ogc/collections/salons/items", {"bbox": "nan,0,1,1"}),
    ("/ogc/collections/salons/items", {"datetime": "yesterday"}),
    ("/ogc/collections/salons/items", {"datetime": "../.."}),
    ("/ogc/collections/salons/items", {"datetime": "2026-05-01/2026-01-01"}),
    ("/ogc/collections/salons/items", {"municipality_code": "abc"}),
    ("/ogc/collections/salons/items", {"target_group": "猫"}),
    ("/ogc/collections/elementary/items", {"target_group": "こども"}),
    ("/ogc/collections/elementary/items", {"datetime": "2026-01-01"}),
    ("/ogc/collections/salons/items", {"colour": "red"}),
    ("/ogc/collections", {"f": "xml"}),
    ("/ogc", {"lang": "fr"}),
])
def test_bad_parameters_get_an_ogc_exception(live_server, path, params):
    r = get(live_server + path, params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "InvalidParameterValue" and body["description"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_collection_and_feature_are_404(live_server, private_points):
    for path in ("/ogc/collections/nope", "/ogc/collections/nope/items", "/ogc/collections/salons/items/999999",
                 "/ogc/collections/salons/items/abc", "/ogc/collections/elementary/items/1x",
                 "/ogc/collections/salons/items/99999999999999999999"):
        r = get(live_server + path)
        assert r.status_code == 404 and r.json()["code"] == "NotFound"
    hidden = sorted(private_points["hidden"])[0]
    assert get(f"{live_server}/ogc/collections/engawa/items/{hidden}").status_code == 404


def test_cors_open_and_html_views_japanese_first(live_server):
    r = get(f"{live_server}/ogc/collections/salons/items", headers={"Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = get(f"{live_server}/ogc", headers=browser)
    assert page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="ja">' in page.text and f"{live_server}/ogc" in page.text
    items = get(f"{live_server}/ogc/collections/salons/items?f=html&limit=5").text
    assert "サロン・通いの場" in items and "40 件中 1〜5 件目" in items and 'rel="next"' in items
    fid = get(f"{live_server}/ogc/collections/salons/items?limit=1").json()["features"][0]["id"]
    one = get(f"{live_server}/ogc/collections/salons/items/{fid}?f=html").text
    assert "いきいきサロン" in one
    en = get(f"{live_server}/ogc/collections?f=html&lang=en").text
    assert "Salons and gathering places" in en
    assert "Collections" in get(f"{live_server}/ogc/collections?f=html&lang=en").text
