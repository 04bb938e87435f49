"""The precision rule: a private location never leaves through any output."""
import json

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import select

from helpers import make_app
from geo.storage.models import Area, Place

LAT, LON = 34.6987654, 135.7065432
# the true point at the 6 decimals outputs use (rounded either way), and the private address
SECRET_FRAGMENTS = ("34.698765", "34.698766", "135.706543", "元町1-2-3", "山田方")


def _add(s, precision, name):
    p = Place(layer="engawa", name=name, address="奈良県生駒市元町1-2-3 山田方", precision=precision,
              point=from_shape(Point(LON, LAT), srid=4326), geocode_matched="奈良県生駒市元町一丁目",
              schedule_text="毎週水曜日 10:00～15:00")
    s.add(p)
    s.commit()
    s.refresh(p)
    return p


def test_trigger_derives_public_point(demo_db_url, session_for):
    s = session_for(demo_db_url)
    exact = _add(s, "exact", "正確")
    approx = _add(s, "approximate", "おおよそ")
    hidden = _add(s, "hidden", "非公開")
    assert to_shape(exact.public_point).equals(Point(LON, LAT))
    ap = to_shape(approx.public_point)
    assert abs(ap.x - 135.705) < 1e-9 and abs(ap.y - 34.6975) < 1e-9  # centre of its grid cell
    assert hidden.public_point is None
    # changing the precision later re-derives the public point
    exact.precision = "hidden"
    s.commit()
    s.refresh(exact)
    assert exact.public_point is None
    # a raw UPDATE of the point cannot bypass it either
    s.execute(Place.__table__.update().where(Place.id == approx.id).values(point=from_shape(Point(LON + 0.0001, LAT), srid=4326)))
    s.commit()
    s.refresh(approx)
    assert to_shape(approx.public_point).equals(ap)


def test_no_output_reveals_a_private_point(demo_db_url, session_for):
    s = session_for(demo_db_url)
    approx = _add(s, "approximate", "おおよその縁側")
    hidden = _add(s, "hidden", "非公開の縁側")
    # also make the support branch responsible for the secret point approximate, at the secret
    # point and address, to check the help-desk answer and the lists
    qlat, qlon = LAT + 0.0004, LON + 0.0004   # the search echoes its origin: ask from a step away
    catchment = s.scalar(select(Area).where(Area.kind == "catchment",
                                            Area.geom.ST_Intersects(from_shape(Point(qlon, qlat), srid=4326))))
    branch = s.get(Place, catchment.place_id)
    branch.precision, branch.point, branch.address = "approximate", from_shape(Point(LON, LAT), srid=4326), approx.address
    s.commit()
    elementary = s.scalar(select(Area).where(Area.kind == "elementary",
                                             Area.geom.ST_Intersects(from_shape(Point(LON, LAT), srid=4326))))
    client = make_app(demo_db_url).test_client()
    outputs = {
        "page /": client.get("/").get_data(as_text=True),
        "page /?lang=en": client.get("/?lang=en").get_data(as_text=True),
        "place approx": client.get(f"/place/{approx.id}").get_data(as_text=True),
        "place hidden": client.get(f"/place/{hidden.id}").get_data(as_text=True),
        "place branch": client.get(f"/place/{branch.id}").get_data(as_text=True),
        "api bbox": client.get("/api/places?bbox=135.6,34.6,135.8,34.8").get_data(as_text=True),
        "api bbox filtered": client.get("/api/places?bbox=135.6,34.6,135.8,34.8&layer=engawa&day=2&time=morning"
                                        ).get_data(as_text=True),
        "api near": client.get(f"/api/places?near={LAT},{LON}&limit=200").get_data(as_text=True),
        "api near layer": client.get(f"/api/places?near={LAT},{LON}&layer=engawa").get_data(as_text=True),
        "api near filtered": client.get(f"/api/places?near={LAT},{LON}&layer=engawa&day=2&time=morning"
                                        ).get_data(as_text=True),
        "api id approx": client.get(f"/api/places/{approx.id}").get_data(as_text=True),
        "api id hidden": client.get(f"/api/places/{hidden.id}").get_data(as_text=True),
        "api areas at": client.get(f"/api/areas/at?lat={LAT}&lon={LON}").get_data(as_text=True),
        "search at point": client.get(f"/api/search?lat={qlat}&lon={qlon}&limit=50").get_data(as_text=True),
        "search approx name": client.get("/api/search?q=おおよその縁側").get_data(as_text=True),
        "search hidden name": client.get("/api/search?q=非公開の縁側").get_data(as_text=True),
        "search both": client.get("/api/search?q=の縁側&lang=en").get_data(as_text=True),
        "list elementary": client.get(f"/list?area={elementary.id}").get_data(as_text=True),
        "list catchment": client.get(f"/list?area={catchment.id}").get_data(as_text=True),
        "list choose": client.get("/list").get_data(as_text=True),
    }
    for where, body in outputs.items():
        for secret in SECRET_FRAGMENTS:
            assert secret not in body, f"{secret} leaked in {where}"
    # the places are still findable, at their public location or by name only
    assert "非公開の縁側" in outputs["page /"]
    assert "おおよその縁側" in outputs["api bbox"] and "非公開の縁側" not in outputs["api bbox"]
    assert "おおよその縁側" in outputs["list elementary"] and "非公開の縁側" in outputs["list elementary"]
    feat = json.loads(outputs["api id approx"])
    assert feat["geometry"]["coordinates"] == [135.705, 34.6975]
    assert feat["properties"]["address"] == "奈良県生駒市元町一丁目"
    assert json.loads(outputs["api id hidden"])["geometry"] is None
    near = json.loads(outputs["api near"])
    assert hidden.id not in [f["id"] for f in near["features"]]
    # distances come from the public point: from the true spot a blurred place is not at 0 m
    mine = next(f for f in near["features"] if f["id"] == approx.id)
    assert mine["properties"]["distance_m"] > 50
    assert mine["properties"]["distance_m"] == next(f for f in near["features"] if f["id"] == branch.id)["properties"]["distance_m"]
    found = json.loads(outputs["search approx name"])
    assert found["origin"]["kind"] == "place" and (found["origin"]["lat"], found["origin"]["lon"]) == (34.6975, 135.705)
    assert found["results"][0]["distance_m"] == 0
    hidden_found = json.loads(outputs["search hidden name"])
    assert hidden_found["origin"] is None and hidden_found["matches"][0]["lat"] is None
    helper = json.loads(outputs["search at point"])["help"]
    assert helper["place"]["id"] == branch.id and (helper["place"]["lat"], helper["place"]["lon"]) == (34.6975, 135.705)


def test_demo_engawa_are_blurred(demo_db_url, session_for):
    s = session_for(demo_db_url)
    rows = s.execute(select(Place.precision, Place.point, Place.public_point).where(Place.layer == "engawa")).all()
    assert {r.precision for r in rows} == {"approximate", "hidden"}
    for precision, point, public in rows:
        if precision == "hidden":
            assert public is None
        else:
            assert not to_shape(point).equals(to_shape(public))


def test_signed_in_pages_show_the_exact_point_only_to_that_municipalitys_coordinators(demo_db_url, session_for, request):
    """The coordinator pages and the write API (#11) go through the same rule: the exact point and
    address of a private place reach a coordinator of its municipality (and admins) only."""
    from accounts_helpers import Accounts, release

    request.addfinalizer(lambda: release(demo_db_url))
    s = session_for(demo_db_url)
    approx = _add(s, "approximate", "おおよその縁側")
    hidden = _add(s, "hidden", "非公開の縁側")
    for p in (approx, hidden):
        p.municipality_code = "29209"
        p.confirmed_at = None
        p.updated_at = p.updated_at.replace(year=2020)
    s.commit()
    accounts = Accounts(demo_db_url)
    # a resident report about the place, so that the moderation pages have something to show
    anon = accounts.client(None)
    assert anon.post("/api/submissions", json={"kind": "correction", "place_id": approx.id,
                                               "message": "時間が変わりました"}).status_code == 202

    def outputs(c) -> dict[str, str]:
        out = {}
        for path in (f"/manage/places/{approx.id}", f"/manage/places/{hidden.id}", "/manage/places",
                     "/manage/places?q=縁側", "/manage", "/manage?months=1", "/manage/reports", "/manage/reports/1",
                     f"/api/places/{approx.id}", f"/api/places/{hidden.id}", f"/api/places/{approx.id}/history",
                     f"/api/places/{hidden.id}/history", f"/place/{approx.id}", f"/report?place={approx.id}",
                     f"/report?place={hidden.id}", "/report", "/api/session", "/login", "/imports"):
            r = c.get(path)
            out[path] = f"{r.status_code} {r.get_data(as_text=True)} {dict(r.headers)}"
        return out

    for who in (None, "viewer", "bunkyo"):
        c = accounts.client(who)
        for where, body in outputs(c).items():
            for secret in SECRET_FRAGMENTS:
                assert secret not in body, f"{secret} leaked to {who or 'the public'} in {where}"
    # the write API's answers to someone outside the municipality carry nothing either
    other = accounts.client("bunkyo")
    etag = other.get(f"/api/places/{approx.id}").headers["ETag"]
    r = other.patch(f"/api/places/{approx.id}", json={"name": "x"}, headers={"If-Match": etag, "X-CSRF-Token": other.csrf})
    assert r.status_code == 403 and not any(x in r.get_data(as_text=True) for x in SECRET_FRAGMENTS)
    # ... while the coordinator of 生駒市 does see the exact point (so the check above is meaningful)
    coord = accounts.client("ikoma")
    mine = outputs(coord)
    assert "34.6987654" in mine[f"/api/places/{approx.id}"] and "元町1-2-3 山田方" in mine[f"/manage/places/{hidden.id}"]
    assert "34.6987654" in mine[f"/api/places/{hidden.id}/history"]
    # a 412 answer goes only to someone allowed to edit, with the exact point for them
    r = coord.patch(f"/api/places/{approx.id}", json={"name": "x"}, headers={"If-Match": '"0.0"', "X-CSRF-Token": coord.csrf})
    assert r.status_code == 412 and r.get_json()["current"]["lat"] == 34.6987654
    # the coordinator moves the private place: the public still sees only the blurred cell
    etag = coord.get(f"/api/places/{approx.id}").headers["ETag"]
    r = coord.patch(f"/api/places/{approx.id}", json={"lat": 34.6991234, "lon": 135.7071234},
                    headers={"If-Match": etag, "X-CSRF-Token": coord.csrf})
    assert r.status_code == 200
    for who in (None, "viewer"):
        c = accounts.client(who)
        for where, body in outputs(c).items():
            for secret in ("34.699123", "135.707123", *SECRET_FRAGMENTS):
                assert secret not in body, f"{secret} leaked to {who or 'the public'} in {where} after a move"
