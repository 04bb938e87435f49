"""Gazetteer files (address → location tables for offline geocoding): the readers' declarations
and the import. The parsing itself is geo.geocoding.geocode's; the entries are stored by
geo.geocoding.gazetteer.save_entries (a gazetteer file replaces its dataset's entries).
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from geo.ingest.registry import Format, Reader, read

__all__ = ["import_gazetteer_file", "READERS", "FORMATS"]

ATTR_GEOLONIA = "Geolonia 住所データ (CC BY 4.0)"
ATTR_MLIT = "「位置参照情報」（国土交通省）を加工して作成"


def _read_geolonia(path):
    from geo.geocoding.geocode import read_geolonia_json
    return list(read_geolonia_json(path)), "geolonia-json"


def _read_mlit(path):
    from geo.geocoding.geocode import read_mlit_isj_csv
    return list(read_mlit_isj_csv(path)), "mlit-isj-csv"


READERS = [
    Reader("geolonia-json", "gazetteer", detect=lambda s: s.head[:1] in (b"[", b"{"), read=_read_geolonia, order=10),
    Reader("mlit-isj-csv", "gazetteer", detect=lambda s: not s.is_dir, read=_read_mlit, order=90),
]
FORMATS = [
    Format("geolonia-json", "gazetteer", source=lambda **_: ("CC BY 4.0", ATTR_GEOLONIA)),
    Format("mlit-isj-csv", "gazetteer", source=lambda **_: ("位置参照情報 利用規約", ATTR_MLIT)),
]


def import_gazetteer_file(session: Session, path, name: str | None = None):
    """Store a gazetteer file (chosen by the registry) in the caller's transaction -> (dataset, entries)."""
    from geo.geocoding.gazetteer import save_entries
    from geo.ingest.registry import default_source
    from geo.ingest.store import get_or_create_dataset

    path = Path(path)
    entries, fmt = read("gazetteer", path)
    if not entries:
        raise ValueError(f"住所データが1件もありません (no gazetteer entries in {path.name})")
    licence, attribution = default_source(fmt)
    ds = get_or_create_dataset(session, name or f"gazetteer:{path.name}", "gazetteer", format=fmt,
                               source_file=str(path.name), licence=licence, attribution=attribution,
                               municipality_code=entries[0].city_code)
    return ds, save_entries(session, ds, entries)
