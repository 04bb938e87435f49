"""Vocabulary: every code the service speaks in, with its Japanese and English label, and the one
message catalogue. Framework-free. geo/ returns codes (and reason codes with parameters), never a
sentence; web/i18n.py, the JavaScript texts and geo/render look the words up here.

One table shape everywhere: ``{code: (ja, en)}``.

    label("time_band", "evening", "en")          -> "Evening"
    labels("precision", "ja")                    -> {"exact": "正確な位置", ...}
    text("rows_rejected", "ja", n=3)             -> "3行を取り込めませんでした"

Place layers' names live in their layer file (layers/); ``label("layer", id)`` reads them from
the registry, so adding a layer adds its name here too.
"""
from __future__ import annotations

LANGS = ("ja", "en")
Table = dict[str, tuple[str, str]]

VOCABULARIES: dict[str, Table] = {
    "precision": {
        "exact": ("正確な位置", "Exact location"),
        "approximate": ("おおよその位置（約500m四方）", "Approximate location (about 500 m square)"),
        "hidden": ("位置は非公開", "Location not public"),
    },
    "status": {
        "active": ("活動中", "Active"),
        "paused": ("休止中", "Paused"),
        "closed": ("終了", "Closed"),
    },
}

# Screen and report messages: {key: (ja, en)}; parameters in str.format style ({n}, {name}).
MESSAGES: Table = {}


def _lang_index(lang: str | None) -> int:
    return 1 if lang == "en" else 0


def _table(vocab: str) -> Table:
    if vocab == "layer":
        import layers

        return {layer.id: (layer.name_ja, layer.name_en) for layer in layers.registry().values()}
    return VOCABULARIES[vocab]


def codes(vocab: str) -> tuple[str, ...]:
    return tuple(_table(vocab))


def label(vocab: str, code, lang: str | None = "ja") -> str:
    """The label of `code` in `vocab`; the code itself when the vocabulary does not know it."""
    entry = _table(vocab).get(code)
    if entry is None:
        return "" if code is None else str(code)
    return entry[_lang_index(lang)] or entry[0]


def labels(vocab: str, lang: str | None = "ja") -> dict[str, str]:
    i = _lang_index(lang)
    return {code: entry[i] or entry[0] for code, entry in _table(vocab).items()}


def text(key: str, lang: str | None = "ja", **params) -> str:
    """A message by key, with parameters filled in; the key itself when it is unknown."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    template = entry[_lang_index(lang)] or entry[0]
    return template.format(**params) if params else template
