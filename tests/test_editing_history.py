"""History: every writer is recorded (form, API, import, report, plain SQL); meeting mode's
then-and-now reads the map as of a past date from it; the form shows the history and reverts."""
import datetime as dt

from sqlalchemy import select, text

from geo import clock
from geo.analysis import meeting
from geo.editing.asof import places_as_of
from geo.storage.models import Area, Place, PlaceChange


def _api_patch(c, pid, body):
    etag = c.get(f"/api/places/{pid}").headers["ETag"]
    r = c.patch(f"/api/places/{pid}", json=body, headers={"If-Match": etag, "X-CSRF-Token": c.csrf})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r


def test_then_and_now_reads_the_past_from_the_history(accounts, session_for):
    s = session_for(accounts.url)
    salons = s.scalars(select(Place).where(Place.layer == "salons", Place.status == "active").order_by(Place.id)).all()
    closing, renamed, moving = salons[0], salons[1], salons[2]
    old_name, old_schedule = renamed.name, renamed.schedule_text
    c = accounts.client("ikoma")
    _api_patch(c, closing.id, {"status": "closed"})
    _api_patch(c, renamed.id, {"name": "改名したサロン", "schedule_text": "毎週月曜日 9:00～10:00"})
    # move one to another elementary school district
    areas = s.scalars(select(Area).where(Area.kind == "elementary").order_by(Area.id)).all()
    here = meeting.area_of_places(s, "elementary", [moving.id])[moving.id]
    target = next(a for a in areas if a.id != here)
    lat, lon = s.execute(select(Area.geom.ST_PointOnSurface().ST_Y(), Area.geom.ST_PointOnSurface().ST_X())
                         .where(Area.id == target.id)).one()
    _api_patch(c, moving.id, {"lat": lat, "lon": lon})
    created = c.post("/api/places", json={"municipality_code": "29209", "layer": "salons", "name": "今日できたサロン",
                                          "lat": lat, "lon": lon}, headers={"X-CSRF-Token": c.csrf}).get_json()
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    s.expire_all()
    past = {p.id: p for p in places_as_of(s, yesterday, ["salons"])}
    assert closing.id in past and past[closing.id].status == "active"
    assert past[renamed.id].name == old_name and past[renamed.id].schedule_text == old_schedule
    assert created["id"] not in past
    assert places_as_of(s, today) is None   # today: the current rows
    cmp = meeting.compare(s, yesterday, today, "elementary", ["salons"])
    assert [p["id"] for p in cmp.closed] == [closing.id]
    assert [p["id"] for p in cmp.new] == [created["id"]]
    then_name = next(p["name"] for p in cmp.unchanged if p["id"] == renamed.id)
    assert then_name == "改名したサロン"   # 'unchanged' lists places in both, as they are now
    # the moved place is in its old district then and in its new one now, and counted so
    moved_then = next(p for p in meeting.active_places(s, yesterday, ["salons"]) if p.id == moving.id)
    assert moved_then._as_of == yesterday and moved_then.public_point is not None
    assert meeting.area_of_places(s, "elementary", [moved_then]) == {moving.id: here}
    assert meeting.area_of_places(s, "elementary", [moving.id]) == {moving.id: target.id}
    closed_in_target = meeting.area_of_places(s, "elementary", [closing.id]).get(closing.id) == target.id
    assert cmp.counts[target.id]["now"] - cmp.counts[target.id]["then"] == 2 - closed_in_target  # moved + created


def test_every_writer_is_recorded(accounts, session_for):
    s = session_for(accounts.url)
    place = s.scalar(select(Place).where(Place.layer == "salons").order_by(Place.id).limit(1))
    # plain SQL (an operator in psql): recorded as 'sql', version bumped
    s.execute(text("UPDATE place SET fees = '300円' WHERE id = :id"), {"id": place.id})
    s.commit()
    last = s.scalar(select(PlaceChange).where(PlaceChange.place_id == place.id).order_by(PlaceChange.id.desc()).limit(1))
    assert last.via == "sql" and last.changes == {"fees": [place.fees, "300円"]} and last.user_id is None
    # the form: the coordinator's page shows the history with who and what
    c = accounts.client("ikoma")
    page = c.get(f"/manage/places/{place.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "変更の履歴" in body and "300円" in body
    # codes in the history are shown by their labels ("salons" → サロン・通いの場, "active" → 活動中)
    assert "<b>種類</b>: — → サロン・通いの場<" in body and "<b>状況</b>: — → 活動中<" in body, body
    assert "→ salons<" not in body and "→ active<" not in body
    s.expire_all()
    r = c.post(f"/manage/places/{place.id}", data={"csrf_token": c.csrf, "version": str(s.get(Place, place.id).version),
                                                    "name": place.name, "layer": place.layer, "fees": "無料",
                                                    "precision": place.precision, "status": "active"})
    assert r.status_code == 302, r.get_data(as_text=True)
    s.expire_all()
    last = s.scalar(select(PlaceChange).where(PlaceChange.place_id == place.id).order_by(PlaceChange.id.desc()).limit(1))
    assert last.via == "form" and last.user_id == accounts.ids["ikoma"] and last.changes["fees"] == ["300円", "無料"]
    # the form's revert button
    r = c.post(f"/manage/places/{place.id}/revert/{last.id}", data={"csrf_token": c.csrf})
    assert r.status_code == 302
    s.expire_all()
    assert s.get(Place, place.id).fees == "300円"
    # a stale form is refused with both versions shown
    old_version = s.get(Place, place.id).version - 1
    r = c.post(f"/manage/places/{place.id}", data={"csrf_token": c.csrf, "version": str(old_version),
                                                    "name": "古い画面からの変更", "layer": place.layer, "fees": "500円",
                                                    "precision": place.precision, "status": "active"})
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "ほかの人が先にこの場所を変更しました" in body and "500円" in body and "300円" in body
    s.expire_all()
    assert s.get(Place, place.id).fees == "300円"


def test_form_errors_beside_each_field(accounts):
    c = accounts.client("ikoma")
    r = c.post("/manage/places/new", data={"csrf_token": c.csrf, "municipality_code": "29209", "layer": "salons",
                                           "name": "", "url": "ftp://x", "address": "存在しない町99丁目"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'id="err-name">入力してください' in body
    assert 'id="err-url">http:// か https://' in body
    assert 'id="err-address">' in body
    r = c.post("/manage/places/new?lang=en", data={"csrf_token": c.csrf, "municipality_code": "29209", "layer": "salons",
                                                   "name": "", "address": "奈良県生駒市元町一丁目"})
    assert 'id="err-name">Required' in r.get_data(as_text=True)
    # the English form is English: target groups and the municipality by their names
    en = c.get("/manage/places/new?lang=en").get_data(as_text=True)
    assert "> Children</label>" in en and "> Older people</label>" in en and "> こども</label>" not in en
    assert ">奈良県生駒市 (29209)</option>" in en
    assert ">奈良県生駒市（29209）</option>" in c.get("/manage/places/new?lang=ja").get_data(as_text=True)
