"""Coverage analysis: a synthetic town computed by hand, the 生駒市 demo checked against an
independent geopandas computation, cache invalidation, candidate sites and the /coverage
page and exports."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math

import numpy as np
import pytest
import shapely
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import text

from helpers import make_app
from geo.analysis import coverage as cov
from geo.storage.models import Area, Place, Population
from geo.places.schedule import parse_schedule

# The synthetic town is drawn in metres in UTM zone 53N (the zone compute_coverage picks at
# 135.7°E) around (560 000, 3 840 000) and stored in EPSG:4326; PostGIS transforms the same
# vertices back, so the squares below are exact squares in the metric CRS.
X0, Y0 = 560_000.0, 3_840_000.0
TO_LL = Transformer.from_crs(32653, 4326, always_xy=True)
R = 800.0                                   # salons' walking radius
CIRCLE = math.pi * R * R
SEG = R * R * math.acos(500 / R) - 500 * math.sqrt(R * R - 500 * 500)   # circle cut by a line 500 m from its centre


def lens(d: float) -> float:
    """Area shared by two circles of radius R whose centres are d apart."""
    return 2 * R * R * math.acos(d / (2 * R)) - d / 2 * math.sqrt(4 * R * R - d * d)


def ll(geom):
    def to_ll(xy):
        lon, lat = TO_LL.transform(xy[:, 0] + X0, xy[:, 1] + Y0)
        return np.column_stack([lon, lat])
    return shapely.transform(geom, to_ll)


def sq(x0, y0, x1, y1):
    return MultiPolygon([ll(box(x0, y0, x1, y1))])


def build_town(session):
    """Target areas A B C D (4 km squares, kind elementary) and small areas S1..S5:

        D [0,4]x[4,8]  S5 = D: 800 people, 65+ 200, 0-14 50      (no place)
        A [0,4]x[0,4]  S1 = A: 1000 people, 65+ 300, 0-14 100    P1 (2,2), P7 (1,3.5)
        B [4,8]x[0,4]  S3 [4,8]x[2,4]: 600, 65+ 200, 0-14 60     P3 (6,3)
                       S2 [4,10]x[0,2]: 600, 65+ 150, 0-14 60    P2 (6,1)   (S2 is 2/3 in B, 1/3 in C)
        C [8,12]x[0,4] S4 [8,12]x[2,4]: 500, age bands unknown    P6 (9,3) hidden; P4 closed; P5 expired
                       [10,12]x[0,2] has no small area (nobody lives there)
    """
    areas = {
        "A": sq(0, 0, 4000, 4000), "B": sq(4000, 0, 8000, 4000), "C": sq(8000, 0, 12000, 4000),
        "D": sq(0, 4000, 4000, 8000),
    }
    objs = {}
    for code, g in areas.items():
        objs[code] = Area(kind="elementary", code=code, name=f"{code}小学校区", municipality_code="99999",
                          geom=from_shape(g, srid=4326))
    smalls = {
        "S1": (sq(0, 0, 4000, 4000), 1000, 300, 100),
        "S2": (sq(4000, 0, 10000, 2000), 600, 150, 60),
        "S3": (sq(4000, 2000, 8000, 4000), 600, 200, 60),
        "S4": (sq(8000, 2000, 12000, 4000), 500, None, None),
        "S5": (sq(0, 4000, 4000, 8000), 800, 200, 50),
    }
    for code, (g, total, old, young) in smalls.items():
        a = Area(kind="town_block", code=code, name=code, municipality_code="99999", geom=from_shape(g, srid=4326))
        session.add(a)
        session.flush()
        session.add(Population(area_id=a.id, year=2020, total=total, age_65_over=old, age_0_14=young))
    session.add_all(objs.values())

    def place(name, x, y, **kw):
        kw.setdefault("target_groups", ["高齢者"])
        p = Place(layer=kw.pop("layer", "salons"), name=name, point=from_shape(ll(Point(x, y)), srid=4326),
                  municipality_code="99999", **kw)
        session.add(p)
        return p

    place("P1", 2000, 2000, schedule=parse_schedule("毎週月曜日 10:00～12:00"))
    place("P7", 1000, 3500, target_groups=["高齢者", "誰でも"], schedule=parse_schedule("毎週水曜日 13:00～15:00"))
    place("P2", 6000, 1000, schedule=parse_schedule("毎週金曜日 17:00～19:00"))
    place("P3", 6000, 3000)
    place("P4", 10000, 3000, status="closed")
    place("P5", 11000, 1000, valid_to=dt.date(2020, 12, 31))
    place("P6", 9000, 3000, precision="hidden", schedule=parse_schedule("毎週土曜日"))
    session.commit()
    return objs


OPEN = {"min_places": 1, "min_covered_share": 0.1, "min_per_1000": None}


@pytest.fixture
def town(empty_db_url, session_for):
    s = session_for(empty_db_url)
    build_town(s)
    return s


def by_code(results):
    return {c.code: c for c in results}


def test_synthetic_town_by_hand(town):
    res = by_code(cov.compute_coverage(town, "elementary", "salons", thresholds=OPEN))
    assert set(res) == {"A", "B", "C", "D"}
    a, b, c, d = res["A"], res["B"], res["C"], res["D"]

    # places: active ones inside; the hidden P6 counts in its true area; closed/expired do not
    assert (a.places, b.places, c.places, d.places) == (2, 2, 1, 0)

    # populations spread by area: S2 is 8 of its 12 km² in B and 4 in C
    assert (a.total_population, b.total_population, c.total_population, d.total_population) == (1000, 1000, 700, 800)
    assert (a.population_65_over, b.population_65_over, d.population_65_over) == (300, 300, 200)
    assert c.population_65_over is None                        # S4 has no age bands: not invented
    assert b.population_0_14 == 100 and c.population_0_14 is None

    # places per 1,000 of the target population (65+ for salons)
    assert a.target_population == 300 and a.per_1000 == pytest.approx(2 / 300 * 1000, abs=1e-3)
    assert b.per_1000 == pytest.approx(2 / 300 * 1000, abs=1e-3)
    assert c.target_population is None and c.per_1000 is None and "65歳以上" in c.per_1000_note.text("ja") and "aged 65+" in c.per_1000_note.text("en")
    assert d.per_1000 == 0.0

    # people within 800 m (64-sided circles vs the true circle: within 0.3 %)
    # A: P1's circle whole, P7's circle minus the 500 m-cut segment that lies in D
    assert a.share_basis == "age_65_over"
    assert a.covered_population == pytest.approx(300 * (2 * CIRCLE - SEG) / 16e6, rel=3e-3)
    assert a.covered_share == pytest.approx((2 * CIRCLE - SEG) / 16e6, rel=3e-3)
    # B: P2's circle inside S2 (150 people 65+ on 12 km²), P3's inside S3 (200 on 8 km²)
    assert b.covered_population == pytest.approx(150 * CIRCLE / 12e6 + 200 * CIRCLE / 8e6, rel=3e-3)
    assert b.covered_share == pytest.approx((150 * CIRCLE / 12e6 + 200 * CIRCLE / 8e6) / 300, rel=3e-3)
    # C: age bands unknown, so the share is of everyone: P6's circle inside S4 (500 on 8 km²) of 700
    assert c.share_basis == "total"
    assert c.covered_share == pytest.approx(500 * CIRCLE / 8e6 / 700, rel=3e-3)
    # D: no place inside, but P7 across the boundary reaches the segment
    assert d.covered_share == pytest.approx(SEG / 16e6, rel=1e-2)   # a 64-gon cut: within 1 %

    # classes with the thresholds given
    assert (a.klass, b.klass, c.klass, d.klass) == ("covered", "covered", "covered", "none")
    assert [r.text("ja") for r in d.reasons] == ["区域内に場所がありません"]
    assert [r.text("en") for r in d.reasons] == ["No place inside the area"]

    # weekday/time bands and target groups of the places inside
    assert a.open_bands == {(0, "morning"), (2, "afternoon")}
    assert len(a.missing_bands) == 19 and (0, "morning") not in a.missing_bands and (6, "evening") in a.missing_bands
    assert b.open_bands == {(4, "evening")} and b.unscheduled_places == 1
    assert c.open_bands == set() and c.unknown_time_weekdays == {5}     # 毎週土曜日 without a time
    assert len(d.missing_bands) == 21
    assert a.target_groups == {"高齢者": 2, "誰でも": 1}
    cols, rows = cov.target_group_matrix([a, d])
    assert cols[:5] == ["こども", "子育て世帯", "高齢者", "障害のある人", "誰でも"]
    assert rows[0][1] == [0, 0, 2, 0, 1] and rows[1][1] == [0, 0, 0, 0, 0]


def test_thresholds_defaults_and_overrides(town):
    # salons' defaults: 充足 needs 2+ places, 60 % within reach and 1 per 1,000 65+
    res = by_code(cov.compute_coverage(town, "elementary", "salons"))
    assert res["A"].klass == "thin" and any("徒歩圏" in r.text() for r in res["A"].reasons)
    assert res["C"].klass == "thin" and any("場所が1か所" in r.text() for r in res["C"].reasons)
    # the per-1,000 criterion is skipped (and said so) where the target population is unknown
    assert any("対象人口が不明" in r.text() for r in res["C"].reasons)
    # an override per call
    # (A: 2 places, 23.5 % within reach, 6.7 per 1,000; C: one place)
    res = by_code(cov.compute_coverage(town, "elementary", "salons",
                                       thresholds={"min_places": 2, "min_covered_share": 0.2}))
    assert [res[k].klass for k in "ABCD"] == ["covered", "covered", "thin", "none"]
    res = by_code(cov.compute_coverage(town, "elementary", "salons",
                                       thresholds={"min_places": 1, "min_covered_share": 0.2, "min_per_1000": 7}))
    assert res["A"].klass == "thin" and any("1,000人あたり6.67か所" in r.text() for r in res["A"].reasons)
    assert any("6.67 per 1,000" in r.text("en") for r in res["A"].reasons)
    with pytest.raises(ValueError):
        cov.compute_coverage(town, "elementary", "salons", thresholds={"min_covered_share": 1.5})
    with pytest.raises(ValueError):
        cov.compute_coverage(town, "elementary", "salons", thresholds={"bogus": 1})


def test_on_date_and_municipality_filter(town):
    old = by_code(cov.compute_coverage(town, "elementary", "salons", on_date=dt.date(2020, 6, 1)))
    assert old["C"].places == 2                                # P5 was still valid then
    assert cov.compute_coverage(town, "elementary", "salons", municipality_code="11111") == []
    assert len(cov.compute_coverage(town, "elementary", "salons", municipality_code="99999")) == 4
    with pytest.raises(ValueError):
        cov.compute_coverage(town, "elementary", "elementary")   # an area layer, not a place layer


def test_no_population_uses_area_share(town):
    town.execute(text("DELETE FROM population"))
    town.commit()
    res = by_code(cov.compute_coverage(town, "elementary", "salons", thresholds=OPEN))
    a, c = res["A"], res["C"]
    assert a.share_basis == "area" and a.covered_population is None and a.total_population is None
    assert a.covered_share == pytest.approx((2 * CIRCLE - SEG) / 16e6, rel=3e-3)
    assert c.covered_share == pytest.approx(CIRCLE / 16e6, rel=3e-3)
    assert a.per_1000 is None and "人口データ" in a.per_1000_note.text()


def test_cache_is_invalidated_by_edits(town):
    first = by_code(cov.compute_coverage(town, "elementary", "salons"))
    v1 = cov.data_version(town)
    assert by_code(cov.compute_coverage(town, "elementary", "salons"))["D"].places == 0   # served from cache
    # an insert
    town.add(Place(layer="salons", name="P8", point=from_shape(ll(Point(2000, 6000)), srid=4326)))
    town.commit()
    assert cov.data_version(town) != v1
    d = by_code(cov.compute_coverage(town, "elementary", "salons"))["D"]
    assert d.places == 1 and d.klass != "none"
    # an edit with plain SQL (status), and a population change
    town.execute(text("UPDATE place SET status = 'paused' WHERE name = 'P8'"))
    town.execute(text("UPDATE population SET total = 2000 WHERE area_id = (SELECT id FROM area WHERE code = 'S1')"))
    town.commit()
    res = by_code(cov.compute_coverage(town, "elementary", "salons"))
    assert res["D"].places == 0 and res["A"].total_population == 2000
    assert first["A"].total_population == 1000        # earlier results were copies, not changed


def test_candidate_sites_greedy(town):
    # a community centre in D (hidden: its location is never output) and clicked points
    town.add(Place(layer="support_branches", name="D公民館", precision="hidden",
                   point=from_shape(ll(Point(2000, 6000)), srid=4326)))
    town.commit()
    pts = [TO_LL.transform(X0 + x, Y0 + y)[::-1] for x, y in [(11000, 1000), (6000, 1000), (2000, 7500)]]
    s = cov.suggest_sites(town, "elementary", "salons", candidate_layer="support_branches", points=pts, k=3,
                          thresholds=OPEN)
    # S4 has no age bands, so the whole comparison is in people of all ages
    assert s.basis == "total" and s.candidates_considered == 4
    # D公民館 first: its whole circle is in D (800 people on 16 km²). The clicked point 1.5 km north
    # has 300 m of its circle beyond D (nobody there) and then loses the lens it shares with the
    # first; nobody new lives near the other two (one in the empty corner, one on P2)
    first = s.chosen[0]
    assert first.label == "D公民館" and first.lat is None and first.lon is None
    assert first.gain == pytest.approx(800 * CIRCLE / 16e6, rel=3e-3)
    assert len(s.chosen) == 2 and s.chosen[1].label.text("ja").startswith("地点3")
    assert s.chosen[1].gain == pytest.approx(800 * (CIRCLE - SEG - lens(1500)) / 16e6, rel=5e-3)
    assert s.covered_after == pytest.approx(s.covered_before + first.gain + s.chosen[1].gain, abs=0.2)
    change = {a.code: a for a in s.areas}["D"]
    assert change.before_klass == "none" and change.after_klass == "covered" and change.after_places == 2
    with pytest.raises(ValueError):
        cov.suggest_sites(town, "elementary", "salons", points=[(200, 0)])


# --------------------------------------------------------------------------- the 生駒市 demo
def test_demo_matches_independent_geopandas(demo_db_url, session_for):
    import geopandas as gpd
    from sqlalchemy import create_engine, pool

    s = session_for(demo_db_url)
    ours = by_code(cov.compute_coverage(s, "elementary", "salons"))
    engine = create_engine(demo_db_url, poolclass=pool.NullPool)
    try:
        # JGD2011 plane rectangular zone VI (EPSG:6674): a different metric CRS from ours (UTM 53N)
        crs = 6674
        tgt = gpd.read_postgis("SELECT code, geom FROM area WHERE kind = 'elementary'", engine,
                               geom_col="geom").to_crs(crs)
        small = gpd.read_postgis("""SELECT a.id, a.geom, p.total FROM area a JOIN population p ON p.area_id = a.id
                                    WHERE a.kind = 'town_block'""", engine, geom_col="geom").to_crs(crs)
        pts = gpd.read_postgis("SELECT id, point FROM place WHERE layer = 'salons' AND status = 'active'", engine,
                               geom_col="point")
    finally:
        engine.dispose()
    small["s_area"] = small.geometry.area
    pts_m = pts.to_crs(crs)
    reach = pts_m.buffer(800, quad_segs=16).union_all()
    pieces = gpd.overlay(small, tgt, how="intersection", keep_geom_type=True)
    pieces["people"] = pieces.total * pieces.geometry.area / pieces.s_area
    pieces["reached"] = pieces.total * pieces.geometry.intersection(reach).area / pieces.s_area
    per = pieces.groupby("code")[["people", "reached"]].sum()
    inside = gpd.sjoin(pts, tgt.to_crs(4326), predicate="intersects").groupby("code").size()

    assert len(ours) == 12
    for code, c in ours.items():
        assert c.places == int(inside.get(code, 0)), code
        assert c.total_population == pytest.approx(per.loc[code, "people"], abs=1.0), code
        assert c.target_population is None and c.per_1000 is None        # the demo has totals only
        assert c.share_basis == "total"
        assert c.covered_population == pytest.approx(per.loc[code, "reached"], rel=2e-3, abs=2.0), code
        assert c.covered_share == pytest.approx(per.loc[code, "reached"] / per.loc[code, "people"], abs=2e-3)
    assert sum(c.places for c in ours.values()) == 40
    # the 2020 census total for 生駒市 is 118,113; the school districts hold nearly all of it
    assert 110_000 < sum(c.total_population for c in ours.values()) < 118_500


def test_demo_kodomo_goal_and_junior_high(shared_demo_url, session_for):
    s = session_for(shared_demo_url)
    res = cov.compute_coverage(s, "elementary", "kodomo_shokudo")
    none = [c for c in res if c.klass == "none"]
    assert none and all(c.places == 0 for c in none)
    assert all("0〜14歳" in c.per_1000_note.text() for c in res)      # age bands unknown: said, not invented
    assert sum(c.places for c in cov.compute_coverage(s, "junior_high", "kodomo_shokudo")) == 10


# --------------------------------------------------------------------------- the page and exports
@pytest.fixture
def hostile_names_client(demo_db_url, session_for):
    """The demo with one school district named like a spreadsheet formula and one like a script."""
    s = session_for(demo_db_url)
    s.execute(text("UPDATE area SET name = '=HYPERLINK(\"http://x\")' WHERE kind = 'elementary' AND code = "
                   "(SELECT min(code) FROM area WHERE kind = 'elementary')"))
    s.execute(text("UPDATE area SET name = '<script>alert(1)</script>' WHERE kind = 'elementary' AND code = "
                   "(SELECT max(code) FROM area WHERE kind = 'elementary')"))
    s.commit()
    return make_app(demo_db_url).test_client()


def test_coverage_page_in_both_languages_with_names_escaped(hostile_names_client):
    client = hostile_names_client
    page = client.get("/coverage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "空白地域・カバー状況" in html and "子ども食堂" in html and "空白" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="/coverage"' in html                         # the nav link appears
    en = client.get("/coverage?lang=en&layer=salons&kind=junior_high").get_data(as_text=True)
    assert "Coverage gaps" in en and "Least covered first" in en


def test_coverage_csv_least_covered_first_with_formulas_neutralised(hostile_names_client):
    resp = hostile_names_client.get("/coverage.csv?layer=kodomo_shokudo&kind=elementary&lang=ja")
    body = resp.get_data()
    assert resp.mimetype == "text/csv" and body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0].startswith("順位") and len([r for r in rows[1:] if r and r[0].isdigit()]) == 12
    names = [r[2] for r in rows[1:13]]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert rows[1][5] == "空白" and rows[1][6] == "none"       # least covered first


def test_coverage_geojson_export(demo_client):
    gj = demo_client.get("/coverage.geojson?layer=salons&kind=junior_high").get_json(force=True)
    assert len(gj["features"]) == 8 and gj["attribution"]
    assert {f["geometry"]["type"] for f in gj["features"]} <= {"MultiPolygon", "Polygon"}
    assert "rank" in gj["features"][0]["properties"]


def test_coverage_bad_input_is_a_message_not_a_crash(demo_client):
    bad = demo_client.get("/coverage?kind=nowhere&lang=ja")
    assert bad.status_code == 400 and "区域の種類が不明です: nowhere" in bad.get_data(as_text=True)
    assert "unknown" not in bad.get_data(as_text=True).lower()           # Japanese only on a Japanese page
    bad = demo_client.get("/coverage?kind=nowhere&lang=en")
    assert bad.status_code == 400 and "Unknown area kind: nowhere" in bad.get_data(as_text=True)
    assert demo_client.get("/coverage.csv?min_share=abc").status_code == 400
    r = demo_client.get("/coverage?layer=kodomo_shokudo&suggest=1&points=34.7,135.7%0Ahere&lang=ja")
    assert "2行目の地点が読めません" in r.get_data(as_text=True)


def test_coverage_candidate_sites_from_the_form(demo_client):
    # support branches for 子ども食堂, plus one clicked point
    r = demo_client.get("/coverage?layer=kodomo_shokudo&kind=elementary&suggest=1&cand_layer=support_branches&k=2"
                        "&points=34.70,135.70")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="cov-chosen"' in html and "地域包括支援センター" in html


def test_exports_never_contain_true_points(demo_db_url, session_for):
    """Hidden places count in their area, but no export or page carries any place's true point."""
    s = session_for(demo_db_url)
    hidden = s.execute(text("SELECT ST_X(point), ST_Y(point) FROM place WHERE precision <> 'exact'")).all()
    client = make_app(demo_db_url).test_client()
    texts = [client.get(u).get_data(as_text=True) for u in (
        "/coverage?layer=engawa", "/coverage.csv?layer=engawa", "/coverage.geojson?layer=engawa",
        "/coverage?layer=kodomo_shokudo&suggest=1&cand_layer=engawa&k=3")]
    import re
    assert hidden
    for x, y in hidden:
        xs, ys = re.escape(f"{x:.5f}"), re.escape(f"{y:.5f}")   # the pair, in either order, any precision
        pair = re.compile(rf"{xs}\d*\D{{1,4}}{ys}|{ys}\d*\D{{1,4}}{xs}")
        for body in texts:
            assert not pair.search(body)


# --------------------------------------------------------------------------- #15 item 7: CSV, candidates
def _csv_rows(client, url):
    resp = client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    return resp, list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))


def test_coverage_csv_is_one_table_with_thresholds_and_sorts(demo_client):
    """Excel sorts and filters the CSV as it is: one header row, then one row per area and nothing
    else (no 出典 line, no blank line); each row says the thresholds it was judged by."""
    resp, rows = _csv_rows(demo_client, "/coverage.csv?layer=kodomo_shokudo&kind=elementary&lang=ja"
                                        "&min_share=60&on=2026-11-20")
    header, data = rows[0], rows[1:]
    assert len(data) == 12 and all(len(r) == len(header) for r in data)
    assert all(r[0].isdigit() for r in data)                    # every row below the header is data
    body = resp.get_data(as_text=True)
    for source in ("出典", "国土数値情報", "CC BY", "source"):
        assert source not in body
    col = {name: i for i, name in enumerate(header)}
    for name in ("基準：充足に必要な場所数", "基準：充足に必要な徒歩圏の割合(%)", "基準：充足に必要な1000人あたり場所数", "基準日"):
        assert name in col
    assert {r[col["基準：充足に必要な徒歩圏の割合(%)"]] for r in data} == {"60.0"}     # the threshold asked for
    assert {r[col["基準：充足に必要な場所数"]] for r in data} == {"1"}                  # the layer's default
    assert {r[col["基準日"]] for r in data} == {"2026-11-20"}
    # sorting and filtering like a spreadsheet: by the share, numerically, and by class
    share = col["徒歩圏の割合(%)"]
    ordered = sorted(data, key=lambda r: float(r[share]), reverse=True)
    assert float(ordered[0][share]) >= float(ordered[-1][share])
    assert len([r for r in data if r[col["判定コード"]] == "none"]) == 5
    # the sources and settings are in the companion text the CSV names
    readme_url = resp.headers["Link"].split(">")[0].lstrip("<")
    readme = demo_client.get(readme_url)
    text_ = readme.get_data().decode("utf-8-sig")
    assert readme.status_code == 200 and readme.mimetype == "text/plain"
    assert "[出典]" in text_ and "国土数値情報（小学校区データ）" in text_ and "充足に必要な徒歩圏の割合（%以上）: 60" in text_
    assert "coverage_elementary_kodomo_shokudo.csv" in text_
    en = demo_client.get(readme_url.replace("lang=ja", "lang=en")).get_data().decode("utf-8-sig")
    assert "[Sources]" in en and "[Settings]" in en and "出典" not in en.split("[Sources]")[0]
    _, en_rows = _csv_rows(demo_client, "/coverage.csv?layer=kodomo_shokudo&kind=elementary&lang=en")
    assert "Threshold: places needed" in en_rows[0] and len(en_rows) == 13


def test_csv_thresholds_per_row_across_municipalities(demo_db_url, session_for):
    """Without a chosen municipality each area is judged by its own municipality's settings, and
    its row says which."""
    from geo.places import served

    s = session_for(demo_db_url)
    served.save_settings(s, "29209", thresholds={"salons": {"min_places": 3}})
    s.commit()
    client = make_app(demo_db_url).test_client()
    _, rows = _csv_rows(client, "/coverage.csv?layer=salons&kind=elementary&lang=ja")
    col = rows[0].index("基準：充足に必要な場所数")
    assert {r[col] for r in rows[1:]} == {"3"}


def test_point_outside_the_municipality_is_refused(demo_client, demo_db_url, session_for):
    s = session_for(demo_db_url)
    outside, inside = (34.90, 135.90), (34.7318, 135.7458)       # 木津川市 / 生駒市鹿ノ台
    with pytest.raises(cov.Invalid) as err:
        cov.suggest_sites(s, "elementary", "kodomo_shokudo", points=[inside, outside], municipality_code="29209")
    assert err.value.code == "invalid.points_outside"
    assert err.value.text("ja") == ("地点2 (34.90000, 135.90000) は生駒市の外です。"
                                    "生駒市の中の地点を選んでください（地図上の区域の中をクリック）。")
    assert err.value.text("en").startswith("Point 2 (34.90000, 135.90000): outside 生駒市 (municipality 29209).")
    # the JSON API: 422 with the reason code and the message in the reader's language
    url = "/m/29209/coverage/suggest.json?layer=kodomo_shokudo&points=34.7318,135.7458%0A34.90,135.90"
    r = demo_client.get(url + "&lang=ja")
    assert r.status_code == 422 and r.get_json()["code"] == "invalid.points_outside"
    assert "生駒市の外です" in r.get_json()["error"] and "outside" not in r.get_json()["error"]
    assert "outside 生駒市" in demo_client.get(url + "&lang=en").get_json()["error"]
    # the page: the message beside the form, the points typed kept
    page = demo_client.get("/m/29209/coverage?layer=kodomo_shokudo&suggest=1&points=34.90,135.90&lang=ja")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and 'id="cov-cand-error"' in html and "生駒市の外です" in html
    assert ">34.90,135.90</textarea>" in html and 'id="cov-chosen"' not in html
    # another municipality chosen: a point in 生駒市 is outside 文京区
    r = demo_client.get("/m/13105/coverage/suggest.json?layer=kodomo_shokudo&points=34.7318,135.7458")
    assert r.status_code == 422 and "文京区の外です" in r.get_json()["error"]
    # no municipality chosen: outside every area served
    r = demo_client.get("/coverage/suggest.json?layer=kodomo_shokudo&points=35.68,139.76")
    assert r.status_code == 422 and "この地図の対象地域の外です" in r.get_json()["error"]


def test_candidate_area_named_and_only_class_changes_listed(demo_client):
    url = ("/m/29209/coverage/suggest.json?layer=kodomo_shokudo&kind=elementary&k=2"
           "&points=34.7318,135.7458%0A34.6829,135.7125")
    j = demo_client.get(url).get_json()
    assert [p["area"]["name"] for p in j["points"]] == ["鹿ノ台小学校", "生駒東小学校"]
    assert all(p["inside"] for p in j["points"])
    assert {c["area"]["name"] for c in j["chosen"]} == {"鹿ノ台小学校", "生駒東小学校"}
    assert j["class_changes"] and all(c["before"] != c["after"] for c in j["class_changes"])
    assert len(j["class_changes"]) + j["unchanged"] == 12
    page = demo_client.get(url.replace("/coverage/suggest.json", "/coverage") + "&suggest=1&lang=ja")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    given = html.split('id="cov-given"')[1].split("</table>")[0]
    assert "鹿ノ台小学校" in given and "生駒東小学校" in given
    changes = html.split('id="cov-changes"')[1].split("</table>")[0]
    assert changes.count("<tr>") == 1 + len(j["class_changes"])     # header + the class changes only
    assert f"判定が変わらない区域：{j['unchanged']}（うち徒歩圏の割合だけ上がる区域 {j['share_only']}）" in html
    en = demo_client.get(url.replace("/coverage/suggest.json", "/coverage") + "&suggest=1&lang=en")
    assert "Areas whose class stays the same:" in en.get_data(as_text=True)
