"""Open Referral HSDS 3.0 under /hsds (HSDA 3.0 paths): a thin wrapper over geo/standards/hsds.py.

Anonymous GET, open to every origin. HSDS 3.0 defines no error body, so bad parameters get
400 and unknown ids 404 as RFC 9457 problem details (application/problem+json), Japanese first.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request, stream_with_context

from geo.places import queries
from geo.standards import hsds
from geo.standards.common import ParamError
from geo.storage.models import Place
from web import db_session

bp = Blueprint("hsds", __name__)

PROBLEM = "application/problem+json"
NDJSON = "application/x-ndjson"


def _base() -> str:
    return request.host_url.rstrip("/") + request.script_root


def _json(doc, status: int = 200, media: str = "application/json") -> Response:
    return Response(current_app.json.dumps(doc), status=status, mimetype=media)


def _problem(status: int, title: str, detail: str, param: str | None = None) -> Response:
    doc = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if param:
        doc["invalid_param"] = param
    return _json(doc, status, PROBLEM)


@bp.errorhandler(ParamError)
def _bad_param(exc: ParamError):
    return _problem(400, "Bad Request", str(exc), exc.param)


def _not_found(what: str, ident: str) -> Response:
    return _problem(404, "Not Found", f"{what} が見つかりません: {ident} ({what} not found)")


@bp.after_request
def _cors(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def _listing(q: hsds.ListQuery, build):
    session = db_session()
    if q.ndjson:
        def lines():
            for obj in hsds.stream_places(session, q, build):
                yield json.dumps(obj, ensure_ascii=False) + "\n"
        return Response(stream_with_context(lines()), mimetype=NDJSON)
    return _json(hsds.list_places(session, q, build))


def _ndjson(items: list) -> Response:
    return Response("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in items), mimetype=NDJSON)


@bp.get("")
@bp.get("/")
def root():
    hsds.check_params(request.args, ())
    publisher = current_app.config.get("PUBLISHER_NAME") or "つながりマップ (Tsunagari Map)"
    return _json(hsds.root(_base(), publisher, queries.attributions(db_session())))


@bp.get("/openapi.json")
def openapi():
    hsds.check_params(request.args, ())
    return _json(hsds.openapi(_base()))


@bp.get("/services")
def services():
    q = hsds.parse_list_args(db_session(), request.args, hsds.LIST_PARAMS[:-1])
    return _listing(q, hsds.service_basic)


def _place(ident: str, kind: str) -> Place | None:
    pid = hsds.place_id_of(ident, kind)
    return db_session().get(Place, pid) if pid is not None and pid < 2**31 else None


@bp.get("/services/<ident>")
def service(ident: str):
    hsds.check_params(request.args, ())
    place = _place(ident, "service")
    if place is None:
        return _not_found("service", ident)
    return _json(hsds.service_full(place, _base()))


@bp.get("/service_at_locations")
def service_at_locations():
    q = hsds.parse_list_args(db_session(), request.args)
    base = _base()
    build = (lambda p: hsds.service_at_location_full(p, base)) if q.full else hsds.service_at_location_basic
    return _listing(q, build)


@bp.get("/service_at_locations/<ident>")
def service_at_location(ident: str):
    hsds.check_params(request.args, ())
    place = _place(ident, "service_at_location")
    if place is None:
        return _not_found("service_at_location", ident)
    return _json(hsds.service_at_location_full(place, _base()))


@bp.get("/organizations")
def organizations():
    session = db_session()
    q = hsds.parse_list_args(session, request.args, ("search", "page", "per_page", "format"))
    if q.ndjson:
        return _ndjson(hsds.list_organizations(session, hsds.ListQuery(search=q.search, per_page=10**9))["contents"])
    return _json(hsds.list_organizations(session, q))


@bp.get("/organizations/<ident>")
def organization(ident: str):
    hsds.check_params(request.args, ())
    session = db_session()
    operator = hsds.find_operator(session, ident.strip().lower()) if hsds.is_uuid(ident.strip()) else None
    if operator is None:
        return _not_found("organization", ident)
    return _json(hsds.organization_full(session, operator, _base()))


@bp.get("/taxonomies")
def taxonomies():
    q = hsds.parse_list_args(db_session(), request.args, ("search", "page", "per_page", "format"))
    found = [hsds.taxonomy(_base())]
    if q.search and q.search.lower() not in (found[0]["name"] + found[0]["description"]).lower():
        found = []
    items = found[(q.page - 1) * q.per_page:q.page * q.per_page]
    return _ndjson(found) if q.ndjson else _json(hsds.page_doc(items, len(found), q))


@bp.get("/taxonomies/<ident>")
def taxonomy(ident: str):
    hsds.check_params(request.args, ())
    if ident.strip().lower() != hsds.taxonomy_id():
        return _not_found("taxonomy", ident)
    return _json(hsds.taxonomy(_base()))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    q = hsds.parse_list_args(db_session(), {k: v for k, v in request.args.items() if k != "taxonomy_id"},
                             ("search", "page", "per_page", "format"))
    hsds.check_params(request.args, ("search", "page", "per_page", "format", "taxonomy_id"))
    only = None
    if request.args.get("taxonomy_id") is not None:
        only = hsds.uuid_param(request.args["taxonomy_id"], "taxonomy_id")
    if q.ndjson:
        return _ndjson(hsds.list_terms(hsds.ListQuery(search=q.search, per_page=10**6), _base(), only)["contents"])
    return _json(hsds.list_terms(q, _base(), only))


@bp.get("/taxonomy_terms/<ident>")
def taxonomy_term(ident: str):
    hsds.check_params(request.args, ())
    term = hsds.find_term(ident)
    if term is None:
        return _not_found("taxonomy_term", ident)
    return _json(hsds.term_doc(term, _base()))
