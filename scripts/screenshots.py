"""Screenshots of every page as its users see it: phone (390×844), PC (1280×800) and projector
(1920×1080, 1280×720), in Japanese and English, on a throwaway PostGIS with the demo and one
coordinator logged in. For looking at, not for asserting: the PNGs go to var/shots/.

    .venv/bin/python scripts/screenshots.py [--only PATH_SUBSTRING] [--lang ja|en|both]
"""
from __future__ import annotations

import argparse
import logging
import socket
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"phone": (390, 844), "pc": (1280, 800), "projector": (1920, 1080), "projector720": (1280, 720)}
PUBLIC = ["/", "/m/29209/", "/place/{place}", "/list", "/list?area=elementary:{area}", "/report", "/coverage", "/meeting",
          "/meeting?kind=elementary&area={area}",
          "/ogc", "/login"]
COORDINATOR = ["/manage", "/manage/places", "/manage/places/new", "/manage/places/{place}", "/manage/reports",
               "/imports", "/imports/new", "/admin/users"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="only paths containing this")
    ap.add_argument("--lang", default="both", choices=("ja", "en", "both"))
    ap.add_argument("--out", default=str(ROOT / "var" / "shots"))
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session
    from werkzeug.serving import make_server

    from geo.accounts.users import create_user
    from geo.demo import load_demo
    from geo.storage.embedded import throwaway_cluster
    from geo.storage.models import Area, Place
    from web import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    langs = ["ja", "en"] if args.lang == "both" else [args.lang]
    with throwaway_cluster(ROOT / "var" / "shots-pg") as cluster:
        url = cluster.migrated_database("shots")
        engine = create_engine(url)
        with Session(engine) as s, s.begin():
            load_demo(s)
            create_user(s, "shots@example.jp", "screenshot-password", "coordinator", ["29209"], display_name="撮影")
        with Session(engine) as s:
            place = s.scalar(select(Place.id).where(Place.public_point.is_not(None)).order_by(Place.id))
            area = s.scalar(select(Area.code).where(Area.kind == "elementary").order_by(Area.code))
        engine.dispose()
        app = create_app({"DATABASE_URL": url, "TILE_URL": None})
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        paths = [p.format(place=place, area=area) for p in PUBLIC + COORDINATOR]
        paths = [p for p in paths if args.only in p]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for size, (w, h) in SIZES.items():
                phone = w < 500
                context = browser.new_context(viewport={"width": w, "height": h}, locale="ja-JP",
                                              is_mobile=phone, has_touch=phone)
                page = context.new_page()
                page.goto(base + "/login")
                page.fill("input[name=email]", "shots@example.jp")
                page.fill("input[name=password]", "screenshot-password")
                page.locator("form button[type=submit], form input[type=submit]").first.click()
                page.wait_for_load_state("networkidle")
                for lang in langs:
                    for path in paths:
                        sep = "&" if "?" in path else "?"
                        page.goto(f"{base}{path}{sep}lang={lang}")
                        page.wait_for_load_state("networkidle")
                        page.wait_for_timeout(400)   # let the map settle
                        name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "home"
                        file = out / f"{name}.{lang}.{size}.png"
                        page.screenshot(path=str(file), full_page=True)
                        print(file.relative_to(ROOT), flush=True)
                context.close()
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
