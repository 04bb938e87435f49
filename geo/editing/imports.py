"""Importing a place list from the browser: a dry run that writes nothing at all (the plan is made
in a transaction that is rolled back, so not even a run record stays), then the same import applied
in one transaction — refused when the plan changed since it was shown (geo.ingest's fingerprint) and
refused whole when it would touch a municipality outside the user's scope. The history names the
run and the user."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from geo.accounts.scope import Scope
from geo.editing.history import Actor, act_as
from geo.ingest.importer import ImportFailed, ImportReport, Plan, plan_import, run_import

ACCEPTED_SUFFIXES = (".csv",)
MAX_BYTES = 20 * 1024 * 1024


class OutsideScope(Exception):
    def __init__(self, codes: list[str]):
        super().__init__(", ".join(codes))
        self.codes = codes


def preview(engine: Engine, path, **options) -> tuple[ImportReport, str | None]:
    """(report, fingerprint): what applying would do — counts, rejected rows with line and reason,
    geocoding levels, places that would close. Nothing is written."""
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            plan: Plan = plan_import(session, "places", path, **options)
            return plan.report, plan.fingerprint
        except ImportFailed as exc:
            return exc.report, None
        finally:
            session.close()
            outer.rollback()


def apply(engine: Engine, path, scope: Scope, actor: Actor, expect: str | None, **options) -> ImportReport:
    """Import for real, in one transaction. A failed file leaves only its failed run record."""
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            act_as(session, actor)
            try:
                report = run_import(session, "places", path, expect=expect, **options)
            except ImportFailed as exc:
                outer.commit()
                return exc.report
            touched = [c for c in conn.execute(text(
                "SELECT DISTINCT left(p.municipality_code, 5) FROM place_change c JOIN place p ON p.id = c.place_id "
                "WHERE c.txid = txid_current()")).scalars() if not scope.can_edit(c)]
            if touched:
                outer.rollback()
                raise OutsideScope(sorted(str(c) for c in touched))
            outer.commit()
            return report
        finally:
            session.close()
