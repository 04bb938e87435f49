"""The write API: every status code (201 + Location, ETag, 412 with the current version, 428, 401,
403, 422 {"errors": {field: message}}), CSRF, role and municipality scope."""
from sqlalchemy import select

from accounts_helpers import login
from geo.storage.models import Place, PlaceChange

NEW = {"municipality_code": "29209", "layer": "salons", "name": "元町ふれあいサロン",
       "address": "奈良県生駒市元町一丁目", "schedule_text": "毎月第2火曜日 10:00～12:00", "target_groups": ["高齢者"]}


def _post(c, body, token=True):
    return c.post("/api/places", json=body, headers={"X-CSRF-Token": c.csrf} if token else {})


def _patch(c, pid, body, etag=None, token=True):
    headers = {"X-CSRF-Token": c.csrf} if token else {}
    if etag is not None:
        headers["If-Match"] = etag
    return c.patch(f"/api/places/{pid}", json=body, headers=headers)


def test_session_endpoint(accounts):
    anon = accounts.client(None)
    body = anon.get("/api/session").get_json()
    assert body["user"] is None and len(body["csrf_token"]) > 20
    c = accounts.client("ikoma")
    body = c.get("/api/session").get_json()
    assert body["user"]["email"] == "ikoma@example.jp" and body["user"]["role"] == "coordinator"
    assert body["user"]["municipalities"] == ["29209"]


def test_create_201_location_etag_and_history(accounts, session_for):
    c = accounts.client("ikoma")
    r = _post(c, NEW)
    assert r.status_code == 201, r.get_data(as_text=True)
    body = r.get_json()
    assert r.headers["Location"].endswith(f"/api/places/{body['id']}")
    assert r.headers["ETag"] == f'"{body["id"]}.1"'
    assert body["geocode_level"] and body["lat"] and body["exact_location"] is True
    # GET sends the same ETag; the public sees the place too
    g = c.get(r.headers["Location"])
    assert g.status_code == 200 and g.headers["ETag"] == r.headers["ETag"]
    pub = accounts.client(None).get(r.headers["Location"])
    assert pub.status_code == 200 and pub.headers["ETag"] == r.headers["ETag"]
    assert pub.get_json()["properties"]["name"] == "元町ふれあいサロン"
    s = session_for(accounts.url)
    change = s.scalar(select(PlaceChange).where(PlaceChange.place_id == body["id"]))
    assert change.action == "created" and change.user_id == accounts.ids["ikoma"] and change.via == "api"
    assert change.changes["name"] == [None, "元町ふれあいサロン"]


def test_patch_requires_if_match_and_refuses_a_stale_version(accounts):
    c = accounts.client("ikoma")
    created = _post(c, NEW)
    pid, etag = created.get_json()["id"], created.headers["ETag"]
    # 428 without If-Match
    r = _patch(c, pid, {"name": "新しい名前"})
    assert r.status_code == 428 and "If-Match" in r.get_json()["error"]
    # 200 with the right version; a new ETag
    r = _patch(c, pid, {"schedule_text": "毎週水曜日 13:30～15:30"}, etag)
    assert r.status_code == 200, r.get_data(as_text=True)
    new_etag = r.headers["ETag"]
    assert new_etag != etag and r.get_json()["schedule_text"] == "毎週水曜日 13:30～15:30"
    # a second edit based on the old version: 412, with the current version in the body
    r = _patch(c, pid, {"name": "古い版からの変更"}, etag)
    assert r.status_code == 412
    assert r.get_json()["current"]["schedule_text"] == "毎週水曜日 13:30～15:30"
    assert r.get_json()["current"]["name"] == "元町ふれあいサロン"
    assert r.headers["ETag"] == new_etag
    # nothing of the stale edit was written
    assert c.get(f"/api/places/{pid}").get_json()["name"] == "元町ふれあいサロン"


def test_422_errors_per_field(accounts):
    c = accounts.client("ikoma")
    r = _post(c, {**NEW, "name": "", "url": "javascript:alert(1)", "layer": "nope", "capacity": -3})
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert set(errors) == {"name", "url", "layer", "capacity"}
    assert errors["name"] == "入力してください"
    r = _post(c, {"municipality_code": "29209", "layer": "salons", "name": "位置なし"})
    assert r.status_code == 422 and "address" in r.get_json()["errors"]
    # English when asked
    r = c.post("/api/places?lang=en", json={**NEW, "name": ""}, headers={"X-CSRF-Token": c.csrf})
    assert r.get_json()["errors"]["name"] == "Required"
    pid = _post(c, NEW).get_json()["id"]
    etag = c.get(f"/api/places/{pid}").headers["ETag"]
    r = _patch(c, pid, {"lat": 34.7}, etag)
    assert r.status_code == 422 and "lon" in r.get_json()["errors"]
    r = _patch(c, pid, {"municipality_code": "13105"}, etag)
    assert r.status_code == 422 and "municipality_code" in r.get_json()["errors"]


def test_401_403_scope_and_roles(accounts, session_for):
    s = session_for(accounts.url)
    ikoma_place = s.scalar(select(Place).where(Place.municipality_code == "29209").limit(1))
    anon = accounts.client(None)
    assert anon.post("/api/places", json=NEW).status_code == 401
    assert anon.patch(f"/api/places/{ikoma_place.id}", json={"name": "x"}, headers={"If-Match": "*"}).status_code == 401
    assert anon.get(f"/api/places/{ikoma_place.id}/history").status_code == 401
    assert anon.post(f"/api/places/{ikoma_place.id}/confirm").status_code == 401
    # a coordinator of another municipality: 403 for creating there, editing and reading history
    other = accounts.client("bunkyo")
    assert _post(other, NEW).status_code == 403
    etag = other.get(f"/api/places/{ikoma_place.id}").headers["ETag"]
    assert _patch(other, ikoma_place.id, {"name": "x"}, etag).status_code == 403
    assert other.get(f"/api/places/{ikoma_place.id}/history").status_code == 403
    assert other.get(f"/manage/places/{ikoma_place.id}").status_code == 403
    # a viewer reads but never writes
    viewer = accounts.client("viewer")
    assert viewer.get(f"/api/places/{ikoma_place.id}/history").status_code == 200
    assert _post(viewer, NEW).status_code == 403
    assert _patch(viewer, ikoma_place.id, {"name": "x"}, etag).status_code == 403
    assert viewer.post(f"/api/places/{ikoma_place.id}/confirm", headers={"X-CSRF-Token": viewer.csrf}).status_code == 403
    # the admin may everything
    admin = accounts.client("admin")
    assert _patch(admin, ikoma_place.id, {"fees": "100円"}, etag).status_code == 200


def test_csrf_is_required_for_users(accounts):
    c = accounts.client("ikoma")
    r = _post(c, NEW, token=False)
    assert r.status_code == 400 and r.get_json()["code"] == "csrf_failed"
    r = c.post("/api/places", json=NEW, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 400
    # a form post without the token is refused too
    r = c.post("/manage/places/new", data={"name": "x"})
    assert r.status_code == 400
    r = c.post("/logout")
    assert r.status_code == 400
    # the login form itself checks it (login CSRF)
    anon = accounts.client(None)
    r = anon.post("/login", json={"email": accounts.ikoma, "password": "whatever"})
    assert r.status_code == 400


def test_confirm_and_history_endpoint(accounts, session_for):
    c = accounts.client("ikoma")
    created = _post(c, NEW)
    pid = created.get_json()["id"]
    r = c.post(f"/api/places/{pid}/confirm", headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 200 and r.get_json()["confirmed_at"]
    # confirming does not change the version: a concurrent editor is not refused for it
    assert r.headers["ETag"] == created.headers["ETag"]
    _patch(c, pid, {"fees": "200円"}, created.headers["ETag"])
    h = c.get(f"/api/places/{pid}/history").get_json()["changes"]
    assert [x["action"] for x in h] == ["updated", "confirmed", "created"]
    assert h[0]["changes"]["fees"] == [None, "200円"] and h[0]["who"]["label"] == "生駒の担当"


def test_revert_one_change(accounts):
    c = accounts.client("ikoma")
    created = _post(c, NEW)
    pid = created.get_json()["id"]
    r1 = _patch(c, pid, {"fees": "100円", "phone": "0743-00-0000"}, created.headers["ETag"])
    r2 = _patch(c, pid, {"phone": "0743-11-1111"}, r1.headers["ETag"])
    changes = c.get(f"/api/places/{pid}/history").get_json()["changes"]
    first = next(x for x in changes if x["changes"].get("fees"))
    r = c.post(f"/api/places/{pid}/history/{first['id']}/revert", headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 200
    body = r.get_json()
    # fees goes back; phone was changed again since, so it stays
    assert body["place"]["fees"] is None and body["place"]["phone"] == "0743-11-1111"
    assert body["skipped"] == ["phone"]
    latest = c.get(f"/api/places/{pid}/history").get_json()["changes"][0]
    assert latest["action"] == "reverted" and latest["reverts_id"] == first["id"]
    assert r2.status_code == 200


def test_session_cookie_flags_and_rotation(accounts):
    c = accounts.client(None)
    token_before = csrf_before = c.get("/api/session").get_json()["csrf_token"]
    r = login(c, accounts.ikoma)
    cookie = r.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    # rotated at login: the anonymous CSRF token is not the signed-in one
    assert r.get_json()["csrf_token"] != token_before
    assert csrf_before
    secure = accounts.client(None, SESSION_COOKIE_SECURE=True)
    r = login(secure, accounts.ikoma)
    assert "Secure" in r.headers.get("Set-Cookie")
    # logout ends the session
    c2 = accounts.client("ikoma")
    assert c2.post("/logout", headers={"X-CSRF-Token": c2.csrf}).status_code == 302
    assert c2.get("/api/session").get_json()["user"] is None
    assert c2.post("/api/places", json=NEW, headers={"X-CSRF-Token": c2.csrf}).status_code == 401
