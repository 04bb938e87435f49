"""geo.places.search against the real PostGIS demo: filters, text search, nearest, help desk, area lists."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from geo import clock
from geo.places import queries, search
from geo.storage.models import Area, Place
from geo.places.schedule import open_bands

CITY_HALL = (34.6919, 135.7006)   # 生駒市役所, near 元町1丁目


def test_nearest_is_exact_in_metres(s):
    lat, lon = CITY_HALL
    got = search.nearest(s, lat, lon, limit=15)
    here = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    brute = s.execute(select(Place.id, func.ST_Distance(func.geography(Place.public_point), func.geography(here)))
                      .where(Place.public_point.is_not(None), queries.active_on())
                      .order_by(func.ST_Distance(func.geography(Place.public_point), func.geography(here)))
                      .limit(15)).all()
    assert [round(d, 3) for _, d in got] == [round(d, 3) for _, d in brute]
    assert [p.id for p, _ in got] == [i for i, _ in brute]


def test_filters_narrow_the_nearest_places(s):
    lat, lon = CITY_HALL
    sat_morning = search.Filters(weekday=5, band="morning")
    rows = search.nearest(s, lat, lon, sat_morning, limit=10)
    assert rows, "the demo has Saturday-morning places"
    assert all((5, "morning") in open_bands(p.schedule) for p, _ in rows)
    # the Python band check does not cost results: the same as filtering everything by hand
    every = search.nearest(s, lat, lon, limit=200)
    expected = [p.id for p, _ in every if (5, "morning") in open_bands(p.schedule)][:10]
    assert [p.id for p, _ in rows] == expected

    evening_kids = search.Filters(band="evening", layers=("kodomo_shokudo",))
    rows = search.nearest(s, lat, lon, evening_kids, limit=20)
    assert rows and all(p.layer == "kodomo_shokudo" and any(b == "evening" for _, b in open_bands(p.schedule))
                        for p, _ in rows)

    for args, check in [({"free": True}, lambda p: p.free_of_charge is True),
                        ({"no_reservation": True}, lambda p: p.reservation_required is False),
                        ({"consultation": True}, lambda p: p.has_consultation),
                        ({"target": "こども"}, lambda p: "こども" in p.target_groups or "誰でも" in p.target_groups)]:
        rows = search.nearest(s, lat, lon, search.Filters(**args), limit=200)
        assert rows and all(check(p) for p, _ in rows), args
        assert len(rows) < len(every), f"{args} should filter something out"
    consult = search.nearest(s, lat, lon, search.Filters(consultation=True), limit=200)
    assert {p.layer for p, _ in consult} == {"support_branches"}


def test_search_by_address_with_and_without_the_city(s):
    for text in ("生駒市元町1丁目", "元町1丁目", "元町１丁目"):
        found = search.search_text(s, text, "29209")
        assert found.origin and found.origin.kind == "address", text
        assert found.origin.label == "奈良県生駒市元町一丁目"
        assert abs(found.origin.lat - 34.6924) < 0.002 and abs(found.origin.lon - 135.6971) < 0.002
    # with no municipality given, the one the places are in is used
    assert search.search_text(s, "元町1丁目").origin.kind == "address"


def test_search_by_place_name(s):
    one = s.scalar(select(Place).where(Place.layer == "kodomo_shokudo").order_by(Place.id))
    found = search.search_text(s, one.name)
    assert found.origin.kind == "place" and found.origin.label == one.name
    assert (found.origin.lat, found.origin.lon) == (search.result(one)["lat"], search.result(one)["lon"])
    several = search.search_text(s, "いきいきサロン")
    assert several.origin is None and len(several.matches) > 1 and "いくつか" in several.reason.text("ja")
    nothing = search.search_text(s, "ほげほげ町")
    assert nothing.origin is None and not nothing.matches and "見つかりません" in nothing.reason.text("ja")
    # LIKE wildcards are plain characters
    assert search.places_named(s, "%") == [] and search.places_named(s, "_") == []
    with pytest.raises(ValueError):
        search.search_text(s, "   ")
    with pytest.raises(ValueError):
        search.search_text(s, "あ" * 101)


def test_help_desk_is_the_branch_whose_catchment_covers_the_point(s):
    lat, lon = CITY_HALL
    helper = search.help_desk(s, lat, lon)
    assert helper["by"] == "catchment"
    area = s.get(Area, helper["area"]["id"])
    assert area.kind == "catchment" and area.place_id == helper["place"].id
    assert s.scalar(select(func.ST_Intersects(Area.geom, func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)))
                    .where(Area.id == area.id))
    assert "地域包括支援センター" in helper["place"].name and helper["place"].phone
    # outside every catchment: the nearest place with a consultation desk
    near = search.help_desk(s, 34.685, 135.805)     # 奈良市, ~10 km east
    assert near["by"] == "nearest" and near["place"].has_consultation and near["area"] is None
    # but not a desk in another region: nothing within search.NEAR_RADIUS_M
    assert search.help_desk(s, 34.0, 135.0) is None


def test_resolve_area_and_list_its_places(s):
    elem = s.scalar(select(Area).where(Area.kind == "elementary").order_by(Area.code))
    assert search.resolve_area(s, str(elem.id)).id == elem.id
    assert search.resolve_area(s, f"elementary:{elem.code}").id == elem.id
    assert search.resolve_area(s, "elementary:nope") is None
    for bad in ("", "abc", "planet:1", "elementary:"):
        with pytest.raises(ValueError):
            search.resolve_area(s, bad)

    everything = []
    for area in s.scalars(select(Area).where(Area.kind == "elementary")):
        rows = search.places_in_area(s, area)
        for p in rows:
            if p.public_point is not None:
                assert s.scalar(select(func.ST_Intersects(Area.geom, p.public_point)).where(Area.id == area.id))
        everything += [p.id for p in rows]
    # every active place is listed in some 小学校区, hidden ones included (by name only)
    active = set(s.scalars(select(Place.id).where(queries.active_on())))
    assert active <= set(everything)
    hidden = s.scalars(select(Place).where(Place.precision == "hidden")).all()
    assert hidden and all(h.id in everything for h in hidden)
    # ...but never in a 町丁, where membership would locate them more precisely than their public town
    for h in hidden:
        town = s.scalar(select(Area).where(Area.kind == "town_block", func.ST_Intersects(Area.geom, h.point)))
        assert h.id not in [p.id for p in search.places_in_area(s, town)]


def test_result_has_next_dates_distance_and_walking_time(s):
    p = s.scalar(select(Place).where(Place.layer == "salons", Place.schedule_text == "毎週木曜日 13:30～15:30"))
    r = search.result(p, "ja", dt.date(2026, 12, 7), distance=401.4, dates=2)
    assert r["next_text"] == "次回 12月10日（木）13:30–15:30"
    assert [d["label"] for d in r["next_dates"]] == ["2026年12月10日（木） 13:30–15:30", "2026年12月17日（木） 13:30–15:30"]
    assert r["distance_m"] == 401 and r["walk_min"] == 6 and r["icon"] == "サ"
    free_text = s.scalar(select(Place).where(Place.schedule_text.like("月2回%")))
    assert search.result(free_text)["next_text"] == "日程は直接お問い合わせください"
    assert search.result(free_text, "en")["next_text"].startswith("Please ask")
    assert "point" not in r and "address_key" not in r and "note" not in r


def test_updated_label_and_source(s):
    p = s.scalar(select(Place).order_by(Place.id))
    d = clock.japan_date(p.updated_at)     # the date in Japan, whatever the server's zone
    assert search.updated_label(p) == f"{d.year}年{d.month}月{d.day}日（" + "月火水木金土日"[d.weekday()] + "）"
    src = search.source_of(s, p)
    assert src["name"] and src["attribution"] and src["fictional"]
