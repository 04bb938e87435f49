"""Text helpers shared by the file readers: decoding, cell normalisation, formula guard.

Municipal open data arrives in UTF-8 (with zero, one or several BOMs), cp932/Shift_JIS,
sometimes UTF-16 or EUC-JP. Encodings are detected from the bytes, never assumed.
"""
from __future__ import annotations

import re
import unicodedata

__all__ = [
    "decode_bytes",
    "normalize_cell",
    "is_formula_like",
    "neutralise_formula",
    "to_halfwidth_digits",
    "parse_int",
    "normalize_municipality_code",
]

_UTF8_BOM = b"\xef\xbb\xbf"

# Characters that are not expected in text files (C0 controls other than tab/LF/CR, DEL).
_CONTROL = set(range(0, 32)) - {9, 10, 12, 13}


def _binary_error(detail: str) -> ValueError:
    return ValueError(
        "テキストファイルとして読めません。バイナリか、対応していない文字コードです"
        f"（UTF-8・Shift_JIS(cp932)・UTF-16 に対応）: {detail} "
        "(not a readable text file: binary data or an unsupported encoding; "
        "UTF-8, Shift_JIS/cp932 and UTF-16 are supported)"
    )


_BAD_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_CONTROL)) + "\x7f\ue000-\uf8ff]")


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    limit = max(2, len(text) // 200)
    bad = 0
    for _ in _BAD_CHARS.finditer(text):
        bad += 1
        if bad > limit:
            return True
    return False


def _japanese_score(text: str) -> float:
    """Higher for text that looks like ordinary Japanese (used to pick cp932 vs EUC-JP)."""
    good = bad = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            continue
        if 0x3040 <= o <= 0x30FF or 0x4E00 <= o <= 0x9FFF or 0xFF01 <= o <= 0xFF5E or 0x3000 <= o <= 0x303F:
            good += 1
        else:  # half-width katakana, private use, rare symbols: typical of a wrong guess
            bad += 1
    total = good + bad
    return 1.0 if total == 0 else good / total


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode file bytes to text, detecting the encoding. Returns (text, encoding).

    - UTF-8 with any number of leading BOMs (all are stripped; 狛江市 publishes two)
    - UTF-16 / UTF-32 with a BOM
    - cp932 (Shift_JIS) and EUC-JP, chosen by which decoding looks like Japanese
    - a UTF-8 file cut off inside a multibyte character at the very end (truncated
      download) is decoded up to the cut
    Raises ValueError (Japanese first, then English) for binary or undecodable bytes.
    """
    if data is None:
        raise ValueError("データがありません (no data)")
    if isinstance(data, str):
        return data.lstrip("\ufeff"), "str"
    data = bytes(data)
    if not data:
        return "", "utf-8"

    # BOM-marked UTF-32/UTF-16 first (UTF-32-LE's BOM starts with UTF-16-LE's).
    for bom, enc in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                     (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(enc)
            except UnicodeDecodeError as e:
                raise _binary_error(f"{enc} として解釈できません ({e.reason})") from None
            text = text.lstrip("\ufeff")
            if "\x00" in text:
                raise _binary_error("NUL 文字を含みます (contains NUL characters)")
            if _looks_binary(text):
                raise _binary_error("制御文字が多すぎます (too many control characters)")
            return text, enc.split("-")[0] + "-" + enc.split("-")[1]

    n_bom = 0
    while data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
        n_bom += 1

    if b"\x00" in data:
        raise _binary_error("NUL バイトを含みます (contains NUL bytes)")

    text: str | None = None
    encoding = ""
    try:
        text = data.decode("utf-8")
        encoding = "utf-8-sig" if n_bom else "utf-8"
    except UnicodeDecodeError as e:
        # A file truncated in the middle of a multibyte character: keep what is complete.
        if e.reason == "unexpected end of data" and e.start >= len(data) - 3:
            try:
                text = data[: e.start].decode("utf-8")
                encoding = "utf-8-sig" if n_bom else "utf-8"
            except UnicodeDecodeError:
                text = None
        if text is None and n_bom:
            raise _binary_error(f"BOM 付き UTF-8 ですが {e.start} バイト目が不正です "
                                f"(UTF-8 BOM but invalid byte at offset {e.start})") from None

    if text is None:
        candidates = []
        for enc in ("cp932", "euc_jp"):
            try:
                t = data.decode(enc)
            except UnicodeDecodeError:
                continue
            candidates.append((_japanese_score(t), enc, t))
        if not candidates:
            raise _binary_error("UTF-8・Shift_JIS・EUC-JP のいずれでも解釈できません "
                                "(undecodable as UTF-8, Shift_JIS or EUC-JP)")
        candidates.sort(key=lambda c: -c[0])  # stable: cp932 wins ties
        score, encoding, text = candidates[0]
        if score < 0.5:
            raise _binary_error("日本語の文字列として不自然です (does not look like Japanese text)")

    text = text.lstrip("\ufeff")
    if _looks_binary(text):
        raise _binary_error("制御文字が多すぎます (too many control characters)")
    return text, encoding


# ---------------------------------------------------------------- cells

_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Hyphen-like characters seen between digits in addresses and phone numbers.
_HYPHENS = "\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\uff70\u2500\u2501\u02d7\u2043\ufe63"
_HYPHEN_BETWEEN_DIGITS = re.compile(rf"(?<=\d)\s*[{re.escape(_HYPHENS)}]\s*(?=\d)")
_PLACEHOLDERS = {c for c in _HYPHENS} | {"", "--", "ー", "－", "―", "‐", "−", "—", "–", "ｰ"}


def to_halfwidth_digits(s: str) -> str:
    return s.translate(_FW_DIGITS)


def normalize_cell(s) -> str | None:
    """Strip, full-width digits to ASCII, hyphen variants between digits to '-';
    empty cells and placeholders like ' -', 'ー', '－' become None."""
    if s is None:
        return None
    if not isinstance(s, str):
        s = str(s)
    s = s.replace("\ufeff", "").strip()  # str.strip also removes U+3000 (全角スペース)
    if s in _PLACEHOLDERS:
        return None
    if s.isascii():
        if "-" in s:
            s = _HYPHEN_BETWEEN_DIGITS.sub("-", s)
        return s
    s = to_halfwidth_digits(s)
    s = _HYPHEN_BETWEEN_DIGITS.sub("-", s)
    return s or None


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


_FORMULA_FIRST = frozenset(" \u3000\t\r=+-@＝＋－＠")


def is_formula_like(s) -> bool:
    """True for a cell a spreadsheet would treat as a formula: starts with = + - @
    (or a tab/CR before one). Plain numbers such as '-1.5' and lone placeholders are not."""
    if not isinstance(s, str) or not s:
        return False
    if s[0] not in _FORMULA_FIRST:
        return False
    t = s.lstrip(" \u3000")
    if not t:
        return False
    if t[0] in "\t\r" and len(t) > 1:
        return True
    if t[0] not in "=+-@＝＋－＠":
        return False
    if t.strip() in _PLACEHOLDERS:
        return False
    if _NUMBER.fullmatch(t.strip()):
        return False
    return True


def neutralise_formula(s):
    """For EXPORT (CSV that may be opened in a spreadsheet): a formula-like cell such as
    '=cmd|...' is returned prefixed with a single quote so it stays text.

    Importers never evaluate anything: they keep the text as is and only flag it
    (see is_formula_like); this function is what writers call on every cell."""
    if is_formula_like(s):
        return "'" + s
    return s


def parse_int(s) -> int | None:
    """First integer in a cell: '40人' -> 40, '３８人' -> 38, '1,200' -> 1200, '約20名' -> 20."""
    if s is None:
        return None
    if isinstance(s, bool):
        return None
    if isinstance(s, int):
        return s
    if isinstance(s, float):
        return None if s != s else int(s)
    t = unicodedata.normalize("NFKC", str(s)).strip()
    m = re.search(r"\d[\d,]*", t)
    if not m:
        return None
    try:
        return int(m.group(0).replace(",", ""))
    except ValueError:
        return None


def _check_digit(code5: str) -> str:
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2)))
    return str((11 - total % 11) % 10)


def normalize_municipality_code(s) -> tuple[str | None, str | None]:
    """Return (5-digit 団体コード, warning). Accepts 5 digits or 6 digits with check digit.

    The 6th digit of 全国地方公共団体コード is a check digit; a wrong one (狛江市's list has
    132196 for 132195) is reported but the first five digits are still used."""
    if s is None:
        return None, None
    t = unicodedata.normalize("NFKC", str(s)).strip()
    if not t:
        return None, None
    if re.fullmatch(r"\d+\.0", t):
        t = t[:-2]
    if re.fullmatch(r"\d{4}", t):  # leading zero lost by a spreadsheet (01101 -> 1101)
        t = "0" + t
    if re.fullmatch(r"\d{5}", t):
        return t, None
    if re.fullmatch(r"\d{6}", t):
        if _check_digit(t[:5]) != t[5]:
            return t[:5], (f"団体コード {t} の検査数字が正しくありません（{t[:5]}{_check_digit(t[:5])} のはず）"
                           f" (check digit of municipality code {t} is wrong)")
        return t[:5], None
    return None, f"団体コードとして解釈できません: {t!r} (not a municipality code)"
