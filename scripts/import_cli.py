"""`tsunagari import ...`: bring municipal open data in."""
from __future__ import annotations

import click


@click.group("import", help="オープンデータの取り込み (import open data)")
def import_group() -> None:
    pass


@import_group.command("gazetteer", help="住所データ（位置参照情報 CSV / Geolonia JSON）を登録 (load a gazetteer for offline geocoding)")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def import_gazetteer_cmd(files: tuple[str, ...]) -> None:
    from geo.db import session_scope
    from geo.gazetteer import import_gazetteer

    for path in files:
        with session_scope() as session:
            ds, n = import_gazetteer(session, path)
            click.echo(f"{path}: {n} 件 ({ds.format}, {ds.municipality_code})")
