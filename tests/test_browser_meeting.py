"""The projector view in Debian's Chromium: full screen at 1920×1080 and 1280×720, focus and
profile, then-and-now, permalinks, no console errors, nothing leaves 127.0.0.1 but tiles."""
import re
from urllib.parse import parse_qs, urlparse

import pytest

from helpers import open_page, outside_requests

pytestmark = pytest.mark.browser



def _page(browser, width, height):
    return open_page(browser, width, height)


def _ready(page):
    page.wait_for_selector('body[data-ready="1"]')
    page.wait_for_function("() => document.body.dataset.loading === ''")  # a function: CSP forbids eval


# every place drawn on the map, alone or counted in a numbered cluster (markers that would touch
# are one cluster): {"places": n, "clusters": n, "dim": places dimmed, "circles": salons shown}
PLACES = """(sel) => {
  const out = {places: 0, clusters: 0, dim: 0, salons: 0};
  document.querySelectorAll(sel + ' .leaflet-marker-icon.place-icon').forEach(n => {
    const box = n.querySelector('[data-layers]');
    const counts = box ? JSON.parse(box.getAttribute('data-layers')) : null;
    const k = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 1;
    out.places += k;
    if (counts) out.clusters += 1;
    if (n.querySelector('.pm-dim')) out.dim += k;
    out.salons += counts ? (counts.salons || 0) : (n.classList.contains('pm-salons') ? 1 : 0);
  });
  return out;
}"""


def _in_viewport(page, selector, width, height):
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["y"] >= 0 and box["x"] >= 0 and box["y"] + box["height"] <= height + 0.5 \
        and box["x"] + box["width"] <= width + 0.5, (selector, box)


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_projector_view_fits_the_screen(browser, live_server, width, height):
    context, page = _page(browser, width, height)
    page.goto(live_server + "/meeting?on=2026-11-23")
    _ready(page)
    for sel in ("#m-title", "#m-date", "#attribution", "#fictional-notice", "#map"):
        _in_viewport(page, sel, width, height)
    assert page.locator("#m-date").inner_text() == "2026年11月23日（月）"
    footer = page.locator("#attribution").inner_text()
    for text in ("国土数値情報（小学校区データ）", "国土数値情報（中学校区データ）", "令和2年国勢調査", "地理院タイル"):
        assert text in footer
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    # every area named on the map, in large type; places drawn with shape + glyph
    labels = page.locator("#map .area-label")
    assert labels.count() == 12 and any("生駒北小中学校" in x for x in labels.all_inner_texts())
    assert float(labels.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 18
    places = page.evaluate(PLACES, "#map")
    assert places["places"] == 70, places
    # markers never sit on top of each other: those that would touch are one numbered cluster
    overlaps = page.evaluate("""() => {
      const r = [...document.querySelectorAll('#map .leaflet-marker-icon.place-icon')].map(n => n.getBoundingClientRect());
      let bad = 0;
      for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
        const a = r[i], b = r[j], w = Math.min(a.width, b.width) / 2;
        if (Math.abs((a.left + a.right) - (b.left + b.right)) / 2 < w && Math.abs((a.top + a.bottom) - (b.top + b.bottom)) / 2 < w) bad++;
      }
      return bad;
    }""")
    assert overlaps == 0 and places["clusters"] > 0
    assert page.locator("#map .place-icon .pm-triangle, #map .place-icon .pm-diamond").count() > 0
    # a cluster of several layers is a ring of those layers' colours, one arc per layer
    mixed = page.evaluate("""() => [...document.querySelectorAll('#map .pm-mixed-box')].map(b => ({
      layers: Object.keys(JSON.parse(b.getAttribute('data-layers'))).length,
      ring: getComputedStyle(b).backgroundImage}))""")
    assert mixed, "the demo's projector map has clusters of several layers"
    for m in mixed:
        assert m["ring"].startswith("conic-gradient(") and m["ring"].count("deg") == 2 * m["layers"], m
    assert page.errors == [] and outside_requests(page) == []
    context.close()


def test_focus_profile_and_permalink_round_trip(browser, live_server):
    context, page = _page(browser, 1280, 720)
    page.goto(live_server + "/meeting?on=2026-11-23")
    _ready(page)
    # click the area under its label (labels let clicks through to the district)
    label = page.locator('#map .area-label', has_text="生駒北小中学校")
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#m-profile:not([hidden])")
    _ready(page)
    assert page.locator("#p-name").inner_text() == "生駒北小中学校"
    assert page.locator("#m-focus-name").inner_text() == "生駒北小中学校"
    assert page.locator("#p-pop").inner_text().startswith(("5,", "4,", "6,"))     # census total, 人
    assert page.locator("#p-ageing").inner_text() == "不明"                        # no age bands in the demo
    assert page.locator("#p-layers li[data-layer]").count() == 4
    assert page.locator("#p-layers .klass").count() == 4
    assert page.locator("#p-missing li").count() >= 1
    assert page.locator("#map .area-label.is-dim").count() == 11
    assert page.evaluate(PLACES, "#map")["dim"] > 30

    # settings: hide the salons, a Saturday filter, shade by 子ども食堂
    page.click("#m-toggle-controls")
    page.locator("input[name=layer][value=salons]").uncheck()
    _ready(page)
    page.select_option("#c-cov", "kodomo_shokudo")
    _ready(page)
    page.select_option("#c-wd", "5")
    _ready(page)
    q = parse_qs(urlparse(page.url).query)
    assert q["area"] and q["layers"] == ["engawa,kodomo_shokudo,support_branches"] and q["wd"] == ["5"]
    assert q["cov"] == ["kodomo_shokudo"] and q["on"] == ["2026-11-23"] and "c" in q and "z" in q
    assert page.evaluate(PLACES, "#map")["salons"] == 0
    n_places = page.evaluate(PLACES, "#map")
    pdf_href = page.locator("#x-pdf-a3").get_attribute("href")
    assert "paper=A3" in pdf_href and "wd=5" in pdf_href and "area=" in pdf_href
    url, state = page.url, page.evaluate("() => window.meetingState")
    zoom = q["z"][0]
    context.close()

    # reload the link in a fresh browser: same view, same focus, same filters
    context, page = _page(browser, 1280, 720)
    page.goto(url)
    _ready(page)
    assert page.locator("#p-name").inner_text() == "生駒北小中学校"
    assert not page.locator("input[name=layer][value=salons]").is_checked()
    assert page.locator("#c-wd").input_value() == "5" and page.locator("#c-cov").input_value() == "kodomo_shokudo"
    assert page.evaluate(PLACES, "#map") == n_places
    q2 = parse_qs(urlparse(page.url).query)
    assert q2["c"] == q["c"] and q2["z"] == [zoom]
    assert "子ども食堂" in page.locator("#legend-classes").inner_text()
    assert page.errors == [] and outside_requests(page) == []
    assert state["area"] == q["area"][0] and state["wd"] == "5"
    context.close()


def test_then_and_now_side_by_side(browser, live_server):
    context, page = _page(browser, 1920, 1080)
    page.goto(live_server + "/meeting?on=2026-11-23&then=2025-04-01&cov=salons")
    _ready(page)
    assert page.locator("#box-then").is_visible() and page.locator("#box-now").is_visible()
    assert page.locator("#m-date").inner_text() == "2025年4月1日（火） → 2026年11月23日（月）"
    assert "前: 2025年4月1日（火）" in page.locator("#label-then").inner_text()
    assert page.locator("#map-then .area-label").count() == 12 and page.locator("#map .area-label").count() == 12
    # the demo's places have no valid_from: nothing new or closed, all 73 unchanged
    assert page.locator("#cmp-new").inner_text() == "0" and page.locator("#cmp-unchanged").inner_text() == "73"
    assert "充足度が変わった区域はありません" in page.locator("#cmp-classes").inner_text()
    # the two maps move together
    before = page.locator("#map-then .area-label").first.bounding_box()
    page.locator("#map .leaflet-control-zoom-in").click()
    page.wait_for_timeout(600)
    after = page.locator("#map-then .area-label").first.bounding_box()
    assert before != after
    _in_viewport(page, "#attribution", 1920, 1080)
    assert page.errors == [] and outside_requests(page) == []
    context.close()


def test_untrusted_names_are_text(browser, demo_db_url, session_for):
    """A place name with markup shows as text in tooltips and lists, never as HTML."""
    from geoalchemy2.elements import WKTElement
    from helpers import make_app, served
    from geo.storage.models import Place

    s = session_for(demo_db_url)
    evil = '<img src=x onerror="window.pwned=1">'
    s.add_all([Place(layer="salons", name=evil, point=WKTElement("POINT(135.70 34.69)", srid=4326)),
               Place(layer="engawa", name=evil + "2", precision="hidden",
                     point=WKTElement("POINT(135.70 34.69)", srid=4326))])
    s.commit()
    with served(make_app(demo_db_url, TILE_URL=None)) as base:
        context, page = _page(browser, 1280, 720)
        page.goto(f"{base}/meeting?on=2026-11-23")
        _ready(page)
        assert evil + "2" in page.locator("#m-hidden-list").inner_text()
        assert page.locator("#map img[src=x], #m-side img").count() == 0
        assert page.evaluate("window.pwned") is None
        assert "背景地図なし" in page.locator("#attribution").inner_text()
        assert page.errors == [] and all(urlparse(u).hostname == "127.0.0.1" for u in page.requests
                                         if u.startswith("http"))
        context.close()


SIZES = [(1920, 1080), (1280, 720), (1280, 800)]


def _visible_label_rects(page, map_id="#map"):
    """The names map.js's label manager shows (the others wait for a closer zoom)."""
    return page.evaluate("""sel => Array.from(document.querySelectorAll(sel + ' .map-label-shown .area-label'))
        .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.dataset.code]; })""",
                         map_id)


def _no_overlap(rects):
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not (a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5), (a, b)


def _outside_own_area(page, map_id="#map"):
    """Shown names whose centre is not inside their own area (none should be)."""
    return page.evaluate("""sel => {
      const m = document.querySelector(sel), box = m.getBoundingClientRect(), map = TsunagariMap.of(m).map;
      return [...m.querySelectorAll('.map-label-shown .area-label')].filter(e => {
        const r = e.getBoundingClientRect();
        const ll = map.containerPointToLatLng([(r.left + r.right) / 2 - box.left, (r.top + r.bottom) / 2 - box.top]);
        return window.meetingAreaAt(ll.lat, ll.lng) !== e.dataset.code;
      }).map(e => e.dataset.code);
    }""", map_id)


@pytest.mark.parametrize("width,height", SIZES)
def test_area_list_exports_legend_and_labels(browser, live_server, width, height):
    """The area list focuses an area by keyboard and by mouse; the exports are in view without
    opening 設定; the legend says whose coverage is shaded; area names never overlap on screen."""
    context, page = _page(browser, width, height)
    page.goto(live_server + "/meeting?on=2026-11-23&cov=salons")
    _ready(page)
    assert page.locator("#m-controls").is_hidden()
    for sel in ("#x-pdf-a4", "#x-pdf-a3", "#x-png", "#x-html", "#x-csv"):
        assert page.locator(sel).is_visible()
        _in_viewport(page, sel, width, height)
    assert page.locator("#legend-cov").inner_text() == "塗り分け：サロン・通いの場の充足度"
    buttons = page.locator("#area-list button")
    assert buttons.count() == 12
    rects = _visible_label_rects(page)
    assert len(rects) >= 6          # the rest appear when zooming in
    _no_overlap(rects)
    assert _outside_own_area(page) == []

    # keyboard: focus a button and press Enter
    page.locator("#area-list button", has_text="真弓小学校").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#m-profile:not([hidden])")
    _ready(page)
    assert page.locator("#p-name").inner_text() == "真弓小学校"
    assert page.locator("#area-list button[aria-pressed=true]").inner_text().startswith("真弓小学校")
    code = page.evaluate("() => window.meetingState.area")
    assert code and f"area={code}" in page.locator("#x-csv").get_attribute("href")
    _no_overlap(_visible_label_rects(page))
    assert "真弓小学校" in [r[4] and page.locator(f'#map .area-label[data-code="{r[4]}"]').inner_text().split("\n")[0]
                           for r in _visible_label_rects(page)]
    # mouse: another area
    page.locator("#area-list button", has_text="あすか野小学校").click()
    page.wait_for_function("() => document.getElementById('p-name').textContent === 'あすか野小学校'")
    _ready(page)
    assert page.locator("#m-focus-name").inner_text() == "あすか野小学校"
    # zooming in lets more names show, still none over another
    page.locator("#map .leaflet-control-zoom-in").click()
    page.wait_for_timeout(500)
    _no_overlap(_visible_label_rects(page))
    assert _outside_own_area(page) == []
    assert page.errors == [] and outside_requests(page) == []
    context.close()


def test_a_click_near_a_border_picks_the_area_it_lands_in(browser, live_server, shared_demo_url):
    """Focus 真弓小学校 (its outline is drawn 7 px wide), then click 2–3 px outside it: the area
    that PostGIS says contains that point gets the focus, not the thick outline's owner."""
    from sqlalchemy import create_engine, text

    engine = create_engine(shared_demo_url)
    context, page = _page(browser, 1280, 800)
    page.goto(live_server + "/meeting?on=2026-11-23")
    _ready(page)
    page.locator("#area-list button", has_text="真弓小学校").click()
    page.wait_for_selector("#m-profile:not([hidden])")
    _ready(page)
    page.wait_for_timeout(400)
    mayumi = page.evaluate("() => window.meetingState.area")
    # points just beside the focused outline (left and right of its vertices), in page pixels
    probes = page.evaluate("""() => {
        const m = document.getElementById('map'), box = m.getBoundingClientRect();
        const out = [];
        document.querySelectorAll('#map path.leaflet-interactive').forEach(p => {
            if (parseFloat(p.getAttribute('stroke-width')) < 6) return;
            const len = p.getTotalLength();
            for (let i = 0; i < 60; i++) {
                const q = p.getPointAtLength(len * i / 60);
                for (const dx of [-3, -2, 2, 3]) out.push([q.x + dx, q.y]);
            }
        });
        // overlay pane coordinates -> page coordinates
        const pane = document.querySelector('#map .leaflet-overlay-pane svg');
        const r = pane.getBoundingClientRect(), vb = pane.viewBox.baseVal;
        return out.map(([x, y]) => [r.left + (x - vb.x), r.top + (y - vb.y)])
                  .filter(([x, y]) => x > box.left + 60 && x < box.right - 60 && y > box.top + 60 && y < box.bottom - 60);
    }""")
    assert probes
    picked = None
    with engine.connect() as c:
        for x, y in probes:
            ll = page.evaluate("([x, y]) => { const m = document.getElementById('map').getBoundingClientRect();"
                               " const ll = window.meetingMap.containerPointToLatLng([x - m.left, y - m.top]);"
                               " return [ll.lat, ll.lng]; }", [x, y])
            code = c.execute(text("SELECT code FROM area WHERE kind = 'elementary' AND "
                                  "ST_Contains(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
                             {"lon": ll[1], "lat": ll[0]}).scalar()
            if code and code != mayumi:
                hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).tagName", [x, y])
                if hit.lower() == "path":
                    picked = (x, y, code)
                    break
    engine.dispose()
    assert picked, "no point beside the outline inside a neighbour"
    x, y, expected = picked
    page.mouse.click(x, y)
    page.wait_for_function("code => window.meetingState.area === code", arg=expected)
    _ready(page)
    assert page.locator("#area-list button[aria-pressed=true]").get_attribute("data-code") == expected
    assert page.errors == []
    context.close()


@pytest.mark.parametrize("width,height", SIZES)
def test_then_and_now_panel_fits(browser, live_server, width, height):
    """The comparison panel is in view with no page scroll, also with an area focused and 設定 open."""
    context, page = _page(browser, width, height)
    page.goto(live_server + "/meeting?on=2026-11-23&then=2025-04-01&cov=salons")
    _ready(page)
    page.locator("#area-list button", has_text="生駒北小中学校").click()
    page.wait_for_selector("#m-profile:not([hidden])")
    _ready(page)
    page.click("#m-toggle-controls")
    page.wait_for_timeout(300)
    for sel in ("#m-compare", "#box-then", "#box-now", "#attribution", "#x-pdf-a3"):
        _in_viewport(page, sel, width, height)
    side = page.locator("#m-side-scroll").bounding_box()
    cmp = page.locator("#m-compare").bounding_box()
    assert cmp["y"] >= side["y"] - 0.5 and cmp["y"] + cmp["height"] <= side["y"] + side["height"] + 0.5
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert page.evaluate("document.getElementById('m-side-scroll').scrollTop") == 0
    _no_overlap(_visible_label_rects(page, "#map-then"))
    assert page.errors == []
    context.close()


def test_english_area_kinds_and_legend(browser, live_server):
    context, page = _page(browser, 1280, 720)
    page.goto(live_server + "/meeting?on=2026-11-23&cov=kodomo_shokudo&lang=en")
    _ready(page)
    options = page.locator("#c-kind option").all_inner_texts()
    assert "Town blocks" in options and not any("_" in o for o in options)
    assert page.locator("#legend-cov").inner_text().startswith("Shading: coverage by ")
    assert page.locator("#m-areas-h").inner_text() == "Areas"
    # an area's profile in English: no Japanese counters (か所, 人) or brackets
    page.locator("#area-list button").first.click()
    page.wait_for_selector("#m-profile:not([hidden])")
    _ready(page)
    profile = page.locator("#m-profile").inner_text()
    assert re.search(r"\d[\d,]* people \(2020", page.locator("#p-pop").inner_text()), profile
    assert not re.search(r"か所|人|（", profile.replace(page.locator("#p-name").inner_text(), "")), profile
    context.close()
