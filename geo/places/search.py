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
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, false, func, literal_column, or_, select
from sqlalchemy.orm import Session

import layers
from geo.places import queries
from geo import clock
from geo.storage.models import AREA_KINDS, Area, Dataset, Place
from geo.geocoding.municipalities import kana_key
from geo.places.privacy import public_feature, public_place
from geo.places.schedule import (WEEKDAYS_EN, format_date_ja, format_next,
                                 next_occurrences, occurrence_on, bands_of, open_bands)
from geo.vocab import Invalid, Msg, text

MAX_QUERY_CHARS = 100
# How far a place may be and still be "near" a resident's search: beyond this the search
# says there is nothing near instead of listing places in another town (or prefecture).
NEAR_RADIUS_M = 20_000
# Areas small enough that listing a hidden place in them would say more than its public
# town name does: hidden places are only listed in coarser areas.
FINE_AREA_KINDS = ("town_block",)


# Day groups a resident can pick instead of one weekday (Monday = 0).
DAY_GROUPS: dict[str, tuple[int, ...]] = {"weekdays": (0, 1, 2, 3, 4), "weekend": (5, 6)}
# Dates a resident can pick by name; resolved against Japan's today (geo.clock) when asked.
DATE_CHOICES = ("today", "tomorrow", "sat", "sun")


def resolve_date(choice: str, today: dt.date | None = None) -> dt.date:
    """'today', 'tomorrow', 'sat' / 'sun' (this week's: the coming one, today if it is that day)."""
    today = today or clock.today()
    if choice == "today":
        return today
    if choice == "tomorrow":
        return today + dt.timedelta(days=1)
    target = {"sat": 5, "sun": 6}[choice]
    return today + dt.timedelta(days=(target - today.weekday()) % 7)


@dataclass(frozen=True)
class Filters:
    """What a resident can narrow the search by (web.params.filters builds it from a request).

    `weekday` one day of the week; `days` a group of them ("weekdays" 平日, "weekend" 土日);
    `on` one date: only places that meet that very day (an nth-weekday rule, an explicit date,
    holidays and 年末年始 skipped as the schedule says). A band narrows any of them to its hours.
    """
    layers: tuple[str, ...] = ()
    weekday: int | None = None          # Monday = 0
    band: str | None = None             # morning / afternoon / evening
    target: str | None = None           # one of TARGET_GROUPS
    free: bool = False
    no_reservation: bool = False
    consultation: bool = False
    days: str | None = None             # a key of DAY_GROUPS
    on: dt.date | None = None           # a chosen date
    on_choice: str | None = None        # how it was chosen (a DATE_CHOICES code), kept in links

    @property
    def weekdays(self) -> tuple[int, ...] | None:
        """The weekdays asked for (None: any); a date's own weekday is not included here."""
        sets = []
        if self.weekday is not None:
            sets.append({self.weekday})
        if self.days:
            sets.append(set(DAY_GROUPS[self.days]))
        if not sets:
            return None
        return tuple(sorted(set.intersection(*sets)))

    def without_date(self) -> "Filters":
        return replace(self, on=None, on_choice=None)

    def where(self):
        """The SQL part of the filter (everything but the time-of-day band and the exact date)."""
        conds = []
        if self.layers:
            conds.append(Place.layer.in_(self.layers))
        wanted = self.weekdays
        if wanted is not None:
            # only structured recurring rules count, exactly as geo.places.schedule.open_bands
            conds.append(or_(false(), *[Place.schedule.contains({"structured": True, "rules": [{"weekdays": [wd]}]})
                                        for wd in wanted]))
        if self.on is not None:
            # a rule on that weekday or the explicit date; occurrence_on decides in Python
            conds.append(or_(Place.schedule.contains({"structured": True, "rules": [{"weekdays": [self.on.weekday()]}]}),
                             Place.schedule.contains({"structured": True, "dates": [self.on.isoformat()]})))
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
        """The Python part: meets on the chosen date; open in the chosen band (on the chosen days)."""
        if self.on is not None:
            times = occurrence_on(place.schedule, self.on)
            if times is None:
                return False
            if self.band is not None and self.band not in bands_of(*times):
                return False
            return True
        if self.band is None:
            return True
        wanted = self.weekdays
        pairs = open_bands(place.schedule)
        return any(b == self.band and (wanted is None or wd in wanted) for wd, b in pairs)

    @property
    def needs_python(self) -> bool:
        return self.band is not None or self.on is not None

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.layers:
            out["layer"] = ",".join(self.layers)
        if self.weekday is not None:
            out["day"] = str(self.weekday)
        elif self.days:
            out["day"] = self.days
        if self.on is not None:
            out["date"] = self.on_choice or self.on.isoformat()
        if self.band:
            out["time"] = self.band
        if self.target:
            out["target"] = self.target
        for name in ("free", "no_reservation", "consultation"):
            if getattr(self, name):
                out[name] = "1"
        return out


def next_meeting_after(places: list[Place], day: dt.date, band: str | None = None) -> dt.date | None:
    """The first date after `day` on which any of `places` meets (in `band`, if given)."""
    best = None
    for place in places:
        for d, start, end in next_occurrences(place.schedule, day + dt.timedelta(days=1), 8):
            if best is not None and d >= best:
                break
            if band is None or band in bands_of(start, end):
                best = d
                break
    return best


@dataclass(frozen=True)
class DateNote:
    """What a resident is told about a chosen date: code "search.date_none" when no place
    meets that day, with the next date one does (`next`, or None: "search.date_none_no_next")."""
    code: str
    day: dt.date
    next: dt.date | None = None


def date_note(session: Session, lat: float, lon: float, filters: Filters, found: int, reach: int = 50
              ) -> DateNote | None:
    """When a date was chosen and nothing meets that day near the point: the next date one of
    the `reach` nearest places that pass every other filter meets."""
    if filters.on is None or found:
        return None
    others = [p for p, _ in nearest(session, lat, lon, filters.without_date(), reach)]
    nxt = next_meeting_after(others, filters.on, filters.band)
    return DateNote("search.date_none" if nxt else "search.date_none_no_next", filters.on, nxt)


# --------------------------------------------------------------------------- dates and results
def next_text(place: Place, today: dt.date, lang: str = "ja") -> str:
    return format_next(place.schedule, today, lang)


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
            within_m: float | None = NEAR_RADIUS_M, lean: bool = False) -> list[tuple[Place, float]]:
    """Nearest places by public point, in metres, honouring every filter; none farther than
    `within_m` (a search in another town lists nothing rather than places hundreds of km away).
    lean: rows of the public columns instead of Place objects."""
    rows = queries.nearest_places(session, lat, lon, list(filters.layers) or None, limit, where=filters.where(),
                                  accept=filters.accept if filters.needs_python else None, lean=lean)
    if within_m is not None:
        rows = [(p, d) for p, d in rows if d <= within_m]
    return rows


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
    kind: str                  # address / place / location / postcode / town
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
    compared in NFKC form so '（架空）' and '(架空)', 'ｻﾛﾝ' and 'サロン' match each other; a
    reading typed in hiragana finds the katakana one ('いきいき' -> 'イキイキ')."""
    pattern = _like(unicodedata.normalize("NFKC", text))
    compact = _like(unicodedata.normalize("NFKC", text).replace(" ", ""))
    reading = _like(kana_key(text))

    def nfkc(col):
        return func.normalize(func.coalesce(col, ""), literal_column("NFKC"))

    q = (select(Place).where(queries.active_on(),
                             or_(nfkc(Place.name).ilike(pattern, escape="\\"),
                                 nfkc(Place.name_kana).ilike(pattern, escape="\\"),
                                 nfkc(Place.name_kana).ilike(reading, escape="\\"),
                                 nfkc(Place.name).ilike(compact, escape="\\")))
         .order_by(func.length(Place.name), Place.id).limit(limit))
    return list(session.scalars(q))


def default_municipality(session: Session) -> str | None:
    """The municipality a bare town name ('元町1丁目') is looked up in: the one with most places."""
    row = session.execute(select(Place.municipality_code, func.count()).where(Place.municipality_code.is_not(None))
                          .group_by(Place.municipality_code).order_by(func.count().desc()).limit(1)).first()
    return row[0] if row else None


def served_municipalities(session: Session) -> list[str]:
    """5-digit codes of the municipalities this instance has places in, most places first."""
    rows = session.execute(select(Place.municipality_code, func.count()).where(Place.municipality_code.is_not(None))
                           .group_by(Place.municipality_code).order_by(func.count().desc())).all()
    return [c[:5] for c, _ in rows]


_POSTCODE_QUERY = re.compile(r"^(?:〒|郵便番号)?\s*(\d{3})\s*-?\s*(\d{4})$")
_KANA_QUERY = re.compile(r"^([ぁ-ゖァ-ヺー・]+)\s*([\d\-丁目番地号の ]*)$")


def _address_origin(geocoded, kind: str = "address", label: str | None = None) -> Origin | None:
    if not geocoded.ok or geocoded.level not in ("街区", "町丁目", "大字"):
        return None
    return Origin(lat=geocoded.lat, lon=geocoded.lon, label=label or geocoded.matched, kind=kind,
                  level=geocoded.level, approximate=geocoded.needs_review)


def _postcode_origin(geocoder, query: str) -> tuple[Origin | None, str | None]:
    """(origin, the postcode as written 630-0257) for a query that is a postcode."""
    m = _POSTCODE_QUERY.match(query)
    if not m:
        return None, None
    pc = f"{m.group(1)}-{m.group(2)}"
    for t in geocoder.registry.postcode(m.group(1) + m.group(2)):
        if not t.town:
            continue
        g = geocoder.geocode(t.pref + t.city + t.town)
        origin = _address_origin(g, "postcode", f"〒{pc} {t.pref}{t.city}{t.town}")
        if origin is not None:
            return origin, pc
    return None, pc


def _town_reading_origin(geocoder, query: str, served: list[str]) -> Origin | None:
    """A town typed by its reading ('もとまち', 'モトマチ1丁目') in a municipality this instance
    serves (or, when only one town in Japan reads so, that one)."""
    m = _KANA_QUERY.match(query)
    if not m:
        return None
    towns = geocoder.registry.towns_read(m.group(1))
    rank = {c: i for i, c in enumerate(served)}
    mine = sorted((t for t in towns if t.code in rank), key=lambda t: rank[t.code])
    if not mine and len({(t.code, t.town) for t in towns}) == 1:
        mine = towns
    for t in mine:
        g = geocoder.geocode(t.pref + t.city + t.town + m.group(2).replace(" ", ""))
        origin = _address_origin(g, "town")
        if origin is not None:
            return origin
    return None


def search_text(session: Session, text: str, municipality_code: str | None = None) -> TextSearch:
    """Find where the resident means: a place by name, an address anywhere in Japan (offline
    geocoder), a postcode (〒630-0257, 6300257) or a town by its reading (もとまち).

    A single located place whose name matches wins (a resident typing a place's name means
    that place); otherwise a postcode, a geocoded address (街区/町丁目/大字) or a town reading
    in a municipality this instance serves is the origin. Several name matches and no
    address: no origin, the matches are returned for the resident to choose from.
    """
    from geo.geocoding.gazetteer import geocoder_for

    query = clean_query(text)
    found = TextSearch(query=query, matches=places_named(session, query))
    located = [p for p in found.matches if p.public_point is not None]
    if len(located) == 1:
        loc = public_place(located[0])
        found.origin = Origin(lat=loc["lat"], lon=loc["lon"], label=located[0].name, kind="place")
        return found
    geocoder = geocoder_for(session)
    served = served_municipalities(session)
    code = municipality_code or (served[0] if served else None)
    origin, postcode = _postcode_origin(geocoder, query)
    if origin is None and postcode is None:
        origin = _address_origin(geocoder.geocode(query, municipality_code=code))
        if origin is None:
            origin = _town_reading_origin(geocoder, query, ([code[:5]] if code else []) + served)
    found.origin = origin
    if origin is not None:
        return found
    if postcode is not None and not found.matches:
        found.reason = Msg("search.postcode_unknown", {"postcode": postcode})
    elif found.matches:
        found.reason = Msg("search.several_matches")
    else:
        found.reason = Msg("search.nothing_found")
    return found


def nothing_near(session: Session, lat: float, lon: float, within_m: float = NEAR_RADIUS_M) -> bool:
    """Whether no located place at all (whatever the filters) is within `within_m` of the point."""
    near = queries.nearest_places(session, lat, lon, None, 1)
    return not near or near[0][1] > within_m


def help_desk(session: Session, lat: float, lon: float, areas: list[Area] | None = None) -> dict[str, Any] | None:
    """The support branch responsible for the point (its catchment covers it); if no catchment
    covers the point, the nearest place with a consultation desk (a row of the public columns).
    Public fields only. `areas`: the areas at the point, when the caller has them already."""
    found = queries.areas_at(session, lat, lon, ["catchment"]) if areas is None else areas
    for area in (a for a in found if a.kind == "catchment"):
        if area.place is not None and area.place.status == "active":
            return {"by": "catchment", "area": {"id": area.id, "name": area.name}, "place": area.place}
    near = queries.nearest_places(session, lat, lon, None, 1, where=Place.has_consultation.is_(True), lean=True)
    if near and near[0][1] <= NEAR_RADIUS_M:
        return {"by": "nearest", "area": None, "place": near[0][0], "distance": near[0][1]}
    return None


def area_help_desks(session: Session, area: Area, min_share: float = 0.1) -> list[Place]:
    """Where people of an area ask for help (the printed list's 相談先): the support branches whose
    catchment covers at least `min_share` of the area, largest share first; if no catchment does,
    the consultation desk nearest the area's inside point."""
    geom = select(Area.geom).where(Area.id == area.id).scalar_subquery()
    share = func.ST_Area(func.ST_Intersection(Area.geom, geom)) / func.nullif(func.ST_Area(geom), 0)
    rows = session.execute(select(Area, share).where(Area.kind == "catchment", func.ST_Intersects(Area.geom, geom))
                           .order_by(share.desc(), Area.id)).all()
    desks = []
    for catchment, part in rows:
        place = catchment.place
        if place is not None and place.status == "active" and (part or 0) >= min_share and place not in desks:
            desks.append(place)
    if desks:
        return desks
    pt = session.execute(select(func.ST_Y(func.ST_PointOnSurface(geom)), func.ST_X(func.ST_PointOnSurface(geom)))).one()
    near = queries.nearest_places(session, pt[0], pt[1], None, 1, where=Place.has_consultation.is_(True))
    return [near[0][0]] if near else []


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
    d = clock.japan_date(place.updated_at)
    return d.isoformat() if lang == "en" else format_date_ja(d)
