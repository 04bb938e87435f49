"""The one lookup of web/: every screen text and label comes from geo/vocab.py, in the request's
language (?lang=, then the cookie, then Japanese).

    t("search_button")                    # a message of the catalogue
    t("invalid.query_long", n=100)        # with parameters
    label("target_group", "高齢者")        # a vocabulary label (also in templates)
    js_texts("map.", "details", consult="consultation")   # the texts a page's script needs
"""
from __future__ import annotations

from flask import g, request

from geo import vocab

LANGS = vocab.LANGS


def current_lang() -> str:
    lang = getattr(g, "lang", None)
    if lang:
        return lang
    lang = request.args.get("lang") or request.cookies.get("lang") or "ja"
    g.lang = lang if lang in LANGS else "ja"
    return g.lang


def paren(text, lang: str | None = None) -> str:
    """A bracketed note after a word: '（note）' in Japanese, ' (note)' in English."""
    return f" ({text})" if (lang or current_lang()) == "en" else f"（{text}）"


def list_sep(lang: str | None = None) -> str:
    """Between the items of a short run-in list: '・' in Japanese, ', ' in English."""
    return ", " if (lang or current_lang()) == "en" else "・"


def t(key: str, lang: str | None = None, **params) -> str:
    """The text for `key` in the request's language (or `lang`); Japanese when English is missing."""
    return vocab.text(key, lang or current_lang(), **params)


def label(vocab_name: str, code, lang: str | None = None) -> str:
    return vocab.label(vocab_name, code, lang or current_lang())


def labels(vocab_name: str, lang: str | None = None) -> dict[str, str]:
    return vocab.labels(vocab_name, lang or current_lang())


def band_label(band: str, hours: bool = False, lang: str | None = None) -> str:
    return vocab.band_label(band, lang or current_lang(), hours=hours)


def say(msg, lang: str | None = None) -> str:
    """A Msg (code + parameters from geo/) or an error (Invalid) as text; None stays None."""
    if msg is None:
        return None
    if callable(getattr(msg, "message", None)):  # web.params.BadParameter
        return msg.message(lang or current_lang())
    if isinstance(msg, BaseException):
        return vocab.message(msg, lang or current_lang())
    return msg.text(lang or current_lang())


def js_texts(prefix: str, *common: str, lang: str | None = None, **aliases: str) -> dict[str, str]:
    """The texts a page script reads, from the same catalogue: every key starting with `prefix`
    (without it), the `common` keys by their own name, and `aliases` (script name = catalogue key)."""
    lang = lang or current_lang()
    out = {k[len(prefix):]: vocab.text(k, lang) for k in vocab.MESSAGES if k.startswith(prefix)}
    out.update({k: vocab.text(k, lang) for k in common})
    out.update({name: vocab.text(key, lang) for name, key in aliases.items()})
    return out
