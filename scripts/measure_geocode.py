"""Measure offline geocoding on the address-only 子ども食堂 lists.

Loads every Geolonia town-point JSON of the gazetteer folder, geocodes the 住所
of each row of the given CSVs (UTF-8, BOM allowed) and prints per file: rows,
matched at 町丁目 or better, coarser (大字/市区町村, flagged), unmatched, and every
address that was not matched at 町丁目 or better, with the reason.

    .venv/bin/python scripts/measure_geocode.py
    .venv/bin/python scripts/measure_geocode.py --validate   # + 町田市, 国立市 vs their coordinates
    .venv/bin/python scripts/measure_geocode.py --gazetteer DIR some.csv other.csv
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from geo.geocoding.geocode import Geocoder, city_code5, load_geolonia_dir  # noqa: E402

# the real lists copied into the test fixtures (tests/fixtures/SOURCES.md)
REAL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fixtures")
# the gazetteer shipped with the project (data/gazetteer: the shared town points + 文京区)
DEFAULT_GAZETTEER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "gazetteer")
DEFAULT_CSVS = [
    os.path.join(REAL, "kodomo-shokudo-csv", "131130_shibuyaku_kodomosyokudo.csv"),
    os.path.join(REAL, "kodomo-shokudo-csv", "131059_bunkyo_kodomosyokudo.csv"),
]
VALIDATION_CSVS = [  # lists that publish coordinates: compare ours with theirs
    os.path.join(REAL, "kodomo-shokudo-csv", "132098_machidashi_kodomosyokudo.csv"),
    os.path.join(REAL, "kodomo-shokudo-csv", "132152_kunitachishi_kodomosyokudo.csv"),
]
FINE = ("街区", "町丁目")


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:.1f}%" if d else "-"


def measure(geocoder: Geocoder, path: str) -> dict:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    fine = coarse = unmatched = 0
    lines: list[str] = []
    distances: list[tuple[float, str]] = []
    for i, row in enumerate(rows, start=2):  # header is line 1
        # A doubled BOM (狛江) leaves '\ufeff' on the first header.
        row = {k.lstrip("\ufeff") if k else k: v for k, v in row.items()}
        address = (row.get("住所") or "").strip()
        r = geocoder.geocode(
            address,
            municipality_code=city_code5(row.get("全国地方公共団体コード")),
            default_pref=row.get("都道府県") or None,
            default_city=row.get("市区町村名") or None,
        )
        try:
            published = float(row.get("緯度") or ""), float(row.get("経度") or "")
        except ValueError:
            published = None
        if r.ok and published:
            distances.append((metres(published[0], published[1], r.lat, r.lon), address))
        if r.ok and r.level in FINE:
            fine += 1
            if r.notes:
                lines.append(f"  repaired  line {i}: {address!r} -> {r.matched} [{r.level}] "
                             f"{'; '.join(r.notes)}")
        elif r.ok:
            coarse += 1
            lines.append(f"  coarser   line {i}: {address!r} -> {r.matched} [{r.level}] {r.reason}")
        else:
            unmatched += 1
            lines.append(f"  unmatched line {i}: {address!r}: {r.reason}")
    n = len(rows)
    print(f"{os.path.basename(path)}")
    print(f"  rows {n}; 町丁目 or better {fine} ({pct(fine, n)}); "
          f"coarser {coarse} ({pct(coarse, n)}); unmatched {unmatched} ({pct(unmatched, n)})")
    if distances:
        d = sorted(distances)
        print(f"  distance to the list's own coordinates ({len(d)} rows): median "
              f"{statistics.median(x for x, _ in d):.0f} m, max {d[-1][0]:.0f} m ({d[-1][1]})")
    for line in lines:
        print(line)
    return {"rows": n, "fine": fine, "coarse": coarse, "unmatched": unmatched}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gazetteer", default=DEFAULT_GAZETTEER,
                    help="folder of Geolonia '<code>_<name>.json' files")
    ap.add_argument("--validate", action="store_true",
                    help="also run the 町田市 and 国立市 lists, which publish coordinates, "
                         "and report the distance between theirs and ours")
    ap.add_argument("csv", nargs="*", default=DEFAULT_CSVS)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    entries = load_geolonia_dir(args.gazetteer)
    geocoder = Geocoder(entries)
    t1 = time.perf_counter()
    print(f"gazetteer: {len(entries)} entries, municipalities "
          + ", ".join(f"{c} {p}{n}" for c, p, n in geocoder.municipalities)
          + f" (indexed in {1000 * (t1 - t0):.0f} ms)")
    for path in list(args.csv) + (VALIDATION_CSVS if args.validate else []):
        measure(geocoder, path)
    # single-address speed, as in a search box
    t2 = time.perf_counter()
    for _ in range(2000):
        geocoder.geocode("東京都渋谷区神宮前5-10-1GYRE 4F")
    per = (time.perf_counter() - t2) / 2000
    print(f"single address: {per * 1e6:.0f} µs per geocode")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
