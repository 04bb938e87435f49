"""The gazetteer in the database, and the Geocoder built from it. No Flask here.

Two kinds of entries live in `gazetteer_entry`:

- the national gazetteer shipped with the package (geo/geocoding/data/japan_towns.csv.gz:
  every 町丁目/大字 of Japan, Geolonia 住所データ CC BY 4.0). `tsunagari db upgrade` loads it
  (COPY, a few seconds) as the dataset 'national:japan_towns' whose `source_file` carries the
  file's SHA-256; a later release with a newer file replaces it on the next upgrade, and a
  database that was migrated some other way gets it on first use;
- finer or extra data an operator adds with `tsunagari import gazetteer FILE` (位置参照情報
  街区レベル CSV, Geolonia JSON), which the geocoder lays on top of the national entries.

Imports (`--geocode`) and the resident search box both geocode through `geocoder_for(session)`.
"""
from __future__ import annotations

import hashlib
import io
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from geo.geocoding.address import split_chome
from geo.geocoding.geocode import GazEntry, Geocoder, read_geolonia_json, read_mlit_isj_csv
from geo.geocoding.municipalities import NATIONAL_GAZETTEER, read_national_rows
from geo.ingest.store import get_or_create_dataset
from geo.storage.models import Dataset, GazetteerEntry

ATTR_GEOLONIA = "Geolonia 住所データ (CC BY 4.0)"
ATTR_MLIT = "「位置参照情報」（国土交通省）を加工して作成"
NATIONAL_DATASET = "national:japan_towns"
_COLUMNS = ("level", "pref", "city", "city_code", "town", "chome", "block", "koaza", "lat", "lon", "source")


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


# --------------------------------------------------------------------------- national gazetteer

@dataclass
class NationalLoad:
    status: str          # 'loaded' (new or newer file) or 'current' (already this file)
    rows: int
    seconds: float
    file_hash: str


def file_hash(path: str | Path = NATIONAL_GAZETTEER) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _source_name(path: Path, digest: str) -> str:
    return f"{path.name}#sha256={digest}"


def _stored_hash(ds: Dataset | None) -> str | None:
    if ds is None or not ds.source_file or "#sha256=" not in ds.source_file:
        return None
    return ds.source_file.split("#sha256=", 1)[1]


def _copy_text(path: Path, dataset_id: int) -> tuple[str, int]:
    """The national file as COPY text (tab-separated), and its row count; rows without a point
    (469 towns created after the survey) are left out."""
    out = io.StringIO()
    n = 0
    for code, pref, city, town, koaza, lat, lng in read_national_rows(path):
        if not lat or not lng:
            continue
        t, chome = split_chome(town)
        out.write(f"町丁目\t{pref}\t{city}\t{code}\t{t}\t{chome if chome is not None else chr(92) + 'N'}"
                  f"\t\\N\t{koaza or chr(92) + 'N'}\t{lat}\t{lng}\tnational\t{dataset_id}\n")
        n += 1
    return out.getvalue(), n


def load_national_gazetteer(session: Session, path: str | Path | None = None, force: bool = False) -> NationalLoad:
    """Make the database hold the shipped national gazetteer (COPY, in the session's transaction).

    Nothing is written when the stored dataset already has this file's hash (unless force)."""
    t0 = time.perf_counter()
    path = Path(path or NATIONAL_GAZETTEER)
    digest = file_hash(path)
    # one loader at a time (two workers starting together)
    session.execute(text("SELECT pg_advisory_xact_lock(73001)"))
    ds = session.scalar(select(Dataset).where(Dataset.name == NATIONAL_DATASET, Dataset.kind == "gazetteer"))
    if ds is not None and _stored_hash(ds) == digest and not force:
        n = session.scalar(select(func.count()).select_from(GazetteerEntry).where(GazetteerEntry.dataset_id == ds.id))
        return NationalLoad("current", n or 0, time.perf_counter() - t0, digest)
    ds = get_or_create_dataset(
        session, NATIONAL_DATASET, "gazetteer", format="geolonia-national-csv",
        source_file=_source_name(path, digest), licence="CC BY 4.0", attribution=ATTR_GEOLONIA)
    session.execute(delete(GazetteerEntry).where(GazetteerEntry.dataset_id == ds.id))
    data, n = _copy_text(path, ds.id)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY gazetteer_entry ({', '.join(_COLUMNS)}, dataset_id) FROM STDIN") as copy:
            copy.write(data)
    session.flush()
    return NationalLoad("loaded", n, time.perf_counter() - t0, digest)


def ensure_national_gazetteer(url: str | None = None) -> NationalLoad:
    """Load (or update) the national gazetteer in the database at `url` in its own transaction."""
    from sqlalchemy import create_engine, pool

    from geo.storage.db import database_url

    engine = create_engine(url or database_url(), poolclass=pool.NullPool)
    try:
        with Session(engine) as session, session.begin():
            return load_national_gazetteer(session)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the geocoder

_lock = threading.Lock()
_base: dict[str, Geocoder] = {}          # national file hash -> geocoder over the national entries
_layered: dict[tuple, Geocoder] = {}     # (database, national hash, other datasets' state) -> geocoder


def _copy_entries(session: Session, where: str, params: dict) -> list[GazEntry]:
    raw = session.connection().connection.driver_connection
    buf = io.BytesIO()
    with raw.cursor() as cur:
        sql = f"COPY (SELECT {', '.join(_COLUMNS)} FROM gazetteer_entry WHERE {where} ORDER BY id) TO STDOUT"
        with cur.copy(sql, params) as copy:
            for block in copy:
                buf.write(block)
    out = []
    nul = "\\N"
    for line in buf.getvalue().decode("utf-8").split("\n"):
        if not line:
            continue
        lv, pref, city, code, town, chome, block, koaza, lat, lon, source = (
            _unescape(x) for x in line.split("\t"))
        out.append(GazEntry(lv, pref or "", city or "", code, town, int(chome) if chome not in (None, nul) else None,
                            block, float(lat), float(lon), source or "", koaza))
    return out


def _unescape(field: str) -> str | None:
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    return field.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\")


def geocoder_for(session: Session) -> Geocoder:
    """A Geocoder over every stored entry: the national gazetteer (built once per process and file
    version, shared by every database that holds the same file) with any imported gazetteer on top."""
    ds = session.scalar(select(Dataset).where(Dataset.name == NATIONAL_DATASET, Dataset.kind == "gazetteer"))
    if ds is None or _stored_hash(ds) is None:
        load_national_gazetteer(session)    # first use on a database migrated without it
        ds = session.scalar(select(Dataset).where(Dataset.name == NATIONAL_DATASET, Dataset.kind == "gazetteer"))
    digest = _stored_hash(ds)
    others = tuple(session.execute(
        select(GazetteerEntry.dataset_id, func.count(), func.max(GazetteerEntry.id))
        .where(GazetteerEntry.dataset_id.is_distinct_from(ds.id))
        .group_by(GazetteerEntry.dataset_id).order_by(GazetteerEntry.dataset_id)).all())
    key = (str(session.get_bind().url), digest, others)
    with _lock:
        g = _layered.get(key)
        if g is not None:
            return g
        base = _base.get(digest)
        if base is None:
            base = Geocoder(_copy_entries(session, "dataset_id = %(d)s", {"d": ds.id}))
            _base.clear()
            _base[digest] = base
        if others:
            g = base.extended(_copy_entries(session, "dataset_id IS DISTINCT FROM %(d)s", {"d": ds.id}))
        else:
            g = base
        if len(_layered) > 16:
            _layered.clear()
        _layered[key] = g
        return g
