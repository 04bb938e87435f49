"""The demo: 生駒市 (Ikoma, Nara) with real areas and population, and fictional places.

Real: 小学校区 / 中学校区 (国土数値情報 A27/A32 2023) and the 2020 census 町丁 boundaries with
population, from data/demo (copied from shared/data/real), loaded through the importers
(geo.ingest: the same plan and apply as `tsunagari import`, one recorded run per file).
Fictional: every place, generated here with a fixed seed so the demo is the same on every
machine, each marked 架空のサンプル, and imported through the same place planner.

Places go where people live: a town block is drawn with probability proportional to its
population (blocks under 50 people never get one), and the point is drawn inside it,
near its populated middle (the block's point-on-surface, jittered, kept inside the polygon).
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from shapely.ops import unary_union
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from geo.ingest.gazetteer import import_gazetteer_file
from geo.ingest.importer import import_areas, import_population, run_import
from geo.ingest.records import AreaRecord, PlaceRecord, ReadResult
from geo.ingest.store import get_or_create_dataset, save_areas
from geo.places.schedule import parse_schedule
from geo.storage.models import Area, Dataset, Place, Population

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
MUNICIPALITY = "29209"
SEED = 29209
FICTIONAL_NOTE = "架空のサンプル（fictional sample）: 実在の施設ではありません"
ATTR_FICTIONAL = "施設はすべて架空のサンプルです (all places are fictional samples)"
SINCE = dt.date(2020, 10, 1)  # the fictional places are valid from the census day, so any "then" finds them

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


@dataclass
class _Block:
    """A town block as the importers stored it."""
    code: str
    name: str
    geometry: object
    people: int


def _remove_earlier_demo(session: Session) -> None:
    old = list(session.scalars(select(Dataset.id).where(Dataset.name.like("demo:%"))))
    if old:
        session.execute(delete(Area).where(Area.dataset_id.in_(old)))
        session.execute(delete(Place).where(Place.dataset_id.in_(old)))
        session.execute(delete(Dataset).where(Dataset.id.in_(old)))
        session.flush()


def _town_blocks(session: Session) -> list[_Block]:
    rows = session.execute(select(Area.code, Area.name, Area.geom, Population.total)
                           .outerjoin(Population, Population.area_id == Area.id)
                           .where(Area.kind == "town_block", Area.municipality_code == MUNICIPALITY)
                           .order_by(Area.code))
    return [_Block(code, name, to_shape(geom), int(total or 0)) for code, name, geom, total in rows]


def load_demo(session: Session) -> DemoResult:
    """Load (or reload) the whole demo in the caller's transaction."""
    _remove_earlier_demo(session)
    opts = dict(commit=False)
    elem = import_areas(session, DEMO_DIR / "ikoma_A27-23_elementary.geojson", kind="elementary",
                        dataset_name="demo:ksj-a27-2023-ikoma", **opts)
    jh = import_areas(session, DEMO_DIR / "ikoma_A32-23_junior_high.geojson", kind="junior_high",
                      dataset_name="demo:ksj-a32-2023-ikoma", **opts)
    import_population(session, DEMO_DIR / "ikoma_r2ka29209_small_areas.topojson", year=2020,
                      dataset_name="demo:census-2020-ikoma", **opts)
    import_gazetteer_file(session, DEMO_DIR / "29209_ikoma.json", name="demo:gazetteer-ikoma")

    blocks = _town_blocks(session)
    records = _generate_places(blocks)
    for layer_id, recs in records.items():
        run_import(session, "places", f"demo:{layer_id}", layer=layer_id, read=ReadResult(recs, format="generated"),
                   dataset_name=f"demo:fictional-{layer_id}-ikoma", licence="CC0 (fictional)",
                   attribution=ATTR_FICTIONAL, fictional=True, today=SINCE, **opts)
    catchments = _make_catchments(session, blocks)
    session.flush()
    return DemoResult(elementary=elem.new + elem.updated + elem.unchanged,
                      junior_high=jh.new + jh.updated + jh.unchanged, town_blocks=len(blocks),
                      population=sum(b.people for b in blocks),
                      places={k: len(v) for k, v in records.items()}, catchments=catchments)


def _generate_places(blocks: list[_Block]) -> dict[str, list[PlaceRecord]]:
    rng = random.Random(SEED)
    populated = [b for b in blocks if b.people >= 50]
    weights = [float(b.people) for b in populated]
    out: dict[str, list[PlaceRecord]] = {}
    for layer_id, count in COUNTS.items():
        taken: list[Point] = []
        made: list[PlaceRecord] = []
        picks = _spread_blocks(populated, count) if layer_id == "support_branches" else []
        attempts = 0
        while len(made) < count and attempts < 5000:
            attempts += 1
            idx = picks[len(made)] if picks else rng.choices(range(len(populated)), weights=weights)[0]
            block = populated[idx]
            point = _random_point_in(rng, block.geometry)
            if not picks and not _spread_ok(point, taken, 300):
                continue
            taken.append(point)
            made.append(_make_place(rng, layer_id, len(made) + 1, block, point))
        out[layer_id] = made
    return out


def _spread_blocks(populated: list[_Block], k: int) -> list[int]:
    """Farthest-point sampling over populated blocks, starting at the most populous one."""
    cents = [b.geometry.representative_point() for b in populated]
    chosen = [max(range(len(populated)), key=lambda i: populated[i].people)]
    while len(chosen) < k:
        best = max(range(len(cents)), key=lambda i: min(cents[i].distance(cents[j]) for j in chosen))
        chosen.append(best)
    return chosen


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


def _make_place(rng: random.Random, layer_id: str, n: int, block: _Block, point: Point) -> PlaceRecord:
    town = block.name
    op_type, op_name = rng.choice(OPERATORS)
    common = dict(line=n, source_id=f"{layer_id}-{n:03d}", municipality_code=MUNICIPALITY, note=FICTIONAL_NOTE,
                  lat=point.y, lon=point.x, address=f"奈良県生駒市{town}（架空）",
                  operator=op_name.format(town=town), operator_type=op_type, geocode_matched=f"奈良県生駒市{town}")
    if layer_id == "salons":
        text = rng.choice(SALON_SCHEDULES)
        return _with_fees(PlaceRecord(name=f"{town}いきいきサロン（架空）", target_groups=["高齢者"], schedule_text=text,
                                      schedule=parse_schedule(text), fees=rng.choice(["無料", "100円（お茶代）", "200円"]),
                                      reservation_required=False, drop_in=True, registered=rng.random() < 0.7,
                                      precision="exact", **common))
    if layer_id == "engawa":
        text = rng.choice(ENGAWA_SCHEDULES)
        # 縁側 in private homes: location approximate; every fifth hidden entirely.
        precision = "hidden" if n % 5 == 0 else "approximate"
        return _with_fees(PlaceRecord(name=f"{town}の縁側（架空）", target_groups=["誰でも"], schedule_text=text,
                                      schedule=parse_schedule(text), fees=rng.choice(["無料", "お茶代100円"]),
                                      reservation_required=False, drop_in=True, registered=False,
                                      precision=precision, **common))
    if layer_id == "kodomo_shokudo":
        text = rng.choice(KODOMO_SCHEDULES)
        return _with_fees(PlaceRecord(name=f"{town}こども食堂（架空）", target_groups=["こども", "子育て世帯"],
                                      schedule_text=text, schedule=parse_schedule(text),
                                      fees=rng.choice(["こども無料・大人300円", "こども100円・大人300円", "無料"]),
                                      reservation_required=rng.random() < 0.4, drop_in=True,
                                      capacity=rng.choice([20, 30, 40]), registered=True, precision="exact", **common))
    name = f"生駒市地域包括支援センター{BRANCH_NAMES[(n - 1) % len(BRANCH_NAMES)]}（架空）"
    common["operator"], common["operator_type"] = "生駒市社会福祉協議会（架空）", "社協"
    return PlaceRecord(name=name, target_groups=["高齢者", "誰でも"], schedule_text=BRANCH_SCHEDULE,
                       schedule=parse_schedule(BRANCH_SCHEDULE), fees="無料", free_of_charge=True, has_consultation=True,
                       reservation_required=False, drop_in=True, barrier_free=True,
                       phone=f"0743-00-{1000 + n:04d}（架空）", registered=True, precision="exact", **common)


def _with_fees(place: PlaceRecord) -> PlaceRecord:
    place.free_of_charge = place.fees == "無料"
    return place


def _make_catchments(session: Session, blocks: list[_Block]) -> int:
    """Each town block belongs to the nearest support branch; a catchment is the union of its blocks."""
    branches = list(session.scalars(select(Place).where(Place.layer == "support_branches", Place.fictional.is_(True))
                                    .order_by(Place.source_id)))
    pts = [to_shape(b.point) for b in branches]
    groups: dict[int, list] = {i: [] for i in range(len(branches))}
    for block in blocks:
        c = block.geometry.representative_point()
        nearest = min(range(len(pts)), key=lambda i: c.distance(pts[i]))
        groups[nearest].append(block.geometry)
    recs = []
    for i, geoms in groups.items():
        if not geoms:
            continue
        union = unary_union(geoms).buffer(0)
        recs.append((branches[i], AreaRecord(kind="catchment", code=f"demo-catchment-{i + 1:02d}",
                                             name=f"{branches[i].name}の担当圏域", geometry=union,
                                             municipality_code=MUNICIPALITY)))
    dataset = get_or_create_dataset(session, "demo:catchments-ikoma", "areas", area_kind="catchment",
                                    municipality_code=MUNICIPALITY, format="generated", licence="CC0 (fictional)",
                                    attribution=ATTR_FICTIONAL, fictional=True)
    save_areas(session, dataset, [r for _, r in recs])
    for branch, rec in recs:
        area = session.scalar(select(Area).where(Area.kind == "catchment", Area.code == rec.code))
        area.place_id = branch.id
    return len(recs)
