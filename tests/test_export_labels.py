"""Labels never pile up (#15 items 5 and 6): the placer's own guarantees, and the demo city's A3
meeting map — frame filled, every area named with no name over another name or a numbered marker,
the numbered places listed by name beside the map; a focused area's CSV holds that area only."""
import csv
import datetime as dt
import io
import subprocess

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from geo.render import exports
from geo.render.labels import Box, Label, overlapping_pairs, place, ring_offsets
from geo.storage.models import Area
from helpers import make_app

ON = dt.date(2026, 11, 23)


def test_placer_moves_crowded_labels_apart_with_leaders_and_keeps_the_frame():
    frame = Box(0, 0, 200, 100)
    # ten labels that all want the same spot
    labs = [Label(key=i, anchor=(100, 50), size=(30, 12),
                  candidates=[(100 + dx, 50 + dy) for dx, dy in ring_offsets(14, rings=5)], leader_beyond=1)
            for i in range(10)]
    place(labs, frame=frame)
    boxes = [lab.box for lab in labs]
    assert all(b is not None for b in boxes)
    assert overlapping_pairs(boxes) == []
    assert all(b.inside(frame) for b in boxes)
    assert labs[0].at == (100, 50) and not labs[0].leader
    assert all(lab.leader for lab in labs[1:])
    # an obstacle is never covered; a label with no free candidate is left out, not piled on
    lone = Label(key="x", anchor=(10, 10), size=(20, 20), candidates=[(10, 10)])
    place([lone], frame=frame, obstacles=[Box(0, 0, 30, 30)])
    assert lone.at is None and lone.box is None


def test_leaders_do_not_run_under_other_labels():
    taken = [Box(40, -5, 50, 5)]
    lab = Label(key=1, anchor=(0, 0), size=(8, 8), candidates=[(0, 0), (60, 0), (0, 60)], leader_beyond=1)
    place([lab], placed=list(taken) + [Box(-4, -4, 4, 4)], clear_leaders=True)
    assert lab.at == (0, 60) and lab.leader       # (60, 0) would run its leader through the box at x 40..50
    assert Box(0, 0, 10, 10).crossed_by((-5, 5), (15, 5)) and not Box(0, 0, 10, 10).crossed_by((-5, 15), (15, 15))


def _data(url, paper_view):
    engine = create_engine(url)
    session = Session(engine)
    return engine, session, exports.gather(session, paper_view)


@pytest.fixture(scope="module")
def a3_city(shared_demo_url):
    engine = create_engine(shared_demo_url)
    with Session(engine) as s:
        data = exports.gather(s, exports.ExportView(kind="elementary", on_date=ON))
        fig = exports.render_figure(data, "A3")
        names = sorted(a["name"] for a in data.areas)
        listing = exports.numbered_places(data)
    engine.dispose()
    return fig, names, listing


def test_a3_city_map_names_every_area_with_no_label_over_another(a3_city):
    fig, names, listing = a3_city
    layout = fig.tsunagari_layout
    assert sorted(layout.area_labels) == names and layout.skipped == []
    assert "真弓小学校" in layout.area_labels and "あすか野小学校" in layout.area_labels
    boxes = list(layout.area_labels.values()) + list(layout.markers.values())
    assert len(layout.markers) == sum(1 for n, _ in listing if n is not None) == 70
    assert overlapping_pairs(boxes) == []
    assert all(b.inside(layout.frame) for b in boxes)
    # and the text actually drawn: area names and marker numbers, measured by the renderer
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    drawn = [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() in ("area-label", "place-number")]
    assert len(drawn) == 12 + 70
    assert overlapping_pairs([Box(b.x0, b.y0, b.x1, b.y1) for b in drawn]) == []


def test_a3_city_map_fills_its_frame_and_lists_the_places(a3_city):
    fig, _names, listing = a3_city
    layout = fig.tsunagari_layout
    page_w, page_h = fig.bbox.width, fig.bbox.height
    frame = layout.frame
    # the frame takes the page's height (title above, sources below) and hugs the city's shape
    assert (frame.y1 - frame.y0) / page_h > 0.7
    ax = fig.axes[0]
    import geopandas  # noqa: F401  (the areas' extent in the map's metric CRS)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert abs((x1 - x0) / (y1 - y0) - (frame.x1 - frame.x0) / (frame.y1 - frame.y0)) < 0.01
    assert layout.listed == len(listing) and layout.list_more == 0


def test_a3_pdf_lists_place_names_beside_their_numbers(shared_demo_url, tmp_path):
    client = make_app(shared_demo_url).test_client()
    r = client.get("/meeting/export.pdf?kind=elementary&on=2026-11-23&paper=A3")
    assert r.status_code == 200
    path = tmp_path / "a3.pdf"
    path.write_bytes(r.data)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "場所の一覧（番号は地図の番号）" in text
    rows = list(csv.reader(io.StringIO(client.get("/meeting/export.csv?kind=elementary&on=2026-11-23")
                                       .data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[-1] == "地図の番号"
    numbered = [(row[-1], row[1]) for row in body if row[-1]]
    assert len(numbered) == 70
    lines = {ln.strip() for ln in text.splitlines()}
    for number, name in numbered:
        # the number, then the name (cut with … when the column is narrow)
        assert any(ln.startswith(f"{number} {name[:6]}") for ln in lines), (number, name)


def test_focused_area_csv_holds_that_area_only(shared_demo_url):
    engine = create_engine(shared_demo_url)
    with engine.connect() as c:
        code, name = c.execute(select(Area.code, Area.name).where(Area.kind == "elementary",
                                                                  Area.name == "真弓小学校")).one()
    engine.dispose()
    client = make_app(shared_demo_url).test_client()
    whole = list(csv.reader(io.StringIO(client.get("/meeting/export.csv?kind=elementary&on=2026-11-23")
                                        .data.decode("utf-8-sig"))))[1:]
    r = client.get(f"/meeting/export.csv?kind=elementary&on=2026-11-23&area={code}")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert body and all(row[header.index("区域")] == name for row in body)
    assert len(body) == sum(1 for row in whole if row[2] == name) < len(whole)
    # numbered 1.. in the area's own list, as on the focused PDF's map
    assert [row[-1] for row in body if row[-1]] == [str(i) for i in range(1, len([r for r in body if r[-1]]) + 1)]
    en = list(csv.reader(io.StringIO(client.get(f"/meeting/export.csv?kind=elementary&on=2026-11-23&area={code}&lang=en")
                                     .data.decode("utf-8-sig"))))
    assert en[0][-1] == "Number on the map" and len(en) == len(rows)


def test_legend_names_the_area_kind_and_the_shaded_layer(shared_demo_url, tmp_path):
    client = make_app(shared_demo_url).test_client()
    for lang, kind_label, cov in (("ja", "町丁・字", "塗り分け：子ども食堂の充足度"),
                                  ("en", "Town blocks", "Shading: coverage by Children")):
        r = client.get(f"/meeting/export.pdf?kind=town_block&on=2026-11-23&cov=kodomo_shokudo&lang={lang}")
        path = tmp_path / f"tb-{lang}.pdf"
        path.write_bytes(r.data)
        text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert kind_label in text and "town_block" not in text
        assert cov in text.replace("\n", " "), text[:2000]
