"""Vocabulary: every code the service speaks in, with its Japanese and English label, and the one
message catalogue. Framework-free. geo/ returns codes (and reason codes with parameters: `Msg`,
`Invalid`), never a sentence; web/i18n.py, the JavaScript texts and geo/render look the words up here.

One table shape everywhere: ``{code: (ja, en)}``.

    label("time_band", "evening", "en")          -> "Evening"
    labels("precision", "ja")                    -> {"exact": "正確な位置", ...}
    text("coverage.reason.no_place", "ja")       -> "区域内に場所がありません"
    raise Invalid("invalid.day")                 # a bad input, said in the reader's language later

Place layers' names live in their layer file (layers/); ``label("layer", id)`` reads them from
the registry, so adding a layer adds its name here too. Area kinds that have an area layer take
that layer's name as well.

Adding a translation: add the key with its (ja, en) pair to the right section below. Adding a
section (for example the importers' messages): a new ``{key: (ja, en)}`` dict merged into MESSAGES.
"""
from __future__ import annotations

from typing import Any, NamedTuple

LANGS = ("ja", "en")
Table = dict[str, tuple[str, str]]

# --------------------------------------------------------------------------- time bands
# The one definition of the time-of-day bands: (code, from minute, to minute) of the day.
# A meeting counts for every band its start–end interval overlaps (geo/places/schedule.py).
TIME_BANDS: tuple[tuple[str, int, int], ...] = (
    ("morning", 0, 12 * 60),
    ("afternoon", 12 * 60, 17 * 60),
    ("evening", 17 * 60, 48 * 60),
)
BAND_CODES: tuple[str, ...] = tuple(code for code, _lo, _hi in TIME_BANDS)

# Coverage classes, least covered first (codes; labels and symbols below).
COVERAGE_CLASSES: tuple[str, ...] = ("none", "thin", "covered")
COVERAGE_SYMBOLS: dict[str, str] = {"none": "✕", "thin": "△", "covered": "○"}

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
    "time_band": {
        "morning": ("午前", "Morning"),
        "afternoon": ("午後", "Afternoon"),
        "evening": ("夕方・夜", "Evening"),
    },
    "time_band_hours": {
        "morning": ("〜12時", "until 12:00"),
        "afternoon": ("12〜17時", "12:00–17:00"),
        "evening": ("17時〜", "from 17:00"),
    },
    "coverage_class": {
        "none": ("空白", "None"),
        "thin": ("手薄", "Thin"),
        "covered": ("充足", "Covered"),
    },
    "coverage_class_desc": {
        "none": ("空白：区域内に場所がない", "None: no place inside"),
        "thin": ("手薄：場所はあるが基準に届かない", "Thin: places, but below the thresholds"),
        "covered": ("充足：基準を満たす", "Covered: meets the thresholds"),
    },
    # area kinds without an area layer; elementary / junior_high take their layer's name
    "area_kind": {
        "elementary": ("小学校区", "Elementary school districts"),
        "junior_high": ("中学校区", "Junior high school districts"),
        "daily_life_area": ("日常生活圏域", "Daily-life areas"),
        "district": ("地区", "Districts"),
        "town_block": ("町丁・字", "Town blocks"),
        "municipality": ("市区町村", "Municipalities"),
        "catchment": ("相談窓口の担当地域", "Support desk areas"),
    },
    # stored as these Japanese words (the codes); English labels here
    "target_group": {
        "こども": ("こども", "Children"),
        "子育て世帯": ("子育て世帯", "Families with children"),
        "高齢者": ("高齢者", "Older people"),
        "障害のある人": ("障害のある人", "People with disabilities"),
        "誰でも": ("誰でも", "Everyone"),
    },
    "target_population": {
        "age_65_over": ("65歳以上", "aged 65+"),
        "age_0_14": ("0〜14歳", "aged 0–14"),
        "total": ("全人口", "everyone"),
    },
    # stored as these words (the codes)
    "operator_type": {
        "住民団体": ("住民団体", "Residents' group"),
        "社協": ("社協", "Council of social welfare"),
        "NPO": ("NPO", "NPO"),
        "社会福祉法人": ("社会福祉法人", "Social welfare corporation"),
        "企業": ("企業", "Company"),
        "行政": ("行政", "Local government"),
    },
    # Monday = "0"; ints are accepted as codes
    "weekday": {str(i): pair for i, pair in enumerate(
        [("月", "Mon"), ("火", "Tue"), ("水", "Wed"), ("木", "Thu"), ("金", "Fri"), ("土", "Sat"), ("日", "Sun")])},
    "weekday_long": {str(i): pair for i, pair in enumerate(
        [("月曜日", "Monday"), ("火曜日", "Tuesday"), ("水曜日", "Wednesday"), ("木曜日", "Thursday"),
         ("金曜日", "Friday"), ("土曜日", "Saturday"), ("日曜日", "Sunday")])},
    # the meeting handout CSV (geo/render/exports.places_csv), in this order
    "places_csv_column": {
        "layer": ("種類", "Layer"),
        "name": ("名称", "Name"),
        "area": ("区域", "Area"),
        "address": ("住所（公開範囲）", "Address (public)"),
        "schedule": ("日時", "When"),
        "operator": ("運営", "Run by"),
        "phone": ("電話", "Phone"),
        "consultation": ("相談窓口", "Consultation"),
        "precision": ("位置の精度", "Location precision"),
        "lat": ("緯度", "Latitude"),
        "lon": ("経度", "Longitude"),
        "fictional": ("架空のサンプル", "Fictional sample"),
        "change": ("状態", "Status"),
        "number": ("地図の番号", "Number on the map"),
    },
    # the coverage table export (web/coverage.py), in this order
    "coverage_csv_column": {
        "rank": ("順位", "Rank"),
        "code": ("区域コード", "Area code"),
        "name": ("区域名", "Area"),
        "kind": ("区域の種類", "Area kind"),
        "layer": ("種類", "Layer"),
        "class": ("判定", "Class"),
        "class_code": ("判定コード", "Class code"),
        "places": ("場所数", "Places"),
        "target_population_kind": ("対象人口の区分", "Target population kind"),
        "target_population": ("対象人口", "Target population"),
        "per_1000": ("1000人あたり場所数", "Places per 1,000"),
        "per_1000_note": ("1000人あたりの注記", "Per 1,000 note"),
        "covered_population": ("徒歩圏の人口", "People within walking radius"),
        "covered_share_pct": ("徒歩圏の割合(%)", "Share within walking radius (%)"),
        "share_basis": ("割合の基準", "Share basis"),
        "walking_radius_m": ("徒歩圏の半径(m)", "Walking radius (m)"),
        "total_population": ("総人口", "Total population"),
        "population_65_over": ("65歳以上人口", "Population 65+"),
        "population_0_14": ("0-14歳人口", "Population 0-14"),
        "open_bands": ("開いている曜日・時間帯の数(21中)", "Weekday and time slots open (of 21)"),
        "missing_bands": ("開いている場所がない曜日・時間帯", "Weekdays and times with no place open"),
        "reasons": ("判定の理由", "Reasons"),
        "th_min_places": ("基準：充足に必要な場所数", "Threshold: places needed"),
        "th_min_share_pct": ("基準：充足に必要な徒歩圏の割合(%)", "Threshold: share within walking radius needed (%)"),
        "th_min_per_1000": ("基準：充足に必要な1000人あたり場所数", "Threshold: places per 1,000 needed"),
        "as_of": ("基準日", "As of"),
    },
    "share_basis": {
        "age_65_over": ("65歳以上の人口", "people aged 65+"),
        "age_0_14": ("0〜14歳の人口", "people aged 0–14"),
        "total": ("全人口", "everyone"),
        "area": ("面積", "land area"),
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

# --------------------------------------------------------------------------- messages
# Screens, by page (keys of one page share a prefix: map., imports., coverage., meeting., export.).
_COMMON: Table = {
    'app_title': ('つながりマップ', 'Tsunagari Map'),
    'tagline': ('近くの集いの場・相談できる場所をさがす地図', 'A map of places to go and people to talk to, near home'),
    'fictional_notice': ('このデモの場所はすべて架空のサンプルです。実在の施設ではありません。区域と人口は実際の公開データです。', 'Every place in this demo is a fictional sample, not a real venue. Areas and population are real open data.'),
    'fictional_badge': ('架空のサンプル', 'Fictional sample'),
    'sources': ('出典', 'Sources'),
    'base_map': ('背景地図', 'Base map'),
    'no_base_map': ('背景地図なし', 'No base map'),
    'schedule': ('日時', 'When'),
    'address': ('場所', 'Where'),
    'operator': ('運営', 'Run by'),
    'fees': ('参加費', 'Fee'),
    'reservation': ('予約', 'Booking'),
    'phone': ('電話', 'Phone'),
    'url': ('ウェブ', 'Web'),
    'details': ('くわしく見る', 'Details'),
    'location': ('位置', 'Location'),
    'hidden_places': ('位置を公開していない場所', 'Places whose location is not public'),
    'language_switch': ('English', '日本語'),
    'imports': ('取り込み履歴', 'Imports'),
    'coverage': ('空白地域', 'Coverage gaps'),
    'meeting': ('会議用表示', 'Meeting mode'),
    'not_found': ('見つかりません', 'Not found'),
    'read': ('読込', 'Read'),
    'new': ('新規', 'New'),
    'updated': ('更新', 'Updated'),
    'unchanged': ('変更なし', 'Unchanged'),
    'rejected': ('不採用', 'Rejected'),
    'line': ('行', 'Line'),
    'reason': ('理由', 'Reason'),
    'skip_to_map': ('地図へ移動', 'Skip to map'),
    'consultation': ('相談できます', 'You can ask for advice here'),
    'skip_to_search': ('検索へ移動', 'Skip to search'),
    'larger_text': ('文字を大きく', 'Larger text'),
    'search_heading': ('近くの場所をさがす', 'Find places near you'),
    'search_label': ('住所・町名・場所の名前', 'Address, town or place name'),
    'search_hint': ('例：元町1丁目、生駒市北新町、いきいきサロン', 'e.g. 元町1丁目, 生駒市北新町, a place name'),
    'search_button': ('さがす', 'Search'),
    'use_location': ('現在地から探す', 'Use my location'),
    'filters': ('条件でしぼりこむ', 'Narrow down'),
    'filter_layers': ('場所の種類', 'Kind of place'),
    'filter_day': ('曜日', 'Day'),
    'filter_time': ('時間帯', 'Time of day'),
    'filter_target': ('対象', 'For'),
    'any': ('指定なし', 'Any'),
    'free': ('無料', 'Free of charge'),
    'no_reservation': ('予約なしで行ける', 'No booking needed'),
    'has_consultation': ('相談窓口あり', 'Advice available'),
    'filters_apply_map': ('条件は地図の表示にも使われます。', 'The conditions also apply to the map.'),
    'results': ('近くの場所', 'Places nearby'),
    'help_heading': ('相談するなら', 'Where to ask for help'),
    'help_intro': ('どこに相談すればよいかわからないときは、ここに電話してください。', 'If you are not sure whom to ask, call here.'),
    'print_list': ('印刷用の一覧（大きな文字）', 'Printable list (large print)'),
    'print_lists': ('紙の一覧を印刷する', 'Print a list on paper'),
    'print': ('印刷する', 'Print'),
    'back_to_map': ('地図にもどる', 'Back to the map'),
    'map': ('地図', 'Map'),
    'name_kana': ('よみがな', 'Reading'),
    'target_groups': ('対象', 'For'),
    'capacity': ('定員', 'Capacity'),
    'drop_in': ('当日参加', 'Drop in'),
    'barrier_free': ('バリアフリー', 'Step-free'),
    'email': ('メール', 'Email'),
    'operator_type': ('運営の種類', 'Kind of operator'),
    'status': ('状況', 'Status'),
    'valid_period': ('期間', 'Period'),
    'next_dates': ('次の日程', 'Next dates'),
    'data_source': ('情報の出典', 'Source of this information'),
    'updated_at': ('更新日', 'Updated'),
    'yes': ('はい', 'Yes'),
    'no': ('いいえ', 'No'),
    'required': ('必要', 'Required'),
    'not_required': ('不要', 'Not needed'),
    'list_title': ('場所の一覧', 'List of places'),
    'list_choose': ('一覧を印刷する区域を選んでください', 'Choose an area to print its list'),
    'list_empty': ('この区域には登録された場所がありません。', 'No places are listed in this area.'),
    'list_printed': ('印刷日', 'Printed'),
}

_MAP: Table = {
    'map.searching': ('さがしています…', 'Searching…'),
    'map.near': ('の近く', ' — nearby'),
    'map.count': ('{n}件', '{n} places'),
    'map.walk': ('約{m}m・徒歩{w}分', 'about {m} m, {w} min walk'),
    'map.no_results': ('条件に合う場所が見つかりませんでした。条件を減らしてみてください。', 'No place matches. Try fewer conditions.'),
    'map.show_on_map': ('地図で見る', 'Show on map'),
    'map.here': ('さがした場所', 'Searched place'),
    'map.geo_unsupported': ('この端末では現在地を使えません。住所か場所の名前を入力してください。', 'This device cannot share its location. Please type an address or place name.'),
    'map.geo_denied': ('現在地の利用が許可されませんでした。住所か場所の名前を入力して探してください。', 'Location was not allowed. Please type an address or a place name instead.'),
    'map.geo_failed': ('現在地がわかりませんでした。住所か場所の名前を入力して探してください。', 'Your location could not be found. Please type an address or a place name.'),
    'map.geo_locating': ('現在地を調べています…', 'Finding your location…'),
    'map.error': ('うまく探せませんでした。もう一度お試しください。', 'The search failed. Please try again.'),
    'map.help_area': ('担当地域', 'Area'),
    'map.help_nearest': ('担当の窓口が見つからないため、いちばん近い相談窓口です。', 'No desk is assigned to this point; this is the nearest one.'),
    'map.matches': ('名前が一致した場所', 'Places with this name'),
    'map.search_from': ('ここから探す', 'Search from here'),
    'map.approx_origin': ('（町の中心から探しています）', ' (searching from the town centre)'),
    'map.truncated': ('場所が多いため一部だけ表示しています。地図を拡大してください。', 'Too many places to show at once: zoom in to see them all.'),
    'map.print_list': ('印刷用の一覧', 'Printable list'),
    'map.cluster': ('{n}件のまとまり（{layers}）。選ぶと拡大します', '{n} places ({layers}). Select to zoom in'),
    'map.cluster_sep': ('、', ', '),
    'map.label_sep': ('：', ': '),
}

_IMPORTS: Table = {
    'imports.file': ('ファイル', 'File'),
    'imports.status': ('状態', 'Status'),
    'imports.when': ('日時', 'When'),
    'imports.kind': ('種類', 'Kind'),
    'imports.none_yet': ('まだ取り込みはありません', 'No imports yet'),
    'imports.applied': ('取り込み済み', 'Applied'),
    'imports.dry_run': ('確認のみ（書き込みなし）', 'Dry run (nothing written)'),
    'imports.failed': ('失敗（書き込みなし）', 'Failed (nothing written)'),
    'imports.places': ('場所', 'Places'),
    'imports.areas': ('区域', 'Areas'),
    'imports.population': ('人口', 'Population'),
    'imports.no_point': ('位置なし', 'No point'),
    'imports.needs_review': ('要確認', 'Needs review'),
    'imports.missing': ('今回なし', 'Missing'),
    'imports.flags': ('確認が必要', 'To check'),
    'imports.format': ('形式', 'Format'),
    'imports.encoding': ('文字コード', 'Encoding'),
    'imports.dataset': ('データセット', 'Dataset'),
    'imports.licence': ('ライセンス', 'Licence'),
    'imports.attribution': ('出典', 'Attribution'),
    'imports.row': ('内容', 'Row'),
    'imports.rejected_rows': ('不採用の行', 'Rejected rows'),
    'imports.warnings': ('注意', 'Warnings'),
    'imports.geocoding': ('住所から位置を推定（ジオコーディング）', 'Geocoding (address to location)'),
    'imports.geocoding_off': ('住所からの位置推定はしていません（--geocode なし）', 'Not geocoded (imported without --geocode)'),
    'imports.attempted': ('対象', 'Attempted'),
    'imports.fine': ('町丁目以上で一致', 'Matched at 町丁目 or better'),
    'imports.coarse_placed': ('粗い位置で配置（要確認）', 'Placed at a coarse level (review)'),
    'imports.unplaced': ('位置を決められず', 'Could not be placed'),
    'imports.levels': ('一致の細かさ', 'Match levels'),
    'imports.no_point_title': ('位置なしで登録した場所（地図に出ません。位置を直してください）', 'Places kept without a point (not on the map; please fix)'),
    'imports.needs_review_title': ('位置が粗い場所（確認してください）', 'Places placed at a coarse level (please check)'),
    'imports.missing_title': ('前回あって今回のファイルにない場所', 'In the database but not in this file'),
    'imports.closed_note': ('終了にしました（--close-missing）', 'Closed (--close-missing)'),
    'imports.kept_note': ('削除していません。終了にするには --close-missing を付けて取り込み直してください', 'Not deleted. Re-import with --close-missing to close them'),
    'imports.name': ('名称', 'Name'),
    'imports.address': ('住所', 'Address'),
    'imports.level': ('一致', 'Level'),
    'imports.matched': ('一致した住所', 'Matched'),
    'imports.id': ('ID', 'ID'),
    'imports.more': ('ほか {n} 件', '{n} more'),
    'imports.back': ('取り込み履歴へ戻る', 'Back to imports'),
    'imports.closed': ('終了', 'Closed'),
    'imports.notes': ('行ごとの記録', 'Row notes'),
}

_COVERAGE: Table = {
    'coverage.title': ('空白地域・カバー状況', 'Coverage gaps'),
    'coverage.intro': ('区域ごとに、場所の数、対象人口1,000人あたりの数、歩いて行ける範囲に住む人の割合、開いている曜日・時間帯を示します。計算方法は下の「計算方法」にあります。', 'Per area: places inside, places per 1,000 of the target population, the share of people within walking distance, and when places are open. The method is described below.'),
    'coverage.layer': ('種類', 'Layer'),
    'coverage.kind': ('区域の種類', 'Area kind'),
    'coverage.muni': ('市区町村コード', 'Municipality code'),
    'coverage.on': ('基準日', 'As of'),
    'coverage.all': ('すべて', 'All'),
    'coverage.show': ('表示', 'Show'),
    'coverage.thresholds': ('判定の基準（しきい値）', 'Thresholds'),
    'coverage.min_places': ('充足に必要な場所の数（以上）', 'Places needed for covered (at least)'),
    'coverage.min_share': ('充足に必要な徒歩圏の割合（%以上）', 'Share within walking radius for covered (% at least)'),
    'coverage.min_per_1000': ('充足に必要な1,000人あたりの数（以上・空欄で標準）', 'Places per 1,000 for covered (blank = default)'),
    'coverage.apply': ('再計算', 'Recalculate'),
    'coverage.reset': ('標準に戻す', 'Reset to defaults'),
    'coverage.legend': ('凡例', 'Legend'),
    'coverage.ranked': ('カバーの弱い順', 'Least covered first'),
    'coverage.rank': ('順位', 'Rank'),
    'coverage.area': ('区域', 'Area'),
    'coverage.class': ('判定', 'Class'),
    'coverage.places': ('場所数', 'Places'),
    'coverage.target_pop': ('対象人口', 'Target population'),
    'coverage.per_1000': ('1,000人あたり', 'Per 1,000'),
    'coverage.covered_share': ('徒歩圏の割合', 'Within walking radius'),
    'coverage.covered_pop': ('徒歩圏の人口', 'People within reach'),
    'coverage.total_pop': ('総人口', 'Total population'),
    'coverage.open': ('開いている時間帯', 'Open bands'),
    'coverage.why': ('理由・注記', 'Why / notes'),
    'coverage.groups': ('対象者別の場所数', 'Places by target group'),
    'coverage.bands': ('曜日・時間帯ごとに開いている場所があるか', 'Is some place open, by weekday and time of day'),
    'coverage.export': ('ダウンロード', 'Download'),
    'coverage.csv': ('CSV（Excel用）', 'CSV (for Excel)'),
    'coverage.geojson': ('GeoJSON（地図データ）', 'GeoJSON (map data)'),
    'coverage.method': ('計算方法', 'Method'),
    'coverage.candidates': ('新しい場所の候補地', 'Candidate sites'),
    'coverage.cand_intro': ('候補地（既存の施設の一覧、または地図をクリックした地点）から、まだ歩いて行ける範囲に場所がない人を最も多く新たにカバーする k か所を順に選びます。', 'From candidate sites (places of a layer, or points clicked on the map), pick k sites one by one, each newly reaching the most people who have no place within walking distance yet.'),
    'coverage.cand_layer': ('候補地の一覧', 'Candidates from layer'),
    'coverage.none_option': ('使わない', 'None'),
    'coverage.points': ('地図でクリックした地点（1行に「緯度,経度」）', "Points clicked on the map (one 'lat,lon' per line)"),
    'coverage.k': ('選ぶ数 k', 'Number of sites k'),
    'coverage.suggest': ('候補地を提案', 'Suggest sites'),
    'coverage.clear_points': ('地点を消す', 'Clear points'),
    'coverage.chosen': ('提案された候補地', 'Suggested sites'),
    'coverage.gain': ('新たにカバーする人数', 'Newly reached'),
    'coverage.before': ('前', 'Before'),
    'coverage.after': ('後', 'After'),
    'coverage.total_reach': ('全体の徒歩圏の割合', 'Overall share within reach'),
    'coverage.changed': ('変わる区域', 'Areas that change'),
    'coverage.no_choice': ('新たにカバーできる候補地はありませんでした。', 'No candidate reaches anyone new.'),
    'coverage.no_areas': ('この種類の区域が登録されていません。', 'No areas of this kind are loaded.'),
    'coverage.basis_area': ('人口が未登録のため面積の割合です', 'No population loaded: share of land area'),
    'coverage.basis_total': ('全人口での割合（年齢別人口が未登録）', 'Share of everyone (age bands not loaded)'),
    'coverage.public_loc_note': ('地図の場所の位置は公開用の位置です（非公開の場所は表示しません）。集計には各場所の登録位置を使います。', "Place markers show public locations only (hidden places are not drawn); counts use each place's registered location."),
    'coverage.click_hint': ('地図をクリックすると候補地点を追加できます。', 'Click the map to add candidate points.'),
    'coverage.yes': ('あり', 'yes'),
    'coverage.no': ('なし', 'none'),
    'coverage.unknown_time': ('時間不明', 'time unknown'),
    'coverage.unscheduled': ('日程が構造化されていない場所', 'places without a structured schedule'),
    'coverage.error': ('入力を確認してください', 'Please check the input'),
    'coverage.map_label': ('区域ごとの判定の地図', 'Map of classes per area'),
    'coverage.m2': ('㎡', 'm²'),
    'coverage.people': ('人', 'people'),
    'coverage.cand_area': ('所在の区域', 'Area it lies in'),
    'coverage.between_areas': ('どの区域にも入らない', 'in none of the areas'),
    'coverage.given_points': ('指定した地点', 'Points given'),
    'coverage.point': ('地点', 'Point'),
    'coverage.point_n': ('地点{n}', 'Point {n}'),
    'coverage.unchanged': ('判定が変わらない区域：{n}（うち徒歩圏の割合だけ上がる区域 {share}）',
                           'Areas whose class stays the same: {n} (of which {share} only gain reach)'),
    'coverage.no_class_change': ('判定が変わる区域はありません。', 'No area changes class.'),
    'coverage.readme': ('出典・計算条件（テキスト）', 'Sources and settings (text)'),
    'coverage.readme_note': ('CSV は見出し1行とデータ行だけです（Excel で並べ替え・絞り込みができます）。出典と計算条件は別ファイルです。',
                             'The CSV holds one header row and data rows only (sort and filter in Excel); sources and settings are in a separate file.'),
    'coverage.map_numbers': ('地図の番号（順位）', 'Numbers on the map (rank)'),
    'coverage.map_numbers_note': ('名前を書く場所がない区域は地図に番号だけを示します（点線の番号は地図に置く場所もない区域）。拡大すると名前が出ます。',
                                  'Areas without room for their name show only their number on the map (a dotted number: no room even for that). Zoom in to see the names.'),
    'coverage.point_hint_inside': ('{point}：{area}', '{point}: {area}'),
    'coverage.point_hint_outside': ('{point}：表示中の区域の外です', '{point}: outside the areas shown'),
    'coverage.readme_title': ('空白地域・カバー状況 — 出典と計算条件', 'Coverage gaps — sources and settings'),
    'coverage.readme_file': ('データ', 'Data'),
    'coverage.readme_made': ('作成日時', 'Made'),
    'coverage.readme_sources': ('出典', 'Sources'),
    'coverage.readme_settings': ('計算条件', 'Settings'),
    'coverage.readme_columns': ('列の説明', 'Columns'),
    'coverage.readme_thresholds_note': ('各行の「基準」列は、その行の区域の判定に使ったしきい値です（市区町村ごとの設定を含む）。',
                                        "Each row's threshold columns are the thresholds its area was judged by (municipal settings included)."),
}

_MEETING: Table = {
    'meeting.page_title': ('会議用表示', 'Meeting mode'),
    'meeting.heading': ('地域の集いの場・相談窓口', 'Places to go and people to talk to'),
    'meeting.area_kind': ('区域', 'Areas'),
    'meeting.layers': ('表示する場所', 'Places shown'),
    'meeting.date': ('基準日', 'Date'),
    'meeting.then': ('比較する日（前）', 'Compare with (earlier)'),
    'meeting.compare': ('前と今を比べる', 'Compare then and now'),
    'meeting.weekday': ('曜日', 'Day'),
    'meeting.band': ('時間帯', 'Time'),
    'meeting.any': ('すべて', 'Any'),
    'meeting.consult': ('相談できる場所だけ', 'Consultation only'),
    'meeting.coverage_layer': ('充足度を塗る種類', 'Coverage shading for'),
    'meeting.none': ('なし', 'None'),
    'meeting.focus_hint': ('区域の一覧から選ぶか、地図の区域をクリックすると、その区域に注目します。',
                           'Pick an area in the list, or click it on the map, to focus on it.'),
    'meeting.area_list': ('区域の一覧', 'Areas'),
    'meeting.area_button': ('{area}に注目', 'Focus on {area}'),
    'meeting.coverage_of': ('塗り分け：{layer}の充足度', 'Shading: coverage by {layer}'),
    'meeting.clear_focus': ('全体を表示', 'Show all'),
    'meeting.population': ('人口', 'Population'),
    'meeting.ageing': ('高齢化率', 'Share aged 65+'),
    'meeting.unknown': ('不明', 'unknown'),
    'meeting.people': ('人', ' people'),
    'meeting.kasho': ('か所', ''),
    'meeting.places_by_layer': ('場所の数', 'Places'),
    'meeting.no_place_open': ('どの場所も開いていない曜日・時間帯', 'Days and times with no place open'),
    'meeting.none_missing': ('なし（毎日どこかが開いています）', 'None (something is open every day)'),
    'meeting.unknown_times': ('時間が分からない場所', 'Places with unknown times'),
    'meeting.coverage_pending': ('充足度は未計算です', 'Coverage not computed'),
    'meeting.pop_basis_blocks': ('町丁別人口の合計', 'sum of small areas'),
    'meeting.pop_basis_coverage': ('町丁別人口を面積で按分', 'small areas spread by area'),
    'meeting.new': ('新しくできた場所', 'New places'),
    'meeting.closed': ('なくなった場所', 'Closed places'),
    'meeting.unchanged': ('変わらない場所', 'Unchanged places'),
    'meeting.class_changes': ('充足度が変わった区域', 'Areas whose coverage class changed'),
    'meeting.no_class_changes': ('充足度が変わった区域はありません', 'No area changed coverage class'),
    'meeting.export': ('印刷・配布用', 'Print and hand out'),
    'meeting.pdf_a4': ('PDF（A4横）', 'PDF (A4 landscape)'),
    'meeting.pdf_a3': ('PDF（A3横）', 'PDF (A3 landscape)'),
    'meeting.png': ('画像（PNG）', 'Image (PNG)'),
    'meeting.html': ('地図ファイル（HTML）', 'Map file (HTML)'),
    'meeting.csv': ('一覧（CSV）', 'List (CSV)'),
    'meeting.copy_link': ('この表示のリンク', 'Link to this view'),
    'meeting.legend': ('凡例', 'Legend'),
    'meeting.approx': ('破線の枠 = おおよその位置', 'Dashed edge = approximate location'),
    'meeting.hidden': ('位置非公開の場所', 'Places with hidden location'),
    'meeting.controls': ('設定', 'Settings'),
    'meeting.area_outline': ('区域の境界', 'Area outline'),
    'meeting.map_then': ('前', 'Then'),
    'meeting.map_now': ('今', 'Now'),
    'meeting.back': ('通常の地図へ', 'Back to the map'),
    'meeting.bad_request': ('指定が正しくありません', 'Bad request'),
}

_EXPORT: Table = {
    'export.title': ('つながりマップ 地域の集いの場・相談窓口', 'Tsunagari Map: places to go and people to talk to'),
    'export.sources': ('出典', 'Sources'),
    'export.no_base_map': ('背景地図なし（区域の境界と場所のみ）', 'No base map (area outlines and places only)'),
    'export.fictional': ('このデモの場所はすべて架空のサンプルです。実在の施設ではありません。', 'Every place in this demo is a fictional sample, not a real venue.'),
    'export.legend': ('凡例', 'Legend'),
    'export.focus': ('注目する区域', 'Focused area'),
    'export.population': ('人口', 'Population'),
    'export.ageing': ('高齢化率', 'Share aged 65+'),
    'export.unknown': ('不明', 'unknown'),
    'export.places': ('場所の数', 'Places'),
    'export.no_place_open': ('どの場所も開いていない曜日・時間帯', 'Days and times with no place open'),
    'export.coverage': ('充足度', 'Coverage'),
    'export.coverage_pending': ('充足度: 未計算', 'Coverage: not computed'),
    'export.new': ('新しくできた場所', 'New places'),
    'export.closed': ('なくなった場所', 'Closed places'),
    'export.hidden': ('位置非公開の場所（地図に表示しません）', 'Places with hidden location (not on the map)'),
    'export.approx': ('破線の枠 = おおよその位置', 'Dashed edge = approximate location'),
    'export.north': ('北', 'N'),
    'export.people': ('人', ' people'),
    'export.kasho': ('か所', ''),
    'export.then_now': ('比較', 'Comparison'),
    'export.coverage_of': ('塗り分け：{layer}の充足度', 'Shading: coverage by {layer}'),
    'export.place_list': ('場所の一覧（番号は地図の番号）', 'Places (numbers as on the map)'),
    'export.list_more': ('ほか{n}か所（CSVの一覧をご覧ください）', '{n} more (see the CSV list)'),
    'export.moved': ('線の先の点 = 実際の位置（番号が重ならないよう離して表示）', 'Dot at a line end = actual location (numbers moved apart so none hides another)'),
    'export.names_left_out_n': ('場所が足りず{n}区域の名前を省きました（拡大した地図や区域の一覧をご覧ください）', 'The names of {n} areas did not fit (see a closer map or the list of areas)'),
    'export.names_left_out': ('場所が足りず名前を省いた区域：{names}', 'Areas whose name did not fit: {names}'),
}

_EXTRA_PAGE: Table = {
    "menu": ("メニュー", "Menu"),
    "map_layers": ("表示する地図の種類", "Map layers"),
    "band_with_hours": ("{band}（{hours}）", "{band} ({hours})"),
    "in_brackets": ("（{x}）", " ({x})"),
    "all_day": ("終日", "all day"),
    "band_sep": ("、", ", "),
    "list_sep": ("・", ", "),
    "count_places": ("{n}件", "{n} places"),
    "capacity_people": ("{n}人", "{n}"),
    "your_location": ("現在地", "Your location"),
    "list_heading": ("{area}（{kind}）{title}", "{title}: {area} ({kind})"),
    "coverage.point_label": ("地点{n} ({lat:.5f}, {lon:.5f})", "Point {n} ({lat:.5f}, {lon:.5f})"),
    "coverage.municipality_name": ("{name}", "{name} (municipality {code})"),
    "coverage.served_region": ("この地図の対象地域", "the area this map covers"),
    "coverage.area_basis_mark": ("※面積", "*area"),
    "coverage.total_basis_mark": ("※全人口", "*everyone"),
    "coverage.method_text": (
        "場所の数：区域内に登録位置がある、基準日に活動中の場所（位置非公開の場所も実際の区域で数えます）。"
        "対象人口：国勢調査の町丁ごとの人口（{target}）を、町丁の面積に均等に住んでいるとみなし、区域に含まれる面積の割合で按分した合計です。"
        "徒歩圏の割合：同じ方法で、この種類の場所から直線{radius}m以内（区域の外の場所も含む）に住む人の割合です。"
        "判定：区域内に場所がなければ「空白」、場所が{min_places}か所以上かつ徒歩圏の割合が{min_share:g}%以上{per_1000}なら「充足」、"
        "それ以外は「手薄」です。詳しくは docs/coverage.md をご覧ください。",
        "Places: active places of the layer whose registered location lies inside the area. Target population: "
        "people {target} from census small areas (町丁), each small area's people spread evenly over its land and "
        "counted by the part inside the area. Within walking radius: the same, for the parts of small areas within "
        "{radius} m in a straight line of a place of the layer (also across the boundary). Classes: none = no place "
        "inside; covered = at least {min_places} places and at least {min_share:g}% within walking radius{per_1000}; "
        "thin = the rest. Full method: docs/coverage.md."),
    "coverage.method_per_1000": ("かつ1,000人あたり{n:g}か所以上（対象人口がわかる場合）", " and at least {n:g} per 1,000 (when known)"),
    "coverage.missing_day": ("{day}({bands})", "{day} ({bands})"),
    "export.yes": ("あり", "yes"),
    "export.fictional_yes": ("架空", "yes"),
    "export.focus_class": ("（{klass}）", " ({klass})"),
    "meeting.north_up": ("上が北", "North is up"),
    "meeting.north": ("北", "N"),
    "meeting.map": ("地図", "Map"),
}

# Reasons geo/ gives with its results (codes with parameters; see Msg).
_REASONS: Table = {
    "coverage.reason.no_place": ("区域内に場所がありません", "No place inside the area"),
    "coverage.reason.few_places": ("場所が{places}か所（充足は{need}か所以上）", "{places} place(s) (covered needs {need}+)"),
    "coverage.reason.share_low": ("徒歩圏の割合が{share:.0f}%（充足は{need:.0f}%以上）",
                                  "{share:.0f}% within walking radius (covered needs {need:.0f}%+)"),
    "coverage.reason.share_unknown": ("徒歩圏の割合が不明（充足は{need:.0f}%以上）",
                                      "Share within walking radius unknown (covered needs {need:.0f}%+)"),
    "coverage.reason.per_1000_low": ("1,000人あたり{per_1000:.2f}か所（充足は{need:g}以上）",
                                     "{per_1000:.2f} per 1,000 (covered needs {need:g}+)"),
    "coverage.reason.per_1000_skipped": ("1,000人あたりの基準は対象人口が不明のため使っていません",
                                         "The per-1,000 criterion is skipped: target population unknown"),
    "coverage.note.no_population": ("人口データが登録されていません", "No population data is loaded"),
    "coverage.note.no_populated_block": ("区域内に人口のある町丁がありません", "No populated small area lies in this area"),
    "coverage.note.band_not_loaded": ("{band}の人口が登録されていないため計算できません（全人口のみ）",
                                      "Population {band} is not loaded (total only), so this cannot be computed"),
    "coverage.note.zero_target": ("対象人口が0人です", "The target population is zero"),
    "search.several_matches": ("名前が一致する場所がいくつかあります。下の一覧から選んでください。",
                               "Several places match. Choose one below."),
    "search.nothing_found": ("住所も場所の名前も見つかりませんでした。町名（例：元町1丁目）か場所の名前を入れてください。",
                             "No address or place matched. Try a town name such as 元町1丁目, or a place name."),
    "schedule.ask_directly": ("日程は直接お問い合わせください", "Please ask the place directly for dates"),
}

# Bad input (raised as Invalid(code, **params)); said in the reader's language.
_INVALID: Table = {
    "invalid.flag": ("{name} は 1 か 0 で指定してください", "{name} must be 1 or 0"),
    "invalid.layer": ("場所の種類が不明です：{layers}", "Unknown kind of place: {layers}"),
    "invalid.candidate_layer": ("候補地の一覧が不明です：{layer}", "Unknown candidate layer: {layer}"),
    "invalid.day": ("曜日は 0（月）〜6（日）で指定してください", "The day must be 0 (Monday) to 6 (Sunday)"),
    "invalid.time_band": ("時間帯は {bands} のどれかです", "The time of day must be one of: {bands}"),
    "invalid.target": ("対象は {groups} のどれかです", "The target group must be one of: {groups}"),
    "invalid.query_empty": ("住所か場所の名前を入力してください", "Type an address or a place name"),
    "invalid.query_long": ("{n}文字以内で入力してください", "Use at most {n} characters"),
    "invalid.area_spec": ("区域は ID か「種類:コード」で指定してください（種類：{kinds}）",
                          "The area must be an id or kind:code (kinds: {kinds})"),
    "invalid.area_kind": ("区域の種類が不明です：{kind}", "Unknown area kind: {kind}"),
    "invalid.threshold_name": ("しきい値の名前が不明です：{name}", "Unknown threshold: {name}"),
    "invalid.threshold_number": ("しきい値は数値で指定してください", "Thresholds must be numbers"),
    "invalid.min_places": ("充足に必要な場所数は1以上です", "Places needed for covered must be at least 1"),
    "invalid.min_share": ("徒歩圏の割合は0〜100%です", "The share within walking radius must be 0–100 %"),
    "invalid.min_per_1000": ("1,000人あたりの場所数は0以上です", "Places per 1,000 must be 0 or more"),
    "invalid.share_number": ("徒歩圏の割合は数値で入力してください", "The share must be a number"),
    "invalid.k_range": ("候補の数 k は1〜50です", "The number of sites k must be 1–50"),
    "invalid.k_integer": ("候補の数 k は整数で入力してください", "The number of sites k must be a whole number"),
    "invalid.latlon_range": ("緯度・経度が範囲外です", "Latitude or longitude out of range"),
    "invalid.point_line": ("{n}行目の地点が読めません（緯度,経度）", "Cannot read the point on line {n} (lat,lon)"),
    "invalid.points_outside": ("{points} は{place}の外です。{place}の中の地点を選んでください（地図上の区域の中をクリック）。",
                               "{points}: outside {place}. Choose points inside it (click inside an area on the map)."),
    "invalid.too_many_points": ("地点は{n}か所までです", "At most {n} points"),
    "invalid.no_candidates": ("候補地の一覧を選ぶか、地図をクリックして地点を追加してください",
                              "Choose a candidate layer or click points on the map"),
    "invalid.municipality": ("市区町村コードは5桁か6桁の数字です", "The municipality code has 5 or 6 digits"),
    "invalid.date": ("日付は 2026-11-23 の形で入力してください：{value}", "Dates are written as YYYY-MM-DD: {value}"),
    "invalid.format": ("形式は {formats} のどれかです", "The format must be one of: {formats}"),
    "invalid.paper": ("用紙は {papers} のどれかです", "The paper must be one of: {papers}"),
    "invalid.number": ("{name} は数値で指定してください", "{name} must be a number"),
    "invalid.range": ("{name} が範囲外です（{lo}〜{hi}）", "{name} is out of range ({lo} to {hi})"),
    "invalid.limit": ("limit は 1〜{n} の整数です", "limit must be a whole number from 1 to {n}"),
    "invalid.near": ("near は「緯度,経度」で指定してください", "near must be lat,lon"),
    "invalid.near_or_bbox": ("near=緯度,経度 か bbox=西,南,東,北 を指定してください", "Give near=lat,lon or bbox=w,s,e,n"),
    "invalid.q_or_latlon": ("q=住所か名前 か lat=緯度&lon=経度 を指定してください", "Give q=text or lat=..&lon=.."),
    "invalid.bbox_numbers": ("bbox は 西,南,東,北 の4つの数値です", "bbox needs 4 numbers: west,south,east,north"),
    "invalid.bbox_range": ("bbox が範囲外です", "bbox is out of range"),
    "invalid.bbox_order": ("bbox は 西<東、南<北 です", "bbox must have west < east and south < north"),
    "invalid.area_not_found": ("区域が見つかりません", "Area not found"),
}

# Every message: {key: (ja, en)}; parameters in str.format style ({n}, {name}). Other sections
# (for example the importers' reasons) are dicts of the same shape merged in here.
MESSAGES: Table = {**_COMMON, **_MAP, **_IMPORTS, **_COVERAGE, **_MEETING, **_EXPORT, **_EXTRA_PAGE,
                   **_REASONS, **_INVALID, **PARAM_MESSAGES}

# Geocoding (geo/geocoding: why an address was not placed or placed coarsely, and each repair the
# geocoder made as a note), the municipalities one instance serves (geo/places/served.py) and the
# resident search: reason codes with parameters, 'geocode.<code>', 'geocode.note.<code>', ...
_GEOCODING: Table = {
    # why an address was not placed, or placed coarsely
    "geocode.address_empty": ("住所が空です", "empty address"),
    "geocode.address_withheld": ("住所は非公開です（位置を公開しない場所として登録します）",
                                 "the address is withheld (registered as a place whose location is not public)"),
    "geocode.municipality_unknown": ("市区町村がわかりません", "no municipality in the address and none given"),
    "geocode.municipality_no_data": ("この市区町村の住所データがありません: {name}",
                                     "no gazetteer loaded for {name}"),
    "geocode.municipality_ambiguous": ("市区町村を特定できません: {names}（都道府県を書いてください）",
                                       "ambiguous municipality: {names} (give the prefecture)"),
    "geocode.town_not_found": ("町名が見つかりません: {text}", "town not found: {text}"),
    "geocode.town_ambiguous": ("町名が複数の区にあります: {names}", "the town is in several wards: {names}"),
    "geocode.municipality_point_used": ("町名が見つかりません。市区町村の代表点です: {text}",
                                        "town not found, municipality point used: {text}"),
    "geocode.chome_not_found": ("丁目が見つかりません: {label} — 町の中心で代用",
                                "chome not found: {label} — town centroid used"),
    "geocode.chome_missing": ("丁目がありません。町の中心で代用: {base}",
                              "no chome in the address, town centroid used: {base}"),
    "geocode.town_no_point": ("町の位置がありません: {base}", "town has no point: {base}"),
    # repairs: what the geocoder read differently from what was written
    "geocode.note.cho_omitted": ("「町」を補って照合しました: {town}", "read as {town}, 町 omitted"),
    "geocode.note.iteration_mark": ("漢字の間の「-」を「々」と読みました: {town}",
                                    "read '-' between kanji as 々: {town}"),
    "geocode.note.text_after_town": ("町名の後の文字を無視しました: {text}",
                                     "ignored text after the town name: {text}"),
    "geocode.note.address_municipality_preferred": (
        "住所の市区町村 {city} を優先しました（指定は {given}）",
        "the address names {city}, not the given municipality {given}"),
    "geocode.note.municipality_supplied": ("住所に市区町村がないため {city} として照合しました",
                                           "no municipality in the address; read as {city}"),
    "geocode.note.municipality_from_postcode": ("郵便番号 {postcode} から市区町村 {city} を補いました",
                                                "municipality {city} taken from postcode {postcode}"),
    "geocode.note.municipality_spelling": ("市区町村名の表記ゆれ: {written} → {matched}",
                                           "municipality spelled {written}, read as {matched}"),
    "geocode.note.town_spelling": ("町名の表記ゆれ: {written} → {matched}",
                                   "town spelled {written}, read as {matched}"),
    "geocode.note.former_municipality": ("旧市区町村名 {written} を現在の {current} と読みました",
                                         "former municipality {written} read as today's {current}"),
    "geocode.note.predecessor_data": ("{current} の町名を旧区域 {former} の住所データで照合しました",
                                      "{current}: town matched in the data of the former {former}"),
    "geocode.note.ward_supplied": ("区が書かれていないため {city} として照合しました",
                                   "no ward in the address; read as {city}"),
    "geocode.note.street_directions": ("通り名・上る下るを読み飛ばしました: {text}",
                                       "skipped the street directions: {text}"),
    "geocode.note.stray_character": ("名前の中の余分な記号を取り除きました: {text}",
                                     "removed a stray symbol inside a name: {text}"),
    "geocode.note.katakana_numeral": ("カタカナを漢数字と読みました: {written} → {read}",
                                      "read katakana as a kanji numeral: {written} → {read}"),
    "geocode.note.district_word": ("地域自治区の「区」を除いて照合しました: {text}",
                                   "matched without the district word: {text}"),
    "geocode.note.address_withheld": ("住所が非公開のため、位置を公開しない場所として登録しました: {address}",
                                      "the address is withheld; registered with its location not public: {address}"),
    "geocode.note.postcode_ignored": ("郵便番号を読み飛ばしました: {postcode}", "skipped the postcode {postcode}"),
    # municipalities one instance serves (geo/places/served.py)
    "served.code_invalid": ("団体コードとして読めません: {value}（5桁、または検査数字つき6桁）",
                            "not a municipality code: {value} (5 digits, or 6 with the check digit)"),
    "served.code_check_digit": ("団体コード {value} の検査数字が違います（{right} のはず）",
                                "the check digit of {value} is wrong (should be {right})"),
    "served.code_unknown": ("この団体コードの市区町村はありません: {value}", "no municipality has the code {value}"),
    "served.area_kind_unknown": ("区域の種類が不明です: {kinds}（使えるもの: {known}）",
                                 "unknown area kind: {kinds} (known: {known})"),
    "served.layer_unknown": ("場所の種類が不明です: {layer}（使えるもの: {known}）",
                             "unknown place layer: {layer} (known: {known})"),
    "served.choose": ("市区町村", "Municipality"),
    "served.all": ("すべての市区町村", "All municipalities"),
    # resident search
    "search.nothing_near": ("この近くに登録された場所はありません", "No places are registered near here"),
    "search.postcode_unknown": ("郵便番号 {postcode} が見つかりません", "Postcode {postcode} not found"),
}

MESSAGES.update(_GEOCODING)


# --------------------------------------------------------------------------- codes with parameters
class Term(NamedTuple):
    """A parameter that is itself a code (or codes) of a vocabulary: rendered as its label(s)."""
    vocab: str
    code: Any

    def render(self, lang: str | None) -> str:
        if isinstance(self.code, (list, tuple)):
            return text("band_sep" if self.vocab == "time_band" else "list_sep", lang).join(
                label(self.vocab, c, lang) for c in self.code)
        return label(self.vocab, self.code, lang)


class Msg(NamedTuple):
    """A message code and its parameters: what geo/ returns instead of a sentence."""
    key: str
    params: dict = {}

    def text(self, lang: str | None = "ja") -> str:
        return text(self.key, lang, **self.params)


class Invalid(ValueError):
    """Bad input, as a message code with parameters (a ValueError, so callers that catch
    ValueError keep working). str() is the Japanese text; web/ says it in the reader's language."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(text(code, "ja", **params))

    @property
    def msg(self) -> Msg:
        return Msg(self.code, self.params)

    def text(self, lang: str | None = "ja") -> str:
        return text(self.code, lang, **self.params)


def message(exc: BaseException, lang: str | None = "ja") -> str:
    """The text of an error for a person: Invalid in `lang`, anything else as it says itself."""
    return exc.text(lang) if isinstance(exc, Invalid) else str(exc)


# --------------------------------------------------------------------------- lookups
def _lang_index(lang: str | None) -> int:
    return 1 if lang == "en" else 0


def _table(vocab: str) -> Table:
    if vocab == "layer":
        import layers

        return {layer.id: (layer.name_ja, layer.name_en) for layer in layers.registry().values()}
    if vocab == "area_kind":
        import layers

        return {**VOCABULARIES["area_kind"],
                **{layer.id: (layer.name_ja, layer.name_en) for layer in layers.area_layers()}}
    return VOCABULARIES[vocab]


def codes(vocab: str) -> tuple[str, ...]:
    return tuple(_table(vocab))


def label(vocab: str, code, lang: str | None = "ja") -> str:
    """The label of `code` in `vocab`; the code itself when the vocabulary does not know it."""
    table = _table(vocab)
    entry = table.get(code)
    if entry is None and code is not None and not isinstance(code, str):
        entry = table.get(str(code))
    if entry is None:
        return "" if code is None else str(code)
    return entry[_lang_index(lang)] or entry[0]


def labels(vocab: str, lang: str | None = "ja") -> dict[str, str]:
    i = _lang_index(lang)
    return {code: entry[i] or entry[0] for code, entry in _table(vocab).items()}


def band_label(band: str, lang: str | None = "ja", hours: bool = False) -> str:
    """A time band's label, with its hours when asked (menus): 午前（〜12時）."""
    name = label("time_band", band, lang)
    if not hours:
        return name
    return text("band_with_hours", lang, band=name, hours=label("time_band_hours", band, lang))


def text(key: str, lang: str | None = "ja", **params) -> str:
    """A message by key, with parameters filled in; the key itself when it is unknown.
    A parameter that is a Term (or Msg) is said in the same language."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    template = entry[_lang_index(lang)]   # '' is a real translation (a counter English does without)
    if not params:
        return template
    def say(v):
        if isinstance(v, Term):
            return v.render(lang)
        if isinstance(v, Msg):
            return v.text(lang)
        if isinstance(v, list) and v and all(isinstance(x, Msg) for x in v):   # several messages: a list
            return text("band_sep", lang).join(x.text(lang) for x in v)
        return v
    said = {k: say(v) for k, v in params.items()}
    return template.format(**said)


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


# --------------------------------------------------------------------------- accounts and editing (#11)
# Kept in its own table (merged below) so that other changes to MESSAGES do not collide with it.
_ACCOUNTS: Table = {
    # login and access
    "auth_login_required": ("ログインしてください", "Please log in"),
    "auth_login_failed": ("メールアドレスまたはパスワードが違います", "The email address or password is not correct"),
    "auth_throttled": ("ログインの失敗が続いたため、しばらくログインできません。{minutes}分ほど待ってからもう一度お試しください",
                       "Too many failed logins. Please wait about {minutes} minutes and try again"),
    "auth_csrf_failed": ("画面の有効期限が切れたか、正しくない送信です。ページを開き直してからもう一度送ってください",
                         "The form expired or the request was not valid (CSRF). Reload the page and send it again"),
    "auth_forbidden_role": ("この操作をする権限がありません", "Your role does not allow this"),
    "auth_forbidden_municipality": ("担当の市区町村ではないため開けません",
                                    "This belongs to a municipality you are not assigned to"),
    "auth_not_found": ("見つかりません", "Not found"),
    # roles
    "role_admin": ("管理者", "Administrator"),
    "role_coordinator": ("コーディネーター", "Coordinator"),
    "role_viewer": ("閲覧のみ", "Viewer"),
    "role_admin_help": ("すべての市区町村の場所の編集・取り込み・報告の確認と、利用者の管理ができます",
                        "Everything in every municipality, and managing users"),
    "role_coordinator_help": ("担当の市区町村の場所の登録・編集・終了、取り込み、住民からの報告の確認ができます。非公開の場所の正確な位置も見えます",
                              "Creates, edits and closes places, imports, moderates reports — in the assigned municipalities; sees the exact point of private places there"),
    "role_viewer_help": ("コーディネーター用の画面を見ることができます（変更はできません。非公開の場所の正確な位置は見えません）",
                         "Reads the coordinator pages (no changes; never the exact point of private places)"),
    # account errors
    "account_email_invalid": ("メールアドレスの形が正しくありません", "Not a valid email address"),
    "account_role_invalid": ("役割は admin / coordinator / viewer のどれかです: {role}",
                             "The role must be admin, coordinator or viewer: {role}"),
    "account_password_too_short": ("パスワードは10文字以上にしてください", "The password needs at least 10 characters"),
    "account_password_too_long": ("パスワードが長すぎます（256文字まで）", "The password is too long (256 characters at most)"),
    "account_coordinator_needs_municipality": ("コーディネーターには担当の市区町村（団体コード）が必要です",
                                               "A coordinator needs at least one municipality (code)"),
    "account_email_taken": ("このメールアドレスはすでに登録されています", "This email address is already registered"),
    "account_user_unknown": ("利用者が見つかりません: {email}", "No such user: {email}"),
    "account_municipality_invalid": ("団体コードは5桁か6桁の数字です: {code}", "A municipality code has 5 or 6 digits: {code}"),
    "account_cannot_disable_self": ("自分のアカウントは停止できません", "You cannot disable your own account"),
    # edit errors, beside each field
    "edit_err_required": ("入力してください", "Required"),
    "edit_err_too_long": ("長すぎます", "Too long"),
    "edit_err_invalid": ("正しくない値です", "Not a valid value"),
    "edit_err_invalid_choice": ("選択肢から選んでください", "Choose one of the options"),
    "edit_err_invalid_url": ("http:// か https:// で始まるアドレスを入力してください", "Enter an address starting with http:// or https://"),
    "edit_err_invalid_email": ("メールアドレスの形が正しくありません", "Not a valid email address"),
    "edit_err_invalid_phone": ("電話番号は数字とハイフンで入力してください", "Enter the phone number with digits and hyphens"),
    "edit_err_not_a_count": ("1以上の整数で入力してください", "Enter a whole number, 1 or more"),
    "edit_err_not_a_number": ("数値で入力してください", "Enter a number"),
    "edit_err_out_of_japan": ("日本の範囲外です", "Outside Japan"),
    "edit_err_invalid_code": ("団体コードは5桁か6桁の数字です", "A municipality code has 5 or 6 digits"),
    "edit_err_both_lat_lon": ("緯度と経度の両方を入力してください", "Enter both latitude and longitude"),
    "edit_err_address_or_point": ("住所を入力するか、地図で位置を選んでください", "Enter an address or pick the point on the map"),
    "edit_err_address_not_found": ("住所から位置を決められませんでした。地図で位置を選んでください（{reason}）",
                                   "This address could not be placed. Pick the point on the map ({reason})"),
    "edit_err_unknown_field": ("この項目は変更できません", "Unknown field"),
    "edit_err_not_editable": ("この項目は変更できません", "This field cannot be changed"),
    "edit_err_json_required": ("JSON の本文が必要です", "A JSON body is required"),
    "edit_err_not_revertable": ("この変更は元に戻せません", "This change cannot be reverted"),
    "edit_err_changed_since": ("この変更のあとに同じ項目が変更されているため、元に戻せません（{fields}）",
                               "The same fields were changed again since, so it cannot be reverted ({fields})"),
    "edit_err_already_closed": ("この報告はすでに処理済みです", "This report has already been handled"),
    "edit_precondition_required": ("If-Match ヘッダーで、もとにした版の ETag を指定してください",
                                   "Name the version you edited in the If-Match header (the ETag)"),
    "edit_conflict": ("ほかの人が先にこの場所を変更しました。変更は保存されていません",
                      "Someone changed this place in the meantime. Your change was not saved"),
    # history
    "action_created": ("登録", "Created"),
    "action_updated": ("変更", "Changed"),
    "action_closed": ("終了", "Closed"),
    "action_reopened": ("再開", "Reopened"),
    "action_reverted": ("元に戻す", "Reverted"),
    "action_confirmed": ("変更なしを確認", "Confirmed unchanged"),
    "who_import": ("取り込み #{id}", "Import #{id}"),
    "who_report": ("住民からの報告 #{id}", "Resident report #{id}"),
    "who_system": ("システム", "System"),
    # resident reports
    "report_title_correction": ("情報のまちがいを知らせる", "Report a mistake"),
    "report_title_new": ("ここにある場所を教える", "Tell us about a place"),
    "report_intro": ("地図の情報のまちがいや、載っていない場所を教えてください。担当者が確認してから地図に反映します。",
                     "Tell us about a mistake on the map or a place that is missing. Staff check every report before the map changes."),
    "report_no_personal": ("お名前や住所などの個人の情報は書かないでください。", "Please do not write your name, address or other personal details."),
    "report_what": ("どんなことですか", "What is it about"),
    "report_kind_correction": ("情報がまちがっている", "The information is wrong"),
    "report_kind_closed": ("もう開かれていない", "It no longer takes place"),
    "report_kind_new": ("新しい場所", "A new place"),
    "report_pick_hint": ("わかれば、地図をクリックして場所を選んでください。", "If you can, click the map to show where it is."),
    "report_contact_hint": ("担当者から確認の連絡をしてよい場合だけ、電話かメールを書いてください。確認が終わると消去します。",
                            "Only if staff may contact you to check: a phone number or email. It is erased once the report is handled."),
    "report_send": ("送る", "Send"),
    "report_received": ("ありがとうございます。受け付けました。担当者が確認してから地図に反映します。",
                        "Thank you. Your report was received; staff will check it before the map changes."),
    "report_rate_limited": ("短い時間に多くの報告が送られました。しばらくしてからもう一度お試しください",
                            "Too many reports in a short time. Please try again later"),
    "report_too_large": ("報告が大きすぎます", "The report is too large"),
    "report_status_open": ("未確認", "Open"),
    "report_status_approved": ("反映済み", "Approved"),
    "report_status_rejected": ("見送り", "Rejected"),
    # field labels
    "field_layer": ("種類", "Kind of place"),
    "field_name": ("名称", "Name"),
    "field_name_kana": ("よみがな", "Reading (kana)"),
    "field_address": ("住所", "Address"),
    "field_lat": ("緯度", "Latitude"),
    "field_lon": ("経度", "Longitude"),
    "field_point": ("位置", "Point"),
    "field_precision": ("位置の公開", "Location shown"),
    "field_schedule_text": ("日時（自由記述）", "When (free text)"),
    "field_schedule": ("日時（解析結果）", "When (parsed)"),
    "field_target_groups": ("対象", "For"),
    "field_fees": ("参加費", "Fee"),
    "field_free_of_charge": ("無料", "Free of charge"),
    "field_capacity": ("定員", "Capacity"),
    "field_reservation": ("予約について", "Booking"),
    "field_reservation_required": ("予約が必要", "Booking required"),
    "field_drop_in": ("当日参加できる", "Drop in"),
    "field_has_consultation": ("相談窓口あり", "Advice available"),
    "field_barrier_free": ("バリアフリー", "Step-free"),
    "field_phone": ("電話", "Phone"),
    "field_email": ("メール", "Email"),
    "field_url": ("ウェブ", "Web"),
    "field_operator": ("運営", "Run by"),
    "field_operator_type": ("運営の種類", "Kind of operator"),
    "field_status": ("状況", "Status"),
    "field_municipality_code": ("市区町村（団体コード）", "Municipality (code)"),
    "field_valid_from": ("開始日", "Valid from"),
    "field_valid_to": ("終了日", "Valid to"),
    "field_geocode_level": ("位置の一致", "Match level"),
    "field_geocode_matched": ("一致した住所", "Matched address"),
    "field_needs_review": ("要確認", "Needs review"),
    "field_fictional": ("架空のサンプル", "Fictional sample"),
    "field_note": ("メモ", "Note"),
    "field_extra": ("その他", "Other"),
    "field_dataset_id": ("データセット", "Dataset"),
    "field_source_id": ("元データのID", "Source ID"),
    "field_source_row": ("元データの行", "Source row"),
    "field_registered": ("登録団体", "Registered"),
    "field_message": ("内容", "Message"),
    "field_contact": ("連絡先", "Contact"),
    "field_kind": ("種類", "Kind"),
    "field_place_id": ("場所", "Place"),
    "field_change": ("変更", "Change"),
    "field_reason": ("見送る理由", "Reason"),
    "field_submission": ("報告", "Report"),
    "field__": ("入力", "Input"),
    "field_login_email": ("メールアドレス", "Email address"),
    "field_password": ("パスワード", "Password"),
    "field_display_name": ("表示名", "Display name"),
    "field_role": ("役割", "Role"),
    "field_municipalities": ("担当の市区町村（団体コード、空白区切り）", "Municipalities (codes, space separated)"),
    "field_fields": ("項目", "Fields"),
    "field_website": ("ウェブサイト", "Website"),
    # screens
    "ui_skip_to_content": ("本文へ移動", "Skip to content"),
    "ui_manage_menu": ("コーディネーター用メニュー", "Coordinator menu"),
    "ui_manage": ("コーディネーター", "Coordinators"),
    "ui_dashboard": ("確認が必要なもの", "To check"),
    "ui_places": ("場所の一覧・編集", "Places"),
    "ui_reports": ("住民からの報告", "Resident reports"),
    "ui_report": ("報告", "Report"),
    "ui_users": ("利用者", "Users"),
    "ui_signed_in_as": ("{name} さん", "Signed in as {name}"),
    "ui_login": ("ログイン", "Log in"),
    "ui_login_intro": ("コーディネーター・社協の担当者の方のページです。", "For coordinators and council staff."),
    "ui_logout": ("ログアウト", "Log out"),
    "ui_back": ("もどる", "Back"),
    "ui_new_place": ("場所を登録する", "Add a place"),
    "ui_open_reports": ("未確認の報告 {n}件", "{n} open reports"),
    "ui_stale_threshold": ("確認していない期間（月）", "Not confirmed for (months)"),
    "ui_stale_places": ("{months}か月以上確認していない場所 {n}件", "{n} places not confirmed for {months} months or more"),
    "ui_show": ("表示", "Show"),
    "ui_municipality": ("市区町村", "Municipality"),
    "ui_unknown_municipality": ("（市区町村不明）", "(municipality unknown)"),
    "ui_none": ("ありません", "None"),
    "ui_confirmed": ("最終確認", "Last checked"),
    "ui_confirm_unchanged": ("変更なしを確認", "Confirm unchanged"),
    "ui_search": ("さがす", "Search"),
    "ui_saved": ("保存しました", "Saved"),
    "ui_reverted": ("変更を元に戻しました", "The change was reverted"),
    "ui_form_has_errors": ("{n}か所に問題があります。各項目の横の説明を見てください", "{n} fields need attention: see the notes beside them"),
    "ui_conflict_help": ("下の表で、あなたの入力と今の内容を比べてください。フォームにはあなたの入力が残っています。確かめてから、もう一度保存してください。",
                         "Compare your version with the current one below. The form still holds what you typed; check it and save again."),
    "ui_field": ("項目", "Field"),
    "ui_your_version": ("あなたの入力", "Your version"),
    "ui_current_version": ("今の内容", "Current version"),
    "ui_public_page": ("公開ページを見る", "See the public page"),
    "ui_location": ("位置", "Location"),
    "ui_no_point": ("位置なし", "No point"),
    "ui_match_level": ("一致", "Match"),
    "ui_location_blurred": ("（公開用のおおよその位置。正確な位置は担当のコーディネーターだけが見られます）",
                            "(the public, approximate location; only the municipality's coordinators see the exact one)"),
    "ui_basics": ("基本", "Basics"),
    "ui_address_hint": ("保存するときに住所から位置を決めます。決められないときは地図で選んでください。",
                        "The point is found from the address when saved; if it cannot be, pick it on the map."),
    "ui_pick_hint": ("地図をクリックすると、その場所を位置にします（住所より優先）。", "Click the map to use that point (it takes precedence over the address)."),
    "ui_pick_map": ("位置を選ぶ地図", "Map to pick the point"),
    "ui_when": ("日時・参加", "When and how to join"),
    "ui_schedule_hint": ("例：毎月第2火曜日 10:00～12:00", "e.g. 毎月第2火曜日 10:00～12:00"),
    "ui_contact_operator": ("連絡先・運営", "Contact and operator"),
    "ui_required": ("必須", "required"),
    "ui_not_set": ("（未設定）", "(not set)"),
    "ui_not_sure": ("わからない", "Not sure"),
    "ui_optional": ("任意", "optional"),
    "ui_save": ("保存する", "Save"),
    "ui_yes": ("はい", "Yes"),
    "ui_no": ("いいえ", "No"),
    "ui_history": ("変更の履歴", "History"),
    "ui_when_changed": ("日時", "When"),
    "ui_action": ("内容", "What"),
    "ui_who": ("だれが", "Who"),
    "ui_changes": ("変わった項目（前 → 後）", "Fields (before → after)"),
    "ui_revert": ("この変更を元に戻す", "Revert this change"),
    "ui_place": ("場所", "Place"),
    "ui_received": ("受付", "Received"),
    "ui_reports_intro": ("担当の市区町村の未確認の報告です。反映するまで地図には出ません。",
                         "Open reports in your municipalities. Nothing is on the map until approved."),
    "ui_approve": ("反映する", "Approve"),
    "ui_reject": ("見送る", "Reject"),
    "ui_approve_new_help": ("内容を確かめ、必要なら直してから反映してください。", "Check the details, correct them if needed, then approve."),
    "ui_layer_default": ("種類の標準", "The layer's default"),
    "ui_add_user": ("利用者を追加", "Add a user"),
    "ui_active": ("有効", "Active"),
    "ui_disabled": ("停止中", "Disabled"),
    "ui_disable": ("停止する", "Disable"),
    "ui_enable": ("有効にする", "Enable"),
    "ui_set_password": ("パスワードを設定", "Set password"),
    "ui_roles": ("役割でできること", "What each role may do"),
    "status_active": ("活動中", "Active"),
    "status_paused": ("休止中", "Paused"),
    "status_closed": ("終了", "Closed"),
    "confirmed_on": ("{date}に確認", "Checked in {date}"),
    # importing from the browser
    "import_title": ("ファイルから取り込む", "Import a file"),
    "import_file": ("場所の一覧（CSV、{mb}MBまで）", "List of places (CSV, up to {mb} MB)"),
    "import_check": ("確認する（まだ書き込みません）", "Check it (nothing is written yet)"),
    "import_apply": ("この内容で取り込む", "Apply this import"),
    "import_geocode": ("座標のない行は住所から位置を推定する", "Place rows without coordinates from their address"),
    "import_close_missing": ("ファイルにない場所を終了にする", "Close places that are not in the file"),
    "import_from_file": ("（ファイルから判断）", "(from the file)"),
    "import_dry_run_title": ("確認結果: {name}", "Dry run: {name}"),
    "import_nothing_written": ("まだ何も書き込んでいません。内容を確かめてから「この内容で取り込む」を押してください。",
                               "Nothing has been written yet. Check the result, then press Apply."),
    "import_would_close": ("終了になる", "Would close"),
    "import_rejected_rows": ("取り込めない行", "Rows that cannot be imported"),
    "import_geocoding": ("住所からの位置推定（一致の細かさ）", "Geocoding (match levels)"),
    "import_missing": ("前回あって今回のファイルにない場所 {n}件", "{n} places in the database but not in this file"),
    "import_will_close": ("取り込むと終了になります（削除はしません）", "Applying closes them (they are not deleted)"),
    "import_will_keep": ("そのまま残ります", "They are kept as they are"),
    "import_too_large": ("ファイルが大きすぎます（{mb}MBまで）", "The file is too large ({mb} MB at most)"),
    "import_no_file": ("ファイルを選んでください", "Choose a file"),
    "import_refused_type": ("この形式のファイルは取り込めません（{suffix}）。CSV ファイルを選んでください",
                            "This kind of file cannot be imported ({suffix}). Choose a CSV file"),
    "import_expired": ("確認結果の有効期限が切れました。もう一度ファイルを選んでください",
                       "The checked file is no longer available. Please upload it again"),
    "import_outside_scope": ("担当ではない市区町村の場所が含まれるため、取り込みませんでした（{codes}）",
                             "Not imported: the file has places in municipalities you are not assigned to ({codes})"),
    "import_failed": ("取り込めませんでした（書き込みなし）", "The import failed (nothing written)"),
}
for _k, _v in _ACCOUNTS.items():
    MESSAGES.setdefault(_k, _v)
# ----------------------------------------------------------------------------- resident dates (geo.places.search)
# Day groups and named dates of the resident filters, and what a chosen date says.
VOCABULARIES["day_group"] = {
    "weekdays": ("平日", "Weekdays"),
    "weekend": ("土日", "Weekends"),
}
VOCABULARIES["date_choice"] = {
    "today": ("今日", "Today"),
    "tomorrow": ("明日", "Tomorrow"),
    "sat": ("今週の土曜", "This Saturday"),
    "sun": ("今週の日曜", "This Sunday"),
}
_RESIDENT_DATES: Table = {
    "search.date_none": ("{date}は開催なし（次回 {next}）", "Nothing on {date} (next: {next})"),
    "search.date_none_no_next": ("{date}は開催なし", "Nothing on {date}"),
    "search.date_open": ("{date}に開かれる場所", "Open on {date}"),
    "filter_date": ("日付", "Date"),
    "date_pick": ("日付を選ぶ", "Pick a date"),
    "date_choice_with_day": ("{choice}（{date}）", "{choice} ({date})"),
}
MESSAGES.update(_RESIDENT_DATES)

# The printed list (/list): a 社協 handout for one area.
_HANDOUT: Table = {
    "list_area_unknown": ("その区域は見つかりませんでした。下の一覧から区域を選んでください。",
                          "That area was not found. Choose an area from the list below."),
    "list_help_heading": ("相談先", "Where to ask for help"),
    "list_help_intro": ("困りごとの相談は、まずここへ電話してください。", "For any worry, call here first."),
    "list_map_heading": ("地図", "Map"),
    "list_map_alt": ("{area}の地図。丸や四角の中の番号は、下の一覧の番号です。",
                     "Map of {area}. The numbers on the markers are the numbers in the list below."),
    "list_map_note": ("番号は一覧の番号です。位置を公開していない場所は地図にのりません。",
                      "Numbers match the list. Places whose location is not public are not on the map."),
    "list_qr_title": ("この一覧のページ（最新の情報）", "This list online (latest information)"),
    "list_qr_caption": ("最新の情報はこちら", "Latest information"),
    "list_contact": ("連絡先", "Contact"),
    "list_next": ("次回", "Next"),
    "list_not_on_map": ("地図にはのっていません", "Not on the map"),
    "list_size_large": ("大きな文字（18ポイント）で印刷", "Print in large type (18 pt)"),
    "list_size_normal": ("ふつうの文字（15ポイント）で印刷", "Print in normal type (15 pt)"),
    "list_number": ("番号", "No."),
    "list_count_on_map": ("{n}件（地図に{m}件）", "{n} places ({m} on the map)"),
    "list_may_change": ("（日程が変わる場合があります）", " (dates may change)"),
    "skip_to_list": ("一覧へ移動", "Skip to the list"),
    "skip_to_content": ("本文へ移動", "Skip to the content"),
    "label_value": ("{label}：{value}", "{label}: {value}"),
}
MESSAGES.update(_HANDOUT)
# --- serving: notices when the database cannot be reached, health, aggregate map (issue #14) ---
SERVING_MESSAGES: Table = {
    "db_unavailable_title": ("ただいま表示できません", "Temporarily unavailable"),
    "db_unavailable": (
        "データベースに接続できないため、いまは表示できません。しばらくしてからもう一度お試しください。"
        "登録された情報は失われていません。",
        "The database cannot be reached right now, so this page cannot be shown. Please try again in a "
        "moment. Nothing that was saved has been lost.",
    ),
    "db_unavailable_api": (
        "データベースに接続できません。{seconds}秒後にもう一度お試しください。",
        "The database cannot be reached. Please retry in {seconds} seconds.",
    ),
    "retry": ("もう一度読み込む", "Reload"),
    "aggregate_hint": (
        "場所が多いため、区画ごとの件数で表示しています。拡大すると一つひとつの場所が見えます。",
        "There are many places here, so the map shows how many are in each square. Zoom in to see each place.",
    ),
    "aggregate_too_wide": ("範囲が広すぎます（この縮尺ではタイル{max_tiles}枚まで）。地図を拡大してください",
                           "The box is too wide at this zoom (at most {max_tiles} tiles): zoom in"),
}
MESSAGES.update(SERVING_MESSAGES)
