import csv
import io
import json
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

import layers


def test_registry_lists_every_layer_module():
    reg = layers.registry()
    assert list(reg) == ["salons", "engawa", "kodomo_shokudo", "support_branches", "elementary", "junior_high"]
    assert [l.id for l in layers.place_layers()] == ["salons", "engawa", "kodomo_shokudo", "support_branches"]
    assert [l.id for l in layers.area_layers()] == ["elementary", "junior_high"]


def test_layers_declare_what_the_map_and_coverage_need():
    for layer in layers.place_layers():
        assert layer.name_ja and layer.name_en and layer.name("en") == layer.name_en
        assert layer.colour.startswith("#") and len(layer.colour) == 7
        assert layer.icon and layer.popup_fields
        assert layer.target_population in ("age_65_over", "age_0_14", "total")
        assert 200 <= layer.walking_radius_m <= 3000
        assert layer.default_precision in ("exact", "approximate", "hidden")
        assert layer.marker_shape in layers.MARKER_SHAPES and layer.fill.startswith("#")
        assert set(layer.thresholds()) == {"min_places", "min_covered_share", "min_per_1000"}
    # layers differ by shape, not colour alone
    assert len({l.marker_shape for l in layers.place_layers()}) == len(layers.place_layers())
    assert layers.default_place_layer().id == "kodomo_shokudo"
    assert layers.get("support_branches").has_consultation and not layers.get("salons").has_consultation
    assert layers.get("salons").thresholds()["min_places"] == 2
    assert layers.get("kodomo_shokudo").target_population == "age_0_14"
    assert layers.get("salons").target_population == "age_65_over"
    assert layers.get("support_branches").target_population == "total"
    assert layers.get("engawa").default_precision == "approximate"


def test_unknown_layer_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown layer"):
        layers.get("nope")


NEW_LAYER = """
from layers import PlaceLayer

LAYER = PlaceLayer(
    id="ninchisho_cafe", name_ja="認知症カフェ", name_en="Dementia cafes", colour="#CC79A7", icon="カ",
    target_population="age_65_over", walking_radius_m=700, marker_shape="hexagon",
    coverage_thresholds={"min_places": 1, "min_covered_share": 0.3, "min_per_1000": None},
    default_target_groups=("高齢者",), order=50,
)
"""


@pytest.fixture
def extra_layer():
    """A layer added the way a developer adds one: one new file in layers/."""
    path = Path(layers.__file__).parent / "ninchisho_cafe.py"
    path.write_text(NEW_LAYER, encoding="utf-8")
    layers.registry.cache_clear()
    try:
        yield "ninchisho_cafe"
    finally:
        path.unlink()
        sys.modules.pop("layers.ninchisho_cafe", None)
        layers.registry.cache_clear()


def test_adding_a_layer_is_adding_a_file(extra_layer, demo_db_url, session_for, demo_client):
    from geo import vocab

    assert [l.id for l in layers.place_layers()][-1] == extra_layer
    assert vocab.label("layer", extra_layer, "en") == "Dementia cafes"
    assert layers.get(extra_layer).thresholds()["min_covered_share"] == 0.3
    s = session_for(demo_db_url)
    lat, lon = s.execute(text("SELECT ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom)) FROM area "
                              "WHERE kind = 'elementary' ORDER BY code LIMIT 1")).one()
    s.execute(text("INSERT INTO place (layer, name, point, precision, status, fictional, target_groups) VALUES "
                   "(:layer, 'オレンジカフェ（架空）', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'exact', 'active', "
                   "true, ARRAY['高齢者'])"), {"layer": extra_layer, "lat": lat, "lon": lon})
    s.commit()

    # on the map: in the page's layer config, with its own marker style, and from the API
    page = demo_client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', page, re.S).group(1))
    mine = next(l for l in config["place_layers"] if l["id"] == extra_layer)
    assert mine["name"] == "認知症カフェ" and mine["shape"] == "hexagon" and mine["colour"] == "#CC79A7"
    assert ".pm-ninchisho_cafe {" in page and 'value="ninchisho_cafe"' in page
    api = demo_client.get(f"/api/places?near={lat},{lon}&layer={extra_layer}").get_json()
    assert [f["properties"]["name"] for f in api["features"]] == ["オレンジカフェ（架空）"]

    # in coverage: its own thresholds and walking radius, one area covered
    cov = demo_client.get(f"/coverage?layer={extra_layer}&kind=elementary")
    body = cov.get_data(as_text=True)
    assert cov.status_code == 200 and "認知症カフェ" in body and "700m" in body
    rows = list(csv.reader(io.StringIO(demo_client.get(f"/coverage.csv?layer={extra_layer}&kind=elementary")
                                       .get_data().decode("utf-8-sig"))))
    classes = [r[6] for r in rows[1:] if r and r[0].isdigit()]
    assert classes.count("none") == len(classes) - 1 and set(classes) - {"none"} <= {"thin", "covered"}

    # in the meeting exports
    q = f"layers={extra_layer}&kind=elementary"
    listed = demo_client.get(f"/meeting/export.csv?{q}").get_data().decode("utf-8-sig")
    assert "オレンジカフェ（架空）" in listed and "認知症カフェ" in listed
    html = demo_client.get(f"/meeting/export.html?{q}&lang=en").get_data(as_text=True)
    assert "Dementia cafes" in html and "pm-hexagon" in html
    pdf = demo_client.get(f"/meeting/export.pdf?{q}&paper=A4")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
