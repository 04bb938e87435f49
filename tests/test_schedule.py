"""Unit tests for geo.places.schedule (pure functions, no database).

Real examples below are cell values copied from the municipalities' open data in
tests/fixtures (子ども食堂一覧: 文京区, 渋谷区, 町田市, 国立市, 狛江市, 坂井市;
高松市オープンデータ CC BY 4.0) — 各市区町村オープンデータ（子ども食堂一覧、高松市オープンデータ CC BY 4.0）.
"""
from __future__ import annotations

import csv
import glob
import json
import os
from datetime import date

import pytest

from helpers import FIXTURES as _FIXTURES

from geo.places.schedule import (
    ASK_DIRECTLY_EN,
    ASK_DIRECTLY_JA,
    format_date_ja,
    format_next,
    format_next_en,
    format_next_ja,
    next_occurrences,
    open_bands,
    parse_schedule,
)

TODAY = date(2026, 11, 20)  # a Friday
FIXTURES = str(_FIXTURES)


def parse(text=None, **columns):
    return parse_schedule(text, today=TODAY, **columns)


def rules(schedule):
    """Rules without optional per-rule times, as comparable tuples."""
    return [(r["weekdays"], r["nth"], r["months"]) for r in schedule["rules"]]


# --------------------------------------------------------------------------- forms
@pytest.mark.parametrize("text, expected", [
    ("毎月第2・4金曜日", [([4], [2, 4], [])]),
    ("第1・第3水曜日", [([2], [1, 3], [])]),
    ("第２・第４土曜日", [([5], [2, 4], [])]),
    ("毎月第一・第三土曜日", [([5], [1, 3], [])]),
    ("第1・3週の土曜日", [([5], [1, 3], [])]),
    ("毎月第4日曜日", [([6], [4], [])]),
    ("最終土曜日", [([5], [-1], [])]),
    ("毎週木曜日", [([3], [], [])]),
    ("木", [([3], [], [])]),
    ("月火水木金", [([0, 1, 2, 3, 4], [], [])]),
    ("月～金", [([0, 1, 2, 3, 4], [], [])]),
    ("月曜日～金曜日", [([0, 1, 2, 3, 4], [], [])]),
    ("土日", [([5, 6], [], [])]),
    ("平日", [([0, 1, 2, 3, 4], [], [])]),
    ("毎日曜日", [([6], [], [])]),
    ("第2火曜・第4木曜", [([1], [2], []), ([3], [4], [])]),
    ("第2水曜・第4水曜", [([2], [2, 4], [])]),
    ("4月・8月の第2土曜日", [([5], [2], [4, 8])]),
    ("奇数月の第1日曜日", [([6], [1], [1, 3, 5, 7, 9, 11])]),
    ("月曜休み 火～土", [([1, 2, 3, 4, 5], [], [])]),
])
def test_weekday_forms(text, expected):
    schedule = parse(text)
    assert schedule["structured"] is True
    assert rules(schedule) == expected


@pytest.mark.parametrize("text, start, end", [
    ("17:00", "17:00", None),
    ("１７：００", "17:00", None),
    ("11:00～13:00", "11:00", "13:00"),
    ("11時～13時", "11:00", "13:00"),
    ("17:30-19:30", "17:30", "19:30"),
    ("17時30分～19時30分", "17:30", "19:30"),
    ("10時半〜", "10:30", None),
    ("午後3時～5時", "15:00", "17:00"),
    ("放課後～19:00", None, "19:00"),
])
def test_time_forms(text, start, end):
    schedule = parse(text)
    assert (schedule["start"], schedule["end"]) == (start, end)
    assert schedule["structured"] is False  # times alone give no dates


def test_irregular_but_structured():
    for text in ("原則第4日曜日", "原則第2・4金曜日だが変動あり"):
        schedule = parse(text)
        assert schedule["structured"] and schedule["irregular"], text


@pytest.mark.parametrize("text", ["月1回", "月2回", "不定期（友引の前日など）", "隔週", "祝日除く", "夏休み期間", "年10回"])
def test_unstructured_text_is_kept(text):
    schedule = parse(text)
    assert schedule["structured"] is False
    assert schedule["rules"] == [] and schedule["dates"] == []
    assert schedule["text"] == text


def test_irregular_flags():
    assert parse("不定期（友引の前日など）")["irregular"] is True
    assert parse("隔週")["irregular"] is True
    assert parse("月1回")["irregular"] is False
    assert parse("祝日除く")["irregular"] is False


def test_every_other_week_with_weekday_is_weekly_but_irregular():
    schedule = parse("隔週 水曜日")
    assert rules(schedule) == [([2], [], [])]
    assert schedule["irregular"] is True


def test_monthly_weekday_without_week_is_only_mentioned():
    schedule = parse("月1回　土曜日　10時30分～")
    assert schedule["structured"] is False
    assert schedule["mentioned_weekdays"] == [5]
    assert schedule["start"] == "10:30"


def test_explicit_dates():
    assert parse("2026年12月13日")["dates"] == ["2026-12-13"]
    assert parse("12月13日")["dates"] == ["2026-12-13"]
    # Yearless dates resolve to the occurrence nearest to `today`.
    assert parse("1月10日(土)")["dates"] == ["2027-01-10"]
    schedule = parse("12/13(日)、2027-01-10 10:00-12:00")
    assert schedule["dates"] == ["2026-12-13", "2027-01-10"]
    assert (schedule["start"], schedule["end"]) == ("10:00", "12:00")
    assert schedule["rules"] == []  # '(日)' annotates the date, it is no weekly rule


def test_periods_and_closures_are_not_meeting_dates():
    schedule = parse("夏休み期間（7月21日～8月31日）の平日")
    assert schedule["structured"] is False
    closed = parse("国民の祝日に関する法律に規定する休日及び年末年始（12月29日から翌年の1月3日まで）は利用不可。",
                   weekdays="月火水木金土日")
    assert closed["dates"] == []
    assert rules(closed) == [([0, 1, 2, 3, 4, 5, 6], [], [])]


def test_month_and_day_characters_are_not_weekdays():
    for text in ("毎月1日", "12月", "2ヶ月に1回", "祝日", "開催日時は未定"):
        assert parse(text)["rules"] == [], text


def test_empty_input_gives_none():
    assert parse_schedule() is None
    assert parse_schedule("", weekdays=" ", frequency=None, start="") is None


def test_result_is_json_serialisable():
    schedule = parse("第2火曜日 17：30～　第3土曜日 10：00～", weekdays="火土")
    assert json.loads(json.dumps(schedule, ensure_ascii=False)) == schedule


# --------------------------------------------------------------------------- columns
def test_frequency_code_decides_whether_a_weekday_column_is_weekly():
    weekly = parse(weekdays="土", frequency="3", start="11:30", end="13:00")
    assert rules(weekly) == [([5], [], [])]
    monthly = parse(weekdays="木", frequency="5", start="17:00", end="18:00")
    assert monthly["structured"] is False and monthly["mentioned_weekdays"] == [3]
    assert (monthly["start"], monthly["end"]) == ("17:00", "18:00")
    assert parse(frequency="7")["irregular"] is True
    assert rules(parse(weekdays="木")) == [([3], [], [])]  # no frequency column: weekly
    assert parse(weekdays="土", frequency="月2回")["structured"] is False


def test_text_refines_weekday_column():
    schedule = parse("原則第2・4金曜日だが変動あり", weekdays="金", frequency="4", start="18:00", end="20:00")
    assert rules(schedule) == [([4], [2, 4], [])]
    assert schedule["irregular"] is True
    assert (schedule["start"], schedule["end"]) == ("18:00", "20:00")


def test_restriction_in_weekday_column_removes_weekly_saturday():
    schedule = parse("放課後～19:00\n土曜日　８:０0～19:00",
                     weekdays="月～土曜日\n土曜日については月１回施設の指定する日のみ")
    assert rules(schedule) == [([0, 1, 2, 3, 4], [], [])]
    assert 5 in schedule["mentioned_weekdays"]


def test_time_columns_win_and_accept_odd_forms():
    schedule = parse(weekdays="月", start="9:00", end="１７時３０分")
    assert (schedule["start"], schedule["end"]) == ("09:00", "17:30")


def test_per_rule_times_when_rules_differ():
    schedule = parse("毎週火曜日～木曜日 11：30～18：00　毎週金曜日～土曜日 11：30～20：00(15～17時休憩）"
                     "　第4日曜日 12：00～(お弁当配布のみ)", weekdays="火水木金土日", frequency="1")
    assert schedule["rules"] == [
        {"weekdays": [1, 2, 3], "nth": [], "months": [], "start": "11:30", "end": "18:00"},
        {"weekdays": [4, 5], "nth": [], "months": [], "start": "11:30", "end": "20:00"},
        {"weekdays": [6], "nth": [4], "months": [], "start": "12:00", "end": None},
    ]
    assert (schedule["start"], schedule["end"]) == ("11:30", "20:00")


# --------------------------------------------------------------------------- real data
REAL_EXAMPLES = [
    # (kwargs as in the files, expected rules, start, end, structured, irregular)
    (dict(text="原則第2・4金曜日だが変動あり", weekdays="金", frequency="4", start="18:00", end="20:00"),   # 文京区
     [([4], [2, 4], [])], "18:00", "20:00", True, True),
    (dict(text="不定期（友引の前日など）", frequency="5", start="18:00", end="20:00"),                       # 文京区
     [], "18:00", "20:00", False, True),
    (dict(text="土曜の不定期開催", weekdays="土", frequency="5", start="16:30", end="18:00"),              # 文京区
     [], "16:30", "18:00", False, True),
    (dict(dates="第2・4水曜日 15時～19時", start="15:00", end="19:00"),                                    # 渋谷区
     [([2], [2, 4], [])], "15:00", "19:00", True, False),
    (dict(dates="月1回\u3000土曜日\u300010時30分～", start="10:30"),                                      # 渋谷区
     [], "10:30", None, False, False),
    (dict(dates="毎週月曜・木曜\u300017時～19時", start="17:00", end="19:00"),                             # 渋谷区
     [([0, 3], [], [])], "17:00", "19:00", True, False),
    (dict(dates="第2火曜・第4木曜\u300014時～", start="14:00"),                                           # 渋谷区
     [([1], [2], []), ([3], [4], [])], "14:00", None, True, False),
    (dict(dates="2ヶ月に1回\u3000第2火曜日\u300016時～18時", start="16:00", end="18:00"),                   # 渋谷区
     [([1], [2], [])], "16:00", "18:00", True, True),
    (dict(dates="第2水曜日他\u300015時～17時", start="15:00", end="17:00"),                                # 渋谷区
     [([2], [2], [])], "15:00", "17:00", True, True),
    (dict(dates="第2・第4土曜日\u300013時～", start="13:00"),                                             # 渋谷区
     [([5], [2, 4], [])], "13:00", None, True, False),
    (dict(dates="月2回\u30009時～11時30分", start="9:00", end="11:30"),                                    # 渋谷区
     [], "09:00", "11:30", False, False),
    (dict(dates="平日\u300015時30分～", start="15:30"),                                                   # 渋谷区
     [([0, 1, 2, 3, 4], [], [])], "15:30", None, True, False),
    (dict(text="第4水曜日(1)17：00～17：45\u3000(2)17：45～18：30\u300015：00～18：00(食材配布）",
          weekdays="水", frequency="5"),                                                                 # 町田市
     [([2], [4], [])], "15:00", "18:30", True, False),
    (dict(text="(会食)16：30～18：30\u3000(配食)12：00～18：00", frequency="8"),                          # 町田市
     [], "12:00", "18:30", False, False),
    (dict(weekdays="月火木金土日", frequency="1", start="11:00", end="14:00"),                             # 国立市
     [([0, 1, 3, 4, 5, 6], [], [])], "11:00", "14:00", True, False),
    (dict(weekdays="日", frequency="4", start="11:30", end="13:30"),                                      # 国立市
     [], "11:30", "13:30", False, False),
    (dict(start="11:00", end="13:00"),                                                                    # 国立市 追加
     [], "11:00", "13:00", False, False),
    (dict(dates="原則毎月第4日曜日", weekdays="日", frequency="5"),                                         # 坂井市
     [([6], [4], [])], None, None, True, True),
    (dict(dates="毎月第一土曜日", weekdays="土", frequency="5", start="9:00", end="13:00"),                  # 坂井市
     [([5], [1], [])], "09:00", "13:00", True, False),
    (dict(weekdays="月火水木金", start="08:30", end="17:15"),                                              # 高松市 福祉会館
     [([0, 1, 2, 3, 4], [], [])], "08:30", "17:15", True, False),
    (dict(text="放課後～18:00（延長保育あり）\n土曜日\u30008:00～16:30", weekdays="月～金曜日\n土曜日は要相談"),  # 高松市 児童クラブ
     [([0, 1, 2, 3, 4], [], [])], None, "18:00", True, True),  # Saturday (要相談) and its 8:00 dropped
]


@pytest.mark.parametrize("kwargs, expected_rules, start, end, structured, irregular", REAL_EXAMPLES)
def test_real_examples(kwargs, expected_rules, start, end, structured, irregular):
    schedule = parse(**kwargs)
    assert rules(schedule) == expected_rules
    assert (schedule["start"], schedule["end"]) == (start, end)
    assert schedule["structured"] is structured
    assert schedule["irregular"] is irregular


def test_real_machida_rules_with_own_times():
    schedule = parse("第2火曜日 17：30～\u3000第2金曜日 18：00～\u3000第3土曜日 10：00～\u3000第4土曜日 12：00～",
                     weekdays="火金土", frequency="3")
    assert [(r["weekdays"], r["nth"], r["start"]) for r in schedule["rules"]] == [
        ([1], [2], "17:30"), ([4], [2], "18:00"), ([5], [3], "10:00"), ([5], [4], "12:00")]
    assert next_occurrences(schedule, TODAY, 3) == [
        (date(2026, 11, 21), "10:00", None), (date(2026, 11, 28), "12:00", None),
        (date(2026, 12, 8), "17:30", None)]


def _read_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {(k or "").lstrip("\ufeff"): v for k, v in row.items()}  # 狛江 has two BOMs


def _real_schedule_inputs():
    for path in sorted(glob.glob(os.path.join(FIXTURES, "kodomo-shokudo-csv", "*.csv"))):
        for row in _read_rows(path):
            yield path, dict(text=row.get("開催日時特記事項"), weekdays=row.get("開催曜日"),
                             frequency=row.get("開催頻度"), dates=row.get("開催日"),
                             start=row.get("開催開始時間"), end=row.get("開催終了時間"))
    for path in sorted(glob.glob(os.path.join(FIXTURES, "takamatsu-facilities", "*.csv"))):
        for row in _read_rows(path):
            if "availableDate" in row:
                yield path, dict(text=row.get("availableDateNote") or row.get("normalTime"),
                                 weekdays=row.get("availableDate"),
                                 start=row.get("startTime"), end=row.get("endTime"))


def test_every_real_schedule_parses():
    count = structured = 0
    for path, kwargs in _real_schedule_inputs():
        schedule = parse(**kwargs)
        count += 1
        if schedule is None:
            assert not any((v or "").strip() for v in kwargs.values()), (path, kwargs)
            continue
        json.dumps(schedule)
        structured += schedule["structured"]
        for rule in schedule["rules"]:
            assert rule["weekdays"] and set(rule["weekdays"]) <= set(range(7)), (path, kwargs)
        if schedule["structured"]:
            assert next_occurrences(schedule, TODAY, 3), (path, kwargs)
        format_next_ja(schedule, TODAY)
        format_next_en(schedule, TODAY)
        open_bands(schedule)
    assert count >= 150
    assert structured >= 60


# --------------------------------------------------------------------------- occurrences
def test_next_occurrences_nth_and_last():
    schedule = parse("毎月第2・4金曜日 11:00～13:00")
    assert next_occurrences(schedule, date(2026, 11, 1)) == [
        (date(2026, 11, 13), "11:00", "13:00"),
        (date(2026, 11, 27), "11:00", "13:00"),
        (date(2026, 12, 11), "11:00", "13:00")]
    last = parse("最終土曜日")
    assert [d for d, _, _ in next_occurrences(last, date(2026, 10, 1), 4)] == [
        date(2026, 10, 31), date(2026, 11, 28), date(2026, 12, 26), date(2027, 1, 30)]
    fifth = parse("第5日曜日")
    assert [d for d, _, _ in next_occurrences(fifth, date(2026, 11, 1), 2)] == [
        date(2026, 11, 29), date(2027, 1, 31)]


def test_next_occurrences_includes_after_and_months_filter():
    assert next_occurrences(parse("金曜日"), TODAY, 1)[0][0] == TODAY
    schedule = parse("4月・8月の第2土曜日")
    assert [d for d, _, _ in next_occurrences(schedule, TODAY, 3)] == [
        date(2027, 4, 10), date(2027, 8, 14), date(2028, 4, 8)]


def test_next_occurrences_merges_explicit_dates():
    schedule = parse("第1日曜日 10:00～ 12月13日 臨時開催")
    assert [d for d, _, _ in next_occurrences(schedule, TODAY, 3)] == [
        date(2026, 12, 6), date(2026, 12, 13), date(2027, 1, 3)]
    past = parse("2025年12月13日")
    assert next_occurrences(past, TODAY) == []


def test_next_occurrences_unstructured():
    assert next_occurrences(parse("月1回"), TODAY) == []
    assert next_occurrences(None, TODAY) == []


# --------------------------------------------------------------------------- formatting
def test_format_date_ja():
    assert format_date_ja(date(2026, 11, 23)) == "2026年11月23日（月）"


def test_format_next():
    schedule = parse("2026年12月12日 11:00～13:00")
    assert format_next_ja(schedule, TODAY) == "次回 12月12日（土）11:00–13:00"
    assert format_next_en(schedule, TODAY) == "Next: Sat 12 Dec, 11:00–13:00"
    open_end = parse("第4日曜日　14時～")
    assert format_next_ja(open_end, TODAY) == "次回 11月22日（日）14:00–"
    assert format_next_en(parse("木"), TODAY) == "Next: Thu 26 Nov"


def test_format_next_other_year_and_irregular():
    schedule = parse("原則1月10日 10:00～")
    assert format_next_ja(schedule, TODAY) == "次回 2027年1月10日（日）10:00–（日程が変わる場合があります）"
    assert format_next_en(schedule, TODAY) == "Next: Sun 10 Jan 2027, 10:00– (dates may change)"


def test_remembered_format_is_the_same_text_and_follows_an_edit():
    """format_next (the map's and the API's, memoised per schedule, day and language) says exactly
    what format_next_ja/en say, for every real schedule on two days; an edited schedule is not
    answered from the memo of its old form."""
    days = (TODAY, date(2027, 1, 1))
    for path, kwargs in _real_schedule_inputs():
        schedule = parse(**kwargs)
        for day in days:
            for _ in range(2):   # the second time from the memo
                assert format_next(schedule, day, "ja") == format_next_ja(schedule, day), (path, kwargs)
                assert format_next(schedule, day, "en") == format_next_en(schedule, day), (path, kwargs)
    schedule = parse("毎週木曜日 13:30～15:30")
    assert format_next(schedule, TODAY) == "次回 11月26日（木）13:30–15:30"
    schedule["rules"][0]["weekdays"] = [5]
    assert format_next(schedule, TODAY) == "次回 11月21日（土）13:30–15:30"


def test_format_next_unstructured():
    for schedule in (None, parse("月1回"), parse("2025年1月1日")):
        assert format_next_ja(schedule, TODAY) == ASK_DIRECTLY_JA == "日程は直接お問い合わせください"
        assert format_next_en(schedule, TODAY) == ASK_DIRECTLY_EN == "Please ask the place directly for dates"


# --------------------------------------------------------------------------- bands
def test_open_bands():
    assert open_bands(parse("土曜日 10:00～13:00")) == {(5, "morning"), (5, "afternoon")}
    assert open_bands(parse("土曜日 11:00～12:00")) == {(5, "morning")}
    assert open_bands(parse("月～金", start="08:30", end="17:15")) == {
        (d, b) for d in range(5) for b in ("morning", "afternoon", "evening")}
    assert open_bands(parse("第3金曜日　17時～")) == {(4, "evening")}
    assert open_bands(parse("放課後～19:00", weekdays="月")) == {(0, "evening")}
    assert open_bands(parse("木")) == {(3, "unknown")}


def test_open_bands_per_rule_times_and_unstructured():
    schedule = parse("第2火曜日 17：30～　第3土曜日 10：00～")
    assert open_bands(schedule) == {(1, "evening"), (5, "morning")}
    assert open_bands(parse("月1回　土曜日　10時30分～")) == set()
    assert open_bands(parse("12月13日 10:00～")) == set()  # one-off dates do not count
    assert open_bands(None) == set()


def test_holidays_and_year_end_are_skipped_when_the_text_says_so():
    s = parse_schedule("月～金 8:30～17:15（祝日・年末年始を除く）")
    assert s["closed_on_holidays"] and s["closed_year_end"]
    # 2026-11-23 is 勤労感謝の日 (a Monday): the next opening is Tuesday the 24th
    assert [d for d, _, _ in next_occurrences(s, date(2026, 11, 23), 1)] == [date(2026, 11, 24)]
    assert format_next_ja(s, date(2026, 11, 23)).startswith("次回 11月24日（火）08:30–17:15")
    # 12月29日〜1月3日 closed; 2027-01-04 is a Monday and no holiday
    assert [d for d, _, _ in next_occurrences(s, date(2026, 12, 29), 1)] == [date(2027, 1, 4)]
    # 高松市's wording
    t = parse_schedule("国民の祝日に関する法律に規定する休日及び年末年始（12月29日から翌年の1月3日まで）は利用不可。",
                       weekdays="月火水木金")
    assert t["closed_on_holidays"] and t["closed_year_end"]
    # a schedule that says nothing about holidays still meets on them
    u = parse_schedule("毎週月曜日 10:00～12:00")
    assert not u["closed_on_holidays"] and not u["closed_year_end"]
    assert next_occurrences(u, date(2026, 11, 23), 1)[0][0] == date(2026, 11, 23)
