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
}


def current_lang() -> str:
    lang = getattr(g, "lang", None)
    if lang:
        return lang
    lang = request.args.get("lang") or request.cookies.get("lang") or "ja"
    g.lang = lang if lang in LANGS else "ja"
    return g.lang


def t(key: str, lang: str | None = None) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    return entry.get(lang or current_lang()) or entry["ja"]
