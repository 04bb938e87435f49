"""Read place lists (CSV) into PlaceRecord + Rejection. Touches no database.

Layouts recognised from the header row:

- ``jp-standard-kodomo-shokudo``: デジタル庁 自治体標準オープンデータセット 子ども食堂一覧
  (49 columns; 坂井市 names the first ones 'NO,都道府県コード又は市区町村コード').
- ``jp-standard-supplement``: the 25-column '追加' file of that dataset (国立市). It has
  ID, 住所, 緯度, 経度, schedule/fee columns but NO 名称: its rows add information to places
  already imported from the main list and must be merged by ID (source_id) by the caller.
  Records then carry name=None and every row needs an ID. Force this mode for other
  files with ``supplement=True``.
- ``jp-standard``: other standard lists with 名称/住所/緯度/経度 (公共施設一覧, 介護サービス事業所一覧 ...).
- ``takamatsu``: 高松市's own layout '#property,latitude,longitude,name,address,telephoneNumber,...'.
- ``generic``: any CSV whose columns can be placed by alias (name/名称/施設名, lat/lon/latitude/
  longitude/緯度/経度/x/y, address/住所/所在地 ...).

``mapping`` ({'source column': 'field'}, from --map column=field) wins over detection.
Columns that are not placed on a field are kept verbatim in ``PlaceRecord.extra``
(e.g. 方書, 名称_カナ is a field, 開催頻度 is kept in extra and also given to the schedule parser).
"""
from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
import unicodedata
from pathlib import Path

from geo.ingest.records import PlaceRecord, ReadResult, Rejection

from .text import (
    decode_bytes,
    is_formula_like,
    normalize_cell,
    parse_int,
)
from .text import normalize_municipality_code as _normalize_municipality_code

normalize_municipality_code = functools.lru_cache(maxsize=1024)(_normalize_municipality_code)

__all__ = ["read_places_csv", "PLACE_FIELDS"]

MAX_CELL = 2000

# Fields a column can be mapped to: PlaceRecord fields plus parts that are combined.
PLACE_FIELDS = {
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
}
_VERBATIM_FIELDS = {"schedule_text", "schedule_weekdays", "schedule_dates", "schedule_time", "schedule_note",
                    "schedule_start", "schedule_end", "note"}
_FEE_PREFIX = "fee:"
_FORMULA_FIRST = frozenset(" \u3000\t\r=+-@＝＋－＠")  # internal field for 参加費_幼児 etc.: 'fee:幼児'


def _key(h: str) -> str:
    """Normalised header for alias matching."""
    t = unicodedata.normalize("NFKC", h or "").replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s_\-・()（）#]", "", t)


_ALIASES: dict[str, list[str]] = {
    "name": ["名称", "name", "施設名", "施設名称", "事業所名", "事業所名称", "名前", "サロン名",
             "食堂名", "団体名称", "title", "facilityname", "場所名", "拠点名"],
    "name_kana": ["名称カナ", "名称かな", "ふりがな", "フリガナ", "施設名カナ", "namekana", "kana", "カナ"],
    "source_id": ["id", "no", "no.", "番号", "property", "施設id", "施設番号", "事業所番号", "管理番号"],
    "municipality_code": ["全国地方公共団体コード", "都道府県コード又は市区町村コード", "地方公共団体コード",
                          "市区町村コード", "団体コード", "municipalitycode", "行政区域コード"],
    "address": ["住所", "所在地", "address", "所在地連結表記", "施設住所", "住所所在地", "所在地住所"],
    "lat": ["緯度", "lat", "latitude", "y", "ido", "北緯", "緯度10進"],
    "lon": ["経度", "lon", "lng", "long", "longitude", "x", "keido", "東経", "経度10進"],
    "phone": ["電話番号1", "電話番号", "電話", "tel", "telephone", "telephonenumber", "phone", "連絡先電話番号"],
    "email": ["メールアドレス1", "メールアドレス", "email", "mail", "メール"],
    "url": ["url", "ホームページ", "ホームページurl", "website", "referenceobject", "ウェブサイト", "hp"],
    "operator": ["運営団体名", "運営団体", "運営主体", "運営者", "設置者", "事業者名", "法人名", "法人の名称",
                 "運営法人名", "運営法人", "法人名称",
                 "operator"],
    "school_district": ["学区", "小学校区", "校区", "通学区域", "schooldistrict"],
    "note": ["備考", "note", "notes", "remarks"],
    "capacity": ["定員", "capacity", "定員数"],
    "schedule_text": ["開催日時", "schedule", "開催日程", "活動日時", "日時"],
    "schedule_frequency": ["開催頻度"],
    "schedule_weekdays": ["開催曜日", "availabledate", "曜日", "利用可能曜日", "開館日", "活動曜日"],
    "schedule_dates": ["開催日"],
    "schedule_start": ["開催開始時間", "starttime", "開始時間", "開始時刻", "開館時間"],
    "schedule_end": ["開催終了時間", "endtime", "終了時間", "終了時刻", "閉館時間"],
    "schedule_time": ["normaltime", "利用時間", "開催時間"],
    "schedule_note": ["開催日時特記事項", "availabledatenote", "利用可能日時特記事項"],
    "fees": ["参加費", "利用料", "利用料金", "料金", "fee", "fees", "price", "normalprice"],
    "fee_note": ["参加費特記事項", "料金特記事項"],
    "reservation": ["予約方法", "予約", "reservation", "申込方法"],
    "reservation_note": ["予約特記事項", "申込特記事項"],
    "precision": ["位置精度", "位置の精度", "公開精度", "位置の公開", "precision"],
    "target_groups": ["対象者", "対象", "利用対象", "targetgroups", "target"],
}
_ALIAS_INDEX = {_key(a): f for f, names in _ALIASES.items() for a in names}

_SUPPLEMENT_MARKERS = {"開催開始時間", "参加費_幼児", "予約方法", "定員", "学区", "開催頻度"}


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


def _cut(s: str, n: int = 500) -> str:
    return s if len(s) <= n else s[:n]


def _raw_line(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([c if len(c) <= 200 else c[:200] + "…" for c in row])
    return _cut(out.getvalue())


def _detect_columns(header: list[str]) -> dict[int, str]:
    """Column index -> field by alias. First column wins when two match the same field."""
    found: dict[int, str] = {}
    used: set[str] = set()
    for i, h in enumerate(header):
        k = _key(h)
        if not k:
            continue
        field = _ALIAS_INDEX.get(k)
        if field is None and h.strip().startswith("参加費") and "_" in h:
            band = h.strip().split("_", 1)[1].strip()
            if band and "特記" not in band:
                field = _FEE_PREFIX + band
        if field is None:
            continue
        if field in used and not field.startswith(_FEE_PREFIX):
            continue  # e.g. 電話番号2 never reaches here; a second 'name' column stays in extra
        found[i] = field
        used.add(field)
    return found


def _detect_format(header: list[str], fields: set[str]) -> str:
    hs = {h.strip() for h in header}
    keys = {_key(h) for h in header}
    std_code = "全国地方公共団体コード" in hs or "都道府県コード又は市区町村コード" in hs
    if "property" in keys and {"latitude", "longitude", "name"} <= keys:
        return "takamatsu"
    if "name" not in fields and "ID" in hs and "住所" in hs and len(hs & _SUPPLEMENT_MARKERS) >= 2:
        return "jp-standard-supplement"
    if std_code and "名称" in hs:
        if "開催頻度" in hs or "参加費_幼児" in hs or "フードパントリー実施" in hs:
            return "jp-standard-kodomo-shokudo"
        return "jp-standard"
    return "generic"


def _apply_mapping(header: list[str], detected: dict[int, str], mapping: dict[str, str]) -> dict[int, str]:
    cols = dict(detected)
    by_exact = {h.strip(): i for i, h in enumerate(header)}
    by_key = {_key(h): i for i, h in enumerate(header)}
    for col, field in mapping.items():
        col_s = str(col).strip()
        field = str(field).strip()
        if field not in PLACE_FIELDS and not field.startswith(_FEE_PREFIX):
            raise ValueError(
                f"--map の項目名 {field!r} は使えません。使える項目: {', '.join(sorted(PLACE_FIELDS))} "
                f"(unknown field {field!r} in mapping)")
        i = by_exact.get(col_s, by_key.get(_key(col_s)))
        if i is None:
            raise ValueError(
                f"--map の列 {col_s!r} がファイルにありません。見つかった列: {', '.join(h.strip() for h in header)} "
                f"(mapped column {col_s!r} not in file; columns found: {', '.join(h.strip() for h in header)})")
        # the mapped field is taken away from any auto-detected column
        for j, f in list(cols.items()):
            if f == field and j != i and field not in ("extra", "ignore"):
                del cols[j]
        cols[i] = field
    return cols


def _choose_header(rows: list[tuple[int, list[str]]], mapping) -> int:
    """Index (into rows) of the header row: the first of the first 10 non-empty rows that has a
    recognisable name / ID / coordinate column (title rows above the header are skipped)."""
    for idx, (_, row) in enumerate(rows[:10]):
        cells = [c for c in row if c.strip()]
        if not cells:
            continue
        det = set(_detect_columns(row).values())
        if mapping and {str(c).strip() for c in mapping} & {x.strip() for x in row}:
            return idx
        if "name" in det or ({"lat", "lon"} <= det) or ("source_id" in det and "address" in det):
            return idx
    for idx, (_, row) in enumerate(rows):
        if any(c.strip() for c in row):
            return idx
    return 0


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


def _schedule_parser():
    """geo.places.schedule.parse_schedule if that module exists (written separately); else None."""
    try:
        from geo.places.schedule import parse_schedule  # noqa: PLC0415 - optional, imported lazily
    except ImportError:
        return None
    return parse_schedule


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
    if not data.strip():
        raise ValueError(f"ファイルが空です: {label} (file is empty)")
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise ValueError(f"ファイルが空です: {label} (file is empty)")

    result = ReadResult(encoding=encoding)
    if default_target_groups is None and layer:
        import layers

        known = layers.registry().get(layer)
        default_target_groups = list(getattr(known, "default_target_groups", ())) or None
    default_code, w = normalize_municipality_code(municipality_code)
    if w:
        raise ValueError(w)

    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if ("\t" in first_line and "," not in first_line) else ","
    if csv.field_size_limit() < 10_000_000:
        csv.field_size_limit(10_000_000)

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    prev = 0
    try:
        for row in reader:
            rows.append((prev + 1, row))
            prev = reader.line_num
    except csv.Error as e:  # e.g. NUL inside a field; report the rest of the file as one rejection
        result.rejections.append(Rejection(line=prev + 1, reason=f"CSV として読めない行です ({e}) (unreadable CSV row)"))

    unterminated_line = None
    if text.count('"') % 2 == 1 and rows:
        try:
            for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
                pass
        except csv.Error as e:
            if "unexpected end of data" in str(e):
                unterminated_line = rows[-1][0]

    h_idx = _choose_header(rows, mapping)
    header_line, header = rows[h_idx]
    header = [h.replace("\ufeff", "") for h in header]
    if h_idx:
        result.warnings.append(f"{header_line} 行目を見出し行としました（それより上の {h_idx} 行は読み飛ばし）"
                               f" (header taken from line {header_line})")

    cols = _detect_columns(header)
    if mapping:
        cols = _apply_mapping(header, cols, mapping)
    fields = set(cols.values())
    result.format = _detect_format(header, fields)
    if supplement is None:
        supplement = result.format == "jp-standard-supplement"
    elif supplement and result.format != "jp-standard-supplement":
        result.format = "jp-standard-supplement"

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

    result.columns = {header[i].strip(): f for i, f in sorted(cols.items()) if f not in ("extra",)}
    parse_schedule = _schedule_parser()
    schedule_cache: dict[tuple, dict | None] = {}
    schedule_error_reported = False
    seen_ids: dict[str, int] = {}
    blank_rows = 0
    ncols = len(header)
    colnames = [h.strip() or f"列{i + 1}" for i, h in enumerate(header)]

    for line, row in rows[h_idx + 1:]:
        if not any(c.strip() for c in row):
            blank_rows += 1 if row else 0
            continue
        if line == unterminated_line:
            result.rejections.append(Rejection(line, "引用符 (\") が閉じられていません。ファイルが途中で切れている可能性があります"
                                                     " (unterminated quoted cell; the file may be truncated)", _raw_line(row)))
            continue
        if len(row) > ncols and any(c.strip() for c in row[ncols:]):
            result.rejections.append(Rejection(line, f"列の数が見出し ({ncols} 列) より多い ({len(row)} 列) "
                                                     f"(more cells than header columns)", _raw_line(row)))
            continue
        long_cells = ([header[i].strip() if i < ncols else str(i + 1) for i, c in enumerate(row) if len(c) > MAX_CELL]
                      if sum(map(len, row)) > MAX_CELL else None)
        if long_cells:
            result.rejections.append(Rejection(
                line, f"セルが長すぎます（{MAX_CELL:,} 文字超）: {', '.join(long_cells)} "
                      f"(cell longer than {MAX_CELL:,} characters)", _raw_line(row)))
            continue
        for i, c in enumerate(row):
            if c and c[0] in _FORMULA_FIRST and is_formula_like(c):
                col = header[i].strip() if i < ncols else str(i + 1)
                result.warnings.append(
                    f"{line} 行目 列「{col}」: 数式のような値です。文字列として保持し、評価しません "
                    f"(line {line}, column {col!r}: looks like a spreadsheet formula; kept as text, never evaluated)")

        parts: dict[str, str] = {}
        fees: list[tuple[str, str]] = []
        extra: dict[str, str] = {}
        for i, cell in enumerate(row[:ncols]):
            if not cell:
                continue
            field = cols.get(i)
            if field is None or field == "extra":
                if cell.strip():
                    colname = colnames[i]
                    key = colname if colname not in extra else f"{colname}_{i + 1}"
                    extra[key] = cell
                continue
            if field == "ignore":
                continue
            if field in _VERBATIM_FIELDS:  # schedule text is kept as published (only trimmed)
                v = cell.replace("\ufeff", "").strip()
                v = None if normalize_cell(v) is None else v
            else:
                v = normalize_cell(cell)
            if v is None:
                continue
            if field.startswith(_FEE_PREFIX):
                fees.append((field[len(_FEE_PREFIX):], v))
            elif field in parts:
                parts[field] = parts[field] + " " + v
            else:
                parts[field] = v
        if "schedule_frequency" in parts:
            extra.setdefault("開催頻度", parts["schedule_frequency"])

        name = parts.get("name")
        if not supplement and not name:
            result.rejections.append(Rejection(line, "名称がありません (no name)", _raw_line(row)))
            continue
        sid = parts.get("source_id")
        if supplement and not sid:
            result.rejections.append(Rejection(line, "ID がありません（追加データは ID で元データに結合します）"
                                                     " (no ID; supplement rows are merged by ID)", _raw_line(row)))
            continue

        lat = _parse_coord(parts.get("lat"))
        lon = _parse_coord(parts.get("lon"))
        if lat == "bad" or lon == "bad":
            result.rejections.append(Rejection(line, f"緯度・経度が数値ではありません: {parts.get('lat')!r}, {parts.get('lon')!r}"
                                                     " (latitude/longitude not a number)", _raw_line(row)))
            continue
        if (lat is None) != (lon is None):
            result.warnings.append(f"{line} 行目: 緯度と経度の片方しかないため座標なしとして扱います "
                                   f"(line {line}: only one of latitude/longitude; kept without coordinates for geocoding)")
            lat = lon = None
        if lat is not None:
            if lat == 0 and lon == 0:
                result.rejections.append(Rejection(line, "緯度・経度が (0, 0) です (coordinates are 0,0)", _raw_line(row)))
                continue
            if not _in_japan(lat, lon):
                if _in_japan(lon, lat):
                    reason = "緯度と経度が入れ替わっています (latitude and longitude swapped)"
                else:
                    reason = f"座標が日本の範囲外です: 緯度 {lat}, 経度 {lon} (coordinates outside Japan)"
                result.rejections.append(Rejection(line, reason, _raw_line(row)))
                continue

        code = None
        if parts.get("municipality_code"):
            code, w = normalize_municipality_code(parts["municipality_code"])
            if w:
                result.warnings.append(f"{line} 行目: {w}")
            if code and default_code and code != default_code:
                result.warnings.append(f"{line} 行目: 団体コード {code} が指定の {default_code} と異なります "
                                       f"(municipality code differs from the one given)")
        code = code or default_code

        if sid:
            if sid in seen_ids:
                result.warnings.append(f"{line} 行目: ID {sid} が {seen_ids[sid]} 行目と重複しています (duplicate ID)")
            else:
                seen_ids[sid] = line

        schedule_text = _compose_schedule_text(parts)
        schedule = None
        if parse_schedule is not None and schedule_text:
            args = (parts.get("schedule_text") or parts.get("schedule_note") or parts.get("schedule_time"),
                    parts.get("schedule_weekdays"), parts.get("schedule_frequency"), parts.get("schedule_dates"),
                    parts.get("schedule_start"), parts.get("schedule_end"))
            try:
                # lists repeat the same schedules ('毎月第2土曜日') many times: records with equal
                # schedule columns share one (read-only) schedule dict
                if args in schedule_cache:
                    schedule = schedule_cache[args]
                else:
                    schedule = parse_schedule(args[0], weekdays=args[1], frequency=args[2], dates=args[3],
                                              start=args[4], end=args[5])
                    if len(schedule_cache) < 10_000:
                        schedule_cache[args] = schedule
            except Exception as e:  # the parser is someone else's code: never let it sink a file
                if not schedule_error_reported:
                    result.warnings.append(f"開催日時の解析に失敗しました: {type(e).__name__}: {e} "
                                           f"(schedule parser failed; schedule_text kept)")
                    schedule_error_reported = True
                schedule = None

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

        res_parts = [p for p in (parts.get("reservation"), parts.get("reservation_note")) if p]

        capacity = None
        if parts.get("capacity"):
            capacity = parse_int(parts["capacity"])
            if capacity is None:
                extra.setdefault("定員", parts["capacity"])

        operator = parts.get("operator")
        precision = _parse_precision(parts.get("precision"))
        if parts.get("precision") and precision is None:
            result.warnings.append(f"{line} 行目: 位置精度 {parts['precision']!r} を解釈できないため既定値にしました "
                                   f"(line {line}: unknown precision; layer default used)")
            extra.setdefault("位置精度", parts["precision"])
        groups = parse_target_groups(parts.get("target_groups"))
        if parts.get("target_groups"):
            extra.setdefault("対象", parts["target_groups"])
        rec = PlaceRecord(
            line=line,
            name=name,
            source_id=sid,
            name_kana=parts.get("name_kana"),
            address=parts.get("address"),
            lat=lat,
            lon=lon,
            municipality_code=code,
            operator=operator,
            operator_type=parts.get("operator_type") or _operator_type(operator),
            target_groups=groups or list(default_target_groups or []),
            schedule_text=schedule_text,
            schedule=schedule,
            fees=" / ".join(fee_parts) or None,
            free_of_charge=free,
            capacity=capacity,
            reservation=" / ".join(res_parts) or None,
            reservation_required=_reservation_required(parts.get("reservation"), parts.get("reservation_note")),
            phone=parts.get("phone"),
            email=parts.get("email"),
            url=parts.get("url"),
            school_district=parts.get("school_district"),
            note=parts.get("note"),
            extra=extra,
            precision=precision or default_precision or "exact",
        )
        result.records.append(rec)

    if blank_rows:
        result.warnings.append(f"空の行 {blank_rows} 行を読み飛ばしました (skipped {blank_rows} empty rows)")
    if not result.records and not result.rejections:
        result.warnings.append("データ行がありません（見出しのみ） (no data rows: header only)")
    return result
