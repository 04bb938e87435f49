"""Users (/admin/users): an admin adds, changes, disables accounts and sets passwords — the same
operations as `tsunagari user ...` (geo/accounts/users.py)."""
from __future__ import annotations

import re

from flask import Blueprint, redirect, render_template, request, url_for

from geo.accounts import users
from geo.accounts.scope import ROLES
from geo.storage.models import User
from web import db_session
from web.auth import current_scope, refuse, require, tv

bp = Blueprint("admin", __name__)


def _codes(text: str | None) -> list[str]:
    return [c for c in re.split(r"[\s,、]+", text or "") if c]


def _page(error: str | None = None, status: int = 200, form=None):
    rows = users.list_users(db_session())
    return render_template("admin_users.html", users=rows, roles=ROLES, error=error, form=form or {}), status


@bp.get("/admin/users")
@require(admin=True)
def users_page():
    return _page()


@bp.post("/admin/users")
@require(admin=True)
def add_user():
    s = db_session()
    f = request.form
    try:
        users.create_user(s, f.get("email", ""), f.get("password", ""), f.get("role", ""),
                          _codes(f.get("municipalities")), f.get("display_name") or None)
    except users.AccountError as exc:
        s.rollback()
        return _page(tv("account_" + exc.code, **exc.params), 422, form=f)
    s.commit()
    return redirect(url_for("admin.users_page"))


@bp.post("/admin/users/<int:user_id>")
@require(admin=True)
def change_user(user_id: int):
    s = db_session()
    user = s.get(User, user_id)
    if user is None:
        return refuse(404, "not_found")
    f = request.form
    action = f.get("action")
    try:
        if action == "disable":
            if user.id == current_scope().user_id:
                return _page(tv("account_cannot_disable_self"), 422)
            users.set_active(s, user, False)
        elif action == "enable":
            users.set_active(s, user, True)
        elif action == "password":
            users.set_password(s, user, f.get("password", ""))
        elif action == "update":
            users.update_user(s, user, role=f.get("role") or None, municipalities=_codes(f.get("municipalities")),
                              display_name=f.get("display_name"))
        else:
            return _page(tv("edit_err_invalid_choice"), 422)
    except users.AccountError as exc:
        s.rollback()
        return _page(tv("account_" + exc.code, **exc.params), 422)
    s.commit()
    return redirect(url_for("admin.users_page"))
