"""Bad input never crashes an import and never half-imports a file; every problem is reported.

Each test counts the rows in the database before and after; a file rejected as a whole
leaves them unchanged and still records a 'failed' import run with the message.
"""
from __future__ import annotations

import os
import zipfile

import pytest
from sqlalchemy import func, select, text

from geo.ingest.importer import ImportFailed, import_areas, import_places, import_population
from geo.storage.models import Area, ImportRun, Place, Population, RejectedRow

from helpers import FIXTURES

HEADER = "全国地方公共団体コード,ID,地方公共団体名,名称,住所,緯度,経度,電話番号,定員\n"


def row(i: int, name: str | None = None, lat="34.34", lon="134.04", extra: str = "") -> str:
    return f"372013,{i},高松市,{name or f'サロン{i}'},香川県高松市番町1-{i},{lat},{lon},087-000-{i:04d},{extra}\n"


def counts(s) -> tuple[int, int, int, int]:
    return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Place, Area, Population, RejectedRow))


def runs(s) -> list[tuple[str, str | None]]:
    return [(r.status, r.message) for r in s.scalars(select(ImportRun).order_by(ImportRun.id))]


def test_rows_rejected_end_to_end_with_line_and_reason(empty_db_url, session_for, tmp_path):
    f = tmp_path / "list.csv"
    f.write_text(HEADER + row(1) + row(2, name="　") + row(3, lat="0", lon="0") + row(4, lat="134.04", lon="34.34")
                 + row(5, lat="51.5", lon="-0.12") + row(6, lat="abc") + row(7, extra="99999999999") + row(8)
                 + row(1, name="同じID"), encoding="utf-8")
    s = session_for(empty_db_url)
    r = import_places(s, f, layer="salons")
    assert (r.status, r.read, r.new, r.rejected) == ("applied", 9, 2, 7)
    got = {x["line"]: x["reason"] for x in r.rejections}
    assert sorted(got) == [3, 4, 5, 6, 7, 8, 10]
    assert "名称がありません" in got[3] and "(0, 0)" in got[4] and "入れ替わっています" in got[5]
    assert "日本の範囲外" in got[6] and "数値ではありません" in got[7] and "定員が範囲外" in got[8]
    assert "重複" in got[10]
    stored = s.execute(select(RejectedRow.line, RejectedRow.reason, RejectedRow.raw)
                       .where(RejectedRow.import_run_id == r.run_id).order_by(RejectedRow.line)).all()
    assert [x.line for x in stored] == [3, 4, 5, 6, 7, 8, 10]
    assert "サロン5" in stored[3].raw
    assert sorted(s.scalars(select(Place.name))) == ["サロン1", "サロン8"]


def test_truncated_file_keeps_the_complete_rows(empty_db_url, session_for, tmp_path):
    body = HEADER + row(1) + row(2) + '372013,3,高松市,"途中で切れた名前'
    f = tmp_path / "truncated.csv"
    f.write_text(body, encoding="utf-8")
    s = session_for(empty_db_url)
    r = import_places(s, f, layer="salons")
    assert (r.new, r.rejected) == (2, 1)
    assert r.rejections[0]["line"] == 4 and "引用符" in r.rejections[0]["reason"]
    # cut in the middle of a row (no quote): the short row has no coordinates -> kept, listed
    f.write_text(HEADER + row(1) + row(2) + "372013,3,高松市,途中,香川県高松市番", encoding="utf-8")
    r = import_places(s, f, layer="salons")
    assert (r.new, r.unchanged, r.rejected) == (1, 2, 0)
    assert [x["line"] for x in r.no_point] == [4]
    assert counts(s)[0] == 3


def test_cp932_and_bom_variants(empty_db_url, session_for, tmp_path):
    s = session_for(empty_db_url)
    f = tmp_path / "sjis.csv"
    f.write_bytes((HEADER + row(1, "ふれあいサロン髙橋") + row(2, "いきいき①")).encode("cp932"))
    r = import_places(s, f, layer="salons")
    assert (r.encoding, r.new, r.rejected) == ("cp932", 2, 0)
    assert sorted(s.scalars(select(Place.name))) == ["いきいき①", "ふれあいサロン髙橋"]
    f2 = tmp_path / "boms.csv"
    f2.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf\xef\xbb\xbf" + (HEADER + row(1, "ふれあいサロン髙橋")).encode("utf-8"))
    r = import_places(s, f2, layer="salons")
    assert (r.new, r.rejected, r.format) == (1, 0, "jp-standard")
    # the real 狛江市 list has two BOMs
    r = import_places(s, FIXTURES / "kodomo-shokudo-csv" / "132195_komaeshi_kodomosyokudo.csv", layer="kodomo_shokudo")
    assert (r.new, r.rejected) == (6, 0)


@pytest.mark.parametrize("content", [
    os.urandom(0) + bytes(range(256)) * 40,                       # binary
    b"\x00\x01\x02\xff\xfe" * 500,                                   # random-looking bytes with NULs
    b"",                                                             # empty
    "見出し,だけ\n".encode("utf-8"),                                  # no name column
], ids=["binary", "nul-bytes", "empty", "no-name-column"])
def test_unreadable_files_fail_whole_and_are_recorded(empty_db_url, session_for, tmp_path, content):
    s = session_for(empty_db_url)
    import_places(s, FIXTURES / "takamatsu-facilities" / "welfare_hall.csv", layer="salons")
    before = counts(s)
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    with pytest.raises(ImportFailed) as e:
        import_places(s, f, layer="salons")
    assert counts(s) == before
    status, message = runs(s)[-1]
    assert status == "failed" and message == str(e.value) and "(" in message  # Japanese, then English
    assert e.value.report.run_id == s.scalars(select(ImportRun.id).order_by(ImportRun.id.desc())).first()


def test_random_bytes_never_crash(empty_db_url, session_for, tmp_path):
    import random

    rnd = random.Random(20260101)
    s = session_for(empty_db_url)
    for i in range(12):
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 3000)))
        if i % 3 == 0:  # a valid header followed by garbage
            data = HEADER.encode() + data
        f = tmp_path / f"r{i}.csv"
        f.write_bytes(data)
        try:
            r = import_places(s, f, layer="salons")
            assert r.status == "applied"
        except ImportFailed as e:
            assert e.report.status == "failed" and e.report.message
    assert all(status in ("applied", "failed") for status, _ in runs(s)) and len(runs(s)) == 12


def test_huge_field_and_nul_in_cells(empty_db_url, session_for, tmp_path):
    f = tmp_path / "huge.csv"
    f.write_text(HEADER + row(1) + row(2, name="大" * 3_000_000) + row(3), encoding="utf-8")
    s = session_for(empty_db_url)
    r = import_places(s, f, layer="salons")
    assert (r.new, r.rejected) == (2, 1) and "長すぎます" in r.rejections[0]["reason"]
    assert len(s.scalar(select(RejectedRow.raw).where(RejectedRow.import_run_id == r.run_id))) <= 500
    # NUL bytes: not a text file -> rejected whole, nothing written
    before = counts(s)
    f.write_bytes((HEADER + row(1) + row(4, name="ぬる\x00文字")).encode("utf-8"))
    with pytest.raises(ImportFailed) as e:
        import_places(s, f, layer="salons")
    assert "NUL" in str(e.value) and counts(s) == before


def test_formula_injection_is_kept_as_text_and_flagged(empty_db_url, session_for, tmp_path):
    evil = "=cmd|' /C calc'!A0"
    f = tmp_path / "formula.csv"
    f.write_text(HEADER + row(1, name=f'"{evil}"') + row(2, name="@SUM(1+1)") + row(3, name="+81-3"), encoding="utf-8")
    s = session_for(empty_db_url)
    r = import_places(s, f, layer="salons")
    assert (r.new, r.rejected) == (3, 0)
    assert sorted(s.scalars(select(Place.name))) == sorted([evil, "@SUM(1+1)", "+81-3"])
    assert sum("数式" in w for w in r.warnings) == 3
    from geo.ingest.text import neutralise_formula
    assert neutralise_formula(evil) == "'" + evil


def test_failure_while_writing_rolls_back_everything(empty_db_url, session_for, tmp_path):
    """A database error after many rows were already inserted: none of them stay."""
    s = session_for(empty_db_url)
    import_places(s, FIXTURES / "takamatsu-facilities" / "welfare_hall.csv", layer="salons")
    # a rule a DBA could add: the database refuses one name (a real error from PostgreSQL)
    s.execute(text("""CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
                      BEGIN IF NEW.name = 'BOOM' THEN RAISE EXCEPTION 'refused by trigger'; END IF;
                      RETURN NEW; END $$;
                      CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON place
                      FOR EACH ROW EXECUTE FUNCTION refuse_boom();"""))
    s.commit()
    before = counts(s)
    f = tmp_path / "boom.csv"
    f.write_text(HEADER + "".join(row(i) for i in range(1, 300)) + row(300, name="BOOM"), encoding="utf-8")
    with pytest.raises(ImportFailed) as e:
        import_places(s, f, layer="salons")
    assert "refused by trigger" in str(e.value)
    assert counts(s) == before
    assert runs(s)[-1][0] == "failed"
    assert s.scalar(select(func.count()).select_from(ImportRun).where(ImportRun.file_name == "boom.csv")) == 1


def test_broken_area_files(empty_db_url, session_for, tmp_path):
    s = session_for(empty_db_url)
    import_areas(s, FIXTURES / "ksj-school-districts-nara-2023" / "A32-23_29.geojson", kind="junior_high")
    before = counts(s)
    src = (FIXTURES / "ksj-school-districts-nara-2023" / "A27-23_29.geojson").read_bytes()
    cases = {"cut.geojson": src[: len(src) // 2], "noise.geojson": os.urandom(4000)}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    bad_zip = tmp_path / "broken.zip"
    bad_zip.write_bytes(b"PK\x03\x04" + os.urandom(500))
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("readme.txt", "no shapes here")
    for p in [tmp_path / n for n in cases] + [bad_zip, empty_zip, tmp_path / "missing.geojson"]:
        with pytest.raises(ImportFailed) as e:
            import_areas(s, p, kind="elementary")
        assert e.value.report.message
    assert counts(s) == before
    assert [st for st, _ in runs(s)] == ["applied"] + ["failed"] * 5
    with pytest.raises(ImportFailed):
        import_population(s, tmp_path / "cut.geojson")
    with pytest.raises(ImportFailed):  # a kind that does not exist
        import_areas(s, FIXTURES / "ksj-school-districts-nara-2023" / "A27-23_29.geojson", kind="galaxy")
    assert counts(s) == before


def test_dry_run_writes_nothing(empty_db_url, session_for):
    s = session_for(empty_db_url)
    r = import_places(s, FIXTURES / "takamatsu-facilities" / "community_center.csv", layer="salons", dry_run=True)
    assert (r.status, r.new) == ("dry_run", 52)
    r = import_areas(s, FIXTURES / "ksj-school-districts-nara-2023" / "A27-23_29.geojson", kind="elementary",
                     dry_run=True)
    assert (r.status, r.new) == ("dry_run", 14)  # the fixture's 14 of the 166 features
    r = import_population(s, FIXTURES / "estat-small-areas-ikoma-2020" / "r2ka29209.topojson", dry_run=True)
    assert (r.status, r.new) == ("dry_run", 119)
    assert counts(s) == (0, 0, 0, 0)
    assert [st for st, _ in runs(s)] == ["dry_run"] * 3
    assert s.scalar(select(func.count()).select_from(ImportRun).where(ImportRun.dataset_id.is_not(None))) == 0
