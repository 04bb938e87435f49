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


from scripts.import_cli import import_group  # noqa: E402
from scripts.serve_cli import serve  # noqa: E402

main.add_command(import_group)
main.add_command(serve)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
