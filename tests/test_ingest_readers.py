"""File readers (geo.ingest.*) on the real open-data files in tests/fixtures and on
malformed input. Counts below were checked by hand against the files (see SOURCES.md there).
"""
from __future__ import annotations

import json
import random
import sys
import types
import zipfile

import pytest

from geo.ingest.areas import read_areas
from geo.ingest.places import read_places_csv
from geo.ingest.population import read_age_table, read_small_areas, topojson_features
from geo.ingest.text import decode_bytes, is_formula_like, neutralise_formula, normalize_cell
from geo.ingest.records import AreaRecord, PlaceRecord, PopulationRecord
from helpers import FIXTURES

KODOMO = FIXTURES / "kodomo-shokudo-csv"
TAKAMATSU = FIXTURES / "takamatsu-facilities"
NARA = FIXTURES / "ksj-school-districts-nara-2023"
SAPPORO = FIXTURES / "ksj-school-districts-sapporo-old-schema" / "Elementary.geojson"
IKOMA = FIXTURES / "estat-small-areas-ikoma-2020" / "r2ka29209.topojson"


HEADER_49 = (
    "全国地方公共団体コード,ID,都道府県,市区町村名,名称,名称_カナ,設置目的,実施支援の主な区分,住所,方書,緯度,経度,"
    "電話番号1,電話番号1_連絡先備考,電話番号2,電話番号2_連絡先備考,内線番号,FAX番号,URL,メールアドレス1,"
    "メールアドレス1_連絡先備考,メールアドレス2,メールアドレス2_連絡先備考,法人番号,運営団体名,開催頻度,開催曜日,"
    "開催日,開催開始時間,開催終了時間,開催日時特記事項,参加条件,参加費_幼児,参加費_小学生,参加費_中学生,"
    "参加費_高校生,参加費_大人,参加費特記事項,予約方法,予約特記事項,定員,フードパントリー実施,テイクアウト実施,"
    "学区,ネットワークの加入,追加情報NO,画像,画像_ライセンス,備考"
)
COLS = HEADER_49.split(",")


def std_row(**values) -> str:
    """One 49-column row of the standard 子ども食堂一覧 with the given columns filled."""
    cells = [""] * len(COLS)
    for k, v in values.items():
        cells[COLS.index(k)] = v
    return ",".join(cells)


# ---------------------------------------------------------------- text

def test_decode_bytes_variants():
    s = "名称,住所\n子ども食堂,東京都\n"
    assert decode_bytes(s.encode("utf-8")) == (s, "utf-8")
    assert decode_bytes(b"\xef\xbb\xbf" + s.encode())[0] == s
    # 狛江市: the BOM twice (and more) -> all stripped
    assert decode_bytes(b"\xef\xbb\xbf" * 3 + s.encode()) == (s, "utf-8-sig")
    assert decode_bytes(s.encode("cp932")) == (s, "cp932")
    assert decode_bytes(s.encode("euc_jp")) == (s, "euc_jp")
    assert decode_bytes(s.encode("utf-16")) [0] == s  # BOM written by Python
    assert decode_bytes(b"\xfe\xff" + s.encode("utf-16-be"))[0] == s
    assert decode_bytes(b"") == ("", "utf-8")
    # cut inside the last multibyte character: keep the complete part
    text, enc = decode_bytes(s.encode()[:-2])
    assert enc == "utf-8" and text == "名称,住所\n子ども食堂,東京"


@pytest.mark.parametrize("data", [
    b"\x00\x01\x02\x03binary\x00" * 10,
    random.Random(0).randbytes(4000),
    random.Random(1).randbytes(300),
    b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(500),
])
def test_decode_bytes_rejects_binary(data):
    with pytest.raises(ValueError) as e:
        decode_bytes(data)
    msg = str(e.value)
    assert msg.startswith("テキストファイルとして読めません") and "binary" in msg


def test_normalize_cell():
    assert normalize_cell("  東京都文京区小石川3－4－14 ") == "東京都文京区小石川3-4-14"
    assert normalize_cell("旭町１‐２ー３") == "旭町1-2-3"
    assert normalize_cell("庵治町888−1") == "庵治町888-1"
    assert normalize_cell("０９０―１２３４") == "090-1234"
    for placeholder in (" -", "ー", "-", "－", "", "   ", "\u3000", None):
        assert normalize_cell(placeholder) is None
    assert normalize_cell("代-木4-4-1") == "代-木4-4-1"  # only hyphens between digits are touched
    assert normalize_cell("ラーメン") == "ラーメン"


def test_formula_guard():
    evil = "=cmd|' /C calc'!A0"
    assert is_formula_like(evil)
    assert neutralise_formula(evil) == "'" + evil
    for s in ("+81-3-1234", "@SUM(1)", "-2+3", "＝1+1"):
        assert is_formula_like(s), s
    for s in ("-1.5", "-", " -", "35.6", "子ども食堂", "", None):
        assert not is_formula_like(s), s
        assert neutralise_formula(s) == s


# ---------------------------------------------------------------- places: real files

KODOMO_COUNTS = {
    # file: (records, rejections, format)
    "131059_bunkyo_kodomosyokudo.csv": (7, 0, "jp-standard-kodomo-shokudo"),
    "131130_shibuyaku_kodomosyokudo.csv": (52, 0, "jp-standard-kodomo-shokudo"),
    "132098_machidashi_kodomosyokudo.csv": (19, 0, "jp-standard-kodomo-shokudo"),
    "132152_kunitachishi_kodomosyokudo.csv": (12, 0, "jp-standard-kodomo-shokudo"),
    "132152_kunitachishi_kodomosyokudo_tsuika.csv": (2, 0, "jp-standard-supplement"),
    "132195_komaeshi_kodomosyokudo.csv": (6, 0, "jp-standard-kodomo-shokudo"),
    "15_182109_kodomoshokudo.csv": (6, 0, "jp-standard-kodomo-shokudo"),
}
TAKAMATSU_COUNTS = {
    "children_club.csv": 35,
    "community_center.csv": 52,
    "contact_center.csv": 2,
    "regional_comprehensive_support_center.csv": 7,
    "welfare_hall.csv": 7,
}


def test_every_real_csv_is_covered():
    assert sorted(p.name for p in KODOMO.glob("*.csv")) == sorted(KODOMO_COUNTS)
    assert sorted(p.name for p in TAKAMATSU.glob("*.csv")) == sorted(TAKAMATSU_COUNTS)


@pytest.mark.parametrize("fname", sorted(KODOMO_COUNTS))
def test_kodomo_shokudo_files(fname):
    n_rec, n_rej, fmt = KODOMO_COUNTS[fname]
    r = read_places_csv(KODOMO / fname)
    assert (len(r.records), len(r.rejections), r.format) == (n_rec, n_rej, fmt)
    assert r.encoding == "utf-8-sig"
    assert all(isinstance(x, PlaceRecord) for x in r.records)
    assert [x.line for x in r.records] == list(range(2, n_rec + 2))  # one physical line per row
    for x in r.records:
        assert x.target_groups == []  # nothing assumed unless the caller says so
        assert x.lat is None or (20 <= x.lat <= 46 and 122 <= x.lon <= 154)
        assert not any(k.startswith("\ufeff") for k in x.extra)
    if fmt == "jp-standard-supplement":
        assert all(x.name is None and x.source_id for x in r.records)
    else:
        assert all(x.name for x in r.records)
        assert r.columns["名称"] == "name"


def test_kodomo_details():
    machida = read_places_csv(KODOMO / "132098_machidashi_kodomosyokudo.csv",
                              default_target_groups=["こども", "子育て世帯"])
    first = machida.records[0]
    assert (first.name, first.source_id, first.municipality_code) == ("にこにこ清風食堂", "1", "13209")
    assert (first.lat, first.lon) == (35.57641, 139.46245)
    assert first.operator == "社会福祉法人賛育会" and first.operator_type == "社会福祉法人"
    assert first.school_district == "132098H00032"  # 町田市 publishes school IDs in 学区
    assert first.extra["方書"] == "金井中学校" and first.extra["開催頻度"] == "5"
    assert first.capacity == 80 and first.free_of_charge is False
    assert first.target_groups == ["こども", "子育て世帯"]
    assert all(x.lat is not None for x in machida.records)

    # 渋谷区: address only, several schools per 学区 cell, free-text schedule in 開催日
    shibuya = read_places_csv(KODOMO / "131130_shibuyaku_kodomosyokudo.csv", layer="kodomo_shokudo")
    assert all(x.lat is None and x.address for x in shibuya.records)
    assert shibuya.records[2].school_district == "臨川小;加計塚小"
    assert shibuya.records[0].schedule_text.startswith("第2・4水曜日 15時～19時")
    assert shibuya.records[0].source_id is None  # ID column left empty by 渋谷区
    assert shibuya.records[0].target_groups == ["こども", "子育て世帯"]

    bunkyo = read_places_csv(KODOMO / "131059_bunkyo_kodomosyokudo.csv")
    b = {x.name: x for x in bunkyo.records}
    assert b["氷川下子ども食堂"].free_of_charge is True
    assert b["おもてなし食堂"].free_of_charge is False
    assert b["おもてなし食堂"].address == "東京都文京区小石川3-4-14"  # full-width hyphens
    assert "原則第2・4金曜日だが変動あり" in b["おかえりごはん"].schedule_text
    assert b["おかえりごはん"].reservation_required is None  # '要予約' and '不要' both said
    assert b["動坂ごはん"].reservation_required is True

    komae = read_places_csv(KODOMO / "132195_komaeshi_kodomosyokudo.csv")
    assert komae.records[0].name == "NPO法人 狛江子ども食堂"  # double BOM gone, header found
    assert komae.records[0].reservation_required is False  # 予約方法 '不要'
    assert komae.records[0].operator_type == "NPO"
    assert komae.records[5].municipality_code == "13219"  # published as 132196 (bad check digit)
    assert any("132196" in w for w in komae.warnings)

    sakai = read_places_csv(KODOMO / "15_182109_kodomoshokudo.csv")
    assert sakai.columns["NO"] == "source_id"
    assert sakai.columns["都道府県コード又は市区町村コード"] == "municipality_code"
    s = {x.name: x for x in sakai.records}
    assert s["子ども食堂スマイル"].schedule_text.startswith("毎月第4日曜日")
    assert s["OIDE"].fees.startswith("小学生 300円")  # 幼児 ' -' is a placeholder
    assert s["えがお子ども食堂"].capacity == 500

    kunitachi = read_places_csv(KODOMO / "132152_kunitachishi_kodomosyokudo.csv")
    k = {x.name: x for x in kunitachi.records}
    assert k["つり舟の子ども食堂"].address == "東京都国立市東 1-15-18"
    assert k["つり舟の子ども食堂"].free_of_charge is None  # 0円 for children, '大人は応相談'
    assert k["きたまち学☆食"].free_of_charge is True


def test_kunitachi_supplement_merges_by_id():
    main = read_places_csv(KODOMO / "132152_kunitachishi_kodomosyokudo.csv")
    sup = read_places_csv(KODOMO / "132152_kunitachishi_kodomosyokudo_tsuika.csv")
    assert sup.format == "jp-standard-supplement"
    ids = {x.source_id for x in main.records}
    assert [x.source_id for x in sup.records] == ["7", "10"]
    assert {x.source_id for x in sup.records} <= ids
    assert sup.records[0].address == "東京都国立市泉2-3-2 1号棟"
    assert sup.records[0].capacity == 100


@pytest.mark.parametrize("fname", sorted(TAKAMATSU_COUNTS))
def test_takamatsu_files(fname):
    r = read_places_csv(TAKAMATSU / fname, municipality_code="372013")
    assert r.format == "takamatsu" and r.encoding == "utf-8"
    assert (len(r.records), len(r.rejections)) == (TAKAMATSU_COUNTS[fname], 0)
    assert all(x.lat and x.lon and x.name for x in r.records)
    assert all(x.municipality_code == "37201" for x in r.records)


def test_takamatsu_details():
    club = read_places_csv(TAKAMATSU / "children_club.csv")
    # quoted multi-line cells: physical line numbers of the row starts
    assert [x.line for x in club.records[:3]] == [2, 6, 10]
    first = club.records[0]
    assert first.capacity == 40 and club.records[1].capacity == 38  # '40人', '３８人'
    assert "月～土曜日\n土曜日については月１回施設の指定する日のみ" in first.schedule_text  # verbatim
    assert first.fees.startswith("20,000円/月") and first.free_of_charge is False
    assert first.extra["targetChildren"] == "小学1～6年生"

    rc = read_places_csv(TAKAMATSU / "regional_comprehensive_support_center.csv")
    assert [x.source_id for x in rc.records] == ["1", "2", "4", "5", "6", "7", "8"]
    assert rc.records[0].url.startswith("https://www.city.takamatsu")
    assert "月火水木金" in rc.records[0].schedule_text and "08:30～17:00" in rc.records[0].schedule_text

    cc = read_places_csv(TAKAMATSU / "community_center.csv")
    assert {x.address for x in cc.records} >= {"高松市庵治町888-1"}  # U+2212 minus normalised


def test_wrong_encoding_variants_of_a_real_file(tmp_path):
    text = (KODOMO / "132195_komaeshi_kodomosyokudo.csv").read_bytes().decode("utf-8").lstrip("\ufeff")
    for enc in ("cp932", "euc_jp", "utf-16"):
        p = tmp_path / f"komae_{enc}.csv"
        p.write_bytes(text.encode(enc))
        r = read_places_csv(p)
        assert (len(r.records), len(r.rejections)) == (6, 0), enc
        assert r.records[0].name == "NPO法人 狛江子ども食堂"
    # a UTF-8 file cut in the middle of a multi-byte character in the 3rd data row
    data = (KODOMO / "132195_komaeshi_kodomosyokudo.csv").read_bytes()
    cut = data.index("こどもの多摩里食堂".encode()) + 4
    r = read_places_csv(data[:cut])
    assert len(r.records) == 3 and r.records[2].line == 4


# ---------------------------------------------------------------- places: rules and malformed input

def test_row_rules_and_line_numbers():
    rows = [
        HEADER_49,
        std_row(名称="ふつう", 緯度="35.6", 経度="139.7", 定員="40人", 参加費_幼児="0", 参加費_大人="無料"),
        std_row(名称="", 住所="名前なし"),
        std_row(名称="入れ替わり", 緯度="139.7", 経度="35.6"),
        std_row(名称="ゼロ", 緯度="0", 経度="0"),
        std_row(名称="海外", 緯度="51.5", 経度="-0.12"),
        std_row(名称="文字", 緯度="北緯35度", 経度="139.7"),
        std_row(名称="座標なし", 住所="東京都"),
        std_row(名称='"複数行\n名称"', 緯度="３５．６", 経度="１３９．７"),
        std_row(名称="長い", 備考="あ" * 2001),
        std_row(名称="片方", 緯度="35.6"),
    ]
    r = read_places_csv(("\r\n".join(rows) + "\r\n").encode("cp932"), layer="kodomo_shokudo")
    assert r.encoding == "cp932"
    got = {x.name: x for x in r.records}
    assert set(got) == {"ふつう", "座標なし", "複数行\n名称", "片方"}
    assert got["ふつう"].capacity == 40 and got["ふつう"].free_of_charge is True
    assert got["ふつう"].target_groups == ["こども", "子育て世帯"]
    assert got["座標なし"].lat is None and got["座標なし"].lon is None
    assert (got["複数行\n名称"].lat, got["複数行\n名称"].lon) == (35.6, 139.7)
    assert got["片方"].lat is None and any("片方" in w for w in r.warnings)
    rej = {x.line: x.reason for x in r.rejections}
    assert rej[3] == "名称がありません (no name)"
    assert rej[4] == "緯度と経度が入れ替わっています (latitude and longitude swapped)"
    assert "(0, 0)" in rej[5]
    assert "日本の範囲外" in rej[6] and "outside Japan" in rej[6]
    assert "数値ではありません" in rej[7]
    assert "2,000" in rej[11]  # the multi-line cell on lines 9-10 pushes this row to line 11
    assert got["複数行\n名称"].line == 9
    assert got["片方"].line == 12
    assert all(x.raw for x in r.rejections) and all(len(x.raw) <= 500 for x in r.rejections)


def test_generic_csv_aliases_and_mapping(tmp_path):
    p = tmp_path / "salon.csv"
    p.write_text("施設名,所在地,lat,lng,電話\nふれあいサロン,生駒市1-1,34.69,135.70,0743-00-0000\n", encoding="utf-8")
    r = read_places_csv(p, municipality_code="29209")
    assert r.format == "generic"
    rec = r.records[0]
    assert (rec.name, rec.address, rec.lat, rec.lon, rec.phone, rec.municipality_code) == (
        "ふれあいサロン", "生駒市1-1", 34.69, 135.70, "0743-00-0000", "29209")

    xy = read_places_csv("name,x,y\n縁側,139.7,35.6\n".encode())
    assert (xy.records[0].lat, xy.records[0].lon) == (35.6, 139.7)

    odd = "place title,where,N,E,開く日\nサロンA,駅前,35.1,136.9,第1月曜\n".encode()
    with pytest.raises(ValueError) as e:
        read_places_csv(odd)
    msg = str(e.value)
    assert "name" in msg and "place title" in msg and "where" in msg  # fields missing + columns found
    r = read_places_csv(odd, mapping={"place title": "name", "where": "address", "N": "lat", "E": "lon",
                                      "開く日": "schedule_text"})
    rec = r.records[0]
    assert (rec.name, rec.address, rec.lat, rec.lon, rec.schedule_text) == ("サロンA", "駅前", 35.1, 136.9, "第1月曜")
    # mapping wins over detection
    r = read_places_csv("名称,別名\nA,B\n".encode(), mapping={"別名": "name", "名称": "note"})
    assert (r.records[0].name, r.records[0].note) == ("B", "A")
    with pytest.raises(ValueError, match="ありません"):
        read_places_csv(odd, mapping={"nope": "name"})
    with pytest.raises(ValueError, match="unknown field"):
        read_places_csv(odd, mapping={"N": "latitude_typo"})
    with pytest.raises(ValueError, match="lon"):
        read_places_csv("名称,緯度\nA,35\n".encode())


def test_title_rows_above_header_and_tsv():
    data = "子ども食堂一覧,,\n令和6年4月1日現在,,\n名称,住所,備考\nA食堂,東京都,\n".encode("cp932")
    r = read_places_csv(data)
    assert [x.name for x in r.records] == ["A食堂"] and r.records[0].line == 4
    tsv = read_places_csv("名称\t住所\nB食堂\t大阪府\n".encode())
    assert tsv.records[0].address == "大阪府"


def test_supplement_needs_id_and_forced_supplement():
    data = ("ID,住所,方書,緯度,経度,開催開始時間,参加費_幼児,予約方法,定員\n"
            "7,東京都国立市泉2－3－2,,,,11:00,0,HP,100\n"
            ",東京都国立市,,,,,,,\n").encode()
    r = read_places_csv(data)
    assert r.format == "jp-standard-supplement"
    assert [x.source_id for x in r.records] == ["7"] and r.records[0].name is None
    assert r.rejections[0].line == 3 and "ID" in r.rejections[0].reason
    r = read_places_csv("番号,電話\n3,03-0000-0000\n".encode(), supplement=True)
    assert r.format == "jp-standard-supplement" and r.records[0].source_id == "3"


def test_formula_cells_kept_as_text_and_flagged():
    evil = "=cmd|' /C calc'!A0"
    data = ("名称,住所,備考\n" f'"{evil}",@SUM(A1),+81-3-0000\n' "普通,東京都,-\n").encode()
    r = read_places_csv(data)
    assert [x.name for x in r.records] == [evil, "普通"]  # kept as is, never evaluated
    assert r.records[0].address == "@SUM(A1)"
    flagged = [w for w in r.warnings if "数式" in w]
    assert len(flagged) == 3 and all("2 行目" in w for w in flagged)
    assert neutralise_formula(r.records[0].name) == "'" + evil


def test_huge_fields_do_not_crash():
    big = "x" * 300_000  # beyond the csv module's default field limit
    data = f"名称,備考\nA,{big}\nB,ok\n\"C\",\"{'y' * 2500}\"\n".encode()
    r = read_places_csv(data)
    assert [x.name for x in r.records] == ["B"]
    assert [x.line for x in r.rejections] == [2, 4]
    assert all("2,000" in x.reason and len(x.raw) <= 500 for x in r.rejections)


def test_malformed_files():
    with pytest.raises(ValueError, match="空"):
        read_places_csv(b"")
    with pytest.raises(ValueError, match="空"):
        read_places_csv(b"\xef\xbb\xbf\xef\xbb\xbf\r\n")
    with pytest.raises(ValueError, match="binary"):
        read_places_csv(random.Random(7).randbytes(5000))
    with pytest.raises(ValueError, match="binary"):
        read_places_csv(b"\x00\x00\x00\x00" * 100)
    header_only = read_places_csv((HEADER_49 + "\n").encode())
    assert header_only.records == [] and header_only.rejections == []
    assert any("header only" in w for w in header_only.warnings)
    # truncated inside a quoted cell: that row (which swallowed the rest) is rejected
    trunc = read_places_csv('名称,備考\nA,"ok"\nB,"never closed\nC,x\n'.encode())
    assert [x.name for x in trunc.records] == ["A"]
    assert trunc.rejections[0].line == 3 and "truncated" in trunc.rejections[0].reason
    ok = read_places_csv('名称,備考\nA,"5"" floppy"\n'.encode())
    assert ok.records[0].note == '5" floppy' and not ok.rejections
    # too many cells
    extra = read_places_csv("名称,住所\nA,東京,余計\nB,大阪,\n".encode())
    assert [x.name for x in extra.records] == ["B"] and extra.rejections[0].line == 2
    # blank and comma-only lines are skipped
    blank = read_places_csv("名称,住所\n\nA,東京\n,\n".encode())
    assert [x.name for x in blank.records] == ["A"] and blank.rejections == []
    with pytest.raises(ValueError, match="not found"):
        read_places_csv("/nonexistent/file.csv")


def test_schedule_parser_used_when_present(monkeypatch):
    calls = []

    def fake_parse_schedule(text=None, *, weekdays=None, frequency=None, dates=None, start=None, end=None):
        calls.append(dict(text=text, weekdays=weekdays, frequency=frequency, dates=dates, start=start, end=end))
        return {"weekdays": weekdays}

    mod = types.ModuleType("geo.places.schedule")
    mod.parse_schedule = fake_parse_schedule
    monkeypatch.setitem(sys.modules, "geo.places.schedule", mod)
    data = "\n".join([HEADER_49, std_row(名称="A", 開催頻度="5", 開催曜日="日", 開催日="毎月第4日曜日",
                                            開催開始時間="10:00", 開催終了時間="12:00", 開催日時特記事項="変更あり")])
    r = read_places_csv(data.encode())
    rec = r.records[0]
    assert rec.schedule == {"weekdays": "日"}
    assert rec.schedule_text == "毎月第4日曜日 / 曜日: 日 / 時間: 10:00～12:00 / 変更あり"
    assert calls == [dict(text="変更あり", weekdays="日", frequency="5", dates="毎月第4日曜日",
                          start="10:00", end="12:00")]

    def broken(*a, **k):
        raise RuntimeError("boom")

    mod.parse_schedule = broken
    r = read_places_csv(data.encode())
    assert r.records[0].schedule is None and r.records[0].schedule_text
    assert any("boom" in w for w in r.warnings)


# ---------------------------------------------------------------- areas: real files

def test_nara_a27_a32():
    # tests/fixtures keeps 14 of the 166 A27 features and 11 of the 88 A32 (SOURCES.md says which);
    # on the whole files: 166 / 88 records, first 天川小中学校, make_valid on 地物 166 and 地物 30, 57
    a27 = read_areas(NARA / "A27-23_29.geojson")
    assert (a27.format, len(a27.records), len(a27.rejections)) == ("ksj-a27-v3", 14, 0)
    assert {x.kind for x in a27.records} == {"elementary"}
    assert all(x.geometry.geom_type == "MultiPolygon" and x.geometry.is_valid for x in a27.records)
    first = a27.records[0]
    assert isinstance(first, AreaRecord)
    assert (first.code, first.name, first.municipality_code, first.line) == (
        "C229210000013", "曽爾小中学校義務教育学校", "29385", 1)
    minx, miny, maxx, maxy = first.geometry.bounds
    assert 135 < minx < maxx < 137 and 33 < miny < maxy < 35  # lon/lat order, EPSG:4326
    assert len({x.code for x in a27.records}) == 14
    repaired = [w for w in a27.warnings if "make_valid" in w]
    assert len(repaired) == 1 and repaired[0].startswith("地物 14")  # 熊野川小学校

    a32 = read_areas(NARA / "A32-23_29.geojson")
    assert (a32.format, len(a32.records), len(a32.rejections)) == ("ksj-a32-v3", 11, 0)
    assert {x.kind for x in a32.records} == {"junior_high"}
    assert [w.split("（")[0] for w in a32.warnings if "make_valid" in w] == ["地物 2", "地物 3"]
    # 小中学校 appear in both layers
    assert "生駒北小中学校" in {x.name for x in a27.records} & {x.name for x in a32.records}


def test_ikoma_filter():
    a27 = read_areas(NARA / "A27-23_29.geojson", municipality_code="29209")
    assert len(a27.records) == 12 and all(x.municipality_code == "29209" for x in a27.records)
    a32 = read_areas(NARA / "A32-23_29.geojson", "junior_high", municipality_code="292095")
    assert len(a32.records) == 8
    assert "生駒中学校" in {x.name for x in a32.records}


def test_sapporo_old_schema():
    r = read_areas(SAPPORO)
    # the shared file has 207 features (its SOURCES.md says 202), all with distinct names;
    # tests/fixtures keeps 18: the 16 of 中央区 01101 and 2 of 北区 01102
    assert (r.format, len(r.records), len(r.rejections)) == ("ksj-a27-old", 18, 0)
    assert {x.kind for x in r.records} == {"elementary"}  # from the A27 columns
    first = r.records[0]
    assert (first.code, first.name, first.municipality_code) == ("01101-中央小学校", "中央小学校", "01101")
    assert first.properties["operator"] == "札幌市立" and first.properties["A27_008"] == "札幌市中央区大通東6"
    assert len({x.code for x in r.records}) == 18
    assert read_areas(SAPPORO, municipality_code="01101").records.__len__() == 16


# ---------------------------------------------------------------- areas: formats and geometry rules

def _square(x, y, d=0.01):
    from shapely.geometry import Polygon

    return Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])


def _gdf(rows, crs="EPSG:4326"):
    import geopandas as gpd

    return gpd.GeoDataFrame([r[0] for r in rows], geometry=[r[1] for r in rows], crs=crs)


def test_area_formats_and_crs(tmp_path):
    from shapely.geometry import MultiPolygon

    rows = [({"A27_001": "29209", "A27_002": "生駒市立", "A27_003": "S1", "A27_004": "一小学校", "A27_005": "生駒市1"},
             _square(135.70, 34.69)),
            ({"A27_001": "29209", "A27_002": "生駒市立", "A27_003": "S2", "A27_004": "二小学校", "A27_005": "生駒市2"},
             MultiPolygon([_square(135.72, 34.69), _square(135.75, 34.69)])),
            ({"A27_001": "29201", "A27_002": "奈良市立", "A27_003": "S3", "A27_004": "三小学校", "A27_005": "奈良市3"},
             _square(135.80, 34.68))]
    gdf = _gdf(rows, "EPSG:6668")
    gdf.to_file(tmp_path / "a.gpkg", driver="GPKG")
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.to_crs(4612).to_file(shp_dir / "A27-21_29.shp", engine="pyogrio")
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as z:
        for f in shp_dir.iterdir():
            z.write(f, f"A27-21_29/{f.name}")
    for src in (tmp_path / "a.gpkg", shp_dir, shp_dir / "A27-21_29.shp", tmp_path / "a.zip"):
        r = read_areas(src)
        assert r.format == "ksj-a27-v3", src
        assert [x.code for x in r.records] == ["S1", "S2", "S3"]
        assert all(x.geometry.geom_type == "MultiPolygon" for x in r.records)
        assert len(r.records[1].geometry.geoms) == 2
        assert r.records[0].geometry.bounds[0] == pytest.approx(135.70, abs=1e-5)
        assert [x.name for x in read_areas(src, municipality_code="29209").records] == ["一小学校", "二小学校"]

    # GeoJSON with a CRS84 member, and without a crs member
    fc = {"type": "FeatureCollection",
          "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
          "features": [{"type": "Feature", "properties": {"name": "東地区"},
                        "geometry": json.loads(json.dumps(_square(139.7, 35.6).__geo_interface__))}]}
    (tmp_path / "crs84.geojson").write_text(json.dumps(fc), encoding="utf-8")
    del fc["crs"]
    (tmp_path / "nocrs.geojson").write_text(json.dumps(fc), encoding="utf-8")
    for name in ("crs84.geojson", "nocrs.geojson"):
        r = read_areas(tmp_path / name, "district")
        assert r.format == "generic" and r.records[0].name == "東地区" and r.records[0].code == "東地区"
        assert r.records[0].geometry.bounds[0] == pytest.approx(139.7)


def test_renamed_schema_and_kind_inference(tmp_path):
    rows = [({"行政区域コード": "13113", "設置主体": "渋谷区立", "学校コード": "B1", "名称": "神南小学校", "所在地": "渋谷区"},
             _square(139.70, 35.66)),
            ({"行政区域コード": "13113", "設置主体": "渋谷区立", "学校コード": "B2", "名称": "猿楽小学校", "所在地": "渋谷区"},
             _square(139.70, 35.65))]
    _gdf(rows).to_file(tmp_path / "districts.geojson", driver="GeoJSON")
    r = read_areas(tmp_path / "districts.geojson")
    assert r.format == "ksj-renamed"
    assert {x.kind for x in r.records} == {"elementary"}  # from the names
    assert [x.code for x in r.records] == ["B1", "B2"] and r.records[0].municipality_code == "13113"
    assert r.columns["学校コード"] == "school_code"
    # no school code: municipality code + name; old-schema A32 columns
    rows = [({"A32_005": "29209", "A32_006": "生駒市立", "A32_007": "生駒中学校", "A32_008": "生駒市"}, _square(135.7, 34.7))]
    _gdf(rows).to_file(tmp_path / "old32.geojson", driver="GeoJSON")
    r = read_areas(tmp_path / "old32.geojson")
    assert (r.format, r.records[0].kind, r.records[0].code) == ("ksj-a32-old", "junior_high", "29209-生駒中学校")


def test_invalid_empty_and_nonpolygon_geometries(tmp_path):
    from shapely.geometry import Point, Polygon

    bowtie = Polygon([(135.0, 34.0), (135.1, 34.1), (135.1, 34.0), (135.0, 34.1), (135.0, 34.0)])
    assert not bowtie.is_valid
    rows = [({"name": "ok"}, _square(135.0, 34.0)),
            ({"name": "bowtie"}, bowtie),
            ({"name": "empty"}, Polygon()),
            ({"name": "point"}, Point(135.0, 34.0)),
            ({"name": None}, _square(135.2, 34.0))]
    _gdf(rows).to_file(tmp_path / "bad.gpkg", driver="GPKG")
    r = read_areas(tmp_path / "bad.gpkg", "district")
    assert [x.name for x in r.records] == ["ok", "bowtie"]
    fixed = r.records[1].geometry
    assert fixed.geom_type == "MultiPolygon" and fixed.is_valid and len(fixed.geoms) == 2
    assert any(w.startswith("地物 2") and "make_valid" in w for w in r.warnings)
    rej = {x.line: x.reason for x in r.rejections}
    assert set(rej) == {3, 4, 5}
    assert "empty geometry" in rej[3] or "空" in rej[3]
    assert "not a polygon" in rej[4]
    assert "no name" in rej[5]


def test_area_errors(tmp_path):
    (tmp_path / "nameless.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"foo": 1}, "geometry": _square(135, 34).__geo_interface__}]}))
    with pytest.raises(ValueError, match="foo"):
        read_areas(tmp_path / "nameless.geojson")
    r = read_areas(tmp_path / "nameless.geojson", "district", name_column="foo")
    assert r.records[0].name == "1"
    (tmp_path / "junk.geojson").write_bytes(random.Random(3).randbytes(1000))
    with pytest.raises(ValueError):
        read_areas(tmp_path / "junk.geojson")
    (tmp_path / "trunc.geojson").write_text('{"type": "FeatureCollection", "features": [{"type": "Fea')
    with pytest.raises(ValueError):
        read_areas(tmp_path / "trunc.geojson")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ValueError, match="zip"):
        read_areas(tmp_path / "bad.zip")
    with pytest.raises(ValueError, match="not found"):
        read_areas(tmp_path / "missing.geojson")


# ---------------------------------------------------------------- small areas (e-Stat)

@pytest.mark.parametrize("use_gdal", [True, False])
def test_ikoma_topojson(use_gdal):
    areas, pops = read_small_areas(IKOMA, use_gdal=use_gdal)
    assert areas.format == "estat-small-area-topojson"
    # 123 'town' features; 3 KEY_CODEs are split over 2, 2 and 3 pieces -> 119 areas
    assert len(areas.records) == 119 and areas.rejections == []
    assert sum("まとめました" in w for w in areas.warnings) == 3
    assert all(isinstance(x, AreaRecord) and x.kind == "town_block" for x in areas.records)
    assert all(x.municipality_code == "29209" for x in areas.records)
    assert all(x.geometry.geom_type == "MultiPolygon" and x.geometry.is_valid for x in areas.records)
    assert len({x.code for x in areas.records}) == 119
    first = areas.records[0]
    assert (first.code, first.name) == ("292090010", "青山台")
    assert all(isinstance(p, PopulationRecord) and p.year == 2020 for p in pops.records)
    assert sum(p.total for p in pops.records) == 116_675
    assert sum(p.households for p in pops.records) == 47_666
    byc = {p.area_code: p for p in pops.records}
    assert (byc["292090010"].total, byc["292090010"].households) == (590, 231)
    assert byc["292090231"].total == 568  # the people live in the piece without AREA_MAX_F='M'
    kami = next(a for a in areas.records if a.code == "292091012")
    assert len(kami.geometry.geoms) == 3


def test_topojson_decoder_matches_gdal():
    topo = json.loads(IKOMA.read_text(encoding="utf-8"))
    feats = topojson_features(topo, "town")
    assert len(feats) == 123
    assert sum(p["JINKO"] for p, _ in feats) == 116_675
    city = topojson_features(topo, "city")
    assert len(city) == 1 and city[0][1].geom_type == "MultiPolygon"
    import pyogrio

    gdal = pyogrio.read_dataframe(str(IKOMA), layer="town")
    for (_, mine), theirs in zip(feats, gdal.geometry.values):
        assert mine.equals_exact(theirs, 1e-9)


def test_topojson_quantized_transform(tmp_path):
    # a 2x1 rectangle split into two squares sharing arc 1; quantized with a transform
    topo = {"type": "Topology", "transform": {"scale": [0.5, 0.5], "translate": [135.0, 34.0]},
            "objects": {"town": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "properties": {"KEY_CODE": "1", "S_NAME": "西",
                                                                      "PREF": "29", "CITY": "209", "JINKO": 5, "SETAI": 2}},
                {"type": "Polygon", "arcs": [[2, -2]], "properties": {"KEY_CODE": "2", "S_NAME": "東",
                                                                       "PREF": "29", "CITY": "209", "JINKO": "X", "SETAI": None}}]}},
            "arcs": [[[2, 0], [-2, 0], [0, 2], [2, 0]],      # (136,34)->(135,34)->(135,35)->(136,35)
                     [[2, 2], [0, -2]],                       # (136,35)->(136,34) shared
                     [[2, 2], [2, 0], [0, -2], [-2, 0]]]}     # (136,35)->(137,35)->(137,34)->(136,34)
    p = tmp_path / "t.topojson"
    p.write_text(json.dumps(topo))
    for use_gdal in (True, False):
        areas, pops = read_small_areas(p, use_gdal=use_gdal)
        geoms = {a.code: a.geometry for a in areas.records}
        assert geoms["1"].bounds == (135.0, 34.0, 136.0, 35.0)
        assert geoms["2"].bounds == (136.0, 34.0, 137.0, 35.0)
        assert geoms["1"].area == pytest.approx(1.0) and geoms["2"].area == pytest.approx(1.0)
        assert [(x.area_code, x.total, x.households) for x in pops.records] == [("1", 5, 2), ("2", None, None)]


def test_small_areas_geojson_and_errors(tmp_path):
    rows = [({"KEY_CODE": "292090010", "PREF": "29", "CITY": "209", "S_NAME": "青山台", "JINKO": 590, "SETAI": 231},
             _square(135.70, 34.66)),
            ({"KEY_CODE": None, "PREF": "29", "CITY": "209", "S_NAME": "?", "JINKO": 1, "SETAI": 1},
             _square(135.71, 34.66))]
    _gdf(rows, "EPSG:4612").to_file(tmp_path / "s.geojson", driver="GeoJSON")
    areas, pops = read_small_areas(tmp_path / "s.geojson", year=2015)
    assert areas.format == "estat-small-area-geojson"
    assert [(a.code, a.name, a.municipality_code) for a in areas.records] == [("292090010", "青山台", "29209")]
    assert [x.line for x in areas.rejections] == [2]
    assert [(p.area_code, p.year, p.total) for p in pops.records] == [("292090010", 2015, 590)]
    _gdf([({"name": "x"}, _square(135, 34))]).to_file(tmp_path / "nokey.geojson", driver="GeoJSON")
    with pytest.raises(ValueError, match="KEY_CODE"):
        read_small_areas(tmp_path / "nokey.geojson")


# ---------------------------------------------------------------- age tables (e-Stat, synthetic cp932)

BANDS = [f"{a}～{a + 4}歳" for a in range(0, 100, 5)] + ["100歳以上"]


def _age_csv(path, header_labels, rows):
    codes = ["KEY_CODE", "HYOSYO", "CITYNAME", "NAME", "HTKSYORI", "HTKSAKI", "GASSAN"] + [
        f"T001082{i:03d}" for i in range(1, len(header_labels) + 1)]
    lines = [",".join(codes), ",,,,,,," + ",".join(header_labels)] + [",".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))


def test_age_table_bands(tmp_path):
    labels = ["総数、年齢「不詳」含む"] + BANDS + ["年齢「不詳」"]
    ones = [str(10 + i) for i in range(len(BANDS))]  # 0-4:10, 5-9:11, ... 100+:30
    total = str(sum(int(v) for v in ones) + 3)
    rows = [
        ["292090010", "2", "生駒市", "青山台", "0", "", "", total] + ones + ["3"],
        ["292090020", "2", "生駒市", "秘匿", "1", "292090010", "", "X"] + ["X"] * len(BANDS) + ["X"],
        ["292090030", "2", "生駒市", "一部", "0", "", "", '"1,234"'] + ["-"] + ones[1:] + ["*"],
        ["", "2", "生駒市", "コードなし", "0", "", "", "5"] + ones + ["0"],
        ["292090040", "2", "生駒市", "文字", "0", "", "", "abc"] + ones + ["0"],
    ]
    p = tmp_path / "tblT001082C29.txt"
    _age_csv(p, labels, rows)
    r = read_age_table(p)
    assert r.encoding == "cp932" and r.format == "estat-small-area-table"
    recs = {x.area_code: x for x in r.records}
    a = recs["292090010"]
    assert a.total == int(total) and a.line == 3
    assert a.age_0_14 == 10 + 11 + 12
    assert a.age_15_64 == sum(range(13, 23))
    assert a.age_65_over == sum(range(23, 31))  # 65-69 ... 95-99 and 100歳以上
    s = recs["292090020"]
    assert (s.total, s.age_0_14, s.age_65_over) == (None, None, None)
    partial = recs["292090030"]
    assert partial.total == 1234 and partial.age_0_14 is None and partial.age_65_over == sum(range(23, 31))
    assert {x.line: x.reason.split(" (")[0] for x in r.rejections} == {
        6: "KEY_CODE がありません", 7: "数値ではないセルがあります: T001082001"}


def test_age_table_with_aggregates_and_sex_columns(tmp_path):
    labels = (["総数、年齢「不詳」含む", "総数、0～4歳", "総数、5～9歳", "総数、10～14歳", "総数、65～69歳",
               "総数、15歳未満", "総数、15～64歳", "総数、65歳以上", "総数、75歳以上",
               "男、総数、年齢「不詳」含む", "男、0～4歳", "女、総数、年齢「不詳」含む", "女、65歳以上"])
    rows = [["292090010", "2", "生駒市", "青山台", "0", "", "", "590", "20", "25", "30", "40",
             "75", "300", "215", "120", "290", "9", "300", "999"]]
    p = tmp_path / "age.csv"
    _age_csv(p, labels, rows)
    rec = read_age_table(p).records[0]
    assert (rec.total, rec.age_0_14, rec.age_15_64, rec.age_65_over) == (590, 75, 300, 215)


def test_age_table_errors(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        read_age_table(p)
    p.write_bytes("a,b\n1,2\n".encode("cp932"))
    with pytest.raises(ValueError, match="KEY_CODE"):
        read_age_table(p)
    p.write_bytes("KEY_CODE,T001\n292090010,5\n".encode("cp932"))
    with pytest.raises(ValueError, match="age-band"):
        read_age_table(p)
    p.write_bytes(random.Random(5).randbytes(2000))
    with pytest.raises(ValueError, match="binary"):
        read_age_table(p)
    # header + label line only
    _age_csv(p, ["総数"] + BANDS, [])
    r = read_age_table(p)
    assert r.records == [] and r.warnings


def test_shapefile_in_cp932_without_cpg(tmp_path):
    """Older 国土数値情報 shapefiles are Shift_JIS with no .cpg: re-read as cp932."""
    import pyogrio

    rows = [({"A27_001": "29209", "A27_002": "生駒市立", "A27_003": "S1", "A27_004": "生駒小学校", "A27_005": "生駒市"},
             _square(135.70, 34.69))]
    pyogrio.write_dataframe(_gdf(rows, "EPSG:4612"), tmp_path / "A27.shp", encoding="cp932")
    (tmp_path / "A27.cpg").unlink(missing_ok=True)
    r = read_areas(tmp_path / "A27.shp")
    assert (r.records[0].name, r.records[0].properties["A27_002"]) == ("生駒小学校", "生駒市立")
    assert any("cp932" in w for w in r.warnings)


def test_other_standard_lists():
    kouko = ("全国地方公共団体コード,ID,地方公共団体名,名称,名称_カナ,名称_英字,POIコード,住所,方書,緯度,経度,"
             "電話番号,内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,利用可能日時特記事項,説明,"
             "バリアフリー情報,URL,備考\n"
             "292095,1,生駒市,生駒市コミュニティセンター,イコマシコミュニティセンター,,,奈良県生駒市元町1-6-12,"
             "セラビーいこま,34.6916,135.7002,0743-75-0255,,,,月火水木金土日,09:00,21:30,第3月曜日休館,,,,\n")
    r = read_places_csv(kouko.encode("cp932"))
    assert r.format == "jp-standard" and r.encoding == "cp932"
    rec = r.records[0]
    assert (rec.name, rec.municipality_code, rec.source_id, rec.phone) == (
        "生駒市コミュニティセンター", "29209", "1", "0743-75-0255")
    assert rec.schedule_text == "曜日: 月火水木金土日 / 時間: 09:00～21:30 / 第3月曜日休館"
    assert rec.extra["方書"] == "セラビーいこま" and "POIコード" not in rec.extra  # empty cells are not kept
    kaigo = ("都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,事業所番号,サービス種類,住所,"
             "方書,緯度,経度,電話番号,FAX番号,運営法人名\n"
             "372013,1,香川県,高松市,デイサービスA,,3770100000,通所介護,高松市番町1-1-1,,34.34,134.04,087-000-0000,,"
             "社会福祉法人あおぞら\n")
    r = read_places_csv(kaigo.encode())
    assert r.format == "jp-standard" and r.records[0].source_id == "1"
    assert r.records[0].extra["事業所番号"] == "3770100000" and r.records[0].municipality_code == "37201"
    assert (r.records[0].operator, r.records[0].operator_type) == ("社会福祉法人あおぞら", "社会福祉法人")
