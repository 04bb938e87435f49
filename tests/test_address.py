"""Unit tests for geo.geocoding.address. Addresses quoted from the real lists in
tests/fixtures/kodomo-shokudo-csv (渋谷区 131130, 文京区 131059, 町田市 132098,
国立市 132152; 各市区町村オープンデータ 子ども食堂一覧)."""
import pytest

from geo.geocoding.address import (
    ParsedAddress,
    chome_label,
    int_to_kanji,
    kanji_to_int,
    match_key,
    normalize,
    parse,
    parse_street_number,
    split_chome,
    split_city,
)


# --------------------------------------------------------------------------- normalize

def test_full_width_digits_mixed_with_ascii():
    # 渋谷区 row: '東京都渋谷区恵比寿西1-７-９'
    assert normalize("東京都渋谷区恵比寿西1-７-９") == "東京都渋谷区恵比寿西1-7-9"
    # 渋谷区 row: '東京都渋谷区初台１-11-2'
    assert normalize("東京都渋谷区初台１-11-2") == "東京都渋谷区初台1-11-2"


def test_full_width_hyphen_between_digits():
    # 文京区 row: '東京都文京区小石川3－4－14' (U+FF0D)
    assert normalize("東京都文京区小石川3－4－14") == "東京都文京区小石川3-4-14"


@pytest.mark.parametrize("dash", list("－‐−ーｰ―‑–—-"))
def test_every_hyphen_variant_between_digits(dash):
    assert normalize(f"千石3{dash}3{dash}7") == "千石3-3-7"


def test_long_vowel_mark_kept_inside_words():
    # 'ー' is a hyphen only between digits; 'センター' keeps it.
    assert normalize("センター2ー1") == "センター2-1"


def test_spaces_trimmed_and_collapsed():
    # 国立市 row: '東京都国立市東 1-15-18 ' (trailing and inner space)
    assert normalize(" 東京都国立市東 1-15-18 ") == "東京都国立市東 1-15-18"
    assert normalize("恵比寿　4 － 5") == "恵比寿 4-5"


def test_full_width_letters():
    # 渋谷区 row: '神宮前5-10-1GYRE 4F' written full-width
    assert normalize("神宮前５－１０－１ＧＹＲＥ　４Ｆ") == "神宮前5-10-1GYRE 4F"


# --------------------------------------------------------------------------- match_key

def test_ke_variants_fold():
    # 渋谷区 list writes '千駄ヶ谷', '富ヶ谷', '幡ヶ谷'; the gazetteer '千駄ケ谷'.
    assert match_key("千駄ヶ谷") == match_key("千駄ケ谷") == match_key("千駄ヵ谷")
    assert match_key("富ヶ谷") == match_key("富ケ谷")
    # 町田市 gazetteer '成瀬が丘', often written '成瀬ヶ丘'
    assert match_key("成瀬が丘") == match_key("成瀬ヶ丘")


def test_no_variants_fold():
    # 生駒市 gazetteer '鹿ノ台北', often written '鹿の台北'; 之 too
    assert match_key("鹿の台北") == match_key("鹿ノ台北") == match_key("鹿之台北")


def test_oaza_prefix_dropped_for_matching():
    assert match_key("大字高山") == match_key("高山") == match_key("字高山")
    # normalize keeps it: it is for display
    assert normalize("大字高山") == "大字高山"


def test_match_key_removes_spaces():
    assert match_key("恵比寿 西") == match_key("恵比寿西")


# --------------------------------------------------------------------------- numerals

@pytest.mark.parametrize("text,value", [
    ("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23), ("百", 100),
    ("百五", 105), ("二〇", 20), ("三", 3), ("12", 12), ("１２", 12), ("壱", 1),
])
def test_kanji_to_int(text, value):
    assert kanji_to_int(text) == value


def test_kanji_to_int_rejects_words():
    with pytest.raises(ValueError):
        kanji_to_int("恵比寿")


@pytest.mark.parametrize("value", [1, 3, 9, 10, 11, 20, 23, 99, 100, 105])
def test_int_to_kanji_round_trip(value):
    assert kanji_to_int(int_to_kanji(value)) == value


def test_int_to_kanji_and_chome_label():
    assert int_to_kanji(23) == "二十三"
    assert int_to_kanji(10) == "十"
    assert chome_label(4) == "四丁目"   # '恵比寿4-5-15' is 恵比寿四丁目


def test_split_chome_of_gazetteer_names():
    # Geolonia / 位置参照情報 write 丁目 in kanji
    assert split_chome("あすか野北一丁目") == ("あすか野北", 1)
    assert split_chome("神宮前六丁目") == ("神宮前", 6)
    assert split_chome("宇田川町") == ("宇田川町", None)
    # a town name with a kanji numeral that is not a 丁目 (高松市)
    assert split_chome("塩江町安原下第一号") == ("塩江町安原下第一号", None)


# --------------------------------------------------------------------------- parse

def test_parse_pref_city_town_chome_banchi_go():
    # 渋谷区 row: '東京都渋谷区恵比寿4-5-15' (three numbers: 丁目-番-号)
    assert parse("東京都渋谷区恵比寿4-5-15") == ParsedAddress(
        pref="東京都", city="渋谷区", town="恵比寿", chome=4, banchi="5", go="15", rest=None)


def test_parse_full_width_hyphens():
    # 文京区 row: '東京都文京区小石川3－4－14'
    p = parse("東京都文京区小石川3－4－14")
    assert (p.city, p.town, p.chome, p.banchi, p.go) == ("文京区", "小石川", 3, "4", "14")


def test_parse_mixed_width_digits():
    # 渋谷区 row: '東京都渋谷区初台１-11-2'
    p = parse("東京都渋谷区初台１-11-2")
    assert (p.town, p.chome, p.banchi, p.go) == ("初台", 1, "11", "2")


def test_parse_building_name_after_space_goes_to_rest():
    # 渋谷区 row: '東京都渋谷区渋谷2-8-4 佐野ビル1F'
    p = parse("東京都渋谷区渋谷2-8-4 佐野ビル1F")
    assert (p.town, p.chome, p.banchi, p.go, p.rest) == ("渋谷", 2, "8", "4", "佐野ビル1F")


def test_parse_building_name_glued_to_number():
    # 渋谷区 row: '東京都渋谷区神宮前5-10-1GYRE 4F'
    p = parse("東京都渋谷区神宮前5-10-1GYRE 4F")
    assert (p.town, p.chome, p.banchi, p.go, p.rest) == ("神宮前", 5, "10", "1", "GYRE 4F")


def test_parse_town_without_chome_uses_gazetteer_knowledge():
    # 渋谷区 row: '東京都渋谷区南平台町12-13-402' — 南平台町 has no 丁目, so 12 is the
    # 番地, 13 the 号 and 402 (a room) stays in rest.
    p = parse("東京都渋谷区南平台町12-13-402", town_has_chome=False)
    assert (p.town, p.chome, p.banchi, p.go, p.rest) == ("南平台町", None, "12", "13", "402")
    # without that knowledge three numbers are read as 丁目-番-号
    assert parse("東京都渋谷区南平台町12-13-402").chome == 12


def test_parse_two_numbers_with_and_without_chome():
    # 渋谷区 rows: '東京都渋谷区鉢山町3-27' (no 丁目) and '東京都渋谷区幡ヶ谷3-70' (3丁目70番)
    p = parse("東京都渋谷区鉢山町3-27")
    assert (p.town, p.chome, p.banchi, p.go) == ("鉢山町", None, "3", "27")
    p = parse("東京都渋谷区幡ヶ谷3-70", town_has_chome=lambda town, n: town == "幡ヶ谷")
    assert (p.town, p.chome, p.banchi, p.go) == ("幡ヶ谷", 3, "70", None)


def test_parse_kanji_chome_and_ban_go():
    p = parse("東京都町田市旭町一丁目5番地の3")
    assert (p.city, p.town, p.chome, p.banchi, p.go) == ("町田市", "旭町", 1, "5", "3")
    p = parse("渋谷区恵比寿四丁目5番15号 2F")
    assert (p.pref, p.city, p.town, p.chome, p.banchi, p.go, p.rest) == (
        None, "渋谷区", "恵比寿", 4, "5", "15", "2F")


def test_parse_arabic_and_full_width_chome():
    assert parse("渋谷区神宮前1丁目2番3号").chome == 1
    assert parse("渋谷区神宮前１丁目２番３号").banchi == "2"
    assert parse("渋谷区神宮前二十丁目").chome == 20


def test_parse_banchi_only():
    # 町田市 row: '東京都町田市三輪町392'
    p = parse("東京都町田市三輪町392")
    assert (p.city, p.town, p.chome, p.banchi, p.go) == ("町田市", "三輪町", None, "392", None)


def test_parse_space_between_town_and_number():
    # 国立市 row: '東京都国立市東 1-15-18 '
    p = parse("東京都国立市東 1-15-18 ")
    assert (p.city, p.town, p.chome, p.banchi, p.go) == ("国立市", "東", 1, "15", "18")


def test_parse_without_pref_and_city_uses_defaults():
    p = parse("恵比寿4-5-15", default_pref="東京都", default_city="渋谷区")
    assert (p.pref, p.city, p.town, p.chome) == ("東京都", "渋谷区", "恵比寿", 4)
    # default_city repeated in the text is not doubled
    p = parse("渋谷区恵比寿4-5-15", default_pref="東京都", default_city="渋谷区")
    assert (p.pref, p.city, p.town) == ("東京都", "渋谷区", "恵比寿")


def test_parse_oaza_prefix_dropped():
    p = parse("奈良県吉野郡天川村大字沢谷60")
    assert (p.pref, p.city, p.town, p.banchi) == ("奈良県", "吉野郡天川村", "沢谷", "60")


@pytest.mark.parametrize("text,city", [
    ("札幌市中央区北一条西2丁目1", "札幌市中央区"),
    ("吉野郡天川村大字沢谷60", "吉野郡天川村"),
    ("町田市旭町1-2-3", "町田市"),           # 町 inside the name
    ("四日市市諏訪町1-5", "四日市市"),
    ("東村山市本町1-2-3", "東村山市"),
    ("生駒市東新町8-38", "生駒市"),
    ("高松市番町一丁目8-15", "高松市"),
    ("渋谷区宇田川町3-10", "渋谷区"),
    ("文京区千駄木3-42-4", "文京区"),
    ("横浜市青葉区あざみ野1-1", "横浜市青葉区"),
])
def test_split_city(text, city):
    assert split_city(text)[0] == city


def test_split_city_does_not_eat_town_names():
    assert split_city("宇田川町3-10") == (None, "宇田川町3-10")


def test_parse_all_47_prefectures():
    from geo.geocoding.address import PREFECTURES
    assert len(PREFECTURES) == 47
    assert parse("北海道札幌市中央区北一条西2丁目").pref == "北海道"
    assert parse("京都府京都市中京区寺町通1").pref == "京都府"
    assert parse("京都府京都市中京区寺町通1").city == "京都市中京区"


def test_parse_street_number_roles():
    assert parse_street_number("5番地の15 坂下会館", False).rest == "坂下会館"
    n = parse_street_number("4丁目5-15")
    assert (n.chome, n.banchi, n.go, n.explicit_chome) == (4, "5", "15", True)
    n = parse_street_number("3-70", lambda first: first <= 3)
    assert (n.chome, n.banchi) == (3, "70")
