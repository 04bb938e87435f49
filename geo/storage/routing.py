"""Which database a unit of work talks to: writes to the primary, reads to a healthy replica.

    router = Router(primary_url, replica_urls)
    session = router.session(readonly=True)    # a replica if one answers, else the primary

- Replicas (PostgreSQL streaming standbys, DATABASE_REPLICA_URL) are tried in turn, starting
  from a different one each time (round robin). A replica that fails to connect is skipped for
  REPLICA_RETRY_S seconds; when none answers, reads go to the primary.
- The primary is a circuit breaker: once a connection to it fails, every caller gets
  `DatabaseUnavailable` at once (no waiting on a dead server) for PRIMARY_RETRY_S seconds, then
  the next caller tries again. So a database that comes back is used again within about a second,
  without restarting anything, and one that is down costs callers no time.

The session's connection is checked out (and pinged, pool_pre_ping) before it is handed over, so a
dead server is noticed here, where there is still a choice, not in the middle of a query.
"""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from geo.storage.db import get_engine

PRIMARY_RETRY_S = 1.0
REPLICA_RETRY_S = 5.0
# The errors that mean "this server cannot be reached / is not serving", as opposed to a bad query.
CONNECTION_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


class DatabaseUnavailable(RuntimeError):
    """The primary database cannot be reached now; try again in `retry_after` seconds."""

    def __init__(self, detail: str = "", retry_after: int = 5):
        super().__init__(detail or "database unavailable")
        self.retry_after = retry_after


def is_connection_error(error: BaseException) -> bool:
    """True when `error` says the server is gone (not that a statement was wrong)."""
    if isinstance(error, (sa_exc.InterfaceError, sa_exc.TimeoutError, DatabaseUnavailable)):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, sa_exc.OperationalError):
            state = getattr(error.orig, "sqlstate", None)
            # no SQLSTATE: the connection itself failed; 08xxx connection exception; 57P0x shutdown
            return state is None or state.startswith("08") or state.startswith("57P")
    return False


@dataclass
class Backend:
    url: str
    role: str                     # "primary" or "replica"
    retry_s: float
    down_until: float = 0.0
    last_error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def available(self) -> bool:
        return time.monotonic() >= self.down_until

    def mark_down(self, error: BaseException | str) -> None:
        with self._lock:
            self.down_until = time.monotonic() + self.retry_s
            self.last_error = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__

    def mark_up(self) -> None:
        if self.down_until:
            with self._lock:
                self.down_until = 0.0

    @property
    def engine(self):
        return get_engine(self.url)

    @property
    def read_engine(self):
        return get_engine(self.url, readonly=True)


class Router:
    def __init__(self, primary_url: str, replica_urls: list[str] | tuple[str, ...] = ()):
        self.primary = Backend(primary_url, "primary", PRIMARY_RETRY_S)
        self.replicas = [Backend(u, "replica", REPLICA_RETRY_S) for u in replica_urls if u]
        self._turn = itertools.count()

    def _open(self, backend: Backend, autocommit: bool = False) -> Session:
        session = Session(bind=backend.read_engine if autocommit else backend.engine, expire_on_commit=False)
        try:
            session.connection()
        except CONNECTION_ERRORS as exc:
            session.close()
            backend.mark_down(exc)
            raise
        backend.mark_up()
        session.info["backend"] = backend
        return session

    def session(self, readonly: bool = False, autocommit: bool = False) -> Session:
        """A session on a replica (readonly, when one answers) or on the primary.
        `autocommit` (for short read-only requests): each statement on its own, no BEGIN/ROLLBACK
        round trips — not for server-side cursors (yield_per) or reads that need one snapshot.
        Raises DatabaseUnavailable when the primary is needed and cannot be reached."""
        if readonly and self.replicas:
            start = next(self._turn)
            for i in range(len(self.replicas)):
                replica = self.replicas[(start + i) % len(self.replicas)]
                if not replica.available():
                    continue
                try:
                    return self._open(replica, autocommit=autocommit)
                except CONNECTION_ERRORS:
                    continue
        if not self.primary.available():
            raise DatabaseUnavailable(self.primary.last_error or "")
        try:
            return self._open(self.primary, autocommit=readonly and autocommit)
        except CONNECTION_ERRORS as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    def failed(self, session: Session | None, error: BaseException) -> None:
        """A query on `session` died of a connection error: stop using its server for a while."""
        backend = (session.info.get("backend") if session is not None else None) or self.primary
        if is_connection_error(error):
            backend.mark_down(error)

    def check(self, backend: Backend) -> bool:
        """Ask the server directly (ignoring the breaker): does it answer SELECT 1?"""
        from sqlalchemy import text
        try:
            with backend.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except CONNECTION_ERRORS as exc:
            backend.mark_down(exc)
            return False
        backend.mark_up()
        return True
