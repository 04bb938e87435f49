"""Screen texts, Japanese first, English available. `t(key)` picks the request's language."""
from __future__ import annotations

from flask import g, request

LANGS = ("ja", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "app_title": {"ja": "つながりマップ", "en": "Tsunagari Map"},
    "tagline": {"ja": "近くの集いの場・相談できる場所をさがす地図", "en": "A map of places to go and people to talk to, near home"},
    "fictional_notice": {
        "ja": "このデモの場所はすべて架空のサンプルです。実在の施設ではありません。区域と人口は実際の公開データです。",
        "en": "Every place in this demo is a fictional sample, not a real venue. Areas and population are real open data.",
    },
    "fictional_badge": {"ja": "架空のサンプル", "en": "Fictional sample"},
    "sources": {"ja": "出典", "en": "Sources"},
    "base_map": {"ja": "背景地図", "en": "Base map"},
    "no_base_map": {"ja": "背景地図なし", "en": "No base map"},
    "schedule": {"ja": "日時", "en": "When"},
    "address": {"ja": "場所", "en": "Where"},
    "operator": {"ja": "運営", "en": "Run by"},
    "fees": {"ja": "参加費", "en": "Fee"},
    "reservation": {"ja": "予約", "en": "Booking"},
    "phone": {"ja": "電話", "en": "Phone"},
    "url": {"ja": "ウェブ", "en": "Web"},
    "details": {"ja": "くわしく見る", "en": "Details"},
    "location": {"ja": "位置", "en": "Location"},
    "hidden_places": {"ja": "位置を公開していない場所", "en": "Places whose location is not public"},
    "language_switch": {"ja": "English", "en": "日本語"},
    "imports": {"ja": "取り込み履歴", "en": "Imports"},
    "coverage": {"ja": "空白地域", "en": "Coverage gaps"},
    "meeting": {"ja": "会議用表示", "en": "Meeting mode"},
    "not_found": {"ja": "見つかりません", "en": "Not found"},
    "read": {"ja": "読込", "en": "Read"},
    "new": {"ja": "新規", "en": "New"},
    "updated": {"ja": "更新", "en": "Updated"},
    "unchanged": {"ja": "変更なし", "en": "Unchanged"},
    "rejected": {"ja": "不採用", "en": "Rejected"},
    "line": {"ja": "行", "en": "Line"},
    "reason": {"ja": "理由", "en": "Reason"},
    "skip_to_map": {"ja": "地図へ移動", "en": "Skip to map"},
    "consultation": {"ja": "相談できます", "en": "You can ask for advice here"},
    # resident map, search, place page and printed list
    "skip_to_search": {"ja": "検索へ移動", "en": "Skip to search"},
    "larger_text": {"ja": "文字を大きく", "en": "Larger text"},
    "search_heading": {"ja": "近くの場所をさがす", "en": "Find places near you"},
    "search_label": {"ja": "住所・町名・場所の名前", "en": "Address, town or place name"},
    "search_hint": {"ja": "例：元町1丁目、生駒市北新町、いきいきサロン", "en": "e.g. 元町1丁目, 生駒市北新町, a place name"},
    "search_button": {"ja": "さがす", "en": "Search"},
    "use_location": {"ja": "現在地から探す", "en": "Use my location"},
    "filters": {"ja": "条件でしぼりこむ", "en": "Narrow down"},
    "filter_layers": {"ja": "場所の種類", "en": "Kind of place"},
    "filter_day": {"ja": "曜日", "en": "Day"},
    "filter_time": {"ja": "時間帯", "en": "Time of day"},
    "filter_target": {"ja": "対象", "en": "For"},
    "any": {"ja": "指定なし", "en": "Any"},
    "morning": {"ja": "午前", "en": "Morning"},
    "afternoon": {"ja": "午後", "en": "Afternoon"},
    "evening": {"ja": "夕方・夜", "en": "Evening"},
    "free": {"ja": "無料", "en": "Free of charge"},
    "no_reservation": {"ja": "予約なしで行ける", "en": "No booking needed"},
    "has_consultation": {"ja": "相談窓口あり", "en": "Advice available"},
    "filters_apply_map": {"ja": "条件は地図の表示にも使われます。", "en": "The conditions also apply to the map."},
    "results": {"ja": "近くの場所", "en": "Places nearby"},
    "help_heading": {"ja": "相談するなら", "en": "Where to ask for help"},
    "help_intro": {"ja": "どこに相談すればよいかわからないときは、ここに電話してください。",
                   "en": "If you are not sure whom to ask, call here."},
    "print_list": {"ja": "印刷用の一覧（大きな文字）", "en": "Printable list (large print)"},
    "print_lists": {"ja": "紙の一覧を印刷する", "en": "Print a list on paper"},
    "print": {"ja": "印刷する", "en": "Print"},
    "back_to_map": {"ja": "地図にもどる", "en": "Back to the map"},
    "map": {"ja": "地図", "en": "Map"},
    "name_kana": {"ja": "よみがな", "en": "Reading"},
    "target_groups": {"ja": "対象", "en": "For"},
    "capacity": {"ja": "定員", "en": "Capacity"},
    "drop_in": {"ja": "当日参加", "en": "Drop in"},
    "barrier_free": {"ja": "バリアフリー", "en": "Step-free"},
    "email": {"ja": "メール", "en": "Email"},
    "operator_type": {"ja": "運営の種類", "en": "Kind of operator"},
    "status": {"ja": "状況", "en": "Status"},
    "valid_period": {"ja": "期間", "en": "Period"},
    "next_dates": {"ja": "次の日程", "en": "Next dates"},
    "data_source": {"ja": "情報の出典", "en": "Source of this information"},
    "updated_at": {"ja": "更新日", "en": "Updated"},
    "yes": {"ja": "はい", "en": "Yes"},
    "no": {"ja": "いいえ", "en": "No"},
    "required": {"ja": "必要", "en": "Required"},
    "not_required": {"ja": "不要", "en": "Not needed"},
    "list_title": {"ja": "場所の一覧", "en": "List of places"},
    "list_choose": {"ja": "一覧を印刷する区域を選んでください", "en": "Choose an area to print its list"},
    "list_empty": {"ja": "この区域には登録された場所がありません。", "en": "No places are listed in this area."},
    "list_printed": {"ja": "印刷日", "en": "Printed"},
    "elementary": {"ja": "小学校区", "en": "Elementary school district"},
    "junior_high": {"ja": "中学校区", "en": "Junior high school district"},
    "catchment": {"ja": "相談窓口の担当地域", "en": "Support desk area"},
    "status_active": {"ja": "活動中", "en": "Active"},
    "status_paused": {"ja": "休止中", "en": "Paused"},
    "status_closed": {"ja": "終了", "en": "Closed"},
}


def current_lang() -> str:
    lang = getattr(g, "lang", None)
    if lang:
        return lang
    lang = request.args.get("lang") or request.cookies.get("lang") or "ja"
    g.lang = lang if lang in LANGS else "ja"
    return g.lang


def t(key: str, lang: str | None = None, table: dict[str, dict[str, str]] | None = None) -> str:
    """The text for `key` in the request's language (or `lang`), from MESSAGES or a page's own
    `table` of the same {key: {"ja": ..., "en": ...}} shape; Japanese when English is missing."""
    entry = (MESSAGES if table is None else table).get(key)
    if entry is None:
        return key
    return entry.get(lang or current_lang()) or entry["ja"]
