"""Database engine and sessions. DATABASE_URL wins; otherwise the embedded cluster under var/."""
from __future__ import annotations

import os
from contextlib import contextmanager

import orjson
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from geo.storage.embedded import default_cluster


def normalise_url(url: str) -> str:
    """postgresql:// or postgres:// (libpq style) -> the SQLAlchemy URL with the psycopg 3 driver."""
    url = url.strip()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_url(url)
    return default_cluster().url()


def using_embedded() -> bool:
    return not os.environ.get("DATABASE_URL")


def ensure_database() -> None:
    """Start the embedded cluster when DATABASE_URL is unset (every command that needs the
    database calls this first); with DATABASE_URL set, that server is the operator's."""
    if using_embedded():
        default_cluster().start()


def replica_urls() -> list[str]:
    """DATABASE_REPLICA_URL: one or more read-only standbys, comma-separated (may be empty)."""
    raw = os.environ.get("DATABASE_REPLICA_URL") or ""
    return [normalise_url(u) for u in raw.split(",") if u.strip()]


def libpq_url(url: str) -> str:
    """The same database as a libpq URI (for pg_dump, pg_restore, pg_basebackup, psql)."""
    from sqlalchemy.engine import make_url
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# A dead or unreachable server must fail fast: libpq's shortest connect timeout (2 s; a stopped
# local server fails at once), and every pooled connection is checked before use.
CONNECT_TIMEOUT_S = 2


_engines: dict[str, Engine] = {}
_read_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None, readonly: bool = False) -> Engine:
    """One engine (and connection pool) per database URL for the life of the process.

    `readonly`: the same pool, with each checkout in autocommit mode, for requests that only
    read: every statement is its own snapshot and there is no BEGIN and no ROLLBACK round trip
    around it (a nearest-places request is then one query)."""
    url = url or database_url()
    if url not in _engines:
        engine = create_engine(
            url, future=True, pool_size=5, max_overflow=10, pool_timeout=5,
            # json/jsonb columns read with orjson (schedules, sources: several per map row)
            json_deserializer=orjson.loads,
            # jit off: the planner's cost for PostGIS functions makes short map queries "expensive"
            # enough for LLVM JIT, which then spends seconds compiling a query that runs in milliseconds
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "tsunagari",
                          "options": "-c jit=off"})
        _ping_when_idle(engine)
        _engines[url] = engine
    if not readonly:
        return _engines[url]
    if url not in _read_engines:
        _read_engines[url] = _engines[url].execution_options(isolation_level="AUTOCOMMIT")
    return _read_engines[url]


IDLE_PING_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping for a busy pool: a connection idle for IDLE_PING_S or more is pinged before
    use (and replaced when dead), one in constant use is not (a ping is a round trip, as costly as
    the query). A connection that dies between two uses fails its query; SQLAlchemy then
    invalidates the whole pool, so the next checkout connects afresh."""
    import time

    from sqlalchemy import event, exc

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):
        now = time.monotonic()
        if now - record.info.get("used", 0.0) >= IDLE_PING_S:
            try:
                dbapi_conn.execute("SELECT 1")
                if not dbapi_conn.autocommit:
                    dbapi_conn.rollback()
            except Exception as error:  # noqa: BLE001 - any failure means: use another connection
                raise exc.DisconnectionError(str(error)) from error
        record.info["used"] = now

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record):
        if record is not None:
            record.info["used"] = time.monotonic()


def dispose_engines() -> None:
    """Close every pooled connection (before the database server is stopped)."""
    _read_engines.clear()
    while _engines:
        _engines.popitem()[1].dispose()


def session_factory(url: str | None = None) -> sessionmaker:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False, future=True)


@contextmanager
def session_scope(url: str | None = None):
    """One transaction: commit on success, roll back on any error."""
    session: Session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
