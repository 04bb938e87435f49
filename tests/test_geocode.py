"""Unit tests for geo.geocoding.geocode (no database).

Town points below are copied from Geolonia 住所データ (CC BY 4.0), built from
国土交通省 位置参照情報; the 位置参照情報 CSVs are synthetic, written in Shift_JIS
(cp932) by the tests because the real ones are not in the repository.
Addresses are quoted from the 渋谷区 and 文京区 子ども食堂一覧 (各市区町村オープンデータ).
"""
import csv
import json
import os
import time

import pytest

from helpers import FIXTURES as _FIXTURES

from geo.geocoding.geocode import (
    GazEntry,
    Geocoder,
    city_code5,
    load_geolonia_dir,
    read_geolonia_json,
    read_mlit_isj_csv,
)

SHIBUYA_POINTS = [  # from gazetteer-town-points/13113_shibuya.json
    {"town": "恵比寿一丁目", "koaza": "", "lat": 35.647125, "lng": 139.71394},
    {"town": "恵比寿四丁目", "koaza": "", "lat": 35.642078, "lng": 139.712867},
    {"town": "恵比寿西一丁目", "koaza": "", "lat": 35.648611, "lng": 139.707478},
    {"town": "恵比寿西二丁目", "koaza": "", "lat": 35.64973, "lng": 139.703816},
    {"town": "宇田川町", "koaza": "", "lat": 35.66209, "lng": 139.697425},
    {"town": "南平台町", "koaza": "", "lat": 35.655648, "lng": 139.694563},
    {"town": "代官山町", "koaza": "", "lat": 35.649765, "lng": 139.703046},
    {"town": "千駄ケ谷三丁目", "koaza": "", "lat": 35.675213, "lng": 139.707987},
    {"town": "幡ケ谷三丁目", "koaza": "", "lat": 35.67579, "lng": 139.66573},
    {"town": "神宮前一丁目", "koaza": "", "lat": 35.671, "lng": 139.705},
    {"town": "神宮前五丁目", "koaza": "", "lat": 35.664962, "lng": 139.707325},
    {"town": "代々木四丁目", "koaza": "", "lat": 35.678276, "lng": 139.689835},
    {"town": "代々木神園町", "koaza": "", "lat": 35.671735, "lng": 139.69694},
    {"town": "渋谷二丁目", "koaza": "", "lat": 35.660338, "lng": 139.706547},
    {"town": "東一丁目", "koaza": "", "lat": 35.65519, "lng": 139.70876},
]
IKOMA_POINTS = [  # from gazetteer-town-points/29209_ikoma.json
    {"town": "萩の台", "koaza": "", "lat": 34.668, "lng": 135.73},
    {"town": "萩の台一丁目", "koaza": "", "lat": 34.670, "lng": 135.731},
    {"town": "萩の台三丁目", "koaza": "", "lat": 34.672, "lng": 135.733},
    {"town": "鹿ノ台北一丁目", "koaza": "", "lat": 34.73, "lng": 135.74},
    {"town": "あすか野北一丁目", "koaza": "", "lat": 34.714897, "lng": 135.718385},
]
TAKAMATSU_POINTS = [  # from gazetteer-town-points/37201_takamatsu.json
    {"town": "春日町", "koaza": "", "lat": 34.33, "lng": 134.09},
    {"town": "春日町", "koaza": "川尻", "lat": 34.34, "lng": 134.10},
    {"town": "番町一丁目", "koaza": "", "lat": 34.343, "lng": 134.046},
]


def _write_json(directory, name, points):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(points, f, ensure_ascii=False)
    return path


@pytest.fixture
def gaz_dir(tmp_path):
    _write_json(tmp_path, "13113_shibuya.json", SHIBUYA_POINTS)
    _write_json(tmp_path, "29209_ikoma.json", IKOMA_POINTS)
    _write_json(tmp_path, "37201_takamatsu.json", TAKAMATSU_POINTS)
    return tmp_path


@pytest.fixture
def geocoder(gaz_dir):
    return Geocoder(load_geolonia_dir(gaz_dir))


# --------------------------------------------------------------------------- readers

def test_read_geolonia_infers_code_and_names_from_file_name(gaz_dir):
    entries = list(read_geolonia_json(gaz_dir / "29209_ikoma.json"))
    e = entries[4]
    assert (e.level, e.pref, e.city, e.city_code, e.town, e.chome, e.block) == (
        "町丁目", "奈良県", "生駒市", "29209", "あすか野北", 1, None)
    assert (e.lat, e.lon) == (34.714897, 135.718385)
    assert entries[0].town == "萩の台" and entries[0].chome is None


def test_read_geolonia_unknown_code_needs_names(tmp_path):
    path = _write_json(tmp_path, "99999_nowhere.json", SHIBUYA_POINTS[:1])
    with pytest.raises(ValueError):
        list(read_geolonia_json(path))
    e = next(read_geolonia_json(path, pref="東京都", city="どこか市"))
    assert (e.city_code, e.city) == ("99999", "どこか市")


def test_read_geolonia_keeps_koaza(gaz_dir):
    entries = list(read_geolonia_json(gaz_dir / "37201_takamatsu.json"))
    assert entries[1].town == "春日町" and entries[1].koaza == "川尻"


def test_city_code5():
    assert city_code5("131130") == "13113"   # 全国地方公共団体コード with check digit
    assert city_code5("13113") == "13113"
    assert city_code5(None) is None


OAZA_HEADER = ["都道府県コード", "都道府県名", "市区町村コード", "市区町村名", "大字町丁目コード",
               "大字町丁目名", "緯度", "経度", "原典資料コード", "大字・字・丁目区分コード"]
GAIKU_HEADER = ["都道府県名", "市区町村名", "大字・丁目名", "小字・通称名", "街区符号・地番",
                "座標系番号", "Ｘ座標", "Ｙ座標", "緯度", "経度", "住居表示フラグ", "代表フラグ",
                "更新前履歴フラグ", "更新後履歴フラグ"]


def _write_cp932(path, header, rows):
    with open(path, "w", encoding="cp932", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def mlit_oaza(tmp_path):
    return _write_cp932(tmp_path / "13209_2022.csv", OAZA_HEADER, [
        ["13", "東京都", "13209", "町田市", "132090001001", "旭町一丁目", "35.554672",
         "139.440247", "3", "3"],
        ["13", "東京都", "13209", "町田市", "132090001002", "旭町二丁目", "35.556957",
         "139.436739", "3", "3"],
        ["13", "東京都", "13209", "町田市", "132090002000", "相原町", "35.612931",
         "139.300727", "1", "1"],
        ["13", "東京都", "13209", "町田市", "132090003000", "成瀬が丘一丁目", "35.54",
         "139.47", "3", "3"],
    ])


@pytest.fixture
def mlit_gaiku(tmp_path):
    return _write_cp932(tmp_path / "13209_2022_gaiku.csv", GAIKU_HEADER, [
        ["東京都", "町田市", "旭町一丁目", "", "5", "9", "-34000.0", "-24000.0",
         "35.5550", "139.4400", "1", "0", "0", "0"],
        ["東京都", "町田市", "旭町一丁目", "", "5", "9", "-34000.0", "-24000.0",
         "35.5551", "139.4401", "1", "1", "0", "0"],   # the representative row wins
        ["東京都", "町田市", "旭町一丁目", "", "6", "9", "-34000.0", "-24000.0",
         "35.5560", "139.4410", "1", "1", "0", "3"],   # 削除: skipped
        ["東京都", "町田市", "相原町", "", "547", "9", "-34000.0", "-24000.0",
         "35.6100", "139.3000", "0", "1", "0", "0"],
    ])


def test_read_mlit_oaza_level_in_cp932(mlit_oaza):
    entries = list(read_mlit_isj_csv(mlit_oaza))
    assert [(e.town, e.chome, e.level, e.city_code) for e in entries] == [
        ("旭町", 1, "町丁目", "13209"), ("旭町", 2, "町丁目", "13209"),
        ("相原町", None, "大字", "13209"), ("成瀬が丘", 1, "町丁目", "13209")]
    assert entries[0].pref == "東京都" and entries[0].city == "町田市"
    assert entries[0].lat == pytest.approx(35.554672)


def test_read_mlit_gaiku_level_in_cp932(mlit_gaiku):
    entries = list(read_mlit_isj_csv(mlit_gaiku))
    got = {(e.town, e.chome, e.block): (e.lat, e.level) for e in entries}
    assert got == {("旭町", 1, "5"): (35.5551, "街区"), ("相原町", None, "547"): (35.61, "街区")}
    assert entries[0].city_code == "13209"   # from the built-in table: the file has no code


def test_read_mlit_rejects_other_csv(tmp_path):
    path = _write_cp932(tmp_path / "x.csv", ["名称", "住所"], [["a", "b"]])
    with pytest.raises(ValueError):
        list(read_mlit_isj_csv(path))


# --------------------------------------------------------------------------- geocode

def test_chome_level_from_arabic_numbers(geocoder):
    r = geocoder.geocode("東京都渋谷区恵比寿4-5-15")
    assert r.ok and r.level == "町丁目" and not r.needs_review
    assert r.matched == "東京都渋谷区恵比寿四丁目"
    assert (r.lat, r.lon) == (35.642078, 139.712867)
    assert r.reason is None and r.city_code == "13113"


def test_longest_town_prefix_wins(geocoder):
    # '東京都渋谷区恵比寿西1-７-９': 恵比寿西, not 恵比寿
    r = geocoder.geocode("東京都渋谷区恵比寿西1-７-９")
    assert r.matched == "東京都渋谷区恵比寿西一丁目"


def test_ke_folded(geocoder):
    # '東京都渋谷区千駄ヶ谷3-54-15' against gazetteer '千駄ケ谷三丁目'
    r = geocoder.geocode("東京都渋谷区千駄ヶ谷3-54-15")
    assert r.ok and r.matched == "東京都渋谷区千駄ケ谷三丁目"


def test_no_folded(geocoder):
    r = geocoder.geocode("奈良県生駒市鹿の台北1-2-3")
    assert r.ok and r.matched == "奈良県生駒市鹿ノ台北一丁目"


def test_two_numbers_read_as_chome_when_town_has_chome(geocoder):
    # '東京都渋谷区幡ヶ谷3-70' is 幡ヶ谷三丁目70番
    r = geocoder.geocode("東京都渋谷区幡ヶ谷3-70")
    assert r.level == "町丁目" and r.matched == "東京都渋谷区幡ケ谷三丁目"


def test_town_without_chome(geocoder):
    # '東京都渋谷区南平台町12-13-402': 南平台町 has no 丁目
    r = geocoder.geocode("東京都渋谷区南平台町12-13-402")
    assert r.ok and r.level == "町丁目" and r.matched == "東京都渋谷区南平台町"
    assert not r.needs_review


def test_building_names_ignored(geocoder):
    assert geocoder.geocode("東京都渋谷区神宮前5-10-1GYRE 4F").matched == "東京都渋谷区神宮前五丁目"
    assert geocoder.geocode("東京都渋谷区渋谷2-8-4 佐野ビル1F").matched == "東京都渋谷区渋谷二丁目"


def test_kanji_and_full_width_forms(geocoder):
    for text in ("渋谷区恵比寿四丁目5番15号", "渋谷区恵比寿４丁目５－１５", "恵比寿４－５－１５"):
        r = geocoder.geocode(text, municipality_code="131130")
        assert r.matched == "東京都渋谷区恵比寿四丁目", text


def test_without_pref_and_city_uses_municipality_or_defaults(geocoder):
    assert geocoder.geocode("神宮前1-2-3", municipality_code="13113").level == "町丁目"
    r = geocoder.geocode("神宮前1-2-3", default_pref="東京都", default_city="渋谷区")
    assert r.matched == "東京都渋谷区神宮前一丁目"
    r = geocoder.geocode("神宮前1-2-3")
    assert not r.ok and "市区町村" in r.reason


def test_omitted_cho_is_repaired_and_noted(geocoder):
    # '東京都渋谷区代官山7-9': the gazetteer has 代官山町
    r = geocoder.geocode("東京都渋谷区代官山7-9")
    assert r.ok and r.level == "町丁目" and r.matched == "東京都渋谷区代官山町"
    assert r.notes[0]["code"] == "cho_omitted" and "町" in r.note_texts()[0]


def test_hyphen_for_iteration_mark_is_repaired_and_noted(geocoder):
    # '東京都渋谷区代-木4-4-1': 々 lost on the way into the list
    r = geocoder.geocode("東京都渋谷区代-木4-4-1")
    assert r.ok and r.matched == "東京都渋谷区代々木四丁目"
    assert r.notes[0]["code"] == "iteration_mark" and "々" in r.note_texts("ja")[0]


def test_missing_chome_falls_back_to_town_centroid_flagged(geocoder):
    r = geocoder.geocode("東京都渋谷区恵比寿7-1-1")
    assert r.ok and r.level == "大字" and r.needs_review
    assert r.matched == "東京都渋谷区恵比寿"
    assert r.lat == pytest.approx((35.647125 + 35.642078) / 2)
    assert r.reason_code == "chome_not_found" and r.reason.startswith("丁目が見つかりません")


def test_no_chome_in_address_falls_back_to_centroid_flagged(geocoder):
    r = geocoder.geocode("東京都渋谷区恵比寿")
    assert r.ok and r.level == "大字" and r.needs_review


def test_town_with_both_plain_and_chome_entries(geocoder):
    # 生駒市 has both 萩の台 and 萩の台一丁目…
    assert geocoder.geocode("生駒市萩の台3-5-1").matched == "奈良県生駒市萩の台三丁目"
    r = geocoder.geocode("生駒市萩の台2-5")   # no 二丁目: 萩の台 2番地5
    assert r.matched == "奈良県生駒市萩の台" and r.level == "町丁目"


def test_koaza(geocoder):
    assert geocoder.geocode("香川県高松市春日町川尻123").lat == 34.34
    assert geocoder.geocode("香川県高松市春日町123").lat == 34.33


def test_unknown_town_is_not_silently_placed(geocoder):
    # a real 渋谷区 town missing from this small test gazetteer
    r = geocoder.geocode("東京都渋谷区広尾3-2-14")
    assert not r.ok and r.lat is None and r.lon is None
    assert r.reason_code == "town_not_found" and r.reason.startswith("町名が見つかりません")
    assert "広尾3-2-14" in r.reason


def test_municipality_without_gazetteer(geocoder):
    # 文京区 row: '東京都文京区小石川3－4－14' — no 文京区 gazetteer is loaded
    r = geocoder.geocode("東京都文京区小石川3－4－14", municipality_code="131059")
    assert not r.ok and r.lat is None
    assert "東京都文京区" in r.reason and "no gazetteer" in r.reason


def test_explicit_municipality_entry_is_flagged():
    entries = [GazEntry("市区町村", "東京都", "狛江市", "13219", None, None, None, 35.63, 139.57,
                        "test"),
               GazEntry("町丁目", "東京都", "狛江市", "13219", "和泉本町", 1, None, 35.64, 139.58,
                        "test")]
    g = Geocoder(entries)
    r = g.geocode("東京都狛江市岩戸北1-2")
    assert r.ok and r.level == "市区町村" and r.needs_review and r.lat == 35.63
    assert "町名が見つかりません" in r.reason
    assert g.geocode("狛江市和泉本町1-1-5").level == "町丁目"


def test_gaiku_then_chome_then_oaza(mlit_oaza, mlit_gaiku):
    g = Geocoder(list(read_mlit_isj_csv(mlit_oaza)) + list(read_mlit_isj_csv(mlit_gaiku)))
    r = g.geocode("東京都町田市旭町1-5-3")
    assert r.level == "街区" and r.matched == "東京都町田市旭町一丁目5番" and r.lat == 35.5551
    r = g.geocode("東京都町田市旭町1-6-3")   # block 6 deleted -> 町丁目
    assert r.level == "町丁目" and r.lat == pytest.approx(35.554672)
    r = g.geocode("東京都町田市相原町547-14")
    assert r.level == "街区"
    r = g.geocode("東京都町田市相原町999")    # 大字 from 区分コード 1: coarser, flagged
    assert r.level == "大字" and r.needs_review
    assert g.geocode("東京都町田市成瀬ヶ丘1-2-3").matched == "東京都町田市成瀬が丘一丁目"


def test_gaiku_only_derives_chome_points(mlit_gaiku):
    g = Geocoder(read_mlit_isj_csv(mlit_gaiku))
    r = g.geocode("東京都町田市旭町1-9-9")
    assert r.level == "町丁目" and r.lat == pytest.approx(35.5551)


def test_ambiguous_municipality_name():
    entries = [GazEntry("町丁目", "東京都", "府中市", "13206", "宮町", 1, None, 35.67, 139.48, "t"),
               GazEntry("町丁目", "広島県", "府中市", "34208", "府川町", None, None, 34.57, 133.23,
                        "t")]
    g = Geocoder(entries)
    assert not g.geocode("府中市宮町1-1-1").ok
    assert g.geocode("東京都府中市宮町1-1-1").level == "町丁目"
    assert g.geocode("府中市宮町1-1-1", municipality_code="13206").level == "町丁目"


def test_empty_address(geocoder):
    r = geocoder.geocode("  ")
    assert not r.ok and r.reason


def test_single_address_is_fast(geocoder):
    t = time.perf_counter()
    for _ in range(500):
        geocoder.geocode("東京都渋谷区神宮前5-10-1GYRE 4F")
    assert (time.perf_counter() - t) / 500 < 0.005


# --------------------------------------------------------------------------- real data

FIXTURES = str(_FIXTURES)


def test_real_shibuya_list_at_chome_or_better():
    g = Geocoder(load_geolonia_dir(os.path.join(FIXTURES, "gazetteer-town-points")))
    path = os.path.join(FIXTURES, "kodomo-shokudo-csv", "131130_shibuyaku_kodomosyokudo.csv")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    fine = sum(g.geocode(r["住所"], municipality_code=r["全国地方公共団体コード"]).level
               in ("街区", "町丁目") for r in rows)
    assert len(rows) == 52 and fine / len(rows) >= 0.95


def test_unrecognised_text_after_town_is_flagged(geocoder):
    r = geocoder.geocode("東京都渋谷区宇田川町渋谷ビル")
    assert r.ok and r.matched == "東京都渋谷区宇田川町" and r.needs_review
    assert r.notes[-1] == {"code": "text_after_town", "text": "渋谷ビル"}
