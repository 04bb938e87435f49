"""The printed list (/list) as a 社協 paper handout: the area's 相談先 with phone; each place's contact,
対象, 予約, fee and next dates; a small map whose numbered markers match the list; a QR code back to
the page; an 18 pt option; A4 portrait with no place split over two pages (Chromium page.pdf,
pdftotext per page, pdftoppm PNGs kept in var/screenshots for looking at)."""
import io
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest
import segno
from sqlalchemy import select

from geo.places import search
from geo.storage.models import Area
from helpers import ROOT, make_app, open_page

SHOTS = ROOT / "var" / "screenshots"


@pytest.fixture(scope="module")
def client(shared_demo_url):
    return make_app(shared_demo_url).test_client()


def _busiest_elementary(s) -> Area:
    """The elementary district with most places (a list long enough to need several pages)."""
    areas = list(s.scalars(select(Area).where(Area.kind == "elementary")))
    return max(areas, key=lambda a: (len(search.places_in_area(s, a)), -a.id))


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_list_has_the_help_desk_and_every_place_in_full(client, s):
    area = _busiest_elementary(s)
    html = client.get(f"/list?area={area.id}&lang=ja").get_data(as_text=True)
    text = _text(html)
    desks = search.area_help_desks(s, area)
    assert desks, "every demo district has a support branch"
    help_box = _text(html.split('class="help-box"')[1].split("</section>")[0])
    for d in desks:
        assert d.name in help_box and d.phone in help_box
    places = search.places_in_area(s, area)
    entries = re.findall(r'<li class="entry" value="(\d+)" id="entry-\d+">(.*?)</li>\s*(?=<li class="entry"|</ol>)',
                         html, re.S)
    assert [int(n) for n, _ in entries] == list(range(1, len(places) + 1))
    for (n, body), place in zip(entries, places):
        body = _text(body)
        assert place.name in body
        assert "次回" in body or "日程は直接お問い合わせください" in body
        if place.target_groups:
            assert "対象" in body and place.target_groups[0] in body
        if place.reservation_required is not None:
            assert ("予約 必要" in body) == place.reservation_required and ("予約 不要" in body) != place.reservation_required
        if place.fees:
            assert place.fees in body
        if place.phone:
            assert place.phone in body
        if place.operator:
            assert place.operator in body
    assert "印刷日：" in text and f"{len(places)}件" in text


def test_the_map_numbers_match_the_list(client, s):
    area = _busiest_elementary(s)
    html = client.get(f"/list?area={area.id}&lang=ja").get_data(as_text=True)
    src = unescape(re.search(r'<figure class="list-map">\s*<img src="([^"]+)"', html).group(1))
    got = client.get(src)
    assert got.status_code == 200 and got.mimetype == "image/svg+xml"
    svg = got.get_data(as_text=True)
    numbers = sorted(int(x) for x in re.findall(r">\s*(\d+)\s*</text>", svg))
    located = [n for n, p in enumerate(search.places_in_area(s, area), start=1) if p.public_point is not None]
    assert numbers == located
    assert "北" in svg


def test_the_qr_code_leads_back_to_this_list(client, s):
    area = _busiest_elementary(s)
    html = client.get(f"/list?area={area.id}&lang=en&size=18").get_data(as_text=True)
    svg = re.search(r'<svg[^>]*class="qr".*?</svg>', html, re.S).group(0)
    expected_url = f"http://localhost/list?area={area.id}&lang=en&size=18"
    buf = io.BytesIO()
    segno.make(expected_url, error="m").save(buf, kind="svg", xmldecl=False, svgns=True, scale=3, border=2,
                                             title="x", svgclass="qr", lineclass=None)
    path = lambda s_: re.search(r' d="([^"]+)"', s_).group(1)  # noqa: E731
    assert path(svg) == path(buf.getvalue().decode())
    assert 'class="list-18pt' in html or "list-18pt" in html


def test_bad_list_parameters_are_refused(client):
    r = client.get("/list?area=elementary:nope-no&lang=ja")
    assert r.status_code == 404 and "その区域は見つかりませんでした" in r.get_data(as_text=True)
    r = client.get("/list?area=B129210001131&lang=ja")   # a bare code: the same plain message, no syntax lecture
    assert r.status_code == 400 and "その区域は見つかりませんでした" in r.get_data(as_text=True)
    assert "種類:コード" not in r.get_data(as_text=True) and "生駒小学校" in r.get_data(as_text=True)
    assert client.get("/list?area=1&size=99").status_code == 400
    assert client.get("/list/map.svg").status_code == 400


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert abs(float(size.group(1)) - 595.3) < 2 and abs(float(size.group(2)) - 841.9) < 2, "A4 portrait"
    return [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for i in range(1, n + 1)]


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_list_prints_on_a4_portrait_with_places_kept_together(browser, live_server, s, lang, tmp_path):
    area = _busiest_elementary(s)
    places = search.places_in_area(s, area)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = open_page(browser, 1280, 800)
    pages = {}
    try:
        for size in ("15", "18"):
            page.goto(f"{live_server}/list?area={area.id}&lang={lang}" + ("&size=18" if size == "18" else ""))
            page.wait_for_load_state("networkidle")
            assert page.evaluate("() => document.querySelector('.list-map img').naturalWidth") > 0
            pdf = tmp_path / f"list-{lang}-{size}.pdf"
            for old in SHOTS.glob(f"list-{lang}-{size}pt-*.png"):
                old.unlink()
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
            subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(SHOTS / f"list-{lang}-{size}pt")], check=True)
            pages[size] = _pages(pdf)
        assert page.errors == []
    finally:
        context.close()
    for size, texts in pages.items():
        # the help desk is on the first page; the map too in 15 pt (in 18 pt it may start page 2, full size)
        first = texts[0]
        assert ("相談先" if lang == "ja" else "Where to ask for help") in first
        caption = "番号は一覧の番号です" if lang == "ja" else "Numbersmatchthelist"
        assert caption in re.sub(r"\s+", "", first if size == "15" else first + texts[1])
        # every place whole on one page: its name and its last line (contact) on the same page
        desks = {d.name for d in search.area_help_desks(s, area)}   # also named in the help box
        for place in places:
            if place.name in desks:
                continue
            holding = [i for i, t in enumerate(texts) if place.name in t]
            assert len(holding) == 1, (size, place.name, holding)
            last = place.phone or place.operator
            if last:
                assert last in texts[holding[0]], (size, place.name)
    assert len(pages["18"]) >= len(pages["15"])
