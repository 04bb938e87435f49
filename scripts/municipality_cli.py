"""`tsunagari municipality …`: the municipalities this instance serves and their stored settings."""
from __future__ import annotations

import click

from geo.storage.db import ensure_database


@click.group("municipality", help="市区町村の設定 (municipalities served: list / set / unset)")
def municipality_group() -> None:
    pass


def _show(s) -> str:
    kinds = ",".join(s.area_kinds) or "-"
    th = "; ".join(f"{layer}: " + ", ".join(f"{k}={v}" for k, v in vals.items())
                   for layer, vals in sorted(s.thresholds.items())) or "-"
    stored = "設定あり (stored)" if s.stored else "既定 (defaults)"
    return (f"{s.code6} {s.pref}{s.name}" + (f" 「{s.title}」" if s.title else "") +
            f" — 場所 {s.places} / 区域 {s.areas} — 区域の種類 (area kinds) {kinds} — しきい値 (thresholds) {th} [{stored}]")


@municipality_group.command("list", help="一覧 (every municipality served)")
def municipality_list() -> None:
    from geo.places.served import served_municipalities
    from geo.storage.db import session_scope

    ensure_database()
    with session_scope() as session:
        rows = served_municipalities(session)
        if not rows:
            click.echo("まだ市区町村がありません (no municipality yet: import places or areas, or use set)")
        for s in rows:
            click.echo(_show(s))


def _thresholds(values: tuple[str, ...]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for item in values:
        try:
            lhs, value = item.split("=", 1)
            layer, key = lhs.split(".", 1)
        except ValueError:
            raise click.BadParameter(f"LAYER.NAME=VALUE の形で指定してください (expected LAYER.NAME=VALUE): {item}")
        value = value.strip()
        out.setdefault(layer.strip(), {})[key.strip()] = None if value.lower() in ("", "none", "off") else value
    return out


@municipality_group.command("set", help="設定を保存 (store area kinds, thresholds, title, order)")
@click.argument("code")
@click.option("--area-kinds", help="区域の種類をカンマ区切りで（最初が既定） e.g. elementary,junior_high")
@click.option("--threshold", "thresholds", multiple=True,
              help="LAYER.NAME=VALUE e.g. salons.min_places=2, salons.min_covered_share=0.6, salons.min_per_1000=off")
@click.option("--title", help="表示名 (display name)")
@click.option("--order", type=int, help="並び順 (sort order)")
def municipality_set(code, area_kinds, thresholds, title, order) -> None:
    from geo.places.served import save_settings
    from geo.storage.db import session_scope
    from geo.vocab import Invalid

    ensure_database()
    try:
        with session_scope() as session:
            s = save_settings(session, code,
                              area_kinds=[k.strip() for k in area_kinds.split(",") if k.strip()] if area_kinds else None,
                              thresholds=_thresholds(thresholds) if thresholds else None, title=title, sort_order=order)
            click.echo("保存しました (saved): " + _show(s))
    except Invalid as exc:
        raise click.ClickException(f"{exc.text('ja')} ({exc.text('en')})")


@municipality_group.command("unset", help="保存した設定を消す (back to the defaults)")
@click.argument("code")
def municipality_unset(code) -> None:
    from geo.places.served import delete_settings
    from geo.storage.db import session_scope
    from geo.vocab import Invalid

    ensure_database()
    try:
        with session_scope() as session:
            done = delete_settings(session, code)
    except Invalid as exc:
        raise click.ClickException(f"{exc.text('ja')} ({exc.text('en')})")
    click.echo("消しました (removed)" if done else "設定はありませんでした (nothing stored)")
