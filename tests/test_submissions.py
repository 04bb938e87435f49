"""Resident reports: 202, nothing public before approval, approval creates or changes the place with
its history pointing to the report, rejection with a reason, contact erased, honeypot, size and
rate limits, hostile text stored and shown inert."""
from sqlalchemy import func, select

from geo.storage.models import Place, PlaceChange, Submission

LAT, LON = 34.6905, 135.7005   # inside 生駒市


def _found(c, name):
    return [m["name"] for m in c.get(f"/api/search?q={name}").get_json()["matches"]]


def _report(c, body, **kw):
    return c.post("/api/submissions", json=body, **kw)


def test_new_place_report_needs_approval(accounts, session_for):
    anon = accounts.client(None)
    r = _report(anon, {"kind": "new", "fields": {"name": "みんなの縁側カフェ", "lat": LAT, "lon": LON, "layer": "engawa",
                                                 "schedule_text": "毎週金曜日 13:00～16:00"},
                       "message": "毎週金曜日にやっています", "contact": "090-0000-0000"})
    assert r.status_code == 202 and r.get_json()["status"] == "received"
    # not public
    assert _found(anon, "みんなの縁側カフェ") == []
    s = session_for(accounts.url)
    sub = s.scalar(select(Submission))
    assert sub.municipality_code == "29209" and sub.status == "open" and sub.contact == "090-0000-0000"
    # the coordinator of 生駒市 sees it in the queue; the one of 文京区 does not
    coord = accounts.client("ikoma")
    assert "みんなの縁側カフェ" in coord.get("/manage/reports").get_data(as_text=True)
    other = accounts.client("bunkyo")
    assert "みんなの縁側カフェ" not in other.get("/manage/reports").get_data(as_text=True)
    assert other.get(f"/manage/reports/{sub.id}").status_code == 403
    assert other.post(f"/manage/reports/{sub.id}/approve", data={"csrf_token": other.csrf}).status_code == 403
    # approve: the place exists, public, its history points to the report; the contact is erased
    r = coord.post(f"/manage/reports/{sub.id}/approve", data={"csrf_token": coord.csrf, "layer": "engawa",
                                                              "municipality_code": "29209"})
    assert r.status_code == 302, r.get_data(as_text=True)
    s.expire_all()
    sub = s.get(Submission, sub.id)
    assert sub.status == "approved" and sub.contact is None and sub.decided_by == accounts.ids["ikoma"]
    place = s.get(Place, sub.result_place_id)
    assert place.name == "みんなの縁側カフェ" and place.precision == "approximate"   # the layer's default
    change = s.scalar(select(PlaceChange).where(PlaceChange.place_id == place.id))
    assert change.action == "created" and change.submission_id == sub.id and change.user_id == accounts.ids["ikoma"]
    assert _found(anon, "みんなの縁側カフェ") == ["みんなの縁側カフェ"]


def test_correction_and_closure_reports(accounts, session_for):
    s = session_for(accounts.url)
    place = s.scalar(select(Place).where(Place.layer == "salons").order_by(Place.id).limit(1))
    anon = accounts.client(None)
    r = _report(anon, {"kind": "correction", "place_id": place.id, "fields": {"schedule_text": "毎週火曜日 10:00～11:30"},
                       "message": "曜日が変わりました"})
    assert r.status_code == 202
    r = _report(anon, {"kind": "closed", "place_id": place.id, "message": "3月で終わりました"})
    assert r.status_code == 202
    subs = s.scalars(select(Submission).order_by(Submission.id)).all()
    coord = accounts.client("ikoma")
    assert coord.post(f"/manage/reports/{subs[0].id}/approve", data={"csrf_token": coord.csrf}).status_code == 302
    s.expire_all()
    assert s.get(Place, place.id).schedule_text == "毎週火曜日 10:00～11:30"
    # rejecting needs a reason, which is kept; the place stays open
    r = coord.post(f"/manage/reports/{subs[1].id}/reject", data={"csrf_token": coord.csrf, "reason": ""})
    assert r.status_code == 422
    r = coord.post(f"/manage/reports/{subs[1].id}/reject", data={"csrf_token": coord.csrf, "reason": "まだ続いています"})
    assert r.status_code == 302
    s.expire_all()
    assert s.get(Submission, subs[1].id).reason == "まだ続いています"
    assert s.get(Place, place.id).status == "active"
    changes = s.scalars(select(PlaceChange).where(PlaceChange.place_id == place.id).order_by(PlaceChange.id)).all()
    assert changes[-1].submission_id == subs[0].id and changes[-1].via == "report"


def test_bad_reports_422_and_limits(accounts, session_for):
    anon = accounts.client(None)
    assert _report(anon, {"kind": "gossip"}).status_code == 422
    r = _report(anon, {"kind": "new", "fields": {"name": ""}})
    assert r.status_code == 422 and set(r.get_json()["errors"]) >= {"name", "address"}
    assert _report(anon, {"kind": "correction", "place_id": 999999, "message": "x"}).status_code == 422
    assert _report(anon, {"kind": "new", "fields": {"name": "x", "password": "y", "lat": LAT, "lon": LON}}).status_code == 422
    assert _report(anon, {"kind": "new", "message": "x" * 2001, "fields": {"name": "x", "lat": LAT, "lon": LON}}).status_code == 422
    r = anon.post("/api/submissions", data="x" * 20000, content_type="application/json")
    assert r.status_code == 413
    assert anon.post("/api/submissions", data="not json", content_type="application/json").status_code == 422
    s = session_for(accounts.url)
    assert s.scalar(select(func.count()).select_from(Submission)) == 0


def test_honeypot_and_rate_limit(accounts, session_for):
    anon = accounts.client(None)
    body = {"kind": "new", "fields": {"name": "ロボット", "lat": LAT, "lon": LON}}
    assert _report(anon, {**body, "website": "http://spam.example"}).status_code == 202
    s = session_for(accounts.url)
    assert s.scalar(select(func.count()).select_from(Submission)) == 0   # accepted, silently dropped
    env = {"REMOTE_ADDR": "198.51.100.4"}
    for _ in range(5):
        assert _report(anon, body, environ_base=env).status_code == 202
    r = _report(anon, body, environ_base=env)
    assert r.status_code == 429
    # another address is not limited; the address itself is never stored in clear
    assert _report(anon, body, environ_base={"REMOTE_ADDR": "198.51.100.5"}).status_code == 202
    clients = s.scalars(select(Submission.client)).all()
    assert all("198.51.100" not in c for c in clients)


def test_hostile_text_is_inert(accounts, session_for):
    anon = accounts.client(None)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert _report(anon, {"kind": "new", "fields": {"name": evil, "lat": LAT, "lon": LON}, "message": evil}).status_code == 202
    coord = accounts.client("ikoma")
    s = session_for(accounts.url)
    sub = s.scalar(select(Submission))
    for page in (coord.get("/manage/reports"), coord.get(f"/manage/reports/{sub.id}")):
        body = page.get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;" in body


def test_report_forms_without_javascript(accounts, session_for):
    anon = accounts.client(None)
    s = session_for(accounts.url)
    place = s.scalar(select(Place).where(Place.layer == "salons").limit(1))
    page = anon.get(f"/place/{place.id}").get_data(as_text=True)
    assert "情報のまちがいを知らせる" in page and f"/report?place={place.id}" in page
    assert "ここにある場所を教える" in anon.get("/").get_data(as_text=True)
    form = anon.get(f"/report?place={place.id}").get_data(as_text=True)
    assert place.name in form
    token = anon.get("/api/session").get_json()["csrf_token"]
    r = anon.post("/report", data={"kind": "closed", "place_id": place.id, "message": "終わりました", "csrf_token": token})
    assert r.status_code == 202 and "受け付けました" in r.get_data(as_text=True)
    r = anon.post("/report", data={"kind": "new", "name": "", "csrf_token": token})
    assert r.status_code == 422
