"""Production concerns of the web app, installed by `install(app)`:

- database sessions through geo.storage.routing.Router: GET/HEAD read from a replica when
  DATABASE_REPLICA_URL names any (falling back to the primary), everything else writes to the
  primary; a request that just wrote pins its browser's reads to the primary for a few seconds
  (so a coordinator sees their own change even when a replica lags);
- /healthz (the process answers) and /readyz (the database answers: 200, else 503);
- the database down: API requests get 503 JSON with Retry-After at once, pages a short
  Japanese/English notice; the breaker in the router brings everything back within ~1 s of the
  database returning;
- security headers on every response (Content-Security-Policy with a per-request nonce for the
  few inline scripts, frame-ancestors, Referrer-Policy, X-Content-Type-Options);
- gzip for large responses (flask-compress) and ETag/Cache-Control on the public API's GETs.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from urllib.parse import urlparse

from flask import Flask, g, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from geo import vocab
from geo.storage.db import replica_urls
from geo.storage.routing import DatabaseUnavailable, Router, is_connection_error

RETRY_AFTER_S = 5
PIN_COOKIE = "tsunagari_primary"
PIN_SECONDS = 10
# The public API's GET endpoints, the hot paths: short read-only requests that run in autocommit
# (no BEGIN/ROLLBACK round trips), and whose answers depend only on the URL and the language, so
# they are cacheable when asked without a session (a signed-in coordinator's answers are theirs alone).
PUBLIC_READS = {"api.places", "api.place", "api.search_endpoint", "api.aggregates", "api.areas", "api.areas_at"}
SESSION_COOKIE = "tsunagari_session"
API_MAX_AGE_S = 60


def install(app: Flask) -> None:
    app.session_interface = LeanCookieSession()
    _install_database(app)
    _install_health(app)
    _install_errors(app)
    # Flask runs after_request hooks in reverse: the ETag is set on the body, then the body is
    # compressed (the ETag gets ":gzip"), then a revalidation is answered
    _install_conditional(app)
    _install_compression(app)
    _install_caching(app)
    _install_headers(app)


# --------------------------------------------------------------------------- the session cookie
class LeanCookieSession(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus the per-request work a public request does not need:
    no signer is built for a request that carries no session cookie (a resident's map, the API),
    and the signer is built once per secret key instead of once per request."""

    def __init__(self):
        self._signers: dict = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        signer = self._signers.get(key)
        if signer is None:
            signer = super().get_signing_serializer(app)
            if signer is not None:
                self._signers = {key: signer}   # a new key replaces the old one
        return signer

    def open_session(self, app: Flask, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


# --------------------------------------------------------------------------- database routing
def _read_only_request() -> bool:
    return request.method in ("GET", "HEAD") and not request.cookies.get(PIN_COOKIE)


def _install_database(app: Flask) -> None:
    replicas = app.config.get("DATABASE_REPLICA_URLS")
    if replicas is None:
        replicas = replica_urls()
    router = Router(app.config["DATABASE_URL"], replicas)
    app.extensions["tsunagari_router"] = router

    def db() -> Session:
        if "db" not in g:
            readonly = _read_only_request()
            g.db = router.session(readonly=readonly, autocommit=readonly and request.endpoint in PUBLIC_READS)
        return g.db

    app.extensions["tsunagari_db"] = db

    @app.after_request
    def pin_after_write(resp):
        if router.replicas and request.method not in ("GET", "HEAD", "OPTIONS") and resp.status_code < 400:
            resp.set_cookie(PIN_COOKIE, "1", max_age=PIN_SECONDS, httponly=True, samesite="Lax")
        return resp


# --------------------------------------------------------------------------- health
def _install_health(app: Flask) -> None:
    router: Router = app.extensions["tsunagari_router"]

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    @app.get("/readyz")
    def readyz():
        # a tripped breaker answers at once; otherwise ask the server itself
        primary = router.primary.available() and router.check(router.primary)
        replicas = [r.available() and router.check(r) for r in router.replicas]
        body = {"status": "ready" if primary else "unavailable", "database": "ok" if primary else "down",
                "replicas": {"configured": len(replicas), "answering": sum(replicas)}}
        resp = jsonify(body)
        resp.headers["Cache-Control"] = "no-store"
        if not primary:
            resp.status_code = 503
            resp.headers["Retry-After"] = str(RETRY_AFTER_S)
        return resp


# --------------------------------------------------------------------------- errors
def _lang() -> str:
    from web.i18n import current_lang
    try:
        return current_lang()
    except Exception:  # noqa: BLE001 - the notice must render whatever else failed
        return "ja"


def _wants_json() -> bool:
    if request.path.startswith(("/api/", "/hsds/")) or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def unavailable_response():
    lang = _lang()
    if _wants_json():
        resp = jsonify({"error": vocab.text("db_unavailable_api", lang, seconds=RETRY_AFTER_S),
                        "code": "database_unavailable", "retry_after": RETRY_AFTER_S})
    else:
        resp = app_html(render_template("unavailable.html", lang=lang,
                                        title=vocab.text("db_unavailable_title", lang),
                                        message=vocab.text("db_unavailable", lang),
                                        retry=vocab.text("retry", lang)))
    resp.status_code = 503
    resp.headers["Retry-After"] = str(RETRY_AFTER_S)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def app_html(body: str):
    from flask import make_response
    resp = make_response(body)
    resp.mimetype = "text/html"
    return resp


def _install_errors(app: Flask) -> None:
    router: Router = app.extensions["tsunagari_router"]

    @app.errorhandler(DatabaseUnavailable)
    def database_unavailable(_exc):
        g.pop("db", None)
        return unavailable_response()

    @app.errorhandler(sa_exc.DBAPIError)
    def database_error(exc):
        if not is_connection_error(exc):
            raise exc  # a real bug: the ordinary 500
        session = g.pop("db", None)
        router.failed(session, exc)
        if session is not None:
            try:
                session.close()
            except Exception:  # noqa: BLE001 - the connection is already gone
                pass
        return unavailable_response()

    @app.errorhandler(sa_exc.TimeoutError)
    def pool_timeout(_exc):
        return unavailable_response()


# --------------------------------------------------------------------------- compression and caching
def _install_compression(app: Flask) -> None:
    from flask_compress import Compress

    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    # level 6: level 1 would save 0.014 ms on a 10-place answer (2 % of its CPU) but send 58 % more
    # for a street-level map of 5,000 places (306 KB instead of 193 KB) — bytes matter more on a phone
    app.config.setdefault("COMPRESS_LEVEL", 6)
    # revalidations are answered by _install_conditional, only for requests that ask for one
    app.config.setdefault("COMPRESS_EVALUATE_CONDITIONAL_REQUEST", False)
    app.config.setdefault("COMPRESS_MIN_SIZE", 2048)
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "application/json", "application/geo+json", "text/html", "text/css", "text/javascript",
        "application/javascript", "text/csv", "image/svg+xml"])
    Compress(app)


def _install_caching(app: Flask) -> None:
    @app.after_request
    def cache_public_api(resp):
        if (request.method in ("GET", "HEAD") and resp.status_code == 200 and not resp.direct_passthrough
                and request.endpoint in PUBLIC_READS and "Cache-Control" not in resp.headers
                and not request.cookies.get(app.config.get("SESSION_COOKIE_NAME") or SESSION_COOKIE)):
            # the answer depends on the URL and the language (query or cookie)
            resp.headers["Cache-Control"] = f"public, max-age={API_MAX_AGE_S}"
            resp.vary.add("Cookie")
            resp.set_etag(hashlib.blake2b(resp.get_data(), digest_size=12).hexdigest())
        return resp


_CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE")


def _install_conditional(app: Flask) -> None:
    @app.after_request
    def answer_revalidation(resp):
        """304 (or a range) for a GET that carries If-None-Match, If-Modified-Since or Range, on
        the final (compressed) body and its ETag; every other request skips the evaluation."""
        environ = request.environ
        if (request.method in ("GET", "HEAD") and not resp.is_streamed
                and any(h in environ for h in _CONDITIONAL_HEADERS)):
            resp.make_conditional(request)
        return resp


# --------------------------------------------------------------------------- security headers
def csp_nonce() -> str:
    """This response's nonce for an inline <script> or <style> that cannot be a file."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


_INLINE_TAG = re.compile(r"<(script|style)(?![^>]*\bsrc=)(?![^>]*\bnonce=)([^>]*)>", re.IGNORECASE)


def nonced(html) -> Markup:
    """Give every inline <script>/<style> in a generated HTML fragment (a folium map) this
    response's nonce. Tags with src= are left alone (they load from 'self')."""
    nonce = csp_nonce()
    return Markup(_INLINE_TAG.sub(lambda m: f'<{m.group(1)} nonce="{nonce}"{m.group(2)}>', str(html)))


def _content_security_policy(app: Flask, nonce: str | None) -> str:
    tiles = app.config.get("TILE_URL")
    tile_origin = ""
    if tiles:
        u = urlparse(tiles.replace("{s}", "a"))
        tile_origin = f" {u.scheme}://{u.netloc}" if u.scheme and u.netloc else ""
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join([
        "default-src 'self'",
        f"script-src {script}",
        # style elements need the nonce; style attributes (Leaflet icons, legend swatches) carry no script
        "style-src 'self' 'unsafe-inline'",
        "style-src-elem 'self'" + (f" 'nonce-{nonce}'" if nonce else ""),
        "style-src-attr 'unsafe-inline'",
        f"img-src 'self' data: blob:{tile_origin}",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


def _install_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["nonced"] = nonced

    plain_policy: dict = {}

    @app.after_request
    def security_headers(resp):
        h = resp.headers
        nonce = g.get("csp_nonce")
        if nonce is None:   # the same policy for every response without inline code (the API): built once
            policy = plain_policy.get(app.config.get("TILE_URL"))
            if policy is None:
                policy = plain_policy[app.config.get("TILE_URL")] = _content_security_policy(app, None)
        else:
            policy = _content_security_policy(app, nonce)
        h.setdefault("Content-Security-Policy", policy)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "SAMEORIGIN")
        h.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return resp
