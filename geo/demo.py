"""The demo: 生駒市 (Ikoma, Nara) with real areas and population, and fictional places.

Real: 小学校区 / 中学校区 (国土数値情報 A27/A32 2023) and the 2020 census 町丁 boundaries with
population, from data/demo (copied from shared/data/real). Fictional: every place, generated
here with a fixed seed so the demo is the same on every machine, each marked 架空のサンプル.

Places go where people live: a town block is drawn with probability proportional to its
population (blocks under 50 people never get one), and the point is drawn inside it,
near its populated middle (the block's point-on-surface, jittered, kept inside the polygon).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from shapely.ops import unary_union
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from geo.storage.models import Area, Dataset, Place
from geo.ingest.records import AreaRecord, PopulationRecord
from geo.ingest.store import get_or_create_dataset, save_areas, save_population

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
MUNICIPALITY = "29209"
SEED = 29209
FICTIONAL_NOTE = "架空のサンプル（fictional sample）: 実在の施設ではありません"

ATTR_KSJ_ELEM = "「国土数値情報（小学校区データ）」（国土交通省）を加工して作成"
ATTR_KSJ_JH = "「国土数値情報（中学校区データ）」（国土交通省）を加工して作成"
ATTR_CENSUS = "「令和2年国勢調査町丁・字等別境界データ」（総務省統計局）をもとに CODH が加工したものを利用 (CC BY 4.0)"
ATTR_FICTIONAL = "施設はすべて架空のサンプルです (all places are fictional samples)"

COUNTS = {"salons": 40, "engawa": 15, "kodomo_shokudo": 10, "support_branches": 8}

SALON_SCHEDULES = [
    "毎月第2・4火曜日 10:00～12:00", "毎週木曜日 13:30～15:30", "毎月第1水曜日 10:00～11:30",
    "第3金曜日 13:00～15:00", "毎週月曜日 9:30～11:30", "毎月第1・3土曜日 14:00～16:00",
    "月2回（日程は自治会の回覧板でお知らせ）",
]
ENGAWA_SCHEDULES = ["毎週水曜日 10:00～15:00", "毎週火・金曜日 13:00～16:00", "毎月第2土曜日 10:00～14:00",
                    "不定期（天気のよい日）"]
KODOMO_SCHEDULES = ["毎月第2・4金曜日 17:00～19:00", "毎月第4日曜日 11:00～13:00", "毎週水曜日 17:30～19:30",
                    "原則第1土曜日 11:30～13:30", "毎月第3土曜日 12:00～14:00"]
BRANCH_SCHEDULE = "月～金 8:30～17:15（祝日・年末年始を除く）"
OPERATORS = [("住民団体", "{town}自治会"), ("社協", "生駒市社会福祉協議会（架空）"), ("NPO", "NPO法人ひだまり（架空）"),
             ("住民団体", "{town}老人クラブ"), ("社会福祉法人", "社会福祉法人やまびこ会（架空）")]
BRANCH_NAMES = ["北部", "北東部", "中部", "中東部", "南部", "南西部", "西部", "東部"]


@dataclass
class DemoResult:
    elementary: int
    junior_high: int
    town_blocks: int
    population: int
    places: dict[str, int]
    catchments: int


def _read(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    return gdf.to_crs(4326)


def _dissolve_parts(towns: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """e-Stat gives some 町丁 as several polygons with one KEY_CODE (123 polygons, 119 codes in
    生駒市), the people counted on one part only: one area per KEY_CODE, counts summed."""
    towns = towns.copy()
    towns["JINKO"] = towns.JINKO.fillna(0)
    towns["SETAI"] = towns.SETAI.fillna(0)
    return towns.dissolve(by="KEY_CODE", aggfunc={"S_NAME": "first", "PREF": "first", "CITY": "first",
                                                  "HCODE": "first", "JINKO": "sum", "SETAI": "sum"}).reset_index()


def _school_records(path: Path, kind: str, prefix: str) -> list[AreaRecord]:
    gdf = _read(path)
    return [AreaRecord(kind=kind, code=row[f"{prefix}_003"], name=row[f"{prefix}_004"],
                       geometry=row.geometry, municipality_code=row[f"{prefix}_001"],
                       properties={"設置主体": row[f"{prefix}_002"], "所在地": row[f"{prefix}_005"]}, line=i + 1)
            for i, row in gdf.iterrows()]


def _random_point_in(rng: random.Random, geom, spread_m: float = 250) -> Point:
    centre = geom.representative_point()
    for _ in range(200):
        ang, dist = rng.uniform(0, 2 * math.pi), rng.uniform(0, spread_m)
        dx = dist * math.cos(ang) / (111_320 * math.cos(math.radians(centre.y)))
        dy = dist * math.sin(ang) / 110_574
        p = Point(centre.x + dx, centre.y + dy)
        if geom.contains(p):
            return p
    return centre


def _spread_ok(p: Point, taken: list[Point], min_m: float) -> bool:
    return all(math.hypot((p.x - q.x) * 91_000, (p.y - q.y) * 111_000) >= min_m for q in taken)


def _parse(text: str):
    try:
        from geo.places.schedule import parse_schedule
    except ImportError:  # pragma: no cover
        return None
    return parse_schedule(text)


def load_demo(session: Session) -> DemoResult:
    """Load (or reload) the whole demo in the caller's transaction."""
    # Reload from scratch: drop whatever an earlier demo load left.
    old = list(session.scalars(select(Dataset.id).where(Dataset.name.like("demo:%"))))
    if old:
        session.execute(delete(Area).where(Area.dataset_id.in_(old)))
        session.execute(delete(Place).where(Place.dataset_id.in_(old)))
        session.execute(delete(Dataset).where(Dataset.id.in_(old)))
        session.flush()

    ds_e = get_or_create_dataset(session, "demo:ksj-a27-2023-ikoma", "areas", area_kind="elementary",
                                 municipality_code=MUNICIPALITY, source_file="data/demo/ikoma_A27-23_elementary.geojson",
                                 format="ksj-a27-v3", licence="国土数値情報利用約款", attribution=ATTR_KSJ_ELEM)
    ds_j = get_or_create_dataset(session, "demo:ksj-a32-2023-ikoma", "areas", area_kind="junior_high",
                                 municipality_code=MUNICIPALITY, source_file="data/demo/ikoma_A32-23_junior_high.geojson",
                                 format="ksj-a32-v3", licence="国土数値情報利用約款", attribution=ATTR_KSJ_JH)
    ds_c = get_or_create_dataset(session, "demo:census-2020-ikoma", "population", area_kind="town_block",
                                 municipality_code=MUNICIPALITY, source_file="data/demo/ikoma_r2ka29209_small_areas.topojson",
                                 format="estat-topojson", licence="CC BY 4.0", attribution=ATTR_CENSUS)
    ds_p = get_or_create_dataset(session, "demo:fictional-places-ikoma", "places", municipality_code=MUNICIPALITY,
                                 format="generated", licence="CC0 (fictional)", attribution=ATTR_FICTIONAL,
                                 fictional=True)

    elem = _school_records(DEMO_DIR / "ikoma_A27-23_elementary.geojson", "elementary", "A27")
    jh = _school_records(DEMO_DIR / "ikoma_A32-23_junior_high.geojson", "junior_high", "A32")
    save_areas(session, ds_e, elem)
    save_areas(session, ds_j, jh)

    towns = _dissolve_parts(_read(DEMO_DIR / "ikoma_r2ka29209_small_areas.topojson", layer="town"))
    town_recs = [AreaRecord(kind="town_block", code=r.KEY_CODE, name=r.S_NAME, geometry=r.geometry,
                            municipality_code=f"{r.PREF}{r.CITY}", properties={"HCODE": int(r.HCODE)}, line=i + 1)
                 for i, r in towns.iterrows()]
    save_areas(session, ds_c, town_recs)
    pops = [PopulationRecord(area_code=r.KEY_CODE, year=2020, total=int(r.JINKO or 0),
                             households=int(r.SETAI or 0), line=i + 1) for i, r in towns.iterrows()]
    save_population(session, ds_c, pops)

    from geo.geocoding.gazetteer import import_gazetteer
    import_gazetteer(session, DEMO_DIR / "29209_ikoma.json", name="demo:gazetteer-ikoma")

    places = _generate_places(session, ds_p, towns)
    catchments = _make_catchments(session, ds_p, towns, places["support_branches"])
    session.flush()
    return DemoResult(elementary=len(elem), junior_high=len(jh), town_blocks=len(town_recs),
                      population=int(towns.JINKO.fillna(0).sum()),
                      places={k: len(v) for k, v in places.items()}, catchments=catchments)


def _generate_places(session: Session, dataset: Dataset, towns: gpd.GeoDataFrame) -> dict[str, list[Place]]:
    rng = random.Random(SEED)
    populated = towns[towns.JINKO.fillna(0) >= 50].reset_index(drop=True)
    weights = list(populated.JINKO.astype(float))
    out: dict[str, list[Place]] = {}
    for layer_id, count in COUNTS.items():
        taken: list[Point] = []
        made: list[Place] = []
        if layer_id == "support_branches":
            picks = _spread_blocks(populated, count)
        else:
            picks = []
        attempts = 0
        while len(made) < count and attempts < 5000:
            attempts += 1
            idx = picks[len(made)] if picks else rng.choices(range(len(populated)), weights=weights)[0]
            block = populated.iloc[idx]
            point = _random_point_in(rng, block.geometry)
            if not picks and not _spread_ok(point, taken, 300):
                continue
            taken.append(point)
            made.append(_make_place(rng, dataset, layer_id, len(made) + 1, block, point))
        session.add_all(made)
        out[layer_id] = made
    session.flush()
    return out


def _spread_blocks(populated: gpd.GeoDataFrame, k: int) -> list[int]:
    """Farthest-point sampling over populated blocks, starting at the most populous one."""
    cents = [g.representative_point() for g in populated.geometry]
    chosen = [int(populated.JINKO.astype(float).idxmax())]
    while len(chosen) < k:
        best = max(range(len(cents)), key=lambda i: min(cents[i].distance(cents[j]) for j in chosen))
        chosen.append(best)
    return chosen


def _make_place(rng: random.Random, dataset: Dataset, layer_id: str, n: int, block, point: Point) -> Place:
    town = block.S_NAME
    op_type, op_name = rng.choice(OPERATORS)
    common = dict(layer=layer_id, fictional=True, dataset_id=dataset.id, source_id=f"{layer_id}-{n:03d}",
                  source_row=n, municipality_code=MUNICIPALITY, note=FICTIONAL_NOTE,
                  point=from_shape(point, srid=4326), address=f"奈良県生駒市{town}（架空）",
                  operator=op_name.format(town=town), operator_type=op_type, status="active",
                  geocode_matched=f"奈良県生駒市{town}")
    if layer_id == "salons":
        text = rng.choice(SALON_SCHEDULES)
        return _with_fees(Place(name=f"{town}いきいきサロン（架空）", target_groups=["高齢者"], schedule_text=text,
                                schedule=_parse(text), fees=rng.choice(["無料", "100円（お茶代）", "200円"]),
                                reservation_required=False, drop_in=True, registered=rng.random() < 0.7,
                                precision="exact", **common))
    if layer_id == "engawa":
        text = rng.choice(ENGAWA_SCHEDULES)
        # 縁側 in private homes: location approximate; every fifth hidden entirely.
        precision = "hidden" if n % 5 == 0 else "approximate"
        return _with_fees(Place(name=f"{town}の縁側（架空）", target_groups=["誰でも"], schedule_text=text,
                                schedule=_parse(text), fees=rng.choice(["無料", "お茶代100円"]),
                                reservation_required=False, drop_in=True, registered=False,
                                precision=precision, **common))
    if layer_id == "kodomo_shokudo":
        text = rng.choice(KODOMO_SCHEDULES)
        return _with_fees(Place(name=f"{town}こども食堂（架空）", target_groups=["こども", "子育て世帯"],
                                schedule_text=text, schedule=_parse(text),
                                fees=rng.choice(["こども無料・大人300円", "こども100円・大人300円", "無料"]),
                                reservation_required=rng.random() < 0.4, drop_in=True, capacity=rng.choice([20, 30, 40]),
                                registered=True, precision="exact", **common))
    name = f"生駒市地域包括支援センター{BRANCH_NAMES[(n - 1) % len(BRANCH_NAMES)]}（架空）"
    common["operator"], common["operator_type"] = "生駒市社会福祉協議会（架空）", "社協"
    return Place(name=name, target_groups=["高齢者", "誰でも"], schedule_text=BRANCH_SCHEDULE,
                 schedule=_parse(BRANCH_SCHEDULE), fees="無料", free_of_charge=True, has_consultation=True,
                 reservation_required=False, drop_in=True, barrier_free=True,
                 phone=f"0743-00-{1000 + n:04d}（架空）", registered=True, precision="exact", **common)


def _with_fees(place: Place) -> Place:
    place.free_of_charge = place.fees == "無料"
    return place


def _make_catchments(session: Session, dataset: Dataset, towns: gpd.GeoDataFrame, branches: list[Place]) -> int:
    """Each town block belongs to the nearest branch; a catchment is the union of its blocks."""
    from geoalchemy2.shape import to_shape

    pts = [to_shape(b.point) for b in branches]
    groups: dict[int, list] = {i: [] for i in range(len(branches))}
    for geom in towns.geometry:
        c = geom.representative_point()
        nearest = min(range(len(pts)), key=lambda i: c.distance(pts[i]))
        groups[nearest].append(geom)
    recs = []
    for i, geoms in groups.items():
        if not geoms:
            continue
        union = unary_union(geoms).buffer(0)
        recs.append((branches[i], AreaRecord(kind="catchment", code=f"demo-catchment-{i + 1:02d}",
                                             name=f"{branches[i].name}の担当圏域", geometry=union,
                                             municipality_code=MUNICIPALITY)))
    save_areas(session, dataset, [r for _, r in recs])
    for branch, rec in recs:
        area = session.scalar(select(Area).where(Area.kind == "catchment", Area.code == rec.code))
        area.place_id = branch.id
    return len(recs)
