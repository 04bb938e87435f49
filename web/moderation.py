"""Resident reports: the public forms (/report), POST /api/submissions, and the moderation queue
(/manage/reports) where a coordinator approves (creating or changing the place) or rejects."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

import layers
from geo.editing import service, submissions
from geo.places import queries
from geo.places.privacy import editor_place, public_place
from geo.storage.models import Place
from web import db_session, maps
from web.auth import client_key, current_scope, refuse, require, tv
from web.edit import _form_context, error_messages
from web.i18n import current_lang

bp = Blueprint("moderation", __name__)

MAX_BODY = 16 * 1024   # a report is small; anything bigger is refused (413)


def _submit(data: dict):
    """(status, body) for a report, shared by the JSON API and the plain form."""
    s = db_session()
    try:
        sub = submissions.submit(s, data, client_key())
    except submissions.RateLimited:
        s.rollback()
        return 429, {"error": tv("report_rate_limited"), "code": "rate_limited"}
    except submissions.SubmissionInvalid as exc:
        s.rollback()
        return 422, {"errors": error_messages(exc.errors), "codes": exc.errors}
    s.commit()
    return 202, {"status": "received", "message": tv("report_received"), "id": sub.id if sub else None}


@bp.post("/api/submissions")
def api_submit():
    """A resident's report (JSON). No login and no CSRF token: it acts for no one. 202 when stored;
    nothing is public until a coordinator approves it."""
    if (request.content_length or 0) > MAX_BODY:
        return jsonify({"error": tv("report_too_large"), "code": "too_large"}), 413
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"errors": {"_": tv("edit_err_json_required")}, "codes": {"_": "json_required"}}), 422
    status, body = _submit(data)
    if body.get("id") is not None:
        body["id"] = None   # the id is for coordinators; the resident gets a receipt, not a handle
    return jsonify(body), status


def _report_page(kind: str, place=None, errors=None, values=None, status=200, done=False):
    lang = current_lang()
    return render_template("report_form.html", kind=kind, place=public_place(place) if place else None,
                           errors=errors or {}, values=values or {}, done=done,
                           place_layers=[(l.id, l.name(lang)) for l in layers.place_layers()],
                           pick_config=maps.pick_config(db_session(), lang),
                           attributions=queries.attributions(db_session())), status


@bp.get("/report")
def report_form():
    """「情報のまちがいを知らせる」 (?place=ID) or 「ここにある場所を教える」 (no place)."""
    pid = request.args.get("place", "")
    if pid:
        place = db_session().get(Place, int(pid)) if pid.isdigit() else None
        if place is None:
            return refuse(404, "not_found")
        return _report_page("correction", place)
    return _report_page("new")


@bp.post("/report")
def report_submit():
    form = request.form
    kind = form.get("kind", "")
    fields = {}
    for key in ("name", "address", "schedule_text", "layer", "lat", "lon"):
        if form.get(key):
            fields[key] = form.get(key)
    data = {"kind": kind, "message": form.get("message") or None, "contact": form.get("contact") or None,
            "website": form.get("website") or None, "fields": fields}
    place = None
    if form.get("place_id", "").isdigit():
        data["place_id"] = int(form["place_id"])
        place = db_session().get(Place, data["place_id"])
    status, body = _submit(data)
    page_kind = "new" if kind == "new" else "correction"
    if status == 202:
        return _report_page(page_kind, place, done=True, status=202)
    if status == 429:
        return _report_page(page_kind, place, errors={"_": body["error"]}, values=form, status=429)
    return _report_page(page_kind, place, errors=body["errors"], values=form, status=422)


# --------------------------------------------------------------------------- moderation queue
@bp.get("/manage/reports")
@require()
def queue():
    s = db_session()
    rows = submissions.open_reports(s, current_scope())
    places = {r.place_id: s.get(Place, r.place_id) for r in rows if r.place_id}
    return render_template("moderation_queue.html", rows=rows, places=places)


def _moderation_page(sub, place, values, errors=None):
    context = _form_context(values=values, mode="approve", errors=errors)
    context.update(sub=sub, place=place, place_view=editor_place(place, current_scope()) if place else None)
    return render_template("moderation_report.html", **context)


@bp.get("/manage/reports/<int:submission_id>")
@require()
def report_page(submission_id: int):
    s = db_session()
    sub = submissions.get(s, current_scope(), submission_id)
    place = s.get(Place, sub.place_id) if sub.place_id else None
    values = dict(sub.payload or {})
    values.setdefault("municipality_code", sub.municipality_code or (sorted(current_scope().municipalities) or [""])[0])
    return _moderation_page(sub, place, values)


@bp.post("/manage/reports/<int:submission_id>/approve")
@require(write=True)
def approve(submission_id: int):
    s = db_session()
    form = request.form
    edits = {}
    for key in ("layer", "name", "address", "schedule_text", "precision", "municipality_code"):
        if form.get(key):
            edits[key] = form.get(key)
    if form.get("lat") and form.get("lon"):
        edits["lat"], edits["lon"] = form.get("lat"), form.get("lon")
    try:
        sub = submissions.approve(s, current_scope(), submission_id, edits)
    except service.Invalid as exc:
        s.rollback()
        sub = submissions.get(s, current_scope(), submission_id)
        place = s.get(Place, sub.place_id) if sub.place_id else None
        return _moderation_page(sub, place, {**(sub.payload or {}), **edits},
                                error_messages(exc.errors, exc.params)), 422
    s.commit()
    return redirect(url_for("edit.place_page", place_id=sub.result_place_id, saved=1))


@bp.post("/manage/reports/<int:submission_id>/reject")
@require(write=True)
def reject(submission_id: int):
    s = db_session()
    try:
        submissions.reject(s, current_scope(), submission_id, request.form.get("reason"))
    except service.Invalid as exc:
        s.rollback()
        return render_template("auth_refused.html", message=error_messages(exc.errors).get(
            "reason") or error_messages(exc.errors).get("submission"),
            back=url_for("moderation.report_page", submission_id=submission_id)), 422
    s.commit()
    return redirect(url_for("moderation.queue"))
