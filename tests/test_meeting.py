"""Meeting mode, the core and the JSON behind the projector view: profiles, then-and-now, privacy."""
import datetime as dt

import pytest
from geoalchemy2.elements import WKTElement
from sqlalchemy import func, select

from geo.analysis import meeting
from geo.places.schedule import open_bands, parse_schedule
from geo.storage.models import Area, Place, Population
from helpers import make_app

DAY = dt.date(2026, 11, 23)


def _area(session, kind="elementary", name=None) -> Area:
    q = select(Area).where(Area.kind == kind).order_by(Area.code)
    if name:
        q = q.where(Area.name == name)
    return session.scalars(q).first()


def _add_place(session, layer, area, name, **kw) -> Place:
    lat, lon = session.execute(select(func.ST_Y(func.ST_PointOnSurface(Area.geom)),
                                      func.ST_X(func.ST_PointOnSurface(Area.geom))).where(Area.id == area.id)).one()
    p = Place(layer=layer, name=name, point=WKTElement(f"POINT({lon} {lat})", srid=4326),
              municipality_code="29209", **kw)
    session.add(p)
    session.flush()
    return p


def test_profile_counts_population_unknown_ageing_and_missing_times(shared_demo_url, session_for):
    s = session_for(shared_demo_url)
    area = _area(s, name="生駒北小中学校")
    prof = meeting.area_profile(s, area, DAY, meeting.place_layer_ids())
    # places per layer equal a direct count by the true point (an aggregate, never output)
    for row in prof.layers:
        n = s.scalar(select(func.count()).select_from(Place).where(
            Place.layer == row["id"], Place.status == "active",
            func.ST_Intersects(select(Area.geom).where(Area.id == area.id).scalar_subquery(), Place.point)))
        assert row["count"] == n == len(row["places"])
        assert all("point" not in p for p in row["places"])
    # the demo has census totals only: population is known, 65+ is not -> no invented 高齢化率
    assert prof.population["total"] and prof.population["total"] > 1000
    assert prof.population["age_65_over"] is None and prof.ageing_rate is None
    # coverage classes from geo.analysis.coverage
    assert prof.coverage_available and {r["klass"] for r in prof.layers} <= {"none", "thin", "covered"}
    # missing slots are exactly the (weekday, band) pairs no place inside is open in
    inside = [p for r in prof.layers for p in r["places"]]
    opened = set()
    for p in s.scalars(select(Place).where(Place.id.in_([x["id"] for x in inside]))):
        opened |= {b for b in open_bands(p.schedule) if b[1] != "unknown"}
    assert set(prof.missing_slots) == set(meeting.ALL_SLOTS) - opened
    assert len(prof.missing_slots) + len(prof.open_slots) == 21
    assert meeting.slots_text([(5, "morning"), (5, "evening"), (6, "morning"), (6, "afternoon"), (6, "evening")]) \
        == ["土 午前、夕方・夜", "日 終日"]


def test_ageing_rate_when_the_age_band_is_known(demo_db_url, session_for):
    s = session_for(demo_db_url)
    block = s.scalars(select(Area).join(Population, Population.area_id == Area.id)
                      .where(Area.kind == "town_block", Population.total > 1000)).first()
    pop = s.scalar(select(Population).where(Population.area_id == block.id))
    pop.age_65_over = pop.total // 4
    s.commit()
    prof = meeting.area_profile(s, block, DAY, ["salons"])
    assert prof.population["basis"] == "area"
    assert prof.ageing_rate == round(100 * (pop.total // 4) / pop.total, 1)


def test_then_and_now_new_closed_unchanged_and_class_change(demo_db_url, session_for):
    s = session_for(demo_db_url)
    then, now = dt.date(2026, 1, 1), DAY
    # an area with no 子ども食堂 now: a new one opening in 2026-06 must change its class
    from geo.analysis.coverage import compute_coverage
    empty = next(c for c in compute_coverage(s, "elementary", "kodomo_shokudo", on_date=now) if c.klass == "none")
    area = s.get(Area, empty.area_id)
    new = _add_place(s, "kodomo_shokudo", area, "新しい子ども食堂（架空）", valid_from=dt.date(2026, 6, 1),
                     schedule=parse_schedule("毎週土曜日 11:00～13:00"), fictional=True)
    gone = s.scalars(select(Place).where(Place.layer == "salons").order_by(Place.id)).first()
    gone.valid_to = dt.date(2026, 3, 31)
    paused = s.scalars(select(Place).where(Place.layer == "salons").order_by(Place.id.desc())).first()
    paused.status = "closed"    # closed for good before 'then': not active then nor now
    paused.valid_to = dt.date(2025, 12, 31)
    hidden = _add_place(s, "engawa", area, "非公開の縁側（架空）", precision="hidden", valid_from=dt.date(2026, 5, 1))
    s.commit()

    cmp = meeting.compare(s, then, now, "elementary", meeting.place_layer_ids())
    assert [p["id"] for p in cmp.new] == sorted([new.id, hidden.id])
    assert [p["id"] for p in cmp.closed] == [gone.id]
    assert len(cmp.unchanged) == 73 - 2
    assert all(p["id"] != paused.id for p in cmp.new + cmp.closed + cmp.unchanged)
    # privacy: a hidden place has no point; no true point anywhere
    h = next(p for p in cmp.new if p["id"] == hidden.id)
    assert h["lat"] is None and h["lon"] is None and h["area_name"] == area.name
    assert all("point" not in p for p in cmp.new + cmp.closed + cmp.unchanged)
    # counts per area then and now, and the class change of that area
    assert cmp.counts[area.id]["now"] == cmp.counts[area.id]["then"] + 2
    change = next(c for c in cmp.class_changes if c["area_id"] == area.id and c["layer"] == "kodomo_shokudo")
    assert change["then"] == "none" and change["now"] in ("thin", "covered") and change["changed"]
    unchanged = [c for c in cmp.class_changes if c["layer"] == "support_branches"]
    assert unchanged and not any(c["changed"] for c in unchanged)

    # and through the web: the comparison JSON for the projector
    client = make_app(demo_db_url).test_client()
    d = client.get(f"/meeting/data.json?kind=elementary&on={now}&then={then}&cov=kodomo_shokudo").get_json()
    assert d["comparison"]["new"] == 2 and d["comparison"]["closed"] == 1
    assert any(c["area_id"] == area.id and c["now"] != "none" for c in d["comparison"]["class_changes"])
    feat = next(f for f in d["areas"]["features"] if f["properties"]["id"] == area.id)
    assert feat["properties"]["klass_then"] == "none" and feat["properties"]["klass"] != "none"
    assert {p["change"] for p in d["places"]} == {"new", "closed", "unchanged"}
    assert any(h["name"] == "非公開の縁側（架空）" for h in d["hidden"])


def test_meeting_page_and_nav(shared_demo_url):
    client = make_app(shared_demo_url).test_client()
    html = client.get("/meeting?on=2026-11-23").get_data(as_text=True)
    assert "2026年11月23日（月）" in html and "地域の集いの場・相談窓口" in html
    assert 'id="fictional-notice"' in html and "架空のサンプル" in html
    assert "国土数値情報（小学校区データ）" in html and "背景地図なし" in html
    assert "https://" not in html.split('id="meeting-config"')[0].split("<footer")[0]
    en = client.get("/meeting?lang=en&on=2026-11-23").get_data(as_text=True)
    assert 'lang="en"' in en and "Meeting mode" in en
    # the nav link on the main map page appears now that the endpoint exists
    assert 'href="/meeting"' in client.get("/").get_data(as_text=True)


def test_data_json_only_public_points(shared_demo_url, session_for):
    s = session_for(shared_demo_url)
    client = make_app(shared_demo_url).test_client()
    d = client.get("/meeting/data.json?kind=elementary&on=2026-11-23").get_json()
    assert len(d["areas"]["features"]) == 12 and len(d["places"]) + len(d["hidden"]) == 73
    assert len(d["hidden"]) == 3 and all("lat" not in h for h in d["hidden"])
    assert sum(f["properties"]["total"] for f in d["areas"]["features"]) <= 73
    true = {pid: (round(lat, 6), round(lon, 6)) for pid, lat, lon in s.execute(
        select(Place.id, func.ST_Y(Place.point), func.ST_X(Place.point)).where(Place.precision == "approximate"))}
    assert true
    for p in d["places"]:
        assert set(p) >= {"id", "lat", "lon", "precision"} and "point" not in p
        if p["id"] in true:
            assert (p["lat"], p["lon"]) != true[p["id"]]


@pytest.mark.parametrize("query", ["on=2026-13-01", "layers=nope", "kind=planet", "wd=9", "band=night",
                                   "then=yesterday", "cov=nope"])
def test_bad_view_parameters_are_400_with_a_message(shared_demo_url, query):
    r = make_app(shared_demo_url).test_client().get(f"/meeting/data.json?{query}")
    assert r.status_code == 400 and r.get_json()["error"], query


def test_bad_paper_is_400(shared_demo_url):
    assert make_app(shared_demo_url).test_client().get("/meeting/export.pdf?paper=B5").status_code == 400


def test_profile_json_and_filters(shared_demo_url, session_for):
    s = session_for(shared_demo_url)
    area = _area(s)
    client = make_app(shared_demo_url).test_client()
    pr = client.get(f"/meeting/profile.json?kind=elementary&area={area.code}&on=2026-11-23").get_json()
    assert pr["name"] == area.name and pr["ageing_rate"] is None
    assert {r["id"] for r in pr["layers"]} == set(meeting.place_layer_ids())
    assert isinstance(pr["missing_text"], list)
    assert client.get("/meeting/profile.json?kind=elementary&area=nope").status_code == 404
    # filters: Saturday places only
    sat = client.get("/meeting/data.json?kind=elementary&on=2026-11-23&wd=5").get_json()
    assert 0 < len(sat["places"]) < 70
    for p in s.scalars(select(Place).where(Place.id.in_([p["id"] for p in sat["places"]]))):
        assert any(wd == 5 for wd, _b in open_bands(p.schedule))
