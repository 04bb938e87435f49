"""協議体 meeting mode (/meeting): projector view, then-and-now, exports.

Thin views: the request becomes a geo.render.exports.ExportView (the permalink's parameters), and
geo.analysis.meeting / geo.render.exports do the work. Places leave only through geo.places.privacy.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, jsonify, render_template, request, url_for

import layers
from geo.render import exports
from geo.analysis import meeting
from geo.places import queries
from geo.places.schedule import WEEKDAYS_EN, WEEKDAYS_JA, format_date_ja
from web import db_session, maps, params
from web.i18n import current_lang, t
from geo import clock

bp = Blueprint("meeting", __name__)

TEXT: dict[str, dict[str, str]] = {
    "page_title": {"ja": "会議用表示", "en": "Meeting mode"},
    "heading": {"ja": "地域の集いの場・相談窓口", "en": "Places to go and people to talk to"},
    "area_kind": {"ja": "区域", "en": "Areas"},
    "layers": {"ja": "表示する場所", "en": "Places shown"},
    "date": {"ja": "基準日", "en": "Date"},
    "then": {"ja": "比較する日（前）", "en": "Compare with (earlier)"},
    "compare": {"ja": "前と今を比べる", "en": "Compare then and now"},
    "weekday": {"ja": "曜日", "en": "Day"},
    "band": {"ja": "時間帯", "en": "Time"},
    "any": {"ja": "すべて", "en": "Any"},
    "consult": {"ja": "相談できる場所だけ", "en": "Consultation only"},
    "coverage_layer": {"ja": "充足度を塗る種類", "en": "Coverage shading for"},
    "none": {"ja": "なし", "en": "None"},
    "focus_hint": {"ja": "区域をクリックすると、その区域に注目します。", "en": "Click an area to focus on it."},
    "clear_focus": {"ja": "全体を表示", "en": "Show all"},
    "population": {"ja": "人口", "en": "Population"},
    "ageing": {"ja": "高齢化率", "en": "Share aged 65+"},
    "unknown": {"ja": "不明", "en": "unknown"},
    "people": {"ja": "人", "en": ""},
    "kasho": {"ja": "か所", "en": ""},
    "places_by_layer": {"ja": "場所の数", "en": "Places"},
    "no_place_open": {"ja": "どの場所も開いていない曜日・時間帯", "en": "Days and times with no place open"},
    "none_missing": {"ja": "なし（毎日どこかが開いています）", "en": "None (something is open every day)"},
    "unknown_times": {"ja": "時間が分からない場所", "en": "Places with unknown times"},
    "coverage_pending": {"ja": "充足度は未計算です", "en": "Coverage not computed"},
    "pop_basis_blocks": {"ja": "町丁別人口の合計", "en": "sum of small areas"},
    "pop_basis_coverage": {"ja": "町丁別人口を面積で按分", "en": "small areas spread by area"},
    "new": {"ja": "新しくできた場所", "en": "New places"},
    "closed": {"ja": "なくなった場所", "en": "Closed places"},
    "unchanged": {"ja": "変わらない場所", "en": "Unchanged places"},
    "class_changes": {"ja": "充足度が変わった区域", "en": "Areas whose coverage class changed"},
    "no_class_changes": {"ja": "充足度が変わった区域はありません", "en": "No area changed coverage class"},
    "export": {"ja": "印刷・配布用", "en": "Print and hand out"},
    "pdf_a4": {"ja": "PDF（A4横）", "en": "PDF (A4 landscape)"},
    "pdf_a3": {"ja": "PDF（A3横）", "en": "PDF (A3 landscape)"},
    "png": {"ja": "画像（PNG）", "en": "Image (PNG)"},
    "html": {"ja": "地図ファイル（HTML・オフライン）", "en": "Map file (HTML, offline)"},
    "csv": {"ja": "場所の一覧（CSV）", "en": "List of places (CSV)"},
    "copy_link": {"ja": "この表示のリンク", "en": "Link to this view"},
    "legend": {"ja": "凡例", "en": "Legend"},
    "approx": {"ja": "破線の枠 = おおよその位置", "en": "Dashed edge = approximate location"},
    "hidden": {"ja": "位置非公開の場所", "en": "Places with hidden location"},
    "controls": {"ja": "設定", "en": "Settings"},
    "area_outline": {"ja": "区域の境界", "en": "Area outline"},
    "map_then": {"ja": "前", "en": "Then"},
    "map_now": {"ja": "今", "en": "Now"},
    "back": {"ja": "通常の地図へ", "en": "Back to the map"},
    "bad_request": {"ja": "指定が正しくありません", "en": "Bad request"},
}
BAND_TEXT = {"morning": {"ja": "午前", "en": "Morning"}, "afternoon": {"ja": "午後", "en": "Afternoon"},
             "evening": {"ja": "夜（17時〜）", "en": "Evening (from 17:00)"}}
KLASS_TEXT = {"空白": {"ja": "空白", "en": "none"}, "手薄": {"ja": "手薄", "en": "thin"},
              "充足": {"ja": "充足", "en": "covered"}}


def texts(lang: str) -> dict[str, str]:
    return {k: (v.get(lang) or v["ja"]) for k, v in TEXT.items()}


def _view() -> exports.ExportView:
    view = params.export_view()
    view.lang = current_lang()
    return view


def _date_text(d: dt.date, lang: str) -> str:
    return format_date_ja(d) if lang != "en" else f"{WEEKDAYS_EN[d.weekday()]} {d.isoformat()}"


@bp.get("/meeting")
def meeting_page():
    session = db_session()
    lang = current_lang()
    view = _view()
    kinds = meeting.area_kinds_present(session)
    if view.kind not in kinds and kinds:
        view.kind = kinds[0]
    reg = layers.registry()
    config = maps.map_config(lang, bounds=meeting.area_bounds(session), **{
        "text": texts(lang),
        "bands": {b: BAND_TEXT[b][lang] for b in meeting.BAND_NAMES},
        "weekdays": list(WEEKDAYS_JA if lang != "en" else WEEKDAYS_EN),
        "klass": {k: v[lang] for k, v in KLASS_TEXT.items()},
        "kinds": [{"id": k, "name": reg[k].name(lang) if k in reg else k} for k in kinds],
        "data_url": url_for("meeting.meeting_data"),
        "profile_url": url_for("meeting.meeting_profile"),
        "export_url": url_for("meeting.meeting_export", fmt="FMT"),
        "today": clock.today().isoformat(),
    })
    return render_template("meeting.html", config=config, text=texts(lang), view=view,
                           date_text=view.date_text() if lang != "en" else _date_text(view.on_date, lang),
                           attributions=queries.attributions(session), fictional=queries.has_fictional(session),
                           fictional_notice=t("fictional_notice", lang))


@bp.get("/meeting/data.json")
def meeting_data():
    """Areas, places (public points only) and per-area counts and classes for the view."""
    session = db_session()
    view = _view()
    lang = view.lang
    data = exports.gather(session, view)
    layer_ids = view.layer_ids()
    geo = meeting.areas_collection(session, view.kind)
    counts_now = meeting.area_summaries(session, view.kind, view.on_date, layer_ids)
    classes_then = None
    if view.then_date and data.coverage_layer:
        classes_then = (meeting.coverage_classes(session, view.kind, [data.coverage_layer], view.then_date)
                        or {}).get(data.coverage_layer)
    klass = {a["id"]: a["klass"] for a in data.areas}
    for f in geo["features"]:
        aid = f["properties"]["id"]
        f["properties"]["counts"] = counts_now.get(aid, {}).get("counts", {})
        f["properties"]["total"] = counts_now.get(aid, {}).get("total", 0)
        f["properties"]["klass"] = klass.get(aid)
        f["properties"]["klass_then"] = classes_then.get(aid) if classes_then else None
    keep = ("id", "layer", "name", "lat", "lon", "precision", "area_id", "area_name", "change", "fictional",
            "schedule_text", "has_consultation")
    places = [{k: p.get(k) for k in keep} for p in data.places]
    out = {
        "kind": view.kind, "on": view.on_date.isoformat(),
        "then": view.then_date.isoformat() if view.then_date else None,
        "date_text": view.date_text() if lang != "en" else _date_text(view.on_date, lang),
        "then_text": _date_text(view.then_date, lang) if view.then_date else None,
        "now_text": _date_text(view.on_date, lang),
        "layers": layer_ids, "coverage_layer": data.coverage_layer,
        "areas": geo, "places": [p for p in places if p["lat"] is not None],
        "hidden": [{"name": p["name"], "layer": p["layer"], "area_name": p["area_name"], "change": p["change"]}
                   for p in places if p["lat"] is None],
        "focus": data.focus.code if data.focus is not None else None,
        "focus_bounds": meeting.area_bounds(session, area_id=data.focus.id) if data.focus is not None else None,
    }
    if data.comparison is not None:
        c = data.comparison
        changes = None
        if c.class_changes is not None:
            changes = [x for x in c.class_changes if x["changed"]]
        out["comparison"] = {"new": len(c.new), "closed": len(c.closed), "unchanged": len(c.unchanged),
                             "class_changes": changes}
    return jsonify(out)


@bp.get("/meeting/profile.json")
def meeting_profile():
    """The focused area's profile: population (or 不明), places by layer, classes, gaps in time."""
    session = db_session()
    view = _view()
    lang = view.lang
    area = meeting.find_area(session, view.kind, view.area_code)
    if area is None:
        return jsonify({"error": "区域が見つかりません (area not found)"}), 404
    prof = meeting.area_profile(session, area, view.on_date, view.layer_ids(), lang, view.place_filter())
    out = prof.to_dict()
    for row in out["layers"]:
        row["places"] = [{"id": p["id"], "name": p["name"], "precision": p["precision"]} for p in row["places"]]
        row["klass_text"] = KLASS_TEXT[row["klass"]][lang] if row["klass"] in KLASS_TEXT else None
    out["missing_text"] = meeting.slots_text(prof.missing_slots, lang)
    out["open_text"] = meeting.slots_text(prof.open_slots, lang)
    return jsonify(out)


@bp.get("/meeting/export.<fmt>")
def meeting_export(fmt: str):
    session = db_session()
    view = _view()
    if fmt not in ("pdf", "png", "html", "csv"):
        return jsonify({"error": "形式は pdf / png / html / csv です (format must be pdf/png/html/csv)"}), 404
    paper = params.choice("paper", list(exports.PAPERS_MM), "A4", args={"paper": request.args.get("paper", "").upper()},
                          label=("用紙", "paper"))
    data = exports.gather(session, view)
    name = exports.filename(view, fmt if fmt != "pdf" else f"{paper}.pdf")
    if fmt == "pdf":
        body, mime = exports.figure_pdf(data, paper), "application/pdf"
    elif fmt == "png":
        body, mime = exports.figure_png(data, paper), "image/png"
    elif fmt == "html":
        tiles = maps.tiles() if request.args.get("tiles") == "1" else None
        html = exports.standalone_html(data, maps.offline_assets(), tile_url=tiles and tiles["url"],
                                       tile_attribution=tiles and tiles["attribution"], tile_source=tiles and tiles["source"])
        body, mime = html.encode("utf-8"), "text/html; charset=utf-8"
    else:
        body, mime = exports.places_csv(data), "text/csv; charset=utf-8"
    disposition = "inline" if fmt in ("pdf", "png") else "attachment"
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"',
                             "Cache-Control": "no-store"})
