"""Read e-Stat 小地域 (town/chōme level) boundaries and statistics. Touches no database.

- read_small_areas: 国勢調査 町丁・字等別境界データ as Shapefile, GeoJSON or TopoJSON
  -> (AreaRecords kind='town_block', PopulationRecords with JINKO/SETAI).
  TopoJSON is read with GDAL's TopoJSON driver (object 'town'); when the driver is missing
  or fails, the arcs are decoded here (topojson_features).
- read_age_table: e-Stat 小地域集計 CSV (年齢（5歳階級）別人口 etc.) keyed by KEY_CODE
  -> PopulationRecords with total, age_0_14, age_15_64, age_65_over.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
import warnings as _warnings
from pathlib import Path

from geo.ingest.records import AreaRecord, PopulationRecord, ReadResult, Rejection
from geo.ingest.registry import Format, NotThisFormat, Reader
from geo.ingest.text import decode_bytes, normalize_municipality_code

__all__ = ["read_small_areas", "read_age_table", "topojson_features", "read_topojson", "READERS", "FORMATS"]

_TABLE_SUFFIXES = (".csv", ".txt", ".tsv")


def _census_era(year=2020, **_):
    return "令和2年" if year == 2020 else f"{year}年"


FORMATS = [
    Format("estat-small-area-topojson", "population", source=lambda **c: (
        "CC BY 4.0", f"「{_census_era(**c)}国勢調査町丁・字等別境界データ」（総務省統計局）をもとに CODH が加工したものを利用 (CC BY 4.0)")),
    Format("estat-small-area-table", "population", source=lambda **c: (
        "政府標準利用規約（第2.0版）", f"「{_census_era(**c)}国勢調査 小地域集計」（総務省統計局 e-Stat）を加工して作成")),
    *(Format(f"estat-small-area-{kind}", "population", source=lambda **c: (
        "政府標準利用規約（第2.0版）", f"「{_census_era(**c)}国勢調査町丁・字等別境界データ」（総務省統計局 e-Stat）を加工して作成"))
      for kind in ("shapefile", "geojson")),
]


def _is_table(s) -> bool:
    return not s.is_dir and s.suffix in _TABLE_SUFFIXES


def _boundaries_for_areas(s) -> bool:
    """town_block areas from e-Stat boundaries: TopoJSON, or a file naming KEY_CODE (else the
    generic area reader is tried after this one says NotThisFormat)."""
    return s.hints.get("area_kind") == "town_block" and not s.hints.get("name_column") and not _is_table(s)


def _read_boundaries_as_areas(path, *, year: int = 2020, **_):
    return read_small_areas(path, year=year)[0]


READERS = [
    Reader("age-table", "population", detect=_is_table, read=lambda path, **o: (None, read_age_table(path, **o)),
           order=10),
    Reader("small-area-boundaries", "population", detect=lambda s: not _is_table(s),
           read=lambda path, **o: read_small_areas(path, **o), order=20),
    Reader("town-block-boundaries", "areas", detect=_boundaries_for_areas, read=_read_boundaries_as_areas, order=10),
]


# ------------------------------------------------------------------ TopoJSON

def _decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    tr = topo.get("transform")
    arcs = []
    for arc in topo.get("arcs", []):
        if tr:
            sx, sy = tr["scale"]
            tx, ty = tr["translate"]
            x = y = 0
            pts = []
            for p in arc:  # quantized and delta-encoded
                x += p[0]
                y += p[1]
                pts.append((x * sx + tx, y * sy + ty))
        else:
            pts = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(pts)
    return arcs


def _ring(indices: list[int], arcs) -> list[tuple[float, float]]:
    coords: list[tuple[float, float]] = []
    for i in indices:
        pts = arcs[~i][::-1] if i < 0 else arcs[i]
        coords.extend(pts if not coords else pts[1:])
    return coords


def _topo_geometry(g: dict, arcs, topo: dict):
    from shapely.geometry import MultiPolygon, Polygon, shape

    t = g.get("type")
    if t == "Polygon":
        rings = [_ring(r, arcs) for r in g.get("arcs", [])]
        rings = [r for r in rings if len(r) >= 4]
        return Polygon(rings[0], rings[1:]) if rings else None
    if t == "MultiPolygon":
        polys = []
        for poly in g.get("arcs", []):
            rings = [_ring(r, arcs) for r in poly]
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                polys.append(Polygon(rings[0], rings[1:]))
        return MultiPolygon(polys) if polys else None
    if t in ("Point", "MultiPoint"):
        tr = topo.get("transform")

        def pt(p):
            return (p[0] * tr["scale"][0] + tr["translate"][0], p[1] * tr["scale"][1] + tr["translate"][1]) if tr else tuple(p)
        coords = g.get("coordinates")
        return shape({"type": t, "coordinates": pt(coords) if t == "Point" else [pt(p) for p in coords]})
    if t in ("LineString", "MultiLineString"):
        if t == "LineString":
            return shape({"type": t, "coordinates": _ring(g["arcs"], arcs)})
        return shape({"type": t, "coordinates": [_ring(a, arcs) for a in g["arcs"]]})
    return None


def topojson_features(topo: dict, object_name: str | None = None) -> list[tuple[dict, object]]:
    """Decode one object of a TopoJSON Topology into [(properties, shapely geometry|None)]."""
    objects = topo.get("objects") or {}
    if not objects:
        raise ValueError("TopoJSON に objects がありません (TopoJSON has no objects)")
    if object_name is None:
        object_name = next(iter(objects))
    if object_name not in objects:
        raise ValueError(f"TopoJSON にオブジェクト {object_name!r} がありません。ある: {', '.join(objects)} "
                         "(object not in TopoJSON)")
    arcs = _decode_arcs(topo)
    obj = objects[object_name]
    geoms = obj.get("geometries", []) if obj.get("type") == "GeometryCollection" else [obj]
    out = []
    for g in geoms:
        try:
            geom = _topo_geometry(g, arcs, topo)
        except (IndexError, KeyError, TypeError, ValueError):
            geom = None
        out.append((dict(g.get("properties") or {}), geom))
    return out


def _choose_topo_object(names: list[str], has_key_code) -> str:
    if "town" in names:
        return "town"
    for n in names:
        if has_key_code(n):
            return n
    return names[0]


def read_topojson(path, object_name: str | None = None, *, use_gdal: bool = True):
    """Read a TopoJSON object into a GeoDataFrame (EPSG:4326). GDAL first, own decoder as fallback."""
    import geopandas as gpd

    p = Path(os.fspath(path))
    topo = None
    if object_name is None:
        topo = json.loads(p.read_bytes().decode("utf-8-sig"))
        objs = topo.get("objects") or {}
        object_name = _choose_topo_object(
            list(objs), lambda n: any("KEY_CODE" in (g.get("properties") or {}) for g in objs[n].get("geometries", [])[:1]))
    if use_gdal:
        try:
            import pyogrio

            if "TopoJSON" in pyogrio.list_drivers():
                with _warnings.catch_warnings():  # mixed-type columns ('X' among numbers) stay strings
                    _warnings.simplefilter("ignore", UserWarning)
                    df = pyogrio.read_dataframe(str(p), layer=object_name)
                if "id" in df.columns and df["id"].isna().all():
                    df = df.drop(columns="id")
                return df.set_crs(4326, allow_override=True) if df.crs is None else df.to_crs(4326), "gdal"
        except Exception:  # noqa: BLE001 - fall back to the pure-python decoder
            pass
    if topo is None:
        topo = json.loads(p.read_bytes().decode("utf-8-sig"))
    feats = topojson_features(topo, object_name)
    df = gpd.GeoDataFrame([f[0] for f in feats], geometry=[f[1] for f in feats], crs=4326)
    return df, "python"


# ------------------------------------------------------------------ small-area boundaries

def _is_topojson(p: Path) -> bool:
    if p.suffix.lower() == ".topojson":
        return True
    if p.suffix.lower() == ".json" and p.is_file():
        with open(p, "rb") as f:
            head = f.read(4096)
        return b'"Topology"' in head
    return False


def _int_or_none(v):
    if v is None:
        return None
    if isinstance(v, float):
        return None if v != v else int(v)
    if hasattr(v, "item"):
        v = v.item()
        return _int_or_none(v) if isinstance(v, float) else int(v)
    if isinstance(v, int):
        return v
    t = unicodedata.normalize("NFKC", str(v)).strip().replace(",", "")
    if t in ("", "-", "X", "x", "*", "…", "***"):
        return None
    try:
        return int(float(t))
    except ValueError:
        return None


def _sum_parts(parts, col):
    vals = [_int_or_none(p[1].get(col)) for p in parts]
    return None if any(v is None for v in vals) else sum(vals)


def read_small_areas(path, *, year: int = 2020, use_gdal: bool = True) -> tuple[ReadResult, ReadResult]:
    """e-Stat 小地域 boundaries -> (areas ReadResult, population ReadResult).

    Areas: AreaRecord(kind='town_block', code=KEY_CODE, name=S_NAME, municipality_code=PREF+CITY).
    Population: PopulationRecord(area_code=KEY_CODE, year, total=JINKO, households=SETAI).
    A KEY_CODE split over several features (生駒市: 123 features, 119 KEY_CODEs) is merged into
    one MultiPolygon; JINKO/SETAI are published per piece (the AREA_MAX_F='M' piece is not the
    only one holding people), so they are summed (None if any piece is suppressed). The
    properties of the area are those of the AREA_MAX_F='M' piece (else the first).
    """
    from shapely.ops import unary_union

    from .areas import _clean, read_vector, to_multipolygon

    p = Path(os.fspath(path))
    if not p.exists():
        raise ValueError(f"ファイルがありません: {p} (file not found)")
    warnings: list[str] = []
    if _is_topojson(p):
        try:
            df, how = read_topojson(p, use_gdal=use_gdal)
        except json.JSONDecodeError as e:
            raise ValueError(f"TopoJSON として読めません: {e} (invalid TopoJSON)") from None
        fmt = "estat-small-area-topojson"
    else:
        df = read_vector(p, warnings=warnings)
        fmt = "estat-small-area-shapefile" if (p.is_dir() or p.suffix.lower() in (".shp", ".zip")) else "estat-small-area-geojson"
    columns = [c for c in df.columns if c != "geometry"]
    if "KEY_CODE" not in columns:
        raise NotThisFormat(f"KEY_CODE 列がありません。見つかった列: {', '.join(columns)} "
                            f"(no KEY_CODE column; not e-Stat small-area data)")

    areas = ReadResult(format=fmt, warnings=warnings,
                       columns={"KEY_CODE": "code", "S_NAME": "name", "JINKO": "total", "SETAI": "households"})
    pops = ReadResult(format=fmt, columns={"KEY_CODE": "area_code", "JINKO": "total", "SETAI": "households"})

    groups: dict[str, list[tuple[int, dict, object]]] = {}
    order: list[str] = []
    for idx, (props_raw, geom) in enumerate(zip(df.drop(columns="geometry").to_dict("records"), df.geometry.values), 1):
        props = {str(k): _clean(v) for k, v in props_raw.items()}
        key = props.get("KEY_CODE")
        key = str(key).strip() if key not in (None, "") else ""
        raw = ", ".join(f"{k}={v}" for k, v in props.items())[:500]
        if not key:
            areas.rejections.append(Rejection(idx, "no_key_code", {}, raw))
            continue
        mp, repaired, reason = to_multipolygon(geom)
        if mp is None:
            areas.rejections.append(Rejection(idx, "empty_or_not_polygon", {}, raw))
            continue
        if repaired:
            areas.warnings.append(f"地物 {idx}（{key}）: 不正なジオメトリを make_valid で修復しました: {reason} "
                                  f"(feature {idx}: invalid geometry repaired)")
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((idx, props, mp))

    for key in order:
        parts = groups[key]
        main = next((p for p in parts if p[1].get("AREA_MAX_F") == "M"), parts[0])
        idx, props, _ = main
        geom = parts[0][2]
        if len(parts) > 1:
            merged, _, _ = to_multipolygon(unary_union([p[2] for p in parts]))
            geom = merged or geom
            areas.warnings.append(f"KEY_CODE {key} の {len(parts)} 個の地物を1つにまとめました "
                                  f"(merged {len(parts)} features of one KEY_CODE)")
        pref, city = props.get("PREF"), props.get("CITY")
        muni = None
        if pref not in (None, "") and city not in (None, ""):
            muni = f"{int(pref):02d}{int(city):03d}" if str(pref).isdigit() and str(city).isdigit() else f"{pref}{city}"
        elif len(key) >= 5:
            muni, _ = normalize_municipality_code(key[:5])
        name = props.get("S_NAME")
        name = str(name).strip() if name not in (None, "") else ""
        if not name:
            name = key
            areas.warnings.append(f"地物 {idx}: S_NAME が空のため KEY_CODE を名前にしました (no S_NAME; KEY_CODE used)")
        areas.records.append(AreaRecord(kind="town_block", code=key, name=name, geometry=geom,
                                        municipality_code=muni, properties=props, line=idx))
        pops.records.append(PopulationRecord(area_code=key, year=year, total=_sum_parts(parts, "JINKO"),
                                             households=_sum_parts(parts, "SETAI"), line=idx))
    return areas, pops


# ------------------------------------------------------------------ age tables

_SUPPRESSED = {"-", "X", "x", "*", "＊", "…", "***", "χ", "−", "－", "ー", "―"}
_BAND = re.compile(r"(\d+)\s*歳?\s*[~〜～\-－ー―から]+\s*(\d+)\s*歳")
_OPEN = re.compile(r"(\d+)\s*歳\s*以上")
_UNDER = re.compile(r"(\d+)\s*歳\s*未満")


def _label_role(label: str):
    """('total'|'band'|'open'|'under'|None, data). Columns for 男/女 only are ignored."""
    t = unicodedata.normalize("NFKC", label or "").strip()
    if not t:
        return None, None
    t_sexless = re.sub(r"^(総数|男女計)\s*[、,，]?\s*", "", t)
    if re.match(r"^(男|女)", t) or re.search(r"[、,，]\s*(男|女)\s*$", t):
        return None, None
    if "不詳" in t and ("含む" not in t):
        return None, None
    m = _BAND.search(t_sexless)
    if m:
        return "band", (int(m.group(1)), int(m.group(2)))
    m = _OPEN.search(t_sexless)
    if m:
        return "open", int(m.group(1))
    m = _UNDER.search(t_sexless)
    if m:
        return "under", int(m.group(1))
    if t.startswith("総数") or t in ("人口総数", "総人口", "人口", "合計"):
        return "total", None
    return None, None


def _cell_int(v: str):
    """int, None for suppressed/empty, or 'bad'."""
    t = unicodedata.normalize("NFKC", v or "").strip().replace(",", "")
    if t == "" or t in _SUPPRESSED or v.strip() in _SUPPRESSED:
        return None
    try:
        return int(t)
    except ValueError:
        try:
            f = float(t)
            return int(f) if f == int(f) else "bad"
        except ValueError:
            return "bad"


def _sum_bands(values: dict, bands: list[tuple[int, int]], lo: int, hi: int | None, opens: dict, warn):
    """Sum 5-year bands from lo to hi (inclusive; hi None = to the open top band). None if any missing."""
    use = [b for b in bands if b[0] >= lo and (hi is None or b[1] <= hi)]
    if not use:
        return None
    use.sort()
    # contiguous?
    expect = lo
    for a, b in use:
        if a != expect:
            return None
        expect = b + 1
    if hi is not None and expect != hi + 1:
        return None
    cols = [values.get(("band", b)) for b in use]
    if hi is None:
        top = opens.get(expect)
        if top is None and ("open", expect) not in values:
            warn()
        else:
            cols.append(values.get(("open", expect)))
    if any(c is None for c in cols):
        return None
    return sum(cols)


def read_age_table(path, *, year: int = 2020) -> ReadResult:
    """e-Stat 小地域 age-band CSV (cp932) keyed by KEY_CODE -> PopulationRecords.

    Layout: KEY_CODE,HYOSYO,CITYNAME,NAME,HTKSYORI,HTKSAKI,GASSAN,T000xxx001,... and, as the
    first data line, often a second header of Japanese labels ('総数、年齢「不詳」含む', '0～4歳',
    ..., '65歳以上'). The labels decide what each column is (the header itself may carry them).
    age_0_14 = a '15歳未満' column or 0～4 + 5～9 + 10～14; age_65_over = a '65歳以上' column or
    the sum of the bands from 65 up to the open top band; age_15_64 likewise.
    '-', 'X', '*' (suppressed / 秘匿) -> None; a sum with any suppressed part is None.
    """
    p = Path(os.fspath(path))
    if not p.exists():
        raise ValueError(f"ファイルがありません: {p} (file not found)")
    data = p.read_bytes()
    if not data.strip():
        raise ValueError(f"ファイルが空です: {p} (file is empty)")
    text, encoding = decode_bytes(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    prev = 0
    for row in reader:
        rows.append((prev + 1, row))
        prev = reader.line_num
    rows = [(ln, r) for ln, r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ValueError(f"ファイルが空です: {p} (file is empty)")
    header_line, header = rows[0]
    header = [h.replace("\ufeff", "").strip() for h in header]
    if "KEY_CODE" not in header:
        raise ValueError(f"KEY_CODE 列がありません。見つかった列: {', '.join(header)} "
                         "(no KEY_CODE column; not an e-Stat small-area table)")
    key_i = header.index("KEY_CODE")
    result = ReadResult(format="estat-small-area-table", encoding=encoding)

    # Labels: from a second header line (its KEY_CODE cell is empty / non-numeric), else from the header.
    labels = header
    data_rows = rows[1:]
    if data_rows:
        ln2, r2 = data_rows[0]
        k2 = r2[key_i].strip() if key_i < len(r2) else ""
        if not re.fullmatch(r"\d+", unicodedata.normalize("NFKC", k2)) and any(_label_role(c)[0] for c in r2):
            labels = [r2[i] if i < len(r2) and r2[i].strip() else header[i] for i in range(len(header))]
            data_rows = data_rows[1:]

    roles: dict[int, tuple] = {}
    for i, lab in enumerate(labels):
        if i == key_i:
            continue
        role, val = _label_role(lab)
        if role:
            key = (role, val)
            if key in roles.values():
                continue  # first column wins (e.g. 総数 before 男/女 breakdowns)
            roles[i] = key
    if not roles:
        raise ValueError(f"年齢階級の見出しを読み取れません。見つかった列: {', '.join(labels)} "
                         "(no age-band labels such as '0～4歳' or '65歳以上')")
    result.columns = {header[i]: f"{r[0]}:{r[1]}" if r[1] is not None else r[0] for i, r in roles.items()}
    bands = sorted(v for r, v in roles.values() if r == "band" and v[1] - v[0] == 4)
    opens = {v: True for r, v in roles.values() if r == "open"}
    unders = {v for r, v in roles.values() if r == "under"}
    warned = []

    def warn_top():
        if not warned:
            warned.append(1)
            result.warnings.append("最上位の年齢階級（○歳以上）の列がないため、65歳以上は5歳階級の合計です "
                                   "(no open top age band; 65+ is the sum of the 5-year bands)")

    seen: set[str] = set()
    for line, row in data_rows:
        raw = ",".join(row)[:500]
        key = normalize_key = unicodedata.normalize("NFKC", row[key_i] if key_i < len(row) else "").strip()
        if not key:
            result.rejections.append(Rejection(line, "no_key_code", {}, raw))
            continue
        if not re.fullmatch(r"\d+", normalize_key):
            result.rejections.append(Rejection(line, "key_code_not_numeric", {"value": key}, raw))
            continue
        values: dict[tuple, int | None] = {}
        bad = []
        for i, role in roles.items():
            v = _cell_int(row[i]) if i < len(row) else None
            if v == "bad":
                bad.append(header[i])
                v = None
            values[role] = v
        if bad:
            result.rejections.append(Rejection(line, "non_numeric_cells", {"columns": ", ".join(bad)}, raw))
            continue
        if key in seen:
            result.warnings.append(f"{line} 行目: KEY_CODE {key} が重複しています (duplicate KEY_CODE)")
        seen.add(key)
        total = values.get(("total", None))
        a014 = values.get(("under", 15)) if 15 in unders else _sum_bands(values, bands, 0, 14, opens, warn_top)
        if ("band", (0, 14)) in values:
            a014 = values[("band", (0, 14))]
        a65 = values.get(("open", 65)) if 65 in opens else _sum_bands(values, bands, 65, None, opens, warn_top)
        a1564 = values.get(("band", (15, 64))) if ("band", (15, 64)) in values else _sum_bands(values, bands, 15, 64, opens, warn_top)
        result.records.append(PopulationRecord(area_code=key, year=year, total=total, age_0_14=a014,
                                               age_15_64=a1564, age_65_over=a65, line=line))
    if not result.records and not result.rejections:
        result.warnings.append("データ行がありません (no data rows)")
    return result
