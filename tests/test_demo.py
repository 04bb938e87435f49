from sqlalchemy import func, select

from geo.demo import load_demo
from geo.storage.models import Area, Dataset, Place, Population


def _counts(s):
    areas = dict(s.execute(select(Area.kind, func.count()).group_by(Area.kind)).all())
    places = dict(s.execute(select(Place.layer, func.count()).group_by(Place.layer)).all())
    pop = s.scalar(select(func.sum(Population.total)))
    return areas, places, pop


def test_demo_counts(demo_db_url, session_for):
    s = session_for(demo_db_url)
    areas, places, pop = _counts(s)
    # real data: 生駒市 has 12 小学校区 and 8 中学校区 in 国土数値情報 2023; the 2020 census gives
    # 123 polygons for 119 町丁 (KEY_CODE): parts of one 町丁 are dissolved into one area
    assert areas == {"elementary": 12, "junior_high": 8, "town_block": 119, "catchment": 8}
    assert pop == 116675
    assert places == {"salons": 40, "engawa": 15, "kodomo_shokudo": 10, "support_branches": 8}
    # every place is a fictional sample and says so
    assert s.scalar(select(func.count()).where(Place.fictional.is_(False))) == 0
    assert all("架空" in n for n in s.scalars(select(Place.name)))
    assert s.scalar(select(Dataset).where(Dataset.fictional.is_(True))).attribution
    # every catchment belongs to a support branch
    assert s.scalar(select(func.count()).select_from(Area).where(Area.kind == "catchment", Area.place_id.is_(None))) == 0


def test_demo_places_are_where_people_live(demo_db_url, session_for):
    s = session_for(demo_db_url)
    # each place lies inside a town block with at least 50 residents, and inside Ikoma's school districts
    q = select(func.count()).select_from(Place).where(~select(Area.id).join(Population, Population.area_id == Area.id)
        .where(Area.kind == "town_block", Population.total >= 50, func.ST_Contains(Area.geom, Place.point)).exists())
    assert s.scalar(q) == 0
    q = select(func.count()).select_from(Place).where(~select(Area.id).where(
        Area.kind == "elementary", func.ST_Contains(Area.geom, Place.point)).exists())
    assert s.scalar(q) == 0


def test_demo_is_deterministic_and_reloadable(demo_db_url, session_for):
    s = session_for(demo_db_url)
    before = [(n, str(p)) for n, p in s.execute(select(Place.name, func.ST_AsText(Place.point)).order_by(Place.source_id))]
    load_demo(s)
    s.commit()
    after = [(n, str(p)) for n, p in s.execute(select(Place.name, func.ST_AsText(Place.point)).order_by(Place.source_id))]
    assert before == after
    assert _counts(s)[1] == {"salons": 40, "engawa": 15, "kodomo_shokudo": 10, "support_branches": 8}


def test_catchments_cover_every_populated_block(demo_db_url, session_for):
    s = session_for(demo_db_url)
    town = Area.__table__.alias("town")
    catch = Area.__table__.alias("catch")
    uncovered = s.scalar(select(func.count()).select_from(town).where(
        town.c.kind == "town_block",
        ~select(catch.c.id).where(catch.c.kind == "catchment",
                                  func.ST_Intersects(catch.c.geom, func.ST_PointOnSurface(town.c.geom))).exists()))
    assert uncovered == 0
