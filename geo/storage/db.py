"""Database engine and sessions. DATABASE_URL wins; otherwise the embedded cluster under var/."""
from __future__ import annotations

import os
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from geo.storage.embedded import default_cluster


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return default_cluster().url()


def using_embedded() -> bool:
    return not os.environ.get("DATABASE_URL")


def ensure_database() -> None:
    """Start the embedded cluster when DATABASE_URL is unset (every command that needs the
    database calls this first); with DATABASE_URL set, that server is the operator's."""
    if using_embedded():
        default_cluster().start()


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """One engine (and connection pool) per database URL for the life of the process."""
    url = url or database_url()
    if url not in _engines:
        _engines[url] = create_engine(url, pool_pre_ping=True, future=True)
    return _engines[url]


def dispose_engines() -> None:
    """Close every pooled connection (before the database server is stopped)."""
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
