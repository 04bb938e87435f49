"""One recorded run per import: the ImportRun row with its counts and report, opened and closed
here, for applied, dry and failed runs alike. No Flask.

    with recorded_run(session, report):          # commits on success
        plan = plan_places(session, path, report=report, ...)
        if not report.dry_run:
            apply_plan(session, plan)

On any error inside the block the transaction is rolled back, the run is recorded as
'failed' with the message in a transaction of its own, and ImportFailed (carrying the
report) is raised: a file is imported whole or not at all.
"""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import func
from sqlalchemy.orm import Session

from geo.ingest.records import Rejection, reason_text
from geo.storage.models import ImportRun, RejectedRow

__all__ = ["ImportReport", "ImportFailed", "recorded_run", "new_report", "MAX_LISTED"]

MAX_LISTED = 2000  # rows listed per section of a stored report (counts are always complete)


class ImportFailed(Exception):
    """The file was rejected as a whole; nothing was written. `report` holds the failed run."""

    def __init__(self, message: str, report: "ImportReport"):
        super().__init__(message)
        self.report = report


@dataclass
class ImportReport:
    kind: str                          # places / areas / population
    file_name: str
    status: str = "applied"            # applied / dry_run / failed
    dry_run: bool = False
    run_id: int | None = None
    dataset_id: int | None = None
    dataset_name: str | None = None
    licence: str | None = None
    attribution: str | None = None
    format: str = ""
    encoding: str = ""
    layer: str | None = None
    area_kind: str | None = None
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    closed: int = 0
    message: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    rejections: list[dict] = field(default_factory=list)      # {line, reason, raw}
    warnings: list[str] = field(default_factory=list)
    geocoding: dict[str, Any] = field(default_factory=dict)   # enabled, attempted, levels, fine, placed, unmatched
    no_point: list[dict] = field(default_factory=list)        # kept without a point: {line, name, address, reason}
    needs_review: list[dict] = field(default_factory=list)    # placed but coarse: {line, name, address, level, matched, reason}
    missing: list[dict] = field(default_factory=list)         # in the database, not in this file
    notes: list[dict] = field(default_factory=list)           # per-row notes: {line, code, params}
    file_hash: str | None = None

    def reject(self, rejections: list[Rejection]) -> None:
        """Set the rejected rows (sorted by line) and their count."""
        self.rejections = [_rejection_dict(r) for r in sorted(rejections, key=lambda r: r.line)]
        self.rejected = len(self.rejections)

    def to_dict(self) -> dict:
        return _clean_json(asdict(self))

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def summary(self) -> str:
        s = (f"読込 {self.read} / 新規 {self.new} / 更新 {self.updated} / 変更なし {self.unchanged} / "
             f"不採用 {self.rejected}")
        if self.closed:
            s += f" / 終了 {self.closed}"
        s += (f" (read {self.read}, new {self.new}, updated {self.updated}, unchanged {self.unchanged}, "
              f"rejected {self.rejected}" + (f", closed {self.closed}" if self.closed else "") + ")")
        return s

    def lines(self) -> list[str]:
        """The report as text lines (the CLI prints these)."""
        head = {"applied": "取り込みました (applied)", "dry_run": "確認のみ・書き込みなし (dry run: nothing written)",
                "failed": "取り込めませんでした・書き込みなし (failed: nothing written)"}[self.status]
        out = [f"{self.file_name}: {head}" + (f" — 取り込み #{self.run_id}" if self.run_id else "")]
        if self.message:
            out.append(f"  {self.message}")
        if self.status == "failed":
            return out
        out.append(f"  形式 (format): {self.format or '-'}" + (f" / 文字コード (encoding): {self.encoding}" if self.encoding else ""))
        if self.dataset_name:
            out.append(f"  データセット (dataset): {self.dataset_name}")
        if self.attribution or self.licence:
            out.append(f"  出典 (attribution): {self.attribution or '-'} / ライセンス (licence): {self.licence or '-'}")
        out.append("  " + self.summary())
        if self.rejections:
            out.append(f"  不採用の行 (rejected rows): {self.rejected}")
            for r in self.rejections:
                out.append(f"    {r['line']} 行目 (line {r['line']}): {_reason(r)}")
        g = self.geocoding
        if g.get("enabled"):
            levels = ", ".join(f"{k} {v}" for k, v in g.get("levels", {}).items()) or "-"
            out.append(f"  住所から位置を推定 (geocoding): {g.get('attempted', 0)} 件中 町丁目以上 {g.get('fine', 0)}"
                       f" / 要確認で配置 {g.get('coarse_placed', 0)} / 位置なし {g.get('unplaced', 0)}"
                       f" [{levels}] (attempted {g.get('attempted', 0)}, 町丁目 or better {g.get('fine', 0)},"
                       f" coarse placed {g.get('coarse_placed', 0)}, no point {g.get('unplaced', 0)})")
        if self.needs_review:
            out.append(f"  要確認 (needs review: coarse match): {len(self.needs_review)}")
            for r in self.needs_review:
                out.append(f"    {r['line']} 行目 {r['name']} — {r['address']} → {r.get('matched') or '-'}"
                           f" [{r.get('level') or '-'}] {r.get('reason') or ''}".rstrip())
        if self.no_point:
            out.append(f"  位置なしで登録・要修正 (kept without a point; please fix): {len(self.no_point)}")
            for r in self.no_point:
                out.append(f"    {r['line']} 行目 {r['name']} — {r.get('address') or '(住所なし)'}: {_reason(r)}")
        if self.missing:
            verb = "終了にしました (closed)" if self.closed else "ファイルにありません・そのまま残しています (not in this file; kept — use --close-missing to close)"
            out.append(f"  前回あって今回ない場所 {len(self.missing)} 件: {verb}")
            for m in self.missing:
                out.append(f"    #{m['id']} {m['name']}" + (f" (ID {m['source_id']})" if m.get("source_id") else ""))
        if self.notes:
            out.append(f"  行ごとの記録 (row notes): {len(self.notes)}")
            for n in self.notes:
                out.append(f"    {n['line']} 行目 (line {n['line']}): {_reason(n)}")
        if self.warnings:
            out.append(f"  注意 (warnings): {len(self.warnings)}")
            for w in self.warnings:
                out.append(f"    {w}")
        return out


# ----------------------------------------------------------------------------- helpers

def _clean_text(s):
    """PostgreSQL text and JSONB cannot hold NUL: replace it."""
    if isinstance(s, str) and "\x00" in s:
        return s.replace("\x00", "\ufffd")
    return s


def _clean_json(v):
    if isinstance(v, str):
        return _clean_text(v)
    if isinstance(v, dict):
        return {_clean_text(str(k)): _clean_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean_json(x) for x in v]
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, float) and v != v:
        return None
    return v



def _file_info(path) -> tuple[str, str | None]:
    if isinstance(path, (bytes, bytearray)):
        return "<bytes>", hashlib.sha256(path).hexdigest()
    p = Path(os.fspath(path))
    digest = None
    try:
        if p.is_file():
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            digest = h.hexdigest()
    except OSError:
        digest = None
    return p.name or str(p), digest


def _reason(entry: dict, lang: str | None = None) -> str:
    """The text of a stored rejection / note / no-point entry: its code when it has one."""
    if entry.get("code"):
        return reason_text(entry["code"], entry.get("params"), lang)
    return entry.get("reason") or ""


def _rejection_dict(r: Rejection) -> dict:
    params = _clean_json(r.params or {})
    return {"line": r.line, "code": r.code, "params": params, "reason": _clean_text(r.reason),
            "raw": _clean_text(r.raw or "")[:500]}


def _record_run(session: Session, report: ImportReport, dataset_id: int | None) -> ImportRun:
    run = ImportRun(id=getattr(report, "_reserved_id", None), dataset_id=dataset_id, file_name=report.file_name, file_hash=report.file_hash,
                    format=report.format or None, encoding=report.encoding or None, status=report.status,
                    dry_run=report.dry_run, read=report.read, new=report.new, updated=report.updated,
                    unchanged=report.unchanged, rejected=report.rejected, message=report.message,
                    finished_at=func.now())
    session.add(run)
    session.flush()
    report.run_id = run.id
    full = report.to_dict()
    # the rejected rows live in rejected_row; the JSON keeps the rest (lists capped for very large files)
    full.pop("rejections", None)
    for key in ("no_point", "needs_review", "missing", "warnings", "notes"):
        if len(full[key]) > MAX_LISTED:
            full[key + "_total"] = len(full[key])
            full[key] = full[key][:MAX_LISTED]
    run.report = full
    if report.rejections:
        session.execute(RejectedRow.__table__.insert(), [
            {"import_run_id": run.id, "line": r["line"], "reason": r["reason"], "raw": r["raw"],
             "code": r.get("code"), "params": r.get("params") or None}
            for r in report.rejections])
    session.flush()
    return run


def new_report(kind: str, path, *, dry_run: bool = False, **fields) -> ImportReport:
    file_name, digest = _file_info(path)
    return ImportReport(kind=kind, file_name=file_name, file_hash=digest, dry_run=dry_run,
                        status="dry_run" if dry_run else "applied", **fields)


@contextmanager
def recorded_run(session: Session, report: ImportReport, *, commit: bool = True) -> Iterator[ImportReport]:
    """Run the block in one transaction and record it as one ImportRun (see the module docstring).

    commit=False leaves the transaction to the caller (the demo loads several files in one):
    the run is recorded and flushed; on failure ImportFailed is raised and the caller rolls back."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small dicts: the cyclic GC would rescan them again and again
    try:
        if not report.dry_run:
            # the history (written by the database for every change to a place) names this run:
            # its id is reserved now, so each change is written with it at once
            from geo.editing.history import reserve_run
            report._reserved_id = reserve_run(session)
        yield report
        _record_run(session, report, report.dataset_id)
        if commit:
            session.commit()
    except Exception as e:  # noqa: BLE001 - any error: nothing of the file stays
        report.status = "failed"
        report.message = _clean_text(str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}")[:4000]
        report.new = report.updated = report.unchanged = report.closed = 0
        report.missing, report.no_point, report.needs_review = [], [], []
        report.dataset_id = None
        if commit:
            session.rollback()
            try:
                _record_run(session, report, None)
                session.commit()
            except Exception:  # noqa: BLE001 - the database itself is unusable: report what we can
                session.rollback()
                report.run_id = None
        raise ImportFailed(report.message, report) from e
    finally:
        if gc_was_enabled:
            gc.enable()
