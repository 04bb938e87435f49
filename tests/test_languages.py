"""One vocabulary, two languages: English mode is complete (target groups, time bands, precision,
area kinds, classes, messages), and a Japanese page says its messages in Japanese only."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from geo import vocab
from geo.storage.models import AREA_KINDS, OPERATOR_TYPES, PRECISIONS, STATUSES, TARGET_GROUPS, Place

# an English phrase in brackets, as in 「…です (must be a number)」 (file formats such as (PNG) are fine)
ENGLISH_IN_BRACKETS = re.compile(r"[(（]\s*[A-Za-z][ -~]*?[a-z]{2}[ -~]*?[)）]")


def test_every_code_stored_has_both_labels():
    for name, stored in (("target_group", TARGET_GROUPS), ("operator_type", OPERATOR_TYPES),
                         ("precision", PRECISIONS), ("status", STATUSES), ("area_kind", AREA_KINDS),
                         ("coverage_class", vocab.COVERAGE_CLASSES), ("time_band", vocab.BAND_CODES),
                         ("time_band_hours", vocab.BAND_CODES), ("weekday", [str(i) for i in range(7)])):
        for code in stored:
            ja, en = vocab.label(name, code, "ja"), vocab.label(name, code, "en")
            assert ja and en, (name, code)
            assert not re.search(r"[ぁ-んァ-ヶ一-龠]", en) or name == "operator_type" and code == "社協", (name, code, en)
    assert vocab.label("area_kind", "catchment", "ja") == "相談窓口の担当地域"     # one name for it


def test_the_catalogue_has_one_shape_and_japanese_messages_have_no_english_in_brackets():
    for key, pair in vocab.MESSAGES.items():
        assert isinstance(pair, tuple) and len(pair) == 2 and pair[0], key
        assert not ENGLISH_IN_BRACKETS.search(pair[0]), (key, pair[0])
    for name, table in vocab.VOCABULARIES.items():
        assert all(isinstance(v, tuple) and len(v) == 2 and v[0] and v[1] for v in table.values()), name


def test_english_says_english_even_where_it_needs_no_word():
    """A counter English does without (か所) is an empty English text, not the Japanese one."""
    for key in vocab.MESSAGES:
        assert not re.search(r"[ぁ-んァ-ヶ]", vocab.text(key, "en")), key
    assert vocab.text("meeting.kasho", "en") == vocab.text("export.kasho", "en") == ""
    assert vocab.text("meeting.people", "en") == " people" and vocab.text("meeting.kasho", "ja") == "か所"


def test_one_time_band_definition_and_label_set():
    from geo.analysis import coverage, meeting
    from geo.places import schedule
    assert schedule.BANDS is vocab.TIME_BANDS
    assert tuple(coverage.BANDS) == tuple(meeting.BAND_NAMES) == vocab.BAND_CODES
    assert vocab.band_label("evening", "ja", hours=True) == "夕方・夜（17時〜）"
    assert vocab.band_label("evening", "en", hours=True) == "Evening (from 17:00)"
    assert meeting.slots_text([(5, "evening")], "en") == ["Sat Evening"]


@pytest.mark.parametrize("args, code", [
    ({"target": "猫"}, "param_choice"), ({"time": "night"}, "param_choice"), ({"day": "9"}, "param_weekday"),
    ({"layer": "nope"}, "param_choice"), ({"free": "maybe"}, "param_flag"),
])
def test_bad_filters_are_codes_said_in_each_language(args, code):
    from web import params
    with pytest.raises(params.BadParameter) as err:
        params.filters(args)
    assert err.value.code == code
    ja, en = err.value.message("ja"), err.value.message("en")
    assert ja != en and not ENGLISH_IN_BRACKETS.search(ja)
    if "target" in args:
        assert "こども・子育て世帯" in ja and "Children, Families with children" in en and "こども" not in en


def test_pages_in_english_and_api_messages_in_japanese_only(demo_db_url, session_for, demo_client):
    s = session_for(demo_db_url)
    place = s.scalar(select(Place).where(Place.precision == "approximate", Place.target_groups.contains(["誰でも"]))
                     .order_by(Place.id))
    home = demo_client.get("/?lang=en").get_data(as_text=True)
    for words in ("Older people", "Families with children", "Morning (until 12:00)", "Evening (from 17:00)",
                  "Monday"):
        assert words in home, words
    page = demo_client.get(f"/place/{place.id}?lang=en").get_data(as_text=True)
    assert "Approximate location (about 500 m square)" in page and "Everyone" in page and "誰でも" not in page
    assert re.search(r"Updated: <span", page) and "：" not in page   # English punctuation around the data
    ja_page = demo_client.get(f"/place/{place.id}?lang=ja").get_data(as_text=True)
    assert "おおよその位置（約500m四方）" in ja_page and "誰でも" in ja_page
    listed = demo_client.get("/list?lang=en").get_data(as_text=True)
    assert "Support desk areas" in listed and "Elementary school districts" in listed
    api = demo_client.get("/api/places?near=34.7,135.7&target=猫&lang=en").get_json()
    assert "Children, Families with children" in api["error"] and "こども" not in api["error"]
    for url in ("/api/places?near=34.7,135.7&target=猫&lang=ja", "/api/places?bbox=1,2&lang=ja",
                "/api/search?q=&lang=ja", "/api/places?near=x&lang=ja", "/list?area=nowhere:1&lang=ja"):
        r = demo_client.get(url)
        said = r.get_json()["error"] if r.is_json else \
            re.search(r'role="alert">(.*?)<', r.get_data(as_text=True), re.S).group(1)
        assert r.status_code == 400 and not ENGLISH_IN_BRACKETS.search(said), (url, said)
    meeting = demo_client.get("/meeting?lang=en").get_data(as_text=True)
    assert "Evening (from 17:00)" in meeting and "夜（17時〜）" not in meeting
    coverage = demo_client.get("/coverage?lang=en").get_data(as_text=True)
    for note in ("Thresholds (", "Legend (", " m)</th>"):      # English brackets around notes
        assert note in coverage, note
    assert "判定の基準（しきい値）（" in demo_client.get("/coverage?lang=ja").get_data(as_text=True)
    assert "Families with children" in coverage and "Least covered first" in coverage and "子育て世帯<" not in coverage
