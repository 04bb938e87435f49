import importlib
import sys
import textwrap

import pytest

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
    assert layers.get("kodomo_shokudo").target_population == "age_0_14"
    assert layers.get("salons").target_population == "age_65_over"
    assert layers.get("support_branches").target_population == "total"
    assert layers.get("engawa").default_precision == "approximate"


def test_unknown_layer_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown layer"):
        layers.get("nope")


def test_adding_a_layer_is_adding_a_file(tmp_path, monkeypatch):
    pkg_dir = tmp_path / "layers_copy"
    pkg_dir.mkdir()
    import shutil
    from pathlib import Path
    src = Path(layers.__file__).parent
    for f in src.glob("*.py"):
        shutil.copy(f, pkg_dir / f.name)
    (pkg_dir / "cafes.py").write_text(textwrap.dedent('''
        from layers_copy import PlaceLayer
        LAYER = PlaceLayer(id="cafes", name_ja="認知症カフェ", name_en="Dementia cafes", colour="#CC79A7",
                           icon="カ", target_population="age_65_over", target_label_ja="65歳以上",
                           walking_radius_m=800, order=50)
    '''))
    for f in pkg_dir.glob("*.py"):
        f.write_text(f.read_text().replace("from layers import", "from layers_copy import"))
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module("layers_copy")
    try:
        assert "cafes" in mod.registry()
        assert [l.id for l in mod.place_layers()][-1] == "cafes"
    finally:
        for name in [n for n in sys.modules if n.startswith("layers_copy")]:
            del sys.modules[name]
