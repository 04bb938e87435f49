"""The municipalities one instance serves, and each one's stored settings. No Flask.

A prefecture's 社協 or a wide-area union runs one instance for several municipalities. A
municipality is served when it has places or areas in the database, or a stored setting
(`municipality_setting`). Its settings — which area kinds it uses (the first is the default)
and its coverage thresholds per place layer — are rows in the database, set with
`tsunagari municipality set`; a municipality with no stored setting uses the area kinds it has
data for and each layer's own thresholds (layers/).

    served_municipalities(session)             -> [Served(code='29209', name='生駒市', ...)]
    settings_for(session, '292095')            -> Served(..., area_kinds=('elementary', ...))
    thresholds_for(session, '29209', 'salons') -> {'min_places': 2, ...}
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.geocoding.municipalities import parse_code, registry
from geo.storage.models import AREA_KINDS, Area, MunicipalitySetting, Place
from geo.vocab import Invalid


@dataclass
class Served:
    code: str                               # 5 digits
    pref: str
    name: str
    places: int = 0
    areas: int = 0
    area_kinds: tuple[str, ...] = ()        # in order; the first is the default
    thresholds: dict[str, dict] = field(default_factory=dict)   # stored per layer (partial)
    stored: bool = False                    # has a municipality_setting row
    title: str | None = None

    @property
    def code6(self) -> str:
        from geo.geocoding.municipalities import check_digit

        return self.code + check_digit(self.code)

    @property
    def label(self) -> str:
        return self.title or self.name


def _code(code: str | None) -> str:
    c, problem = parse_code(code)
    if c is None:
        raise Invalid("served.code_invalid", value=str(code or "")[:20])
    if problem:
        raise Invalid("served.code_check_digit", value=str(code)[:20], right=c + _check(c))
    return c


def _check(c: str) -> str:
    from geo.geocoding.municipalities import check_digit

    return check_digit(c)


def _counts(session: Session) -> tuple[dict[str, int], dict[str, int], dict[str, list[str]]]:
    places = {str(c)[:5]: n for c, n in session.execute(
        select(Place.municipality_code, func.count()).where(Place.municipality_code.is_not(None))
        .group_by(Place.municipality_code))}
    areas: dict[str, int] = {}
    kinds: dict[str, list[str]] = {}
    for c, kind, n in session.execute(
            select(Area.municipality_code, Area.kind, func.count()).where(Area.municipality_code.is_not(None))
            .group_by(Area.municipality_code, Area.kind)):
        c = str(c)[:5]
        areas[c] = areas.get(c, 0) + n
        kinds.setdefault(c, []).append(kind)
    return places, areas, kinds


def _ordered_kinds(kinds) -> tuple[str, ...]:
    return tuple(k for k in AREA_KINDS if k in set(kinds))


def _served(code: str, setting: MunicipalitySetting | None, places: int, areas: int, kinds: list[str]) -> Served:
    m = registry().get(code)
    pref, name = (m.pref, m.name) if m is not None else ("", code)
    stored_kinds = tuple(setting.area_kinds or ()) if setting is not None else ()
    return Served(code=code, pref=pref, name=name, places=places, areas=areas,
                  area_kinds=stored_kinds or _ordered_kinds(kinds),
                  thresholds=dict(setting.thresholds or {}) if setting is not None else {},
                  stored=setting is not None, title=setting.title if setting is not None else None)


def display_name(code: str | None) -> str:
    """「奈良県生駒市」 for a municipality code (5 or 6 digits); the code itself when unknown."""
    m = registry().get(code) if code else None
    return f"{m.pref}{m.name}" if m is not None else (code or "")


def served_municipalities(session: Session) -> list[Served]:
    """Every municipality served: stored ones in their order, then the others by places."""
    places, areas, kinds = _counts(session)
    settings = {s.code: s for s in session.scalars(select(MunicipalitySetting))}
    codes = set(places) | set(areas) | set(settings)
    out = [_served(c, settings.get(c), places.get(c, 0), areas.get(c, 0), kinds.get(c, [])) for c in codes]
    out.sort(key=lambda s: (not s.stored, settings[s.code].sort_order if s.stored else 0, -s.places, -s.areas, s.code))
    return out


def settings_for(session: Session, code: str | None) -> Served:
    """One municipality's settings (stored, or the defaults from its data). Invalid if the code is
    not a municipality of Japan."""
    c = _code(code)
    if registry().get(c) is None:
        raise Invalid("served.code_unknown", value=c)
    places, areas, kinds = _counts(session)
    return _served(c, session.get(MunicipalitySetting, c), places.get(c, 0), areas.get(c, 0), kinds.get(c, []))


def thresholds_for(session: Session, code: str | None, layer_id: str) -> dict:
    """The stored coverage thresholds of one municipality for one layer (may be partial; empty
    when none are stored): pass them to geo.analysis.coverage.normalise_thresholds."""
    if not code:
        return {}
    c, _ = parse_code(code)
    s = session.get(MunicipalitySetting, c) if c else None
    return dict((s.thresholds or {}).get(layer_id, {})) if s is not None else {}


def save_settings(session: Session, code: str, *, area_kinds: list[str] | None = None,
                  thresholds: dict[str, dict] | None = None, title: str | None = None,
                  sort_order: int | None = None) -> Served:
    """Store a municipality's settings (validated: known area kinds, known layers, thresholds the
    coverage module accepts). Values not given are kept."""
    import layers
    from geo.analysis.coverage import normalise_thresholds

    c = _code(code)
    if registry().get(c) is None:
        raise Invalid("served.code_unknown", value=c)
    s = session.get(MunicipalitySetting, c)
    if s is None:
        s = MunicipalitySetting(code=c, area_kinds=[], thresholds={}, sort_order=0)
        session.add(s)
    if area_kinds is not None:
        unknown = [k for k in area_kinds if k not in AREA_KINDS]
        if unknown:
            raise Invalid("served.area_kind_unknown", kinds=", ".join(unknown)[:80], known=", ".join(AREA_KINDS))
        s.area_kinds = list(dict.fromkeys(area_kinds))
    if thresholds is not None:
        place_ids = {l.id for l in layers.place_layers()}
        merged = {k: dict(v) for k, v in (s.thresholds or {}).items()}
        for layer_id, values in thresholds.items():
            if layer_id not in place_ids:
                raise Invalid("served.layer_unknown", layer=str(layer_id)[:40], known=", ".join(sorted(place_ids)))
            row = {**merged.get(layer_id, {}), **values}
            normalise_thresholds(layer_id, row)       # raises Invalid for a bad name or value
            merged[layer_id] = row
        s.thresholds = merged
    if title is not None:
        s.title = title.strip()[:60] or None
    if sort_order is not None:
        s.sort_order = int(sort_order)
    session.flush()
    return settings_for(session, c)


def delete_settings(session: Session, code: str) -> bool:
    s = session.get(MunicipalitySetting, _code(code))
    if s is None:
        return False
    session.delete(s)
    session.flush()
    return True


def apply_thresholds(session: Session, results: list, layer_id: str, given: dict | None = None) -> list:
    """Classify coverage results (geo.analysis.coverage.AreaCoverage) with each area's own
    municipality's stored thresholds, `given` (a coordinator's values for this view) on top:
    a view over several municipalities judges each area by its own municipality's settings."""
    from geo.analysis.coverage import classify, normalise_thresholds

    by_code: dict[str, dict] = {}
    for c in results:
        code = (c.municipality_code or "")[:5]
        th = by_code.get(code)
        if th is None:
            th = by_code[code] = normalise_thresholds(
                layer_id, {**thresholds_for(session, code, layer_id), **(given or {})})
        classify(c, th)
    return results
