"""Japanese address normalisation and parsing, framework-free.

What lives here is purely textual: no gazetteer, no database. The geocoder
(geo.geocoding.geocode) uses these helpers and adds gazetteer knowledge, e.g. whether the
first number of '幡ヶ谷3-70' is a 丁目 (it is, because 幡ケ谷 has 丁目) or a 番地
(as in '代官山町7-9').

- normalize(text): NFKC (full-width digits/letters to ASCII, half-width kana to
  full-width), every hyphen variant between digits to '-', spaces collapsed/trimmed.
- match_key(text): normalize + fold spellings that are the same place name:
  ヶ/ケ/ヵ/が -> ケ, の/ノ/之 -> ノ, a few old kanji forms, spaces removed, and a
  leading 大字 / 字 dropped. Use it only to compare, never to display.
- kanji_to_int('二十三') -> 23, int_to_kanji(23) -> '二十三', chome_label(3) -> '三丁目'.
- parse(address, default_pref=None, default_city=None) -> ParsedAddress.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable

# --------------------------------------------------------------------------- tables

PREFECTURES: tuple[str, ...] = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県",
    "茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県",
    "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県",
    "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県",
    "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県",
    "徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県",
    "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)

# 政令指定都市: their 区 belong to the municipality name ('札幌市中央区').
DESIGNATED_CITIES: tuple[str, ...] = (
    "札幌市", "仙台市", "さいたま市", "千葉市", "横浜市", "川崎市", "相模原市",
    "新潟市", "静岡市", "浜松市", "名古屋市", "京都市", "大阪市", "堺市",
    "神戸市", "岡山市", "広島市", "北九州市", "福岡市", "熊本市",
)

TOKYO_WARDS: tuple[str, ...] = (
    "千代田区", "中央区", "港区", "新宿区", "文京区", "台東区", "墨田区", "江東区",
    "品川区", "目黒区", "大田区", "世田谷区", "渋谷区", "中野区", "杉並区", "豊島区",
    "北区", "荒川区", "板橋区", "練馬区", "足立区", "葛飾区", "江戸川区",
)

# Municipality names that contain 市/町/村/郡 before their own suffix, so a naive
# "shortest text up to 市" rule would cut them wrongly ('町田市' -> '町').
_TRICKY_CITIES: tuple[str, ...] = (
    "町田市", "市川市", "市原市", "四日市市", "廿日市市", "大町市", "十日町市",
    "村山市", "東村山市", "武蔵村山市", "野々市市", "村上市", "田村市", "羽村市",
    "大村市", "郡山市", "小郡市", "郡上市", "上市町", "余市町", "下市町", "市貝町",
    "市川三郷町", "中新川郡上市町", "余市郡余市町", "吉野郡下市町", "芳賀郡市貝町",
    "西八代郡市川三郷町", "北村山郡大石田町", "西村山郡河北町", "東村山郡山辺町",
    "東村山郡中山町", "西村山郡西川町", "西村山郡朝日町", "西村山郡大江町",
    "田村郡三春町", "田村郡小野町", "木曽郡木曽町", "町村",
)

_HYPHENS = "-‐‑‒–—―−ーｰ─━﹣－⁃"
_HYPHEN_CLASS = "[" + re.escape(_HYPHENS) + "]"
_HYPHEN_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s*" + _HYPHEN_CLASS + r"\s*(?=\d)")
_SPACES = re.compile(r"\s+")

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "壱": 1, "二": 2, "弐": 2, "三": 3, "参": 3,
                 "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
KANJI_NUMERALS = "".join(_KANJI_DIGITS) + "".join(_KANJI_UNITS)
_KANJI_NUM_RE = "[" + KANJI_NUMERALS + "]+"

# Spelling variants folded by match_key (one char -> one char, so positions in a
# folded string line up with the normalised string).
_FOLD = str.maketrans({
    "ヶ": "ケ", "ヵ": "ケ", "が": "ケ", "ケ": "ケ", "ｹ": "ケ", "ガ": "ケ",
    "の": "ノ", "之": "ノ", "ノ": "ノ", "乃": "ノ",
    # 旧字体・異体字 -> the form the national gazetteer and Japan Post mostly use
    "﨑": "崎", "嵜": "崎", "碕": "崎", "髙": "高", "邊": "辺", "邉": "辺", "澤": "沢", "濱": "浜",
    "冨": "富", "嶋": "島", "嶌": "島", "檜": "桧", "櫻": "桜", "關": "関", "惠": "恵", "廣": "広",
    "國": "国", "圀": "国", "條": "条", "會": "会", "舊": "旧", "圓": "円", "寶": "宝", "與": "与",
    "萬": "万", "當": "当", "來": "来", "學": "学", "實": "実", "稻": "稲", "德": "徳", "槇": "槙",
    "瀨": "瀬", "淵": "渕", "黑": "黒", "眞": "真", "縣": "県", "豐": "豊", "藏": "蔵", "驛": "駅",
    "鐵": "鉄", "龍": "竜", "齋": "斉", "齊": "斉", "斎": "斉", "壽": "寿", "兒": "児", "澁": "渋",
    "峯": "峰", "舘": "館", "戶": "戸", "靑": "青", "曾": "曽",
    "增": "増", "彌": "弥", "禮": "礼", "榮": "栄", "樂": "楽", "滿": "満", "畫": "画", "晝": "昼",
    "淺": "浅", "溪": "渓", "莊": "荘", "驒": "騨",
    "籠": "篭", "舩": "船", "栁": "柳", "凜": "凛", "冲": "沖", "鰺": "鯵", "鷗": "鴎",
    "穗": "穂", "嶽": "岳", "瀧": "滝", "龜": "亀", "埀": "垂", "槫": "榑",
})


# --------------------------------------------------------------------------- text

def normalize(text: str | None) -> str:
    """NFKC, hyphen variants between digits -> '-', whitespace collapsed and trimmed.

    >>> normalize('東京都渋谷区恵比寿西1-７-９')
    '東京都渋谷区恵比寿西1-7-9'
    """
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACES.sub(" ", s).strip()
    s = _HYPHEN_BETWEEN_DIGITS.sub("-", s)
    return s


def fold(text: str) -> str:
    """Character-for-character folding of spelling variants (length preserved)."""
    return text.translate(_FOLD)


def strip_oaza(text: str) -> str:
    """Drop a leading 大字 or 字 ('大字高山' -> '高山')."""
    text = text.lstrip(" ")
    if text.startswith("大字"):
        return text[2:]
    if text.startswith("字") and len(text) > 1:
        return text[1:]
    return text


def match_key(text: str | None) -> str:
    """Key used to compare place names: normalised, folded, no spaces, no 大字/字 prefix.

    >>> match_key('千駄ヶ谷') == match_key('千駄ケ谷')
    True
    """
    s = normalize(text).replace(" ", "")
    return fold(strip_oaza(s))


# --------------------------------------------------------------------------- withheld

# An address that says it is not public: the place is registered without a public location
# (precision 'hidden'), never reported as a town that was not found.
_WITHHELD = re.compile(
    r"非公開|非公表|非表示|未公開|不公開|秘匿|個人宅|個人情報|住所は?掲載(?:不可|しない|しません|なし)|"
    r"公開(?:不可|しない|しません|していません|しておりません|できません|を控え)|掲載(?:不可|を控え)|"
    r"(?:お|要)?問い?合わ?せ(?:ください|下さい|願います|のこと|時に|後に)|要問合せ|要問い合わせ|"
    r"(?:申込|申し込み|予約|参加申込|登録)(?:者|時|後)(?:に|のみ)?(?:お知らせ|お伝え|連絡|ご案内)|"
    r"参加者(?:のみ|に)(?:お知らせ|お伝え|連絡|ご案内)|伏せ(?:ます|ています)")


def withheld(text: str | None) -> bool:
    """Whether an address cell says the address is withheld ('非公開', '個人宅のため非公開',
    '参加申込者にお知らせします', '※お問い合わせください')."""
    if not text:
        return False
    return bool(_WITHHELD.search(unicodedata.normalize("NFKC", text)))


# --------------------------------------------------------------------------- numerals

def kanji_to_int(text: str) -> int:
    """'二十三' -> 23, '十' -> 10, '百五' -> 105, '二〇' -> 20, '12' -> 12.

    Raises ValueError for anything that is not a number.
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if not s:
        raise ValueError("empty numeral")
    if s.isdigit():
        return int(s)
    if any(c not in _KANJI_DIGITS and c not in _KANJI_UNITS for c in s):
        raise ValueError(f"not a kanji numeral: {text!r}")
    if not any(c in _KANJI_UNITS for c in s):  # positional: '二〇二' -> 202
        return int("".join(str(_KANJI_DIGITS[c]) for c in s))
    total, current = 0, 0
    for c in s:
        if c in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[c]
        else:
            total += (current or 1) * _KANJI_UNITS[c]
            current = 0
    return total + current


def int_to_kanji(n: int) -> str:
    """23 -> '二十三', 10 -> '十', 105 -> '百五' (the way 丁目 are written in 位置参照情報)."""
    n = int(n)
    if n < 0 or n >= 10000:
        raise ValueError(f"out of range: {n}")
    if n == 0:
        return "〇"
    digits = "〇一二三四五六七八九"
    out = []
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        q, n = divmod(n, value)
        if q:
            out.append(("" if q == 1 else digits[q]) + unit)
    if n:
        out.append(digits[n])
    return "".join(out)


def chome_label(n: int) -> str:
    """3 -> '三丁目'."""
    return int_to_kanji(n) + "丁目"


_TOWN_CHOME_RE = re.compile(r"^(.+?)(" + _KANJI_NUM_RE + r"|\d+)丁目$")


def split_chome(town: str) -> tuple[str, int | None]:
    """'あすか野北一丁目' -> ('あすか野北', 1); '宇田川町' -> ('宇田川町', None)."""
    town = normalize(town)
    m = _TOWN_CHOME_RE.match(town)
    if not m:
        return town, None
    return m.group(1), kanji_to_int(m.group(2))


# --------------------------------------------------------------------------- parsing

@dataclass
class ParsedAddress:
    pref: str | None = None
    city: str | None = None
    town: str | None = None
    chome: int | None = None
    banchi: str | None = None
    go: str | None = None
    rest: str | None = None


@dataclass
class StreetNumber:
    """The numbers after the town: 丁目, 番地/番, 号, and whatever follows (building, room)."""
    chome: int | None = None
    banchi: str | None = None
    go: str | None = None
    rest: str | None = None
    explicit_chome: bool = False   # written with 丁目
    first_number: int | None = None


def split_pref(s: str) -> tuple[str | None, str]:
    """('東京都', '渋谷区…') if s starts with a prefecture name, else (None, s)."""
    for p in PREFECTURES:
        if s.startswith(p):
            return p, s[len(p):]
    return None, s


_DESIGNATED_WARD_RE = re.compile(
    "^(" + "|".join(map(re.escape, DESIGNATED_CITIES)) + r")([^\d\s区市町村]{1,4}?区)")
_GUN_RE = re.compile(r"^([^\d\s郡市]{1,5}?郡)([^\d\s郡]{1,6}?[町村])")
_SHI_RE = re.compile(r"^([^\d\s市]{1,6}?市)")


def split_city(s: str, known_cities: Iterable[str] = ()) -> tuple[str | None, str]:
    """Split a municipality name off the front of s (prefecture already removed).

    Tries known names first (longest first), then 政令市+区, the 23 特別区,
    a list of names that contain 市/町/村 inside ('町田市'), 郡+町村, and X市.
    Bare 'X町'/'X村' without 郡 are only recognised when known, because the rule
    would otherwise eat town names ('宇田川町').
    """
    s = s.lstrip(" ")
    compact = s.replace(" ", "")
    for name in sorted(set(known_cities), key=len, reverse=True):
        if name and compact.startswith(name):
            return name, _cut(s, len(name))
    m = _DESIGNATED_WARD_RE.match(compact)
    if m:
        return m.group(0), _cut(s, len(m.group(0)))
    for name in sorted(_TRICKY_CITIES, key=len, reverse=True):
        if compact.startswith(name) and name != "町村":
            return name, _cut(s, len(name))
    for name in sorted(TOKYO_WARDS, key=len, reverse=True):
        if compact.startswith(name):
            return name, _cut(s, len(name))
    m = _GUN_RE.match(compact)
    if m:
        return m.group(0), _cut(s, len(m.group(0)))
    m = _SHI_RE.match(compact)
    if m:
        return m.group(0), _cut(s, len(m.group(0)))
    return None, s


def _cut(s: str, n_compact: int) -> str:
    """Remove the first n non-space characters of s."""
    seen = 0
    for i, c in enumerate(s):
        if seen == n_compact:
            return s[i:].lstrip(" ")
        if c != " ":
            seen += 1
    return ""


# One number of the street part, with its marker.
_NUM_TOKEN = re.compile(
    r"(?P<sep>\s*[-ノの之]\s*)?"
    r"(?P<num>\d+|" + _KANJI_NUM_RE + r"(?=\s*(?:丁目|番|号)))"
    r"\s*(?P<mark>丁目|番地|番|号)?")


def parse_street_number(s: str, has_chome: bool | None | Callable[[int], bool] = None
                        ) -> StreetNumber:
    """Read '4-5-15', '4丁目5番15号', '四丁目5-15', '12-13-402', '5番地の15 ○○ビル'.

    has_chome says whether the first un-marked number is a 丁目:
      True / False, a callable taking that number, or None to guess
      (three or more numbers -> the first is the 丁目; '3-10' -> 番地 3, 号 10).
    Numbers written with 丁目/番地/番/号 always take that role. Anything after the
    numbers (building names, rooms, a 4th number) goes to rest.
    """
    s = s.lstrip(" ")
    tokens: list[tuple[int, str, str | None, int]] = []  # (start, text, mark, end)
    pos = 0
    while pos < len(s) and len(tokens) < 4:
        m = _NUM_TOKEN.match(s, pos)
        if not m:
            break
        if m.group("sep") and not tokens:
            break
        if not m.group("sep") and tokens and tokens[-1][2] in (None,):
            # two unmarked numbers with nothing between them cannot happen; stop.
            break
        tokens.append((m.start("num"), m.group("num"), m.group("mark"), m.end()))
        pos = m.end()
        if m.group("mark") == "号":
            break
    out = StreetNumber()
    if not tokens:
        rest = s.strip(" ")
        out.rest = rest or None
        return out

    def value(t: str) -> int:
        return kanji_to_int(t)

    unmarked = [t for t in tokens if t[2] is None]
    explicit_chome = any(t[2] == "丁目" for t in tokens)
    first_unmarked_is_chome = False
    if not explicit_chome and tokens[0][2] is None:
        first = value(tokens[0][1])
        out.first_number = first
        if callable(has_chome):
            first_unmarked_is_chome = bool(has_chome(first))
        elif has_chome is None:
            first_unmarked_is_chome = len(unmarked) >= 3
        else:
            first_unmarked_is_chome = bool(has_chome)

    used_until = len(tokens)
    for i, (start, num, mark, end) in enumerate(tokens):
        if mark == "丁目" or (i == 0 and mark is None and first_unmarked_is_chome):
            if out.chome is None and out.banchi is None:
                out.chome = value(num)
                out.explicit_chome = mark == "丁目"
                continue
        if mark in ("番地", "番") or (mark is None and out.banchi is None):
            if out.banchi is None and out.go is None:
                out.banchi = str(value(num))
                continue
        if mark == "号" or (mark is None and out.go is None):
            if out.go is None:
                out.go = str(value(num))
                continue
        used_until = i
        break
    if used_until < len(tokens):
        rest = s[tokens[used_until][0]:]
    else:
        rest = s[tokens[-1][3]:]
    rest = rest.strip(" ").lstrip("-").strip(" ")
    out.rest = rest or None
    return out


_STREET_START = re.compile(
    r"\d|" + _KANJI_NUM_RE + r"\s*(?:丁目|番地|番(?=\s*[\d" + KANJI_NUMERALS + r"])|番$)")


def split_town(s: str) -> tuple[str, str]:
    """Syntactic split of '恵比寿4-5-15' into ('恵比寿', '4-5-15') without a gazetteer."""
    m = _STREET_START.search(s)
    if not m:
        return s.strip(" "), ""
    return s[:m.start()].strip(" "), s[m.start():]


def parse(address: str, default_pref: str | None = None, default_city: str | None = None,
          *, known_cities: Iterable[str] = (),
          town_has_chome: bool | None | Callable[[str, int], bool] = None) -> ParsedAddress:
    """Parse an address into pref, city, town, 丁目, 番地, 号 and the rest.

    Prefecture and municipality are optional in the text; default_pref and
    default_city fill them in. Without a gazetteer the town ends where the street
    numbers start; town_has_chome(town, first_number) (or True/False) decides
    whether the first number of '1-2-3' is the 丁目 — by default three numbers
    mean 丁目-番-号 and two mean 番地-号. Use geo.geocoding.geocode.Geocoder for gazetteer-aware
    parsing.
    """
    s = normalize(address)
    pref, s = split_pref(s)
    city, s2 = split_city(s, known_cities)
    if city is None:
        if default_city:
            dc = normalize(default_city).replace(" ", "")
            if s.replace(" ", "").startswith(dc):
                city, s2 = dc, _cut(s, len(dc))
            else:
                city, s2 = dc, s
        else:
            s2 = s
    if pref is None and default_pref:
        pref = normalize(default_pref)
    town_text, street = split_town(s2)
    town = strip_oaza(town_text.replace(" ", "")) or None
    if callable(town_has_chome):
        hc: bool | None | Callable[[int], bool] = (
            (lambda n: town_has_chome(town or "", n)))  # noqa: E731
    else:
        hc = town_has_chome
    num = parse_street_number(street, hc)
    return ParsedAddress(pref=pref, city=city, town=town, chome=num.chome,
                         banchi=num.banchi, go=num.go, rest=num.rest)
