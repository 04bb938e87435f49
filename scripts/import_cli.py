"""`tsunagari import ...`: bring municipal open data in.

    tsunagari import places FILE --layer L [--municipality CODE] [--map column=field ...]
                            [--dry-run] [--geocode] [--close-missing] [--licence ...] [--attribution ...]
    tsunagari import areas FILE --kind elementary|junior_high|... [--municipality CODE] [--dry-run]
    tsunagari import population FILE [--year 2020] [--dry-run]
    tsunagari import gazetteer FILE ...

Each file is imported whole or not at all. The report (counts, every rejected row with its
line and reason, geocoding results, warnings) is printed here and stored with the import run
(/imports). Exit code 1 when the file is rejected as a whole (unreadable, wrong columns ...),
0 otherwise (rejected rows alone do not fail the import).
"""
from __future__ import annotations

import sys

import click

from geo.storage.db import ensure_database

AREA_KIND_CHOICES = ("elementary", "junior_high", "daily_life_area", "district", "catchment", "town_block",
                     "municipality")


@click.group("import", help="オープンデータの取り込み (import open data)")
def import_group() -> None:
    pass


class _Progress:
    """A simple counter on stderr for long files (nothing for short ones, nothing in tests' output)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 5000:
            return
        self.shown = True
        click.echo(f"\r  処理中 (processing) {done:,}/{total:,}", nl=False, err=True)

    def end(self) -> None:
        if self.shown:
            click.echo("", err=True)


def _run(fn, path: str, quiet: bool, **kwargs) -> None:
    from geo.storage.db import session_factory
    from geo.ingest.importer import ImportFailed

    ensure_database()
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    session = session_factory()()
    try:
        report = fn(session, path, progress=progress, **kwargs)
    except ImportFailed as e:
        progress.end()
        for line in e.report.lines():
            click.echo(line)
        click.echo("ファイル全体を取り込めませんでした。データベースは変更していません "
                   "(the file was rejected as a whole; the database is unchanged)", err=True)
        raise SystemExit(1)
    finally:
        session.close()
    progress.end()
    for line in report.lines():
        click.echo(line)


def _parse_map(values: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"列名=項目名 の形で指定してください: {v!r} (use column=field)", param_hint="--map")
        col, field = v.rsplit("=", 1)
        mapping[col.strip()] = field.strip()
    return mapping


def _layer_choices() -> list[str]:
    try:
        import layers
        return [layer.id for layer in layers.place_layers()]
    except Exception:  # noqa: BLE001 - help text must never fail
        return []


@import_group.command("places", help="場所の一覧（CSV）を取り込む (import a place list)")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--layer", required=True, help="レイヤー (layer): " + ", ".join(_layer_choices()))
@click.option("--municipality", "municipality", default=None, help="団体コード 5桁/6桁 (municipality code)")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="列の割り当て (map a column to a field), e.g. --map 施設名=name --map 所在地=address")
@click.option("--dry-run", is_flag=True, help="確認のみ・場所は書き込まない (validate and report only)")
@click.option("--geocode", is_flag=True, help="座標のない行を住所から配置 (geocode rows without coordinates)")
@click.option("--close-missing", is_flag=True,
              help="前回あって今回ない場所を終了にする (close places missing from this file)")
@click.option("--licence", "--license", "licence", default=None, help="ライセンス (licence text)")
@click.option("--attribution", default=None, help="出典表示 (attribution text shown on the map)")
@click.option("--dataset", "dataset_name", default=None,
              help="データセット名（更新版のファイル名が違うとき） (dataset name, to update one imported under another file name)")
@click.option("--quiet", is_flag=True, help="進み具合を表示しない (no progress counter)")
def import_places_cmd(file, layer, municipality, maps, dry_run, geocode, close_missing, licence, attribution,
                      dataset_name, quiet) -> None:
    from geo.ingest.importer import import_places

    _run(import_places, file, quiet, layer=layer, municipality_code=municipality, mapping=_parse_map(maps) or None,
         dry_run=dry_run, geocode=geocode, close_missing=close_missing, licence=licence,
         attribution=attribution, dataset_name=dataset_name)


@import_group.command("areas", help="区域（学校区・地区など）を取り込む (import area polygons)")
@click.argument("file", type=click.Path())
@click.option("--kind", required=True, type=click.Choice(AREA_KIND_CHOICES), help="区域の種類 (area kind)")
@click.option("--municipality", "municipality", default=None,
              help="この団体コードの区域だけ (only this municipality)")
@click.option("--dry-run", is_flag=True, help="確認のみ (validate and report only)")
@click.option("--licence", "--license", "licence", default=None)
@click.option("--attribution", default=None)
@click.option("--dataset", "dataset_name", default=None)
@click.option("--name-column", default=None, help="名称の列 (name column, for generic files)")
@click.option("--code-column", default=None, help="コードの列 (code column, for generic files)")
@click.option("--quiet", is_flag=True)
def import_areas_cmd(file, kind, municipality, dry_run, licence, attribution, dataset_name, name_column,
                     code_column, quiet) -> None:
    from geo.ingest.importer import import_areas

    _run(import_areas, file, quiet, kind=kind, municipality_code=municipality, dry_run=dry_run, licence=licence,
         attribution=attribution, dataset_name=dataset_name, name_column=name_column, code_column=code_column)


@import_group.command("population", help="人口（e-Stat 小地域の境界・年齢別表）を取り込む (import small-area population)")
@click.argument("file", type=click.Path())
@click.option("--year", default=2020, type=int, show_default=True, help="調査年 (census year)")
@click.option("--dry-run", is_flag=True, help="確認のみ (validate and report only)")
@click.option("--licence", "--license", "licence", default=None)
@click.option("--attribution", default=None)
@click.option("--dataset", "dataset_name", default=None)
@click.option("--quiet", is_flag=True)
def import_population_cmd(file, year, dry_run, licence, attribution, dataset_name, quiet) -> None:
    from geo.ingest.importer import import_population

    _run(import_population, file, quiet, year=year, dry_run=dry_run, licence=licence, attribution=attribution,
         dataset_name=dataset_name)


@import_group.command("gazetteer", help="住所データ（位置参照情報 CSV / Geolonia JSON）を登録 (load a gazetteer for offline geocoding)")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def import_gazetteer_cmd(files: tuple[str, ...]) -> None:
    from geo.ingest.gazetteer import import_gazetteer_file
    from geo.storage.db import session_scope

    ensure_database()
    for path in files:
        with session_scope() as session:
            ds, n = import_gazetteer_file(session, path)
            click.echo(f"{path}: {n} 件 ({ds.format}, {ds.municipality_code})")
