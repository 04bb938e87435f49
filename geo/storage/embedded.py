"""The embedded PostGIS: a private PostgreSQL cluster under var/ that the project starts itself.

Used when DATABASE_URL is not set. The cluster listens on a Unix socket inside its own
folder only (listen_addresses = ''), so it never clashes with a system PostgreSQL or a port
in use. PostgreSQL refuses to run as root, so when we are root the server runs as the
`postgres` system user that Debian's postgresql package creates.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

DB_NAME = "tsunagari"
DB_USER = "postgres"
PORT = 5432  # only names the socket file; nothing listens on TCP


class EmbeddedError(RuntimeError):
    pass


def pg_bindir() -> Path:
    """Debian's PostgreSQL 15 binaries (the ones PostGIS is built for)."""
    for cand in (os.environ.get("TSUNAGARI_PG_BINDIR"), "/usr/lib/postgresql/15/bin"):
        if cand and (Path(cand) / "initdb").exists():
            return Path(cand)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    raise EmbeddedError(
        "PostgreSQL 15 が見つかりません。scripts/setup.sh を実行してください "
        "(PostgreSQL 15 not found: run scripts/setup.sh, which installs postgresql-15-postgis-3)"
    )


@dataclass
class EmbeddedPostgres:
    root: Path  # e.g. <checkout>/var/pg

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, dbname: str = DB_NAME) -> str:
        return f"postgresql+psycopg://{DB_USER}@/{dbname}?host={self.socket_dir}&port={PORT}"

    # -- running commands as the right user -------------------------------------------
    def _as_owner(self, args: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return args
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:  # pragma: no cover - setup.sh installs the package that adds it
            raise EmbeddedError("postgres ユーザーがありません (no 'postgres' system user)") from exc
        return ["runuser", "-u", "postgres", "--", *args]

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            ent = pwd.getpwnam("postgres")
            os.chown(path, ent.pw_uid, ent.pw_gid)

    def _run(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(self._as_owner(args), capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise EmbeddedError(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    # -- lifecycle ----------------------------------------------------------------------
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        proc = self._run([str(pg_bindir() / "pg_ctl"), "status", "-D", str(self.data_dir)], check=False)
        return proc.returncode == 0

    def init(self) -> None:
        bindir = pg_bindir()
        for d in (self.root, self.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
            self._chown(d)
        self._run([
            str(bindir / "initdb"), "-D", str(self.data_dir), "-U", DB_USER, "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
        ])
        with open(self.data_dir / "postgresql.conf", "a") as fh:
            fh.write(
                "\n# つながりマップ embedded cluster\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                f"port = {PORT}\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "shared_buffers = 256MB\nwork_mem = 32MB\nmaintenance_work_mem = 256MB\n"
                # gunicorn workers x their pools, a standby, the CLI; the test suite keeps one per test database
                "max_connections = 200\n"
            )

    def start(self) -> None:
        if not self.initialised():
            self.init()
        if not self.running():
            log = self.log_file
            log.touch(exist_ok=True)
            self._chown(log)
            self._run([str(pg_bindir() / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data_dir),
                       "-l", str(log)])
        self._wait_ready()
        self.ensure_database(DB_NAME)

    def stop(self) -> None:
        if self.running():
            self._run([str(pg_bindir() / "pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(self.data_dir)])

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = subprocess.run([str(pg_bindir() / "pg_isready"), "-h", str(self.socket_dir), "-p", str(PORT)],
                                  capture_output=True)
            if proc.returncode == 0:
                return
            time.sleep(0.2)
        raise EmbeddedError(f"PostgreSQL did not become ready; see {self.log_file}")

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        proc = subprocess.run(
            [str(pg_bindir() / "psql"), "-h", str(self.socket_dir), "-p", str(PORT), "-U", DB_USER,
             "-d", dbname, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise EmbeddedError(proc.stderr)
        return proc.stdout.strip()

    def ensure_database(self, name: str, template: str | None = None) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if not exists:
            tmpl = f" TEMPLATE {template}" if template else ""
            self.psql(f'CREATE DATABASE "{name}"{tmpl}')
        if not template:
            self.psql("CREATE EXTENSION IF NOT EXISTS postgis", dbname=name)

    def migrated_database(self, name: str, template: str | None = None) -> str:
        """Create `name` (with PostGIS) if missing, migrate it to head and return its URL."""
        from geo.storage import migrate

        self.ensure_database(name, template=template)
        url = self.url(name)
        migrate.upgrade(url)
        return url

    def status(self) -> str:
        if not self.initialised():
            return "not initialised"
        return "running" if self.running() else "stopped"


def project_root() -> Path:
    """The folder holding var/ (the demo database, the secret key, uploads): TSUNAGARI_HOME, else
    the checkout (this file is <checkout>/geo/storage/embedded.py)."""
    return Path(os.environ.get("TSUNAGARI_HOME", Path(__file__).resolve().parents[2]))


def _usable_by_server(path: Path) -> bool:
    """The server (user postgres when we are root) must reach the folder, and the socket
    path must fit the 107-byte limit of Unix sockets."""
    if len(str(path / "run" / f".s.PGSQL.{PORT}")) > 100:
        return False
    if os.geteuid() != 0:
        return True
    probe = path
    while not probe.exists():
        probe = probe.parent
    return subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(probe)],
                          capture_output=True).returncode == 0


def cluster_at(path: Path) -> EmbeddedPostgres:
    """A cluster at `path`, or, when the server could not use that folder (a checkout under
    /root, a very long path), at a stable folder under /tmp named after it."""
    if _usable_by_server(path):
        return EmbeddedPostgres(path)
    import hashlib
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    alt = Path("/tmp") / f"tsunagari-{digest}"
    alt.mkdir(mode=0o755, exist_ok=True)
    os.chmod(alt, 0o755)
    return EmbeddedPostgres(alt / path.name)


def default_cluster() -> EmbeddedPostgres:
    return cluster_at(project_root() / "var" / "pg")


@contextmanager
def throwaway_cluster(path: Path, *, keep: bool = False, reuse: bool = False) -> Iterator[EmbeddedPostgres]:
    """A private cluster at `path` for tests, benchmarks and measuring scripts, never the
    development database. Started empty (or, with `reuse`, as a previous `keep` left it);
    on the way out every pooled connection is closed and the cluster is removed, or only
    stopped when `keep` is set. Use `cluster.migrated_database(name)` for a migrated URL."""
    from geo.storage.db import dispose_engines

    cluster = cluster_at(Path(path).resolve())  # the server runs in its data folder: no relative paths
    if not reuse:
        cluster.destroy()
    cluster.start()
    try:
        yield cluster
    finally:
        dispose_engines()
        if keep:
            cluster.stop()
        else:
            cluster.destroy()
