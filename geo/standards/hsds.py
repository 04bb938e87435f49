"""Open Referral HSDS 3.0 objects from our places (no Flask).

Mapping
- a place is one *service* (what happens there: a サロン, a 子ども食堂, a 相談窓口) delivered at one
  *location* (where), linked by one *service_at_location*;
- its operator (運営) is the *organization*; places without an operator have none;
- its layer and target groups are terms of one taxonomy ("つながりマップ分類"), attached to the
  service as *attributes* (so `taxonomy_term_id` filters by layer or by target group);
- its structured schedule (geo/places/schedule.py) becomes *schedule* objects in RFC 5545 terms:
  weekly rules `freq=WEEKLY, byday=MO,TH`; nth-weekday rules `freq=MONTHLY, byday=2TU,4TU`
  (-1 = last); one-off dates `dtstart=valid_from=valid_to=until=YYYY-MM-DD`; times as
  `opens_at/closes_at HH:MM+09:00` with `timezone: 9`. Rules limited to some months cannot be
  said in HSDS (no BYMONTH): they carry the months in their description and no freq. Holiday
  and 年末年始 closures and irregular dates are in `notes`; the original text in `description`.

Privacy: only the public point (latitude/longitude; none for hidden places) and the public
address (the town only for approximate and hidden places) leave through here.

Ids are UUIDs (HSDS requires them): for per-place objects `KKKKKKKK-7473-8000-8SSS-PPPPPPPPPPPP`
(K the object kind in hex, S a sub-index, P the place id in decimal; version 8 = custom), so they are stable and a
service id leads straight back to its place; organizations and taxonomy terms are UUIDv5 names.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from geoalchemy2.shape import to_shape
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

import layers
from geo.places.privacy import public_address
from geo.standards.common import (ParamError, address_parts, iso_jst, label, page_url, parse_datetime)
from geo.storage.models import TARGET_GROUPS, Place

HSDS_VERSION = "3.0"
PROFILE = "https://docs.openreferral.org/en/v3.0/"
NAMESPACE = uuid.UUID("5b0c7a8e-3f4e-5d0e-9a43-7473756e6761")
KINDS = {"service": 1, "location": 2, "service_at_location": 3, "schedule": 4, "phone": 5, "contact": 6,
         "address": 7, "attribute": 8, "cost_option": 9, "accessibility": 10}
_ID_RE = re.compile(r"^([0-9a-f]{8})-7473-8000-([89ab][0-9a-f]{3})-([0-9]{12})$")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
STATUS = {"active": "active", "paused": "temporarily closed", "closed": "defunct"}
DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 1000
TAXONOMY_NAME = "tsunagari"


# --------------------------------------------------------------------------- ids
def object_id(kind: str, place_id: int, sub: int = 0) -> str:
    return f"{KINDS[kind]:08x}-7473-8000-{0x8000 + sub:04x}-{place_id:012d}"


def place_id_of(text: str, kind: str) -> int | None:
    """The place behind a per-place object id, or None when it is not one of `kind`."""
    m = _ID_RE.match(text.strip().lower())
    if not m or int(m.group(1), 16) != KINDS[kind]:
        return None
    return int(m.group(3))


def organization_id(operator: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"organization:{operator}"))


def taxonomy_id() -> str:
    return str(uuid.uuid5(NAMESPACE, f"taxonomy:{TAXONOMY_NAME}"))


def term_id(code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"term:{code}"))


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return False
    return len(text) == 36


def _drop_none(d: dict) -> dict:
    """HSDS types are not nullable: a field we do not know is left out, never null."""
    return {k: v for k, v in d.items() if v is not None and v != "" and v != []}


# --------------------------------------------------------------------------- taxonomy
@dataclass(frozen=True)
class Term:
    code: str
    name_ja: str
    name_en: str
    parent: str | None = None

    @property
    def id(self) -> str:
        return term_id(self.code)


def terms() -> list[Term]:
    out = [Term("layer", "場所の種類", "Kind of place"), Term("target_group", "対象", "Who it is for")]
    out += [Term(f"layer:{l.id}", l.name_ja, l.name_en, "layer") for l in layers.place_layers()]
    out += [Term(f"target_group:{g}", label("target_group", g, "ja"), label("target_group", g, "en"), "target_group")
            for g in TARGET_GROUPS]
    return out


def taxonomy(base: str) -> dict:
    return {"id": taxonomy_id(), "name": "つながりマップ分類（場所の種類・対象）",
            "description": "つながりマップの場所の種類（レイヤー）と対象の分類。"
                           " Tsunagari Map's kinds of place (map layers) and target groups.",
            "uri": f"{base}/hsds/taxonomies/{taxonomy_id()}", "version": "1"}


def term_doc(term: Term, base: str) -> dict:
    return _drop_none({
        "id": term.id, "code": term.code, "name": term.name_ja,
        "description": f"{term.name_ja} ({term.name_en})",
        "parent_id": term_id(term.parent) if term.parent else None, "taxonomy": TAXONOMY_NAME,
        "taxonomy_detail": taxonomy(base), "language": "ja", "taxonomy_id": taxonomy_id(),
        "term_uri": f"{base}/hsds/taxonomy_terms/{term.id}",
    })


def find_term(text: str) -> Term | None:
    return next((t for t in terms() if t.id == text.strip().lower()), None)


def place_terms(place: Place) -> list[Term]:
    wanted = {f"layer:{place.layer}"} | {f"target_group:{g}" for g in place.target_groups or []}
    return [t for t in terms() if t.code in wanted]


# --------------------------------------------------------------------------- schedules
def _time(value: str | None) -> str | None:
    return f"{value}+09:00" if value else None


def _notes(s: dict | None) -> str | None:
    notes = []
    if s and s.get("closed_on_holidays"):
        notes.append("祝日は休み (closed on national holidays)")
    if s and s.get("closed_year_end"):
        notes.append("年末年始（12月29日〜1月3日）は休み (closed 29 December – 3 January)")
    if s and s.get("irregular"):
        notes.append("日程が変わる場合があります (dates may change)")
    return "。".join(notes) or None


def byday(rule: dict) -> str:
    """RFC 5545 BYDAY of one structured rule: 'MO,TH' or, with weeks of the month, '2TU,4TU,-1FR'."""
    days = [DAYS[d] for d in rule["weekdays"]]
    nth = rule.get("nth") or []
    if not nth:
        return ",".join(days)
    return ",".join(f"{n}{d}" for n in nth for d in days)


def schedules(place: Place) -> list[dict]:
    s = place.schedule or {}
    common = {"service_id": object_id("service", place.id),
              "service_at_location_id": object_id("service_at_location", place.id),
              "valid_from": place.valid_from.isoformat() if place.valid_from else None,
              "valid_to": place.valid_to.isoformat() if place.valid_to else None,
              "notes": _notes(s), "description": place.schedule_text}
    out: list[dict] = []
    if s.get("structured"):
        for i, rule in enumerate(s.get("rules") or []):
            start, end = (rule.get("start"), rule.get("end")) if ("start" in rule or "end" in rule) \
                else (s.get("start"), s.get("end"))
            entry = {**common, "id": object_id("schedule", place.id, i), "timezone": 9,
                     "opens_at": _time(start), "closes_at": _time(end)}
            if rule.get("months"):
                months = "・".join(str(m) for m in rule["months"])
                entry["description"] = f"{months}月のみ ({byday(rule)}, months {months} only): {place.schedule_text or ''}".strip()
            else:
                entry.update(freq="MONTHLY" if rule.get("nth") else "WEEKLY", interval=1, wkst="MO", byday=byday(rule))
            out.append(_drop_none(entry))
        offset = len(out)
        for j, iso in enumerate(s.get("dates") or []):
            out.append(_drop_none({**common, "id": object_id("schedule", place.id, offset + j), "dtstart": iso,
                                   "until": iso, "valid_from": iso, "valid_to": iso, "timezone": 9,
                                   "opens_at": _time(s.get("start")), "closes_at": _time(s.get("end"))}))
    elif place.schedule_text:
        out.append(_drop_none({**common, "id": object_id("schedule", place.id)}))
    return out


# --------------------------------------------------------------------------- objects
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _url(value: str | None) -> str | None:
    if value and re.match(r"^https?://[^\s<>\"]+$", value):
        return value
    return None


def _email(value: str | None) -> str | None:
    return value if value and _EMAIL.match(value) else None


def organization_basic(place: Place) -> dict | None:
    if not place.operator:
        return None
    return _drop_none({"id": organization_id(place.operator), "name": place.operator,
                       "description": f"{place.operator}（{place.operator_type or '運営団体'}）",
                       "legal_status": place.operator_type})


def _description(place: Place) -> str:
    parts = [label("layer", place.layer, "ja")]
    if place.target_groups:
        parts.append("対象：" + "・".join(place.target_groups))
    if place.has_consultation:
        parts.append("相談できます")
    if place.fictional:
        parts.append("架空のサンプル（実在の施設ではありません）")
    return "。".join(parts)


def service_basic(place: Place) -> dict:
    """The one-to-one fields of a service (service_list shape)."""
    org = organization_basic(place)
    return _drop_none({
        "id": object_id("service", place.id), "organization_id": org["id"] if org else None,
        "name": place.name, "alternate_name": place.name_kana, "description": _description(place),
        "url": _url(place.url), "email": _email(place.email), "status": STATUS.get(place.status, "inactive"),
        "application_process": place.reservation, "fees_description": place.fees,
        "eligibility_description": "・".join(place.target_groups or []) or None,
        "last_modified": iso_jst(place.updated_at), "organization": org,
    })


def location(place: Place) -> dict:
    loc: dict[str, Any] = {"id": object_id("location", place.id), "location_type": "physical",
                           "name": place.name, "description": label("precision", place.precision, "ja")}
    if place.operator:
        loc["organization_id"] = organization_id(place.operator)
    if place.public_point is not None:  # the public point only: hidden places have none
        pt = to_shape(place.public_point)
        loc["latitude"], loc["longitude"] = round(pt.y, 6), round(pt.x, 6)
    return _drop_none(loc)


def location_full(place: Place) -> dict:
    loc = location(place)
    address = public_address(place)
    pref, city, rest = address_parts(address)
    if pref and city:
        loc["addresses"] = [{"id": object_id("address", place.id), "location_id": loc["id"],
                             "address_1": rest or city, "city": city, "state_province": pref,
                             "postal_code": "", "country": "JP", "address_type": "physical"}]
    if place.barrier_free:
        loc["accessibility"] = [{"id": object_id("accessibility", place.id), "location_id": loc["id"],
                                 "description": "バリアフリー (step-free access)"}]
    return loc


def _phones(place: Place, **links) -> list[dict]:
    if not place.phone:
        return []
    return [_drop_none({"id": object_id("phone", place.id), "number": place.phone, "type": "voice", **links})]


def _contacts(place: Place) -> list[dict]:
    if not (place.phone or _email(place.email)):
        return []
    cid = object_id("contact", place.id)
    return [_drop_none({"id": cid, "service_id": object_id("service", place.id),
                        "name": place.operator or place.name, "email": _email(place.email),
                        "phones": _phones(place, contact_id=cid)})]


def _attributes(place: Place, base: str) -> list[dict]:
    sid = object_id("service", place.id)
    return [{"id": object_id("attribute", place.id, i), "link_id": sid, "link_type": "service",
             "link_entity": "service", "taxonomy_term_id": t.id, "taxonomy_term": term_doc(t, base)}
            for i, t in enumerate(place_terms(place))]


def service_at_location_basic(place: Place) -> dict:
    """service_at_location_list shape: the link with its location and service."""
    return {"id": object_id("service_at_location", place.id), "service_id": object_id("service", place.id),
            "location_id": object_id("location", place.id), "description": _description(place),
            "location": location(place), "service": service_basic(place)}


def service_at_location_full(place: Place, base: str) -> dict:
    return {"id": object_id("service_at_location", place.id), "service_id": object_id("service", place.id),
            "location_id": object_id("location", place.id), "description": _description(place),
            "schedules": schedules(place), "phones": _phones(place, service_at_location_id=object_id(
                "service_at_location", place.id)),
            "contacts": _contacts(place), "location": location_full(place), "service": service_basic(place)}


def service_full(place: Place, base: str) -> dict:
    svc = service_basic(place)
    sal = {"id": object_id("service_at_location", place.id), "service_id": svc["id"],
           "location_id": object_id("location", place.id), "description": _description(place),
           "location": location_full(place)}
    svc.update(phones=_phones(place, service_id=svc["id"]), schedules=schedules(place),
               service_at_locations=[sal], contacts=_contacts(place), attributes=_attributes(place, base))
    if place.free_of_charge:
        svc["cost_options"] = [{"id": object_id("cost_option", place.id), "service_id": svc["id"],
                                "option": "無料 (free of charge)", "amount": 0, "currency": "JPY"}]
    svc["url"] = _url(place.url) or page_url(base, place.id)
    return _drop_none(svc)


def organization_full(session: Session, operator: str, base: str) -> dict:
    places = list(session.scalars(select(Place).where(Place.operator == operator).order_by(Place.id)))
    first = places[0]
    org = organization_basic(first)
    org["locations"] = [location(p) for p in places]
    org["services"] = [service_basic(p) for p in places]
    for s in org["services"]:
        s.pop("organization", None)
    return org


# --------------------------------------------------------------------------- queries and paging
LIST_PARAMS = ("search", "page", "per_page", "format", "taxonomy_term_id", "taxonomy_id", "organization_id",
               "modified_after", "full")


@dataclass(frozen=True)
class ListQuery:
    search: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    ndjson: bool = False
    term: Term | None = None
    no_match: bool = False          # a well-formed id that names nothing here: empty result
    organization: str | None = None  # operator name
    modified_after: dt.datetime | None = None
    full: bool = False


def _positive(raw: str, name: str, hi: int) -> int:
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= hi:
        raise ParamError(name, f"{name} は 1〜{hi} の整数です", f"{name} must be an integer 1..{hi}")
    return int(raw)


def _bool(raw: str, name: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise ParamError(name, f"{name} は true か false です", f"{name} must be true or false")


def uuid_param(raw: str, name: str) -> str:
    if not is_uuid(raw.strip()):
        raise ParamError(name, f"{name} は UUID です", f"{name} must be a UUID")
    return raw.strip().lower()


def check_params(args: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    unknown = sorted(k for k in args if k not in allowed)
    if unknown:
        raise ParamError(unknown[0], f"このエンドポイントでは使えないパラメータです: {', '.join(unknown)}（使えるもの: {', '.join(allowed) or 'なし'}）",
                         f"unsupported parameter: {', '.join(unknown)} (supported: {', '.join(allowed) or 'none'})")


def parse_list_args(session: Session, args: Mapping[str, str], allowed: tuple[str, ...] = LIST_PARAMS) -> ListQuery:
    check_params(args, allowed)
    out: dict[str, Any] = {}
    if args.get("search") is not None:
        text = args["search"].strip()
        if len(text) > 100:
            raise ParamError("search", "search は100文字までです", "search is limited to 100 characters")
        out["search"] = text or None
    if args.get("page") is not None:
        out["page"] = _positive(args["page"], "page", 10**6)
    if args.get("per_page") is not None:
        out["per_page"] = _positive(args["per_page"], "per_page", MAX_PER_PAGE)
    fmt = args.get("format")
    if fmt is not None and fmt not in ("json", "ndjson"):
        raise ParamError("format", "format は json か ndjson です", "format must be json or ndjson")
    out["ndjson"] = fmt == "ndjson"
    no_match = False
    if args.get("taxonomy_term_id") is not None:
        term = find_term(uuid_param(args["taxonomy_term_id"], "taxonomy_term_id"))
        out["term"], no_match = term, term is None
    if args.get("taxonomy_id") is not None:
        no_match |= uuid_param(args["taxonomy_id"], "taxonomy_id") != taxonomy_id()
    if args.get("organization_id") is not None:
        wanted = uuid_param(args["organization_id"], "organization_id")
        operator = find_operator(session, wanted)
        out["organization"], no_match = operator, no_match or operator is None
    if args.get("modified_after") is not None:
        out["modified_after"] = parse_datetime(args["modified_after"], "modified_after")
    if args.get("full") is not None:
        out["full"] = _bool(args["full"], "full")
    return ListQuery(no_match=no_match, **out)


def find_operator(session: Session, org_id: str) -> str | None:
    for name in session.scalars(select(Place.operator).where(Place.operator.is_not(None)).distinct()):
        if organization_id(name) == org_id:
            return name
    return None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def place_where(q: ListQuery):
    if q.no_match:
        return false()
    conds = []
    if q.search:
        pattern = _like(q.search)
        # never the true address: a search must not reveal where a blurred place is
        conds.append(or_(Place.name.ilike(pattern), Place.name_kana.ilike(pattern), Place.operator.ilike(pattern)))
    if q.term and q.term.parent == "layer":
        conds.append(Place.layer == q.term.code.split(":", 1)[1])
    elif q.term and q.term.parent == "target_group":
        conds.append(Place.target_groups.contains([q.term.code.split(":", 1)[1]]))
    if q.organization:
        conds.append(Place.operator == q.organization)
    if q.modified_after:
        conds.append(Place.updated_at >= q.modified_after)
    return and_(*conds) if conds else None


def _select(where):
    stmt = select(Place)
    return stmt.where(where) if where is not None else stmt


def page_doc(items: list, total: int, q: ListQuery) -> dict:
    pages = -(-total // q.per_page) if total else 0
    return {"total_items": total, "total_pages": pages, "page_number": q.page, "size": len(items),
            "first_page": q.page == 1, "last_page": q.page >= pages, "empty": len(items) == 0, "contents": items}


def list_places(session: Session, q: ListQuery, build) -> dict:
    where = place_where(q)
    total = session.scalar(select(func.count()).select_from(_select(where).subquery()))
    rows = session.scalars(_select(where).order_by(Place.id).offset((q.page - 1) * q.per_page).limit(q.per_page))
    return page_doc([build(p) for p in rows], total, q)


def stream_places(session: Session, q: ListQuery, build) -> Iterator[dict]:
    """Every matching place, for format=ndjson (no paging), fetched in batches."""
    stmt = _select(place_where(q)).order_by(Place.id).execution_options(yield_per=500)
    for place in session.scalars(stmt):
        yield build(place)


def list_organizations(session: Session, q: ListQuery) -> dict:
    stmt = select(Place.operator, func.min(Place.operator_type)).where(Place.operator.is_not(None))
    if q.search:
        stmt = stmt.where(Place.operator.ilike(_like(q.search)))
    if q.no_match:
        stmt = stmt.where(false())
    rows = session.execute(stmt.group_by(Place.operator).order_by(Place.operator)).all()
    start = (q.page - 1) * q.per_page
    items = [_drop_none({"id": organization_id(name), "name": name, "description": f"{name}（{kind or '運営団体'}）",
                         "legal_status": kind}) for name, kind in rows[start:start + q.per_page]]
    return page_doc(items, len(rows), q)


def list_terms(q: ListQuery, base: str, only_taxonomy: str | None = None) -> dict:
    found = terms()
    if q.search:
        needle = q.search.lower()
        found = [t for t in found if needle in t.name_ja.lower() or needle in t.name_en.lower() or needle in t.code]
    if only_taxonomy is not None and only_taxonomy != taxonomy_id():
        found = []
    start = (q.page - 1) * q.per_page
    return page_doc([term_doc(t, base) for t in found[start:start + q.per_page]], len(found), q)


def root(base: str, publisher: str, attributions: list[str]) -> dict:
    return {"version": HSDS_VERSION, "profile": PROFILE, "openapi_url": f"{base}/hsds/openapi.json",
            "publisher": {"name": publisher, "url": base + "/", "attribution": attributions},
            "description": "つながりマップの場所を Open Referral HSDS 3.0 で公開します（公開できる位置のみ）。"
                           " Tsunagari Map's places as Open Referral HSDS 3.0 (public locations only)."}


# --------------------------------------------------------------------------- OpenAPI
def openapi(base: str) -> dict:
    """OpenAPI 3.0 of our HSDS endpoints (HSDA 3.0 paths; objects per the HSDS 3.0 schemas)."""
    problem = {"$ref": "#/components/responses/Problem"}
    obj = lambda *required: {"type": "object", "required": list(required)}  # noqa: E731
    page = {"type": "object", "required": ["total_items", "total_pages", "page_number", "size", "first_page",
                                           "last_page", "empty", "contents"],
            "properties": {"total_items": {"type": "integer"}, "total_pages": {"type": "integer"},
                           "page_number": {"type": "integer"}, "size": {"type": "integer"},
                           "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
                           "empty": {"type": "boolean"}, "contents": {"type": "array", "items": {"type": "object"}}}}
    p = lambda name: {"$ref": f"#/components/parameters/{name}"}  # noqa: E731

    def get(op_id, summary, params, schema, not_found=False, ndjson=False):
        content = {"application/json": {"schema": schema}}
        if ndjson:
            content["application/x-ndjson"] = {"schema": {"type": "string"}}
        responses = {"200": {"description": summary, "content": content}, "400": problem}
        if not_found:
            responses["404"] = problem
        return {"get": {"operationId": op_id, "summary": summary, "tags": ["HSDS 3.0"], "parameters": params,
                        "responses": responses}}

    list_params = [p("search"), p("page"), p("per_page"), p("format")]
    filters = [p("taxonomy_term_id"), p("taxonomy_id"), p("organization_id"), p("modified_after")]
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "つながりマップ HSDS 3.0 API", "version": "1.0.0",
                 "description": "Open Referral HSDS 3.0 (HSDA paths). Anonymous GET; errors are RFC 9457 "
                                "problem details (HSDS 3.0 defines no error shape).",
                 "license": {"name": "各データの出典・ライセンスに従います (see each dataset's licence)"}},
        "servers": [{"url": f"{base}/hsds"}],
        "paths": {
            "/": get("getAPIMetaInformation", "About this API", [],
                     {**obj("version", "profile", "openapi_url"),
                      "properties": {"version": {"type": "string"}, "profile": {"type": "string"},
                                     "openapi_url": {"type": "string"}, "publisher": {"type": "object"}}}),
            "/services": get("getPaginatedListOfServices", "Services", list_params + filters, page, ndjson=True),
            "/services/{id}": get("getFullyNestedServiceById", "A fully nested service", [id_param],
                                  obj("id", "name", "status"), not_found=True),
            "/service_at_locations": get("getPaginatedListOfServiceAtLocation", "Services at locations",
                                         list_params + filters + [p("full")], page, ndjson=True),
            "/service_at_locations/{id}": get("getServiceAtLocationWithNestedDataById", "A service at a location",
                                              [id_param], obj("id"), not_found=True),
            "/organizations": get("getPaginatedListOfOrganizations", "Organizations", list_params, page, ndjson=True),
            "/organizations/{id}": get("getOrganizationById", "An organization", [id_param],
                                       obj("id", "name", "description"), not_found=True),
            "/taxonomies": get("getPaginatedListOfTaxonomies", "Taxonomies", list_params, page, ndjson=True),
            "/taxonomies/{id}": get("getTaxonomyById", "A taxonomy", [id_param], obj("id", "name", "description"),
                                    not_found=True),
            "/taxonomy_terms": get("getPaginatedListOfTaxonomyTerms", "Taxonomy terms",
                                   list_params + [p("taxonomy_id")], page, ndjson=True),
            "/taxonomy_terms/{id}": get("getTaxonomyTermById", "A taxonomy term", [id_param],
                                        obj("id", "name", "description"), not_found=True),
            "/openapi.json": get("getOpenAPI", "This document", [], {"type": "object"}),
        },
        "components": {
            "parameters": {
                "search": {"name": "search", "in": "query", "required": False,
                           "description": "name, kana or operator (never the address)",
                           "schema": {"type": "string", "maxLength": 100}},
                "page": {"name": "page", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": 10**6, "default": 1}},
                "per_page": {"name": "per_page", "in": "query", "required": False,
                             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                        "default": DEFAULT_PER_PAGE}},
                "format": {"name": "format", "in": "query", "required": False,
                           "description": "json (paged) or ndjson (every result, one per line, no paging)",
                           "schema": {"type": "string", "enum": ["json", "ndjson"]}},
                "taxonomy_term_id": {"name": "taxonomy_term_id", "in": "query", "required": False,
                                     "schema": {"type": "string", "format": "uuid"}},
                "taxonomy_id": {"name": "taxonomy_id", "in": "query", "required": False,
                                "schema": {"type": "string", "format": "uuid"}},
                "organization_id": {"name": "organization_id", "in": "query", "required": False,
                                    "schema": {"type": "string", "format": "uuid"}},
                "modified_after": {"name": "modified_after", "in": "query", "required": False,
                                   "description": "ISO 8601 date or date-time (Japan time when no offset)",
                                   "schema": {"type": "string", "format": "date-time"}},
                "full": {"name": "full", "in": "query", "required": False, "schema": {"type": "boolean"}},
            },
            "responses": {
                "Problem": {"description": "RFC 9457 problem details", "content": {"application/problem+json": {
                    "schema": {"type": "object", "required": ["title", "status", "detail"],
                               "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                              "status": {"type": "integer"}, "detail": {"type": "string"},
                                              "invalid_param": {"type": "string"}}}}}},
            },
        },
    }
