"""Coordinator pages: import runs with every rejected row, geocoding flags and missing places.

Texts: geo/vocab.py, keys "imports.*"."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from geo import clock
from geo.storage.models import Dataset, ImportRun
from geo.vocab import text as vocab_text
from geo.places.schedule import format_date_ja
from web import db_session
from web.i18n import current_lang

bp = Blueprint("coordinator", __name__)

def when(ts) -> str:
    """A stored timestamp as people read it, in Japan time whatever the server's zone."""
    if ts is None:
        return ""
    ts = clock.in_japan(ts)
    if current_lang() == "en":
        return ts.strftime("%Y-%m-%d %H:%M")
    return f"{format_date_ja(ts.date())} {ts.strftime('%H:%M')}"


def reason(entry) -> str:
    """A rejected row's (or a report entry's) reason in the page's language, from its code and
    parameters (geo.vocab); rows recorded before reasons had codes show their stored text."""
    get = entry.get if isinstance(entry, dict) else (lambda k: getattr(entry, k, None))
    code = get("code")
    if not code:
        return get("reason") or ""
    try:
        return vocab_text(code, current_lang(), **(get("params") or {}))
    except (KeyError, IndexError, ValueError):  # parameters that no longer fit the text: the stored one
        return get("reason") or code


@bp.app_context_processor
def _inject():
    return {"when": when, "reason": reason}


@bp.get("/imports")
def imports():
    runs = db_session().scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(200)).all()
    return render_template("imports.html", runs=runs)


@bp.get("/imports/<int:run_id>")
def import_run(run_id: int):
    session = db_session()
    run = session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    dataset = session.get(Dataset, run.dataset_id) if run.dataset_id else None
    return render_template("import_run.html", run=run, report=run.report or {}, dataset=dataset)
