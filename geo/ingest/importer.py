"""Import municipal open data into the database: places, areas, population. No Flask here.

Every import_* function handles one file in ONE transaction on the given session: the file
is applied whole or not at all. It commits on success; on any error it rolls back, records
an ImportRun with status 'failed' and the message in a transaction of its own, and raises
ImportFailed (carrying the report). A dry run computes everything (counts, rejections,
geocoding) and records the run as 'dry_run' without writing any place, area or population.

Re-importing a file updates rows instead of duplicating them. Place key: dataset + source
ID, else name + normalised address (geo.geocoding.address.match_key). Counts: new / updated /
unchanged (field values compared). Places of the dataset missing from a re-import are
listed in the report, and closed (status 'closed', valid_to today) only with close_missing.

Rows without coordinates are geocoded with geocoder_for(session) when geocode=True (the
search box's code): 街区/町丁目 matches are placed, 大字 matches are placed and flagged
needs_review, anything coarser or unmatched is kept WITHOUT a point (never on a city hall)
and listed for a coordinator, as are rows without coordinates when geocode=False.
"""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from geo.geocoding.address import match_key
from geo.storage.models import OPERATOR_TYPES, PRECISIONS, Area, Dataset, ImportRun, Place, Population, RejectedRow
from geo.ingest.records import PlaceRecord, ReadResult, Rejection
from geo import clock

__all__ = ["ImportReport", "ImportFailed", "import_places", "import_areas", "import_population",
           "default_source"]

FINE_LEVELS = ("街区", "町丁目")
Progress = Callable[[int, int], None]

MAX_LISTED = 2000  # rows listed per section of a report (counts are always complete)


class ImportFailed(Exception):
    """The file was rejected as a whole; nothing was written. `report` holds the failed run."""

    def __init__(self, message: str, report: "ImportReport"):
        super().__init__(message)
        self.report = report


@dataclass
class ImportReport:
    kind: str                          # places / areas / population
    file_name: str
    status: str = "applied"            # applied / dry_run / failed
    dry_run: bool = False
    run_id: int | None = None
    dataset_id: int | None = None
    dataset_name: str | None = None
    licence: str | None = None
    attribution: str | None = None
    format: str = ""
    encoding: str = ""
    layer: str | None = None
    area_kind: str | None = None
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    closed: int = 0
    message: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    rejections: list[dict] = field(default_factory=list)      # {line, reason, raw}
    warnings: list[str] = field(default_factory=list)
    geocoding: dict[str, Any] = field(default_factory=dict)   # enabled, attempted, levels, fine, placed, unmatched
    no_point: list[dict] = field(default_factory=list)        # kept without a point: {line, name, address, reason}
    needs_review: list[dict] = field(default_factory=list)    # placed but coarse: {line, name, address, level, matched, reason}
    missing: list[dict] = field(default_factory=list)         # in the database, not in this file
    file_hash: str | None = None

    def to_dict(self) -> dict:
        return _clean_json(asdict(self))

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def summary(self) -> str:
        s = (f"読込 {self.read} / 新規 {self.new} / 更新 {self.updated} / 変更なし {self.unchanged} / "
             f"不採用 {self.rejected}")
        if self.closed:
            s += f" / 終了 {self.closed}"
        s += (f" (read {self.read}, new {self.new}, updated {self.updated}, unchanged {self.unchanged}, "
              f"rejected {self.rejected}" + (f", closed {self.closed}" if self.closed else "") + ")")
        return s

    def lines(self) -> list[str]:
        """The report as text lines (the CLI prints these)."""
        head = {"applied": "取り込みました (applied)", "dry_run": "確認のみ・書き込みなし (dry run: nothing written)",
                "failed": "取り込めませんでした・書き込みなし (failed: nothing written)"}[self.status]
        out = [f"{self.file_name}: {head}" + (f" — 取り込み #{self.run_id}" if self.run_id else "")]
        if self.message:
            out.append(f"  {self.message}")
        if self.status == "failed":
            return out
        out.append(f"  形式 (format): {self.format or '-'}" + (f" / 文字コード (encoding): {self.encoding}" if self.encoding else ""))
        if self.dataset_name:
            out.append(f"  データセット (dataset): {self.dataset_name}")
        if self.attribution or self.licence:
            out.append(f"  出典 (attribution): {self.attribution or '-'} / ライセンス (licence): {self.licence or '-'}")
        out.append("  " + self.summary())
        if self.rejections:
            out.append(f"  不採用の行 (rejected rows): {self.rejected}")
            for r in self.rejections:
                out.append(f"    {r['line']} 行目 (line {r['line']}): {r['reason']}")
        g = self.geocoding
        if g.get("enabled"):
            levels = ", ".join(f"{k} {v}" for k, v in g.get("levels", {}).items()) or "-"
            out.append(f"  住所から位置を推定 (geocoding): {g.get('attempted', 0)} 件中 町丁目以上 {g.get('fine', 0)}"
                       f" / 要確認で配置 {g.get('coarse_placed', 0)} / 位置なし {g.get('unplaced', 0)}"
                       f" [{levels}] (attempted {g.get('attempted', 0)}, 町丁目 or better {g.get('fine', 0)},"
                       f" coarse placed {g.get('coarse_placed', 0)}, no point {g.get('unplaced', 0)})")
        if self.needs_review:
            out.append(f"  要確認 (needs review: coarse match): {len(self.needs_review)}")
            for r in self.needs_review:
                out.append(f"    {r['line']} 行目 {r['name']} — {r['address']} → {r.get('matched') or '-'}"
                           f" [{r.get('level') or '-'}] {r.get('reason') or ''}".rstrip())
        if self.no_point:
            out.append(f"  位置なしで登録・要修正 (kept without a point; please fix): {len(self.no_point)}")
            for r in self.no_point:
                out.append(f"    {r['line']} 行目 {r['name']} — {r.get('address') or '(住所なし)'}: {r['reason']}")
        if self.missing:
            verb = "終了にしました (closed)" if self.closed else "ファイルにありません・そのまま残しています (not in this file; kept — use --close-missing to close)"
            out.append(f"  前回あって今回ない場所 {len(self.missing)} 件: {verb}")
            for m in self.missing:
                out.append(f"    #{m['id']} {m['name']}" + (f" (ID {m['source_id']})" if m.get("source_id") else ""))
        if self.warnings:
            out.append(f"  注意 (warnings): {len(self.warnings)}")
            for w in self.warnings:
                out.append(f"    {w}")
        return out


# ----------------------------------------------------------------------------- helpers

def _clean_text(s):
    """PostgreSQL text and JSONB cannot hold NUL: replace it."""
    if isinstance(s, str) and "\x00" in s:
        return s.replace("\x00", "\ufffd")
    return s


def _clean_json(v):
    if isinstance(v, str):
        return _clean_text(v)
    if isinstance(v, dict):
        return {_clean_text(str(k)): _clean_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean_json(x) for x in v]
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, float) and v != v:
        return None
    return v


def _file_info(path) -> tuple[str, str | None]:
    if isinstance(path, (bytes, bytearray)):
        return "<bytes>", hashlib.sha256(path).hexdigest()
    p = Path(os.fspath(path))
    digest = None
    try:
        if p.is_file():
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            digest = h.hexdigest()
    except OSError:
        digest = None
    return p.name or str(p), digest


def _stem(file_name: str) -> str:
    name = file_name
    for ext in (".topojson", ".geojson", ".json", ".csv", ".tsv", ".txt", ".zip", ".shp", ".gpkg"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return os.path.splitext(name)[0]


_KSJ_TITLE = {"elementary": "小学校区データ", "junior_high": "中学校区データ"}


def default_source(fmt: str, *, kind: str | None = None, municipality_name: str | None = None,
                   year: int | None = None, title: str | None = None) -> tuple[str | None, str | None]:
    """(licence, attribution) to use when the operator gives none, by detected format."""
    if fmt == "takamatsu":
        return "CC BY 4.0", "高松市オープンデータ（CC BY 4.0）"
    if fmt.startswith("jp-standard"):
        who = municipality_name or "各市区町村"
        what = title or "子ども食堂一覧"
        return "CC BY 4.0", f"{who}オープンデータ（{what}）"
    if fmt.startswith("ksj-"):
        what = _KSJ_TITLE.get(kind or "", "小学校区データ・中学校区データ")
        return "国土数値情報利用約款", f"「国土数値情報（{what}）」（国土交通省）を加工して作成"
    if fmt == "estat-small-area-topojson":
        era = "令和2年" if year == 2020 else f"{year}年"
        return "CC BY 4.0", f"「{era}国勢調査町丁・字等別境界データ」（総務省統計局）をもとに CODH が加工したものを利用 (CC BY 4.0)"
    if fmt.startswith("estat-small-area"):
        era = "令和2年" if year == 2020 else f"{year}年"
        if fmt == "estat-small-area-table":
            return "政府標準利用規約（第2.0版）", f"「{era}国勢調査 小地域集計」（総務省統計局 e-Stat）を加工して作成"
        return "政府標準利用規約（第2.0版）", f"「{era}国勢調査町丁・字等別境界データ」（総務省統計局 e-Stat）を加工して作成"
    return None, None


def _rej_dicts(rejections: list[Rejection]) -> list[dict]:
    return [{"line": r.line, "reason": _clean_text(r.reason), "raw": _clean_text(r.raw or "")[:500]} for r in rejections]


def _record_run(session: Session, report: ImportReport, dataset_id: int | None) -> ImportRun:
    run = ImportRun(dataset_id=dataset_id, file_name=report.file_name, file_hash=report.file_hash,
                    format=report.format or None, encoding=report.encoding or None, status=report.status,
                    dry_run=report.dry_run, read=report.read, new=report.new, updated=report.updated,
                    unchanged=report.unchanged, rejected=report.rejected, message=report.message,
                    finished_at=func.now())
    session.add(run)
    session.flush()
    report.run_id = run.id
    full = report.to_dict()
    # the rejected rows live in rejected_row; the JSON keeps the rest (lists capped for very large files)
    full.pop("rejections", None)
    for key in ("no_point", "needs_review", "missing", "warnings"):
        if len(full[key]) > MAX_LISTED:
            full[key + "_total"] = len(full[key])
            full[key] = full[key][:MAX_LISTED]
    run.report = full
    if report.rejections:
        session.execute(RejectedRow.__table__.insert(), [
            {"import_run_id": run.id, "line": r["line"], "reason": r["reason"], "raw": r["raw"]}
            for r in report.rejections])
    session.flush()
    return run


def _run(session: Session, report: ImportReport, work: Callable[[], int | None]) -> ImportReport:
    """Run `work` (plans and, unless dry run, writes; returns the dataset id) in one transaction."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small dicts: the cyclic GC would rescan them again and again
    try:
        dataset_id = work()
        _record_run(session, report, dataset_id)
        session.commit()
        return report
    except Exception as e:  # noqa: BLE001 - any error: nothing of the file stays
        session.rollback()
        report.status = "failed"
        report.message = _clean_text(str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}")[:4000]
        report.new = report.updated = report.unchanged = report.closed = 0
        report.missing, report.no_point, report.needs_review = [], [], []
        try:
            _record_run(session, report, None)
            session.commit()
        except Exception:  # noqa: BLE001 - the database itself is unusable: report what we can
            session.rollback()
            report.run_id = None
        raise ImportFailed(report.message, report) from e
    finally:
        if gc_was_enabled:
            gc.enable()


def _dataset(session: Session, name: str, kind: str) -> Dataset | None:
    return session.scalar(select(Dataset).where(Dataset.name == name, Dataset.kind == kind))


def _save_dataset(session: Session, name: str, kind: str, **fields) -> Dataset:
    from geo.ingest.store import get_or_create_dataset
    return get_or_create_dataset(session, name, kind, **fields)


# ----------------------------------------------------------------------------- places

_COMPARED = ("layer", "name", "name_kana", "address", "address_key", "precision", "municipality_code",
             "operator", "operator_type", "target_groups", "schedule_text", "fees", "free_of_charge",
             "capacity", "reservation", "reservation_required", "drop_in", "has_consultation",
             "barrier_free", "phone", "email", "url", "note", "extra", "source_id",
             "geocode_level", "geocode_matched", "needs_review", "status", "valid_to")
_WRITTEN = _COMPARED + ("schedule", "source_row", "fictional")
_SUPPLEMENT_KEYS = ("追加", "_supplement")  # keys of place.extra written by a 追加 (supplement) file
_SUPPLEMENT_FIELDS = ("name_kana", "address", "operator", "operator_type", "schedule_text", "schedule", "fees",
                      "free_of_charge", "capacity", "reservation", "reservation_required", "drop_in",
                      "has_consultation", "barrier_free", "phone", "email", "url", "note")


_EMPTY = (None, [], {})


def _same(a, b) -> bool:
    if a == b:
        return True
    if a in _EMPTY and b in _EMPTY:
        return True
    if isinstance(a, float) or isinstance(b, float):
        try:
            return round(float(a), 7) == round(float(b), 7)
        except (TypeError, ValueError):
            return False
    return False


def _ewkt(lat, lon) -> str | None:
    if lat is None or lon is None:
        return None
    return f"SRID=4326;POINT({lon!r} {lat!r})"


def _name_key(name: str | None) -> str:
    return match_key(name or "")


def _place_values(rec: PlaceRecord, layer: str, layer_obj) -> dict:
    extra = dict(rec.extra or {})
    if rec.school_district and "学区" not in extra:
        extra["学区"] = rec.school_district
    has_consultation = rec.has_consultation
    if has_consultation is None:
        has_consultation = layer_obj.has_consultation
    v = {
        "layer": layer, "name": rec.name, "name_kana": rec.name_kana, "address": rec.address,
        "address_key": match_key(rec.address) if rec.address else None,
        "precision": rec.precision or layer_obj.default_precision,
        "municipality_code": rec.municipality_code, "operator": rec.operator,
        "operator_type": rec.operator_type, "target_groups": list(rec.target_groups or []),
        "schedule": rec.schedule, "schedule_text": rec.schedule_text, "fees": rec.fees,
        "free_of_charge": rec.free_of_charge, "capacity": rec.capacity, "reservation": rec.reservation,
        "reservation_required": rec.reservation_required, "drop_in": rec.drop_in,
        "has_consultation": has_consultation, "barrier_free": rec.barrier_free, "phone": rec.phone,
        "email": rec.email, "url": rec.url, "note": rec.note, "extra": extra or None,
        "source_id": rec.source_id, "source_row": rec.line, "fictional": False,
        "geocode_level": None, "geocode_matched": None, "needs_review": False,
        "status": "active", "valid_to": None,
        "lat": rec.lat, "lon": rec.lon,
    }
    # no NUL can reach here: decode_bytes refuses text holding NUL (PostgreSQL text cannot store it)
    return v


_INT_MAX = 2_147_483_647


def _rec_raw(rec: PlaceRecord) -> str:
    return ", ".join(str(x) for x in (rec.source_id, rec.name, rec.address) if x)[:500]


def _row_problem(v: dict) -> str | None:
    """Values the database would refuse: reject the row instead of failing the whole file."""
    if v["capacity"] is not None and not (0 <= v["capacity"] <= _INT_MAX):
        return f"定員が範囲外です: {v['capacity']} (capacity out of range)"
    if v["operator_type"] is not None and v["operator_type"] not in OPERATOR_TYPES:
        extra = dict(v["extra"] or {})
        extra.setdefault("運営種別", v["operator_type"])
        v["extra"], v["operator_type"] = extra, None
    if v["precision"] not in PRECISIONS:
        return f"位置精度が不正です: {v['precision']!r} (unknown precision)"
    return None


def _load_existing(session: Session, dataset_id: int) -> list[dict]:
    t = Place.__table__
    cols = [t.c.id] + [t.c[c] for c in _COMPARED if c in t.c] + [t.c.valid_from,
            func.ST_Y(t.c.point).label("lat"), func.ST_X(t.c.point).label("lon")]
    return [dict(m) for m in session.execute(select(*cols).where(t.c.dataset_id == dataset_id)).mappings()]


def _detect_municipality(read: ReadResult, given: str | None, file_name: str) -> tuple[str | None, str | None]:
    """(5-digit code, municipality name) from the option, the rows, or the file name."""
    from geo.ingest.text import normalize_municipality_code

    code = None
    if given:
        code, w = normalize_municipality_code(given)
        if w:
            raise ValueError(w)
    codes = {r.municipality_code for r in read.records if r.municipality_code}
    if code is None and len(codes) == 1:
        code = codes.pop()
    if code is None and read.format == "takamatsu":
        code = "37201"
    if code is None:
        m = re.match(r"^(\d{6})_", file_name)
        if m:
            code, _ = normalize_municipality_code(m.group(1))
    name = None
    for r in read.records:
        ex = r.extra or {}
        n = ex.get("地方公共団体名") or ex.get("市区町村名")
        if n:
            name = n.strip()
            break
    if name is None and read.format == "takamatsu":
        name = "高松市"
    if name is None and code:
        from geo.geocoding.geocode import MUNICIPALITIES
        if code in MUNICIPALITIES:
            name = MUNICIPALITIES[code][1]
    return code, name


def _geocode_records(session: Session, records: list[PlaceRecord], values: list[dict], report: ImportReport,
                     municipality_code: str | None) -> None:
    from geo.geocoding.gazetteer import geocoder_for

    geocoder = geocoder_for(session)
    levels: dict[str, int] = {}
    g = {"enabled": True, "attempted": 0, "fine": 0, "coarse_placed": 0, "unplaced": 0, "levels": levels}
    for rec, v in zip(records, values):
        if v["lat"] is not None or not rec.address:
            continue
        g["attempted"] += 1
        ex = rec.extra or {}
        r = geocoder.geocode(rec.address, municipality_code=rec.municipality_code or municipality_code,
                             default_pref=ex.get("都道府県") or ex.get("都道府県名") or None,
                             default_city=ex.get("市区町村名") or None)
        if r.ok:
            levels[r.level] = levels.get(r.level, 0) + 1
        else:
            levels["照合できず"] = levels.get("照合できず", 0) + 1
        if r.ok and r.level in FINE_LEVELS:
            v.update(lat=r.lat, lon=r.lon, geocode_level=r.level, geocode_matched=r.matched,
                     needs_review=bool(r.needs_review))
            g["fine"] += 1
            if r.needs_review:
                report.needs_review.append({"line": rec.line, "name": rec.name, "address": rec.address,
                                            "level": r.level, "matched": r.matched, "reason": r.reason})
        elif r.ok and r.level == "大字":
            v.update(lat=r.lat, lon=r.lon, geocode_level=r.level, geocode_matched=r.matched, needs_review=True)
            g["coarse_placed"] += 1
            report.needs_review.append({"line": rec.line, "name": rec.name, "address": rec.address,
                                        "level": r.level, "matched": r.matched,
                                        "reason": r.reason or "町丁目より粗い位置です (coarser than 町丁目)"})
        else:
            # unmatched, or only the municipality: never put a place on the city hall
            reason = r.reason or "照合できません (no match)"
            if r.ok:
                reason = f"市区町村までしか特定できないため位置なしにしました: {r.matched} (matched only the municipality; kept without a point)"
                v.update(geocode_level=r.level, geocode_matched=r.matched)
            v["needs_review"] = True
            g["unplaced"] += 1
            v["_no_point_reason"] = reason
    report.geocoding = g


def _find_supplement_target(session: Session, layer: str, file_name: str, code: str | None) -> Dataset | None:
    cands = list(session.scalars(select(Dataset).where(Dataset.kind == "places", Dataset.layer == layer)
                                 .order_by(Dataset.id)))
    stem = _stem(file_name)
    base = re.sub(r"[_\-\s]*(tsuika|追加|supplement|add)$", "", stem, flags=re.I)
    by_prefix = [d for d in cands if d.source_file and (
        _stem(d.source_file) == base or (base.startswith(_stem(d.source_file)) and _stem(d.source_file) != stem))]
    if by_prefix:
        return max(by_prefix, key=lambda d: len(d.source_file or ""))
    if code:
        same = [d for d in cands if d.municipality_code == code]
        if len(same) == 1:
            return same[0]
    return None


def import_places(session: Session, path, *, layer: str, municipality_code: str | None = None,
                  mapping: dict[str, str] | None = None, dry_run: bool = False, geocode: bool = False,
                  dataset_name: str | None = None, licence: str | None = None, attribution: str | None = None,
                  close_missing: bool = False, supplement: bool | None = None,
                  progress: Progress | None = None, today: dt.date | None = None) -> ImportReport:
    """Import a place list (CSV) into `layer`. See the module docstring for the rules."""
    import layers as layer_registry
    from geo.ingest.places import read_places_csv

    file_name, digest = _file_info(path)
    report = ImportReport(kind="places", file_name=file_name, file_hash=digest, dry_run=dry_run,
                          status="dry_run" if dry_run else "applied", layer=layer)
    today = today or clock.today()

    def work() -> int | None:
        try:
            layer_obj = layer_registry.get(layer)
        except KeyError as e:
            raise ValueError(str(e.args[0])) from None
        if getattr(layer_obj, "kind", "") != "place":
            raise ValueError(f"場所のレイヤーではありません: {layer} (not a place layer)")
        read = read_places_csv(path, mapping=mapping, municipality_code=municipality_code,
                               default_target_groups=list(layer_obj.default_target_groups) or None,
                               layer=layer, supplement=supplement,
                               default_precision=layer_obj.default_precision)
        report.format, report.encoding, report.columns = read.format, read.encoding, dict(read.columns)
        report.warnings.extend(read.warnings)
        rejections = list(read.rejections)
        code, muni_name = _detect_municipality(read, municipality_code, file_name)
        if read.format == "takamatsu" and not municipality_code and code == "37201":
            report.warnings.append("高松市の形式のため団体コード 37201 としました (Takamatsu layout: municipality 37201 assumed)")
        for r in read.records:
            if not r.municipality_code and code:
                r.municipality_code = code
        report.read = len(read.records) + len(rejections)

        if read.format == "jp-standard-supplement":
            ds_id = _apply_supplement(session, read, rejections, report, layer, file_name, code, dataset_name,
                                      dry_run, progress)
            report.rejections = _rej_dicts(sorted(rejections, key=lambda r: r.line))
            report.rejected = len(report.rejections)
            return ds_id

        d_licence, d_attr = default_source(read.format, municipality_name=muni_name)
        report.licence = licence or d_licence
        report.attribution = attribution or d_attr
        if not report.attribution:
            report.warnings.append("出典（attribution）が未指定です。--attribution で指定してください "
                                   "(no attribution given; pass --attribution)")
        name = dataset_name or f"{layer}:{_stem(file_name)}"
        report.dataset_name = name
        ds = _dataset(session, name, "places")
        existing = _load_existing(session, ds.id) if ds is not None else []
        by_sid = {e["source_id"]: e for e in existing if e["source_id"]}
        by_name_addr: dict[tuple, dict] = {}
        for e in existing:
            by_name_addr.setdefault((_name_key(e["name"]), e["address_key"]), e)

        # 1. values per record; duplicate keys inside the file are rejected
        records: list[PlaceRecord] = []
        values: list[dict] = []
        seen: dict[tuple, int] = {}
        for rec in read.records:
            v = _place_values(rec, layer, layer_obj)
            key = ("id", rec.source_id) if rec.source_id else ("na", _name_key(rec.name), v["address_key"])
            if key in seen:
                what = f"ID {rec.source_id}" if rec.source_id else "名称と住所"
                rejections.append(Rejection(rec.line, f"{what} が {seen[key]} 行目と重複しています "
                                                      f"(duplicate of line {seen[key]})", _rec_raw(rec)))
                continue
            problem = _row_problem(v)
            if problem:
                rejections.append(Rejection(rec.line, problem, _rec_raw(rec)))
                continue
            seen[key] = rec.line
            records.append(rec)
            values.append(v)

        # 2. geocoding of rows without coordinates
        if geocode:
            _geocode_records(session, records, values, report, code)
        else:
            report.geocoding = {"enabled": False}

        # 3. match against the dataset, compare
        inserts: list[dict] = []
        updates: list[dict] = []
        matched_ids: set[int] = set()
        total = len(records)
        for i, (rec, v) in enumerate(zip(records, values), 1):
            old = None
            if rec.source_id:
                old = by_sid.get(rec.source_id)
                if old is None:
                    cand = by_name_addr.get((_name_key(rec.name), v["address_key"]))
                    if cand is not None and not cand["source_id"]:
                        old = cand
            else:
                old = by_name_addr.get((_name_key(rec.name), v["address_key"]))
            if old is not None and old["id"] in matched_ids:
                old = None
            no_reason = v.pop("_no_point_reason", None)
            old_extra = (old or {}).get("extra") or {}
            sup = old_extra.get("_supplement")
            if isinstance(sup, dict):
                # fields an earlier 追加 (supplement) file filled are kept while this list leaves them empty
                for f, val in sup.items():
                    if f in _SUPPLEMENT_FIELDS and v.get(f) is None:
                        v[f] = val
                        if f == "address":
                            v["address_key"] = match_key(val)
            kept = {k: old_extra[k] for k in _SUPPLEMENT_KEYS if k in old_extra}
            if kept:
                v["extra"] = {**(v["extra"] or {}), **kept}
            if v["lat"] is None and old is not None and not geocode and old["lat"] is not None \
                    and old["geocode_level"] and old["address_key"] == v["address_key"]:
                # keep the point an earlier --geocode import found for the same address
                v.update(lat=old["lat"], lon=old["lon"], geocode_level=old["geocode_level"],
                         geocode_matched=old["geocode_matched"], needs_review=old["needs_review"])
            if v["lat"] is None:
                v["needs_review"] = True
                if no_reason is None:
                    if not rec.address:
                        no_reason = "座標も住所もありません (no coordinates and no address)"
                    elif geocode:
                        no_reason = "住所から位置を推定できません (address could not be geocoded)"
                    else:
                        no_reason = ("座標がありません。--geocode で住所から推定できます "
                                     "(no coordinates; use --geocode to place it from the address)")
                report.no_point.append({"line": rec.line, "name": rec.name, "address": rec.address,
                                        "reason": no_reason})
            if old is None:
                v["valid_from"] = today
                inserts.append(v)
            else:
                matched_ids.add(old["id"])
                changed = not (_same(old["lat"], v["lat"]) and _same(old["lon"], v["lon"]))
                if not changed:
                    for f in _COMPARED:
                        if not _same(old[f], v[f]):
                            changed = True
                            break
                if changed:
                    v["_id"] = old["id"]
                    v["valid_from"] = old["valid_from"] or today
                    updates.append(v)
                else:
                    report.unchanged += 1
            if progress and (i % 2000 == 0 or i == total):
                progress(i, total)
        report.new, report.updated = len(inserts), len(updates)

        missing = [e for e in existing if e["id"] not in matched_ids and e["status"] != "closed"]
        report.missing = [{"id": e["id"], "source_id": e["source_id"], "name": e["name"], "address": e["address"]}
                          for e in missing]
        if missing and close_missing:
            report.closed = len(missing)
            if rejections:
                report.warnings.append("不採用の行があるまま --close-missing を実行しました。不採用行の場所も終了扱いになります "
                                       "(--close-missing with rejected rows: their places are closed too)")
        report.rejections = _rej_dicts(sorted(rejections, key=lambda r: r.line))
        report.rejected = len(report.rejections)
        if dry_run:
            return ds.id if ds is not None else None

        # 4. write
        ds = _save_dataset(session, name, "places", layer=layer, municipality_code=code,
                           source_file=file_name, format=read.format, licence=report.licence,
                           attribution=report.attribution)
        report.dataset_id = ds.id
        _write_places(session, ds.id, inserts, updates, progress)
        if missing and close_missing:
            t = Place.__table__
            session.execute(update(t).where(t.c.id.in_([e["id"] for e in missing]))
                            .values(status="closed", valid_to=today, updated_at=func.now()))
        session.flush()
        return ds.id

    return _run(session, report, work)


_BATCH = 5000


def _json_text(v) -> str | None:
    """JSON text for a JSONB column (COPY); NUL, which JSONB cannot hold, is replaced."""
    if v is None:
        return None
    out = json.dumps(v, ensure_ascii=False, default=str)
    return out.replace("\\u0000", "\\ufffd") if "\\u0000" in out else out


_JSON_COLS = frozenset(("extra", "schedule"))


def _write_places(session: Session, dataset_id: int, inserts: list[dict], updates: list[dict],
                  progress: Progress | None) -> None:
    """New rows with COPY (one stream, the privacy trigger still runs per row), changed rows
    with one executemany UPDATE: no per-row ORM work."""
    t = Place.__table__
    cols = list(_WRITTEN) + ["valid_from"]
    conn = session.connection()
    done, total = 0, len(inserts) + len(updates)
    if inserts:
        copy_cols = cols + ["dataset_id", "point"]
        i_extra, i_sched = cols.index("extra"), cols.index("schedule")
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            with cur.copy(f"COPY place ({', '.join(copy_cols)}) FROM STDIN") as cp:
                sched_json: dict[int, str | None] = {}  # schedules are shared by rows with equal columns
                for v in inserts:
                    sc = v["schedule"]
                    if id(sc) not in sched_json:
                        sched_json[id(sc)] = _json_text(sc)
                    row = [v[c] for c in cols]
                    row[i_extra] = _json_text(v["extra"])
                    row[i_sched] = sched_json[id(sc)]
                    cp.write_row(row + [dataset_id, _ewkt(v["lat"], v["lon"])])
                    done += 1
                    if progress and done % 5000 == 0:
                        progress(done, total)
        if progress:
            progress(done, total)
    if updates:
        stmt = (update(t).where(t.c.id == bindparam("_id"))
                .values(**{c: bindparam("u_" + c) for c in cols}, point=bindparam("u_point", type_=t.c.point.type),
                        updated_at=func.now()))
        for start in range(0, len(updates), _BATCH):
            chunk = updates[start:start + _BATCH]
            conn.execute(stmt, [{"_id": v["_id"], **{"u_" + c: v.get(c) for c in cols},
                                 "u_point": _ewkt(v["lat"], v["lon"])} for v in chunk])
            done += len(chunk)
            if progress:
                progress(done, total)


def _apply_supplement(session: Session, read: ReadResult, rejections: list[Rejection], report: ImportReport,
                      layer: str, file_name: str, code: str | None, dataset_name: str | None,
                      dry_run: bool, progress: Progress | None) -> int | None:
    """The 追加 file of the standard dataset: complete existing places by ID, never create places."""
    ds = _dataset(session, dataset_name, "places") if dataset_name else \
        _find_supplement_target(session, layer, file_name, code)
    if ds is None:
        raise ValueError(
            "追加データ（名称のない補足ファイル）の結合先の一覧が見つかりません。先に元の一覧を取り込むか、"
            "--dataset で結合先を指定してください (supplement file: no place list to merge into; "
            "import the main list first or pass --dataset)")
    report.dataset_name, report.dataset_id = ds.name, ds.id
    report.licence, report.attribution = ds.licence, ds.attribution
    report.geocoding = {"enabled": False}
    report.warnings.append(f"追加データとして「{ds.name}」の場所に ID で結合しました "
                           f"(supplement merged by ID into dataset {ds.name!r})")
    existing = {e["source_id"]: e for e in _load_existing(session, ds.id) if e["source_id"]}
    t = Place.__table__
    full = {r.id: dict(r._mapping) for r in session.execute(
        select(t.c.id, *[t.c[f] for f in _SUPPLEMENT_FIELDS], t.c.extra)
        .where(t.c.dataset_id == ds.id))}
    by_id: dict[str, list[PlaceRecord]] = {}
    for rec in read.records:
        if rec.source_id not in existing:
            rejections.append(Rejection(rec.line, f"ID {rec.source_id} の場所が「{ds.name}」にありません "
                                                  f"(no place with this ID in the dataset)", _rec_raw(rec)))
            continue
        by_id.setdefault(rec.source_id, []).append(rec)
    updates = []
    for sid, recs in by_id.items():
        old = existing[sid]
        cur = full[old["id"]]
        extra = dict(cur.get("extra") or {})
        new: dict[str, Any] = {}
        # fill only what the main list leaves empty; never overwrite its values
        fill = dict(extra.get("_supplement") or {})
        for rec in recs:
            for f in _SUPPLEMENT_FIELDS:
                val = getattr(rec, f, None)
                if val is not None and (cur.get(f) is None or f in fill) and f not in new:
                    val = _clean_json(val) if isinstance(val, (str, dict, list)) else val
                    fill[f] = val
                    if not _same(cur.get(f), val):
                        new[f] = val
        if new.get("address"):
            new["address_key"] = match_key(new["address"])
        # every supplement row is kept whole: often an additional venue or session of the same place
        entries = []
        for rec in recs:
            e = {"行": rec.line, "住所": rec.address, "緯度": rec.lat, "経度": rec.lon, "開催日時": rec.schedule_text,
                 "参加費": rec.fees, "定員": rec.capacity, "予約": rec.reservation, "備考": rec.note,
                 **(rec.extra or {})}
            entries.append({k: x for k, x in e.items() if x is not None})
            if rec.address and rec.address != (cur.get("address") or new.get("address")):
                report.warnings.append(f"{rec.line} 行目: ID {sid} の追加の開催場所「{rec.address}」を記録しました"
                                       f"（位置は元の一覧のまま） (line {rec.line}: additional venue of ID {sid} recorded;"
                                       f" the place keeps its point)")
        want = {**extra, "追加": _clean_json(entries)}
        if fill:
            want["_supplement"] = fill
        if want != extra:
            new["extra"] = want
        if new:
            updates.append((old["id"], new, len(recs)))
        else:
            report.unchanged += len(recs)
    report.updated = sum(n for _, _, n in updates)
    if not dry_run:
        for pid, new, _ in updates:
            session.execute(update(t).where(t.c.id == pid).values(**new, updated_at=func.now()))
        session.flush()
    return ds.id


# ----------------------------------------------------------------------------- areas and population

def _area_plan(session: Session, records, report: ImportReport, dataset: Dataset | None) -> None:
    from geo.ingest.store import compare_areas
    counts, missing = compare_areas(session, records, dataset.id if dataset is not None else None)
    report.new, report.updated, report.unchanged = counts["new"], counts["updated"], counts["unchanged"]
    report.missing = missing


def import_areas(session: Session, path, *, kind: str, municipality_code: str | None = None,
                 dry_run: bool = False, dataset_name: str | None = None, licence: str | None = None,
                 attribution: str | None = None, gis_layer: str | None = None, name_column: str | None = None,
                 code_column: str | None = None, progress: Progress | None = None) -> ImportReport:
    """Import area polygons of `kind` (school districts, 地区, catchments, ...), upserting by (kind, code)."""
    from geo.ingest.areas import read_areas
    from geo.ingest.population import read_small_areas
    from geo.storage.models import AREA_KINDS
    from geo.ingest.store import save_areas

    file_name, digest = _file_info(path)
    report = ImportReport(kind="areas", file_name=file_name, file_hash=digest, dry_run=dry_run,
                          status="dry_run" if dry_run else "applied", area_kind=kind)

    def work() -> int | None:
        if kind not in AREA_KINDS:
            raise ValueError(f"区域の種類が不正です: {kind}（{', '.join(AREA_KINDS)}） (unknown area kind)")
        read = None
        if kind == "town_block" and name_column is None:
            try:
                read, _ = read_small_areas(path)
            except ValueError as e:
                if "KEY_CODE" not in str(e):
                    raise
        if read is None:
            read = read_areas(path, kind, municipality_code=municipality_code, layer=gis_layer,
                              name_column=name_column, code_column=code_column)
        elif municipality_code:
            from geo.ingest.text import normalize_municipality_code
            want, _ = normalize_municipality_code(municipality_code)
            read.records = [r for r in read.records if r.municipality_code == want]
        report.format, report.encoding, report.columns = read.format, read.encoding, dict(read.columns)
        report.warnings.extend(read.warnings)
        report.read = len(read.records) + len(read.rejections)
        report.rejections = _rej_dicts(read.rejections)
        report.rejected = len(report.rejections)
        d_licence, d_attr = default_source(read.format, kind=kind, year=2020)
        report.licence, report.attribution = licence or d_licence, attribution or d_attr
        if not report.attribution:
            report.warnings.append("出典（attribution）が未指定です。--attribution で指定してください "
                                   "(no attribution given; pass --attribution)")
        codes = {r.municipality_code for r in read.records if r.municipality_code}
        name = dataset_name or f"{kind}:{_stem(file_name)}" + (f":{municipality_code}" if municipality_code else "")
        report.dataset_name = name
        ds = _dataset(session, name, "areas")
        _area_plan(session, read.records, report, ds)
        if progress:
            progress(len(read.records), len(read.records))
        if dry_run:
            return ds.id if ds is not None else None
        ds = _save_dataset(session, name, "areas", area_kind=kind, source_file=file_name, format=read.format,
                           municipality_code=codes.pop() if len(codes) == 1 else None,
                           licence=report.licence, attribution=report.attribution)
        report.dataset_id = ds.id
        save_areas(session, ds, read.records)
        return ds.id

    return _run(session, report, work)


def _is_table(path) -> bool:
    p = Path(os.fspath(path))
    return p.is_file() and p.suffix.lower() in (".csv", ".txt", ".tsv")


def import_population(session: Session, path, *, year: int = 2020, dry_run: bool = False,
                      dataset_name: str | None = None, licence: str | None = None,
                      attribution: str | None = None, progress: Progress | None = None) -> ImportReport:
    """e-Stat 小地域: boundaries with JINKO/SETAI -> town_block areas + population; or an age
    table (CSV keyed by KEY_CODE) -> age bands onto existing town_block areas."""
    from geo.ingest.population import read_age_table, read_small_areas
    from geo.ingest.store import compare_population, save_areas, save_population

    file_name, digest = _file_info(path)
    report = ImportReport(kind="population", file_name=file_name, file_hash=digest, dry_run=dry_run,
                          status="dry_run" if dry_run else "applied", area_kind="town_block")

    def work() -> int | None:
        areas = None
        if _is_table(path):
            pops = read_age_table(path, year=year)
        else:
            areas, pops = read_small_areas(path, year=year)
        fmt = pops.format
        report.format, report.encoding = fmt, pops.encoding
        report.columns = dict(pops.columns)
        rejections = list(pops.rejections)
        if areas is not None:
            report.warnings.extend(areas.warnings)
            rejections += areas.rejections
        report.warnings.extend(pops.warnings)
        d_licence, d_attr = default_source(fmt, year=year)
        report.licence, report.attribution = licence or d_licence, attribution or d_attr
        name = dataset_name or f"population:{_stem(file_name)}"
        report.dataset_name = name
        ds = _dataset(session, name, "population")
        area_counts = None
        if areas is not None:
            from geo.ingest.store import compare_areas
            area_counts, _ = compare_areas(session, areas.records, None)
            known = {r.code for r in areas.records}
        else:
            known = set(session.scalars(select(Area.code).where(Area.kind == "town_block")))
        records = []
        for rec in pops.records:
            if rec.area_code in known:
                records.append(rec)
            else:
                rejections.append(Rejection(rec.line, f"KEY_CODE {rec.area_code} の町丁・字の区域がありません。"
                                                      f"先に境界データを取り込んでください "
                                                      f"(no town_block area with this KEY_CODE; import the boundaries first)",
                                            ""))
        report.read = len(pops.records) + len(pops.rejections) + (len(areas.rejections) if areas else 0)
        report.rejections = _rej_dicts(sorted(rejections, key=lambda r: r.line))
        report.rejected = len(report.rejections)
        counts = compare_population(session, records, areas_pending={r.code for r in areas.records} if areas else set())
        report.new, report.updated, report.unchanged = counts["new"], counts["updated"], counts["unchanged"]
        if area_counts is not None:
            report.warnings.append(
                f"町丁・字の区域: 新規 {area_counts['new']} / 更新 {area_counts['updated']} / 変更なし {area_counts['unchanged']} "
                f"(town_block areas: new {area_counts['new']}, updated {area_counts['updated']}, "
                f"unchanged {area_counts['unchanged']})")
            report.geocoding = {}
        total = sum(r.total or 0 for r in records)
        report.warnings.append(f"人口の合計 {total:,} 人（{year}年） (population total {total:,}, year {year})")
        if progress:
            progress(len(records), len(records))
        if dry_run:
            return ds.id if ds is not None else None
        codes = {r.municipality_code for r in (areas.records if areas else []) if r.municipality_code}
        ds = _save_dataset(session, name, "population", area_kind="town_block", source_file=file_name,
                           format=fmt, municipality_code=codes.pop() if len(codes) == 1 else None,
                           licence=report.licence, attribution=report.attribution)
        report.dataset_id = ds.id
        if areas is not None:
            save_areas(session, ds, areas.records)
        save_population(session, ds, records)
        return ds.id

    return _run(session, report, work)
