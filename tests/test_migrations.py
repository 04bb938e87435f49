from sqlalchemy import create_engine, inspect, pool, text

from geo.storage import migrate

TABLES = {"dataset", "import_run", "rejected_row", "place", "area", "population", "gazetteer_entry",
          "municipality_setting"}


def _inspect(url):
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        insp = inspect(engine)
        tables = set(insp.get_table_names()) - {"spatial_ref_sys", "alembic_version"}
        gist = {}
        with engine.connect() as conn:
            for row in conn.execute(text("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")):
                gist.setdefault(row[0], []).append(row[1])
            trig = conn.execute(text("SELECT count(*) FROM pg_trigger WHERE tgname = 'place_public_point'")).scalar()
        return tables, gist, trig
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(cluster):
    cluster.ensure_database("mig_test")
    url = cluster.url("mig_test")
    assert migrate.current(url) is None

    migrate.upgrade(url)
    assert migrate.current(url) == "0004"
    tables, gist, trig = _inspect(url)
    assert tables == TABLES
    # a GiST index on every geometry column
    assert any("(point)" in d for d in gist["place"]) and any("(public_point)" in d for d in gist["place"])
    assert any("(geom)" in d for d in gist["area"])
    assert trig == 1

    migrate.downgrade(url, "base")
    assert migrate.current(url) is None
    tables, gist, trig = _inspect(url)
    assert tables == set() and gist == {} and trig == 0

    migrate.upgrade(url)
    assert _inspect(url)[0] == TABLES


def test_every_geometry_column_has_a_gist_index(empty_db_url):
    engine = create_engine(empty_db_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        cols = conn.execute(text(
            "SELECT f_table_name, f_geometry_column FROM geometry_columns WHERE f_table_schema = 'public'")).all()
        idx = conn.execute(text("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")).all()
    engine.dispose()
    assert len(cols) == 3
    for table, col in cols:
        assert any(t == table and f"({col})" in d for t, d in idx), (table, col)
