"""`tsunagari`: the one command for everything an operator runs."""
from __future__ import annotations

import sys

import click

from geo.storage.db import ensure_database, using_embedded


def _cluster():
    from geo.storage.embedded import default_cluster
    return default_cluster()


@click.group(help="つながりマップ — 地域の居場所マップ / Tsunagari Map")
def main() -> None:
    pass


# --- database -----------------------------------------------------------------------------
@main.group(help="データベース (database): up / down / status / upgrade / downgrade")
def db() -> None:
    pass


@db.command("up", help="内蔵 PostGIS を起動 (start the embedded PostGIS under var/)")
def db_up() -> None:
    if not using_embedded():
        click.echo("DATABASE_URL が設定されているため内蔵DBは使いません (DATABASE_URL is set: not starting the embedded cluster)")
        return
    c = _cluster()
    c.start()
    click.echo(f"起動しました (running): {c.url()}")


@db.command("down", help="内蔵 PostGIS を停止 (stop the embedded PostGIS)")
def db_down() -> None:
    _cluster().stop()
    click.echo("停止しました (stopped)")


@db.command("status", help="状態 (status)")
def db_status() -> None:
    from geo.storage import migrate
    if using_embedded():
        c = _cluster()
        click.echo(f"embedded cluster: {c.status()} ({c.root})")
        if not c.running():
            return
    click.echo(f"schema revision: {migrate.current() or '(none)'}")


@db.command("upgrade", help="スキーマを最新に (migrate the schema to head)")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    from geo.storage import migrate
    ensure_database()
    migrate.upgrade(revision=revision)
    click.echo(f"schema revision: {migrate.current()}")


@db.command("downgrade", help="スキーマを戻す (migrate down; default one step)")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    from geo.storage import migrate
    ensure_database()
    migrate.downgrade(revision=revision)
    click.echo(f"schema revision: {migrate.current() or '(none)'}")


# --- demo and serving ----------------------------------------------------------------------
@main.command(help="生駒市のデモを読み込む (load the Ikoma demo: real areas, fictional places)")
def demo() -> None:
    from geo.storage import migrate
    from geo.storage.db import session_scope
    from geo.demo import load_demo

    ensure_database()
    migrate.upgrade()
    with session_scope() as session:
        r = load_demo(session)
    click.echo(f"小学校区 {r.elementary} / 中学校区 {r.junior_high} / 町丁 {r.town_blocks} (人口 {r.population:,})")
    click.echo("架空のサンプル施設 (fictional places): " + ", ".join(f"{k} {v}" for k, v in r.places.items()))
    click.echo(f"担当圏域 (catchments): {r.catchments}")


@main.command(help="ウェブ画面を起動 (serve the web app)")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--debug", is_flag=True)
def serve(host: str, port: int, debug: bool) -> None:
    from web import create_app

    ensure_database()
    app = create_app()
    click.echo(f"つながりマップ: http://{host}:{port}/")
    app.run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)


# --- users (accounts and roles) ------------------------------------------------------------
@main.group(help="利用者 (users): add / list / disable / enable / password")
def user() -> None:
    pass


def _password(confirm: bool = True) -> str:
    """From TSUNAGARI_PASSWORD, else an interactive prompt — never a command-line argument."""
    import os

    pw = os.environ.get("TSUNAGARI_PASSWORD")
    if pw:
        return pw
    return click.prompt("パスワード (password)", hide_input=True, confirmation_prompt=confirm)


def _user_session():
    from geo.storage.db import session_scope
    ensure_database()
    return session_scope()


def _account_error(exc) -> None:
    from geo import vocab
    raise click.ClickException(f"{vocab.text('account_' + exc.code, 'ja', **exc.params)} "
                               f"({vocab.text('account_' + exc.code, 'en', **exc.params)})")


@user.command("add", help="利用者を追加 (add a user); the password comes from TSUNAGARI_PASSWORD or a prompt")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "coordinator", "viewer"]), required=True)
@click.option("--municipality", "municipalities", multiple=True, help="団体コード (municipality code), repeatable")
@click.option("--name", "display_name", default=None, help="表示名 (display name)")
def user_add(email: str, role: str, municipalities: tuple[str, ...], display_name: str | None) -> None:
    from geo.accounts import users
    password = _password()
    try:
        with _user_session() as s:
            u = users.create_user(s, email, password, role, list(municipalities), display_name)
            click.echo(f"追加しました (added): {u.email} [{u.role}] {' '.join(u.municipalities)}")
    except users.AccountError as exc:
        _account_error(exc)


@user.command("list", help="利用者の一覧 (list users)")
def user_list() -> None:
    from geo.accounts import users
    with _user_session() as s:
        rows = users.list_users(s)
        if not rows:
            click.echo("利用者はいません (no users)")
        for u in rows:
            state = "active" if u.active else "disabled"
            click.echo(f"{u.email}\t{u.role}\t{' '.join(u.municipalities) or '-'}\t{state}\t{u.display_name}")


@user.command("disable", help="利用者を停止 (disable a user; their sessions end)")
@click.argument("email")
def user_disable(email: str) -> None:
    from geo.accounts import users
    try:
        with _user_session() as s:
            users.set_active(s, users.require(s, email), False)
            click.echo(f"停止しました (disabled): {email}")
    except users.AccountError as exc:
        _account_error(exc)


@user.command("enable", help="利用者を有効に戻す (enable a user again)")
@click.argument("email")
def user_enable(email: str) -> None:
    from geo.accounts import users
    try:
        with _user_session() as s:
            users.set_active(s, users.require(s, email), True)
            click.echo(f"有効にしました (enabled): {email}")
    except users.AccountError as exc:
        _account_error(exc)


@user.command("password", help="パスワードを設定 (set a password; TSUNAGARI_PASSWORD or a prompt)")
@click.argument("email")
def user_password(email: str) -> None:
    from geo.accounts import users
    try:
        with _user_session() as s:
            u = users.require(s, email)
            users.set_password(s, u, _password())
            click.echo(f"設定しました (password set): {email}")
    except users.AccountError as exc:
        _account_error(exc)


from scripts.import_cli import import_group  # noqa: E402

main.add_command(import_group)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
