"""Importing from the browser (/imports/new): upload → dry-run result → apply. Thin: the rules are
in geo/editing/imports.py and geo/ingest (one transaction; nothing written before apply)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

import layers
from geo.editing import imports
from geo.editing.history import Actor
from geo.storage.db import get_engine
from web.auth import current_scope, refuse, require, tv
from web.i18n import current_lang

bp = Blueprint("upload", __name__)


def _upload_dir() -> Path:
    from geo.storage.embedded import project_root

    d = Path(current_app.config.get("UPLOAD_DIR") or project_root() / "var" / "uploads")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _reason(entry: dict) -> str:
    """A rejected row's reason in the page's language (stored as a code with parameters)."""
    from geo.ingest.run import _reason as worded

    return worded(entry, current_lang())


def _discard(path: Path) -> None:
    try:
        os.unlink(path)
        os.rmdir(path.parent)
    except OSError:
        pass


def _options(form) -> dict:
    return {"layer": form.get("layer", ""), "municipality_code": form.get("municipality_code") or None,
            "geocode": bool(form.get("geocode")), "close_missing": bool(form.get("close_missing"))}


def _page(status=200, **context):
    lang = current_lang()
    scope = current_scope()
    context.setdefault("options", {})
    return render_template("import_upload.html", place_layers=[(l.id, l.name(lang)) for l in layers.place_layers()],
                           municipalities=sorted(scope.municipalities), max_mb=imports.MAX_BYTES // (1024 * 1024),
                           **context), status


@bp.get("/imports/new")
@require(write=True)
def form():
    return _page()


@bp.post("/imports/new")
@require(write=True)
def upload():
    if (request.content_length or 0) > imports.MAX_BYTES + 100_000:
        return _page(413, error=tv("import_too_large", mb=imports.MAX_BYTES // (1024 * 1024)))
    f = request.files.get("file")
    options = _options(request.form)
    if f is None or not f.filename:
        return _page(422, error=tv("import_no_file"), options=options)
    suffix = Path(f.filename).suffix.lower()
    if suffix not in imports.ACCEPTED_SUFFIXES:
        return _page(415, error=tv("import_refused_type", suffix=suffix[:10] or "?"), options=options)
    if options["municipality_code"] and not current_scope().can_edit(options["municipality_code"]):
        return refuse(403, "forbidden_municipality")
    token = secrets.token_urlsafe(16)
    # a folder of its own per upload, so that the run keeps the file's own name
    folder = _upload_dir() / token
    folder.mkdir()
    name = Path(f.filename).name.replace("/", "_")[:120] or f"upload{suffix}"
    path = folder / name
    f.save(path)
    if path.stat().st_size > imports.MAX_BYTES:
        _discard(path)
        return _page(413, error=tv("import_too_large", mb=imports.MAX_BYTES // (1024 * 1024)), options=options)
    report, fingerprint = imports.preview(get_engine(current_app.config["DATABASE_URL"]), path, **options)
    if fingerprint is None:
        _discard(path)
        return _page(422, report=report, options=options, file_name=name, reason=_reason)
    pending = session.setdefault("pending_imports", {})
    pending[token] = {"path": f"{token}/{name}", "options": options, "expect": fingerprint}
    session.modified = True
    return _page(report=report, token=token, options=options, file_name=name, reason=_reason)


@bp.post("/imports/new/apply")
@require(write=True)
def apply():
    token = request.form.get("token", "")
    pending = session.get("pending_imports", {})
    item = pending.pop(token, None)
    session.modified = True
    if item is None:
        return _page(410, error=tv("import_expired"))
    path = _upload_dir() / item["path"]
    if ".." in item["path"] or not path.exists():
        return _page(410, error=tv("import_expired"))
    try:
        report = imports.apply(get_engine(current_app.config["DATABASE_URL"]), path, current_scope(),
                               Actor(user_id=current_scope().user_id, via="import"), item.get("expect"),
                               **item["options"])
    except imports.OutsideScope as exc:
        return _page(403, error=tv("import_outside_scope", codes=", ".join(exc.codes)))
    finally:
        _discard(path)
    if report.run_id:
        return redirect(url_for("coordinator.import_run", run_id=report.run_id))
    return _page(422, error=report.message or tv("import_failed"))
