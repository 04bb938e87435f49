"""Every real open-data file in tests/fixtures imports end to end into PostGIS.

Counts below were checked by hand against the files (rows counted in a spreadsheet view,
the readers' own tests agree): 文京 7, 渋谷 52, 町田 19, 国立 12 (+ 追加 2 merged by ID),
狛江 6, 坂井 6; 高松 children_club 35, community_center 52, contact_center 2, 地域包括 7,
welfare_hall 7; Nara A27 166 / A32 88 (tests/fixtures keeps 14 / 11, see its SOURCES.md);
Sapporo old schema 207 (fixture: 18); 生駒 119 town areas from 123 polygons, population 116,675.
"""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from geo import clock
from geo.ingest.importer import import_areas, import_places, import_population
from geo.storage.models import Area, Dataset, ImportRun, Place, Population, RejectedRow

from helpers import FIXTURES, ROOT

KS = FIXTURES / "kodomo-shokudo-csv"
TK = FIXTURES / "takamatsu-facilities"
SHIPPED_GAZ = ROOT / "data" / "gazetteer"
GAZ = FIXTURES / "gazetteer-town-points"

PLACE_FILES = [
    (KS / "131059_bunkyo_kodomosyokudo.csv", "kodomo_shokudo", 7, 0, "13105"),
    (KS / "131130_shibuyaku_kodomosyokudo.csv", "kodomo_shokudo", 52, 0, "13113"),
    (KS / "132098_machidashi_kodomosyokudo.csv", "kodomo_shokudo", 19, 19, "13209"),
    (KS / "132152_kunitachishi_kodomosyokudo.csv", "kodomo_shokudo", 12, 12, "13215"),
    (KS / "132195_komaeshi_kodomosyokudo.csv", "kodomo_shokudo", 6, 6, "13219"),
    (KS / "15_182109_kodomoshokudo.csv", "kodomo_shokudo", 6, 6, "18210"),
    (TK / "children_club.csv", "engawa", 35, 35, "37201"),
    (TK / "community_center.csv", "salons", 52, 52, "37201"),
    (TK / "contact_center.csv", "support_branches", 2, 2, "37201"),
    (TK / "regional_comprehensive_support_center.csv", "support_branches", 7, 7, "37201"),
    (TK / "welfare_hall.csv", "salons", 7, 7, "37201"),
]


def _count(s, model, *where):
    return s.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("path,layer,rows,with_point,code", PLACE_FILES, ids=[p[0].name for p in PLACE_FILES])
def test_place_file_imports_and_reimports_unchanged(empty_db_url, session_for, path, layer, rows, with_point, code):
    s = session_for(empty_db_url)
    r = import_places(s, path, layer=layer)
    assert (r.status, r.read, r.new, r.updated, r.unchanged, r.rejected) == ("applied", rows, rows, 0, 0, 0)
    assert _count(s, Place) == rows
    assert _count(s, Place, Place.point.is_not(None)) == with_point
    # rows without coordinates are kept (no point, flagged) and listed in the report
    assert len(r.no_point) == rows - with_point
    assert _count(s, Place, Place.needs_review.is_(True)) == rows - with_point
    assert {c for (c,) in s.execute(select(Place.municipality_code).distinct())} == {code}
    assert _count(s, Place, Place.valid_from == clock.today(), Place.status == "active") == rows
    run = s.get(ImportRun, r.run_id)
    assert (run.status, run.read, run.new, run.rejected) == ("applied", rows, rows, 0)
    assert run.report["dataset_name"] == r.dataset_name and run.file_hash
    ds = s.scalar(select(Dataset).where(Dataset.kind == "places"))
    assert ds.attribution and ds.licence and ds.layer == layer

    r2 = import_places(s, path, layer=layer)
    assert (r2.new, r2.updated, r2.unchanged, r2.rejected, r2.missing) == (0, 0, rows, 0, [])
    assert _count(s, Place) == rows
    assert _count(s, ImportRun) == 2


def test_layer_defaults_precision_and_target_groups(empty_db_url, session_for):
    s = session_for(empty_db_url)
    import_places(s, TK / "children_club.csv", layer="engawa")
    # engawa: approximate by default (a 縁側 may be a private home), 誰でも when the file says nothing
    rows = s.execute(select(Place.precision, Place.target_groups)).all()
    assert {(p, tuple(g)) for p, g in rows} == {("approximate", ("誰でも",))}
    import_places(s, KS / "132098_machidashi_kodomosyokudo.csv", layer="kodomo_shokudo")
    groups = s.scalars(select(Place.target_groups).where(Place.layer == "kodomo_shokudo")).all()
    assert len(groups) == 19 and all(g == ["こども", "子育て世帯"] for g in groups)
    import_places(s, TK / "regional_comprehensive_support_center.csv", layer="support_branches")
    assert _count(s, Place, Place.layer == "support_branches", Place.has_consultation.is_(True)) == 7


def test_kunitachi_supplement_merges_by_id(empty_db_url, session_for):
    s = session_for(empty_db_url)
    main = KS / "132152_kunitachishi_kodomosyokudo.csv"
    r = import_places(s, main, layer="kodomo_shokudo")
    assert r.new == 12
    r = import_places(s, KS / "132152_kunitachishi_kodomosyokudo_tsuika.csv", layer="kodomo_shokudo")
    assert (r.format, r.read, r.new, r.updated, r.unchanged, r.rejected) == ("jp-standard-supplement", 2, 0, 2, 0, 0)
    assert r.dataset_name == "kodomo_shokudo:132152_kunitachishi_kodomosyokudo"
    assert _count(s, Place) == 12  # merged, nothing created
    # each 追加 row names another venue/session of the same 食堂: recorded whole, the main values kept
    p7 = s.scalar(select(Place).where(Place.source_id == "7"))
    assert p7.address == "東京都国立市東 3-18-32" and p7.point is not None
    assert p7.extra["追加"] == [{"行": 2, "住所": "東京都国立市泉2-3-2 1号棟", "開催日時": "時間: 11:00～13:00",
                                "参加費": "幼児 0円 / 小学生 0円 / 中学生 0円 / 高校生 0円 / 大人 100円",
                                "定員": 100, "予約": "HP", **{k: v for k, v in p7.extra["追加"][0].items()
                                                            if k not in ("行", "住所", "開催日時", "参加費", "定員", "予約")}}]
    p10 = s.scalar(select(Place).where(Place.source_id == "10"))
    assert p10.extra["追加"][0]["住所"] == "東京都国立市富士見台3-35-3" and p10.extra["追加"][0]["定員"] == 10
    assert sum("追加の開催場所" in w for w in r.warnings) == 2
    # the supplement again: unchanged; the main list again: the supplement's fields survive
    r = import_places(s, KS / "132152_kunitachishi_kodomosyokudo_tsuika.csv", layer="kodomo_shokudo")
    assert (r.updated, r.unchanged) == (0, 2)
    r = import_places(s, main, layer="kodomo_shokudo")
    assert (r.new, r.updated, r.unchanged) == (0, 0, 12)
    s.expire_all()
    assert s.scalar(select(Place.extra).where(Place.source_id == "7"))["追加"][0]["定員"] == 100


def test_supplement_without_main_list_fails_whole(empty_db_url, session_for):
    from geo.ingest.importer import ImportFailed

    s = session_for(empty_db_url)
    with pytest.raises(ImportFailed) as e:
        import_places(s, KS / "132152_kunitachishi_kodomosyokudo_tsuika.csv", layer="kodomo_shokudo")
    assert "結合先" in str(e.value)
    run = s.get(ImportRun, e.value.report.run_id)
    assert run.status == "failed" and "結合先" in run.message
    assert _count(s, Place) == 0


def test_edited_file_counts_updates_and_missing(empty_db_url, session_for, tmp_path):
    s = session_for(empty_db_url)
    src = TK / "community_center.csv"
    f = tmp_path / "community_center.csv"
    shutil.copy(src, f)
    assert import_places(s, f, layer="salons").new == 52
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    assert rows[0].startswith('"1",') and rows[1].startswith('"2",')
    edited = [rows[0].replace("087-834-9911", "087-000-0000"),      # phone changed
              rows[1].replace("二番丁", "二番町")]                    # name changed (same ID)
    edited += rows[2:-3]                                              # the last 3 dropped
    edited.append('"999","34.3","134.05","新しいセンター","高松市番町1-1-1",,,\n')
    f.write_text(header + "".join(edited), encoding="utf-8")
    r = import_places(s, f, layer="salons")
    assert (r.read, r.new, r.updated, r.unchanged, r.rejected) == (50, 1, 2, 47, 0)
    assert len(r.missing) == 3 and r.closed == 0
    assert _count(s, Place) == 53 and _count(s, Place, Place.status == "closed") == 0
    assert s.scalar(select(Place.phone).where(Place.source_id == "1")) == "087-000-0000"
    # missing places are closed only on request
    r = import_places(s, f, layer="salons", close_missing=True)
    assert (r.new, r.updated, r.unchanged, r.closed) == (0, 0, 50, 3)
    closed = s.execute(select(Place.status, Place.valid_to).where(Place.status == "closed")).all()
    assert len(closed) == 3 and all(v == clock.today() for _, v in closed)
    # they come back when the list has them again
    r = import_places(s, src, layer="salons", dataset_name="salons:community_center")
    assert (r.new, r.updated) == (0, 5)  # 3 re-opened, 2 edits reverted; '新しいセンター' now missing
    assert _count(s, Place, Place.status == "closed") == 0 and len(r.missing) == 1


def test_fallback_key_name_and_address_without_ids(empty_db_url, session_for, tmp_path):
    """渋谷区's list has no ID column: rows are matched by name + normalised address."""
    s = session_for(empty_db_url)
    src = KS / "131130_shibuyaku_kodomosyokudo.csv"
    assert import_places(s, src, layer="kodomo_shokudo").new == 52
    assert _count(s, Place, Place.source_id.is_(None)) == 52
    assert _count(s, Place, Place.address_key.is_not(None)) == 52
    text = src.read_text(encoding="utf-8-sig")
    # full-width digits and another hyphen: normalised by the reader, so the very same row
    text1 = text.replace("東京都渋谷区鉢山町3-27", "東京都渋谷区鉢山町３－２７")
    f1 = tmp_path / "131130_shibuyaku_kodomosyokudo.csv"
    f1.write_text(text1, encoding="utf-8-sig")
    r = import_places(s, f1, layer="kodomo_shokudo")
    assert (r.new, r.updated, r.unchanged) == (0, 0, 52)
    # a space in the address: the text changed (updated), the key did not (no duplicate)
    text2 = text.replace("東京都渋谷区鉢山町3-27", "東京都渋谷区 鉢山町 3-27")
    assert text2 != text
    f = tmp_path / "131130_shibuyaku_kodomosyokudo.csv"
    f.write_text(text2, encoding="utf-8-sig")
    r = import_places(s, f, layer="kodomo_shokudo")
    assert (r.new, r.updated, r.unchanged) == (0, 1, 51)
    assert _count(s, Place) == 52
    assert s.scalar(select(Place.address).where(Place.name == "パール子どもテーブル活動")) == "東京都渋谷区 鉢山町 3-27"
    # a renamed place (same address) is a new row, and the old one is listed as missing
    f.write_text(text.replace("パール子どもテーブル活動", "パール子どもテーブル"), encoding="utf-8-sig")
    r = import_places(s, f, layer="kodomo_shokudo")
    assert (r.new, r.updated, r.unchanged, len(r.missing)) == (1, 0, 51, 1)
    assert r.missing[0]["name"] == "パール子どもテーブル活動"


def test_geocode_shibuya_and_bunkyo(empty_db_url, session_for):
    from geo.geocoding.gazetteer import import_gazetteer

    s = session_for(empty_db_url)
    for name in ("13113_shibuya.json", "13215_kunitachi.json"):
        import_gazetteer(s, GAZ / name)
    s.commit()
    r = import_places(s, KS / "131130_shibuyaku_kodomosyokudo.csv", layer="kodomo_shokudo", geocode=True)
    assert r.geocoding["attempted"] == 52 and r.geocoding["fine"] == 52 and r.no_point == []
    assert _count(s, Place, Place.point.is_not(None), Place.geocode_level == "町丁目") == 52
    assert _count(s, Place, Place.needs_review.is_(True)) == 0
    m = s.scalar(select(Place.geocode_matched).where(Place.name == "ミート・ザ・おやつ"))
    assert m == "東京都渋谷区代官山町"
    # re-import without --geocode keeps the points found earlier
    r = import_places(s, KS / "131130_shibuyaku_kodomosyokudo.csv", layer="kodomo_shokudo")
    assert (r.unchanged, r.no_point) == (52, [])

    # 文京区: no gazetteer imported — the national gazetteer loaded by the migration places it
    r = import_places(s, KS / "131059_bunkyo_kodomosyokudo.csv", layer="kodomo_shokudo", geocode=True)
    assert r.new == 7 and r.geocoding["fine"] == 7 and r.no_point == []
    assert _count(s, Place, Place.municipality_code == "13105", Place.geocode_level == "町丁目",
                  Place.point.is_not(None), Place.needs_review.is_(False)) == 7

    # importing the shipped 文京区 gazetteer on top changes nothing: still 町丁目 level
    import_gazetteer(s, SHIPPED_GAZ / "13105_bunkyo.json")
    s.commit()
    r = import_places(s, KS / "131059_bunkyo_kodomosyokudo.csv", layer="kodomo_shokudo", geocode=True)
    assert r.geocoding["fine"] == 7 and r.no_point == []
    assert _count(s, Place, Place.municipality_code == "13105", Place.geocode_level == "町丁目",
                  Place.point.is_not(None), Place.needs_review.is_(False)) == 7
    m = s.scalar(select(Place.geocode_matched).where(Place.name == "氷川下子ども食堂"))
    assert m == "東京都文京区千石三丁目"


def test_school_districts(empty_db_url, session_for):
    s = session_for(empty_db_url)
    nara = FIXTURES / "ksj-school-districts-nara-2023"
    r = import_areas(s, nara / "A27-23_29.geojson", kind="elementary")
    assert (r.read, r.new, r.rejected, r.format) == (14, 14, 0, "ksj-a27-v3")
    assert any("make_valid" in w for w in r.warnings)
    r = import_areas(s, nara / "A32-23_29.geojson", kind="junior_high")
    assert (r.read, r.new, r.rejected) == (11, 11, 0)
    assert _count(s, Area, Area.kind == "elementary") == 14 and _count(s, Area, Area.kind == "junior_high") == 11
    assert _count(s, Area, func.ST_IsValid(Area.geom).is_(False)) == 0
    r = import_areas(s, nara / "A27-23_29.geojson", kind="elementary")
    assert (r.new, r.updated, r.unchanged) == (0, 0, 14)
    r = import_areas(s, FIXTURES / "ksj-school-districts-sapporo-old-schema" / "Elementary.geojson", kind="elementary")
    assert (r.read, r.new, r.format) == (18, 18, "ksj-a27-old")
    assert _count(s, Area, Area.kind == "elementary") == 14 + 18
    attrs = set(s.scalars(select(Dataset.attribution).where(Dataset.kind == "areas")))
    assert attrs == {"「国土数値情報（小学校区データ）」（国土交通省）を加工して作成",
                     "「国土数値情報（中学校区データ）」（国土交通省）を加工して作成"}


def test_school_districts_one_municipality(empty_db_url, session_for):
    s = session_for(empty_db_url)
    r = import_areas(s, FIXTURES / "ksj-school-districts-nara-2023" / "A27-23_29.geojson", kind="elementary",
                     municipality_code="292095")
    assert r.new == 12 and _count(s, Area) == 12
    assert {c for (c,) in s.execute(select(Area.municipality_code).distinct())} == {"29209"}


def test_ikoma_small_areas_population(empty_db_url, session_for):
    s = session_for(empty_db_url)
    topo = FIXTURES / "estat-small-areas-ikoma-2020" / "r2ka29209.topojson"
    r = import_population(s, topo)
    assert (r.read, r.new, r.rejected) == (119, 119, 0)
    assert _count(s, Area, Area.kind == "town_block") == 119
    assert s.scalar(select(func.sum(Population.total)).where(Population.year == 2020)) == 116675
    r = import_population(s, topo)
    assert (r.new, r.updated, r.unchanged) == (0, 0, 119)
    assert _count(s, Population) == 119
    from geo.places.queries import attributions
    assert any("CODH" in a for a in attributions(s))


def test_age_table_onto_existing_town_blocks(empty_db_url, session_for, tmp_path):
    s = session_for(empty_db_url)
    import_population(s, FIXTURES / "estat-small-areas-ikoma-2020" / "r2ka29209.topojson")
    codes = sorted(s.scalars(select(Area.code).where(Area.kind == "town_block")))[:3]
    header = "KEY_CODE,HYOSYO,CITYNAME,NAME,HTKSYORI,HTKSAKI,GASSAN,T001,T002,T003,T004,T005\n"
    labels = ",,,,,,,総数,0～14歳,15～64歳,65歳以上,不詳\n"
    body = "".join(f"{c},4,生駒市,町{i},0,,,{100 + i},{10 + i},{60},{30},0\n" for i, c in enumerate(codes))
    body += "999999999,4,どこか,町,0,,,50,5,30,15,0\n"
    f = tmp_path / "age.csv"
    f.write_bytes((header + labels + body).encode("cp932"))
    r = import_population(s, f)
    assert (r.format, r.updated, r.rejected) == ("estat-small-area-table", 3, 1)
    assert r.rejections[0]["line"] == 6 and "999999999" in r.rejections[0]["reason"]
    area = s.scalar(select(Area).where(Area.code == codes[0]))
    pop = s.scalar(select(Population).where(Population.area_id == area.id))
    assert (pop.total, pop.age_0_14, pop.age_15_64, pop.age_65_over) == (100, 10, 60, 30)
    assert pop.households is not None  # the boundary file's SETAI is not erased
    assert _count(s, RejectedRow, RejectedRow.import_run_id == r.run_id) == 1


def test_gazetteer_files(empty_db_url, session_for):
    from geo.geocoding.gazetteer import import_gazetteer
    from geo.storage.models import GazetteerEntry

    s = session_for(empty_db_url)
    expected = {"13113_shibuya.json": 80, "13209_machida.json": 183, "13215_kunitachi.json": 30,
                "29209_ikoma.json": 111, "37201_takamatsu.json": 255}
    for name, n in expected.items():
        ds, count = import_gazetteer(s, GAZ / name)
        assert count == n, name
    # on top of the national gazetteer the migration loaded
    assert _count(s, GazetteerEntry, GazetteerEntry.source != "national") == sum(expected.values())
    import_gazetteer(s, GAZ / "13113_shibuya.json")  # again: replaced, not duplicated
    # on top of the national gazetteer the migration loaded
    assert _count(s, GazetteerEntry, GazetteerEntry.source != "national") == sum(expected.values())
