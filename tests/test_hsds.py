"""/hsds against the official Open Referral HSDS 3.0 JSON schemas: the compiled (self-contained) ones
and the per-object ones the tests need, copied into tests/fixtures/hsds-3.0 (the large compiled ones
gzipped) with their LICENSE (CC BY-SA 4.0) and SOURCES.md."""
from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path

import jsonschema
import pytest
import requests
from sqlalchemy import create_engine, pool, text

HSDS_DIR = Path(__file__).resolve().parent / "fixtures" / "hsds-3.0"


def _read(name: str):
    """One schema of the copy: per-object ones as .json, the large compiled ones as .json.gz."""
    path = HSDS_DIR / name
    raw = path.read_bytes() if path.exists() else gzip.decompress((HSDS_DIR / (name + ".gz")).read_bytes())
    return json.loads(raw.decode("utf-8"))


def _retrieve(uri: str):
    """The per-object schemas refer to each other by file name ("metadata.json"): read them from the copy."""
    from referencing import Resource
    from referencing.jsonschema import DRAFT202012

    assert "/" not in uri, uri
    return Resource.from_contents(_read(uri), default_specification=DRAFT202012)


@lru_cache(maxsize=None)
def validator(name: str):
    from referencing import Registry

    schema = _read(name)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER, registry=Registry(retrieve=_retrieve))


def valid(instance, name: str) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def get(url, **kw):
    return requests.get(url, timeout=60, **kw)


def all_pages(url, **params):
    out, page = [], 1
    while True:
        body = get(url, params={**params, "page": page, "per_page": 25}).json()
        out += body["contents"]
        if body["last_page"]:
            return out, body
        page += 1


def test_services_list_and_every_full_service_validate(live_server):
    items, last = all_pages(f"{live_server}/hsds/services")
    assert len(items) == last["total_items"] == 73
    for item in items:
        valid(item, "compiled/service_list.json")
    for item in items:
        full = get(f"{live_server}/hsds/services/{item['id']}").json()
        valid(full, "compiled/service.json")
        assert full["id"] == item["id"] and full["service_at_locations"][0]["location"]


def test_service_at_locations_organizations_and_taxonomy_validate(live_server):
    items, _ = all_pages(f"{live_server}/hsds/service_at_locations")
    for item in items:
        valid(item, "compiled/service_at_location_list.json")
    full = get(f"{live_server}/hsds/service_at_locations", params={"full": "true", "per_page": 100}).json()
    for item in full["contents"]:
        valid(item, "compiled/service_at_location.json")
    one = get(f"{live_server}/hsds/service_at_locations/{items[0]['id']}").json()
    valid(one, "compiled/service_at_location.json")
    orgs, _ = all_pages(f"{live_server}/hsds/organizations")
    assert orgs
    for org in orgs:
        valid(org, "compiled/organization_list.json")
    valid(get(f"{live_server}/hsds/organizations/{orgs[0]['id']}").json(), "compiled/organization.json")
    tax = get(f"{live_server}/hsds/taxonomies").json()["contents"]
    assert len(tax) == 1
    valid(tax[0], "taxonomy.json")
    valid(get(f"{live_server}/hsds/taxonomies/{tax[0]['id']}").json(), "taxonomy.json")
    terms, _ = all_pages(f"{live_server}/hsds/taxonomy_terms")
    codes = {t["code"] for t in terms}
    assert {"layer:salons", "layer:kodomo_shokudo", "target_group:こども"} <= codes
    for term in terms:
        valid(term, "taxonomy_term.json")


def test_root_and_paging_object(live_server):
    root = get(f"{live_server}/hsds").json()
    assert root["version"].startswith("3.0") and root["openapi_url"].endswith("/hsds/openapi.json")
    assert root["publisher"]["name"] and root["profile"]
    page = get(f"{live_server}/hsds/service_at_locations", params={"per_page": 30, "page": 3}).json()
    assert page["total_items"] == 73 and page["total_pages"] == 3 and page["page_number"] == 3
    assert page["size"] == 13 and page["last_page"] and not page["first_page"] and not page["empty"]
    beyond = get(f"{live_server}/hsds/service_at_locations", params={"per_page": 30, "page": 9}).json()
    assert beyond["empty"] and beyond["contents"] == []


def test_filters_search_taxonomy_organization_modified_after(live_server):
    url = f"{live_server}/hsds/service_at_locations"
    terms = {t["code"]: t["id"] for t in get(f"{live_server}/hsds/taxonomy_terms", params={"per_page": 100}).json()["contents"]}
    kodomo = get(url, params={"taxonomy_term_id": terms["layer:kodomo_shokudo"], "per_page": 100}).json()
    assert kodomo["total_items"] == 10
    assert all("こども食堂" in c["service"]["name"] for c in kodomo["contents"])
    children = get(url, params={"taxonomy_term_id": terms["target_group:こども"]}).json()
    assert children["total_items"] == 10
    found = get(url, params={"search": "サロン"}).json()
    assert found["total_items"] == 40
    org = kodomo["contents"][0]["service"]["organization"]["id"]
    by_org = get(url, params={"organization_id": org, "per_page": 100}).json()
    assert by_org["total_items"] >= 1
    assert all(c["service"]["organization_id"] == org for c in by_org["contents"])
    assert get(url, params={"modified_after": "2000-01-01"}).json()["total_items"] == 73
    assert get(url, params={"modified_after": "2999-01-01T00:00:00+09:00"}).json()["total_items"] == 0
    # a well-formed id that names nothing here: an empty page, not an error
    assert get(url, params={"taxonomy_term_id": "00000000-0000-4000-8000-000000000000"}).json()["empty"]


def test_ndjson_is_a_full_dump(live_server):
    r = get(f"{live_server}/hsds/service_at_locations", params={"format": "ndjson"})
    assert r.headers["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines() if line]
    assert len(lines) == 73 and len({l["id"] for l in lines}) == 73


def test_schedules_are_rfc5545_rules(live_server, shared_demo_url):
    engine = create_engine(shared_demo_url, poolclass=pool.NullPool)
    with engine.connect() as c:
        pid = c.execute(text("SELECT id FROM place WHERE schedule_text LIKE '%第2・4火曜日%' ORDER BY id LIMIT 1")).scalar()
        branch = c.execute(text("SELECT id FROM place WHERE layer = 'support_branches' ORDER BY id LIMIT 1")).scalar()
    engine.dispose()
    from geo.standards.hsds import object_id

    svc = get(f"{live_server}/hsds/services/{object_id('service', pid)}").json()
    rule = svc["schedules"][0]
    assert rule["freq"] == "MONTHLY" and rule["byday"] == "2TU,4TU"
    assert rule["opens_at"] == "10:00+09:00" and rule["closes_at"] == "12:00+09:00" and rule["timezone"] == 9
    desk = get(f"{live_server}/hsds/services/{object_id('service', branch)}").json()["schedules"][0]
    assert desk["freq"] == "WEEKLY" and desk["byday"] == "MO,TU,WE,TH,FR"
    assert "祝日" in desk["notes"] and "年末年始" in desk["notes"]


def test_only_public_locations(live_server, shared_demo_url):
    engine = create_engine(shared_demo_url, poolclass=pool.NullPool)
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, precision, address, round(ST_X(point)::numeric, 6) AS x,"
                              " round(ST_Y(point)::numeric, 6) AS y FROM place WHERE precision <> 'exact'")).all()
    engine.dispose()
    from geo.standards.hsds import object_id

    dump = get(f"{live_server}/hsds/service_at_locations", params={"format": "ndjson", "full": "true"}).text
    by_id = {o["id"]: o for o in map(json.loads, dump.splitlines())}
    assert rows
    for r in rows:
        loc = by_id[object_id("service_at_location", r.id)]["location"]
        if r.precision == "hidden":
            assert "latitude" not in loc and "longitude" not in loc
        else:
            assert (round(loc["longitude"], 6), round(loc["latitude"], 6)) != (float(r.x), float(r.y))
        assert r.address not in json.dumps(loc, ensure_ascii=False)   # the full address never leaves
    published = {(round(o["location"]["longitude"], 6), round(o["location"]["latitude"], 6))
                 for o in by_id.values() if "latitude" in o["location"]}
    assert not published & {(float(r.x), float(r.y)) for r in rows}


@pytest.mark.parametrize("path,params", [
    ("/hsds/services", {"page": "0"}), ("/hsds/services", {"page": "x"}),
    ("/hsds/services", {"per_page": "100000"}), ("/hsds/services", {"format": "xml"}),
    ("/hsds/service_at_locations", {"taxonomy_term_id": "not-a-uuid"}),
    ("/hsds/service_at_locations", {"organization_id": "42"}),
    ("/hsds/service_at_locations", {"modified_after": "last week"}),
    ("/hsds/service_at_locations", {"full": "maybe"}),
    ("/hsds/service_at_locations", {"postcode": "630-0101"}),
    ("/hsds/services", {"search": "あ" * 101}),
])
def test_bad_parameters_get_400_problem_details(live_server, path, params):
    r = get(live_server + path, params=params)
    assert r.status_code == 400, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 400 and body["title"] == "Bad Request" and body["detail"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_ids_are_404(live_server):
    for path in ("/hsds/services/abc", "/hsds/services/00000001-7473-8000-8000-999999999999",
                 "/hsds/services/00000002-7473-8000-8000-000000000001", "/hsds/organizations/xyz",
                 "/hsds/taxonomies/00000000-0000-4000-8000-000000000000", "/hsds/taxonomy_terms/x",
                 "/hsds/service_at_locations/1"):
        r = get(live_server + path)
        assert r.status_code == 404 and r.json()["status"] == 404, path
