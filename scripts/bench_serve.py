"""Benchmark: the real server against the bare database, in one run (a script, not a test).

Starts its own embedded PostGIS under var/bench-serve (never the shared dev database), generates
100,000 fictional places (the generator of scripts/bench_nearest.py), starts the real server
(`tsunagari serve`: gunicorn, JSON access log to a file) and then measures, one after the other:

  * wrk      GET /api/places?near=<random point>&limit=10 at 16 connections (HTTP, keep-alive)
  * pgbench  the same nearest-places SQL statement the API runs, at 16 connections, against the
             same database (random points in the same box)

and prints both rates, the ratio (API / bare SQL) and p50/p99 latency of each.
Also: a city-level view (zoom 12) of the aggregate map and the bytes it transfers.

    .venv/bin/python scripts/bench_serve.py [--places 100000] [--seconds 10] [--connections 16]
                                             [--workers N] [--threads N] [--keep]

wrk is a Debian package (`apt-get install wrk`); the script installs it when it is missing.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_nearest import BOX, generate  # noqa: E402

LIMIT = 10

WRK_LUA = """
math.randomseed(%(seed)d)
request = function()
  local lat = %(s)f + math.random() * %(dlat)f
  local lon = %(w)f + math.random() * %(dlon)f
  return wrk.format("GET", string.format("/api/places?near=%%.5f,%%.5f&limit=%(limit)d", lat, lon))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk がないのでインストールします (installing Debian's wrk)…", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


def nearest_sql() -> str:
    """The statement the API runs for near=lat,lon&limit=10 (geo.places.queries: the first batch
    of KNN candidates, the 10 nearest of them in metres), as pgbench SQL."""
    import datetime as dt

    from sqlalchemy.dialects import postgresql

    from geo.places import queries
    compiled = queries._plain_lean_nearest_stmt().compile(dialect=postgresql.psycopg.dialect())
    values = {**compiled.params, "batch": queries.first_batch(LIMIT), "lim": LIMIT}

    def literal(m: re.Match) -> str:
        name = m.group(1)
        if name in ("lat", "lon"):
            return ":" + name
        v = values[name]
        if isinstance(v, (dt.date, str)):
            return "'" + str(v).replace("'", "''") + "'"
        return str(v)
    sql = re.sub(r"%\((\w+)\)s", literal, str(compiled))
    assert ":lat" in sql and ":lon" in sql and "%(" not in sql, sql
    return " ".join(sql.split())


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))]


def run_pgbench(cluster, seconds: int, connections: int) -> dict:
    from geo.storage.embedded import DB_NAME, DB_USER, PORT, pg_bindir
    work = Path(tempfile.mkdtemp(prefix="bench-pgbench-"))
    os.chmod(work, 0o777)
    script = work / "nearest.sql"
    s, n, w, e = BOX[1], BOX[3], BOX[0], BOX[2]
    script.write_text(
        f"\\set ilat random({int(s * 1e5)}, {int(n * 1e5)})\n"
        f"\\set ilon random({int(w * 1e5)}, {int(e * 1e5)})\n"
        "\\set lat :ilat / 100000.0\n\\set lon :ilon / 100000.0\n"
        + nearest_sql() + ";\n")
    cmd = [str(pg_bindir() / "pgbench"), "-n", "-h", str(cluster.socket_dir), "-p", str(PORT), "-U", DB_USER,
           "-c", str(connections), "-j", "2", "-T", str(seconds), "-f", str(script), "-l",
           "--log-prefix", str(work / "log"), DB_NAME]
    # the same session settings as the app's connections (geo/storage/db.py: jit off)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work, env=dict(os.environ, PGOPTIONS="-c jit=off"))
    if proc.returncode != 0:
        raise SystemExit(f"pgbench failed:\n{proc.stdout}\n{proc.stderr}")
    tps = float(re.search(r"tps = ([0-9.]+)", proc.stdout).group(1))
    lat = []
    for f in work.glob("log*"):
        for line in f.read_text().split("\n"):
            parts = line.split()
            if len(parts) >= 3:
                lat.append(int(parts[2]) / 1000.0)
    shutil.rmtree(work, ignore_errors=True)
    return {"rate": tps, "p50": pct(lat, 50), "p99": pct(lat, 99), "n": len(lat)}


def _ms(text: str) -> float:
    m = re.match(r"([0-9.]+)(us|ms|s|m)$", text)
    if m is None:
        raise SystemExit(f"wrk latency not understood: {text!r}")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(base: str, seconds: int, connections: int) -> dict:
    """wrk on nearest-places requests at random points in the generated box."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_LUA % {"seed": 42, "s": BOX[1], "dlat": BOX[3] - BOX[1], "w": BOX[0],
                            "dlon": BOX[2] - BOX[0], "limit": LIMIT})
        lua = fh.name
    try:
        return run_wrk_url(base, seconds, connections, ["-s", lua])
    finally:
        os.unlink(lua)


def run_wrk_url(url: str, seconds: int, connections: int, extra: list[str] = ()) -> dict:
    """wrk on one URL (or a script's requests): rate, p50/p99 in ms, requests, non-2xx/3xx answers."""
    proc = subprocess.run([ensure_wrk(), "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
                           *extra, url], capture_output=True, text=True)
    out = proc.stdout
    if proc.returncode != 0 or "Requests/sec" not in out:
        raise SystemExit(f"wrk failed:\n{out}\n{proc.stderr}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    dist = out.split("Latency Distribution", 1)[-1]   # not the "+/- Stdev" percentages above it
    if not re.search(r"^\s*99%\s+\S+", dist, re.M):
        raise SystemExit(f"wrk output not understood:\n{out}")
    return {"rate": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
            "p50": _ms(re.search(r"^\s*50%\s+(\S+)", dist, re.M).group(1)),
            "p99": _ms(re.search(r"^\s*99%\s+(\S+)", dist, re.M).group(1)),
            "n": int(re.search(r"(\d+) requests in", out).group(1)),
            "errors": int(errors.group(1)) if errors else 0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, gzip_ok: bool = True) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(req) as resp:
        return resp.status, resp.read(), dict(resp.headers)


@contextmanager
def serving(url: str, serve_args: list[str], **popen) -> Iterator[str]:
    """The real server (`tsunagari serve`) on a free port against `url` (no replicas, no base
    map): yields its base URL once /readyz answers, and stops it on the way out."""
    base = f"http://127.0.0.1:{_free_port()}"
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT), TSUNAGARI_TILES="none")
    env.pop("DATABASE_REPLICA_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "scripts.cli", "serve", "--port", base.rsplit(":", 1)[1],
                               *serve_args], cwd=ROOT, env=env, **popen)
    try:
        for _ in range(600):
            try:
                if get(base + "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def city_view(base: str) -> None:
    """What a browser downloads for a city-level view (zoom 12, 1280x900 px) of the densest part."""
    import math

    def tile_bounds(z: int, lat: float, lon: float, w_px: int = 1280, h_px: int = 900):
        scale = 256 * 2 ** z
        x = (lon + 180) / 360 * scale
        y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * scale

        def unproject(px, py):
            lo = px / scale * 360 - 180
            la = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / scale))))
            return la, lo
        s, w = unproject(x - w_px / 2, y + h_px / 2)
        n, e = unproject(x + w_px / 2, y - h_px / 2)
        return w, s, e, n

    lat, lon = (BOX[1] + BOX[3]) / 2, (BOX[0] + BOX[2]) / 2
    for zoom in (10, 12, 14):
        w, s, e, n = tile_bounds(zoom, lat, lon)
        bbox = f"{w:.5f},{s:.5f},{e:.5f},{n:.5f}"
        status, body, headers = get(f"{base}/api/aggregates?bbox={bbox}&zoom={zoom}")
        raw = get(f"{base}/api/aggregates?bbox={bbox}&zoom={zoom}", gzip_ok=False)[1]
        data = json.loads(raw)
        mode = data.get("mode")
        line = (f"  zoom {zoom:>2}: aggregates {len(data.get('cells', [])):>5} cells for {data.get('total'):>6} places: "
                f"{len(body) / 1024:7.1f} KB gzip ({len(raw) / 1024:7.1f} KB plain), mode={mode}")
        if mode == "points":
            status, pbody, _ = get(f"{base}/api/places?bbox={bbox}&limit=20000")
            line += f"; points {len(pbody) / 1024:.1f} KB gzip"
        print(line)
    w, s, e, n = tile_bounds(12, lat, lon)
    status, body, _ = get(f"{base}/api/places?bbox={w:.5f},{s:.5f},{e:.5f},{n:.5f}&limit=5000")
    print(f"  (zoom 12 as points, the old way: {len(body) / 1024:.0f} KB gzip, "
          f"{len(get(f'{base}/api/places?bbox={w:.5f},{s:.5f},{e:.5f},{n:.5f}&limit=5000', False)[1]) / 1024:.0f} KB plain)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--places", type=int, default=100_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the cluster (and its data) for the next run")
    args = ap.parse_args()

    from geo.storage import migrate
    from geo.storage.db import dispose_engines
    from geo.storage.embedded import cluster_at

    cluster = cluster_at(ROOT / "var" / "bench-serve")
    fresh = not (args.keep and cluster.initialised())
    if fresh:
        cluster.destroy()
    cluster.start()
    url = cluster.url()
    if fresh:
        migrate.upgrade(url)
        t0 = time.perf_counter()
        generate(url, args.places)
        print(f"{args.places:,} places generated in {time.perf_counter() - t0:.1f} s")
    dispose_engines()

    log_dir = cluster.root.parent / "bench-serve-logs"
    log_dir.mkdir(exist_ok=True)
    serve_args = ["--access-log", str(log_dir / "access.log"), "--error-log", str(log_dir / "error.log")]
    if args.workers:
        serve_args += ["--workers", str(args.workers)]
    if args.threads:
        serve_args += ["--threads", str(args.threads)]
    try:
        with serving(url, serve_args) as base:
            # warm every worker's pool and caches
            subprocess.run([ensure_wrk(), "-t", "2", "-c", str(args.connections), "-d", "2s",
                            f"{base}/api/places?near=34.7,135.7&limit={LIMIT}"], capture_output=True)
            print(f"\nserver: gunicorn, {args.threads or 'default'} threads; "
                  f"{args.workers or 'default'} workers on {os.cpu_count()} cores; "
                  f"{args.connections} connections, {args.seconds} s each\n")
            api = run_wrk(base, args.seconds, args.connections)
            sql = run_pgbench(cluster, args.seconds, args.connections)
            print(f"  API  /api/places?near=…&limit={LIMIT} (wrk):  {api['rate']:8.0f} req/s   "
                  f"p50 {api['p50']:6.2f} ms   p99 {api['p99']:6.2f} ms   ({api['n']:,} requests, {api['errors']} errors)")
            print(f"  SQL  the same nearest query (pgbench):   {sql['rate']:8.0f} q/s     "
                  f"p50 {sql['p50']:6.2f} ms   p99 {sql['p99']:6.2f} ms   ({sql['n']:,} queries)")
            print(f"  ratio API / bare SQL: {api['rate'] / sql['rate'] * 100:.1f} %   (target >= 15 %, p99 <= 25 ms)")
            print("\ncity view, 1280x900 px around the centre of the generated places:")
            city_view(base)
    finally:
        if not args.keep:
            cluster.destroy()
            shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
