import pytest


@pytest.mark.parametrize("query", [
    "/api/places", "/api/places?bbox=1,2,3", "/api/places?bbox=a,b,c,d", "/api/places?bbox=135.8,34.6,135.6,34.8",
    "/api/places?near=34.7", "/api/places?near=x,y", "/api/places?near=95,135", "/api/places?near=34.7,135.7&limit=0",
    "/api/places?near=34.7,135.7&limit=abc", "/api/places?near=34.7,135.7&layer=bogus",
    "/api/places?near=34.7,135.7&layer=salons;DROP TABLE place", "/api/areas?kind=nope", "/api/areas",
    "/api/areas/at?lat=abc&lon=1", "/api/areas/at?lat=34.7", "/api/areas/at?lat=34.7&lon=135.7&kind=x",
    "/api/places?near=34.7,135.7&day=8", "/api/places?near=34.7,135.7&time=midnight",
    "/api/places?bbox=135.6,34.6,135.8,34.8&target=' OR 1=1 --", "/api/places?near=34.7,135.7&free=perhaps",
    "/api/places?bbox=135.6,34.6,135.8,34.8&layer=salons,nope", "/api/places?near=34.7,135.7&limit=201",
    "/api/search", "/api/search?q=", "/api/search?q=" + "あ" * 101, "/api/search?lat=34.7",
    "/api/search?lat=91&lon=135", "/api/search?q=元町&day=x", "/api/search?q=元町&municipality=abc",
    "/api/search?q=元町&limit=51", "/api/areas?kind=elementary&bbox=1,2,3,x",
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


def test_filters_through_http(demo_client):
    base = "/api/places?near=34.6919,135.7006&limit=200"
    every = demo_client.get(base).json["features"]
    sat = demo_client.get(base + "&day=5&time=morning").json["features"]
    assert 0 < len(sat) < len(every)
    from geo.places.schedule import open_bands
    assert all((5, "morning") in open_bands(f["properties"]["schedule"]) for f in sat)
    kids = demo_client.get(base + "&target=こども&free=1&no_reservation=1").json["features"]
    assert kids and all(f["properties"]["free_of_charge"] and f["properties"]["reservation_required"] is False
                        and set(f["properties"]["target_groups"]) & {"こども", "誰でも"} for f in kids)
    consult = demo_client.get(base + "&consultation=1").json["features"]
    assert len(consult) == 8 and all(f["properties"]["has_consultation"] for f in consult)
    boxed = demo_client.get("/api/places?bbox=135.6,34.6,135.8,34.8&layer=kodomo_shokudo&time=evening").json
    assert boxed["truncated"] is False and boxed["features"]
    assert all(f["properties"]["layer"] == "kodomo_shokudo" for f in boxed["features"])
    cut = demo_client.get("/api/places?bbox=135.6,34.6,135.8,34.8&limit=5").json
    assert cut["truncated"] is True and len(cut["features"]) == 5


def test_search_endpoint_by_address(demo_client):
    r = demo_client.get("/api/search?q=元町1丁目&limit=5")
    assert r.status_code == 200
    j = r.json
    assert j["origin"]["kind"] == "address" and j["origin"]["label"] == "奈良県生駒市元町一丁目"
    assert len(j["results"]) == 5
    d = [x["distance_m"] for x in j["results"]]
    assert d == sorted(d) and all(x["walk_min"] == max(1, -(-x["distance_m"] // 80)) for x in j["results"])
    assert all(x["next_text"].startswith("次回 ") or x["next_text"].startswith("日程は直接お問い合わせください")
               for x in j["results"])
    assert j["help"]["by"] == "catchment" and "地域包括支援センター" in j["help"]["place"]["name"]
    assert {a["kind"] for a in j["areas"]} == {"elementary", "junior_high", "catchment"}
    en = demo_client.get("/api/search?q=元町1丁目&lang=en").json
    assert all(x["next_text"].startswith(("Next:", "Please ask")) for x in en["results"])


def test_search_endpoint_by_location_and_name(demo_client):
    j = demo_client.get("/api/search?lat=34.6919&lon=135.7006&layer=kodomo_shokudo&limit=3").json
    assert j["origin"]["kind"] == "location" and j["origin"]["label"] == "現在地"
    assert len(j["results"]) == 3 and {x["layer"] for x in j["results"]} == {"kodomo_shokudo"}
    many = demo_client.get("/api/search?q=いきいきサロン").json
    assert many["origin"] is None and len(many["matches"]) > 1 and many["message"]
    none = demo_client.get("/api/search?q=存在しない場所").json
    assert none["origin"] is None and none["matches"] == [] and "見つかりません" in none["message"]


def test_place_detail_has_next_dates(demo_client):
    j = demo_client.get("/api/places/1").json
    assert j["properties"]["next_text"] and "next_dates" in j["properties"]
