"""Handouts: PDF (A4/A3 landscape) and PNG with legend, title, date and sources; a standalone HTML
map that works offline; the CSV list of places (BOM, neutralised formulas, public points only)."""
import csv
import io
import re
import struct
import subprocess
from urllib.parse import urlparse

import pytest
from geoalchemy2.elements import WKTElement
from sqlalchemy import func, select

from helpers import make_app
from geo.storage.models import Area, Place

Q = "kind=elementary&on=2026-11-23"
TILE_HOSTS = {"cyberjapandata.gsi.go.jp"}
# URLs that appear as text but are never fetched: the SVG namespace, Leaflet's attribution link,
# and bug-tracker references in folium's comments.
NOT_FETCHED = {"www.w3.org", "leafletjs.com", "bugs.chromium.org", "bugzilla.mozilla.org"}


def _pdf(tmp_path, body: bytes, name: str) -> tuple[str, str]:
    path = tmp_path / name
    path.write_bytes(body)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return info, text


def _page_size(info: str) -> tuple[int, int]:
    m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    return round(float(m.group(1))), round(float(m.group(2)))


@pytest.fixture(scope="module")
def client(shared_demo_url):
    return make_app(shared_demo_url).test_client()


@pytest.fixture(scope="module")
def focus_code(shared_demo_url):
    from sqlalchemy import create_engine
    engine = create_engine(shared_demo_url)
    with engine.connect() as c:
        code = c.execute(select(Area.code).where(Area.kind == "elementary", Area.name == "生駒北小中学校")).scalar_one()
    engine.dispose()
    return code


def test_pdf_a4_and_a3_landscape_with_legend_title_date_sources(client, focus_code, tmp_path):
    r = client.get(f"/meeting/export.pdf?{Q}&paper=A4")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    info, text = _pdf(tmp_path, r.data, "a4.pdf")
    assert _page_size(info) == (842, 595) and re.search(r"Pages:\s+1\n", info)
    for s in ("つながりマップ", "2026年11月23日（月）", "凡例", "サロン・通いの場", "子ども食堂", "小学校区",
              "出典", "国土数値情報（小学校区データ）", "令和2年国勢調査", "背景地図なし", "架空のサンプル", "北", "km"):
        assert s in text, s

    r = client.get(f"/meeting/export.pdf?{Q}&paper=A3&area={focus_code}&then=2025-04-01&cov=salons")
    info, text = _pdf(tmp_path, r.data, "a3.pdf")
    assert _page_size(info) == (1191, 842)
    assert 'filename="tsunagari_elementary_' in r.headers["Content-Disposition"]
    for s in ("生駒北小中学校", "2025年4月1日（火） → 2026年11月23日（月）", "新しくできた場所", "なくなった場所",
              "注目する区域", "人口", "高齢化率: 不明", "どの場所も開いていない曜日・時間帯", "空白", "手薄", "充足"):
        assert s in text, s


def test_png_size_and_not_blank(client, focus_code):
    from PIL import Image

    r = client.get(f"/meeting/export.png?{Q}&area={focus_code}")
    assert r.status_code == 200 and r.data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", r.data[16:24])
    assert (width, height) == (int(297 / 25.4 * 150), int(210 / 25.4 * 150)) == (1753, 1240)  # A4 at 150 dpi
    img = Image.open(io.BytesIO(r.data)).convert("RGB").resize((351, 248))
    raw = img.tobytes()
    pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    non_white = sum(1 for p in pixels if sum(p) < 720)
    assert non_white / len(pixels) > 0.05
    assert len(set(pixels)) > 50                  # outlines, fills, markers of several colours
    # the layers' colours are there (Okabe–Ito blue of the salons)
    assert any(abs(p[0] - 0x00) < 30 and abs(p[1] - 0x72) < 30 and abs(p[2] - 0xB2) < 30 for p in pixels)


def test_standalone_html_has_no_external_urls_and_draws_offline(client, browser, tmp_path):
    r = client.get(f"/meeting/export.html?{Q}")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    html = r.get_data(as_text=True)
    hosts = {urlparse(u).hostname for u in re.findall(r"https?://[^\s\"'<>)\\]+", html)}
    assert hosts <= NOT_FETCHED, hosts - NOT_FETCHED
    # no element loads anything from the web (Leaflet's own source mentions its home page in a string)
    markup = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"""(src|href)\s*=\s*["']https?:""", markup)
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)\s*=\s*["'](?!data:)""", html)
    assert "架空のサンプル" in html and "国土数値情報（小学校区データ）" in html and "背景地図なし" in html

    # with the optional tiles asked for, the tile URL is the only fetched host
    with_tiles = make_app(client.application.config["DATABASE_URL"],
                          TILE_URL="https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png").test_client()
    t = with_tiles.get(f"/meeting/export.html?{Q}&tiles=1").get_data(as_text=True)
    hosts = {urlparse(u).hostname for u in re.findall(r"https?://[^\s\"'<>)\\]+", t)}
    assert hosts <= NOT_FETCHED | TILE_HOSTS and TILE_HOSTS <= hosts

    path = tmp_path / "map.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, offline=True)
    page = context.new_page()
    errors, outside = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))

    def block(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()
    page.route("**/*", block)
    page.goto(path.as_uri())
    page.wait_for_selector(".place-icon")
    assert page.locator(".place-icon").count() == 70           # 73 places, 3 hidden ones listed instead
    assert page.locator(".area-label").count() == 12
    assert page.locator("path.leaflet-interactive").count() >= 12
    assert "位置非公開" in page.locator("#export-title").inner_text()
    assert "国土数値情報" in page.locator("#attribution").inner_text()
    assert errors == [] and outside == []
    context.close()


def test_csv_bom_formulas_and_privacy(demo_db_url, session_for):
    s = session_for(demo_db_url)
    area = s.scalars(select(Area).where(Area.kind == "elementary").order_by(Area.code)).first()
    lat, lon = s.execute(select(func.ST_Y(func.ST_PointOnSurface(Area.geom)),
                                func.ST_X(func.ST_PointOnSurface(Area.geom))).where(Area.id == area.id)).one()
    pt = WKTElement(f"POINT({lon} {lat})", srid=4326)
    s.add_all([
        Place(layer="salons", name="=HYPERLINK(\"http://x\",\"a\")", operator="+cmd|' /C calc'!A0",
              phone="@SUM(1)", point=pt, municipality_code="29209"),
        Place(layer="engawa", name="秘密の縁側", address="生駒市どこか1-2-3", precision="hidden", point=pt,
              municipality_code="29209"),
        Place(layer="engawa", name="近くの縁側", address="生駒市どこか4-5-6", precision="approximate", point=pt,
              municipality_code="29209"),
    ])
    s.commit()
    client = make_app(demo_db_url).test_client()
    r = client.get(f"/meeting/export.csv?{Q}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["種類", "名称", "区域", "住所（公開範囲）"]
    assert len(body) == 76
    by_name = {row[1]: dict(zip(header, row)) for row in body}
    evil = by_name["'=HYPERLINK(\"http://x\",\"a\")"]
    assert evil["運営"].startswith("'+") and evil["電話"] == "'@SUM(1)" and evil["区域"] == area.name
    for row in body:
        assert not row[1][:1] in "=+-@"
    hidden = by_name["秘密の縁側"]
    assert hidden["緯度"] == "" and hidden["経度"] == "" and "1-2-3" not in ",".join(hidden.values())
    approx = by_name["近くの縁側"]
    assert approx["緯度"] and (float(approx["緯度"]), float(approx["経度"])) != (round(lat, 6), round(lon, 6))
    assert "4-5-6" not in ",".join(approx.values())
    pub = s.execute(select(func.ST_Y(Place.public_point), func.ST_X(Place.public_point))
                    .where(Place.name == "近くの縁側")).one()
    assert abs(float(approx["緯度"]) - pub[0]) < 1e-6 and abs(float(approx["経度"]) - pub[1]) < 1e-6
    assert all(row[11] == "架空" for row in body if row[1].endswith("（架空）"))

    # the HTML export escapes names
    html = client.get(f"/meeting/export.html?{Q}").get_data(as_text=True)
    assert "=HYPERLINK(&#34;http://x&#34;" in html or "=HYPERLINK(&quot;http://x&quot;" in html
