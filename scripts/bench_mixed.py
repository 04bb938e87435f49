"""Benchmark: the map API while meeting PDFs are printed on the same server (a script, not a test).

Starts a throwaway PostGIS under var/bench-mixed with the demo (生駒市, fictional places), starts
the real server (`tsunagari serve`, gunicorn) with the given threads per worker, then for 12 s:
two clients download `/meeting/export.pdf` in a loop while wrk asks for
`/api/places?near=…&limit=10` at 16 connections. Prints the nearby rate and p50/p99 and how long
each PDF took, for each --threads value asked for (docs/scaling.md, "Threads and slow requests").

    .venv/bin/python scripts/bench_mixed.py [--threads 2,3,4] [--runs 2] [--seconds 10]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_serve import ensure_wrk, get, run_wrk_url, serving  # noqa: E402

PDF = "/meeting/export.pdf?kind=elementary&on=2026-11-24"
NEAR = "/api/places?near=34.69,135.70&limit=10"


def _printing(base: str, until: float, seconds: list[float]) -> None:
    while time.monotonic() < until:
        t0 = time.monotonic()
        with urllib.request.urlopen(base + PDF, timeout=60) as resp:
            resp.read()
        seconds.append(time.monotonic() - t0)


def one_run(url: str, threads: int, seconds: int) -> None:
    with serving(url, ["--workers", "2", "--threads", str(threads), "--access-log", ""],
                 stderr=subprocess.DEVNULL) as base:
        get(base + PDF)   # warm: fonts, templates, the areas
        subprocess.run([ensure_wrk(), "-t", "2", "-c", "16", "-d", "2s", base + NEAR], capture_output=True)
        pdfs: list[float] = []
        until = time.monotonic() + seconds + 2
        printers = [threading.Thread(target=_printing, args=(base, until, pdfs)) for _ in range(2)]
        for p in printers:
            p.start()
        time.sleep(1)
        api = run_wrk_url(base + NEAR, seconds, 16)
        for p in printers:
            p.join()
        each = ", ".join(f"{s:.1f}" for s in sorted(pdfs))
        print(f"  threads {threads}: nearby {api['rate']:7.0f} req/s  p50 {api['p50']:7.2f} ms  p99 {api['p99']:7.2f} ms"
              f"   | {len(pdfs)} PDFs, seconds each: {each}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="2,3,4", help="threads per worker to compare (comma-separated)")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from geo.demo import load_demo
    from geo.storage.embedded import throwaway_cluster

    with throwaway_cluster(ROOT / "var" / "bench-mixed") as cluster:
        url = cluster.migrated_database("tsunagari")
        engine = create_engine(url)
        with Session(engine) as session:
            load_demo(session)
            session.commit()
        engine.dispose()
        print(f"2 workers on {os.cpu_count()} cores; wrk at 16 connections beside 2 clients printing PDFs", flush=True)
        for _ in range(args.runs):
            for threads in (int(t) for t in args.threads.split(",")):
                one_run(url, threads, args.seconds)


if __name__ == "__main__":
    main()
