"""Coordinator pages: import runs with every rejected row, geocoding flags and missing places."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from geo.storage.models import Dataset, ImportRun
from geo.vocab import text as vocab_text
from geo.places.schedule import format_date_ja
from web import db_session
from web.i18n import current_lang, t

bp = Blueprint("coordinator", __name__)

# Screen texts of these pages, Japanese first.
TEXTS: dict[str, dict[str, str]] = {
    "file": {"ja": "ファイル", "en": "File"},
    "status": {"ja": "状態", "en": "Status"},
    "when": {"ja": "日時", "en": "When"},
    "kind": {"ja": "種類", "en": "Kind"},
    "none_yet": {"ja": "まだ取り込みはありません", "en": "No imports yet"},
    "applied": {"ja": "取り込み済み", "en": "Applied"},
    "dry_run": {"ja": "確認のみ（書き込みなし）", "en": "Dry run (nothing written)"},
    "failed": {"ja": "失敗（書き込みなし）", "en": "Failed (nothing written)"},
    "places": {"ja": "場所", "en": "Places"},
    "areas": {"ja": "区域", "en": "Areas"},
    "population": {"ja": "人口", "en": "Population"},
    "no_point": {"ja": "位置なし", "en": "No point"},
    "needs_review": {"ja": "要確認", "en": "Needs review"},
    "missing": {"ja": "今回なし", "en": "Missing"},
    "flags": {"ja": "確認が必要", "en": "To check"},
    "format": {"ja": "形式", "en": "Format"},
    "encoding": {"ja": "文字コード", "en": "Encoding"},
    "dataset": {"ja": "データセット", "en": "Dataset"},
    "licence": {"ja": "ライセンス", "en": "Licence"},
    "attribution": {"ja": "出典", "en": "Attribution"},
    "row": {"ja": "内容", "en": "Row"},
    "rejected_rows": {"ja": "不採用の行", "en": "Rejected rows"},
    "warnings": {"ja": "注意", "en": "Warnings"},
    "geocoding": {"ja": "住所から位置を推定（ジオコーディング）", "en": "Geocoding (address to location)"},
    "geocoding_off": {"ja": "住所からの位置推定はしていません（--geocode なし）",
                      "en": "Not geocoded (imported without --geocode)"},
    "attempted": {"ja": "対象", "en": "Attempted"},
    "fine": {"ja": "町丁目以上で一致", "en": "Matched at 町丁目 or better"},
    "coarse_placed": {"ja": "粗い位置で配置（要確認）", "en": "Placed at a coarse level (review)"},
    "unplaced": {"ja": "位置を決められず", "en": "Could not be placed"},
    "levels": {"ja": "一致の細かさ", "en": "Match levels"},
    "no_point_title": {"ja": "位置なしで登録した場所（地図に出ません。位置を直してください）",
                       "en": "Places kept without a point (not on the map; please fix)"},
    "needs_review_title": {"ja": "位置が粗い場所（確認してください）",
                           "en": "Places placed at a coarse level (please check)"},
    "missing_title": {"ja": "前回あって今回のファイルにない場所", "en": "In the database but not in this file"},
    "closed_note": {"ja": "終了にしました（--close-missing）", "en": "Closed (--close-missing)"},
    "kept_note": {"ja": "削除していません。終了にするには --close-missing を付けて取り込み直してください",
                  "en": "Not deleted. Re-import with --close-missing to close them"},
    "name": {"ja": "名称", "en": "Name"},
    "address": {"ja": "住所", "en": "Address"},
    "level": {"ja": "一致", "en": "Level"},
    "matched": {"ja": "一致した住所", "en": "Matched"},
    "id": {"ja": "ID", "en": "ID"},
    "more": {"ja": "ほか {n} 件", "en": "{n} more"},
    "back": {"ja": "取り込み履歴へ戻る", "en": "Back to imports"},
    "closed": {"ja": "終了", "en": "Closed"},
    "notes": {"ja": "行ごとの記録", "en": "Row notes"},
}


def tx(key: str) -> str:
    return t(key, table=TEXTS)


def when(ts) -> str:
    if ts is None:
        return ""
    if current_lang() == "en":
        return ts.strftime("%Y-%m-%d %H:%M")
    return f"{format_date_ja(ts.date())} {ts.strftime('%H:%M')}"


def reason(entry) -> str:
    """A rejected row's (or a report entry's) reason in the page's language, from its code and
    parameters (geo.vocab); rows recorded before reasons had codes show their stored text."""
    get = entry.get if isinstance(entry, dict) else (lambda k: getattr(entry, k, None))
    code = get("code")
    if not code:
        return get("reason") or ""
    try:
        return vocab_text(code, current_lang(), **(get("params") or {}))
    except (KeyError, IndexError, ValueError):  # parameters that no longer fit the text: the stored one
        return get("reason") or code


@bp.app_context_processor
def _inject():
    return {"tx": tx, "when": when, "reason": reason}


@bp.get("/imports")
def imports():
    runs = db_session().scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(200)).all()
    return render_template("imports.html", runs=runs)


@bp.get("/imports/<int:run_id>")
def import_run(run_id: int):
    session = db_session()
    run = session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    dataset = session.get(Dataset, run.dataset_id) if run.dataset_id else None
    return render_template("import_run.html", run=run, report=run.report or {}, dataset=dataset)
