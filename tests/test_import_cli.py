"""`tsunagari import ...` through click's CliRunner against a test database, and the /imports pages."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from accounts_helpers import add_user, login
from helpers import FIXTURES, make_app
from geo.storage.models import Dataset, ImportRun, Place, RejectedRow
from scripts.cli import main

KS = FIXTURES / "kodomo-shokudo-csv"


@pytest.fixture
def cli(empty_db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_db_url)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["import", *map(str, args)], catch_exceptions=False)

    return run


def _count(s, model, *where):
    return s.scalar(select(func.count()).select_from(model).where(*where))


def test_places_dry_run_then_apply_then_again(cli, empty_db_url, session_for):
    s = session_for(empty_db_url)
    f = FIXTURES / "takamatsu-facilities" / "community_center.csv"
    r = cli("places", f, "--layer", "salons", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "確認のみ" in r.output and "新規 52" in r.output
    assert _count(s, Place) == 0 and _count(s, Dataset) == 0
    assert s.scalar(select(ImportRun.status)) == "dry_run"

    r = cli("places", f, "--layer", "salons")
    assert r.exit_code == 0, r.output
    assert "取り込みました (applied)" in r.output and "新規 52" in r.output and "高松市オープンデータ" in r.output
    assert _count(s, Place) == 52

    r = cli("places", f, "--layer", "salons")
    assert r.exit_code == 0 and "新規 0" in r.output and "変更なし 52" in r.output
    assert _count(s, Place) == 52 and _count(s, ImportRun) == 3


def test_map_licence_attribution_and_rejections(cli, empty_db_url, session_for, tmp_path):
    f = tmp_path / "salons.csv"
    f.write_text("サロン名称,場所,北,東,対象者\n"
                 "ひだまりサロン,香川県高松市番町1-1-1,34.34,134.04,高齢者\n"
                 "\"<script>alert('x')</script>\",高松市,0,0,\n"
                 "むかしの家,香川県高松市番町2-2-2,,,誰でも\n", encoding="utf-8")
    r = cli("places", f, "--layer", "engawa", "--municipality", "372013",
            "--map", "サロン名称=name", "--map", "場所=address", "--map", "北=lat", "--map", "東=lon",
            "--licence", "CC BY 4.0", "--attribution", "高松市社協 サロン一覧")
    assert r.exit_code == 0, r.output
    assert "新規 2" in r.output and "不採用 1" in r.output and "3 行目" in r.output and "(0, 0)" in r.output
    assert "位置なしで登録" in r.output and "むかしの家" in r.output
    s = session_for(empty_db_url)
    rows = {p.name: p for p in s.scalars(select(Place))}
    assert set(rows) == {"ひだまりサロン", "むかしの家"}
    assert rows["ひだまりサロン"].target_groups == ["高齢者"] and rows["ひだまりサロン"].precision == "approximate"
    assert rows["むかしの家"].point is None and rows["むかしの家"].needs_review
    assert rows["ひだまりサロン"].municipality_code == "37201"
    from geo.places.queries import attributions
    assert "高松市社協 サロン一覧" in attributions(s)
    assert _count(s, RejectedRow) == 1

    # a field name that does not exist: the file is rejected as a whole, exit code 1
    r = cli("places", f, "--layer", "engawa", "--map", "サロン名称=namae")
    assert r.exit_code == 1 and "namae" in r.output
    assert s.scalars(select(ImportRun.status).order_by(ImportRun.id)).all() == ["applied", "failed"]


def test_unreadable_and_missing_files_exit_non_zero(cli, empty_db_url, session_for, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(bytes(range(256)) * 20)
    r = cli("places", bad, "--layer", "salons")
    assert r.exit_code == 1 and "テキストファイルとして読めません" in r.output
    r = cli("places", tmp_path / "nothing.csv", "--layer", "salons")
    assert r.exit_code == 1 and "ファイルがありません" in r.output
    r = cli("places", FIXTURES / "takamatsu-facilities" / "welfare_hall.csv", "--layer", "no_such_layer")
    assert r.exit_code == 1 and "no_such_layer" in r.output
    s = session_for(empty_db_url)
    assert _count(s, Place) == 0 and _count(s, ImportRun, ImportRun.status == "failed") == 3


def test_geocode_areas_population_and_close_missing(cli, empty_db_url, session_for, tmp_path):
    r = cli("gazetteer", FIXTURES / "gazetteer-town-points" / "13113_shibuya.json")
    assert r.exit_code == 0 and "80 件" in r.output
    r = cli("places", KS / "131130_shibuyaku_kodomosyokudo.csv", "--layer", "kodomo_shokudo", "--geocode")
    assert r.exit_code == 0, r.output
    assert "町丁目以上 52" in r.output
    r = cli("places", KS / "131059_bunkyo_kodomosyokudo.csv", "--layer", "kodomo_shokudo", "--geocode")
    assert r.exit_code == 0 and "位置なし 7" in r.output and "文京区" in r.output
    s = session_for(empty_db_url)
    assert _count(s, Place, Place.point.is_not(None)) == 52 and _count(s, Place, Place.point.is_(None)) == 7

    r = cli("areas", FIXTURES / "ksj-school-districts-nara-2023" / "A32-23_29.geojson", "--kind", "junior_high",
            "--municipality", "29209")
    assert r.exit_code == 0 and "新規 8" in r.output
    r = cli("areas", FIXTURES / "ksj-school-districts-nara-2023" / "A32-23_29.geojson", "--kind", "junior_high",
            "--municipality", "29209", "--dry-run")
    assert r.exit_code == 0 and "変更なし 8" in r.output
    r = cli("population", FIXTURES / "estat-small-areas-ikoma-2020" / "r2ka29209.topojson", "--year", "2020")
    assert r.exit_code == 0 and "新規 119" in r.output and "116,675" in r.output

    # a shorter list: missing places are only listed; with --close-missing they are closed
    src = KS / "131059_bunkyo_kodomosyokudo.csv"
    lines = src.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    short = tmp_path / src.name
    short.write_text("".join(lines[:-2]), encoding="utf-8-sig")
    r = cli("places", short, "--layer", "kodomo_shokudo")
    assert r.exit_code == 0 and "前回あって今回ない場所 2 件" in r.output and "--close-missing" in r.output
    assert _count(s, Place, Place.status == "closed") == 0
    r = cli("places", short, "--layer", "kodomo_shokudo", "--close-missing")
    assert r.exit_code == 0 and "終了 2" in r.output
    assert _count(s, Place, Place.status == "closed") == 2


def test_imports_pages_show_runs_rejections_and_flags_escaped(cli, empty_db_url, tmp_path):
    f = tmp_path / "evil<b>.csv"
    f.write_text("名称,住所,緯度,経度\n"
                 "\"<script>alert('name')</script>\",住所,0,0\n"
                 "\"<img src=x onerror=alert(1)>\",\"<i>高松市</i>\",,\n"
                 "よいサロン,香川県高松市番町1-1-1,34.34,134.04\n", encoding="utf-8")
    r = cli("places", f, "--layer", "salons", "--municipality", "37201", "--attribution", "<b>出典</b>")
    assert r.exit_code == 0, r.output
    client = make_app(empty_db_url).test_client()
    assert client.get("/imports").status_code == 302     # behind login (#11): a viewer reads it
    add_user(empty_db_url, "viewer@example.jp", "viewer")
    assert login(client, "viewer@example.jp").status_code == 200
    page = client.get("/imports").get_data(as_text=True)
    assert "取り込み履歴" in page and "evil&lt;b&gt;.csv" in page and "evil<b>" not in page
    assert "位置なし 1" in page and "取り込み済み" in page
    detail = client.get("/imports/1").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in detail and "<script>alert" not in detail
    assert "&lt;img src=x onerror=alert(1)&gt;" in detail and "<img src=x" not in detail
    assert "&lt;i&gt;高松市&lt;/i&gt;" in detail
    assert "不採用の行 (1)" in detail and "(0, 0)" in detail
    assert "位置なしで登録した場所" in detail and "--geocode" in detail
    assert "&lt;b&gt;出典&lt;/b&gt;" in detail
    en = client.get("/imports/1?lang=en").get_data(as_text=True)
    assert "Rejected rows (1)" in en and "Places kept without a point" in en
    assert client.get("/imports/999").status_code == 404

    # a failed run is listed with its message
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"")
    assert cli("places", bad, "--layer", "salons").exit_code == 1
    page = client.get("/imports?lang=ja").get_data(as_text=True)
    assert "失敗（書き込みなし）" in page and "ファイルが空です" in page
    detail = client.get("/imports/2").get_data(as_text=True)
    assert "ファイルが空です" in detail


def test_import_page_words_reason_codes_per_language_and_keeps_old_free_text(cli, empty_db_url, session_for, tmp_path):
    f = tmp_path / "list.csv"
    f.write_text("名称,住所,緯度,経度\nA,高松市,0,0\nB,高松市,34.34,134.04\n", encoding="utf-8")
    assert cli("places", f, "--layer", "salons").exit_code == 0
    s = session_for(empty_db_url)
    run_id = s.scalar(select(ImportRun.id))
    # a row recorded before reasons had codes (free text only) stays readable
    s.add(RejectedRow(import_run_id=run_id, line=9, reason="昔の理由 (an old reason)", raw="x"))
    s.commit()
    client = make_app(empty_db_url).test_client()
    add_user(empty_db_url, "viewer@example.jp", "viewer")
    assert login(client, "viewer@example.jp").status_code == 200
    ja = client.get(f"/imports/{run_id}?lang=ja").get_data(as_text=True)
    assert "緯度・経度が (0, 0) です<" in ja and "昔の理由 (an old reason)" in ja
    en = client.get(f"/imports/{run_id}?lang=en").get_data(as_text=True)
    assert "coordinates are 0,0<" in en and "緯度・経度が (0, 0)" not in en and "昔の理由 (an old reason)" in en
