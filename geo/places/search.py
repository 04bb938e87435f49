"""Resident search: filters, text search (address or place name), nearest places with their
next dates, the support branch responsible for a point, and the places of an area. No Flask.

Every location that leaves this module comes from `public_point` through geo/places/privacy.py:
distances are measured from the public point (so a blurred place's distance is blurred too)
and hidden places are never located, only listed by name.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.orm import Session

import layers
from geo.places import queries
from geo import clock
from geo.storage.models import AREA_KINDS, Area, Dataset, Place
from geo.places.privacy import public_feature, public_place
from geo.places.schedule import (WEEKDAYS_EN, format_date_ja,
                          format_next_en, format_next_ja, next_occurrences, open_bands)
from geo.vocab import Invalid, Msg, text

MAX_QUERY_CHARS = 100
# Areas small enough that listing a hidden place in them would say more than its public
# town name does: hidden places are only listed in coarser areas.
FINE_AREA_KINDS = ("town_block",)


@dataclass(frozen=True)
class Filters:
    """What a resident can narrow the search by (web.params.filters builds it from a request)."""
    layers: tuple[str, ...] = ()
    weekday: int | None = None          # Monday = 0
    band: str | None = None             # morning / afternoon / evening
    target: str | None = None           # one of TARGET_GROUPS
    free: bool = False
    no_reservation: bool = False
    consultation: bool = False

    def where(self):
        """The SQL part of the filter (everything but the time-of-day band)."""
        conds = []
        if self.layers:
            conds.append(Place.layer.in_(self.layers))
        if self.weekday is not None:
            # only structured recurring rules count, exactly as geo.places.schedule.open_bands
            conds.append(Place.schedule.contains({"structured": True, "rules": [{"weekdays": [self.weekday]}]}))
        if self.target:
            # a place for everyone (誰でも) welcomes every group
            conds.append(Place.target_groups.overlap([self.target, "誰でも"]))
        if self.free:
            conds.append(Place.free_of_charge.is_(True))
        if self.no_reservation:
            conds.append(Place.reservation_required.is_(False))
        if self.consultation:
            conds.append(Place.has_consultation.is_(True))
        return and_(*conds) if conds else None

    def accept(self, place: Place) -> bool:
        """The Python part: open in the chosen time band (on the chosen day, if any)."""
        if self.band is None:
            return True
        pairs = open_bands(place.schedule)
        return any(b == self.band and (self.weekday is None or wd == self.weekday) for wd, b in pairs)

    @property
    def needs_python(self) -> bool:
        return self.band is not None

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.layers:
            out["layer"] = ",".join(self.layers)
        if self.weekday is not None:
            out["day"] = str(self.weekday)
        if self.band:
            out["time"] = self.band
        if self.target:
            out["target"] = self.target
        for name in ("free", "no_reservation", "consultation"):
            if getattr(self, name):
                out[name] = "1"
        return out


# --------------------------------------------------------------------------- dates and results
def next_text(place: Place, today: dt.date, lang: str = "ja") -> str:
    return format_next_en(place.schedule, today) if lang == "en" else format_next_ja(place.schedule, today)


def next_dates(place: Place, today: dt.date, lang: str = "ja", n: int = 3) -> list[dict[str, Any]]:
    out = []
    for d, start, end in next_occurrences(place.schedule, today, n):
        times = f"{start or ''}–{end or ''}" if (start or end) else ""
        label = (f"{WEEKDAYS_EN[d.weekday()]} {d.isoformat()}" if lang == "en" else format_date_ja(d))
        out.append({"date": d.isoformat(), "start": start, "end": end, "label": f"{label} {times}".strip()})
    return out


def ask_directly(lang: str) -> str:
    return text("schedule.ask_directly", lang)


def _extra(place: Place, lang: str, today: dt.date, distance: float | None, dates: int) -> dict[str, Any]:
    layer = layers.get(place.layer)
    extra: dict[str, Any] = {"layer_name": layer.name(lang), "icon": layer.icon, "colour": layer.colour,
                             "next_text": next_text(place, today, lang)}
    if dates:
        extra["next_dates"] = next_dates(place, today, lang, dates)
    if distance is not None:
        metres = round(distance)
        extra.update(distance_m=metres, walk_min=queries.walking_minutes(metres))
    return extra


def result(place: Place, lang: str = "ja", today: dt.date | None = None, distance: float | None = None,
           dates: int = 0) -> dict[str, Any]:
    """A place as a resident sees it: public fields only, plus layer, next date, distance."""
    return public_place(place, lang, **_extra(place, lang, today or clock.today(), distance, dates))


def feature(place: Place, lang: str = "ja", today: dt.date | None = None, distance: float | None = None,
            dates: int = 0) -> dict[str, Any]:
    return public_feature(place, lang, **_extra(place, lang, today or clock.today(), distance, dates))


# --------------------------------------------------------------------------- spatial searches
def nearest(session: Session, lat: float, lon: float, filters: Filters = Filters(), limit: int = 10,
            lean: bool = False) -> list[tuple[Place, float]]:
    """Nearest places by public point, in metres, honouring every filter (lean: public-column rows)."""
    return queries.nearest_places(session, lat, lon, list(filters.layers) or None, limit, where=filters.where(),
                                  accept=filters.accept if filters.needs_python else None, lean=lean)


def in_bbox(session: Session, bbox: queries.BBox, filters: Filters = Filters(), limit: int = 5000,
            lean: bool = False) -> tuple[list[Place], bool]:
    """Places whose public point is in the box, and whether the list was cut at `limit`
    (lean: rows of the public columns instead of Place objects)."""
    if lean:
        where = filters.where()
        if not filters.needs_python:
            rows = queries.places_in_bbox_lean(session, bbox, where, limit + 1)
            return rows[:limit], len(rows) > limit
        rows = [p for p in queries.places_in_bbox_lean(session, bbox, where) if filters.accept(p)]
        return rows[:limit], len(rows) > limit
    q = select(Place).where(Place.public_point.is_not(None),
                            func.ST_Intersects(Place.public_point, bbox.envelope()), queries.active_on())
    where = filters.where()
    if where is not None:
        q = q.where(where)
    q = q.order_by(Place.id)
    if not filters.needs_python:
        rows = list(session.scalars(q.limit(limit + 1)))
        return rows[:limit], len(rows) > limit
    rows = [p for p in session.scalars(q) if filters.accept(p)]
    return rows[:limit], len(rows) > limit


@dataclass
class Origin:
    lat: float
    lon: float
    label: str
    kind: str                  # address / place / location
    level: str | None = None   # geocode level (街区 / 町丁目 / 大字) for addresses
    approximate: bool = False  # the address matched only roughly (e.g. town without 丁目)


@dataclass
class TextSearch:
    query: str
    origin: Origin | None = None
    matches: list[Place] = field(default_factory=list)   # places whose name matches
    reason: Msg | None = None                            # why nothing was found


def clean_query(text: str | None) -> str:
    s = unicodedata.normalize("NFKC", text or "").strip()
    s = re.sub(r"\s+", " ", s)
    if not s:
        raise Invalid("invalid.query_empty")
    if len(s) > MAX_QUERY_CHARS:
        raise Invalid("invalid.query_long", n=MAX_QUERY_CHARS)
    return s


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def places_named(session: Session, text: str, limit: int = 10) -> list[Place]:
    """Active places whose name or reading contains the text (ILIKE, wildcards escaped), both
    compared in NFKC form so '（架空）' and '(架空)', 'ｻﾛﾝ' and 'サロン' match each other."""
    pattern = _like(unicodedata.normalize("NFKC", text))
    compact = _like(unicodedata.normalize("NFKC", text).replace(" ", ""))

    def nfkc(col):
        return func.normalize(func.coalesce(col, ""), literal_column("NFKC"))

    q = (select(Place).where(queries.active_on(),
                             or_(nfkc(Place.name).ilike(pattern, escape="\\"),
                                 nfkc(Place.name_kana).ilike(pattern, escape="\\"),
                                 nfkc(Place.name).ilike(compact, escape="\\")))
         .order_by(func.length(Place.name), Place.id).limit(limit))
    return list(session.scalars(q))


def default_municipality(session: Session) -> str | None:
    """The municipality a bare town name ('元町1丁目') is looked up in: the one with most places."""
    row = session.execute(select(Place.municipality_code, func.count()).where(Place.municipality_code.is_not(None))
                          .group_by(Place.municipality_code).order_by(func.count().desc()).limit(1)).first()
    return row[0] if row else None


def search_text(session: Session, text: str, municipality_code: str | None = None) -> TextSearch:
    """Find where the resident means: an address (offline geocoder) or a place by name.

    A single located place whose name matches wins (a resident typing a place's name means
    that place); otherwise a geocoded address (街区/町丁目/大字) is the origin. Several name matches and no
    address: no origin, the matches are returned for the resident to choose from.
    """
    from geo.geocoding.gazetteer import geocoder_for

    query = clean_query(text)
    found = TextSearch(query=query, matches=places_named(session, query))
    code = municipality_code or default_municipality(session)
    geo = geocoder_for(session).geocode(query, municipality_code=code)
    located = [p for p in found.matches if p.public_point is not None]
    if len(located) == 1:
        loc = public_place(located[0])
        found.origin = Origin(lat=loc["lat"], lon=loc["lon"], label=located[0].name, kind="place")
    elif geo.ok:
        found.origin = Origin(lat=geo.lat, lon=geo.lon, label=geo.matched, kind="address", level=geo.level,
                              approximate=geo.needs_review)
    elif found.matches:
        found.reason = Msg("search.several_matches")
    else:
        found.reason = Msg("search.nothing_found")
    return found


def help_desk(session: Session, lat: float, lon: float) -> dict[str, Any] | None:
    """The support branch responsible for the point (its catchment covers it); if no catchment
    covers the point, the nearest place with a consultation desk. Public fields only."""
    for area in queries.areas_at(session, lat, lon, ["catchment"]):
        if area.place is not None and area.place.status == "active":
            return {"by": "catchment", "area": {"id": area.id, "name": area.name}, "place": area.place}
    near = queries.nearest_places(session, lat, lon, None, 1, where=Place.has_consultation.is_(True))
    if near:
        return {"by": "nearest", "area": None, "place": near[0][0], "distance": near[0][1]}
    return None


def areas_here(session: Session, lat: float, lon: float) -> list[Area]:
    """School districts and catchment at a point, for 'print the list of this area' links."""
    return queries.areas_at(session, lat, lon, ["elementary", "junior_high", "catchment"])


# --------------------------------------------------------------------------- areas and lists
def resolve_area(session: Session, spec: str | None) -> Area | None:
    """An area by id ('12') or by kind and code ('elementary:29209-03'). ValueError if malformed."""
    spec = (spec or "").strip()
    if spec.isdigit() and len(spec) < 10:
        return session.get(Area, int(spec))
    if ":" in spec:
        kind, code = spec.split(":", 1)
        if kind not in AREA_KINDS or not code or len(code) > 100:
            raise Invalid("invalid.area_spec", kinds=", ".join(AREA_KINDS))
        return session.scalar(select(Area).where(Area.kind == kind, Area.code == code))
    raise Invalid("invalid.area_spec", kinds=", ".join(AREA_KINDS))


def places_in_area(session: Session, area: Area, filters: Filters = Filters()) -> list[Place]:
    """Active places in an area, by layer order and name.

    Located places count by their public point (what the map shows). Hidden places have no
    public point; they are listed by name in coarse areas (school districts, catchments)
    using their true point internally — the list never shows a location, and they are left
    out of small areas (町丁) where membership would say more than their public town name.
    """
    geom = select(Area.geom).where(Area.id == area.id).scalar_subquery()
    located = and_(Place.public_point.is_not(None), func.ST_Intersects(geom, Place.public_point))
    cond = located
    if area.kind not in FINE_AREA_KINDS:
        cond = or_(located, and_(Place.public_point.is_(None), Place.point.is_not(None),
                                 func.ST_Intersects(geom, Place.point)))
    q = select(Place).where(queries.active_on(), cond)
    where = filters.where()
    if where is not None:
        q = q.where(where)
    order = {l.id: i for i, l in enumerate(layers.place_layers())}
    rows = [p for p in session.scalars(q) if filters.accept(p)]
    return sorted(rows, key=lambda p: (order.get(p.layer, 99), p.name_kana or p.name, p.id))


def list_choices(session: Session) -> dict[str, list[Area]]:
    """Areas a printed list can be made for, by kind."""
    out: dict[str, list[Area]] = {}
    for kind in ("elementary", "junior_high", "catchment"):
        out[kind] = list(session.scalars(select(Area).where(Area.kind == kind).order_by(Area.code)))
    return out


def source_of(session: Session, place: Place) -> dict[str, Any] | None:
    """The dataset a place comes from: name, attribution, licence, fictional."""
    if place.dataset_id is None:
        return None
    d = session.get(Dataset, place.dataset_id)
    if d is None:
        return None
    return {"name": d.name, "attribution": d.attribution, "licence": d.licence, "fictional": d.fictional}


def updated_label(place: Place, lang: str = "ja") -> str | None:
    if place.updated_at is None:
        return None
    d = place.updated_at.date()
    return d.isoformat() if lang == "en" else format_date_ja(d)
