"""Benchmark: nearest places on a generated 100,000-place dataset (a script, not a test).

Starts its own embedded PostGIS under var/bench-nearest (never the shared dev database),
generates N fictional places spread over a 45 km x 55 km box around 生駒市 (mixed layers,
90 % exact / 8 % approximate / 2 % hidden, so the privacy trigger derives public_point),
then prints p50/p99 latency in milliseconds for

  * the query alone      geo.places.search.nearest(...)            (KNN + exact metric re-rank)
  * the query + filters  layer + weekday (JSONB @>) + time band (checked in Python)
  * through HTTP         Flask test client: /api/places?near=..., /api/search?lat=..&lon=..

and EXPLAIN (ANALYZE, BUFFERS) of the KNN statement, which should show an Index Scan on the
GiST index of place.public_point ordered by the <-> operator.

    .venv/bin/python scripts/bench_nearest.py [--places 100000] [--queries 300] [--keep]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402

BOX = (135.45, 34.45, 135.95, 34.95)   # west, south, east, north
SCHEDULES = ["毎月第2・4火曜日 10:00～12:00", "毎週木曜日 13:30～15:30", "毎月第1・3土曜日 14:00～16:00",
             "毎週水曜日 17:30～19:30", "原則第1土曜日 11:30～13:30", "月～金 8:30～17:15", "月2回（日程は回覧板で）"]
LAYERS = ["salons", "salons", "salons", "engawa", "kodomo_shokudo", "support_branches"]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def report(label: str, ms: list[float]) -> None:
    print(f"  {label:<44} p50 {pct(ms, 50):7.2f} ms   p99 {pct(ms, 99):7.2f} ms   "
          f"mean {statistics.fmean(ms):7.2f} ms   (n={len(ms)})")


def generate(url: str, n: int) -> None:
    import json

    from sqlalchemy import create_engine

    from geo.places.schedule import parse_schedule

    engine = create_engine(url)
    parsed = [json.dumps(parse_schedule(s), ensure_ascii=False) for s in SCHEDULES]
    with engine.begin() as c:
        c.execute(text("TRUNCATE place, dataset RESTART IDENTITY CASCADE"))
        ds = c.execute(text("INSERT INTO dataset (name, kind, fictional, attribution) VALUES "
                            "('bench:generated', 'places', true, '生成したベンチマーク用データ') RETURNING id")).scalar()
        c.execute(text("""
            INSERT INTO place (layer, name, point, precision, municipality_code, target_groups, schedule,
                               schedule_text, free_of_charge, reservation_required, has_consultation,
                               status, fictional, dataset_id, source_id)
            SELECT (CAST(:layers AS text[]))[1 + (i % 6)], 'ベンチ用の場所 ' || i,
                   ST_SetSRID(ST_MakePoint(CAST(:w AS float8) + random() * (CAST(:e AS float8) - CAST(:w AS float8)), CAST(:s AS float8) + random() * (CAST(:n AS float8) - CAST(:s AS float8))), 4326),
                   CASE WHEN i % 50 = 0 THEN 'hidden' WHEN i % 12 = 0 THEN 'approximate' ELSE 'exact' END,
                   '29209', ARRAY['高齢者'], ((CAST(:scheds AS text[]))[1 + (i % 7)])::jsonb, 'generated',
                   i % 3 = 0, i % 4 = 0, i % 6 = 5, 'active', true, :ds, 'bench-' || i
            FROM generate_series(1, :count) AS i
        """), {"layers": LAYERS, "w": BOX[0], "e": BOX[2], "s": BOX[1], "n": BOX[3],
               "scheds": parsed, "ds": ds, "count": n})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE place"))
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--places", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--keep", action="store_true", help="keep the benchmark cluster afterwards")
    args = ap.parse_args()

    from geo.places import queries, search
    from geo.storage.db import session_factory
    from geo.storage.embedded import throwaway_cluster

    with throwaway_cluster(ROOT / "var" / "bench-nearest", keep=args.keep) as cluster:
        url = cluster.migrated_database("bench_nearest")
        t0 = time.perf_counter()
        generate(url, args.places)
        print(f"generated {args.places:,} places in {time.perf_counter() - t0:.1f} s")

        rng = random.Random(1)
        points = [(rng.uniform(BOX[1] + 0.05, BOX[3] - 0.05), rng.uniform(BOX[0] + 0.05, BOX[2] - 0.05))
                  for _ in range(args.queries)]
        session = session_factory(url)()
        search.nearest(session, *points[0], limit=10)   # warm the connection and caches

        print(f"\nnearest 10 places, {args.queries} random points:")
        ms = []
        for lat, lon in points:
            t = time.perf_counter()
            rows = search.nearest(session, lat, lon, limit=10)
            ms.append((time.perf_counter() - t) * 1000)
            assert len(rows) == 10
        report("query alone (geo.places.search.nearest)", ms)

        filt = search.Filters(layers=("salons", "kodomo_shokudo"), weekday=5, band="afternoon")
        ms = []
        for lat, lon in points:
            t = time.perf_counter()
            search.nearest(session, lat, lon, filt, limit=10)
            ms.append((time.perf_counter() - t) * 1000)
        report("query + layer/day(土)/afternoon filters", ms)

        from web import create_app
        client = create_app({"TESTING": True, "DATABASE_URL": url, "TILE_URL": None}).test_client()
        for label, make in [("HTTP /api/places?near=..&limit=10", lambda la, lo: f"/api/places?near={la:.6f},{lo:.6f}&limit=10"),
                            ("HTTP /api/search?lat=..&lon=.. (+ help desk)", lambda la, lo: f"/api/search?lat={la:.6f}&lon={lo:.6f}")]:
            client.get(make(*points[0]))
            ms = []
            for lat, lon in points:
                t = time.perf_counter()
                r = client.get(make(lat, lon))
                ms.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
            report(label, ms)
        ms = []
        for lat, lon in points[:100]:
            bbox = f"{lon - 0.01:.5f},{lat - 0.008:.5f},{lon + 0.01:.5f},{lat + 0.008:.5f}"
            t = time.perf_counter()
            r = client.get(f"/api/places?bbox={bbox}&limit=5000")
            ms.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        report("HTTP /api/places?bbox= (street-level view)", ms)

        lat, lon = points[0]
        stmt = queries.nearest_select(lat, lon, None).limit(30)
        sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        print("\nEXPLAIN (ANALYZE, BUFFERS) of the KNN statement (first batch of 30 candidates):")
        for (line,) in session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)):
            print("  " + line)
        session.close()


if __name__ == "__main__":
    main()
