"""How long coverage takes: the 生駒市 demo (one municipality) and a synthetic 20,000 areas with
100,000 places. Prints numbers; asserts nothing.

    .venv/bin/python scripts/bench_coverage.py [--dir var/bench-coverage] [--areas 20000] [--places 100000]

Runs its own embedded PostGIS cluster under --dir (never the shared dev database) and removes
it at the end unless --keep is given.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from geo.analysis import coverage as cov  # noqa: E402
from geo.storage.embedded import throwaway_cluster  # noqa: E402


def timed(label: str, fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    dt_ = time.perf_counter() - t0
    print(f"{label:<62} {dt_:8.3f} s", flush=True)
    return out, dt_


def bench_demo(cluster) -> None:
    from geo.demo import load_demo

    url = cluster.migrated_database("bench_demo")
    engine = create_engine(url)
    with Session(engine) as s:
        if not s.execute(text("SELECT count(*) FROM place")).scalar():
            load_demo(s)
            s.commit()
        print("== 生駒市 demo (one municipality): 12 小学校区, 8 中学校区, 119 町丁, 73 places")
        for kind in ("elementary", "junior_high"):
            total = 0.0
            for layer in ("salons", "engawa", "kodomo_shokudo", "support_branches"):
                cov.clear_cache()
                res, d = timed(f"  {kind:<12} {layer:<17} cold",
                               cov.compute_coverage, s, kind, layer, municipality_code="29209")
                total += d
            print(f"  {kind:<12} all 4 layers, cold: {total:.3f} s")
        cov.compute_coverage(s, "elementary", "salons", municipality_code="29209")
        _, d = timed("  elementary   salons            warm (cache hit)", cov.compute_coverage, s, "elementary",
                     "salons", municipality_code="29209")
        timed("  data_version() alone", cov.data_version, s)
        timed("  suggest_sites k=3 from support branches (kodomo_shokudo)", cov.suggest_sites, s, "elementary",
              "kodomo_shokudo", candidate_layer="support_branches", k=3)
    engine.dispose()


SYNTH = """
-- target areas: an nx x ny grid of :cell m squares (kind elementary), 5 x 5 per municipality
INSERT INTO area (kind, code, name, municipality_code, geom)
SELECT 'elementary', 'E' || i || '-' || j, '合成小学校区' || i || '-' || j,
       (10000 + (i / 5) * 100 + (j / 5))::text,
       ST_Multi(ST_Transform(ST_MakeEnvelope(:x0 + i * :cell, :y0 + j * :cell, :x0 + (i + 1) * :cell,
                                             :y0 + (j + 1) * :cell, 32654), 4326))
FROM generate_series(0, :nx - 1) i, generate_series(0, :ny - 1) j;
-- small areas: squares of the same size offset by half a cell, so each cuts four target areas
INSERT INTO area (kind, code, name, municipality_code, geom)
SELECT 'town_block', 'T' || i || '-' || j, '合成町丁' || i || '-' || j, NULL,
       ST_Multi(ST_Transform(ST_MakeEnvelope(:x0 + (i - 0.5) * :cell, :y0 + (j - 0.5) * :cell,
                                             :x0 + (i + 0.5) * :cell, :y0 + (j + 0.5) * :cell, 32654), 4326))
FROM generate_series(0, :nx) i, generate_series(0, :ny) j;
INSERT INTO population (area_id, year, total, age_0_14, age_65_over)
SELECT id, 2020, t, (t * 0.12)::int, (t * 0.3)::int FROM (
  SELECT id, (random() * 2000)::int AS t FROM area WHERE kind = 'town_block') s;
-- places: random points over the grid
INSERT INTO place (layer, name, point, precision, status, target_groups)
SELECT 'salons', '合成サロン' || n,
       ST_Transform(ST_SetSRID(ST_MakePoint(:x0 + random() * :nx * :cell, :y0 + random() * :ny * :cell), 32654), 4326),
       CASE WHEN n % 5 = 0 THEN 'approximate' ELSE 'exact' END, 'active', ARRAY['高齢者']
FROM generate_series(1, :np) n;
ANALYZE area; ANALYZE place; ANALYZE population;
"""


def bench_synthetic(cluster, n_areas: int, n_places: int, cell: int) -> None:
    nx = max(10, int(round(math.sqrt(n_areas * 2))))
    ny = max(10, n_areas // nx)
    url = cluster.migrated_database("bench_synth")
    engine = create_engine(url)
    with Session(engine) as s:
        have = s.execute(text("SELECT count(*) FROM area WHERE kind = 'elementary'")).scalar()
        size = s.execute(text("SELECT round(sqrt(ST_Area(geom::geography))) FROM area WHERE kind = 'elementary' LIMIT 1")).scalar()
        if have != nx * ny or size is None or abs(float(size) - cell) > 5:
            s.execute(text("TRUNCATE place, area, population RESTART IDENTITY CASCADE"))
            t0 = time.perf_counter()
            for stmt in SYNTH.split(";"):
                if stmt.strip():
                    s.execute(text(stmt), {"x0": 300_000, "y0": 3_800_000, "nx": nx, "ny": ny, "np": n_places, "cell": cell})
            s.commit()
            print(f"  generated in {time.perf_counter() - t0:.1f} s")
        counts = s.execute(text("""SELECT (SELECT count(*) FROM area WHERE kind='elementary'),
                                          (SELECT count(*) FROM area WHERE kind='town_block'),
                                          (SELECT count(*) FROM place)""")).one()
        km2 = nx * ny * cell * cell / 1e6
        print(f"== synthetic: {counts[0]:,} areas ({cell} m squares, {km2:,.0f} km²), {counts[1]:,} small areas "
              f"with population, {counts[2]:,} places (salons, 800 m; {counts[2] / km2:.2f} per km²)")
        cov.clear_cache()
        res, _ = timed("  one municipality (25 areas), cold", cov.compute_coverage, s, "elementary", "salons",
                       municipality_code="10000")
        assert len(res) == 25
        cov.clear_cache()
        res, _ = timed(f"  all {counts[0]:,} areas, cold", cov.compute_coverage, s, "elementary", "salons")
        timed(f"  all {counts[0]:,} areas, warm (cache hit)", cov.compute_coverage, s, "elementary", "salons")
        print(f"  classes: {cov.summary(res)}")
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default=str(ROOT / "var" / "bench-coverage"))
    ap.add_argument("--areas", type=int, default=20_000)
    ap.add_argument("--places", type=int, default=100_000)
    ap.add_argument("--cell", type=int, default=2000, help="side of a synthetic area in metres (default 2000: "
                    "4 km², an urban 小学校区)")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the cluster (and its data) afterwards")
    args = ap.parse_args()
    # --keep stops the cluster with its data, and the next run starts from it again
    with throwaway_cluster(Path(args.dir), keep=args.keep, reuse=True) as cluster:
        bench_demo(cluster)
        if not args.skip_synthetic:
            bench_synthetic(cluster, args.areas, args.places, args.cell)


if __name__ == "__main__":
    main()
