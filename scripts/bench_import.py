"""Benchmark: import a generated 100,000-row 子ども食堂 list (the standard 49-column layout,
with coordinates) into a throwaway cluster and print rows per second for read, write, total.

    .venv/bin/python scripts/bench_import.py [--rows 100000] [--keep]

The rows are the real 町田市 list (tests/fixtures/kodomo-shokudo-csv) repeated with new IDs, names
and jittered coordinates. Runs in its own cluster under var/bench-import-<pid>; a second
pass re-imports the same file (all unchanged) and a third with every 10th row edited.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCE = ROOT / "tests" / "fixtures" / "kodomo-shokudo-csv" / "132098_machidashi_kodomosyokudo.csv"


def generate(path: Path, n: int, edit_every: int = 0) -> None:
    text = SOURCE.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    i_id, i_name, i_lat, i_lon, i_phone = (header.index(c) for c in ("ID", "名称", "緯度", "経度", "電話番号1"))
    rnd = random.Random(42)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for k in range(n):
        r = list(body[k % len(body)])
        r[i_id] = str(k + 1)
        r[i_name] = f"{r[i_name]} {k + 1}号"
        r[i_lat] = f"{float(r[i_lat]) + rnd.uniform(-0.05, 0.05):.6f}"
        r[i_lon] = f"{float(r[i_lon]) + rnd.uniform(-0.05, 0.05):.6f}"
        if edit_every and k % edit_every == 0:
            r[i_phone] = "042-000-0000"
        w.writerow(r)
    path.write_bytes(("\ufeff" + out.getvalue()).encode("utf-8"))


def main(argv=None) -> int:
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(wall-clock rates drop when other work shares the machine)")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--keep", action="store_true", help="keep the cluster (var/bench-import-<pid>)")
    args = ap.parse_args(argv)

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from geo.storage.db import get_engine
    from geo.storage.embedded import throwaway_cluster
    from geo.ingest.importer import import_places
    from geo.ingest.places import read_places_csv
    from geo.storage.models import Place

    with throwaway_cluster(ROOT / "var" / f"bench-import-{os.getpid()}", keep=args.keep) as cluster:
        url = cluster.migrated_database("bench")
        with tempfile.TemporaryDirectory() as tmp:
            f = Path(tmp) / "kodomo_bench.csv"
            t = time.perf_counter()
            generate(f, args.rows)
            print(f"generated {args.rows:,} rows ({f.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")

            t, c = time.perf_counter(), time.process_time()
            rr = read_places_csv(f, layer="kodomo_shokudo")
            read_s, read_cpu = time.perf_counter() - t, time.process_time() - c
            assert len(rr.records) == args.rows and not rr.rejections, (len(rr.records), rr.rejections[:3])
            print(f"read only:   {read_s:6.2f} s  {args.rows / read_s:8,.0f} rows/s "
                  f"(this process's CPU {read_cpu:.2f} s: {args.rows / read_cpu:,.0f} rows/s)")

            engine = get_engine(url)
            for label, edit in (("first import", 0), ("re-import (unchanged)", 0), ("re-import (10% edited)", 10)):
                if edit:
                    generate(f, args.rows, edit_every=edit)
                with Session(engine) as s:
                    t, c = time.perf_counter(), time.process_time()
                    r = import_places(s, f, layer="kodomo_shokudo")
                    total_s, total_cpu = time.perf_counter() - t, time.process_time() - c
                    n = s.scalar(select(func.count()).select_from(Place))
                write_s = max(total_s - read_s, 1e-9)
                print(f"{label:24s} total {total_s:6.2f} s  {args.rows / total_s:8,.0f} rows/s total; "
                      f"write+compare ≈ {write_s:6.2f} s  {args.rows / write_s:8,.0f} rows/s "
                      f"(new {r.new:,}, updated {r.updated:,}, unchanged {r.unchanged:,}; places in db {n:,}; "
                      f"python CPU {total_cpu:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
