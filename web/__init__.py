"""Flask app factory. Views stay thin: they parse the request and hand it to geo/."""
from __future__ import annotations

import os

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy.orm import Session

from geo.storage.db import database_url, session_factory
from web.i18n import current_lang, t


def create_app(config: dict | None = None) -> Flask:
    from web import maps
    app = Flask(__name__)
    tiles = os.environ.get("TSUNAGARI_TILES", "gsi")
    app.config.update(
        DATABASE_URL=None,
        # 地理院タイル by default; TSUNAGARI_TILES=none (or TILE_URL=None) runs with no base map.
        TILE_URL=None if tiles == "none" else (maps.GSI_TILES if tiles == "gsi" else tiles),
        TILE_ATTRIBUTION=os.environ.get("TSUNAGARI_TILE_ATTRIBUTION"),
        JSON_AS_ASCII=False,
    )
    if config:
        app.config.update(config)
    app.config["DATABASE_URL"] = app.config["DATABASE_URL"] or database_url()
    app.json.ensure_ascii = False
    make_session = session_factory(app.config["DATABASE_URL"])

    def db() -> Session:
        if "db" not in g:
            g.db = make_session()
        return g.db

    app.extensions["tsunagari_db"] = db

    @app.teardown_appcontext
    def close_db(_exc):
        session = g.pop("db", None)
        if session is not None:
            session.close()

    @app.context_processor
    def inject():
        return {"t": t, "lang": current_lang(), "has_endpoint": lambda name: name in app.view_functions,
                "base_map_source": lambda: maps.base_map_source(current_lang())}

    @app.after_request
    def remember_lang(resp):
        lang = request.args.get("lang")
        if lang in ("ja", "en"):
            resp.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        return resp

    _register_error_handlers(app)

    from web import api, coordinator, coverage, meeting, public
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(coordinator.bp)
    app.register_blueprint(coverage.bp)
    app.register_blueprint(meeting.bp)
    return app


def wants_json() -> bool:
    """The API and the *.json endpoints answer errors in JSON; pages answer with a short page."""
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _register_error_handlers(app: Flask) -> None:
    from werkzeug.exceptions import InternalServerError

    from geo import vocab
    from web.params import BadParameter

    def answer(message: str, status: int):
        if wants_json():
            return jsonify({"error": message}), status
        title = vocab.text("error_bad_request" if status == 400 else "error_internal", current_lang())
        return render_template("error.html", title=title, message=message,
                               back=vocab.text("error_back", current_lang())), status

    @app.errorhandler(BadParameter)
    def bad_parameter(exc: BadParameter):
        return answer(exc.message(current_lang()), 400)

    @app.errorhandler(InternalServerError)
    def internal_error(exc: InternalServerError):
        # Flask has already logged the exception (app.logger.error with the traceback)
        return answer(vocab.text("error_internal", current_lang()), 500)


def db_session() -> Session:
    from flask import current_app
    return current_app.extensions["tsunagari_db"]()
