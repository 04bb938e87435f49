"""Structured meeting schedules from the free-text and column forms Japanese lists use.

Municipal lists describe when a place meets in many ways: a weekday column ('木',
'月火水木金'), a frequency column (the 子ども食堂 standard layout uses numeric codes),
start/end time columns, and free text such as '原則第2・4金曜日だが変動あり',
'第2火曜・第4木曜　14時～' or '月1回　土曜日　10時30分～'.  `parse_schedule` combines
whatever a source has into one JSON-serialisable dict; the other functions answer
"when is the next meeting?" and "which weekday/time-of-day bands is it open?".

Schedule dict (as returned by `parse_schedule`)::

    {
      "rules": [{"weekdays": [0..6],          # Monday = 0
                 "nth": [1, 2, 3, 4, 5, -1],   # week of month; -1 = last; [] = every week
                 "months": [1..12],            # [] = every month
                 # optional, only when rules meet at different times:
                 "start": "HH:MM" | None, "end": "HH:MM" | None}],
      "dates": ["2026-12-13", ...],            # explicit one-off dates
      "start": "HH:MM" | None, "end": "HH:MM" | None,
      "irregular": bool,       # 不定期 / 変動あり / 原則 / 隔週 / 程度 ...: dates may differ
      "structured": bool,      # True when rules or dates were found
      "mentioned_weekdays": [0..6],  # every weekday the source names, even when the
                                     # schedule cannot be structured ('月1回 土曜日')
      "text": "...",           # the original text, combined from all inputs
      "closed_on_holidays": bool,  # '祝日を除く', '土日祝休み', '休日…は利用不可'
      "closed_year_end": bool,     # '年末年始を除く' (12月29日〜1月3日)
    }

Design rule: never invent dates.  A weekday without its week of month in a
less-than-weekly context ('月1回 土曜日', frequency code 5 + '木') is *not* turned
into a weekly rule; it is only recorded in ``mentioned_weekdays`` and the schedule
stays unstructured, so the UI says "ask the place directly" rather than showing a
wrong date.  The one exception is '隔週' (every other week) with a weekday: it is
kept as a weekly rule flagged ``irregular``.
"""
from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

import orjson

from geo import clock

__all__ = [
    "parse_schedule",
    "next_occurrences",
    "format_next_ja",
    "format_next_en",
    "format_next",
    "format_date_ja",
    "open_bands",
    "occurrence_on",
    "short_date",
]

from geo.vocab import TIME_BANDS, label as _label, text as _text

WEEKDAYS_JA = "".join(_label("weekday", i, "ja") for i in range(7))          # "月火水木金土日"
WEEKDAYS_EN = tuple(_label("weekday", i, "en") for i in range(7))          # ("Mon", ...)
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

ASK_DIRECTLY_JA = _text("schedule.ask_directly", "ja")
ASK_DIRECTLY_EN = _text("schedule.ask_directly", "en")
MAY_CHANGE_JA = "（日程が変わる場合があります）"
MAY_CHANGE_EN = " (dates may change)"

# 開催頻度 codes of the 自治体標準オープンデータセット 子ども食堂一覧 layout.  The
# meaning is inferred from the published files (code 1 rows list 6 weekdays, 3 rows
# one weekday, 4 rows '第2・4金曜日', 5 rows '毎月第4日曜日', 7 rows nothing):
# 1 毎日/ほぼ毎日, 2 週数回, 3 週1回, 4 月数回, 5 月1回, 6 年数回(?), 7 不定期, 8 その他.
WEEKLY_FREQUENCY_CODES = {"1", "2", "3"}
IRREGULAR_FREQUENCY_CODES = {"7"}

# How far ahead next_occurrences looks for rule-based dates.
SEARCH_HORIZON_DAYS = 2 * 366

BANDS = TIME_BANDS   # the one definition of the time-of-day bands lives in geo/vocab.py

# --------------------------------------------------------------------------- patterns
# All patterns run on text normalised by _normalise(): NFKC (full-width digits and
# colons become ASCII) and every dash / wave dash / tilde turned into '~'.

# A weekday character.  月 and 日 are also "month" and "day", so they only count
# when not part of 毎月, 12月, 月1回, 13日, 祝日, 平日 ... (曜 always makes them weekdays).
_MON = r"(?:月(?=曜)|(?<![\d毎ヶかカケヵ箇年今先来翌前当])月(?![\d末初々内間頃中次額謝]))"
_SUN = r"(?:日(?=曜)|(?<![\d毎平祝休当前翌同本今明昨])日(?![時中程頃間数目付\d]))"
_UNIT = rf"(?:[火水木金土]|{_MON}|{_SUN})(?:曜日?)?"
_SEP = r"\s*(?:[・、,/と&~]|及び|および)?\s*"
_RUN = rf"{_UNIT}(?:{_SEP}{_UNIT})*"

_MONTHS_PREFIX = r"(?:\d{1,2}月\s*[・、,と]\s*)*\d{1,2}月|奇数月|偶数月"
_NTH_LIST = (r"(?:第\s*\d|最終|最後の?)"
             r"(?:\s*(?:[・、,と&]|及び|および)\s*(?:第\s*\d|\d(?!\s*[時:])|最終))*")

_DOW_NOTE = r"(?:\s*\(\s*[月火水木金土日](?:曜日?)?(?:\s*[・,]?\s*祝)?\s*\))?"

_TIME_ONE = r"(?:午前|午後)?\s*\d{1,2}\s*(?::\s*\d{2}|時(?!間)(?:\s*\d{1,2}\s*分|半)?)"

_TOKEN = re.compile(
    "|".join([
        rf"(?P<ymd>(?P<y1>\d{{4}})\s*年\s*(?P<m1>\d{{1,2}})\s*月\s*(?P<d1>\d{{1,2}})\s*日{_DOW_NOTE})",
        rf"(?P<iso>(?<!\d)(?P<y2>\d{{4}})[~/.](?P<m2>\d{{1,2}})[~/.](?P<d2>\d{{1,2}})(?!\d){_DOW_NOTE})",
        rf"(?P<md>(?<!\d)(?P<m3>\d{{1,2}})\s*月\s*(?P<d3>\d{{1,2}})\s*日{_DOW_NOTE})",
        rf"(?P<slash>(?<![\d/])(?P<m4>\d{{1,2}})/(?P<d4>\d{{1,2}})(?![\d/]){_DOW_NOTE})",
        rf"(?P<nthrule>(?:(?P<months1>{_MONTHS_PREFIX})\s*(?:の|は|に)?\s*)?(?:毎月\s*)?"
        rf"(?P<nth>{_NTH_LIST})\s*(?:週目?)?\s*の?\s*(?P<nrun>{_RUN}))",
        r"(?P<kw>平日|毎日(?!曜)|週末)",
        rf"(?P<runrule>(?:(?P<months2>{_MONTHS_PREFIX})\s*(?:の|は|に)?\s*)?"
        rf"(?P<every>毎週\s*)?(?P<run>{_RUN}))",
        rf"(?P<time>(?<![\d:.])(?P<t1>{_TIME_ONE}|\d{{1,2}}(?=\s*~\s*\d{{1,2}}\s*時))"
        rf"(?:\s*~\s*(?P<t2>{_TIME_ONE})?)?|~\s*(?P<t3>{_TIME_ONE}))",
    ])
)
_TIME_PARTS = re.compile(r"(午前|午後)?\s*(\d{1,2})\s*(?::\s*(\d{2})|時\s*(?:(\d{1,2})\s*分|(半))?)?")
_UNIT_CHAR = re.compile(r"([月火水木金土日])(?:曜日?)?")

# Clause-level markers.
_IRREGULAR = re.compile(
    r"不定期|変動|変更|原則|隔週|隔月|随時|程度|頃|ごろ|要相談|指定(?:する|の)?日|未定|不規則|など"
    r"|(?<=[日曜])(?:他|ほか)|[ヶかカケヵ箇]月に"
)
_NOT_WEEKLY = re.compile(
    r"月\s*[\d一二三]+\s*(?:[~、,・]\s*[\d一二三]+\s*)?回|月数回|毎月|隔月|[ヶかカケヵ箇]月に"
    r"|年\s*\d+\s*回|年数回|要相談|指定(?:する|の)?日|不定期"
)
_NEGATIVE = re.compile(r"(?<![夏冬春])休み|休館|休業|休日|不可|除く|中止|以外|閉館|閉所")
_CLOSED_AFTER = re.compile(
    r"\s*(?:・?祝日?)?\s*(?:は|を|も)?\s*(?:お?休み|休館|休業|定休|除く|以外|閉館|閉所|不可)"
)
_CLOSED_BEFORE = re.compile(r"(?:定休日|休館日|休業日)\s*[:は]?\s*$")
_SEASONAL = re.compile(r"[夏冬春]休み|長期休暇|学校休業日|期間中?|シーズン")
_PERIOD_AFTER = re.compile(r"\s*(?:から|より|~|まで)")
_PERIOD_BEFORE = re.compile(r"(?:から|より|~)\s*(?:翌年の?)?\s*$")
_WEEKDAY_ONLY_CHARS = set(WEEKDAYS_JA + "曜・、,/と~&毎週 ")


# --------------------------------------------------------------------------- data
@dataclass
class _Item:
    """A rule or an explicit date found in text, with the time spans that follow it."""
    weekdays: set[int] = field(default_factory=set)
    nth: set[int] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    day: date | None = None          # set for explicit dates
    every_week: bool = False         # '毎週' / '毎日' said explicitly
    spans: list[tuple[str | None, str | None]] = field(default_factory=list)


@dataclass
class _Parsed:
    """What one piece of text says."""
    items: list[_Item] = field(default_factory=list)
    free_spans: list[tuple[str | None, str | None]] = field(default_factory=list)
    hinted: set[int] = field(default_factory=set)      # weekday named, week unknown
    excluded: set[int] = field(default_factory=set)    # '月曜休み'
    mentioned: set[int] = field(default_factory=set)
    irregular: bool = False
    not_weekly: bool = False
    every_week: bool = False

    @property
    def rules(self) -> list[_Item]:
        return [i for i in self.items if i.day is None]


# --------------------------------------------------------------------------- helpers
def _clean(value: object) -> str:
    """Cell value as stripped text ('' for None / NaN / blanks)."""
    if value is None:
        return ""
    text = str(value).replace("\ufeff", "").strip()
    return "" if text.lower() in {"nan", "none"} else text


def _normalise(text: str) -> str:
    """NFKC, unify range marks to '~' and kanji ordinals after 第 to digits."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[-‐‑‒–—―−〜~]", "~", text)
    text = re.sub(r"(?<=\d)\s*ー\s*(?=\d)", "~", text)
    text = re.sub(r"第\s*([一二三四五])", lambda m: "第" + str("一二三四五".index(m.group(1)) + 1), text)
    return text


def _parse_time(token: str | None) -> str | None:
    """'17時30分' / '9:00' / '午後3時' / '15' -> 'HH:MM', or None if not a valid time."""
    if not token:
        return None
    m = _TIME_PARTS.search(unicodedata.normalize("NFKC", token))
    if not m:
        return None
    ampm, hour, minute = m.group(1), int(m.group(2)), int(m.group(3) or m.group(4) or 0)
    if m.group(5):
        minute = 30
    if ampm == "午後" and hour < 12:
        hour += 12
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return f"{hour:02d}:{minute:02d}"


def _minutes(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


def _envelope(spans: list[tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """Earliest start and latest end over several spans."""
    starts = [s for s, _ in spans if s]
    ends = [e for _, e in spans if e]
    return (min(starts, key=_minutes) if starts else None,
            max(ends, key=_minutes) if ends else None)


def _run_weekdays(run: str) -> list[int]:
    """Weekdays named by a run such as '月火水', '月・水', '月~金曜日', '火曜日~木曜日'."""
    units = list(_UNIT_CHAR.finditer(run))
    days: list[int] = []
    for prev, cur in zip([None] + units[:-1], units):
        day = WEEKDAYS_JA.index(cur.group(1))
        if prev is not None and "~" in run[prev.end():cur.start()]:
            start = WEEKDAYS_JA.index(prev.group(1))
            days.extend((start + k) % 7 for k in range(1, (day - start) % 7 + 1))
        else:
            days.append(day)
    return days


def _span(m: re.Match) -> tuple[str | None, str | None]:
    """(start, end) of a time token; '午後3時～5時' reads the end as 17:00."""
    if m.group("t3"):
        return None, _parse_time(m.group("t3"))
    start, end = _parse_time(m.group("t1")), _parse_time(m.group("t2"))
    if start and end and _minutes(end) < _minutes(start) and _minutes(end) + 720 > _minutes(start):
        end = f"{_minutes(end) // 60 + 12:02d}:{_minutes(end) % 60:02d}"
    return start, end


def _token_weekdays(m: re.Match, clause: str) -> set[int]:
    """Weekdays named by an nth-rule, keyword or run token (empty if not really weekdays)."""
    if m.group("kw"):
        return set({"平日": range(5), "週末": (5, 6)}.get(m.group("kw"), range(7)))
    if m.group("nthrule"):
        return set(_run_weekdays(m.group("nrun")))
    run = m.group("run")
    return set(_run_weekdays(run)) if _run_is_weekday(run, clause) else set()


def _run_is_weekday(run: str, clause: str) -> bool:
    """A single bare character ('木') is a weekday only in a weekday-only cell."""
    if "曜" in run or len(_UNIT_CHAR.findall(run)) > 1:
        return True
    return set(clause) <= _WEEKDAY_ONLY_CHARS


def _nth_values(text: str) -> set[int]:
    values = {int(d) for d in re.findall(r"\d", text) if 1 <= int(d) <= 5}
    if "最終" in text or "最後" in text:
        values.add(-1)
    return values


def _months(text: str | None) -> set[int]:
    if not text:
        return set()
    if text == "奇数月":
        return {1, 3, 5, 7, 9, 11}
    if text == "偶数月":
        return {2, 4, 6, 8, 10, 12}
    return {int(m) for m in re.findall(r"\d{1,2}", text) if 1 <= int(m) <= 12}


def _resolve_date(year: str | None, month: str, day: str, today: date) -> date | None:
    """A date; without a year, the occurrence of that month/day nearest to `today`."""
    if year:
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            return None
    candidates = []
    for y in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(y, int(month), int(day)))
        except ValueError:
            continue
    return min(candidates, key=lambda d: abs((d - today).days)) if candidates else None


# --------------------------------------------------------------------------- text parser
def _date_from_match(m: re.Match, today: date) -> date | None:
    for kind, y, mo, d in (("ymd", "y1", "m1", "d1"), ("iso", "y2", "m2", "d2"),
                           ("md", None, "m3", "d3"), ("slash", None, "m4", "d4")):
        if m.group(kind):
            return _resolve_date(m.group(y) if y else None, m.group(mo), m.group(d), today)
    return None


def _is_period_bound(clause: str, m: re.Match, prev_end: int) -> bool:
    """'12月29日から1月3日まで' describes a period, not meeting days."""
    return bool(_PERIOD_AFTER.match(clause, m.end()) or _PERIOD_BEFORE.search(clause[prev_end:m.start()]))


def _parse_clause(clause: str, result: _Parsed, today: date) -> None:
    """Tokenise one clause (a line or sentence) and add what it says to `result`."""
    not_weekly = bool(_NOT_WEEKLY.search(clause))
    negative = bool(_NEGATIVE.search(clause))
    seasonal = bool(_SEASONAL.search(clause))   # rules valid only part of the year
    result.irregular |= bool(_IRREGULAR.search(clause))
    result.not_weekly |= not_weekly
    group: list[_Item] = []       # items the next time span belongs to
    group_timed = False
    prev_end = 0

    def add(item: _Item) -> None:
        nonlocal group, group_timed
        if group_timed:
            group, group_timed = [], False
        group.append(item)
        result.items.append(item)

    for m in _TOKEN.finditer(clause):
        if m.group("time"):
            span = _span(m)
            if span != (None, None):
                for item in group:
                    item.spans.append(span)
                if group:
                    group_timed = True
                else:
                    result.free_spans.append(span)
        elif seasonal and (m.group("nthrule") or m.group("kw") or m.group("runrule")):
            result.mentioned.update(_token_weekdays(m, clause))
        elif m.group("nthrule"):
            days = _run_weekdays(m.group("nrun"))
            result.mentioned.update(days)
            add(_Item(weekdays=set(days), nth=_nth_values(m.group("nth")), months=_months(m.group("months1"))))
        elif m.group("kw"):
            days = _token_weekdays(m, clause)
            result.mentioned.update(days)
            add(_Item(weekdays=set(days), every_week=m.group("kw") == "毎日"))
        elif m.group("runrule"):
            _handle_run(m, clause, result, not_weekly, add)
        elif not negative and not _is_period_bound(clause, m, prev_end):
            day = _date_from_match(m, today)
            if day:
                add(_Item(day=day, weekdays={day.weekday()}))
        prev_end = m.end()


def _handle_run(m: re.Match, clause: str, result: _Parsed, not_weekly: bool, add) -> None:
    """A weekday run without a week of month: weekly rule, closed day, or only a hint."""
    days = _token_weekdays(m, clause)
    if not days:
        return
    if _CLOSED_AFTER.match(clause, m.end()) or _CLOSED_BEFORE.search(clause[:m.start()]):
        result.excluded.update(days)
        return
    result.mentioned.update(days)
    every_week = bool(m.group("every"))
    result.every_week |= every_week
    if not_weekly and not every_week:
        result.hinted.update(days)
        return
    add(_Item(weekdays=days, months=_months(m.group("months2")), every_week=every_week))


def _parse_text(text: str, today: date) -> _Parsed:
    result = _Parsed()
    for clause in re.split(r"[\r\n。]+", _normalise(text)):
        if clause.strip():
            _parse_clause(clause.strip(), result, today)
    return result


# --------------------------------------------------------------------------- combining
def _column_rules(column: _Parsed, text: _Parsed, frequency_code: str | None) -> list[_Item]:
    """Weekly rules from the weekday column, unless frequency or text say otherwise.

    Weekdays that the free text already describes more precisely
    ('金' + '原則第2・4金曜日') are left to the text.
    """
    weekly_ok = (frequency_code in WEEKLY_FREQUENCY_CODES if frequency_code
                 else not text.not_weekly or text.every_week)
    described = {d for rule in text.rules for d in rule.weekdays}
    rules = []
    for rule in column.rules:
        if not rule.nth and not rule.every_week and not weekly_ok:
            column.hinted.update(rule.weekdays)
            continue
        rule.weekdays -= described if not rule.nth else set()
        if rule.weekdays:
            rules.append(rule)
    return rules


def _apply_restrictions(rules: list[_Item], hinted: set[int], excluded: set[int]) -> list[_Item]:
    """Drop weekdays known to be less than weekly or closed from weekly rules."""
    kept = []
    for rule in rules:
        if not rule.nth:
            rule.weekdays -= excluded
            if not rule.every_week:
                rule.weekdays -= hinted
        if rule.weekdays:
            kept.append(rule)
    return kept


def _rule_dicts(rules: list[_Item], per_rule_times: bool) -> list[dict]:
    """Merge equivalent rules and turn them into JSON-ready dicts."""
    merged: list[dict] = []
    for rule in rules:
        entry = {"weekdays": sorted(rule.weekdays),
                 "nth": sorted(rule.nth, key=lambda n: (n < 0, n)),
                 "months": sorted(rule.months)}
        if per_rule_times and rule.spans:
            entry["start"], entry["end"] = _envelope(rule.spans)
        for other in merged:
            if _try_merge(other, entry):
                break
        else:
            merged.append(entry)
    return merged


def _try_merge(into: dict, entry: dict) -> bool:
    """Union two rules when the result means exactly the same dates."""
    same = lambda *keys: all(into.get(k) == entry.get(k) for k in keys)  # noqa: E731
    if not same("months", "start", "end"):
        return False
    if into["weekdays"] == entry["weekdays"] and bool(into["nth"]) == bool(entry["nth"]):
        into["nth"] = sorted(set(into["nth"]) | set(entry["nth"]), key=lambda n: (n < 0, n))
        return True
    if into["nth"] == entry["nth"]:
        into["weekdays"] = sorted(set(into["weekdays"]) | set(entry["weekdays"]))
        return True
    return False


def _combined_text(frequency: str, frequency_code: str | None, weekdays: str, dates: str,
                   text: str, start: str, end: str) -> str:
    parts = [frequency if not frequency_code else "", weekdays, dates]
    if (start and not _parse_time(start)) or (end and not _parse_time(end)):
        parts.append(f"{start}～{end}")
    parts.append(text)
    return " / ".join(p for p in parts if p)


def parse_schedule(text: str | None = None, *, weekdays: str | None = None,
                   frequency: str | None = None, dates: str | None = None,
                   start: str | None = None, end: str | None = None,
                   today: date | None = None) -> dict | None:
    """Combine a source's schedule columns and free text into a structured schedule.

    text:      free text (開催日時特記事項, availableDateNote, ...)
    weekdays:  a weekday column ('木', '火金土', '月火水木金', '月～土曜日')
    frequency: 開催頻度, either the standard layout's numeric code or text ('月2回')
    dates:     a date column; often free text too ('第2・4水曜日 15時～19時')
    start/end: time columns ('17:00', '9:00', '１７：００', '17時30分')
    today:     reference day for dates written without a year ('12月13日' becomes the
               occurrence nearest to it); defaults to clock.today().

    Returns the dict described in the module docstring, or None when every input is
    empty.  Text that cannot be structured is still returned with structured=False.
    """
    text, weekdays, frequency, dates, start, end = map(_clean, (text, weekdays, frequency, dates, start, end))
    if not any((text, weekdays, frequency, dates, start, end)):
        return None
    all_text = "\n".join(p for p in (text, weekdays, frequency, dates) if p)
    today = today or clock.today()
    code_match = re.fullmatch(r"\d+", unicodedata.normalize("NFKC", frequency))
    frequency_code = code_match.group(0) if code_match else None

    free = _parse_text("\n".join(p for p in (frequency if not frequency_code else "", dates, text) if p), today)
    column = _parse_text(weekdays, today) if weekdays else _Parsed()

    rules = free.rules + _column_rules(column, free, frequency_code)
    hinted, excluded = free.hinted | column.hinted, free.excluded | column.excluded
    rules = _apply_restrictions(rules, hinted, excluded)
    explicit = [i for i in free.items + column.items if i.day is not None]

    top, per_rule = _times(rules, explicit, free.free_spans + column.free_spans, start, end)
    schedule_dates = sorted({i.day.isoformat() for i in explicit})
    rule_dicts = _rule_dicts(rules, per_rule)
    return {
        "rules": rule_dicts,
        "dates": schedule_dates,
        "start": top[0],
        "end": top[1],
        "irregular": free.irregular or column.irregular or frequency_code in IRREGULAR_FREQUENCY_CODES,
        "structured": bool(rule_dicts or schedule_dates),
        "mentioned_weekdays": sorted((free.mentioned | column.mentioned | hinted) - excluded),
        "text": _combined_text(frequency, frequency_code, weekdays, dates, text, start, end),
        "closed_on_holidays": bool(_HOLIDAYS_CLOSED.search(all_text)),
        "closed_year_end": bool(_YEAR_END_CLOSED.search(all_text)),
    }


# '祝日を除く', '祝日・年末年始を除く', '土日祝休み', '祝祭日は休館', 'Holidays ... 利用不可'
_HOLIDAYS_CLOSED = re.compile(r"(?:祝日|祝祭日|祭日|休日|土日祝)[^。]{0,40}?(?:除|休|閉|不可|以外)")
_YEAR_END_CLOSED = re.compile(r"年末年始[^。]{0,40}?(?:除|休|閉|不可|以外)")


def _closed_that_day(schedule: dict, d: date) -> bool:
    """A rule day on which the place says it is closed: a national holiday (jpholiday
    follows 国民の祝日に関する法律, substitute holidays included) or 12月29日〜1月3日."""
    if schedule.get("closed_year_end") and ((d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)):
        return True
    if schedule.get("closed_on_holidays"):
        import jpholiday
        return jpholiday.is_holiday(d)
    return False


def _times(rules: list[_Item], explicit: list[_Item], free_spans: list, start: str, end: str
           ) -> tuple[tuple[str | None, str | None], bool]:
    """Top-level (start, end) and whether rules need their own times.

    Time columns win; otherwise the times written after the rules/dates, widened to
    cover all of them; otherwise times written without any day.
    """
    items = rules + explicit
    item_spans = [s for i in items for s in i.spans]
    per_rule = len({_envelope(r.spans) for r in rules}) > 1
    if start or end:
        column = (_parse_time(start), _parse_time(end))
        if column != (None, None):
            return column, per_rule
    if item_spans:
        return _envelope(item_spans), per_rule
    return (_envelope(free_spans) if free_spans else (None, None)), per_rule


# --------------------------------------------------------------------------- dates
def _rule_matches(rule: dict, d: date) -> bool:
    if d.weekday() not in rule["weekdays"]:
        return False
    if rule.get("months") and d.month not in rule["months"]:
        return False
    nth = rule.get("nth") or []
    if not nth:
        return True
    last_day = calendar.monthrange(d.year, d.month)[1]
    return (d.day - 1) // 7 + 1 in nth or (-1 in nth and d.day > last_day - 7)


def _rule_times(rule: dict, schedule: dict) -> tuple[str | None, str | None]:
    if "start" in rule or "end" in rule:
        return rule.get("start"), rule.get("end")
    return schedule.get("start"), schedule.get("end")


def next_occurrences(schedule: dict | None, after: date, n: int = 3
                     ) -> list[tuple[date, str | None, str | None]]:
    """The next `n` meeting dates on or after `after`, as (date, start, end).

    Rule dates (nth weekday of month, -1 = last, months filter) are merged with the
    explicit dates. Rule days on which the schedule says the place is closed (national
    holidays, 年末年始) are skipped.  Returns [] for a missing or unstructured schedule.  Rules are
    searched up to two years ahead.
    """
    if not schedule or not schedule.get("structured") or n <= 0:
        return []
    top = (schedule.get("start"), schedule.get("end"))
    found: dict[date, tuple[str | None, str | None]] = {}
    for iso in schedule.get("dates") or []:
        d = date.fromisoformat(iso)
        if d >= after:
            found[d] = top
    rules = schedule.get("rules") or []
    rule_days = 0
    day = after
    while rules and rule_days < n and day <= after + timedelta(days=SEARCH_HORIZON_DAYS):
        matching = [_rule_times(r, schedule) for r in rules if _rule_matches(r, day)]
        if matching and not _closed_that_day(schedule, day):
            found[day] = _envelope(matching) if day not in found else found[day]
            rule_days += 1
        day += timedelta(days=1)
    return [(d, *found[d]) for d in sorted(found)[:n]]


def occurrence_on(schedule: dict | None, day: date) -> tuple[str | None, str | None] | None:
    """(start, end) when the place meets on `day` (an explicit date, or a rule day it is not
    closed on), else None. The same rules as next_occurrences, for one day."""
    if not schedule or not schedule.get("structured"):
        return None
    if day.isoformat() in (schedule.get("dates") or []):
        return schedule.get("start"), schedule.get("end")
    matching = [_rule_times(r, schedule) for r in schedule.get("rules") or [] if _rule_matches(r, day)]
    if matching and not _closed_that_day(schedule, day):
        return _envelope(matching)
    return None


def bands_of(start: str | None, end: str | None) -> set[str]:
    """The time-of-day bands a meeting from `start` to `end` touches ('unknown' without times)."""
    return _bands(start, end)


# --------------------------------------------------------------------------- formatting
def format_date_ja(d: date) -> str:
    """'2026年11月23日（月）'."""
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS_JA[d.weekday()]}）"


def short_date(d: date, lang: str = "ja", today: date | None = None, weekday: bool = True) -> str:
    """'11月28日（土）' / 'Sat 28 Nov' (the year added when it is not `today`'s year)."""
    if lang == "en":
        year = f" {d.year}" if today is not None and d.year != today.year else ""
        day = f"{WEEKDAYS_EN[d.weekday()]} " if weekday else ""
        return f"{day}{d.day} {MONTHS_EN[d.month - 1]}{year}"
    year = f"{d.year}年" if today is not None and d.year != today.year else ""
    day = f"（{WEEKDAYS_JA[d.weekday()]}）" if weekday else ""
    return f"{year}{d.month}月{d.day}日{day}"


def _time_range(start: str | None, end: str | None) -> str:
    if start and end:
        return f"{start}–{end}"
    if start:
        return f"{start}–"
    if end:
        return f"–{end}"
    return ""


def format_next_ja(schedule: dict | None, today: date) -> str:
    """'次回 12月13日（土）11:00–13:00' (year added when not this year).

    Unstructured or past-only schedules give '日程は直接お問い合わせください';
    irregular ones get '（日程が変わる場合があります）' appended.
    """
    occurrences = next_occurrences(schedule, today, 1)
    if not occurrences:
        return ASK_DIRECTLY_JA
    d, start, end = occurrences[0]
    year = f"{d.year}年" if d.year != today.year else ""
    text = f"次回 {year}{d.month}月{d.day}日（{WEEKDAYS_JA[d.weekday()]}）{_time_range(start, end)}"
    return text + (MAY_CHANGE_JA if schedule.get("irregular") else "")


def format_next_en(schedule: dict | None, today: date) -> str:
    """'Next: Sat 13 Dec, 11:00–13:00'; 'Please ask the place directly for dates' otherwise."""
    occurrences = next_occurrences(schedule, today, 1)
    if not occurrences:
        return ASK_DIRECTLY_EN
    d, start, end = occurrences[0]
    year = f" {d.year}" if d.year != today.year else ""
    times = _time_range(start, end)
    text = f"Next: {WEEKDAYS_EN[d.weekday()]} {d.day} {MONTHS_EN[d.month - 1]}{year}" + (f", {times}" if times else "")
    return text + (MAY_CHANGE_EN if schedule.get("irregular") else "")


def format_next(schedule: dict | None, today: date, lang: str = "ja") -> str:
    """format_next_ja or format_next_en, remembered per (schedule, day, language). A map page or a
    nearby answer formats the same schedules (毎週水曜日 13:30～15:30, 毎月第2火曜日 …) over and
    over, and each format walks the calendar; the memo is keyed by the schedule's JSON, so an
    edited schedule is a new key, and holds at most _FORMAT_MEMO_SIZE entries."""
    fmt = format_next_en if lang == "en" else format_next_ja
    if not schedule or not schedule.get("structured"):
        return fmt(schedule, today)
    try:
        key = orjson.dumps(schedule, option=orjson.OPT_SORT_KEYS)
    except TypeError:   # not plain JSON (an object being edited in memory): no memo
        return fmt(schedule, today)
    return _format_next_memo(key, today, lang)


_FORMAT_MEMO_SIZE = 8192


@functools.lru_cache(maxsize=_FORMAT_MEMO_SIZE)
def _format_next_memo(key: bytes, today: date, lang: str) -> str:
    schedule = orjson.loads(key)
    return format_next_en(schedule, today) if lang == "en" else format_next_ja(schedule, today)


# --------------------------------------------------------------------------- bands
def _bands(start: str | None, end: str | None) -> set[str]:
    """Bands touched by [start, end); one band for an open-ended time; 'unknown' if none."""
    if not start and not end:
        return {"unknown"}
    if start and end and _minutes(end) > _minutes(start):
        lo, hi = _minutes(start), _minutes(end)
        return {name for name, b_lo, b_hi in BANDS if lo < b_hi and hi > b_lo}
    point = _minutes(start) if start else _minutes(end) - 1
    return {name for name, b_lo, b_hi in BANDS if b_lo <= point < b_hi}


def open_bands(schedule: dict | None) -> set[tuple[int, str]]:
    """(weekday, band) pairs a place meets in, for "open on Saturday mornings" filters.

    Bands: 'morning' before 12:00, 'afternoon' 12:00–17:00, 'evening' from 17:00.
    A meeting counts for every band its start–end interval overlaps (10:00–13:00 is
    morning and afternoon; 11:00–12:00 is morning only).  With only a start time the
    band containing the start counts; with only an end time, the band just before it.
    A rule with no times at all gives (weekday, 'unknown') instead of guessing.

    Only recurring rules count (weekdays are taken only from structured rules, with
    per-rule times where present); one-off explicit dates and weekdays merely
    mentioned (``mentioned_weekdays``) are ignored.  Unstructured schedules give set().
    """
    if not schedule or not schedule.get("structured"):
        return set()
    pairs = set()
    for rule in schedule.get("rules") or []:
        bands = _bands(*_rule_times(rule, schedule))
        pairs.update((wd, band) for wd in rule["weekdays"] for band in bands)
    return pairs
