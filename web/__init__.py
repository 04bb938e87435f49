"""Flask app factory. Views stay thin: they parse the request and hand it to geo/."""
from __future__ import annotations

import os
import re

from flask import Flask, g, jsonify, render_template, request
from markupsafe import Markup
from sqlalchemy.orm import Session

from geo.storage.db import database_url, session_factory
from web.i18n import band_label, current_lang, label, list_sep, paren, say, t


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
    from web.jsonfast import OrjsonProvider
    app.json = OrjsonProvider(app)
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
        return {"t": t, "label": label, "band_label": band_label, "say": say, "lang": current_lang(),
                "paren": paren, "sep": list_sep(),
                "has_endpoint": lambda name: name in app.view_functions, "layer_css": layer_css,
                "base_map_source": lambda: maps.base_map_source(current_lang())}

    @app.after_request
    def remember_lang(resp):
        lang = request.args.get("lang")
        if lang in ("ja", "en"):
            resp.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
        return resp

    _register_error_handlers(app)
    from web import serving
    serving.install(app)  # database routing, health, errors, headers, caching (web/serving.py)

    from web import api, coordinator, coverage, meeting, public
    from web import hsds, ical, ogc
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(coordinator.bp)
    app.register_blueprint(coverage.bp)
    app.register_blueprint(meeting.bp)
    app.register_blueprint(ogc.bp, url_prefix="/ogc")
    app.register_blueprint(hsds.bp, url_prefix="/hsds")
    app.register_blueprint(ical.bp)

    # accounts, editing, resident reports, users (issue #11)
    from web import admin, auth, edit, imports_upload, moderation
    auth.init_app(app)
    app.register_blueprint(imports_upload.bp)
    app.register_blueprint(edit.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(admin.bp)
    edit.wrap_public_place_view(app)
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

    @app.errorhandler(vocab.Invalid)
    def invalid(exc: vocab.Invalid):  # bad input found by geo/ (a code with parameters)
        return answer(say(exc), 400)

    @app.errorhandler(InternalServerError)
    def internal_error(exc: InternalServerError):
        # Flask has already logged the exception (app.logger.error with the traceback)
        return answer(vocab.text("error_internal", current_lang()), 500)
# How the resident map draws each marker shape a layer declares (layers/*.py marker_shape).
SHAPE_RADIUS = {"circle": "50%", "square": "3px", "diamond": "0 50% 50% 50%",
                "triangle": "10px 10px 50% 50%", "hexagon": "30%"}


def layer_css() -> Markup:
    """Per-layer marker and border rules, generated from the layer files (no layer id in CSS files)."""
    import layers

    rules = []
    for layer in layers.place_layers():
        ident, fill = re.sub(r"[^A-Za-z0-9_-]", "", layer.id), re.sub(r"[^#0-9A-Fa-f]", "", layer.fill)
        rules.append(f".pm-{ident} {{ background: {fill}; border-radius: {SHAPE_RADIUS.get(layer.marker_shape, '50%')}; }}")
        rules.append(f".pm-border-{ident} {{ border-left-color: {fill} !important; }}")
    return Markup("\n".join(rules))


def db_session() -> Session:
    from flask import current_app
    return current_app.extensions["tsunagari_db"]()
