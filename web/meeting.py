"""協議体 meeting mode (/meeting): projector view, then-and-now, exports.

Thin views: the request becomes a geo.render.exports.ExportView (the permalink's parameters), and
geo.analysis.meeting / geo.render.exports do the work. Places leave only through geo.places.privacy.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from geo.render import exports
from geo.analysis import meeting
from geo.places import queries, served
from geo.places.schedule import format_date_ja
from geo.vocab import COVERAGE_CLASSES
from web import db_session, maps, params
from web.i18n import band_label, current_lang, js_texts, label, labels, t
from geo import clock

bp = Blueprint("meeting", __name__)

# Texts: geo/vocab.py (keys "meeting.*"; the script gets them through js_texts).


def _view() -> exports.ExportView:
    view = params.export_view()
    view.lang = current_lang()
    return view


def _date_text(d: dt.date, lang: str) -> str:
    return format_date_ja(d) if lang != "en" else f"{label('weekday', d.weekday(), 'en')} {d.isoformat()}"


@bp.get("/meeting")
@bp.get("/m/<muni>/meeting")
def meeting_page(muni: str | None = None):
    session = db_session()
    lang = current_lang()
    view = _view()
    kinds = meeting.area_kinds_present(session, view.municipality)
    if view.kind not in kinds and kinds:
        view.kind = kinds[0]
    config = maps.map_config(lang, bounds=meeting.area_bounds(session, municipality_code=view.municipality), **{
        "text": js_texts("meeting.", lang=lang),
        "bands": {b: band_label(b, hours=True, lang=lang) for b in meeting.BAND_NAMES},
        "weekdays": list(labels("weekday", lang).values()),
        "klass": labels("coverage_class", lang),
        "klass_codes": list(COVERAGE_CLASSES),
        "kinds": [{"id": k, "name": label("area_kind", k, lang)} for k in kinds],
        "data_url": url_for("meeting.meeting_data", muni=view.municipality),
        "profile_url": url_for("meeting.meeting_profile", muni=view.municipality),
        "export_url": url_for("meeting.meeting_export", fmt="FMT", muni=view.municipality),
        "today": clock.today().isoformat(),
    })
    return render_template("meeting.html", config=config, view=view,
                           municipalities=served.served_municipalities(session),
                           date_text=view.date_text() if lang != "en" else _date_text(view.on_date, lang),
                           attributions=queries.attributions(session), fictional=queries.has_fictional(session),
                           fictional_notice=t("fictional_notice", lang))


@bp.get("/meeting/data.json")
@bp.get("/m/<muni>/meeting/data.json")
def meeting_data(muni: str | None = None):
    """Areas, places (public points only) and per-area counts and classes for the view."""
    session = db_session()
    view = _view()
    lang = view.lang
    data = exports.gather(session, view)
    layer_ids = view.layer_ids()
    geo = meeting.areas_collection(session, view.kind, municipality_code=view.municipality)
    counts_now = meeting.area_summaries(session, view.kind, view.on_date, layer_ids,
                                        municipality_code=view.municipality)
    classes_then = None
    if view.then_date and data.coverage_layer:
        classes_then = (meeting.coverage_classes(session, view.kind, [data.coverage_layer], view.then_date,
                                                 view.municipality) or {}).get(data.coverage_layer)
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
@bp.get("/m/<muni>/meeting/profile.json")
def meeting_profile(muni: str | None = None):
    """The focused area's profile: population (or 不明), places by layer, classes, gaps in time."""
    session = db_session()
    view = _view()
    lang = view.lang
    area = meeting.find_area(session, view.kind, view.area_code)
    if area is None:
        return jsonify({"error": t("invalid.area_not_found")}), 404
    prof = meeting.area_profile(session, area, view.on_date, view.layer_ids(), lang, view.place_filter())
    out = prof.to_dict()
    for row in out["layers"]:
        row["places"] = [{"id": p["id"], "name": p["name"], "precision": p["precision"]} for p in row["places"]]
        row["klass_text"] = label("coverage_class", row["klass"], lang) if row["klass"] else None
    out["missing_text"] = meeting.slots_text(prof.missing_slots, lang)
    out["open_text"] = meeting.slots_text(prof.open_slots, lang)
    return jsonify(out)


@bp.get("/meeting/export.<fmt>")
@bp.get("/m/<muni>/meeting/export.<fmt>")
def meeting_export(fmt: str, muni: str | None = None):
    session = db_session()
    view = _view()
    if fmt not in ("pdf", "png", "html", "csv"):
        return jsonify({"error": t("invalid.format", formats="pdf, png, html, csv")}), 404
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
