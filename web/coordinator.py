"""Coordinator pages: import runs with every rejected row."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from geo.models import ImportRun
from web import db_session

bp = Blueprint("coordinator", __name__)


@bp.get("/imports")
def imports():
    runs = db_session().scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(200)).all()
    return render_template("imports.html", runs=runs)


@bp.get("/imports/<int:run_id>")
def import_run(run_id: int):
    run = db_session().get(ImportRun, run_id)
    if run is None:
        abort(404)
    return render_template("import_run.html", run=run)
