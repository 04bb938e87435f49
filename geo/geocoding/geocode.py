"""Offline geocoding of Japanese addresses against a town-point gazetteer.

Framework-free. Gazetteer sources:
- Geolonia 住所データ per-municipality JSON (list of {town, koaza, lat, lng}),
  read_geolonia_json();
- 国土交通省 位置参照情報 CSV (Shift_JIS), 大字・町丁目レベル or 街区レベル,
  read_mlit_isj_csv() (the kind is detected from the header).

Geocoder(entries).geocode(address) matches the most specific level it can:
街区 (town+丁目+街区符号) -> 町丁目 (town+丁目, or a town that has no 丁目) ->
大字 (town centroid when the 丁目 is missing or unknown, flagged) -> 市区町村 (only
if the gazetteer holds an explicit 市区町村 entry, flagged). It never falls back
silently to a city hall or municipal centroid: if the town is not found the
result is ok=False with the reason.

Geocoding one address is a handful of dict look-ups (one per prefix length of
the text after the municipality), so the same object serves bulk imports and a
search box.
"""
from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from geo.geocoding.address import (
    KANJI_NUMERALS,
    chome_label,
    fold,
    match_key,
    normalize,
    parse_street_number,
    split_chome,
    split_city,
    split_pref,
    strip_oaza,
)

LEVELS = ("街区", "町丁目", "大字", "市区町村")
_RANK = {lvl: i for i, lvl in enumerate(LEVELS)}

# 市区町村コード (5 digits, without the check digit) -> (都道府県, 市区町村).
# The Geolonia per-municipality files carry no names, so the reader needs this.
MUNICIPALITIES: dict[str, tuple[str, str]] = {
    "13105": ("東京都", "文京区"),
    "13113": ("東京都", "渋谷区"),
    "13209": ("東京都", "町田市"),
    "13215": ("東京都", "国立市"),
    "13219": ("東京都", "狛江市"),
    "18210": ("福井県", "坂井市"),
    "29209": ("奈良県", "生駒市"),
    "37201": ("香川県", "高松市"),
}
_NAME_TO_CODE = {p + c: code for code, (p, c) in MUNICIPALITIES.items()}


@dataclass
class GazEntry:
    level: str                 # '街区', '町丁目', '大字' or '市区町村'
    pref: str
    city: str
    city_code: str | None
    town: str | None           # base town name without 丁目 ('恵比寿'); None for 市区町村
    chome: int | None
    block: str | None          # 街区符号・地番 for 街区 entries
    lat: float
    lon: float
    source: str = ""
    koaza: str | None = None   # 小字・通称名 when the source has one


@dataclass
class GeocodeResult:
    ok: bool
    level: str | None = None
    lat: float | None = None
    lon: float | None = None
    matched: str = ""          # the address as matched, e.g. '東京都渋谷区神宮前一丁目'
    reason: str | None = None  # Japanese first, English in brackets
    needs_review: bool = False
    city_code: str | None = None
    notes: list[str] = field(default_factory=list)  # repairs applied to the text, if any


def city_code5(code: str | int | None) -> str | None:
    """'131130' (全国地方公共団体コード with check digit) or '13113' -> '13113'."""
    if code is None:
        return None
    s = re.sub(r"\D", "", str(code))
    if len(s) in (5, 6):
        return s[:5]
    if len(s) == 4:  # leading zero lost in a spreadsheet ('1101' for 01101)
        return "0" + s
    return None


# --------------------------------------------------------------------------- readers

def read_geolonia_json(path: str | os.PathLike, city_code: str | None = None,
                       pref: str | None = None, city: str | None = None) -> Iterator[GazEntry]:
    """Read a Geolonia per-municipality town list ([{town, koaza, lat, lng}, ...]).

    city_code defaults to the 5 digits at the start of the file name
    ('13113_shibuya.json'); pref and city default to the built-in table.
    Entries are 町丁目 level (towns without 丁目, like '宇田川町', are the finest
    area unit the source has for that place).
    """
    name = os.path.basename(os.fspath(path))
    if city_code is None:
        m = re.match(r"(\d{5,6})", name)
        city_code = city_code5(m.group(1)) if m else None
    if (pref is None or city is None) and city_code in MUNICIPALITIES:
        p, c = MUNICIPALITIES[city_code]
        pref = pref or p
        city = city or c
    if pref is None or city is None:
        raise ValueError(
            f"{name}: 都道府県・市区町村名が不明です (unknown municipality {city_code!r}; "
            "pass pref= and city=)")
    with open(path, encoding="utf-8-sig") as f:
        data = json.load(f)
    for row in data:
        town_full = normalize(row.get("town") or "")
        if not town_full:
            continue
        try:
            lat, lon = float(row["lat"]), float(row["lng"])
        except (KeyError, TypeError, ValueError):
            continue
        town, chome = split_chome(town_full)
        yield GazEntry(level="町丁目", pref=pref, city=city, city_code=city_code,
                       town=town, chome=chome, block=None, lat=lat, lon=lon,
                       source=f"geolonia:{name}", koaza=normalize(row.get("koaza")) or None)


_OAZA_HEADER = "大字町丁目名"
_GAIKU_HEADER = "街区符号・地番"


def read_mlit_isj_csv(path: str | os.PathLike, encoding: str = "cp932") -> Iterator[GazEntry]:
    """Read a 国土交通省 位置参照情報 CSV (大字・町丁目レベル or 街区レベル), Shift_JIS.

    大字・町丁目: 大字・字・丁目区分コード 3 (丁目), 2 (字) and 0 -> 町丁目 level,
    1 (大字) -> 大字 level. 街区: one entry per 街区符号・地番, the row with
    代表フラグ=1 preferred; rows flagged 3 (削除) in a 履歴フラグ are skipped.
    """
    name = os.path.basename(os.fspath(path))
    with open(path, encoding=encoding, newline="") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            return
        col = {h: i for i, h in enumerate(header)}

        def get(row: list[str], key: str) -> str:
            i = col.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        if _OAZA_HEADER in col:
            for row in reader:
                if not row:
                    continue
                town, chome = split_chome(get(row, "大字町丁目名"))
                if not town:
                    continue
                try:
                    lat, lon = float(get(row, "緯度")), float(get(row, "経度"))
                except ValueError:
                    continue
                kind = get(row, "大字・字・丁目区分コード")
                level = "大字" if kind == "1" and chome is None else "町丁目"
                yield GazEntry(level=level, pref=normalize(get(row, "都道府県名")),
                               city=normalize(get(row, "市区町村名")),
                               city_code=city_code5(get(row, "市区町村コード")),
                               town=town, chome=chome, block=None, lat=lat, lon=lon,
                               source=f"mlit-oaza:{name}")
        elif _GAIKU_HEADER in col:
            kept: dict[tuple, tuple[bool, GazEntry]] = {}
            for row in reader:
                if not row:
                    continue
                if get(row, "更新前履歴フラグ") == "3" or get(row, "更新後履歴フラグ") == "3":
                    continue
                town, chome = split_chome(get(row, "大字・丁目名"))
                block = normalize(get(row, "街区符号・地番"))
                if not town or not block:
                    continue
                try:
                    lat, lon = float(get(row, "緯度")), float(get(row, "経度"))
                except ValueError:
                    continue
                pref, city = normalize(get(row, "都道府県名")), normalize(get(row, "市区町村名"))
                koaza = normalize(get(row, "小字・通称名")) or None
                rep = get(row, "代表フラグ") == "1"
                key = (pref, city, town, chome, koaza, block)
                if key in kept and (kept[key][0] or not rep):
                    continue
                kept[key] = (rep, GazEntry(
                    level="街区", pref=pref, city=city, city_code=_NAME_TO_CODE.get(pref + city),
                    town=town, chome=chome, block=block, lat=lat, lon=lon,
                    source=f"mlit-gaiku:{name}", koaza=koaza))
            for _, entry in kept.values():
                yield entry
        else:
            raise ValueError(
                f"{name}: 位置参照情報の見出しではありません (not a 位置参照情報 header: "
                f"{header[:6]})")


# --------------------------------------------------------------------------- index

@dataclass
class _Point:
    lat: float
    lon: float
    level: str


@dataclass
class _Town:
    name: str                                   # display name ('千駄ケ谷', '春日町川尻')
    plain: _Point | None = None                 # the town itself (no 丁目)
    chome: dict[int, _Point] = field(default_factory=dict)
    blocks: dict[tuple[int | None, str], _Point] = field(default_factory=dict)
    centroid: _Point | None = None              # mean of the 丁目 points

    def has_chome(self) -> bool:
        return bool(self.chome)


@dataclass
class _City:
    cid: str
    code: str | None
    pref: str
    name: str
    towns: dict[str, _Town] = field(default_factory=dict)   # match_key -> town
    max_len: int = 0
    point: _Point | None = None                              # explicit 市区町村 entry


_KANJI_CHARS = r"[\u4e00-\u9fff々]"
_ITERATION_MARK_TYPO = re.compile(
    r"(?<=" + _KANJI_CHARS + r")[-‐‑‒–—―−ー─－〃仝](?=" + _KANJI_CHARS + ")")
_CLEAN_AFTER_TOWN = re.compile(
    r"^(?:$|\s|\d|[-番字]|[" + KANJI_NUMERALS + r"]+\s*(?:丁目|番))")
_STARTS_NUMBER = re.compile(r"^(?:\d|[" + KANJI_NUMERALS + r"]+\s*丁目)")


class Geocoder:
    """Gazetteer index; geocode() is dict look-ups only."""

    def __init__(self, entries: Iterable[GazEntry]):
        entries = list(entries)
        name_to_code = dict(_NAME_TO_CODE)
        for e in entries:
            if e.city_code:
                name_to_code.setdefault(e.pref + e.city, e.city_code)
        self._cities: dict[str, _City] = {}
        for e in entries:
            code = e.city_code or name_to_code.get(e.pref + e.city)
            cid = code or (e.pref + e.city)
            c = self._cities.get(cid)
            if c is None:
                c = self._cities[cid] = _City(cid=cid, code=code, pref=e.pref, name=e.city)
            if e.level == "市区町村" or not e.town:
                c.point = _Point(e.lat, e.lon, "市区町村")
                continue
            names = [e.town]
            if e.koaza:
                names = [e.town + e.koaza]
            for display in names:
                key = match_key(display)
                t = c.towns.get(key)
                if t is None:
                    t = c.towns[key] = _Town(name=display)
                p = _Point(e.lat, e.lon, e.level)
                if e.level == "街区" and e.block:
                    t.blocks.setdefault((e.chome, match_key(e.block)), p)
                elif e.chome is not None:
                    t.chome.setdefault(e.chome, p)
                elif t.plain is None or _RANK[e.level] < _RANK[t.plain.level]:
                    t.plain = p
        for c in self._cities.values():
            for t in c.towns.values():
                self._derive(t)
            c.max_len = max((len(k) for k in c.towns), default=0)
        # municipality-name index: key -> [cid]
        self._city_keys: dict[str, list[str]] = {}
        for c in self._cities.values():
            keys = {match_key(c.name)}
            m = re.match(r"^.+?郡(.+[町村])$", c.name)
            if m:
                keys.add(match_key(m.group(1)))
            for k in keys:
                self._city_keys.setdefault(k, []).append(c.cid)
        self._city_key_lengths = sorted({len(k) for k in self._city_keys}, reverse=True)
        self._by_code = {c.code: c for c in self._cities.values() if c.code}

    @staticmethod
    def _derive(t: _Town) -> None:
        """Fill 丁目 / town points from 街区 points when only 街区 data was loaded."""
        by_chome: dict[int | None, list[_Point]] = {}
        for (ch, _), p in t.blocks.items():
            by_chome.setdefault(ch, []).append(p)
        for ch, pts in by_chome.items():
            mean = _Point(sum(p.lat for p in pts) / len(pts),
                          sum(p.lon for p in pts) / len(pts), "町丁目")
            if ch is None:
                if t.plain is None:
                    t.plain = mean
            elif ch not in t.chome:
                t.chome[ch] = mean
        if t.chome:
            pts = list(t.chome.values())
            t.centroid = _Point(sum(p.lat for p in pts) / len(pts),
                                sum(p.lon for p in pts) / len(pts), "大字")

    # ------------------------------------------------------------------ public

    @property
    def municipalities(self) -> list[tuple[str | None, str, str]]:
        """[(code, pref, city)] held by this gazetteer."""
        return [(c.code, c.pref, c.name) for c in self._cities.values()]

    def geocode(self, address: str, municipality_code: str | None = None,
                default_pref: str | None = None, default_city: str | None = None
                ) -> GeocodeResult:
        s = normalize(address)
        if not s:
            return GeocodeResult(ok=False, reason="住所が空です (empty address)")
        pref, s = split_pref(s)
        pref = pref or (normalize(default_pref) or None)
        code5 = city_code5(municipality_code)
        city, rest = self._find_city(s, pref, code5)
        notes: list[str] = []
        if isinstance(city, GeocodeResult):
            return city
        if city is not None:
            if code5 and city.code and code5 != city.code:
                notes.append(f"住所の市区町村 {city.name} を優先しました "
                             f"(address names {city.name}, not municipality {code5})")
            return self._geocode_in_city(city, rest, notes)
        # No municipality we hold at the start of the text: try the default one,
        # then say whether the text named a municipality we have no data for.
        default = self._default_city(code5, pref, default_city)
        first: GeocodeResult | None = None
        if isinstance(default, _City):
            first = self._geocode_in_city(default, s, notes)
            if first.ok:
                return first
        named, _ = split_city(s)
        if named:
            return GeocodeResult(
                ok=False,
                reason=f"この市区町村の住所データがありません "
                       f"(no gazetteer loaded for {(pref or '') + named})")
        if first is not None:
            return first
        return default

    # ------------------------------------------------------------------ steps

    def _find_city(self, s: str, pref: str | None, code5: str | None = None):
        k = fold(s.replace(" ", ""))
        for n in self._city_key_lengths:
            cids = self._city_keys.get(k[:n])
            if not cids:
                continue
            cands = [self._cities[c] for c in cids]
            if pref:
                cands = [c for c in cands if c.pref == pref]
            if len(cands) > 1 and code5:
                cands = [c for c in cands if c.code == code5] or cands
            if len(cands) == 1:
                return cands[0], _cut_compact(s, n)
            if len(cands) > 1:
                names = "、".join(c.pref + c.name for c in cands)
                return GeocodeResult(
                    ok=False, reason=f"市区町村を特定できません: {names} "
                                     f"(ambiguous municipality; give the prefecture)"), ""
        return None, s

    def _default_city(self, code5, pref, default_city):
        if code5:
            c = self._by_code.get(code5)
            if c:
                return c
            p, n = MUNICIPALITIES.get(code5, ("", code5))
            return GeocodeResult(
                ok=False,
                reason=f"この市区町村の住所データがありません (no gazetteer loaded for {p}{n})")
        if default_city:
            key = match_key(default_city)
            cands = [self._cities[c] for c in self._city_keys.get(key, [])]
            if pref:
                cands = [c for c in cands if c.pref == pref]
            if len(cands) == 1:
                return cands[0]
            return GeocodeResult(
                ok=False,
                reason=f"この市区町村の住所データがありません (no gazetteer loaded for "
                       f"{pref or ''}{default_city})")
        return GeocodeResult(
            ok=False,
            reason="市区町村がわかりません (no municipality in the address and none given)")

    def _match_town(self, city: _City, rest: str):
        """Longest town name that prefixes rest. Returns (town, remainder, clean) or None."""
        r = _compact_head(strip_oaza(rest.lstrip(" ")))
        r_nospace = r
        k = fold(r_nospace)
        unclean = None
        for n in range(min(city.max_len, len(k)), 0, -1):
            t = city.towns.get(k[:n])
            if t is None:
                continue
            remainder = r_nospace[n:]
            if _CLEAN_AFTER_TOWN.match(remainder):
                return t, remainder, True
            if unclean is None:
                unclean = (t, remainder, False)
        return unclean

    def _match_town_omitted_cho(self, city: _City, rest: str):
        """'代官山7-9' when the gazetteer says '代官山町': 町 left out before the number."""
        r = _compact_head(strip_oaza(rest.lstrip(" ")))
        k = fold(r)
        for n in range(min(city.max_len, len(k)), 0, -1):
            if not _STARTS_NUMBER.match(r[n:]):
                continue
            t = city.towns.get(k[:n] + "町")
            if t is not None:
                return t, r[n:], True
        return None

    def _geocode_in_city(self, city: _City, rest: str, notes: list[str]) -> GeocodeResult:
        head = city.pref + city.name
        found = self._match_town(city, rest)
        if found is None or not found[2]:
            repaired = None
            alt = self._match_town_omitted_cho(city, rest)
            if alt:
                repaired = alt
                notes.append(f"「町」を補って照合しました (read as {alt[0].name}, 町 omitted)")
            else:
                fixed = _ITERATION_MARK_TYPO.sub("々", rest)
                if fixed != rest:
                    alt = self._match_town(city, fixed) or self._match_town_omitted_cho(city, fixed)
                    if alt and alt[2]:
                        repaired = alt
                        notes.append(
                            f"漢字の間の「-」を「々」と読みました (read '-' between kanji as 々: "
                            f"{alt[0].name})")
            if repaired:
                found = repaired
        if found is None:
            if city.point is not None:
                return GeocodeResult(
                    ok=True, level="市区町村", lat=city.point.lat, lon=city.point.lon,
                    matched=head, needs_review=True, city_code=city.code, notes=notes,
                    reason=f"町名が見つかりません。市区町村の代表点です "
                           f"(town not found, municipality point used): {rest.strip()}")
            return GeocodeResult(
                ok=False, city_code=city.code, matched=head, notes=notes,
                reason=f"町名が見つかりません (town not found): {rest.strip() or '(なし / empty)'}")
        town, remainder, clean = found
        if not clean:
            notes.append(f"町名の後の文字を無視しました (ignored text after the town name): "
                         f"{remainder.strip()}")

        def chome_fn(n: int) -> bool:
            if not town.chome:
                return False
            if town.plain is None:
                return True
            return n in town.chome

        num = parse_street_number(remainder.lstrip("-"), chome_fn)
        base = head + town.name

        def result(point: _Point, level: str, matched: str, reason: str | None = None,
                   review: bool | None = None) -> GeocodeResult:
            coarse = _RANK[level] > _RANK["町丁目"]
            return GeocodeResult(
                ok=True, level=level, lat=point.lat, lon=point.lon, matched=matched,
                reason=reason, needs_review=(coarse or not clean) if review is None else review,
                city_code=city.code, notes=notes)

        banchi_key = match_key(num.banchi) if num.banchi else None
        if num.chome is not None:
            label = base + chome_label(num.chome)
            if num.chome in town.chome:
                if banchi_key and (num.chome, banchi_key) in town.blocks:
                    return result(town.blocks[(num.chome, banchi_key)], "街区",
                                  label + num.banchi + "番")
                p = town.chome[num.chome]
                return result(p, p.level, label)
            why = f"丁目が見つかりません (chome not found): {label}"
            if town.centroid is not None:
                return result(town.centroid, "大字", base, reason=why + " — 町の中心で代用 "
                              "(town centroid used)", review=True)
            if town.plain is not None:
                return result(town.plain, "大字", base,
                              reason=why + " — 町の代表点で代用 (town point used)", review=True)
            return GeocodeResult(ok=False, city_code=city.code, matched=base, reason=why,
                                 notes=notes)
        if town.plain is not None:
            if banchi_key and (None, banchi_key) in town.blocks:
                return result(town.blocks[(None, banchi_key)], "街区", base + num.banchi + "番")
            return result(town.plain, town.plain.level, base)
        if town.centroid is not None:
            return result(town.centroid, "大字", base, review=True,
                          reason=f"丁目がありません。町の中心で代用 "
                                 f"(no chome in the address, town centroid used): {base}")
        return GeocodeResult(ok=False, city_code=city.code, matched=base, notes=notes,
                             reason=f"町の位置がありません (town has no point): {base}")


def _compact_head(s: str) -> str:
    """Remove spaces before the first digit ('恵比寿 西 1-7-9 ビル 2F' -> '恵比寿西1-7-9 ビル 2F')."""
    m = re.search(r"\d", s)
    cut = m.start() if m else len(s)
    return s[:cut].replace(" ", "") + s[cut:]


def _cut_compact(s: str, n: int) -> str:
    """Remove the first n non-space characters of s."""
    seen = 0
    for i, c in enumerate(s):
        if seen == n:
            return s[i:].lstrip(" ")
        if c != " ":
            seen += 1
    return ""


def load_geolonia_dir(directory: str | os.PathLike) -> list[GazEntry]:
    """All '<code>_<name>.json' files of a directory, as one list of entries."""
    out: list[GazEntry] = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json") and re.match(r"\d{5}", name):
            out.extend(read_geolonia_json(os.path.join(directory, name)))
    return out
