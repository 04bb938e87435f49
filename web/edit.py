"""Coordinator pages for places (/manage/...) and the write API (/api/places ...).

Thin: every rule is in geo/editing (validation, history, concurrency) and geo/accounts (scope);
every place leaves through geo/places/privacy.py (`editor_place`, `public_feature`).
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

import layers
from geo import clock, vocab
from geo.accounts.scope import code5
from geo.editing import freshness, history, service, submissions
from geo.editing.fields import PLACE_FIELDS
from geo.editing.history import Actor
from geo.places import queries, search, served
from geo.places.privacy import editor_changes, editor_place
from geo.places.schedule import format_next_en, format_next_ja, parse_schedule
from geo.storage.models import OPERATOR_TYPES, PRECISIONS, STATUSES, TARGET_GROUPS, Place
from web import db_session, maps
from web.auth import current_scope, refuse, require, tv
from web.i18n import current_lang, label

bp = Blueprint("edit", __name__)

BOOL_SELECTS = ("free_of_charge", "reservation_required", "drop_in", "barrier_free")


def error_messages(errors: dict[str, str], params: dict | None = None) -> dict[str, str]:
    """{field: code} -> {field: message} in the request's language (Japanese first)."""
    params = params or {}
    return {f: tv("edit_err_" + code, **params.get(f, {})) for f, code in errors.items()}


def _actor(via: str) -> Actor:
    return Actor(user_id=current_scope().user_id, via=via)


def _place_or_refuse(place_id: int, write: bool = False):
    place = db_session().get(Place, place_id)
    if place is None:
        return None, refuse(404, "not_found")
    scope = current_scope()
    allowed = scope.can_edit(place.municipality_code) if write else scope.can_view(place.municipality_code)
    if not allowed:
        return None, refuse(403, "forbidden_municipality")
    return place, None


def _history_rows(session, place, scope) -> list[dict]:
    rows = []
    for c in history.changes_of(session, place.id):
        rows.append({"id": c.id, "at": c.at.isoformat(), "action": c.action, "via": c.via,
                     "who": history.who(session, c), "reverts_id": c.reverts_id,
                     "submission_id": c.submission_id, "import_run_id": c.import_run_id,
                     "changes": editor_changes(c.changes or {}, place, scope)})
    return rows


# --------------------------------------------------------------------------- JSON API
def _json_body() -> dict | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def _invalid(exc: service.Invalid):
    return jsonify({"errors": error_messages(exc.errors, exc.params), "codes": exc.errors}), 422


def _with_etag(resp, place):
    resp.headers["ETag"] = service.etag(place)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.post("/api/places")
@require(write=True)
def api_create():
    data = _json_body()
    if data is None:
        return jsonify({"errors": {"_": tv("edit_err_json_required")}, "codes": {"_": "json_required"}}), 422
    s = db_session()
    try:
        place = service.create_place(s, current_scope(), data, _actor("api"))
    except service.Invalid as exc:
        s.rollback()
        return _invalid(exc)
    s.commit()
    resp = jsonify(editor_place(place, current_scope()))
    resp.status_code = 201
    resp.headers["Location"] = url_for("api.place", place_id=place.id)
    return _with_etag(resp, place)


@bp.patch("/api/places/<int:place_id>")
@require(write=True)
def api_patch(place_id: int):
    place, refused = _place_or_refuse(place_id, write=True)
    if refused:
        return refused
    if_match = request.headers.get("If-Match")
    if not if_match:
        return jsonify({"error": tv("edit_precondition_required"), "code": "precondition_required"}), 428
    s = db_session()
    expected = service.version_from_etag(if_match) if if_match.strip() != "*" else place.version
    data = _json_body()
    if data is None:
        return jsonify({"errors": {"_": tv("edit_err_json_required")}, "codes": {"_": "json_required"}}), 422
    try:
        place = service.update_place(s, current_scope(), place_id, data, expected if expected is not None else -1,
                                     _actor("api"))
    except service.Conflict as exc:
        s.rollback()
        resp = jsonify({"error": tv("edit_conflict"), "code": "conflict",
                        "current": editor_place(exc.place, current_scope())})
        resp.status_code = 412
        return _with_etag(resp, exc.place)
    except service.Invalid as exc:
        s.rollback()
        return _invalid(exc)
    s.commit()
    return _with_etag(jsonify(editor_place(place, current_scope())), place)


@bp.get("/api/places/<int:place_id>/history")
@require()
def api_history(place_id: int):
    place, refused = _place_or_refuse(place_id)
    if refused:
        return refused
    return jsonify({"place_id": place.id, "changes": _history_rows(db_session(), place, current_scope())})


@bp.post("/api/places/<int:place_id>/history/<int:change_id>/revert")
@require(write=True)
def api_revert(place_id: int, change_id: int):
    place, refused = _place_or_refuse(place_id, write=True)
    if refused:
        return refused
    s = db_session()
    try:
        place, skipped = service.revert_change(s, current_scope(), place_id, change_id, _actor("api"))
    except service.Invalid as exc:
        s.rollback()
        return _invalid(exc)
    s.commit()
    return _with_etag(jsonify({"place": editor_place(place, current_scope()), "skipped": skipped}), place)


@bp.post("/api/places/<int:place_id>/confirm")
@require(write=True)
def api_confirm(place_id: int):
    place, refused = _place_or_refuse(place_id, write=True)
    if refused:
        return refused
    s = db_session()
    place = service.confirm_place(s, current_scope(), place_id, _actor("api"))
    s.commit()
    return _with_etag(jsonify(editor_place(place, current_scope())), place)


@bp.get("/api/schedule/preview")
def api_schedule_preview():
    """The parsed schedule of a free text, as the public page will show it: 「次回 12月8日（火）10:00–12:00」."""
    text = (request.args.get("text") or "")[:1000]
    today = clock.today()
    schedule = parse_schedule(text, today=today) if text.strip() else None
    return jsonify({"next_ja": format_next_ja(schedule, today), "next_en": format_next_en(schedule, today),
                    "next": (format_next_en if current_lang() == "en" else format_next_ja)(schedule, today),
                    "structured": bool(schedule and schedule.get("structured"))})


def wrap_public_place_view(app) -> None:
    """GET /api/places/<id> (web/api.py) also sends the ETag a PATCH names in If-Match; a signed-in
    reader of that municipality gets the coordinator's view (exact point only if they may see it)."""
    original = app.view_functions.get("api.place")
    if original is None:
        return

    def place_with_etag(place_id: int):
        scope = current_scope()
        place = db_session().get(Place, place_id)
        if place is not None and scope.signed_in and scope.can_view(place.municipality_code):
            return _with_etag(jsonify(editor_place(place, scope)), place)
        resp = current_app.make_response(original(place_id=place_id))
        if place is not None and resp.status_code == 200:
            _with_etag(resp, place)
        return resp

    app.view_functions["api.place"] = place_with_etag


# --------------------------------------------------------------------------- pages
def _municipality_choices(scope) -> list[str]:
    if scope.is_admin:
        codes = db_session().scalars(select(func.left(Place.municipality_code, 5)).where(
            Place.municipality_code.is_not(None)).distinct()).all()
        return sorted(set(codes) | set(scope.municipalities))
    return sorted(scope.municipalities)


def _form_context(place=None, values=None, errors=None, conflict=None, mode="edit"):
    scope = current_scope()
    lang = current_lang()
    return {
        "place": place, "values": values or {}, "errors": errors or {}, "conflict": conflict, "mode": mode,
        "place_layers": [(l.id, l.name(lang)) for l in layers.place_layers()],
        "precisions": [(p, vocab.label("precision", p, lang)) for p in PRECISIONS],
        "statuses": [(s, vocab.label("status", s, lang)) for s in STATUSES],
        "operator_types": [(o, vocab.label("operator_type", o, lang)) for o in OPERATOR_TYPES], "target_groups": TARGET_GROUPS, "bool_selects": BOOL_SELECTS,
        "municipalities": _municipality_choices(scope),
        "can_edit": place is None or scope.can_edit(place.municipality_code),
        "pick_config": maps.pick_config(db_session(), lang),
        "attributions": queries.attributions(db_session()),   # the districts on the picking map
    }


def _form_data(form, creating: bool) -> dict:
    data: dict = {}
    for key in ("layer", "name", "name_kana", "address", "precision", "schedule_text", "fees", "capacity",
                "reservation", "phone", "email", "url", "operator", "operator_type", "status"):
        if key in form:
            data[key] = form.get(key)
    for key in BOOL_SELECTS:
        if key in form:
            data[key] = form.get(key)
    data["has_consultation"] = "on" if form.get("has_consultation") else "off"
    data["target_groups"] = form.getlist("target_groups")
    if form.get("lat") or form.get("lon"):
        data["lat"], data["lon"] = form.get("lat"), form.get("lon")
    if creating:
        data["municipality_code"] = form.get("municipality_code")
    return data


@bp.get("/manage")
@require()
def dashboard():
    s = db_session()
    scope = current_scope()
    try:
        months = int(request.args.get("months", freshness.DEFAULT_STALE_MONTHS))
    except ValueError:
        months = freshness.DEFAULT_STALE_MONTHS
    months = min(max(months, 1), 120)
    rows = freshness.dashboard(s, scope, months)
    return render_template("edit_dashboard.html", rows=rows, months=months,
                           open_reports=submissions.counts_open(s, scope),
                           confirmed_label=lambda p: freshness.confirmed_label(p, current_lang()))


@bp.get("/manage/places")
@require()
def place_list():
    s = db_session()
    scope = current_scope()
    q = select(Place)
    if not (scope.is_admin or (scope.role == "viewer" and not scope.municipalities)):
        q = q.where(func.left(Place.municipality_code, 5).in_(sorted(scope.municipalities)))
    text = search.clean_query(request.args.get("q")) if request.args.get("q") else ""
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(or_(Place.name.ilike(like), Place.name_kana.ilike(like)))
    layer = request.args.get("layer")
    if layer:
        q = q.where(Place.layer == layer)
    places = s.scalars(q.order_by(Place.layer, Place.name, Place.id).limit(300)).all()
    lang = current_lang()
    return render_template("edit_list.html", places=places, q=text, layer=layer,
                           layer_names={l.id: l.name(lang) for l in layers.place_layers()},
                           confirmed_label=lambda p: freshness.confirmed_label(p, lang))


@bp.get("/manage/places/new")
@require(write=True)
def new_form():
    scope = current_scope()
    values = {"municipality_code": (sorted(scope.municipalities) or [""])[0], "status": "active"}
    return render_template("edit_place.html", **_form_context(values=values, mode="new"))


@bp.post("/manage/places/new")
@require(write=True)
def new_submit():
    s = db_session()
    data = _form_data(request.form, creating=True)
    try:
        place = service.create_place(s, current_scope(), data, _actor("form"))
    except service.Invalid as exc:
        s.rollback()
        return render_template("edit_place.html", **_form_context(
            values=data, errors=error_messages(exc.errors, exc.params), mode="new")), 422
    s.commit()
    return redirect(url_for("edit.place_page", place_id=place.id, saved=1))


@bp.get("/manage/places/<int:place_id>")
@require()
def place_page(place_id: int):
    place, refused = _place_or_refuse(place_id)
    if refused:
        return refused
    view = editor_place(place, current_scope())
    return render_template("edit_place.html", history=_history_rows(db_session(), place, current_scope()),
                           view=view, saved=request.args.get("saved"), reverted=request.args.get("reverted"),
                           confirmed=freshness.confirmed_label(place, current_lang()),
                           **_form_context(place=place, values=view))


@bp.post("/manage/places/<int:place_id>")
@require(write=True)
def place_submit(place_id: int):
    place, refused = _place_or_refuse(place_id, write=True)
    if refused:
        return refused
    s = db_session()
    data = _form_data(request.form, creating=False)
    try:
        expected = int(request.form.get("version", ""))
    except ValueError:
        expected = -1
    try:
        place = service.update_place(s, current_scope(), place_id, data, expected, _actor("form"))
    except service.Conflict as exc:
        s.rollback()
        current = editor_place(exc.place, current_scope())
        diff = [f for f in PLACE_FIELDS + ("lat", "lon") if f in data and str(data.get(f) or "") != str(
            "" if current.get(f) is None else current.get(f)) and f not in ("target_groups", "has_consultation")]
        conflict = {"current": current, "yours": data, "fields": diff}
        # the form keeps what this coordinator typed; saving again now overwrites knowingly
        values = {**current, **data}
        values["version"] = exc.place.version
        return render_template("edit_place.html", history=_history_rows(s, exc.place, current_scope()),
                               view=current, confirmed=freshness.confirmed_label(exc.place, current_lang()),
                               **_form_context(place=exc.place, values=values, conflict=conflict)), 409
    except service.Invalid as exc:
        s.rollback()
        fresh = s.get(Place, place_id)
        values = {**editor_place(fresh, current_scope()), **data}
        return render_template("edit_place.html", history=_history_rows(s, fresh, current_scope()),
                               view=editor_place(fresh, current_scope()),
                               confirmed=freshness.confirmed_label(fresh, current_lang()),
                               **_form_context(place=fresh, values=values,
                                               errors=error_messages(exc.errors, exc.params))), 422
    s.commit()
    return redirect(url_for("edit.place_page", place_id=place.id, saved=1))


@bp.post("/manage/places/<int:place_id>/confirm")
@require(write=True)
def confirm_submit(place_id: int):
    place, refused = _place_or_refuse(place_id, write=True)
    if refused:
        return refused
    s = db_session()
    service.confirm_place(s, current_scope(), place_id, _actor("form"))
    s.commit()
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/manage")
                    else url_for("edit.place_page", place_id=place_id, saved=1))


@bp.post("/manage/places/<int:place_id>/revert/<int:change_id>")
@require(write=True)
def revert_submit(place_id: int, change_id: int):
    place, refused = _place_or_refuse(place_id, write=True)
    if refused:
        return refused
    s = db_session()
    try:
        service.revert_change(s, current_scope(), place_id, change_id, _actor("form"))
    except (service.Invalid, service.NotFound) as exc:
        s.rollback()
        message = error_messages(exc.errors, exc.params).get("change") if isinstance(exc, service.Invalid) \
            else tv("auth_not_found")
        return render_template("auth_refused.html", message=message,
                               back=url_for("edit.place_page", place_id=place_id)), 409
    s.commit()
    return redirect(url_for("edit.place_page", place_id=place_id, reverted=1))


def field_label(name: str) -> str:
    return tv("field_" + name)


@bp.app_template_filter("tokyo_time")
def tokyo_time(iso: str | None) -> str:
    """An ISO timestamp as people read it, in Japan time whatever the server's zone."""
    import datetime as dt

    from web.coordinator import when

    return when(dt.datetime.fromisoformat(iso)) if iso else ""


@bp.app_template_filter("confirmed_month")
def confirmed_month(iso: str | None) -> str:
    """「2026年11月に確認」 from a stored timestamp (Japan time)."""
    import datetime as dt

    if not iso:
        return ""
    d = clock.in_japan(dt.datetime.fromisoformat(iso))
    if current_lang() == "en":
        return tv("confirmed_on", date=d.strftime("%B %Y"))
    return tv("confirmed_on", date=f"{d.year}年{d.month}月")


# fields whose history values are codes: shown by their label, in the page's language
_CODED_FIELDS = {"layer": "layer", "status": "status", "precision": "precision",
                 "operator_type": "operator_type", "target_groups": "target_group"}


@bp.app_template_filter("hval")
def history_value(value, field: str | None = None) -> str:
    """A value in the history, as text (escaped by Jinja like everything else); codes by their label."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return tv("ui_yes") if value else tv("ui_no")
    vocab_name = _CODED_FIELDS.get(field or "")
    if isinstance(value, list):
        if field == "point" and len(value) == 2:
            return f"{value[0]}, {value[1]}"
        return "・".join(label(vocab_name, v) if vocab_name else str(v) for v in value)
    return label(vocab_name, value) if vocab_name else str(value)


@bp.app_context_processor
def _inject():
    return {"field_label": field_label, "code5": code5, "municipality_name": served.display_name,
            "municipality_option": municipality_option}


def municipality_option(code: str) -> str:
    """A municipality in a choice list: 奈良県生駒市（29209）."""
    name = served.display_name(code)
    if name == code:
        return code
    return f"{name} ({code})" if current_lang() == "en" else f"{name}（{code}）"
