"""The one header-alias table: which published column holds which field, for every reader.

Municipal files name the same thing many ways (名称 / 施設名 / name, 緯度 / lat / y ...).
A header is compared after `header_key` (NFKC, lower case, spaces and _-・()#  removed).
Readers ask `place_columns(header, allowed)` with the fields they understand, so an area
file's 学校コード never reaches a place list and a place list's 開催日時 never an area.
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["ALIASES", "header_key", "field_of", "place_columns", "FEE_PREFIX"]

FEE_PREFIX = "fee:"  # internal field for 参加費_幼児 etc.: 'fee:幼児'

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("名称", "name", "施設名", "施設名称", "事業所名", "事業所名称", "名前", "サロン名", "食堂名", "団体名称",
             "title", "facilityname", "場所名", "拠点名",
             # area files
             "学校名", "区域名", "地区名", "学区名", "校区名", "sname"),
    "name_kana": ("名称カナ", "名称かな", "ふりがな", "フリガナ", "施設名カナ", "namekana", "kana", "カナ"),
    "source_id": ("id", "no", "no.", "番号", "property", "施設id", "施設番号", "事業所番号", "管理番号",
                  # area files
                  "code", "コード", "区域コード", "keycode"),
    "school_code": ("学校コード", "schoolcode"),
    "municipality_code": ("全国地方公共団体コード", "都道府県コード又は市区町村コード", "地方公共団体コード",
                          "市区町村コード", "団体コード", "municipalitycode", "行政区域コード", "citycode", "n03007"),
    "address": ("住所", "所在地", "address", "所在地連結表記", "施設住所", "住所所在地", "所在地住所"),
    "lat": ("緯度", "lat", "latitude", "y", "ido", "北緯", "緯度10進"),
    "lon": ("経度", "lon", "lng", "long", "longitude", "x", "keido", "東経", "経度10進"),
    "phone": ("電話番号1", "電話番号", "電話", "tel", "telephone", "telephonenumber", "phone", "連絡先電話番号"),
    "email": ("メールアドレス1", "メールアドレス", "email", "mail", "メール"),
    "url": ("url", "ホームページ", "ホームページurl", "website", "referenceobject", "ウェブサイト", "hp"),
    "operator": ("運営団体名", "運営団体", "運営主体", "運営者", "設置者", "設置主体", "事業者名", "法人名", "法人の名称",
                 "運営法人名", "運営法人", "法人名称", "operator"),
    "school_district": ("学区", "小学校区", "校区", "通学区域", "schooldistrict"),
    "note": ("備考", "note", "notes", "remarks"),
    "capacity": ("定員", "capacity", "定員数"),
    "schedule_text": ("開催日時", "schedule", "開催日程", "活動日時", "日時"),
    "schedule_frequency": ("開催頻度",),
    "schedule_weekdays": ("開催曜日", "availabledate", "曜日", "利用可能曜日", "開館日", "活動曜日"),
    "schedule_dates": ("開催日",),
    "schedule_start": ("開催開始時間", "starttime", "開始時間", "開始時刻", "開館時間"),
    "schedule_end": ("開催終了時間", "endtime", "終了時間", "終了時刻", "閉館時間"),
    "schedule_time": ("normaltime", "利用時間", "開催時間"),
    "schedule_note": ("開催日時特記事項", "availabledatenote", "利用可能日時特記事項"),
    "fees": ("参加費", "利用料", "利用料金", "料金", "fee", "fees", "price", "normalprice"),
    "fee_note": ("参加費特記事項", "料金特記事項"),
    "reservation": ("予約方法", "予約", "reservation", "申込方法"),
    "reservation_note": ("予約特記事項", "申込特記事項"),
    "precision": ("位置精度", "位置の精度", "公開精度", "位置の公開", "precision"),
    "target_groups": ("対象者", "対象", "利用対象", "targetgroups", "target"),
}

_STRIP = re.compile(r"[\s_\-・()（）#]")


def header_key(h) -> str:
    """Normalised header for alias matching."""
    t = unicodedata.normalize("NFKC", str(h or "")).replace("\ufeff", "").strip().lower()
    return _STRIP.sub("", t)


_INDEX: dict[str, str] = {}
for _field, _names in ALIASES.items():
    for _alias in _names:
        _k = header_key(_alias)
        if _k in _INDEX and _INDEX[_k] != _field:
            raise ValueError(f"header alias {_alias!r} given to both {_INDEX[_k]!r} and {_field!r}")
        _INDEX[_k] = _field


def field_of(h: str) -> str | None:
    """The field a header names, or None. 参加費_幼児 (a fee per age band) -> 'fee:幼児'."""
    field = _INDEX.get(header_key(h))
    if field is None:
        s = (h or "").strip()
        if s.startswith("参加費") and "_" in s:
            band = s.split("_", 1)[1].strip()
            if band and "特記" not in band:
                return FEE_PREFIX + band
    return field


def place_columns(header: list[str], allowed: frozenset[str] | set[str] | None = None) -> dict[int, str]:
    """Column index -> field by alias, for the fields in `allowed` (None: all). The first
    column wins when two name the same field (a second 'name' column stays unplaced);
    every fee band column is kept."""
    found: dict[int, str] = {}
    used: set[str] = set()
    for i, h in enumerate(header):
        field = field_of(h)
        if field is None:
            continue
        fee = field.startswith(FEE_PREFIX)
        if allowed is not None and not fee and field not in allowed:
            continue
        if allowed is not None and fee and "fees" not in allowed:
            continue
        if field in used and not fee:
            continue
        found[i] = field
        used.add(field)
    return found
