"""Map layers: one small declarative module per layer. Adding a layer = adding a file here.

Each module defines `LAYER = PlaceLayer(...)` or `LAYER = AreaLayer(...)`. The registry
imports every module in this package (no list to keep in sync).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class PlaceLayer:
    id: str
    name_ja: str
    name_en: str
    colour: str                  # fill colour (Okabe–Ito palette: safe for colour-blind viewers)
    icon: str                    # a short glyph drawn in the marker and the legend
    target_population: str       # 'age_65_over' | 'age_0_14' | 'total'
    target_label_ja: str
    walking_radius_m: int
    default_precision: str = "exact"   # exact / approximate / hidden
    default_target_groups: tuple[str, ...] = ()
    popup_fields: tuple[str, ...] = ("schedule_text", "address", "operator", "fees", "phone")
    order: int = 100
    kind: str = field(default="place", init=False)

    def name(self, lang: str = "ja") -> str:
        return self.name_en if lang == "en" else self.name_ja


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


def get(layer_id: str) -> PlaceLayer | AreaLayer:
    try:
        return registry()[layer_id]
    except KeyError:
        raise KeyError(f"レイヤーがありません (unknown layer): {layer_id}") from None
