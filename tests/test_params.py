"""web/params.py: typed request parameters, and the one error handler (bad input 400, a bug a logged 500)."""
import datetime as dt
import logging

import pytest

from geo.places import search
from web import params
from web.params import BadParameter


@pytest.mark.parametrize("args", [
    {"layer": "salons,nope"}, {"day": "7"}, {"day": "someday"}, {"time": "night"}, {"target": "猫"},
    {"free": "maybe"}, {"no_reservation": "2"}, {"consultation": "yes please"},
])
def test_bad_filters_are_bad_parameters_with_a_japanese_message(args):
    with pytest.raises(BadParameter) as err:
        params.filters(args)
    assert any("\u3040" <= ch <= "\u9fff" for ch in err.value.message("ja"))
    assert err.value.message("en").isascii() or "猫" in args.get("target", "")


def test_filters_parse_and_round_trip():
    f = params.filters({"layer": "salons,kodomo_shokudo", "day": "土", "time": "morning",
                        "target": "こども", "free": "1", "no_reservation": "on", "consultation": "0"})
    assert f.layers == ("salons", "kodomo_shokudo") and f.weekday == 5 and f.band == "morning"
    assert f.free and f.no_reservation and not f.consultation
    assert params.filters(f.params()) == f
    assert params.filters({"day": "sat"}).weekday == params.filters({"day": "Sat"}).weekday == 5
    assert params.filters({}) == search.Filters()


def test_each_filter_parameter_alone_narrows_and_the_rest_are_not_filters():
    """filters() skips parsing when no filter parameter is in the request: each one, given alone,
    must still narrow (so none is missing from FILTER_PARAMS), and other parameters narrow nothing."""
    one_each = {"layer": "salons", "day": "sat", "date": "2026-11-28", "time": "morning", "target": "こども",
                "free": "1", "no_reservation": "1", "consultation": "1"}
    assert set(one_each) == set(params.FILTER_PARAMS)
    for name, value in one_each.items():
        assert params.filters({name: value}) != search.Filters(), name
        assert params.filters({name: ""}) == search.Filters(), name
    assert params.filters({"near": "34.69,135.70", "limit": "10", "lang": "en"}) == search.Filters()


def test_numbers_and_ranges():
    assert params.number("x", 0, 10, args={"x": " 2.5 "}) == 2.5
    assert params.number("x", 0, 10, default=7, args={}) == 7
    for bad in ("abc", "nan", "inf", "11", "-1"):
        with pytest.raises(BadParameter):
            params.number("x", 0, 10, args={"x": bad})
    assert params.int_in_range("limit", 1, 50, 10, args={}) == 10
    assert params.int_in_range("limit", 1, 50, 10, args={"limit": "50"}) == 50
    for bad in ("0", "51", "1.5", "abc", "9" * 20):
        with pytest.raises(BadParameter) as err:
            params.int_in_range("limit", 1, 50, 10, args={"limit": bad})
        assert err.value.message("ja") == "limit は 1〜50 の整数です"
        assert err.value.message("en") == "limit must be a whole number from 1 to 50"


def test_places_boxes_dates_and_areas():
    assert params.latlon("near", {"near": "34.7,135.7"}) == (34.7, 135.7)
    for bad in ("34.7", "x,y", "95,135", "1,2,3"):
        with pytest.raises(BadParameter):
            params.latlon("near", {"near": bad})
    box = params.bbox("bbox", {"bbox": "135.6,34.6,135.8,34.8"})
    assert (box.west, box.south, box.east, box.north) == (135.6, 34.6, 135.8, 34.8)
    for bad in ("1,2,3", "a,b,c,d", "135.8,34.6,135.6,34.8", "0,95,1,96"):
        with pytest.raises(BadParameter):
            params.bbox("bbox", {"bbox": bad})
    assert params.date("on", args={"on": "2026-11-23"}) == dt.date(2026, 11, 23)
    with pytest.raises(BadParameter):
        params.date("on", args={"on": "2026-13-01"})
    assert params.area_spec("area", {"area": "12"}) == 12
    assert params.area_spec("area", {"area": "elementary:29209-03"}) == ("elementary", "29209-03")
    for bad in ("planet:1", "elementary:", "abc"):
        with pytest.raises(BadParameter):
            params.area_spec("area", {"area": bad})
    assert params.points("p", args={"p": "34.7,135.7\n34.8、135.8"}) == [(34.7, 135.7), (34.8, 135.8)]
    with pytest.raises(BadParameter) as err:
        params.points("p", args={"p": "34.7,135.7\nhere"})
    assert err.value.message("ja") == "2行目の地点が読めません（緯度,経度）"


def test_a_choice_names_the_bad_value_shortened_and_the_allowed_ones():
    with pytest.raises(BadParameter) as err:
        params.choice("kind", ["elementary", "junior_high"], args={"kind": "x" * 100}, label=("区域の種類", "area kind"))
    assert err.value.message("ja") == f"区域の種類が不明です: {'x' * 30}（elementary, junior_high のどれか）"
    assert err.value.message("en") == f"Unknown area kind: {'x' * 30} (one of elementary, junior_high)"


def test_bad_input_is_json_for_the_api_and_a_short_page_otherwise(demo_client):
    r = demo_client.get("/api/places?near=34.7,135.7&limit=0&lang=ja")
    assert r.status_code == 400 and r.json == {"error": "limit は 1〜200 の整数です"}
    r = demo_client.get("/api/places?near=34.7,135.7&limit=0&lang=en")
    assert r.status_code == 400 and r.json == {"error": "limit must be a whole number from 1 to 200"}
    r = demo_client.get("/meeting/data.json?wd=9&lang=ja")
    assert r.status_code == 400 and r.json == {"error": "wd は 0〜6 の整数です"}
    r = demo_client.get("/coverage.csv?min_share=abc&lang=ja")
    assert r.status_code == 400 and r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    assert "入力を確認してください" in body and "徒歩圏の割合 は数値で指定してください" in body


def test_hostile_values_in_messages_stay_text(demo_client):
    r = demo_client.get("/meeting/export.pdf?paper=<script>x</script>&lang=ja")
    assert r.status_code == 400 and "<script>x" not in r.get_data(as_text=True)
    assert "&lt;SCRIPT&gt;X" in r.get_data(as_text=True)


def test_a_bug_is_a_logged_500_not_a_400(demo_db_url, caplog, monkeypatch):
    from helpers import make_app

    app = make_app(demo_db_url, PROPAGATE_EXCEPTIONS=False)

    def broken(*_a, **_k):
        raise ValueError("a bug, not bad input")

    monkeypatch.setattr(search, "nearest", broken)
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        r = client.get("/api/places?near=34.7,135.7&lang=ja")
    assert r.status_code == 500
    assert r.json == {"error": "サーバーで問題が起きました。時間をおいてもう一度お試しください。"}
    assert any("a bug, not bad input" in (rec.exc_text or str(rec.exc_info)) for rec in caplog.records)
    r = client.get("/list?area=1&lang=en")  # a page that does not use nearest still works
    assert r.status_code in (200, 404)
