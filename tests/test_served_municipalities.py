"""One instance, several municipalities: the municipalities served, their stored settings (area
kinds and coverage thresholds as rows, not constants), a URL per municipality for the resident
map, coverage and meeting pages, and the `tsunagari municipality` commands.

The demo (生駒市 29209) is one municipality; a second one is added by importing 渋谷区's real
子ども食堂 list (address only, placed by the national gazetteer).
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpers import FIXTURES, make_app
from geo.places import served
from geo.storage.models import Area, MunicipalitySetting
from geo.vocab import Invalid
from scripts.cli import main

SHIBUYA = FIXTURES / "kodomo-shokudo-csv" / "131130_shibuyaku_kodomosyokudo.csv"


@pytest.fixture
def two(demo_db_url, session_for):
    """The demo plus 渋谷区's list: two municipalities served."""
    from geo.ingest.importer import import_places

    s = session_for(demo_db_url)
    r = import_places(s, SHIBUYA, layer="kodomo_shokudo", geocode=True)
    assert r.geocoding["fine"] == 52
    s.commit()
    return s


def test_the_municipalities_served_come_from_the_data(two):
    rows = served.served_municipalities(two)
    assert [(m.code, m.pref, m.name) for m in rows] == [("29209", "奈良県", "生駒市"), ("13113", "東京都", "渋谷区")]
    ikoma, shibuya = rows
    assert ikoma.code6 == "292095" and ikoma.areas > 0 and not ikoma.stored
    assert ikoma.area_kinds[:2] == ("elementary", "junior_high")     # the kinds it has data for
    assert shibuya.places == 52 and shibuya.area_kinds == ()


def test_settings_are_stored_validated_and_ordered(two):
    s = served.save_settings(two, "131130", area_kinds=["junior_high", "elementary"],
                             thresholds={"kodomo_shokudo": {"min_places": 3}}, title="渋谷区社協", sort_order=1)
    assert s.stored and s.area_kinds == ("junior_high", "elementary") and s.label == "渋谷区社協"
    served.save_settings(two, "29209", thresholds={"salons": {"min_covered_share": 0.8}}, sort_order=0)
    served.save_settings(two, "29209", thresholds={"salons": {"min_places": 4}})      # merged, not replaced
    two.commit()
    row = two.get(MunicipalitySetting, "29209")
    assert row.thresholds == {"salons": {"min_covered_share": 0.8, "min_places": 4}}
    assert served.thresholds_for(two, "292095", "salons") == {"min_covered_share": 0.8, "min_places": 4}
    assert [m.code for m in served.served_municipalities(two)] == ["29209", "13113"]
    bad = [dict(area_kinds=["prefecture"]), dict(thresholds={"no_such_layer": {"min_places": 2}}),
           dict(thresholds={"salons": {"min_places": 0}}), dict(thresholds={"salons": {"radius": 3}})]
    for kwargs in bad:
        with pytest.raises(Invalid):
            served.save_settings(two, "29209", **kwargs)
    with pytest.raises(Invalid) as e:
        served.save_settings(two, "292096")
    assert e.value.code == "served.code_check_digit" and "292095" in e.value.text("ja")
    with pytest.raises(Invalid):
        served.save_settings(two, "99999")


def test_coverage_uses_each_municipalitys_stored_thresholds(two):
    from geo.analysis import coverage as cov

    before = {c.area_id: c.klass for c in served.apply_thresholds(
        two, cov.compute_coverage(two, "elementary", "salons"), "salons")}
    served.save_settings(two, "29209", thresholds={"salons": {"min_places": 50}})
    after = served.apply_thresholds(two, cov.compute_coverage(two, "elementary", "salons"), "salons")
    assert any(before[c.area_id] == "covered" for c in after)
    assert all(c.klass in ("none", "thin") for c in after)    # nobody has 50 salons
    assert any(any("50" in r.text() for r in c.reasons) for c in after)


def test_a_url_per_municipality_and_a_choice_on_every_page(two, demo_db_url):
    two.execute(MunicipalitySetting.__table__.delete())
    served.save_settings(two, "29209", area_kinds=["junior_high", "elementary"],
                         thresholds={"salons": {"min_places": 50}})
    two.commit()
    client = make_app(demo_db_url).test_client()

    page = client.get("/m/29209/coverage?layer=salons").get_data(as_text=True)
    assert 'name="muni"' in page and "渋谷区" in page and "生駒市" in page
    assert 'value="junior_high" selected' in page            # the municipality's first kind
    assert 'name="min_places" min="1" step="1" value="50"' in page   # its stored threshold
    assert client.get("/coverage?muni=292095&layer=salons").status_code == 200
    csv = client.get("/coverage.csv?muni=29209&layer=salons&kind=junior_high").get_data(as_text=True)
    assert csv.count("\r\n") > 3
    shibuya = client.get("/m/13113/coverage").get_data(as_text=True)
    assert "生駒" not in shibuya.split('id="cov-table"')[-1].split("</table>")[0]

    m = client.get("/m/29209/meeting").get_data(as_text=True)
    assert "/m/29209/meeting/data.json" in m and 'href="/m/13113/meeting"' in m
    data = client.get("/m/29209/meeting/data.json?kind=elementary").json
    assert data["areas"]["features"] and data["places"]
    none = client.get("/m/13113/meeting/data.json?kind=elementary").json
    assert none["areas"]["features"] == [] and none["places"] == []
    assert client.get("/m/29209/meeting/export.csv?kind=elementary").status_code == 200

    home = client.get("/m/13113/").get_data(as_text=True)
    assert "/api/m/13113/search" in home and 'href="/m/29209/"' in home and "東京都渋谷区" in home
    assert client.get("/m/99999/").status_code == 404
    assert client.get("/m/abc/").status_code == 400
    # the municipality's towns first: もとまち in 渋谷区's map is not 生駒市's 元町
    j = client.get("/api/m/29209/search?q=もとまち").json
    assert j["origin"]["label"].startswith("奈良県生駒市元町")
    j = client.get("/api/m/13113/search?q=恵比寿西1-7-9").json
    assert j["origin"]["label"] == "東京都渋谷区恵比寿西一丁目" and j["results"]


def test_meeting_area_kinds_follow_the_settings(two):
    from geo.analysis import meeting

    assert meeting.area_kinds_present(two, "29209")[0] == "elementary"
    served.save_settings(two, "29209", area_kinds=["junior_high"])
    assert meeting.area_kinds_present(two, "29209")[0] == "junior_high"
    assert meeting.area_kinds_present(two, "13113") == []
    bounds = meeting.area_bounds(two, municipality_code="29209")
    assert 34.6 < bounds[0][0] < bounds[1][0] < 34.8


def test_municipality_commands(demo_db_url, session_for, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_db_url)
    runner = CliRunner()
    r = runner.invoke(main, ["municipality", "set", "292095", "--area-kinds", "junior_high,elementary",
                             "--threshold", "salons.min_places=3", "--threshold", "salons.min_per_1000=off",
                             "--title", "生駒市社協"])
    assert r.exit_code == 0, r.output
    assert "保存しました" in r.output and "junior_high,elementary" in r.output
    s = session_for(demo_db_url)
    row = s.get(MunicipalitySetting, "29209")
    assert row.area_kinds == ["junior_high", "elementary"]
    assert row.thresholds == {"salons": {"min_places": "3", "min_per_1000": None}}
    r = runner.invoke(main, ["municipality", "list"])
    assert r.exit_code == 0 and "292095 奈良県生駒市 「生駒市社協」" in r.output and "min_places=3" in r.output
    r = runner.invoke(main, ["municipality", "set", "29209", "--area-kinds", "prefecture"])
    assert r.exit_code != 0 and "区域の種類が不明です" in r.output
    r = runner.invoke(main, ["municipality", "set", "29209", "--threshold", "salons.min_places=0"])
    assert r.exit_code != 0
    r = runner.invoke(main, ["municipality", "unset", "29209"])
    assert r.exit_code == 0 and "消しました" in r.output
    assert session_for(demo_db_url).get(MunicipalitySetting, "29209") is None
    assert s.scalar(select(Area.id).limit(1)) is not None
