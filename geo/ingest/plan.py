"""An import as a plan, then applied: every row's fate before anything is written. No Flask.

Reading, validating and comparing a file produce a `Plan`: one `Change` per row of the file
(and one per database row the file no longer holds), each with its fate:

- ``new``: `values` holds every value that will be written;
- ``update``: `changes` holds ``{field: (old, new)}`` for each field that changes, `target_id`
  the row it changes (place / area / population id);
- ``unchanged``: `target_id` the row that stays as it is;
- ``rejected``: `rejection` holds the line and the reason code with its parameters;
- ``close``: a place of the dataset missing from the file, closed by --close-missing;
  ``missing``: the same, listed but kept.

Every Change can carry `notes` ({code, params}: per-row remarks such as an address repaired
before geocoding) and the plan's report carries them too. `apply_plan(session, plan, on_change)`
writes the plan (inside a recorded run: geo.ingest.run) and calls ``on_change(change)`` for
each new / update / close once its `target_id` is known: the place for per-field history.
`fingerprint` lets a page that showed a dry run refuse to apply when the plan changed since.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from geo.ingest.records import Rejection

__all__ = ["Change", "Plan", "FATES", "apply_plan"]

FATES = ("new", "update", "unchanged", "rejected", "close", "missing")


@dataclass(slots=True)
class Change:
    fate: str                                   # one of FATES
    line: int | None = None                     # line (feature number) in the file; None when not in the file
    key: str | None = None                      # source ID / area code / KEY_CODE, when the row has one
    name: str | None = None
    target_id: int | None = None                # the database row (known after applying for 'new')
    values: dict[str, Any] | None = None        # new (and update): the values written
    changes: dict[str, tuple[Any, Any]] | None = None   # update: {field: (old, new)}
    rejection: Rejection | None = None
    notes: list[dict[str, Any]] | None = None  # per-row notes: {"code": ..., "params": {...}}

    def note(self, code: str, **params) -> None:
        if self.notes is None:
            self.notes = []
        self.notes.append({"code": code, "params": params})


OnChange = Callable[[Change], None]


@dataclass
class Plan:
    """Every row's fate for one file, and how to write it (see the module docstring)."""
    kind: str                                   # places / areas / population
    report: Any                                 # geo.ingest.run.ImportReport: counts and lists for people
    rows: list[Change] = field(default_factory=list)
    writer: Callable[[Any, "Plan", OnChange | None], int | None] | None = None  # (session, plan, on_change) -> dataset id

    def add(self, change: Change) -> Change:
        self.rows.append(change)
        return change

    def reject(self, rejection: Rejection) -> Change:
        return self.add(Change("rejected", rejection.line, rejection=rejection))

    def fate(self, fate: str) -> Iterator[Change]:
        return (c for c in self.rows if c.fate == fate)

    @property
    def rejections(self) -> list[Rejection]:
        return sorted((c.rejection for c in self.rows if c.fate == "rejected"), key=lambda r: r.line)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(FATES, 0)
        for c in self.rows:
            out[c.fate] += 1
        return out

    def note(self, line: int | None, code: str, **params) -> None:
        """A per-row note (e.g. an address repaired before geocoding) shown with the report."""
        self.report.notes.append({"line": line, "code": code, "params": params})

    @property
    def fingerprint(self) -> str:
        """A digest of every fate and changed field: equal plans, equal fingerprints."""
        h = hashlib.sha256()
        for c in self.rows:
            h.update(f"{c.fate}|{c.line}|{c.key}|{c.target_id}|{sorted(c.changes or ())}\n".encode())
        return h.hexdigest()


def apply_plan(session, plan: Plan, on_change: OnChange | None = None) -> int | None:
    """Write the plan in the caller's transaction -> the dataset id. Call inside a recorded run."""
    if plan.writer is None:
        raise ValueError("この計画は書き込めません (this plan has nothing to apply)")
    return plan.writer(session, plan, on_change)
