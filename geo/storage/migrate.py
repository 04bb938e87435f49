"""Alembic, driven from code: `tsunagari db upgrade|downgrade` and the test fixtures use this."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head", load_reference: bool = True):
    """Migrate; at head, also load (or update) the national gazetteer shipped with the package.
    Returns the gazetteer load (geo.geocoding.gazetteer.NationalLoad) or None."""
    command.upgrade(alembic_config(url), revision)
    if load_reference and revision == "head":
        from geo.geocoding.gazetteer import ensure_national_gazetteer

        return ensure_national_gazetteer(url)
    return None


def downgrade(url: str | None = None, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str | None = None) -> str | None:
    from sqlalchemy import create_engine, pool
    from alembic.runtime.migration import MigrationContext
    from geo.storage.db import database_url

    engine = create_engine(url or database_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
