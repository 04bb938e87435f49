"""Read place lists (CSV) into PlaceRecord + Rejection. Touches no database.

Layouts recognised from the header row (declared in FORMATS below, chosen by geo.ingest.registry):

- ``jp-standard-kodomo-shokudo``: デジタル庁 自治体標準オープンデータセット 子ども食堂一覧
  (49 columns; 坂井市 names the first ones 'NO,都道府県コード又は市区町村コード').
- ``jp-standard-supplement``: the 25-column '追加' file of that dataset (国立市). It has
  ID, 住所, 緯度, 経度, schedule/fee columns but NO 名称: its rows add information to places
  already imported from the main list and must be merged by ID (source_id) by the caller.
  Records then carry name=None and every row needs an ID. Force this mode for other
  files with ``supplement=True``.
- ``jp-standard``: other standard lists with 名称/住所/緯度/経度 (公共施設一覧, 介護サービス事業所一覧 ...).
- ``takamatsu``: 高松市's own layout '#property,latitude,longitude,name,address,telephoneNumber,...'.
- ``generic``: any CSV whose columns can be placed by alias (geo.ingest.headers: name/名称/施設名,
  lat/lon/latitude/longitude/緯度/経度/x/y, address/住所/所在地 ...).

``mapping`` ({'source column': 'field'}, from --map column=field) wins over detection.
Columns that are not placed on a field are kept verbatim in ``PlaceRecord.extra``
(e.g. 方書, 名称_カナ is a field, 開催頻度 is kept in extra and also given to the schedule parser).

Reading is a row of small steps: decode → split rows → choose the header → place the columns →
name the layout → check the required columns → per row: screen the row, collect its cells,
then name, coordinates, municipality, schedule, fees, the rest → PlaceRecord or Rejection.
"""
from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from geo.ingest.headers import FEE_PREFIX, header_key, place_columns
from geo.ingest.records import PlaceRecord, ReadResult, Rejection
from geo.ingest.registry import Columns, Format, Reader, format_for
from geo.ingest.text import decode_bytes, is_formula_like, normalize_cell, parse_int
from geo.ingest.text import normalize_municipality_code as _normalize_municipality_code

normalize_municipality_code = functools.lru_cache(maxsize=1024)(_normalize_municipality_code)

__all__ = ["read_places_csv", "PLACE_FIELDS", "parse_target_groups",
           "READERS", "FORMATS"]

MAX_CELL = 2000

# Fields a column can be mapped to: PlaceRecord fields plus parts that are combined.
PLACE_FIELDS = frozenset({
    "name", "source_id", "name_kana", "address", "lat", "lon", "municipality_code",
    "operator", "operator_type", "phone", "email", "url", "school_district", "note",
    "schedule_text", "fees", "capacity", "reservation", "precision", "target_groups",
    # parts combined into schedule_text / schedule
    "schedule_frequency", "schedule_weekdays", "schedule_dates", "schedule_start",
    "schedule_end", "schedule_time", "schedule_note",
    # parts combined into fees / reservation
    "fee_note", "reservation_note",
    # keep in extra (explicitly), or drop
    "extra", "ignore",
})
_VERBATIM_FIELDS = {"schedule_text", "schedule_weekdays", "schedule_dates", "schedule_time", "schedule_note",
                    "schedule_start", "schedule_end", "note"}
_FORMULA_FIRST = frozenset(" \u3000\t\r=+-@＝＋－＠")


# ----------------------------------------------------------------------------- layouts (registry)

_SUPPLEMENT_MARKERS = {"開催開始時間", "参加費_幼児", "予約方法", "定員", "学区", "開催頻度"}
_STD_CODE = {"全国地方公共団体コード", "都道府県コード又は市区町村コード"}


def _is_takamatsu(c: Columns) -> bool:
    return "property" in c.keys and {"latitude", "longitude", "name"} <= c.keys


def _is_supplement(c: Columns) -> bool:
    hs = c.stripped
    return ("name" not in c.fields and "ID" in hs and "住所" in hs and len(hs & _SUPPLEMENT_MARKERS) >= 2) \
        or bool(c.hints.get("supplement"))


def _is_standard(c: Columns) -> bool:
    return bool(c.stripped & _STD_CODE) and "名称" in c.stripped


def _is_standard_kodomo(c: Columns) -> bool:
    return _is_standard(c) and bool(c.stripped & {"開催頻度", "参加費_幼児", "フードパントリー実施"})


def _standard_source(municipality_name=None, title=None, **_):
    return "CC BY 4.0", f"{municipality_name or '各市区町村'}オープンデータ（{title or '子ども食堂一覧'}）"


FORMATS = [
    Format("jp-standard-supplement", "places", _is_supplement, _standard_source),
    Format("takamatsu", "places", _is_takamatsu, lambda **_: ("CC BY 4.0", "高松市オープンデータ（CC BY 4.0）")),
    Format("jp-standard-kodomo-shokudo", "places", _is_standard_kodomo, _standard_source),
    Format("jp-standard", "places", _is_standard, _standard_source),
    Format("generic", "places"),
]
def _read_places(path, **options) -> ReadResult:
    return read_places_csv(path, **options)


READERS = [
    # any text file: the layout is named from its header (FORMATS); read_places_csv explains what it cannot read
    Reader("places-csv", "places", detect=lambda s: True, read=_read_places),
]


# ----------------------------------------------------------------------------- file level steps

def _read_input(path_or_bytes) -> tuple[bytes, str]:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes), "<bytes>"
    if hasattr(path_or_bytes, "read"):
        data = path_or_bytes.read()
        return (data.encode("utf-8") if isinstance(data, str) else data), getattr(path_or_bytes, "name", "<stream>")
    p = Path(os.fspath(path_or_bytes))
    if not p.exists():
        raise ValueError(f"ファイルがありません: {p} (file not found)")
    if p.is_dir():
        raise ValueError(f"フォルダではなく CSV ファイルを指定してください: {p} (expected a CSV file, got a folder)")
    return p.read_bytes(), str(p)


def _decode(data: bytes, label: str) -> tuple[str, str]:
    if not data.strip():
        raise ValueError(f"ファイルが空です: {label} (file is empty)")
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise ValueError(f"ファイルが空です: {label} (file is empty)")
    return text, encoding


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    return "\t" if ("\t" in first_line and "," not in first_line) else ","


def _split_rows(text: str, delimiter: str, result: ReadResult) -> list[tuple[int, list[str]]]:
    """(first physical line, cells) of every row; a row csv cannot read ends the file as one rejection."""
    if csv.field_size_limit() < 10_000_000:
        csv.field_size_limit(10_000_000)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    prev = 0
    try:
        for row in reader:
            rows.append((prev + 1, row))
            prev = reader.line_num
    except csv.Error as e:  # e.g. NUL inside a field
        result.rejections.append(Rejection(prev + 1, "unreadable_csv_row", {"error": str(e)}))
    return rows


def _unterminated_line(text: str, rows, delimiter: str) -> int | None:
    """The line of the last row when the file ends inside a quoted cell (a truncated download)."""
    if text.count('"') % 2 == 0 or not rows:
        return None
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            return rows[-1][0]
    return None


def _choose_header(rows: list[tuple[int, list[str]]], mapping) -> int:
    """Index (into rows) of the header row: the first of the first 10 non-empty rows that has a
    recognisable name / ID / coordinate column (title rows above the header are skipped)."""
    for idx, (_, row) in enumerate(rows[:10]):
        if not any(c.strip() for c in row):
            continue
        if mapping and {str(c).strip() for c in mapping} & {x.strip() for x in row}:
            return idx
        det = set(place_columns(row, PLACE_FIELDS).values())
        if "name" in det or ({"lat", "lon"} <= det) or ("source_id" in det and "address" in det):
            return idx
    for idx, (_, row) in enumerate(rows):
        if any(c.strip() for c in row):
            return idx
    return 0


def _apply_mapping(header: list[str], detected: dict[int, str], mapping: dict[str, str]) -> dict[int, str]:
    cols = dict(detected)
    by_exact = {h.strip(): i for i, h in enumerate(header)}
    by_key = {header_key(h): i for i, h in enumerate(header)}
    for col, field_ in mapping.items():
        col_s = str(col).strip()
        field_ = str(field_).strip()
        if field_ not in PLACE_FIELDS and not field_.startswith(FEE_PREFIX):
            raise ValueError(
                f"--map の項目名 {field_!r} は使えません。使える項目: {', '.join(sorted(PLACE_FIELDS))} "
                f"(unknown field {field_!r} in mapping)")
        i = by_exact.get(col_s, by_key.get(header_key(col_s)))
        if i is None:
            raise ValueError(
                f"--map の列 {col_s!r} がファイルにありません。見つかった列: {', '.join(h.strip() for h in header)} "
                f"(mapped column {col_s!r} not in file; columns found: {', '.join(h.strip() for h in header)})")
        # the mapped field is taken away from any auto-detected column
        for j, f in list(cols.items()):
            if f == field_ and j != i and field_ not in ("extra", "ignore"):
                del cols[j]
        cols[i] = field_
    return cols


def _check_required(header: list[str], fields: set[str], supplement: bool) -> None:
    missing = []
    if not supplement and "name" not in fields:
        missing.append("name (名称)")
    if supplement and "source_id" not in fields:
        missing.append("source_id (ID)")
    if ("lat" in fields) != ("lon" in fields):
        missing.append("lon (経度)" if "lat" in fields else "lat (緯度)")
    if missing:
        found = ", ".join(h.strip() for h in header if h.strip()) or "(なし)"
        raise ValueError(
            f"必要な列を特定できません: {', '.join(missing)}。見つかった列: {found}。"
            f"--map 列名=項目名 で指定してください "
            f"(could not place required field(s) {', '.join(m.split(' ')[0] for m in missing)}; "
            f"columns found: {found}; use --map column=field)")


# ----------------------------------------------------------------------------- value helpers

@functools.lru_cache(maxsize=4096)
def _fee_is_free(v: str | None) -> bool | None:
    """True for 0 / 0円 / 無料, False for a positive amount, None when it cannot be told."""
    if v is None:
        return None
    t = re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", v))
    if re.fullmatch(r"(0+円?|無料|free|なし)", t, re.I):
        return True
    m = re.fullmatch(r"(\d+)円?", t)
    if m:
        return int(m.group(1)) == 0
    amounts = [int(a) for a in re.findall(r"(\d+)円", t)]
    if any(a > 0 for a in amounts):
        return False
    if "無料" in t:
        return True
    return None


_PAID_WORDS = ("有料", "応相談", "カンパ", "実費", "別途")


@functools.lru_cache(maxsize=4096)
def _fee_text(value: str) -> str:
    t = value.strip()
    return t + "円" if re.fullmatch(r"\d[\d,]*", t) else t


_RES_NO = ("予約不要", "申込不要", "申し込み不要", "不要")
_RES_YES = ("要予約", "予約制", "事前予約", "事前申込", "事前申し込み", "要申込", "予約必要", "予約が必要", "申込必要", "必須")


@functools.lru_cache(maxsize=4096)
def _reservation_required(method: str | None, note: str | None) -> bool | None:
    texts = [t for t in (method, note) if t]
    if not texts:
        return None
    joined = " ".join(texts)
    no = any(w in joined for w in _RES_NO) or (method or "").strip() in ("なし", "無し", "無", "-")
    yes = any(w in joined for w in _RES_YES)
    if method and not no and method.strip() not in ("なし", "無し", "無"):
        yes = True  # a channel is published (電話, LINE, HP, フォーム ...): reservation is taken
    if no and yes:
        return None
    if no:
        return False
    if yes:
        return True
    return None


@functools.lru_cache(maxsize=4096)
def _operator_type(operator: str | None) -> str | None:
    if not operator:
        return None
    t = unicodedata.normalize("NFKC", operator)
    if "社会福祉協議会" in t or "社協" in t:
        return "社協"
    if "社会福祉法人" in t:
        return "社会福祉法人"
    if "NPO" in t.upper() or "特定非営利活動法人" in t:
        return "NPO"
    if any(w in t for w in ("株式会社", "有限会社", "合同会社", "(株)", "(有)")):
        return "企業"
    return None


def _parse_coord(v: str | None) -> float | None | str:
    """float, None for empty, or 'bad' for non-numeric."""
    if v is None:
        return None
    t = unicodedata.normalize("NFKC", v).strip().replace(",", "")
    try:
        f = float(t)
    except ValueError:
        return "bad"
    if math.isnan(f) or math.isinf(f):
        return "bad"
    return f


def _in_japan(lat: float, lon: float) -> bool:
    return 20.0 <= lat <= 46.0 and 122.0 <= lon <= 154.0


_PRECISION_WORDS = {
    "exact": "exact", "正確": "exact", "公開": "exact", "そのまま": "exact",
    "approximate": "approximate", "おおよそ": "approximate", "概略": "approximate", "ぼかし": "approximate",
    "approx": "approximate",
    "hidden": "hidden", "非公開": "hidden", "公開しない": "hidden", "hide": "hidden",
}


def _parse_precision(v: str | None) -> str | None:
    if not v:
        return None
    return _PRECISION_WORDS.get(unicodedata.normalize("NFKC", v).strip().lower())


_TARGET_WORDS = (
    ("誰でも", ("誰でも", "だれでも", "どなたでも", "どなたも", "どなたさまも", "すべての方", "地域住民", "全世代", "多世代")),
    ("こども", ("こども", "子ども", "子供", "児童", "小学生", "中学生", "高校生", "幼児", "乳幼児", "未就学")),
    ("子育て世帯", ("子育て", "親子", "保護者", "ひとり親", "妊婦", "乳幼児")),
    ("高齢者", ("高齢", "シニア", "65歳以上", "お年寄り")),
    ("障害のある人", ("障害", "障がい", "障碍")),
)


def parse_target_groups(v: str | None) -> list[str]:
    """'子ども・保護者' -> ['こども', '子育て世帯']; words outside the five groups are ignored."""
    if not v:
        return []
    t = unicodedata.normalize("NFKC", v)
    return [group for group, words in _TARGET_WORDS if any(w in t for w in words)]


def _compose_schedule_text(parts: dict[str, str]) -> str | None:
    out = []
    if parts.get("schedule_text"):
        out.append(parts["schedule_text"])
    if parts.get("schedule_dates"):
        out.append(parts["schedule_dates"])
    if parts.get("schedule_weekdays"):
        out.append("曜日: " + parts["schedule_weekdays"])
    start, end = parts.get("schedule_start"), parts.get("schedule_end")
    if start or end:
        out.append("時間: " + (start or "") + "～" + (end or ""))
    if parts.get("schedule_time"):
        out.append("時間: " + parts["schedule_time"])
    if parts.get("schedule_note"):
        out.append(parts["schedule_note"])
    if not out:
        return None
    if len(out) == 1 and (parts.get("schedule_text") or parts.get("schedule_dates") or parts.get("schedule_note")):
        return out[0]
    return " / ".join(out)



def _cut(s: str, n: int = 500) -> str:
    return s if len(s) <= n else s[:n]


def _raw_line(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([c if len(c) <= 200 else c[:200] + "…" for c in row])
    return _cut(out.getvalue())


def _fee_summary(parts: dict[str, str], fees: list[tuple[str, str]]) -> tuple[str | None, bool | None]:
    """(fees text, free of charge) from the fee columns (参加費, 参加費_幼児 ..., 参加費特記事項)."""
    fee_parts = [f"{band} {_fee_text(v)}" for band, v in fees]
    if parts.get("fees"):
        fee_parts.insert(0, parts["fees"])
    fee_values = [v for _, v in fees] + ([parts["fees"]] if parts.get("fees") else [])
    if parts.get("fee_note"):
        fee_parts.append(parts["fee_note"])
    free_flags = [_fee_is_free(v) for v in fee_values]
    if not free_flags:
        free = None
    elif any(f is False for f in free_flags):
        free = False
    elif all(f is True for f in free_flags):
        # all published amounts are zero, unless the note says someone pays (大人は応相談, 有料 ...)
        note = parts.get("fee_note") or ""
        free = None if (_fee_is_free(note) is False or any(w in note for w in _PAID_WORDS)) else True
    else:
        free = None
    return " / ".join(fee_parts) or None, free


# ----------------------------------------------------------------------------- rows

@dataclass
class _Rows:
    """Per-file state of the row steps: the placed columns, the options, caches."""
    header: list[str]
    cols: dict[int, str]
    result: ReadResult
    supplement: bool
    default_code: str | None
    default_target_groups: list[str]
    default_precision: str | None
    unterminated_line: int | None = None
    schedule_cache: dict = field(default_factory=dict)
    schedule_failed: bool = False
    seen_ids: dict = field(default_factory=dict)
    blank_rows: int = 0

    def __post_init__(self):
        self.ncols = len(self.header)
        self.colnames = [h.strip() or f"列{i + 1}" for i, h in enumerate(self.header)]
        from geo.places.schedule import parse_schedule  # looked up per file (tests substitute the parser)
        self.parse_schedule = parse_schedule

    def read(self, line: int, row: list[str]) -> None:
        """One row -> a record, a rejection, or nothing (a blank row)."""
        if not any(c.strip() for c in row):
            self.blank_rows += 1 if row else 0
            return
        out = self.screen(line, row) or self.record(line, row)
        (self.result.rejections if isinstance(out, Rejection) else self.result.records).append(out)

    def reject(self, line: int, row: list[str], code: str, **params) -> Rejection:
        return Rejection(line, code, params, _raw_line(row))

    def column_name(self, i: int) -> str:
        return self.header[i].strip() if i < self.ncols else str(i + 1)

    # -- 1. the row as a whole
    def screen(self, line: int, row: list[str]) -> Rejection | None:
        if line == self.unterminated_line:
            return self.reject(line, row, "unterminated_quote")
        if len(row) > self.ncols and any(c.strip() for c in row[self.ncols:]):
            return self.reject(line, row, "too_many_cells", header=self.ncols, cells=len(row))
        if sum(map(len, row)) > MAX_CELL:
            long_cells = [self.column_name(i) for i, c in enumerate(row) if len(c) > MAX_CELL]
            if long_cells:
                return self.reject(line, row, "cell_too_long", limit=MAX_CELL, columns=", ".join(long_cells))
        for i, c in enumerate(row):
            if c and c[0] in _FORMULA_FIRST and is_formula_like(c):
                col = self.column_name(i)
                self.result.warnings.append(
                    f"{line} 行目 列「{col}」: 数式のような値です。文字列として保持し、評価しません "
                    f"(line {line}, column {col!r}: looks like a spreadsheet formula; kept as text, never evaluated)")
        return None

    # -- 2. cells onto fields
    def cells(self, row: list[str]) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]]:
        """(field parts, fee bands, extra columns kept verbatim)."""
        parts: dict[str, str] = {}
        fees: list[tuple[str, str]] = []
        extra: dict[str, str] = {}
        cols = self.cols
        for i, cell in enumerate(row[:self.ncols]):
            if not cell:
                continue
            field_ = cols.get(i)
            if field_ is None or field_ == "extra":
                if cell.strip():
                    colname = self.colnames[i]
                    extra[colname if colname not in extra else f"{colname}_{i + 1}"] = cell
                continue
            if field_ == "ignore":
                continue
            if field_ in _VERBATIM_FIELDS:  # schedule text is kept as published (only trimmed)
                v = cell.replace("\ufeff", "").strip()
                v = None if normalize_cell(v) is None else v
            else:
                v = normalize_cell(cell)
            if v is None:
                continue
            if field_.startswith(FEE_PREFIX):
                fees.append((field_[len(FEE_PREFIX):], v))
            elif field_ in parts:
                parts[field_] = parts[field_] + " " + v
            else:
                parts[field_] = v
        if "schedule_frequency" in parts:
            extra.setdefault("開催頻度", parts["schedule_frequency"])
        return parts, fees, extra

    # -- 3. the values
    def coordinates(self, line: int, row: list[str], parts: dict[str, str]):
        """(lat, lon), both None when absent, or a Rejection."""
        lat, lon = _parse_coord(parts.get("lat")), _parse_coord(parts.get("lon"))
        if lat == "bad" or lon == "bad":
            return self.reject(line, row, "coordinates_not_numbers", lat=parts.get("lat"), lon=parts.get("lon"))
        if (lat is None) != (lon is None):
            self.result.warnings.append(
                f"{line} 行目: 緯度と経度の片方しかないため座標なしとして扱います "
                f"(line {line}: only one of latitude/longitude; kept without coordinates for geocoding)")
            return None, None
        if lat is None:
            return None, None
        if lat == 0 and lon == 0:
            return self.reject(line, row, "coordinates_zero")
        if not _in_japan(lat, lon):
            if _in_japan(lon, lat):
                return self.reject(line, row, "coordinates_swapped")
            return self.reject(line, row, "coordinates_outside_japan", lat=lat, lon=lon)
        return lat, lon

    def municipality(self, line: int, parts: dict[str, str]) -> str | None:
        code = None
        if parts.get("municipality_code"):
            code, w = normalize_municipality_code(parts["municipality_code"])
            if w:
                self.result.warnings.append(f"{line} 行目: {w}")
            if code and self.default_code and code != self.default_code:
                self.result.warnings.append(f"{line} 行目: 団体コード {code} が指定の {self.default_code} と異なります "
                                            f"(municipality code differs from the one given)")
        return code or self.default_code

    def note_id(self, line: int, sid: str | None) -> None:
        if not sid:
            return
        if sid in self.seen_ids:
            self.result.warnings.append(f"{line} 行目: ID {sid} が {self.seen_ids[sid]} 行目と重複しています (duplicate ID)")
        else:
            self.seen_ids[sid] = line

    def schedule(self, parts: dict[str, str], schedule_text: str | None) -> dict | None:
        if not schedule_text:
            return None
        args = (parts.get("schedule_text") or parts.get("schedule_note") or parts.get("schedule_time"),
                parts.get("schedule_weekdays"), parts.get("schedule_frequency"), parts.get("schedule_dates"),
                parts.get("schedule_start"), parts.get("schedule_end"))
        # lists repeat the same schedules ('毎月第2土曜日') many times: records with equal
        # schedule columns share one (read-only) schedule dict
        if args in self.schedule_cache:
            return self.schedule_cache[args]
        try:
            schedule = self.parse_schedule(args[0], weekdays=args[1], frequency=args[2], dates=args[3],
                                           start=args[4], end=args[5])
        except Exception as e:  # noqa: BLE001 - a schedule the parser trips on never sinks a file
            if not self.schedule_failed:
                self.result.warnings.append(f"開催日時の解析に失敗しました: {type(e).__name__}: {e} "
                                            f"(schedule parser failed; schedule_text kept)")
                self.schedule_failed = True
            return None
        if len(self.schedule_cache) < 10_000:
            self.schedule_cache[args] = schedule
        return schedule

    def capacity(self, parts: dict[str, str], extra: dict[str, str]) -> int | None:
        if not parts.get("capacity"):
            return None
        capacity = parse_int(parts["capacity"])
        if capacity is None:
            extra.setdefault("定員", parts["capacity"])
        return capacity

    def precision(self, line: int, parts: dict[str, str], extra: dict[str, str]) -> str:
        precision = _parse_precision(parts.get("precision"))
        if parts.get("precision") and precision is None:
            self.result.warnings.append(f"{line} 行目: 位置精度 {parts['precision']!r} を解釈できないため既定値にしました "
                                        f"(line {line}: unknown precision; layer default used)")
            extra.setdefault("位置精度", parts["precision"])
        return precision or self.default_precision or "exact"

    def target_groups(self, parts: dict[str, str], extra: dict[str, str]) -> list[str]:
        groups = parse_target_groups(parts.get("target_groups"))
        if parts.get("target_groups"):
            extra.setdefault("対象", parts["target_groups"])
        return groups or list(self.default_target_groups)

    # -- 4. the record
    def record(self, line: int, row: list[str]) -> PlaceRecord | Rejection:
        parts, fees, extra = self.cells(row)
        name, sid = parts.get("name"), parts.get("source_id")
        if not self.supplement and not name:
            return self.reject(line, row, "no_name")
        if self.supplement and not sid:
            return self.reject(line, row, "no_id_supplement")
        coords = self.coordinates(line, row, parts)
        if isinstance(coords, Rejection):
            return coords
        code = self.municipality(line, parts)
        self.note_id(line, sid)
        schedule_text = _compose_schedule_text(parts)
        fee_text, free = _fee_summary(parts, fees)
        operator = parts.get("operator")
        return PlaceRecord(
            line=line, name=name, source_id=sid, name_kana=parts.get("name_kana"), address=parts.get("address"),
            lat=coords[0], lon=coords[1], municipality_code=code, operator=operator,
            operator_type=parts.get("operator_type") or _operator_type(operator),
            target_groups=self.target_groups(parts, extra),
            schedule_text=schedule_text, schedule=self.schedule(parts, schedule_text),
            fees=fee_text, free_of_charge=free, capacity=self.capacity(parts, extra),
            reservation=" / ".join(p for p in (parts.get("reservation"), parts.get("reservation_note")) if p) or None,
            reservation_required=_reservation_required(parts.get("reservation"), parts.get("reservation_note")),
            phone=parts.get("phone"), email=parts.get("email"), url=parts.get("url"),
            school_district=parts.get("school_district"), note=parts.get("note"),
            precision=self.precision(line, parts, extra), extra=extra,
        )


# ----------------------------------------------------------------------------- the reader

def read_places_csv(path_or_bytes, *, mapping: dict[str, str] | None = None, municipality_code=None,
                    default_target_groups: list[str] | None = None, layer: str | None = None,
                    supplement: bool | None = None, default_precision: str | None = None) -> ReadResult:
    """Read a place list (CSV, or TSV) into PlaceRecords plus Rejections.

    path_or_bytes: path, bytes or a binary file object.
    mapping: {'source column': 'field'} overrides; fields are PLACE_FIELDS (or 'fee:<band>').
    municipality_code: used for rows without a code (5 or 6 digits; stored as 5 digits).
    default_target_groups: given to every record (copy). When not given, the layer's own
        default_target_groups (layers/<layer>.py) are used. Nothing is assumed otherwise.
    supplement: True = rows complete an existing dataset by ID (name not required).
    default_precision: precision for rows whose file gives none (a 位置精度 column may say
        exact / approximate / hidden, or 正確 / おおよそ / 非公開); 'exact' when not given.

    Raises ValueError (Japanese + English) for an empty/undecodable file, or when required
    columns cannot be placed (the message lists the columns found and the missing fields).
    """
    data, label = _read_input(path_or_bytes)
    text, encoding = _decode(data, label)
    result = ReadResult(encoding=encoding)
    if default_target_groups is None and layer:
        import layers

        known = layers.registry().get(layer)
        default_target_groups = list(getattr(known, "default_target_groups", ())) or None
    default_code, w = normalize_municipality_code(municipality_code)
    if w:
        raise ValueError(w)

    delimiter = _delimiter(text)
    rows = _split_rows(text, delimiter, result)
    h_idx = _choose_header(rows, mapping)
    header_line, header = rows[h_idx]
    header = [h.replace("\ufeff", "") for h in header]
    if h_idx:
        result.warnings.append(f"{header_line} 行目を見出し行としました（それより上の {h_idx} 行は読み飛ばし）"
                               f" (header taken from line {header_line})")

    cols = place_columns(header, PLACE_FIELDS)
    if mapping:
        cols = _apply_mapping(header, cols, mapping)
    fields = set(cols.values())
    result.format = format_for("places", Columns(tuple(header), frozenset(fields), {"supplement": supplement}))
    if supplement is None:
        supplement = result.format == "jp-standard-supplement"
    _check_required(header, fields, supplement)
    result.columns = {header[i].strip(): f for i, f in sorted(cols.items()) if f != "extra"}

    state = _Rows(header, cols, result, supplement, default_code, list(default_target_groups or []),
                  default_precision, unterminated_line=_unterminated_line(text, rows, delimiter))
    for line, row in rows[h_idx + 1:]:
        state.read(line, row)

    if state.blank_rows:
        result.warnings.append(f"空の行 {state.blank_rows} 行を読み飛ばしました (skipped {state.blank_rows} empty rows)")
    if not result.records and not result.rejections:
        result.warnings.append("データ行がありません（見出しのみ） (no data rows: header only)")
    return result
