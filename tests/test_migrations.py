from sqlalchemy import create_engine, inspect, pool, text

from geo.storage import migrate

TABLES = {"dataset", "import_run", "rejected_row", "place", "area", "population", "gazetteer_entry",
          "app_user", "login_attempt", "submission", "place_change", "municipality_setting"}
HEAD = "0004"


def _inspect(url):
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        insp = inspect(engine)
        tables = set(insp.get_table_names()) - {"spatial_ref_sys", "alembic_version"}
        gist = {}
        with engine.connect() as conn:
            for row in conn.execute(text("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")):
                gist.setdefault(row[0], []).append(row[1])
            trig = conn.execute(text("SELECT count(*) FROM pg_trigger WHERE tgname IN ('place_public_point', 'place_audit', 'place_created')")).scalar()
        return tables, gist, trig
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(cluster):
    cluster.ensure_database("mig_test")
    url = cluster.url("mig_test")
    assert migrate.current(url) is None

    migrate.upgrade(url)
    assert migrate.current(url) == HEAD
    tables, gist, trig = _inspect(url)
    assert tables == TABLES
    # a GiST index on every geometry column
    assert any("(point)" in d for d in gist["place"]) and any("(public_point)" in d for d in gist["place"])
    assert any("(geom)" in d for d in gist["area"])
    assert trig == 3

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


def test_0003_keeps_every_place_and_import_run_and_starts_the_history_with_them(cluster):
    """Upgrading a database that has places and import runs (schema 0001) keeps them all; each place
    gets one 'created' history entry, attributed to the import run that brought it in."""
    cluster.ensure_database("mig_0003")
    url = cluster.url("mig_0003")
    migrate.upgrade(url, "0001")
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO dataset (id, name, kind) VALUES (1, 'salons:list', 'places')"))
            # as if the app had inserted it (the gazetteer load at head adds a dataset after it)
            conn.execute(text("SELECT setval(pg_get_serial_sequence('dataset', 'id'), 1)"))
            conn.execute(text("""INSERT INTO import_run (id, dataset_id, file_name, status, dry_run, read, new, updated,
                                 unchanged, rejected) VALUES (5, 1, 'list.csv', 'applied', false, 2, 2, 0, 0, 0),
                                 (6, 1, 'list2.csv', 'applied', false, 2, 0, 0, 2, 0)"""))
            conn.execute(text("""INSERT INTO place (id, layer, name, point, precision, dataset_id, status, updated_at)
                VALUES (10, 'salons', 'サロンA', ST_SetSRID(ST_MakePoint(135.70, 34.69), 4326), 'approximate', 1, 'active',
                        '2025-04-01T00:00:00+09:00'),
                       (11, 'salons', 'サロンB', NULL, 'exact', NULL, 'closed', '2025-05-01T00:00:00+09:00')"""))
        with engine.begin() as conn:
            before = conn.execute(text("SELECT ST_AsText(public_point) FROM place WHERE id = 10")).scalar()
        migrate.upgrade(url, load_reference=False)   # the schema only (this test sets ids by hand)
        with engine.begin() as conn:
            places = conn.execute(text("SELECT id, name, version, confirmed_at, ST_AsText(public_point) FROM place ORDER BY id")).all()
            runs = conn.execute(text("SELECT id FROM import_run ORDER BY id")).scalars().all()
            history = conn.execute(text("SELECT place_id, action, import_run_id, via, changes FROM place_change ORDER BY place_id")).all()
        assert [p.name for p in places] == ["サロンA", "サロンB"] and runs == [5, 6]
        assert places[0].version == 1 and places[0].confirmed_at.isoformat().startswith("2025-03-31T15:00")
        assert places[0][4] == before and before.startswith("POINT(135.69")   # the same blurred point
        with engine.begin() as conn:   # and the rule, now one function, still gives the same cell
            conn.execute(text("UPDATE place SET precision = 'exact' WHERE id = 10"))
            conn.execute(text("UPDATE place SET precision = 'approximate' WHERE id = 10"))
            assert conn.execute(text("SELECT ST_AsText(public_point) FROM place WHERE id = 10")).scalar() == before
        assert [(h.place_id, h.action, h.import_run_id, h.via) for h in history] == [
            (10, "created", 5, "migration"), (11, "created", None, "migration")]
        assert history[0].changes["name"] == [None, "サロンA"] and history[0].changes["point"] == [None, [34.69, 135.7]]
        # from now on every change is recorded, whoever makes it
        with engine.begin() as conn:
            conn.execute(text("UPDATE place SET name = 'サロンA2' WHERE id = 10"))
            row = conn.execute(text("SELECT action, changes, via FROM place_change WHERE place_id = 10 ORDER BY id DESC LIMIT 1")).one()
            version = conn.execute(text("SELECT version FROM place WHERE id = 10")).scalar()
        assert row.action == "updated" and row.changes == {"name": ["サロンA", "サロンA2"]} and row.via == "sql"
        assert version == 4
        migrate.downgrade(url, "0001")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT name FROM place ORDER BY id")).scalars().all() == ["サロンA2", "サロンB"]
    finally:
        engine.dispose()
