import pytest


@pytest.mark.parametrize("query", [
    "/api/places", "/api/places?bbox=1,2,3", "/api/places?bbox=a,b,c,d", "/api/places?bbox=135.8,34.6,135.6,34.8",
    "/api/places?near=34.7", "/api/places?near=x,y", "/api/places?near=95,135", "/api/places?near=34.7,135.7&limit=0",
    "/api/places?near=34.7,135.7&limit=abc", "/api/places?near=34.7,135.7&layer=bogus",
    "/api/places?near=34.7,135.7&layer=salons;DROP TABLE place", "/api/areas?kind=nope", "/api/areas",
    "/api/areas/at?lat=abc&lon=1", "/api/areas/at?lat=34.7", "/api/areas/at?lat=34.7&lon=135.7&kind=x",
])
def test_bad_parameters_get_400_with_a_message(demo_client, query):
    r = demo_client.get(query)
    assert r.status_code == 400
    assert r.is_json and r.json["error"]


def test_nearest_places_are_sorted_and_carry_walking_time(demo_client):
    r = demo_client.get("/api/places?near=34.6925,135.7006&layer=salons,kodomo_shokudo&limit=5")
    assert r.status_code == 200
    feats = r.json["features"]
    assert len(feats) == 5
    d = [f["properties"]["distance_m"] for f in feats]
    assert d == sorted(d)
    assert all(f["properties"]["layer"] in ("salons", "kodomo_shokudo") for f in feats)
    assert all(f["properties"]["walk_min"] == max(1, -(-f["properties"]["distance_m"] // 80)) for f in feats)


def test_bbox_and_areas(demo_client):
    r = demo_client.get("/api/places?bbox=135.6,34.6,135.8,34.8")
    # everything but the 3 hidden 縁側 has a public point inside Ikoma
    assert len(r.json["features"]) == 73 - 3
    areas = demo_client.get("/api/areas?kind=elementary").json
    assert len(areas["features"]) == 12
    assert {f["properties"]["kind"] for f in areas["features"]} == {"elementary"}


def test_area_at_point_names_district_and_support_branch(demo_client):
    # 生駒市役所 is near 34.6919, 135.7006
    found = demo_client.get("/api/areas/at?lat=34.6919&lon=135.7006").json
    kinds = {a["kind"] for a in found}
    assert {"elementary", "junior_high", "town_block", "catchment"} <= kinds
    catchment = next(a for a in found if a["kind"] == "catchment")
    assert "地域包括支援センター" in catchment["support_branch"]["name"]
    assert catchment["support_branch"]["phone"]


def test_place_detail_404(demo_client):
    assert demo_client.get("/api/places/999999").status_code == 404
    assert demo_client.get("/place/999999").status_code == 404
