"""Imports as plan and apply: every row's fate before writing, the reader registry, reason codes."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from geo import vocab
from geo.ingest import registry
from geo.ingest.headers import ALIASES, field_of, header_key
from geo.ingest.importer import ImportFailed, plan_import, run_import
from geo.ingest.records import Rejection
from geo.storage.models import ImportRun, Place, RejectedRow

HEADER = "全国地方公共団体コード,ID,地方公共団体名,名称,住所,緯度,経度,電話番号,定員\n"


def row(i: int, name: str | None = None, lat="34.34", lon="134.04", phone=None) -> str:
    return f"372013,{i},高松市,{name or f'サロン{i}'},香川県高松市番町1-{i},{lat},{lon},{phone or f'087-000-{i:04d}'},\n"


def test_plan_gives_every_row_its_fate_and_apply_writes_exactly_it(empty_db_url, session_for, tmp_path):
    s = session_for(empty_db_url)
    f = tmp_path / "salons.csv"
    f.write_text(HEADER + row(1) + row(2) + row(3), encoding="utf-8")
    first = run_import(s, "places", f, layer="salons")
    assert (first.new, first.status) == (3, "applied")

    # edited: 1 unchanged, 2 with a new phone, 3 gone, 4 new, 5 rejected (0, 0)
    f.write_text(HEADER + row(1) + row(2, phone="087-999-9999") + row(4) + row(5, lat="0", lon="0"), encoding="utf-8")
    plan = plan_import(s, "places", f, layer="salons", close_missing=True)
    fates = {(c.fate, c.line) for c in plan.rows}
    assert fates == {("unchanged", 2), ("update", 3), ("new", 4), ("rejected", 5), ("close", None)}
    upd = next(plan.fate("update"))
    assert upd.changes == {"phone": ("087-000-0002", "087-999-9999")} and upd.target_id is not None
    new = next(plan.fate("new"))
    assert new.values["name"] == "サロン4" and new.values["lat"] == 34.34 and new.target_id is None
    rej = next(plan.fate("rejected")).rejection
    assert (rej.line, rej.code, rej.params) == (5, "coordinates_zero", {})
    closing = next(plan.fate("close"))
    assert closing.name == "サロン3" and closing.changes == {"status": ("active", "closed")}
    # the plan was recorded as a dry run and nothing was written
    run = s.get(ImportRun, plan.report.run_id)
    assert (run.status, run.new, run.updated, run.unchanged, run.rejected) == ("dry_run", 1, 1, 1, 1)
    assert s.scalar(select(Place.phone).where(Place.source_id == "2")) == "087-000-0002"

    seen = []
    report = run_import(s, "places", f, layer="salons", close_missing=True, expect=plan.fingerprint,
                        on_change=lambda c: seen.append((c.fate, c.line, c.target_id)))
    assert (report.new, report.updated, report.unchanged, report.rejected, report.closed) == (1, 1, 1, 1, 1)
    ids = dict(s.execute(select(Place.source_id, Place.id)).all())
    assert sorted(seen, key=str) == sorted([("new", 4, ids["4"]), ("update", 3, ids["2"]), ("close", None, ids["3"])],
                                           key=str)
    assert s.scalar(select(Place.phone).where(Place.source_id == "2")) == "087-999-9999"
    assert s.scalar(select(Place.status).where(Place.source_id == "3")) == "closed"


def test_apply_is_refused_when_the_plan_changed_since_it_was_shown(empty_db_url, session_for, tmp_path):
    s = session_for(empty_db_url)
    f = tmp_path / "salons.csv"
    f.write_text(HEADER + row(1), encoding="utf-8")
    shown = plan_import(s, "places", f, layer="salons")
    run_import(s, "places", f, layer="salons")  # someone else applied it meanwhile
    with pytest.raises(ImportFailed) as e:
        run_import(s, "places", f, layer="salons", expect=shown.fingerprint)
    assert "changed" in str(e.value)
    assert s.scalar(select(func.count()).select_from(Place)) == 1
    assert s.scalars(select(ImportRun.status).order_by(ImportRun.id)).all() == ["dry_run", "applied", "failed"]


def test_rejections_are_codes_with_parameters_stored_and_worded_by_the_vocabulary(empty_db_url, session_for, tmp_path):
    s = session_for(empty_db_url)
    f = tmp_path / "salons.csv"
    f.write_text(HEADER + row(1) + row(2, lat="abc") + row(3, lat="51.5", lon="-0.12"), encoding="utf-8")
    r = run_import(s, "places", f, layer="salons")
    stored = s.execute(select(RejectedRow.line, RejectedRow.code, RejectedRow.params, RejectedRow.reason)
                       .where(RejectedRow.import_run_id == r.run_id).order_by(RejectedRow.line)).all()
    assert [(x.line, x.code) for x in stored] == [(3, "coordinates_not_numbers"), (4, "coordinates_outside_japan")]
    assert stored[0].params == {"lat": "abc", "lon": "134.04"}
    assert vocab.text("coordinates_outside_japan", "en", **stored[1].params) == \
        "coordinates outside Japan: latitude 51.5, longitude -0.12"
    assert stored[1].reason.startswith("座標が日本の範囲外です")


def test_every_reason_code_readers_use_has_both_languages():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "geo" / "ingest"
    used = set()
    for p in root.glob("*.py"):
        text = p.read_text(encoding="utf-8")
        used |= set(re.findall(r'Rejection\([^,]+, "([a-z_]+)"', text))
        used |= set(re.findall(r'self\.reject\(line, row, "([a-z_]+)"', text))
        used |= set(re.findall(r'"code": "([a-z_]+)"', text))
    assert {"no_name", "coordinates_zero", "duplicate_id", "population_area_unknown"} <= used
    for code in used:
        ja, en = vocab.MESSAGES[code]
        assert ja and en and ja != en, code
    assert Rejection(3, "no_name").reason == "名称がありません (no name)"


def test_registry_chooses_the_reader_by_kind_and_first_bytes(tmp_path):
    csv_ = tmp_path / "list.csv"
    csv_.write_text("名称,住所\nA,B\n", encoding="utf-8")
    geo_json = tmp_path / "areas.geojson"
    geo_json.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    topo = tmp_path / "towns.json"
    topo.write_text('{"type": "Topology", "objects": {}}', encoding="utf-8")
    gaz = tmp_path / "13113_shibuya.json"
    gaz.write_text('\ufeff[{"town": "宇田川町", "lat": 35.66, "lng": 139.69}]', encoding="utf-8")
    assert registry.reader_for("places", csv_).id == "places-csv"
    assert registry.reader_for("population", csv_).id == "age-table"
    assert registry.reader_for("population", topo).id == "small-area-boundaries"
    assert registry.reader_for("areas", geo_json).id == "vector-areas"
    assert registry.reader_for("areas", topo, area_kind="town_block").id == "town-block-boundaries"
    assert registry.reader_for("gazetteer", gaz).id == "geolonia-json"
    assert registry.reader_for("gazetteer", csv_).id == "mlit-isj-csv"
    with pytest.raises(ValueError, match="file not found"):
        registry.reader_for("places", tmp_path / "nothing.csv")
    with pytest.raises(ValueError, match="unknown import kind"):
        registry.reader_for("galaxies", csv_)


@pytest.mark.parametrize("header,fmt", [
    ("全国地方公共団体コード,ID,名称,住所,緯度,経度,開催頻度", "jp-standard-kodomo-shokudo"),
    ("全国地方公共団体コード,ID,名称,住所,緯度,経度", "jp-standard"),
    ("#property,latitude,longitude,name,address", "takamatsu"),
    ("ID,住所,緯度,経度,開催開始時間,予約方法", "jp-standard-supplement"),
    ("施設名,所在地,lat,lng", "generic"),
])
def test_place_layouts_are_named_in_one_place(header, fmt):
    from geo.ingest.places import PLACE_FIELDS
    from geo.ingest.headers import place_columns

    cols = header.split(",")
    fields = frozenset(place_columns(cols, PLACE_FIELDS).values())
    assert registry.format_for("places", registry.Columns(tuple(cols), fields)) == fmt


def test_one_header_alias_table_for_places_and_areas():
    # one table, no alias given to two fields (checked on import), area and place words side by side
    assert field_of("学校コード") == "school_code" and field_of("施設名") == "name" and field_of("学区名") == "name"
    assert field_of("参加費_幼児") == "fee:幼児" and field_of("Latitude") == "lat"
    keys = [header_key(a) for names in ALIASES.values() for a in names]
    assert len(keys) == len(set(keys))
    assert registry.default_source("ksj-a27-v3", kind="elementary")[0] == "国土数値情報利用約款"
