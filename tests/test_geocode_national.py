"""Any municipality in Japan, out of the box: the national gazetteer loaded by the migration,
municipality codes and names from data, and addresses as people write them.

Every test here runs on a fresh migrated database with NO gazetteer import step: the only
gazetteer is the one `migrate.upgrade()` (= `tsunagari db upgrade`) loaded. Real address lists
are in tests/fixtures/national (see SOURCES.md there); the variant addresses below are written
for these tests (real towns, invented house numbers).
"""
from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from geo.geocoding.gazetteer import NATIONAL_DATASET, geocoder_for, load_national_gazetteer
from geo.geocoding.municipalities import check_digit, parse_code, registry
from geo.storage.models import Dataset, GazetteerEntry

FIXTURES = Path(__file__).parent / "fixtures" / "national"
FINE = ("街区", "町丁目")


@pytest.fixture
def session(empty_db_url, session_for):
    return session_for(empty_db_url)


@pytest.fixture
def geocoder(session):
    return geocoder_for(session)


# --------------------------------------------------------------------------- loaded by the migration

def test_fresh_database_holds_the_national_gazetteer(session):
    ds = session.scalar(select(Dataset).where(Dataset.name == NATIONAL_DATASET))
    assert ds is not None and ds.kind == "gazetteer" and ds.attribution == "Geolonia 住所データ (CC BY 4.0)"
    assert ds.source_file.startswith("japan_towns.csv.gz#sha256=")
    n = session.scalar(select(func.count()).select_from(GazetteerEntry).where(GazetteerEntry.dataset_id == ds.id))
    cities = session.scalar(select(func.count(func.distinct(GazetteerEntry.city_code))))
    # 277,676 rows, less 469 towns without a point; 1,895 municipalities
    assert n == 277_207 and cities == 1_895


def test_loading_again_is_a_no_op_and_a_newer_file_replaces_it(session, tmp_path):
    again = load_national_gazetteer(session)
    assert again.status == "current" and again.rows == 277_207
    newer = tmp_path / "japan_towns.csv.gz"
    with gzip.open(newer, "wt", encoding="utf-8") as f:
        f.write("municipality_code,prefecture,municipality,town,koaza,lat,lng\n"
                "29209,奈良県,生駒市,元町一丁目,,34.6924,135.6971\n"
                "29209,奈良県,生駒市,新しい町,,34.70,135.70\n"
                "29209,奈良県,生駒市,位置のない町,,,\n")
    r = load_national_gazetteer(session, newer)
    assert r.status == "loaded" and r.rows == 2
    ds = session.scalar(select(Dataset).where(Dataset.name == NATIONAL_DATASET))
    assert ds.source_file.endswith(r.file_hash)
    assert session.scalar(select(func.count()).select_from(GazetteerEntry)) == 2
    g = geocoder_for(session)
    assert g.geocode("奈良県生駒市新しい町5").level == "町丁目"
    assert not g.geocode("東京都渋谷区恵比寿西1-7-9").ok     # the old file's towns are gone
    assert load_national_gazetteer(session).status == "loaded"   # and back to the shipped file


# --------------------------------------------------------------------------- real lists

def _real_rows():
    with open(FIXTURES / "real_addresses.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_real_lists_from_several_prefectures_placed_at_chome_or_better(geocoder):
    rows = _real_rows()
    prefs = Counter()
    not_fine = []
    for r in rows:
        g = geocoder.geocode(r["address"], municipality_code=r["municipality_code"])
        if not (g.ok and g.level in FINE):
            not_fine.append((r["source"], r["address"], g.reason))
        else:
            prefs[g.city_code[:2]] += 1
    assert len(rows) == 666
    assert not_fine == []
    # 北海道 東京都 福井県 奈良県 香川県 — and 和歌山県: 十津川村's school district has a school
    # across the border, '新宮市熊野川町日足570', found where the address says
    assert set(prefs) == {"01", "13", "18", "29", "30", "37"}
    assert prefs["29"] == 253 and prefs["30"] == 1 and prefs["01"] == 207


def test_real_quirks_are_repaired_and_noted(geocoder):
    r = geocoder.geocode("番町ニ丁目14番2号 1階", municipality_code="372013")
    assert r.matched == "香川県高松市番町二丁目" and r.level == "町丁目"
    assert {"code": "katakana_numeral", "written": "番町ニ丁目14番2号 1階", "read": "番町二丁目14番2号 1階"} in r.notes
    r = geocoder.geocode("札幌市中央区南十¥八条西15", municipality_code="01101")
    assert r.matched == "北海道札幌市中央区南十八条西十五丁目" and r.notes[0]["code"] == "stray_character"
    r = geocoder.geocode("宇陀市榛原区下井足1061", municipality_code="29212")
    assert r.matched == "奈良県宇陀市榛原下井足" and r.notes[-1] == {"code": "district_word", "text": "榛原区"}
    r = geocoder.geocode("札幌市白石区南郷通2南", municipality_code="01104")
    assert r.matched == "北海道札幌市白石区南郷通二丁目南" and r.level == "町丁目"


# --------------------------------------------------------------------------- variants

@pytest.mark.parametrize("address, matched", [
    # ヶ / ケ / が / ガ in town and municipality names
    ("東京都渋谷区千駄ヶ谷3-1-1", "東京都渋谷区千駄ケ谷三丁目"),
    ("東京都渋谷区千駄が谷3-1-1", "東京都渋谷区千駄ケ谷三丁目"),
    ("東京都千代田区霞ケ関1-1-1", "東京都千代田区霞が関一丁目"),
    ("千葉県鎌ヶ谷市新鎌ヶ谷1-2-3", "千葉県鎌ケ谷市新鎌ケ谷一丁目"),
    ("茨城県龍ヶ崎市3710", "茨城県龍ケ崎市"),
    # 旧字体 in municipality and town names
    ("福岡県糟屋郡須恵町大字須恵771", "福岡県糟屋郡須惠町大字須惠"),
    ("福岡県糟屋郡須惠町大字須惠771", "福岡県糟屋郡須惠町大字須惠"),
    ("奈良県葛城市南道穂176-1", "奈良県葛城市南道穗"),
    # 郡 written or omitted, island names
    ("福岡県須恵町須恵771", "福岡県糟屋郡須惠町大字須惠"),
    ("東京都三宅村阿古497", "東京都三宅島三宅村阿古"),
    ("東京都三宅島三宅村阿古497", "東京都三宅島三宅村阿古"),
    ("奈良県生駒郡斑鳩町法隆寺1-1-1", "奈良県生駒郡斑鳩町大字法隆寺一丁目"),
    ("奈良県斑鳩町法隆寺1-1-1", "奈良県生駒郡斑鳩町大字法隆寺一丁目"),
    # kanji / arabic / full-width numerals; 丁目・番・号・番地・の and every hyphen
    ("奈良県生駒市元町一丁目十三番一号", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町１丁目１３番１号", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町1丁目13-1", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町１－１３－１", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町1‐13‐1", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町1ー13ー1", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町1−13−1", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町1―13―1", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町1丁13番地の1", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町1の13の1", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町 1-13-1", "奈良県生駒市元町一丁目"),
    # 大字 / 字 prefixes
    ("奈良県生駒市大字高山町1234", "奈良県生駒市高山町"),
    ("奈良県生駒市高山町字北谷1234", "奈良県生駒市高山町"),
    # building and room after the address
    ("奈良県生駒市元町1-13-1 生駒ビル3F 301号室", "奈良県生駒市元町一丁目"),
    ("奈良県生駒市元町1丁目13番1号（コミュニティセンター内）", "奈良県生駒市元町一丁目"),
    # numbers that are part of town names
    ("北海道札幌市中央区北1条西2丁目1-1", "北海道札幌市中央区北一条西二丁目"),
    ("岩手県盛岡市飯岡新田第7地割123", "岩手県盛岡市飯岡新田七地割"),
    # a postcode before the address
    ("〒630-0257 奈良県生駒市元町1-13-1", "奈良県生駒市元町一丁目"),
    # 京都's street directions
    ("京都府京都市中京区寺町通御池上る上本能寺前町488", "京都府京都市中京区上本能寺前町"),
])
def test_address_variants_placed_at_chome(geocoder, address, matched):
    r = geocoder.geocode(address)
    assert r.ok and r.level in FINE, (address, r.reason)
    assert r.matched == matched


def test_no_prefecture_or_no_municipality_takes_the_lists_municipality(geocoder):
    r = geocoder.geocode("元町1-13-1", municipality_code="292095")
    assert r.matched == "奈良県生駒市元町一丁目" and r.city_code == "29209"
    assert r.notes == [{"code": "municipality_supplied", "city": "奈良県生駒市"}]
    r = geocoder.geocode("生駒市元町1-13-1")
    assert r.matched == "奈良県生駒市元町一丁目" and r.notes == []
    r = geocoder.geocode("奈良県元町1-13-1", default_city="生駒市")
    assert r.matched == "奈良県生駒市元町一丁目"
    r = geocoder.geocode("〒630-0257 元町1-13-1")   # the postcode names the municipality
    assert r.matched == "奈良県生駒市元町一丁目"
    assert [n["code"] for n in r.notes] == ["postcode_ignored", "municipality_from_postcode"]


def test_a_town_named_like_another_municipality_stays_in_the_lists_municipality(geocoder):
    # 生駒市軽井沢町 and 渋谷区神山町 are towns; 軽井沢町 (長野県) and 神山町 (徳島県) are municipalities
    r = geocoder.geocode("軽井沢町1234", municipality_code="292095")
    assert r.city_code == "29209" and r.matched == "奈良県生駒市軽井沢町"
    r = geocoder.geocode("神山町5-5", municipality_code="131130")
    assert r.city_code == "13113" and r.matched == "東京都渋谷区神山町"
    # with no list municipality, the municipality wins
    assert geocoder.geocode("軽井沢町長倉1234").city_code == "20321"


def test_same_municipality_name_in_two_prefectures(geocoder):
    r = geocoder.geocode("府中市宮町1-1-1")
    assert not r.ok and r.reason_code == "municipality_ambiguous" and "東京都府中市" in r.reason
    assert geocoder.geocode("東京都府中市宮町1-1-1").city_code == "13206"
    assert geocoder.geocode("府中市宮町1-1-1", municipality_code="13206").city_code == "13206"


# --------------------------------------------------------------------------- changes over time

@pytest.mark.parametrize("address, code, matched, note_code", [
    ("静岡県浜松市中央区元城町103-2", "22138", "静岡県浜松市中央区元城町", "predecessor_data"),
    ("静岡県浜松市中区元城町103-2", "22138", "静岡県浜松市中央区元城町", "former_municipality"),
    ("静岡県浜松市浜名区西美薗2981", "22139", "静岡県浜松市浜名区西美薗", "predecessor_data"),
    ("静岡県浜松市浜北区西美薗2981", "22139", "静岡県浜松市浜名区西美薗", "former_municipality"),
    ("静岡県浜松市天竜区二俣町二俣481", "22140", "静岡県浜松市天竜区二俣町二俣", None),
    ("静岡県浜松市元城町103-2", "22138", "静岡県浜松市中央区元城町", "ward_supplied"),
])
def test_hamamatsu_old_and_new_wards_are_both_found(geocoder, address, code, matched, note_code):
    r = geocoder.geocode(address)
    assert r.ok and r.level in FINE and r.city_code == code and r.matched == matched
    assert [n["code"] for n in r.notes] == ([note_code] if note_code else [])


def test_designated_city_without_its_ward(geocoder):
    r = geocoder.geocode("大阪府大阪市梅田1-1-1")
    assert r.matched == "大阪府大阪市北区梅田一丁目" and r.city_code == "27127"


# --------------------------------------------------------------------------- withheld

@pytest.mark.parametrize("address", ["非公開", "個人宅のため非公開", "個人宅のため住所は非公開",
                                     "参加申込者にお知らせします", "詳細はお問い合わせください",
                                     "生駒市内（個人宅）"])
def test_withheld_address_is_not_a_town_not_found(geocoder, address):
    r = geocoder.geocode(address, municipality_code="292095")
    assert r.withheld and not r.ok and r.reason_code == "address_withheld" and not r.needs_review
    assert r.lat is None


def test_withheld_address_with_a_town_keeps_the_point_for_coverage(geocoder):
    r = geocoder.geocode("生駒市元町1丁目（個人宅のため番地は非公開）")
    assert r.withheld and r.ok and r.matched == "奈良県生駒市元町一丁目"


# --------------------------------------------------------------------------- codes and names from data

def test_check_digit_and_codes():
    assert [c + check_digit(c) for c in ("13113", "29209", "01101", "22138", "40344")] == [
        "131130", "292095", "011011", "221384", "403440"]
    assert parse_code("292095") == ("29209", None)
    assert parse_code("292096") == ("29209", "municipality_code_check_digit")
    assert parse_code("1101") == ("01101", None)
    assert parse_code("abc") == (None, "municipality_code_invalid")


def test_every_municipality_of_japan_is_known_with_kana_and_postcodes(geocoder):
    reg = registry()
    current = [m for m in reg.municipalities.values() if m.current]
    assert len(current) > 1_880 and all(m.kana for m in current)
    assert len({m.pref for m in current}) == 47
    m = reg.get("403440")
    assert (m.pref, m.name, m.code6) == ("福岡県", "糟屋郡須惠町", "403440")
    assert {"須恵町", "糟屋郡須恵町", "須惠町"} <= set(m.variants)
    assert reg.get("13381").name == "三宅島三宅村" and "三宅村" in reg.get("13381").variants
    assert reg.get("22131").current is False and reg.get("22138").current is True
    assert [(t.pref, t.city, t.town) for t in reg.postcode("〒630-0257")] == [("奈良県", "生駒市", "元町")]
    assert any(t.city == "生駒市" for t in reg.towns_read("もとまち"))


# --------------------------------------------------------------------------- resident search

@pytest.fixture
def demo(demo_db_url, session_for):
    return session_for(demo_db_url)


@pytest.mark.parametrize("q", ["〒630-0257", "630-0257", "6300257", "〒６３０－０２５７", "郵便番号630-0257"])
def test_search_finds_postcodes(demo, q):
    from geo.places import search

    found = search.search_text(demo, q)
    assert found.origin and found.origin.kind == "postcode"
    assert found.origin.label == "〒630-0257 奈良県生駒市元町"
    assert abs(found.origin.lat - 34.6924) < 0.01 and abs(found.origin.lon - 135.6971) < 0.01


def test_unknown_postcode_says_so(demo):
    from geo.places import search

    found = search.search_text(demo, "999-9999")
    assert found.origin is None and found.reason.key == "search.postcode_unknown"
    assert found.reason.text("ja") == "郵便番号 999-9999 が見つかりません"
    assert found.reason.text("en") == "Postcode 999-9999 not found"


@pytest.mark.parametrize("q", ["もとまち", "モトマチ", "ﾓﾄﾏﾁ", "もとまち1丁目"])
def test_search_finds_town_readings_in_the_served_municipality(demo, q):
    from geo.places import search

    found = search.search_text(demo, q)
    assert found.origin and found.origin.kind == "town", q
    assert found.origin.label.startswith("奈良県生駒市元町")


def test_search_finds_addresses_anywhere_in_japan_and_says_nothing_is_near(demo, demo_db_url):
    from conftest import make_app
    from geo.places import search

    found = search.search_text(demo, "北海道札幌市中央区北1条西2丁目1-1")
    assert found.origin.label == "北海道札幌市中央区北一条西二丁目"
    assert search.nearest(demo, found.origin.lat, found.origin.lon) == []
    assert search.nothing_near(demo, found.origin.lat, found.origin.lon)
    assert search.help_desk(demo, found.origin.lat, found.origin.lon) is None
    client = make_app(demo_db_url).test_client()
    j = client.get("/api/search?q=札幌市中央区北1条西2丁目").json
    assert j["origin"]["label"] == "北海道札幌市中央区北一条西二丁目"
    assert j["results"] == [] and j["help"] is None
    assert j["message"] == "この近くに登録された場所はありません"
    en = client.get("/api/search?q=札幌市中央区北1条西2丁目&lang=en").json
    assert en["message"] == "No places are registered near here"
    # and near the demo's places, the list is there and no such message
    near = client.get("/api/search?q=生駒市元町1丁目").json
    assert near["results"] and near["message"] is None


def test_imported_gaiku_data_lies_on_top_of_the_national_gazetteer(session, tmp_path):
    from geo.geocoding.gazetteer import import_gazetteer
    from test_geocode import GAIKU_HEADER, _write_cp932

    before = geocoder_for(session).geocode("奈良県生駒市元町1-13-1")
    assert before.level == "町丁目"
    path = _write_cp932(tmp_path / "29209_gaiku.csv", GAIKU_HEADER, [
        ["奈良県", "生駒市", "元町一丁目", "", "13", "6", "0", "0", "34.6930", "135.6980", "1", "1", "0", "0"]])
    ds, n = import_gazetteer(session, path)
    session.commit()
    assert n == 1 and ds.municipality_code == "29209"   # code from the municipality registry
    g = geocoder_for(session)
    r = g.geocode("奈良県生駒市元町1-13-1")
    assert r.level == "街区" and (r.lat, r.lon) == (34.6930, 135.6980) and r.matched == "奈良県生駒市元町一丁目13番"
    assert g.geocode("奈良県生駒市元町1-14-1").level == "町丁目"       # other blocks: the national point
    assert g.geocode("東京都渋谷区恵比寿西1-7-9").level == "町丁目"    # the rest of Japan unchanged


# --------------------------------------------------------------------------- imports

def _write_list(path, rows):
    path.write_text("名称,住所,緯度,経度\n" + "".join(f"{n},{a},,\n" for n, a in rows), encoding="utf-8")
    return path


def test_import_any_municipality_with_repairs_and_withheld_addresses(session, tmp_path):
    from geo.ingest.importer import import_places
    from geo.storage.models import ImportRun, Place

    path = _write_list(tmp_path / "hamamatsu_salons.csv", [
        ("元城サロン", "静岡県浜松市中央区元城町103-2"),          # today's ward, data of the former 中区
        ("旧区名サロン", "浜松市中区鍛冶町100"),                 # the former ward's name
        ("区なしサロン", "浜松市元城町103-2"),                   # no ward written
        ("町名だけサロン", "田町326-20"),                         # no municipality: the list's
        ("個人宅サロン", "個人宅のため非公開"),                    # withheld
        ("一部非公開サロン", "浜松市中央区元城町（番地は非公開）"),  # withheld, but the town is known
    ])
    r = import_places(session, path, layer="salons", municipality_code="221384", geocode=True)
    session.commit()
    assert r.new == 6 and r.no_point == [] and r.needs_review == []
    assert r.geocoding["fine"] == 5 and r.geocoding["withheld"] == 1
    places = {p.name: p for p in session.scalars(select(Place))}
    assert places["元城サロン"].geocode_matched == "静岡県浜松市中央区元城町"
    assert places["旧区名サロン"].geocode_matched == "静岡県浜松市中央区鍛冶町"
    assert places["町名だけサロン"].geocode_matched == "静岡県浜松市中央区田町"
    hidden = places["個人宅サロン"]
    assert (hidden.precision, hidden.point, hidden.public_point, hidden.needs_review) == ("hidden", None, None, False)
    part = places["一部非公開サロン"]
    assert part.precision == "hidden" and part.point is not None and part.public_point is None
    codes = {(n["line"], n["code"]) for n in r.notes}
    assert {(2, "geocode.note.predecessor_data"), (3, "geocode.note.former_municipality"),
            (4, "geocode.note.ward_supplied"), (5, "geocode.note.municipality_supplied"),
            (6, "geocode.note.address_withheld"), (7, "geocode.note.address_withheld")} <= codes
    stored = session.get(ImportRun, r.run_id).report
    assert {"line": 3, "code": "geocode.note.former_municipality",
            "params": {"written": "浜松市中区", "current": "浜松市中央区"}} in stored["notes"]
    text = "\n".join(r.lines())
    assert "旧市区町村名 浜松市中区 を現在の 浜松市中央区 と読みました" in text


def test_withheld_address_without_geocoding_is_hidden_not_to_review(session, tmp_path):
    from geo.ingest.importer import import_places
    from geo.storage.models import Place

    path = _write_list(tmp_path / "list.csv", [("秘密の居場所", "非公開"), ("住所のない場所", "")])
    r = import_places(session, path, layer="salons", municipality_code="292095")
    session.commit()
    assert [x["name"] for x in r.no_point] == ["住所のない場所"]
    p = session.scalar(select(Place).where(Place.name == "秘密の居場所"))
    assert p.precision == "hidden" and not p.needs_review


def test_unknown_town_reason_is_a_code_shown_in_each_language(session, tmp_path):
    from geo.ingest.importer import import_places

    path = _write_list(tmp_path / "list.csv", [("どこかの場所", "奈良県生駒市存在しない町1-2-3")])
    r = import_places(session, path, layer="salons", geocode=True)
    assert r.no_point[0]["code"] == "geocode.town_not_found"
    assert r.no_point[0]["params"] == {"text": "存在しない町1-2-3"}
    assert r.no_point[0]["reason"].startswith("町名が見つかりません: 存在しない町1-2-3 (town not found")
