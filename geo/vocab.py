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

# Request parameters (web/params.py) and the error pages: bad input is a 400 with one of these.
PARAM_MESSAGES: Table = {
    "param_missing": ("{name} を指定してください", "{name} is required"),
    "param_need_one": ("{options} を指定してください", "Give {options}"),
    "param_number": ("{name} は数値で指定してください", "{name} must be a number"),
    "param_range": ("{name} は {lo}〜{hi} の範囲で指定してください", "{name} must be between {lo} and {hi}"),
    "param_integer": ("{name} は {lo}〜{hi} の整数です", "{name} must be a whole number from {lo} to {hi}"),
    "param_latlon": ("{name} は 緯度,経度 です", "{name} must be lat,lon"),
    "param_bbox": ("{name} は 西,南,東,北 の4つの数値です（西<東、南<北）",
                   "{name} must be four numbers west,south,east,north (west<east, south<north)"),
    "param_choice": ("{name}が不明です: {value}（{allowed} のどれか）", "Unknown {name}: {value} (one of {allowed})"),
    "param_date": ("{name} は 2026-11-23 の形の日付です", "{name} must be a date like 2026-11-23"),
    "param_flag": ("{name} は 1 か 0 です", "{name} must be 1 or 0"),
    "param_weekday": ("{name} は 0（月）〜6（日）です", "{name} must be 0 (Mon) to 6 (Sun)"),
    "param_municipality": ("{name} は5桁か6桁の団体コードです", "{name} must be a 5 or 6 digit municipality code"),
    "param_query_empty": ("住所か場所の名前を入力してください", "Type an address or a place name"),
    "param_too_long": ("{name} は{max}文字以内で入力してください", "{name}: at most {max} characters"),
    "param_area": ("{name} は ID か 種類:コード です（種類: {kinds}）", "{name} must be an id or kind:code (kinds: {kinds})"),
    "param_point_line": ("{line}行目の地点が読めません（緯度,経度）", "The point on line {line} is not lat,lon"),
    "param_too_many": ("{name} は{max}件までです", "At most {max} {name}"),
    "param_candidates": ("候補地の一覧を選ぶか、地図をクリックして地点を追加してください",
                         "Choose a candidate layer or click points on the map"),
    "error_bad_request": ("入力を確認してください", "Please check what you entered"),
    "error_internal": ("サーバーで問題が起きました。時間をおいてもう一度お試しください。",
                       "Something went wrong on the server. Please try again later."),
    "error_back": ("地図のページへもどる", "Back to the map"),
}

# Screen and report messages: {key: (ja, en)}; parameters in str.format style ({n}, {name}).
MESSAGES: Table = {**PARAM_MESSAGES}


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


# ----------------------------------------------------------------------------- imports (geo.ingest)
# Reason codes of rejected rows and per-row notes of an import. Parameters in str.format style.
_INGEST: Table = {
    # a row of a file cannot be read at all
    "unreadable_csv_row": ("CSV として読めない行です ({error})", "unreadable CSV row ({error})"),
    "unterminated_quote": ("引用符 (\") が閉じられていません。ファイルが途中で切れている可能性があります",
                           "unterminated quoted cell; the file may be truncated"),
    "too_many_cells": ("列の数が見出し ({header} 列) より多い ({cells} 列)",
                       "more cells than header columns ({cells} cells, {header} columns)"),
    "cell_too_long": ("セルが長すぎます（{limit:,} 文字超）: {columns}",
                      "cell longer than {limit:,} characters: {columns}"),
    # required values
    "no_name": ("名称がありません", "no name"),
    "no_id_supplement": ("ID がありません（追加データは ID で元データに結合します）",
                         "no ID; supplement rows are merged by ID"),
    "no_key_code": ("KEY_CODE がありません", "no KEY_CODE"),
    "key_code_not_numeric": ("KEY_CODE が数字ではありません: {value!r}", "KEY_CODE not numeric: {value!r}"),
    "non_numeric_cells": ("数値ではないセルがあります: {columns}", "non-numeric cells: {columns}"),
    # coordinates and geometry
    "coordinates_not_numbers": ("緯度・経度が数値ではありません: {lat!r}, {lon!r}",
                                "latitude/longitude not a number: {lat!r}, {lon!r}"),
    "coordinates_zero": ("緯度・経度が (0, 0) です", "coordinates are 0,0"),
    "coordinates_swapped": ("緯度と経度が入れ替わっています", "latitude and longitude swapped"),
    "coordinates_outside_japan": ("座標が日本の範囲外です: 緯度 {lat}, 経度 {lon}",
                                  "coordinates outside Japan: latitude {lat}, longitude {lon}"),
    "empty_geometry": ("ジオメトリが空です", "empty geometry"),
    "geometry_unrepairable": ("ジオメトリを修復できません ({detail})",
                              "invalid geometry could not be repaired to a polygon ({detail})"),
    "not_polygon": ("ポリゴンではありません ({detail})", "not a polygon ({detail})"),
    "empty_or_not_polygon": ("ジオメトリが空か、ポリゴンではありません", "empty or non-polygon geometry"),
    # values the database would refuse, duplicates, links to other data
    "capacity_out_of_range": ("定員が範囲外です: {value}", "capacity out of range: {value}"),
    "unknown_precision": ("位置精度が不正です: {value!r}", "unknown precision: {value!r}"),
    "duplicate_id": ("ID {id} が {first} 行目と重複しています", "ID {id} duplicates line {first}"),
    "duplicate_name_address": ("名称と住所が {first} 行目と重複しています",
                               "name and address duplicate line {first}"),
    "supplement_id_unknown": ("ID {id} の場所が「{dataset}」にありません",
                              "no place with ID {id} in dataset {dataset}"),
    "population_area_unknown": ("KEY_CODE {code} の町丁・字の区域がありません。先に境界データを取り込んでください",
                                "no town_block area with KEY_CODE {code}; import the boundaries first"),
    # places kept without a point (listed for a coordinator)
    "no_point_no_address": ("座標も住所もありません", "no coordinates and no address"),
    "no_point_not_geocoded": ("住所から位置を推定できません", "address could not be geocoded"),
    "no_point_use_geocode": ("座標がありません。--geocode で住所から推定できます",
                             "no coordinates; use --geocode to place it from the address"),
    "no_point_municipality_only": ("市区町村までしか特定できないため位置なしにしました: {matched}",
                                   "matched only the municipality; kept without a point: {matched}"),
    "geocode_no_match": ("照合できません", "no match"),
    "geocode_coarse": ("町丁目より粗い位置です", "coarser than 町丁目"),
    # the plan's fates (upload → dry run → apply pages, reports)
    "fate_new": ("新規", "New"),
    "fate_update": ("更新", "Updated"),
    "fate_unchanged": ("変更なし", "Unchanged"),
    "fate_rejected": ("不採用", "Rejected"),
    "fate_close": ("終了", "Closed"),
    "fate_missing": ("今回なし", "Not in this file"),
}
MESSAGES.update(_INGEST)
