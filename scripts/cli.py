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
    try:
        if migrate.ensure_postgis() == "created":
            click.echo("postgis 拡張を作成しました (created the postgis extension)")
    except migrate.PostgisMissing as exc:
        raise click.ClickException(str(exc)) from None
    if revision == "head":
        click.echo("住所データ（全国）を確認しています… (checking the national gazetteer)")
    loaded = migrate.upgrade(revision=revision)
    click.echo(f"schema revision: {migrate.current()}")
    if loaded is not None:
        what = "読み込みました (loaded)" if loaded.status == "loaded" else "最新です (up to date)"
        click.echo(f"住所データ（全国） {loaded.rows:,} 件 {what} — {loaded.seconds:.1f} s")


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


# --- replicas and backups --------------------------------------------------------------------
@db.group("replica", help="読み取り専用レプリカ (embedded streaming standby): up / down / status")
def db_replica() -> None:
    pass


@db_replica.command("up", help="内蔵DBのストリーミング・スタンバイを起動 (pg_basebackup -R, then start)")
def db_replica_up() -> None:
    from geo.storage.replica import replica_up
    if not using_embedded():
        raise click.ClickException("DATABASE_URL の外部DBには、そのサーバーの仕組みでレプリカを作ってください "
                                   "(with DATABASE_URL, set up replicas on that server; this command is for the embedded cluster)")
    standby = replica_up(_cluster())
    click.echo(f"スタンバイ起動 (standby running): {standby.root}")
    click.echo(f"DATABASE_REPLICA_URL={standby.url()}")


@db_replica.command("down", help="スタンバイを停止 (stop the standby; --remove deletes it)")
@click.option("--remove", is_flag=True)
def db_replica_down(remove: bool) -> None:
    from geo.storage.replica import replica_down
    replica_down(_cluster(), remove=remove)
    click.echo("削除しました (removed)" if remove else "停止しました (stopped)")


@db_replica.command("status", help="スタンバイの状態と遅れ (state and lag)")
def db_replica_status() -> None:
    from geo.storage.replica import replica_status
    st = replica_status(_cluster())
    click.echo(f"standby: {st['state']} ({st['root']})")
    if st["lag_bytes"] is not None:
        click.echo(f"replay lag: {st['lag_bytes']} bytes")
    if st["state"] != "not created":
        click.echo(f"DATABASE_REPLICA_URL={st['url']}")


@main.command("backup", help="データベース全体をファイルに保存 (pg_dump custom format: everything)")
@click.argument("file", type=click.Path(dir_okay=False))
def backup_cmd(file: str) -> None:
    from geo.storage.backup import BackupError, backup
    ensure_database()
    try:
        path = backup(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"保存しました (backed up): {path} ({path.stat().st_size:,} bytes)")


@main.command("restore", help="バックアップから復元 (replace the database's contents; whole or nothing)")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="確認なしで実行 (do not ask)")
def restore_cmd(file: str, yes: bool) -> None:
    from geo.storage.backup import BackupError, archive_contents, restore
    ensure_database()
    try:
        archive_contents(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if not yes:
        click.confirm("いまのデータをバックアップの内容で置き換えます。よろしいですか？ "
                      "(Replace the current data with the backup?)", abort=True)
    try:
        n = restore(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"復元しました (restored): {file} ({n} entries)")


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
    _set_active(email, False, "停止しました (disabled)")


@user.command("enable", help="利用者を有効に戻す (enable a user again)")
@click.argument("email")
def user_enable(email: str) -> None:
    _set_active(email, True, "有効にしました (enabled)")


def _set_active(email: str, active: bool, done: str) -> None:
    from geo.accounts import users
    try:
        with _user_session() as s:
            users.set_active(s, users.require(s, email), active)
            click.echo(f"{done}: {email}")
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
from scripts.serve_cli import serve  # noqa: E402

main.add_command(import_group)
main.add_command(serve)

from scripts.municipality_cli import municipality_group  # noqa: E402

main.add_command(municipality_group)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
