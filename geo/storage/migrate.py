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


class PostgisMissing(RuntimeError):
    """The postgis extension is not in the database and this user cannot create it.
    The message says exactly what to run, and where."""


def ensure_postgis(url: str | None = None) -> str:
    """Create the postgis extension when it is missing and we may. Returns "present" or "created";
    raises PostgisMissing with the command to run when the server lacks the package or this
    user lacks the right (postgis is not a trusted extension: a superuser must create it)."""
    from sqlalchemy import create_engine, exc, pool, text
    from geo.storage.db import database_url

    engine = create_engine(url or database_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")):
                return "present"
            db, user = conn.scalar(text("SELECT current_database()")), conn.scalar(text("SELECT current_user"))
            major = int(conn.scalar(text("SHOW server_version_num"))) // 10000
            available = conn.scalar(text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"))
            if not available:
                raise PostgisMissing(
                    f"このサーバーには PostGIS がインストールされていません。サーバーで次を実行してから、"
                    f"もう一度 tsunagari db upgrade を実行してください:\n"
                    f"  apt-get install postgresql-{major}-postgis-3\n"
                    f"  psql -d {db} -c 'CREATE EXTENSION postgis;'   (スーパーユーザーで / as a superuser)\n"
                    f"(PostGIS is not installed on this server: install the postgis package for its PostgreSQL "
                    f"version (Debian: the package above), then create the extension as above.)")
            try:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
                conn.commit()
            except exc.DBAPIError as error:
                raise PostgisMissing(
                    f"ユーザー {user} には postgis 拡張を作成する権限がありません。データベース管理者"
                    f"（スーパーユーザー）に次を実行してもらい、もう一度 tsunagari db upgrade を実行してください:\n"
                    f"  psql -d {db} -c 'CREATE EXTENSION IF NOT EXISTS postgis;'\n"
                    f"(User {user} may not create the postgis extension: ask a superuser to run the command "
                    f"above in database {db}, then run tsunagari db upgrade again. "
                    f"Server said: {str(getattr(error, 'orig', error)).strip().splitlines()[0]})") from None
            return "created"
    finally:
        engine.dispose()


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
