"""Backups with PostgreSQL's own tools: `pg_dump -Fc` (custom format: every table — places,
areas, import history, users — with the schema and the migration revision) and `pg_restore`.

A restore first checks that the file is a readable archive, then replaces the objects it holds
in one transaction (--single-transaction --exit-on-error): it happens whole or not at all.
Stop the web app (or take it out of the load balancer) while restoring: open connections hold
locks that the restore waits for.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from geo.storage.db import database_url, libpq_url
from geo.storage.embedded import pg_bindir


class BackupError(RuntimeError):
    pass


def _tool(name: str) -> str:
    return str(pg_bindir() / name)


def backup(path: str | Path, url: str | None = None) -> Path:
    """Write the whole database to `path` (custom format); written to a temporary name first, so
    a failed dump never leaves a half file under the real name."""
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    proc = subprocess.run([_tool("pg_dump"), "--format=custom", "--compress=6", "--file", str(tmp),
                           "--dbname", libpq_url(url or database_url())], capture_output=True, text=True)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"pg_dump に失敗しました (pg_dump failed): {proc.stderr.strip()}")
    tmp.replace(path)
    return path


def archive_contents(path: str | Path) -> list[str]:
    """The archive's table of contents (pg_restore --list); BackupError when it is not an archive."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"ファイルがありません (no such file): {path}")
    proc = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"pg_dump のカスタム形式のバックアップではありません (not a pg_dump custom-format "
                          f"archive): {path}: {proc.stderr.strip()}")
    return [line for line in proc.stdout.splitlines() if line and not line.startswith(";")]


def restore(path: str | Path, url: str | None = None) -> int:
    """Replace the database's contents with the archive's. Returns the number of archive entries."""
    entries = archive_contents(path)
    proc = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction",
                           "--exit-on-error", "--no-owner", "--no-privileges",
                           "--dbname", libpq_url(url or database_url()), str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"復元に失敗しました。データベースは元のままです (restore failed; the database "
                          f"is unchanged): {proc.stderr.strip()}")
    return len(entries)
