"""Read area polygons (school districts and other areas) into AreaRecord. Touches no database.

Recognised schemas (ReadResult.format):

- ``ksj-a27-v3`` / ``ksj-a32-v3``: 国土数値情報 小学校区 / 中学校区, current schema
  (A27_001 行政区域コード, A27_002 設置主体, A27_003 学校コード, A27_004 名称, A27_005 所在地;
  A32_001..A32_005 likewise).
- ``ksj-a27-old`` / ``ksj-a32-old``: the old schema (A27_005 行政区域コード, A27_006 設置者,
  A27_007 名称, A27_008 所在地; A32 assumed to mirror it).
- ``ksj-renamed``: the same data with readable column names (行政区域コード, 名称, 学校コード,
  設置主体/設置者, 所在地).
- ``generic``: any polygon layer with a name column (name, 名称, NAME, 区域名 ...).

Input: GeoJSON, Shapefile (.shp, a folder holding one, or a .zip), GeoPackage; read with
pyogrio. Any CRS is transformed to EPSG:4326 (no CRS: EPSG:4326/CRS84 assumed). Every
geometry becomes a MultiPolygon; invalid ones are repaired with shapely.make_valid (only
polygonal parts kept, reported in warnings with the 1-based feature number); empty or
non-polygonal geometries are rejected.
"""
from __future__ import annotations

import math
import os
import re
import zipfile
from pathlib import Path

from geo.ingest.headers import place_columns
from geo.ingest.records import AreaRecord, ReadResult, Rejection
from geo.ingest.registry import Columns, Format, Reader, format_for
from geo.ingest.text import normalize_municipality_code

__all__ = ["read_areas", "read_vector", "to_multipolygon"]

_KIND_BY_PREFIX = {"A27": "elementary", "A32": "junior_high"}
_VECTOR_EXT = (".geojson", ".json", ".shp", ".gpkg", ".topojson", ".fgb")


def _find_source(path) -> tuple[str, str]:
    """Return (path for pyogrio, label). Folders and zips are searched for one vector file."""
    p = Path(os.fspath(path))
    if not p.exists():
        raise ValueError(f"ファイルがありません: {p} (file not found)")
    if p.is_dir():
        found = sorted(q for q in p.rglob("*") if q.suffix.lower() in _VECTOR_EXT)
        shp = [q for q in found if q.suffix.lower() == ".shp"]
        cands = shp or found
        if not cands:
            raise ValueError(f"フォルダに地図データ (.shp/.geojson/.gpkg) がありません: {p} "
                             "(no vector file in folder)")
        if len(cands) > 1:
            raise ValueError(f"フォルダに地図データが複数あります: {', '.join(q.name for q in cands)} "
                             "(several vector files in folder; pass one)")
        return str(cands[0]), str(p)
    if p.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(p) as z:
                names = [n for n in z.namelist() if os.path.splitext(n)[1].lower() in _VECTOR_EXT
                         and not n.startswith("__MACOSX")]
        except zipfile.BadZipFile:
            raise ValueError(f"ZIP ファイルが壊れています: {p} (corrupt zip file)") from None
        shp = [n for n in names if n.lower().endswith(".shp")]
        cands = shp or names
        if not cands:
            raise ValueError(f"ZIP に地図データ (.shp/.geojson/.gpkg) がありません: {p} (no vector file in zip)")
        if len(cands) > 1:
            raise ValueError(f"ZIP に地図データが複数あります: {', '.join(cands)} (several vector files in zip)")
        return f"/vsizip/{p.resolve()}/{cands[0]}", str(p)
    return str(p), str(p)


def _pick_layer(src: str, wanted: str | None, warnings: list[str]) -> str | None:
    import pyogrio

    try:
        layers = pyogrio.list_layers(src)
    except Exception as e:  # noqa: BLE001 - GDAL raises several types
        raise ValueError(f"地図データとして読めません: {e} (cannot open as vector data)") from None
    if len(layers) == 0:
        raise ValueError("レイヤーがありません (no layers)")
    names = [str(n) for n, _ in layers]
    if wanted:
        if wanted not in names:
            raise ValueError(f"レイヤー {wanted!r} がありません。あるレイヤー: {', '.join(names)} (layer not found)")
        return wanted
    if len(layers) == 1:
        return None
    poly = [str(n) for n, t in layers if t and "polygon" in str(t).lower()]
    chosen = poly[0] if poly else names[0]
    warnings.append(f"複数のレイヤーがあるため {chosen!r} を読みました（{', '.join(names)}） "
                    f"(several layers; read {chosen!r})")
    return chosen


def _needs_cp932_retry(df) -> bool:
    from pandas.api.types import is_object_dtype, is_string_dtype

    for col in df.columns:
        if col == "geometry" or not (is_object_dtype(df[col].dtype) or is_string_dtype(df[col].dtype)):
            continue
        for v in df[col].head(50):
            if isinstance(v, str) and re.search(r"[\x80-\xff]{2,}", v) and not re.search(r"[\u3040-\u9fff]", v):
                return True
    return False


def read_vector(path, *, layer: str | None = None, warnings: list[str] | None = None):
    """Read any vector file into a GeoDataFrame in EPSG:4326 (no CRS: 4326 assumed).

    Shapefiles without a .cpg whose text is Shift_JIS (older 国土数値情報) are re-read as cp932."""
    import pyogrio

    warnings = warnings if warnings is not None else []
    src, label = _find_source(path)
    lyr = _pick_layer(src, layer, warnings)
    kw = {"layer": lyr} if lyr is not None else {}
    try:
        df = pyogrio.read_dataframe(src, **kw)
    except UnicodeDecodeError:
        df = pyogrio.read_dataframe(src, encoding="cp932", **kw)
        warnings.append("属性を Shift_JIS (cp932) として読みました (attributes read as cp932)")
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"地図データとして読めません: {label}: {e} (cannot read vector data)") from None
    if src.lower().endswith(".shp") or ".shp" in src.lower():
        if _needs_cp932_retry(df):
            try:
                df = pyogrio.read_dataframe(src, encoding="cp932", **kw)
                warnings.append("属性を Shift_JIS (cp932) として読みました (attributes read as cp932)")
            except Exception:  # noqa: BLE001
                pass
    if df.crs is None:
        if src.lower().endswith(".shp"):
            warnings.append("座標系 (.prj) がないため EPSG:4326 とみなしました (no CRS; EPSG:4326 assumed)")
        df = df.set_crs(4326, allow_override=True)
    else:
        epsg = df.crs.to_epsg()
        if epsg != 4326:
            df = df.to_crs(4326)
    return df


def to_multipolygon(geom):
    """(geometry, repaired: bool, reason) -> MultiPolygon or None when nothing polygonal remains."""
    import shapely
    from shapely.geometry import GeometryCollection, MultiPolygon, Polygon

    if geom is None or geom.is_empty:
        return None, False, "empty"
    if shapely.get_coordinate_dimension(geom) == 3:
        geom = shapely.force_2d(geom)
    repaired = False
    reason = ""
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = shapely.make_valid(geom)
        repaired = True

    polys: list = []

    def collect(g):
        if isinstance(g, Polygon):
            if not g.is_empty:
                polys.append(g)
        elif isinstance(g, MultiPolygon):
            polys.extend(p for p in g.geoms if not p.is_empty)
        elif isinstance(g, GeometryCollection):
            for part in g.geoms:
                collect(part)

    collect(geom)
    if not polys:
        return None, repaired, reason or f"not polygonal ({geom.geom_type})"
    mp = MultiPolygon(polys)
    if repaired and not mp.is_valid:  # parts of a collection can still touch/overlap
        mp2 = shapely.make_valid(shapely.union_all(polys))
        polys = []
        collect(mp2)
        mp = MultiPolygon(polys) if polys else None
    return mp, repaired, reason


def _clean(v):
    """Attribute value as plain python (numpy scalars, NaN -> None)."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            v = str(v)
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if not isinstance(v, (str, int, float, bool)):
        return str(v)
    return v


AREA_FIELDS = frozenset({"municipality_code", "operator", "school_code", "name", "address", "source_id"})


def _ksj(columns: Columns) -> tuple[str, str] | None:
    """(prefix A27/A32, 'old'|'v3') of a 国土数値情報 school-district table."""
    cols = set(columns.header)
    for pre in ("A27", "A32"):
        if f"{pre}_007" in cols and f"{pre}_005" in cols:
            return pre, "old"
        if f"{pre}_004" in cols:
            return pre, "v3"
    return None


def _ksj_is(pre: str, schema: str):
    return lambda c: _ksj(c) == (pre, schema)


def _is_renamed(c: Columns) -> bool:
    f = c.fields
    return "name" in f and ("school_code" in f or {"municipality_code", "operator"} <= f)


def _ksj_source(kind=None, **_):
    what = {"elementary": "小学校区データ", "junior_high": "中学校区データ"}.get(kind or "", "小学校区データ・中学校区データ")
    return "国土数値情報利用約款", f"「国土数値情報（{what}）」（国土交通省）を加工して作成"


FORMATS = [
    *(Format(f"ksj-{pre.lower()}-{schema}", "areas", _ksj_is(pre, schema), _ksj_source)
      for pre in ("A27", "A32") for schema in ("old", "v3")),
    Format("ksj-renamed", "areas", _is_renamed, _ksj_source),
]


def _read_areas(path, *, kind=None, **options) -> ReadResult:
    return read_areas(path, kind, **options)


READERS = [Reader("vector-areas", "areas", detect=lambda s: True, read=_read_areas, order=90)]


def _schema(columns: list[str]) -> tuple[str, dict[str, str], str | None]:
    """-> (format, {role: column}, ksj prefix A27/A32 or None)."""
    ksj = _ksj(Columns(tuple(columns)))
    if ksj is not None:
        pre, schema = ksj
        cols = set(columns)
        if schema == "old":
            roles = {"municipality_code": f"{pre}_005", "operator": f"{pre}_006", "name": f"{pre}_007",
                     "address": f"{pre}_008" if f"{pre}_008" in cols else None}
        else:
            roles = {"municipality_code": f"{pre}_001", "operator": f"{pre}_002", "school_code": f"{pre}_003",
                     "name": f"{pre}_004", "address": f"{pre}_005"}
        return f"ksj-{pre.lower()}-{schema}", roles, pre
    placed = place_columns([c for c in columns], AREA_FIELDS)
    roles = {("code" if f == "source_id" else f): columns[i] for i, f in placed.items() if columns[i] != "geometry"}
    fields = frozenset("source_id" if r == "code" else r for r in roles)
    fmt = format_for("areas", Columns(tuple(columns), fields), default="generic")
    return fmt, roles, None


def _kind_from_names(names: list[str]) -> str | None:
    el = sum(1 for n in names if n and n.endswith("小学校"))
    jh = sum(1 for n in names if n and n.endswith("中学校"))
    if not names:
        return None
    if el > len(names) / 2:
        return "elementary"
    if jh > len(names) / 2:
        return "junior_high"
    return None


def read_areas(path, kind: str | None = None, *, municipality_code=None, layer: str | None = None,
               name_column: str | None = None, code_column: str | None = None) -> ReadResult:
    """Read school districts (国土数値情報 A27/A32, any schema) or other named polygons.

    kind: elementary / junior_high / district / ... ; inferred from A27/A32 (columns or file
      name) or from the names (…小学校 / …中学校) when not given; otherwise 'district'.
    municipality_code: keep only features of this municipality (5 or 6 digits).
    name_column / code_column: override detection for generic files.
    Code of each area: the school code when present, else '<municipality code>-<name>'
    (or the code column of a generic file, else the name).
    """
    warnings: list[str] = []
    df = read_vector(path, layer=layer, warnings=warnings)
    columns = [c for c in df.columns if c != "geometry"]
    fmt, roles, prefix = _schema(columns)
    if name_column:
        if name_column not in columns:
            raise ValueError(f"列 {name_column!r} がありません。見つかった列: {', '.join(columns)} (column not found)")
        roles["name"] = name_column
    if code_column:
        if code_column not in columns:
            raise ValueError(f"列 {code_column!r} がありません。見つかった列: {', '.join(columns)} (column not found)")
        roles["code"] = code_column
    if not roles.get("name"):
        raise ValueError(
            f"名称の列を特定できません。見つかった列: {', '.join(columns) or '(なし)'} "
            f"(could not place field 'name'; columns found: {', '.join(columns) or '(none)'}; "
            "pass name_column)")

    if kind is None:
        if prefix:
            kind = _KIND_BY_PREFIX[prefix]
        else:
            base = Path(os.fspath(path)).name.upper()
            m = re.search(r"A(27|32)", base)
            if m:
                kind = _KIND_BY_PREFIX["A" + m.group(1)]
            else:
                kind = _kind_from_names([_clean(v) for v in df[roles["name"]].tolist()]) or "district"
                if kind == "district":
                    warnings.append("区域の種類を判定できないため 'district' としました (kind not given; 'district' used)")

    want_code = None
    if municipality_code is not None:
        want_code, w = normalize_municipality_code(municipality_code)
        if w or not want_code:
            raise ValueError(w or f"団体コードが不正です: {municipality_code!r} (invalid municipality code)")
        if not roles.get("municipality_code"):
            raise ValueError(f"行政区域コードの列がないため {want_code} で絞り込めません。見つかった列: "
                             f"{', '.join(columns)} (no municipality code column to filter on)")

    result = ReadResult(format=fmt, encoding="", warnings=warnings,
                        columns={c: r for r, c in roles.items() if c})
    seen: dict[str, int] = {}
    skipped = 0
    props_all = df.drop(columns="geometry").to_dict("records") if columns else [{} for _ in range(len(df))]
    for idx, (props_raw, geom) in enumerate(zip(props_all, df.geometry.values), start=1):
        props = {str(k): _clean(v) for k, v in props_raw.items()}
        muni_raw = props.get(roles.get("municipality_code")) if roles.get("municipality_code") else None
        muni, mw = normalize_municipality_code(muni_raw)
        if want_code and muni != want_code:
            skipped += 1
            continue
        raw = ", ".join(f"{k}={v}" for k, v in props.items())[:500]
        name = props.get(roles["name"])
        name = str(name).strip() if name is not None else ""
        if not name:
            result.rejections.append(Rejection(idx, "no_name", {}, raw))
            continue
        mp, repaired, reason = to_multipolygon(geom)
        if mp is None:
            if reason == "empty":
                rej = Rejection(idx, "empty_geometry", {}, raw)
            else:
                rej = Rejection(idx, "geometry_unrepairable" if repaired else "not_polygon", {"detail": reason}, raw)
            result.rejections.append(rej)
            continue
        if repaired:
            result.warnings.append(f"地物 {idx}（{name}）: 不正なジオメトリを make_valid で修復しました: {reason} "
                                   f"(feature {idx}: invalid geometry repaired)")
        if mw:
            result.warnings.append(f"地物 {idx}: {mw}")

        school_code = props.get(roles["school_code"]) if roles.get("school_code") else None
        school_code = str(school_code).strip() if school_code not in (None, "") else None
        if school_code:
            code = school_code
        elif roles.get("code") and props.get(roles["code"]) not in (None, ""):
            code = str(props[roles["code"]]).strip()
        elif muni:
            code = f"{muni}-{name}"
        else:
            code = name
        if code in seen:
            result.warnings.append(f"地物 {idx}: コード {code} が地物 {seen[code]} と重複しています。"
                                   f"'{code}#{idx}' としました (duplicate code)")
            code = f"{code}#{idx}"
        seen[code] = idx

        if roles.get("operator"):
            props.setdefault("operator", props.get(roles["operator"]))
        if roles.get("address"):
            props.setdefault("address", props.get(roles["address"]))
        if school_code:
            props.setdefault("school_code", school_code)
        result.records.append(AreaRecord(kind=kind, code=code, name=name, geometry=mp,
                                         municipality_code=muni, properties=props, line=idx))
    if want_code:
        result.warnings.append(f"団体コード {want_code} 以外の {skipped} 件を除外しました "
                               f"(filtered out {skipped} features of other municipalities)")
    if not result.records and not result.rejections:
        result.warnings.append("区域がありません (no areas)")
    return result
