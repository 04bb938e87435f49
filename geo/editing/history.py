"""Who is changing places, for the history the database records.

The trigger `place_audit`/`place_created` (migration 0003) writes a `place_change` row for every
change to a place, whoever makes it: a form, the API, an import, an approved report or plain SQL.
It reads the actor from transaction-local settings, which `act_as` sets.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from geo.storage.models import ImportRun, Place, PlaceChange, Submission, User

_KEYS = ("user_id", "import_run_id", "submission_id", "reverts_id", "action", "via")


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    import_run_id: int | None = None
    submission_id: int | None = None
    via: str = "form"          # form / api / import / report / cli


def act_as(session: Session, actor: Actor | None, action: str | None = None, reverts_id: int | None = None) -> None:
    """Every change to a place from here to the end of the transaction is attributed to `actor`."""
    values = {"user_id": actor.user_id if actor else None,
              "import_run_id": actor.import_run_id if actor else None,
              "submission_id": actor.submission_id if actor else None,
              "reverts_id": reverts_id, "action": action, "via": actor.via if actor else None}
    session.execute(text("SELECT " + ", ".join(f"set_config('tsunagari.{k}', :{k}, true)" for k in _KEYS)),
                    {k: "" if v is None else str(v) for k, v in values.items()})


def reserve_run(session: Session) -> int:
    """Reserve the id of the import run about to write places, and attribute every change of this
    transaction to it (place_change.import_run_id is checked at commit, when the run row exists).
    A user who started the import from the browser stays named too."""
    run_id = session.scalar(text("SELECT nextval(pg_get_serial_sequence('import_run', 'id'))"))
    session.execute(text("SELECT set_config('tsunagari.import_run_id', :run, true), "
                         "set_config('tsunagari.via', coalesce(nullif(current_setting('tsunagari.via', true), ''), "
                         "'import'), true)"), {"run": str(run_id)})
    return run_id


def attribute_to_run(session: Session, run_id: int) -> int:
    """Give the changes this transaction made to import run `run_id` (the importer learns its run id
    only when it records the run, after writing the places). A user who started the import from the
    browser stays named too."""
    result = session.execute(
        update(PlaceChange).where(PlaceChange.txid == text("txid_current()"),
                                  PlaceChange.import_run_id.is_(None), PlaceChange.submission_id.is_(None))
        .values(import_run_id=run_id, via="import").execution_options(synchronize_session=False))
    return result.rowcount or 0


def changes_of(session: Session, place_id: int) -> list[PlaceChange]:
    return list(session.scalars(select(PlaceChange).where(PlaceChange.place_id == place_id)
                                .order_by(PlaceChange.id.desc())))


def current_json(session: Session, place_id: int) -> dict:
    """The place as the history sees it ({field: value}, point as [lat, lon])."""
    return session.execute(text("SELECT tsunagari_place_json(p) FROM place p WHERE p.id = :id"),
                           {"id": place_id}).scalar_one()


def who(session: Session, change: PlaceChange) -> dict:
    """{'kind': 'user'|'import'|'report'|'system', 'label': ..., 'id': ...} — labels are data."""
    if change.import_run_id:
        run = session.get(ImportRun, change.import_run_id)
        user = session.get(User, change.user_id) if change.user_id else None
        return {"kind": "import", "id": change.import_run_id, "label": (run.file_name if run else "")
                + (f" · {user.display_name}" if user else "")}
    if change.user_id:
        user = session.get(User, change.user_id)
        if change.submission_id:
            return {"kind": "report", "id": change.submission_id, "label": user.display_name if user else None}
        return {"kind": "user", "id": change.user_id, "label": user.display_name if user else None}
    if change.import_run_id:
        run = session.get(ImportRun, change.import_run_id)
        return {"kind": "import", "id": change.import_run_id, "label": run.file_name if run else None}
    if change.submission_id:
        return {"kind": "report", "id": change.submission_id, "label": None}
    return {"kind": "system", "id": None, "label": change.via}


__all__ = ["Actor", "act_as", "attribute_to_run", "changes_of", "current_json", "who",
           "Place", "Submission"]
