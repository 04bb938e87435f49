"""The gazetteer in the database, and the Geocoder built from it. No Flask here.

`tsunagari import gazetteer FILE` stores entries once; imports (`--geocode`) and the
resident search box both geocode through `geocoder_for(session)`: the same code.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from geo.geocoding.geocode import GazEntry, Geocoder, read_geolonia_json, read_mlit_isj_csv
from geo.storage.models import Dataset, GazetteerEntry
from geo.ingest.store import get_or_create_dataset

ATTR_GEOLONIA = "Geolonia 住所データ (CC BY 4.0)"
ATTR_MLIT = "「位置参照情報」（国土交通省）を加工して作成"


def read_gazetteer(path: str | Path) -> tuple[list[GazEntry], str]:
    """Entries and the format name, chosen by content: JSON list → Geolonia, CSV → 位置参照情報."""
    path = Path(path)
    head = path.read_bytes()[:64].lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.startswith(b"[") or head.startswith(b"{"):
        return list(read_geolonia_json(path)), "geolonia-json"
    return list(read_mlit_isj_csv(path)), "mlit-isj-csv"


def save_entries(session: Session, dataset: Dataset, entries: list[GazEntry]) -> int:
    """Replace this dataset's entries with `entries` (re-importing a file never duplicates)."""
    session.execute(delete(GazetteerEntry).where(GazetteerEntry.dataset_id == dataset.id))
    session.execute(GazetteerEntry.__table__.insert(), [
        {"level": e.level, "pref": e.pref, "city": e.city, "city_code": e.city_code, "town": e.town,
         "chome": e.chome, "block": e.block, "koaza": e.koaza, "lat": e.lat, "lon": e.lon,
         "source": e.source, "dataset_id": dataset.id} for e in entries])
    session.flush()
    _cache.clear()
    return len(entries)


def import_gazetteer(session: Session, path: str | Path, name: str | None = None) -> tuple[Dataset, int]:
    path = Path(path)
    entries, fmt = read_gazetteer(path)
    if not entries:
        raise ValueError(f"住所データが1件もありません (no gazetteer entries in {path.name})")
    ds = get_or_create_dataset(
        session, name or f"gazetteer:{path.name}", "gazetteer", format=fmt, source_file=str(path.name),
        licence="CC BY 4.0" if fmt == "geolonia-json" else "位置参照情報 利用規約",
        attribution=ATTR_GEOLONIA if fmt == "geolonia-json" else ATTR_MLIT,
        municipality_code=entries[0].city_code)
    return ds, save_entries(session, ds, entries)


_cache: dict[str, Geocoder] = {}


def geocoder_for(session: Session) -> Geocoder:
    """A Geocoder over every stored entry, rebuilt only when the gazetteer changes."""
    count, max_id = session.execute(select(func.count(GazetteerEntry.id), func.max(GazetteerEntry.id))).one()
    bind = session.get_bind()
    key = hashlib.sha1(f"{bind.url}|{count}|{max_id}".encode()).hexdigest()
    if key not in _cache:
        rows = session.scalars(select(GazetteerEntry))
        _cache.clear()
        _cache[key] = Geocoder(GazEntry(level=r.level, pref=r.pref, city=r.city, city_code=r.city_code,
                                        town=r.town, chome=r.chome, block=r.block, lat=r.lat, lon=r.lon,
                                        source=r.source or "", koaza=r.koaza) for r in rows)
    return _cache[key]
