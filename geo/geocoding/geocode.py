"""Offline geocoding of Japanese addresses against a town-point gazetteer.

Framework-free. Gazetteer sources:
- the national gazetteer shipped in geo/geocoding/data (every 町丁目/大字 of Japan),
  read_national_gazetteer();
- Geolonia 住所データ per-municipality JSON (list of {town, koaza, lat, lng}),
  read_geolonia_json();
- 国土交通省 位置参照情報 CSV (Shift_JIS), 大字・町丁目レベル or 街区レベル,
  read_mlit_isj_csv() (the kind is detected from the header).
Municipality names, codes, spellings and changes over time come from the registry
(geo.geocoding.municipalities: Japan Post's data + the gazetteer's own names), never a table
in code: an address may name today's municipality (浜松市中央区) while the gazetteer still has
the former ones (浜松市中区), name it with an old spelling (須恵町) or without its 郡 or ward.

Every repair made to the text (町 omitted, a hyphen for 々, katakana ニ for 二, a 地域自治区
word, 京都's street directions, the list's municipality supplied, a former name, …) is a note
{'code': ..., **params} on the result (texts: the _GEOCODING table in geo/vocab.py); an address that
says it is withheld (非公開, 個人宅のため非公開) gives withheld=True, not "town not found".

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from geo.geocoding.address import (
    KANJI_NUMERALS,
    chome_label,
    int_to_kanji,
    fold,
    match_key,
    normalize,
    parse_street_number,
    split_chome,
    split_city,
    split_pref,
    strip_oaza,
    withheld,
)
from geo.geocoding.municipalities import Registry, parse_code, registry

LEVELS = ("街区", "町丁目", "大字", "市区町村")
_RANK = {lvl: i for i, lvl in enumerate(LEVELS)}


class _MunicipalityNames(Mapping):
    """{code: (都道府県, 市区町村)} for every municipality in Japan, read from data (see
    geo.geocoding.municipalities), kept under its old name for callers that look names up."""

    def _all(self):
        return registry().municipalities

    def __getitem__(self, code: str) -> tuple[str, str]:
        m = self._all()[code]
        return m.pref, m.name

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


MUNICIPALITIES: Mapping[str, tuple[str, str]] = _MunicipalityNames()


@dataclass(slots=True)
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


def note(code: str, **params) -> dict:
    """A repair the geocoder made, as a code and its parameters ({'code': 'cho_omitted', 'town': ..})."""
    return {"code": code, **params}


@dataclass
class GeocodeResult:
    ok: bool
    level: str | None = None
    lat: float | None = None
    lon: float | None = None
    matched: str = ""          # the address as matched, e.g. '東京都渋谷区神宮前一丁目'
    reason_code: str | None = None     # why not placed / why coarse (key 'geocode.<code>' in geo.vocab)
    reason_params: dict = field(default_factory=dict)
    needs_review: bool = False
    city_code: str | None = None
    notes: list[dict] = field(default_factory=list)  # repairs: [{'code': .., **params}]
    withheld: bool = False     # the address says it is not public (非公開, 個人宅のため…)

    @property
    def reason(self) -> str | None:
        """The reason in Japanese with English in brackets (for reports and logs)."""
        if not self.reason_code:
            return None
        return _both("geocode." + self.reason_code, self.reason_params)

    def note_texts(self, lang: str | None = None) -> list[str]:
        """Each repair as a sentence: 'ja (en)' by default, or one language."""
        out = []
        for n in self.notes:
            params = {k: v for k, v in n.items() if k != "code"}
            key = "geocode.note." + n["code"]
            out.append(_both(key, params) if lang is None else _text(key, lang, params))
        return out


def _text(key: str, lang: str, params: dict) -> str:
    from geo.vocab import text

    return text(key, lang, **params)


def _both(key: str, params: dict) -> str:
    return f"{_text(key, 'ja', params)} ({_text(key, 'en', params)})"


def city_code5(code: str | int | None) -> str | None:
    """'131130' (全国地方公共団体コード with check digit) or '13113' -> '13113'."""
    c, _ = parse_code(code)
    return c


# --------------------------------------------------------------------------- readers

def read_geolonia_json(path: str | os.PathLike, city_code: str | None = None,
                       pref: str | None = None, city: str | None = None) -> Iterator[GazEntry]:
    """Read a Geolonia per-municipality town list ([{town, koaza, lat, lng}, ...]).

    city_code defaults to the 5 digits at the start of the file name
    ('13113_shibuya.json'); pref and city default to the municipality registry (every code in
    Japan, from Japan Post's postal data and the national gazetteer).
    Entries are 町丁目 level (towns without 丁目, like '宇田川町', are the finest
    area unit the source has for that place).
    """
    name = os.path.basename(os.fspath(path))
    if city_code is None:
        m = re.match(r"(\d{5,6})", name)
        city_code = city_code5(m.group(1)) if m else None
    known = registry().get(city_code) if city_code else None
    if (pref is None or city is None) and known is not None:
        pref = pref or known.pref
        city = city or known.name
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
                    level="街区", pref=pref, city=city, city_code=registry().code_for(pref, city),
                    town=town, chome=chome, block=block, lat=lat, lon=lon,
                    source=f"mlit-gaiku:{name}", koaza=koaza))
            for _, entry in kept.values():
                yield entry
        else:
            raise ValueError(
                f"{name}: 位置参照情報の見出しではありません (not a 位置参照情報 header: "
                f"{header[:6]})")


# --------------------------------------------------------------------------- index

@dataclass(slots=True)
class _Point:
    lat: float
    lon: float
    level: str


@dataclass(slots=True)
class _Town:
    name: str                                   # display name ('千駄ケ谷', '春日町川尻')
    base_key: str                               # match key of the town without its 小字
    plain: _Point | None = None                 # the town itself (no 丁目)
    chome: dict[int, _Point] | None = None
    blocks: dict[tuple[int | None, str], _Point] | None = None
    centroid: _Point | None = None              # mean of the 丁目 points
    parts: list[_Point] | None = None           # 小字 points, when the town has no point of its own

    def copy(self) -> "_Town":
        return _Town(self.name, self.base_key, self.plain, dict(self.chome) if self.chome else None,
                     dict(self.blocks) if self.blocks else None, self.centroid,
                     list(self.parts) if self.parts else None)


@dataclass(slots=True)
class _City:
    cid: str
    code: str | None
    pref: str
    name: str
    towns: dict[str, _Town] = field(default_factory=dict)   # match_key -> town
    max_len: int = 0
    point: _Point | None = None                              # explicit 市区町村 entry

    def copy(self) -> "_City":
        return _City(self.cid, self.code, self.pref, self.name,
                     {k: t.copy() for k, t in self.towns.items()}, self.max_len, self.point)


@dataclass(slots=True)
class _Target:
    """What a municipality name in an address points at: the gazetteer cities to search."""
    cids: tuple[str, ...]
    code: str | None     # the municipality the text names; None: decided by the town found
    pref: str
    name: str            # as the text names it ('浜松市中央区', '大阪市', '浜松市中区')
    kind: str            # city / former / successor / group / nodata


_KANJI_CHARS = r"[\u4e00-\u9fff々]"
_ITERATION_MARK_TYPO = re.compile(
    r"(?<=" + _KANJI_CHARS + r")[-‐‑‒–—―−ー─－〃仝](?=" + _KANJI_CHARS + ")")
_CLEAN_AFTER_TOWN = re.compile(
    r"^(?:$|[\s,、(]|\d|[-番字第]|[" + KANJI_NUMERALS + r"]+\s*(?:丁目|番|地割))")
_STARTS_NUMBER = re.compile(r"^(?:\d|[" + KANJI_NUMERALS + r"]+\s*丁目)")
# numbers that are part of a town name in the gazetteer, written in kanji there:
# 北10条西 (札幌), 東鷹栖1線 (旭川), 第7地割 (岩手), 1番町 (仙台)
_TOWN_NUMBER = re.compile(r"第?(\d+)(条|線|地割|番町|区(?=\d|[" + KANJI_NUMERALS + r"]))")
_KANJI_CHIWARI = re.compile(r"第([" + KANJI_NUMERALS + r"]+地割)")
_CHO_ONLY = re.compile(r"(?<=\d)丁(?!目)")
_POSTCODE_HEAD = re.compile(r"^(?:〒|郵便番号|\u3012)?\s*(\d{3})-?(\d{4})(?!\d)\s*")
# 京都市's street addresses: 寺町通御池上る上本能寺前町 -> the town after the last direction
_STREET_DIRECTIONS = re.compile(r"^.*(?:上る|上ル|下る|下ル|[東西]入る|[東西]入ル|[東西]入)")
_DESIGNATED_WARD = re.compile(r"^(.+?市)(.+区)$")
_DISTRICT_WORD = re.compile(r"^(" + _KANJI_CHARS + r"{1,4}?)区(?=" + _KANJI_CHARS + ")")


# katakana ニ / long vowel ー typed for the kanji numerals 二 / 一 ('番町ニ丁目')
_KATAKANA_NUMERAL = re.compile(r"(?<![ァ-ヺ])[ニー](?=[" + KANJI_NUMERALS + r"]*丁目)")
# a stray ¥ or backslash inside a name ('南十¥八条西', from a Shift_JIS round trip)
_STRAY = re.compile(r"(?<=" + _KANJI_CHARS + r")[¥\\￥](?=" + _KANJI_CHARS + ")")
# 札幌's '南郷通2南' / '本通18丁目南': 丁目 then a direction, all part of the town name
_DORI_DIRECTION = re.compile(r"(?<=通)(\d+)(?:丁目)?(?=[東西南北](?:$|[\s\d\-番]))")


def _town_text(rest: str, notes: list[dict]) -> str:
    """Rewrite numbers that belong to a town name the way the gazetteer writes them, and repair
    characters typed for others (each such repair is noted)."""
    if not rest:
        return rest
    s = _STRAY.sub("", rest)
    if s != rest:
        notes.append(note("stray_character", text=rest))
    fixed = _KATAKANA_NUMERAL.sub(lambda m: "二" if m.group(0) == "ニ" else "一", s)
    if fixed != s:
        notes.append(note("katakana_numeral", written=s, read=fixed))
        s = fixed
    s = _DORI_DIRECTION.sub(lambda m: int_to_kanji(int(m.group(1))) + "丁目", s)
    s = _TOWN_NUMBER.sub(lambda m: int_to_kanji(int(m.group(1))) + m.group(2), s)
    s = _KANJI_CHIWARI.sub(r"\1", s)
    return _CHO_ONLY.sub("丁目", s)


def _mean(points: list[_Point], level: str) -> _Point:
    return _Point(sum(p.lat for p in points) / len(points), sum(p.lon for p in points) / len(points), level)


class Geocoder:
    """Gazetteer index; geocode() is dict look-ups only.

    Municipality names, codes, variants and changes over time come from the registry
    (geo.geocoding.municipalities); town points from the entries. `extended(entries)` gives a
    new Geocoder with finer or extra entries on top, sharing everything else.
    """

    def __init__(self, entries: Iterable[GazEntry] = (), registry_: Registry | None = None):
        self._registry = registry_ or registry()
        self._cities: dict[str, _City] = {}
        touched = self._add(entries)
        self._finish(touched)

    def _learn_names(self, touched: set[str]) -> None:
        """Tell the registry the names this gazetteer uses (former municipalities, spellings)."""
        names = {c.code: (c.pref, c.name) for cid in touched for c in [self._cities[cid]] if c.code}
        if names:
            self._registry.add_gazetteer_names(names)

    # ------------------------------------------------------------------ building

    def extended(self, entries: Iterable[GazEntry]) -> "Geocoder":
        """A new Geocoder: this one plus `entries` (this one is left unchanged)."""
        entries = list(entries)
        new = object.__new__(Geocoder)
        new._registry = self._registry
        new._cities = dict(self._cities)
        codes = {self._cid_for(e) for e in entries}
        for cid in codes:
            if cid in new._cities:
                new._cities[cid] = new._cities[cid].copy()
        touched = new._add(entries)
        new._finish(touched)
        return new

    def _cid_for(self, e: GazEntry) -> str:
        code = e.city_code or self._registry.code_for(e.pref, e.city)
        return code or (e.pref + e.city)

    def _add(self, entries: Iterable[GazEntry]) -> set[str]:
        touched: set[str] = set()
        reg = self._registry
        keys: dict[str, str] = {}

        def key_of(name: str) -> str:
            k = keys.get(name)
            if k is None:
                k = keys[name] = match_key(name)
            return k

        for e in entries:
            code = e.city_code or reg.code_for(e.pref, e.city)
            cid = code or (e.pref + e.city)
            c = self._cities.get(cid)
            if c is None:
                c = self._cities[cid] = _City(cid=cid, code=code, pref=e.pref, name=e.city)
            touched.add(cid)
            p = _Point(e.lat, e.lon, e.level)
            if e.level == "市区町村" or not e.town:
                c.point = _Point(e.lat, e.lon, "市区町村")
                continue
            base_key = key_of(e.town)
            if base_key == "(大字なし)":
                base_key = ""
            if e.koaza:
                # the 小字 is a town of its own ('春日町川尻'), and a part of its 大字
                display = e.town + e.koaza if base_key else e.koaza
                t = self._town(c, key_of(display), display, base_key)
                self._put(t, e, p)
                b = self._town(c, base_key, e.town, base_key)
                if b.parts is None:
                    b.parts = []
                b.parts.append(p)
                continue
            self._put(self._town(c, base_key, e.town if base_key else "", base_key), e, p)
        return touched

    @staticmethod
    def _town(c: _City, key: str, display: str, base_key: str) -> _Town:
        t = c.towns.get(key)
        if t is None:
            t = c.towns[key] = _Town(name=display, base_key=base_key)
        return t

    @staticmethod
    def _put(t: _Town, e: GazEntry, p: _Point) -> None:
        # later entries (a finer gazetteer imported on top) replace earlier ones
        if e.level == "街区" and e.block:
            if t.blocks is None:
                t.blocks = {}
            t.blocks[(e.chome, match_key(e.block))] = p
        elif e.chome is not None:
            if t.chome is None:
                t.chome = {}
            t.chome[e.chome] = p
        elif t.plain is None or _RANK[e.level] <= _RANK[t.plain.level]:
            t.plain = p

    def _finish(self, touched: set[str]) -> None:
        self._learn_names(touched)
        for cid in touched:
            c = self._cities[cid]
            for t in c.towns.values():
                self._derive(t)
            c.max_len = max((len(k) for k in c.towns), default=0)
        self._index_names()

    @staticmethod
    def _derive(t: _Town) -> None:
        """Fill 丁目 / town points from 街区 points when only 街区 data was loaded, and a 大字's
        point from its 小字 when it has none of its own."""
        if t.blocks:
            by_chome: dict[int | None, list[_Point]] = {}
            for (ch, _), p in t.blocks.items():
                by_chome.setdefault(ch, []).append(p)
            for ch, pts in by_chome.items():
                if ch is None:
                    if t.plain is None:
                        t.plain = _mean(pts, "町丁目")
                else:
                    if t.chome is None:
                        t.chome = {}
                    if ch not in t.chome:
                        t.chome[ch] = _mean(pts, "町丁目")
        if t.chome:
            t.centroid = _mean(list(t.chome.values()), "大字")
        if t.plain is None and t.parts:
            t.plain = _mean(t.parts, "町丁目")

    def _index_names(self) -> None:
        """Every way an address names a municipality -> the gazetteer cities to search."""
        reg = self._registry
        keys: dict[str, list[_Target]] = {}

        def add(name: str, target: _Target) -> None:
            k = match_key(name)
            lst = keys.setdefault(k, [])
            if not any(t.cids == target.cids and t.code == target.code for t in lst):
                lst.append(target)

        by_code = {c.code: c for c in self._cities.values() if c.code}
        former: dict[str, list[_City]] = {}          # pref -> gazetteer cities no longer current
        for c in self._cities.values():
            m = reg.get(c.code) if c.code else None
            current = m is not None and m.current
            if m is not None and not current:
                former.setdefault(c.pref, []).append(c)
            target = _Target((c.cid,), c.code if current else None, c.pref,
                             m.name if current else c.name, "city" if current or m is None else "former")
            names = {c.name}
            if m is not None:
                names.update((m.name, *m.variants))
            g = re.match(r"^.+?郡(.+[町村])$", c.name)
            if g:
                names.add(g.group(1))
            for n in names:
                add(n, target)
        # today's municipalities the gazetteer has no data under: look for their towns in the
        # data of the former municipalities they were made from (浜松市中央区 -> 中区, 東区, …)
        self._successor_of: dict[tuple[str, str], str] = {}
        successors_of_city: dict[str, set[str]] = {}
        for m in reg.municipalities.values():
            if not m.current or m.code in by_code:
                continue
            towns = {match_key(t) for t in reg.towns_by_code.get(m.code, ())}
            preds = []
            for c in former.get(m.pref, ()):
                shared = [t.base_key for t in c.towns.values() if t.base_key in towns]
                if shared:
                    preds.append(c.cid)
                    successors_of_city.setdefault(c.cid, set()).add(m.code)
                    for k in shared:
                        self._successor_of[(c.cid, k)] = m.code
            target = _Target(tuple(preds), m.code, m.pref, m.name, "successor" if preds else "nodata")
            for n in (m.name, *m.variants):
                add(n, target)
            g = re.match(r"^.+?郡(.+[町村])$", m.name)
            if g:
                add(g.group(1), target)
        self._only_successor = {cid: next(iter(s)) for cid, s in successors_of_city.items() if len(s) == 1}
        # a 政令指定都市 written without its ward: every ward, today's and former
        groups: dict[tuple[str, str], list[str]] = {}
        for c in self._cities.values():
            w = _DESIGNATED_WARD.match(c.name)
            if w:
                groups.setdefault((c.pref, w.group(1)), []).append(c.cid)
        for (pref, parent), cids in groups.items():
            if len(cids) > 1:
                add(parent, _Target(tuple(sorted(cids)), None, pref, parent, "group"))
        self._city_keys = keys
        self._city_key_lengths = sorted({len(k) for k in keys}, reverse=True)
        self._by_code = by_code
        self._by_cid = {c.cid: c for c in self._cities.values()}

    # ------------------------------------------------------------------ public

    @property
    def municipalities(self) -> list[tuple[str | None, str, str]]:
        """[(code, pref, city)] held by this gazetteer."""
        return [(c.code, c.pref, c.name) for c in self._cities.values()]

    @property
    def registry(self) -> Registry:
        return self._registry

    def geocode(self, address: str, municipality_code: str | None = None,
                default_pref: str | None = None, default_city: str | None = None
                ) -> GeocodeResult:
        s = normalize(address)
        if not s:
            return GeocodeResult(ok=False, reason_code="address_empty")
        hidden = withheld(s)
        r = self._geocode(s, municipality_code, default_pref, default_city)
        if hidden:
            r.withheld = True
            if not r.ok:
                # not a town to look for: the list says the address is not public
                r.reason_code, r.reason_params, r.needs_review = "address_withheld", {}, False
                r.lat = r.lon = None
                r.level = None
        return r

    def _geocode(self, s: str, municipality_code, default_pref, default_city) -> GeocodeResult:
        notes: list[dict] = []
        postcode = None
        m = _POSTCODE_HEAD.match(s)
        if m:
            postcode = m.group(1) + m.group(2)
            pc = m.group(1) + "-" + m.group(2)
            s = s[m.end():]
        pref, s = split_pref(s)
        written_pref = pref
        code5 = city_code5(municipality_code)
        default_pref = normalize(default_pref) or None
        pref = pref or default_pref
        if pref is None and code5:
            known = self._registry.get(code5)
            pref = known.pref if known else None
        found = self._find_city(s, written_pref or default_pref, code5)
        if isinstance(found, GeocodeResult):
            return found
        options: list[tuple[_Target, str, list[dict]]] = []
        default = self._default_target(code5, pref, default_city)
        if found is not None:
            target, rest, written = found
            tnotes = list(notes)
            compact = written.replace(" ", "")
            if compact != target.name and not target.name.endswith(compact):
                tnotes.append(note("municipality_spelling", written=compact, matched=target.name))
            same_default = isinstance(default, _Target) and (
                default.code == target.code and default.cids == target.cids)
            if code5 and target.code and code5 != target.code and not same_default:
                given = self._registry.get(code5)
                tnotes.append(note("address_municipality_preferred", city=target.name,
                                   given=given.name if given else code5))
            options.append((target, rest, tnotes))
            # a town in the list's own municipality may share its name with another
            # municipality ('朝日町1-2' in a 生駒市 list): try both when no prefecture was written
            if written_pref is None and isinstance(default, _Target) and not same_default:
                dnotes = list(notes) + [note("municipality_supplied", city=default.pref + default.name)]
                if default.pref == target.pref:
                    options.append((default, s, dnotes))
                else:
                    options.insert(0, (default, s, dnotes))
        elif isinstance(default, _Target):
            options.append((default, s, list(notes) + [note("municipality_supplied",
                                                            city=default.pref + default.name)]))
        elif postcode:
            t = self._postcode_target(postcode)
            if t is not None:
                options.append((t, s, list(notes) + [note("municipality_from_postcode", postcode=pc,
                                                          city=t.pref + t.name)]))
        if postcode and options:
            for o in options:
                o[2].insert(0, note("postcode_ignored", postcode=pc))
        if not options:
            if isinstance(default, GeocodeResult) and (code5 or default_city):
                return default
            named, _ = split_city(s)
            if named:
                return GeocodeResult(ok=False, reason_code="municipality_no_data",
                                     reason_params={"name": (pref or "") + named})
            return default if isinstance(default, GeocodeResult) else GeocodeResult(
                ok=False, reason_code="municipality_unknown")
        best: GeocodeResult | None = None
        for target, rest, tnotes in options:
            r = self._geocode_in_target(target, rest, tnotes)
            if best is None or _score(r) > _score(best):
                best = r
        return best

    # ------------------------------------------------------------------ steps

    def _find_city(self, s: str, pref: str | None, code5: str | None = None):
        """(target, text after the name, the name as written), a GeocodeResult when ambiguous,
        or None when the text does not start with a municipality name."""
        k = fold(s.replace(" ", ""))
        for n in self._city_key_lengths:
            if n > len(k):
                continue
            cands = self._city_keys.get(k[:n])
            if not cands:
                continue
            if pref:
                cands = [c for c in cands if c.pref == pref]
            if len(cands) > 1 and code5:
                cands = [c for c in cands if c.code == code5 or code5 in c.cids] or cands
            if len(cands) > 1:
                # the same municipality reached twice (a current name and its old spelling)
                uniq = {(c.cids, c.code) for c in cands}
                if len(uniq) == 1:
                    cands = cands[:1]
            if len(cands) == 1:
                return cands[0], _cut_compact(s, n), _head_compact(s, n)
            if len(cands) > 1:
                names = "、".join(sorted({c.pref + c.name for c in cands}))
                return GeocodeResult(ok=False, reason_code="municipality_ambiguous",
                                     reason_params={"names": names})
        return None

    def _default_target(self, code5, pref, default_city):
        if code5:
            for t in self._targets_for_code(code5):
                return t
            known = self._registry.get(code5)
            name = known.full_name if known else code5
            return GeocodeResult(ok=False, reason_code="municipality_no_data", reason_params={"name": name})
        if default_city:
            key = match_key(default_city)
            cands = list(self._city_keys.get(key, []))
            if pref:
                cands = [c for c in cands if c.pref == pref]
            if len(cands) == 1:
                return cands[0]
            return GeocodeResult(ok=False, reason_code="municipality_no_data",
                                 reason_params={"name": f"{pref or ''}{default_city}"})
        return GeocodeResult(ok=False, reason_code="municipality_unknown")

    def _targets_for_code(self, code5: str) -> list[_Target]:
        c = self._by_code.get(code5)
        m = self._registry.get(code5)
        if c is not None:
            current = m is not None and m.current
            return [_Target((c.cid,), code5 if current else None, c.pref,
                            m.name if current else c.name, "city" if current or m is None else "former")]
        if m is not None:
            for t in self._city_keys.get(match_key(m.name), []):
                if t.code == code5 and t.pref == m.pref and t.cids:
                    return [t]
        return []

    def _postcode_target(self, postcode: str) -> _Target | None:
        towns = self._registry.postcode(postcode)
        codes = {t.code for t in towns}
        if len(codes) != 1:
            return None
        ts = self._targets_for_code(codes.pop())
        return ts[0] if ts else None

    def _match_town(self, city: _City, rest: str):
        """Longest town name that prefixes rest. Returns (town, remainder, clean, length) or None."""
        r = _compact_head(strip_oaza(rest.lstrip(" ")))
        k = fold(r)
        unclean = None
        for n in range(min(city.max_len, len(k)), 0, -1):
            t = city.towns.get(k[:n])
            if t is None:
                continue
            remainder = r[n:]
            if remainder.startswith("字") and len(remainder) > 1:
                # 大字X字Y: the 小字 Y may be a town of its own ('X' + 'Y')
                longer = self._match_town(city, r[:n] + remainder[1:])
                if longer is not None and longer[2] and longer[3] > n:
                    return longer[0], longer[1], True, longer[3], longer[4]
            if _CLEAN_AFTER_TOWN.match(remainder):
                return t, remainder, True, n, r[:n]
            if unclean is None:
                unclean = (t, remainder, False, n, r[:n])
        if unclean is None and "" in city.towns and _STARTS_NUMBER.match(r):
            # a municipality whose 地番 follow its name directly ('龍ケ崎市3710'): the gazetteer
            # names that area （大字なし）
            return city.towns[""], r, True, 0, ""
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
                return t, r[n:], True, n, r[:n]
        return None

    def _find_town(self, city: _City, rest: str, notes: list[dict]):
        found = self._match_town(city, rest)
        if found is not None and found[2]:
            return found
        alt = self._match_town_omitted_cho(city, rest)
        if alt:
            notes.append(note("cho_omitted", town=alt[0].name))
            return alt
        fixed = _ITERATION_MARK_TYPO.sub("々", rest)
        if fixed != rest:
            alt = self._match_town(city, fixed) or self._match_town_omitted_cho(city, fixed)
            if alt and alt[2]:
                notes.append(note("iteration_mark", town=alt[0].name))
                return alt
        d = _STREET_DIRECTIONS.match(rest)
        if d and d.end() < len(rest):
            alt = self._match_town(city, rest[d.end():])
            if alt and alt[2]:
                notes.append(note("street_directions", text=d.group(0)))
                return alt
        d = _DISTRICT_WORD.match(rest)
        if d:
            # 地域自治区 written into the address ('宇陀市榛原区下井足' for 榛原下井足)
            alt = self._match_town(city, d.group(1) + rest[d.end():])
            if alt and alt[2]:
                notes.append(note("district_word", text=d.group(0)))
                return alt
        return found

    def _geocode_in_target(self, target: _Target, rest: str, notes: list[dict]) -> GeocodeResult:
        notes = list(notes)
        if not target.cids:
            return GeocodeResult(ok=False, reason_code="municipality_no_data",
                                 reason_params={"name": target.pref + target.name}, city_code=target.code,
                                 notes=notes)
        text = _town_text(rest, notes)
        hits = []
        for cid in target.cids:
            city = self._by_cid[cid]
            tn: list[dict] = []
            found = self._find_town(city, text, tn)
            if found is not None:
                hits.append((found[2], not tn, found[3], city, found, tn))
        if hits:
            best_key = max((h[0], h[1], h[2]) for h in hits)
            hits = [h for h in hits if (h[0], h[1], h[2]) == best_key]
            if len(hits) > 1 and target.code:
                own = [h for h in hits if self._code_of(h[3], h[4][0]) == target.code]
                hits = own or hits
            if len(hits) > 1:
                names = "、".join(sorted({self._display(h[3], h[4][0]) for h in hits}))
                return GeocodeResult(ok=False, reason_code="town_ambiguous", reason_params={"names": names},
                                     city_code=target.code, notes=notes)
        if not hits:
            city = self._by_cid[target.cids[0]] if len(target.cids) == 1 else None
            head = target.pref + target.name
            if city is not None and city.point is not None:
                return GeocodeResult(
                    ok=True, level="市区町村", lat=city.point.lat, lon=city.point.lon, matched=head,
                    needs_review=True, city_code=target.code or city.code, notes=notes,
                    reason_code="municipality_point_used", reason_params={"text": rest.strip()})
            return GeocodeResult(ok=False, city_code=target.code, matched=head, notes=notes,
                                 reason_code="town_not_found",
                                 reason_params={"text": rest.strip() or "(なし / empty)"})
        _, _, _, city, found, tn = hits[0]
        notes.extend(tn)
        town, remainder, clean, n, written_town = found
        code = target.code or self._code_of(city, town)
        current = self._registry.get(code) if code else None
        head_name = current.name if current is not None and current.current else city.name
        if target.kind == "former" and head_name != target.name:
            notes.append(note("former_municipality", written=target.name, current=head_name))
        elif target.kind == "successor" and city.name != target.name:
            notes.append(note("predecessor_data", current=target.name, former=city.name))
        elif target.kind == "group":
            notes.append(note("ward_supplied", city=head_name))
        if written_town and strip_oaza(written_town) != strip_oaza(town.name):
            notes.append(note("town_spelling", written=written_town, matched=town.name))
        if not clean:
            notes.append(note("text_after_town", text=remainder.strip()))
        return self._place_in_town(city.pref + head_name, code, town, remainder, clean, notes)

    def _code_of(self, city: _City, town: _Town) -> str | None:
        """Today's code for a town found in a gazetteer city (a former ward -> its successor)."""
        m = self._registry.get(city.code) if city.code else None
        if m is None or m.current:
            return city.code
        return (self._successor_of.get((city.cid, town.base_key))
                or self._only_successor.get(city.cid) or city.code)

    def _display(self, city: _City, town: _Town) -> str:
        code = self._code_of(city, town)
        m = self._registry.get(code) if code else None
        return (m.name if m is not None and m.current else city.name) + town.name

    def _place_in_town(self, head: str, code: str | None, town: _Town, remainder: str, clean: bool,
                       notes: list[dict]) -> GeocodeResult:
        def chome_fn(n: int) -> bool:
            if not town.chome:
                return False
            if town.plain is None:
                return True
            return n in town.chome

        num = parse_street_number(remainder.lstrip("-"), chome_fn)
        base = head + town.name

        def result(point: _Point, level: str, matched: str, reason_code: str | None = None,
                   params: dict | None = None, review: bool | None = None) -> GeocodeResult:
            coarse = _RANK[level] > _RANK["町丁目"]
            return GeocodeResult(
                ok=True, level=level, lat=point.lat, lon=point.lon, matched=matched,
                reason_code=reason_code, reason_params=params or {},
                needs_review=(coarse or not clean) if review is None else review,
                city_code=code, notes=notes)

        banchi_key = match_key(num.banchi) if num.banchi else None
        blocks = town.blocks or {}
        if num.chome is not None:
            label = base + chome_label(num.chome)
            if town.chome and num.chome in town.chome:
                if banchi_key and (num.chome, banchi_key) in blocks:
                    return result(blocks[(num.chome, banchi_key)], "街区", label + num.banchi + "番")
                p = town.chome[num.chome]
                return result(p, p.level, label)
            if town.centroid is not None:
                return result(town.centroid, "大字", base, "chome_not_found", {"label": label}, review=True)
            if town.plain is not None:
                return result(town.plain, "大字", base, "chome_not_found", {"label": label}, review=True)
            return GeocodeResult(ok=False, city_code=code, matched=base, reason_code="chome_not_found",
                                 reason_params={"label": label}, notes=notes)
        if town.plain is not None:
            if banchi_key and (None, banchi_key) in blocks:
                return result(blocks[(None, banchi_key)], "街区", base + num.banchi + "番")
            return result(town.plain, town.plain.level, base)
        if town.centroid is not None:
            return result(town.centroid, "大字", base, "chome_missing", {"base": base}, review=True)
        return GeocodeResult(ok=False, city_code=code, matched=base, reason_code="town_no_point",
                             reason_params={"base": base}, notes=notes)


def _score(r: GeocodeResult) -> tuple:
    """Which of two readings of an address is better: placed, finer, cleaner."""
    return (r.ok, -_RANK.get(r.level or "市区町村", 9) if r.ok else 0, not r.needs_review, -len(r.notes))


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


def _head_compact(s: str, n: int) -> str:
    """The first n non-space characters of s."""
    return s.replace(" ", "")[:n]


def load_geolonia_dir(directory: str | os.PathLike) -> list[GazEntry]:
    """All '<code>_<name>.json' files of a directory, as one list of entries."""
    out: list[GazEntry] = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json") and re.match(r"\d{5}", name):
            out.extend(read_geolonia_json(os.path.join(directory, name)))
    return out


def read_national_gazetteer(path: str | os.PathLike | None = None) -> Iterator[GazEntry]:
    """The national gazetteer file (japan_towns.csv.gz) as entries; rows without a point skipped."""
    from geo.geocoding.municipalities import NATIONAL_GAZETTEER, read_national_rows

    for code, pref, city, town, koaza, lat, lng in read_national_rows(path or NATIONAL_GAZETTEER):
        if not lat or not lng:
            continue
        t, chome = split_chome(town)
        yield GazEntry("町丁目", pref, city, code, t, chome, None, float(lat), float(lng), "national",
                       koaza or None)
