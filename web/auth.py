"""Login, logout, the session and CSRF, and who may open which page.

Flask-Login keeps the signed-in user in Flask's signed session cookie (HttpOnly, SameSite=Lax,
Secure when TSUNAGARI_HTTPS=1); Flask-WTF's CSRFProtect checks a token on every form and every
non-GET request made as a user (JSON clients send it in the X-CSRF-Token header; GET /api/session
hands it out). Anonymous requests that act for no one (POST /api/submissions) need no token.

The rules themselves (roles, municipalities, throttle, hashing) are in geo/accounts.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

from flask import (Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from geo import vocab
from geo.accounts import users
from geo.accounts.scope import Scope
from geo.editing import service
from web import db_session
from web.i18n import current_lang

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
login_manager = LoginManager()

# Paths behind login: reading needs any role; writing (any non-GET) needs a role that writes.
PROTECTED_PREFIXES = ("/imports", "/manage", "/admin")
# Non-GET endpoints that act for no one and so need neither a login nor a CSRF token.
CSRF_EXEMPT_ENDPOINTS = {"moderation.api_submit"}


def tv(key: str, **params) -> str:
    """A message from geo/vocab.py in the request's language."""
    return vocab.text(key, current_lang(), **params)


# --------------------------------------------------------------------------- the user
class LoginUser(UserMixin):
    """The signed-in user as the web layer keeps it (plain values, no database row)."""

    def __init__(self, row):
        self.id = row.id
        self.email = row.email
        self.display_name = row.display_name
        self.role = row.role
        self.municipalities = list(row.municipalities or [])
        self.active = row.active
        self.epoch = row.auth_epoch

    def get_id(self) -> str:
        # the epoch changes with the password or when the account is disabled: older sessions end
        return f"{self.id}:{self.epoch}"

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def to_json(self) -> dict:
        return {"id": self.id, "email": self.email, "display_name": self.display_name, "role": self.role,
                "municipalities": self.municipalities}


@login_manager.user_loader
def _load(user_id: str):
    try:
        uid, epoch = (int(x) for x in user_id.split(":"))
    except ValueError:
        return None
    from geo.storage.models import User

    row = db_session().get(User, uid)
    if row is None or not row.active or row.auth_epoch != epoch:
        return None
    return LoginUser(row)


def current_scope() -> Scope:
    if "scope" not in g:
        g.scope = Scope.of(current_user) if current_user.is_authenticated else Scope.public()
    return g.scope


def is_api() -> bool:
    return request.path.startswith("/api/")


def client_key() -> str:
    """The client address as a keyed hash (never stored in clear)."""
    addr = request.remote_addr or "unknown"
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, addr.encode(), hashlib.sha256).hexdigest()[:64]


def refuse(status: int, code: str, **extra):
    """401/403/... as JSON for the API, as a page otherwise (401 on a page: go and log in)."""
    if is_api():
        return jsonify({"error": tv("auth_" + code), "code": code, **extra}), status
    if status == 401:
        return redirect(url_for("auth.login_form", next=request.full_path.rstrip("?")))
    return render_template("auth_refused.html", message=tv("auth_" + code)), status


def require(write: bool = False, admin: bool = False):
    """A view for signed-in users (any role; `write`: admin/coordinator; `admin`: admin only)."""
    def deco(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            scope = current_scope()
            if not scope.signed_in:
                return refuse(401, "login_required")
            if admin and not scope.is_admin:
                return refuse(403, "forbidden_role")
            if write and not scope.can_write_somewhere:
                return refuse(403, "forbidden_role")
            return view(*args, **kwargs)
        return wrapped
    return deco


# --------------------------------------------------------------------------- set-up
def _secret_key(app) -> str:
    """TSUNAGARI_SECRET_KEY, else one generated once and kept in var/secret_key (mode 600)."""
    key = os.environ.get("TSUNAGARI_SECRET_KEY")
    if key:
        return key
    from geo.storage.embedded import project_root

    path = Path(os.environ.get("TSUNAGARI_SECRET_KEY_FILE") or project_root() / "var" / "secret_key")
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def init_app(app) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)
    https = os.environ.get("TSUNAGARI_HTTPS", "") in ("1", "true", "yes")
    app.config.setdefault("SESSION_COOKIE_SECURE", https)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="tsunagari_session",
        WTF_CSRF_CHECK_DEFAULT=False,       # checked below: for users, and for the login form
        WTF_CSRF_TIME_LIMIT=None,           # valid for the session (a long form must not expire)
        WTF_CSRF_HEADERS=["X-CSRF-Token", "X-CSRFToken"],
    )
    app.config.setdefault("MAX_FORM_MEMORY_SIZE", 500_000)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)

    @app.before_request
    def _guard():
        path = request.path
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if request.endpoint in CSRF_EXEMPT_ENDPOINTS:
                pass
            elif current_user.is_authenticated or request.endpoint == "auth.login":
                csrf.protect()
        if path.startswith(PROTECTED_PREFIXES):
            scope = current_scope()
            if not scope.signed_in:
                return refuse(401, "login_required")
            if request.method not in ("GET", "HEAD") and not scope.can_write_somewhere \
                    and request.endpoint != "auth.logout":
                return refuse(403, "forbidden_role")
        return None

    @app.errorhandler(service.NotFound)
    @app.errorhandler(service.Forbidden)
    def _out_of_reach(exc):
        """A place or report that does not exist, or lies outside the user's municipalities: nothing
        of the request is kept, and the answer is the same whichever view asked."""
        db_session().rollback()
        if isinstance(exc, service.NotFound):
            return refuse(404, "not_found")
        return refuse(403, "forbidden_municipality")

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        if is_api() or request.is_json:
            return jsonify({"error": tv("auth_csrf_failed"), "code": "csrf_failed"}), 400
        return render_template("auth_refused.html", message=tv("auth_csrf_failed")), 400

    @app.context_processor
    def _inject():
        return {"tv": tv, "current_user": current_user, "scope": current_scope(), "csrf_token": generate_csrf}


# --------------------------------------------------------------------------- views
def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("edit.dashboard")
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("edit.dashboard")
    return target


@bp.get("/login")
def login_form():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth_login.html", next=request.args.get("next", ""), error=None, email="")


@bp.post("/login")
def login():
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data or {}
    email = str(data.get("email") or "")[:254]
    password = str(data.get("password") or "")[:1024]
    s = db_session()
    user, problem = users.authenticate(s, email, password, client_key())
    s.commit()
    if problem == "throttled":
        wait = users.retry_after_seconds(s, email, client_key())
        minutes = max(1, (wait + 59) // 60)
        if request.is_json:
            resp = jsonify({"error": tv("auth_throttled", minutes=minutes), "code": "throttled"})
        else:
            resp = current_app.make_response(render_template(
                "auth_login.html", next=data.get("next", ""), error=tv("auth_throttled", minutes=minutes),
                email=email))
        resp.status_code = 429
        resp.headers["Retry-After"] = str(wait)
        return resp
    if user is None:
        if request.is_json:
            return jsonify({"error": tv("auth_login_failed"), "code": "login_failed"}), 401
        return render_template("auth_login.html", next=data.get("next", ""), error=tv("auth_login_failed"),
                               email=email), 401
    # a new session at login: nothing from the anonymous one (its CSRF token included) carries over
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(LoginUser(user))
    g.pop("scope", None)
    if request.is_json:
        return jsonify({"user": LoginUser(user).to_json(), "csrf_token": generate_csrf()})
    return redirect(_safe_next(data.get("next")))


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    if request.is_json:
        return jsonify({"user": None})
    return redirect(url_for("public.index"))


@bp.get("/api/session")
def api_session():
    """{"user": ..., "csrf_token": ...}: what a JSON client needs before it writes."""
    user = current_user.to_json() if current_user.is_authenticated else None
    resp = jsonify({"user": user, "csrf_token": generate_csrf()})
    resp.headers["Cache-Control"] = "no-store"
    return resp


__all__ = ["bp", "init_app", "require", "current_scope", "refuse", "tv", "client_key", "abort"]
