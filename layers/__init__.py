"""Map layers: one small declarative module per layer. Adding a layer = adding a file here.

Each module defines `LAYER = PlaceLayer(...)` or `LAYER = AreaLayer(...)`. The registry
imports every module in this package (no list to keep in sync). A layer owns everything that
differs between layers: its names, marker (shape and colours), walking radius, target population,
coverage thresholds, defaults for imported places (target groups, 相談窓口, precision), and
whether it is the layer pages open on. Nothing outside this package special-cases a layer id.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache


MARKER_SHAPES = ("circle", "square", "diamond", "triangle", "hexagon")
GENERIC_THRESHOLDS = {"min_places": 1, "min_covered_share": 0.5, "min_per_1000": None}


@dataclass(frozen=True)
class PlaceLayer:
    id: str
    name_ja: str
    name_en: str
    colour: str                  # fill colour (Okabe–Ito palette: safe for colour-blind viewers)
    icon: str                    # a short glyph drawn in the marker and the legend
    target_population: str       # 'age_65_over' | 'age_0_14' | 'total' (vocabulary "target_population")
    walking_radius_m: int
    # marker: a shape (circle / square / diamond / triangle / hexagon) so layers differ by more than
    # colour, and the fill behind white glyphs on the resident map (dark enough for 4.5:1 contrast)
    marker_shape: str = "circle"
    marker_colour: str = ""      # defaults to `colour`
    # coverage: 充足 needs min_places places, min_covered_share of the people within walking radius
    # and (when set and the target population is known) min_per_1000 (docs/coverage.md)
    coverage_thresholds: dict = field(default_factory=lambda: dict(GENERIC_THRESHOLDS))
    # given to imported places that say nothing about them
    default_precision: str = "exact"   # exact / approximate / hidden
    default_target_groups: tuple[str, ...] = ()
    has_consultation: bool = False     # a place of this layer is a 相談窓口
    default: bool = False              # the layer pages open on (coverage)
    popup_fields: tuple[str, ...] = ("schedule_text", "address", "operator", "fees", "phone")
    order: int = 100
    kind: str = field(default="place", init=False)

    def name(self, lang: str = "ja") -> str:
        return self.name_en if lang == "en" else self.name_ja

    @property
    def fill(self) -> str:
        """The marker fill behind white glyphs."""
        return self.marker_colour or self.colour

    def thresholds(self) -> dict:
        return {**GENERIC_THRESHOLDS, **self.coverage_thresholds}


@dataclass(frozen=True)
class AreaLayer:
    id: str                      # equals the area kind it draws
    name_ja: str
    name_en: str
    colour: str
    weight: int = 2
    dash: str | None = None
    show_labels: bool = True
    order: int = 200
    kind: str = field(default="area", init=False)

    def name(self, lang: str = "ja") -> str:
        return self.name_en if lang == "en" else self.name_ja


@lru_cache(maxsize=1)
def registry() -> dict[str, PlaceLayer | AreaLayer]:
    found: dict[str, PlaceLayer | AreaLayer] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        layer = getattr(module, "LAYER", None)
        if layer is None:
            continue
        if layer.id in found:
            raise ValueError(f"duplicate layer id {layer.id!r} in layers/{info.name}.py")
        found[layer.id] = layer
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def place_layers() -> list[PlaceLayer]:
    return [layer for layer in registry().values() if isinstance(layer, PlaceLayer)]


def area_layers() -> list[AreaLayer]:
    return [layer for layer in registry().values() if isinstance(layer, AreaLayer)]


def default_place_layer() -> PlaceLayer:
    """The layer pages open on: the one marked `default=True`, else the first."""
    found = place_layers()
    return next((layer for layer in found if layer.default), found[0])


def get(layer_id: str) -> PlaceLayer | AreaLayer:
    try:
        return registry()[layer_id]
    except KeyError:
        raise KeyError(f"unknown layer: {layer_id}") from None
