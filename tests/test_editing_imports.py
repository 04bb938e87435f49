"""Importing from the browser (/imports/new): upload → dry run (nothing written) → apply; size
limit, refused file type, municipality scope; and the history of imported changes."""
import io

from click.testing import CliRunner
from sqlalchemy import func, select

from accounts_helpers import release
from helpers import FIXTURES
from geo.editing import imports
from geo.storage.models import Dataset, ImportRun, Place, PlaceChange
from scripts.cli import main

TAKAMATSU = FIXTURES / "takamatsu-facilities" / "community_center.csv"


def _count(s, model, *where):
    return s.scalar(select(func.count()).select_from(model).where(*where))


def _upload(c, path, name=None, **form):
    data = {"csrf_token": c.csrf, "layer": "salons", **form,
            "file": (io.BytesIO(path.read_bytes()), name or path.name)}
    return c.post("/imports/new", data=data, content_type="multipart/form-data")


def test_upload_dry_run_then_apply(accounts, session_for, tmp_path):
    admin = accounts.client("admin", UPLOAD_DIR=str(tmp_path))
    s = session_for(accounts.url)
    places_before, runs_before = _count(s, Place), _count(s, ImportRun)
    assert admin.get("/imports/new").status_code == 200
    r = _upload(admin, TAKAMATSU)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_data(as_text=True)
    assert 'class="n-new">52<' in body and "まだ何も書き込んでいません" in body
    # nothing written: no place, no dataset, not even a run record
    assert _count(s, Place) == places_before and _count(s, ImportRun) == runs_before
    assert _count(s, Dataset, Dataset.name.like("salons:%")) == 0
    token = body.split('name="token" value="')[1].split('"')[0]
    r = admin.post("/imports/new/apply", data={"csrf_token": admin.csrf, "token": token})
    assert r.status_code == 302 and "/imports/" in r.headers["Location"]
    assert _count(s, Place) == places_before + 52
    run = s.scalar(select(ImportRun).order_by(ImportRun.id.desc()).limit(1))
    assert run.status == "applied" and run.new == 52 and run.file_name == "community_center.csv"
    # the history names both the run and the user who started it
    changes = s.scalars(select(PlaceChange).where(PlaceChange.import_run_id == run.id)).all()
    assert len(changes) == 52 and {c.user_id for c in changes} == {accounts.ids["admin"]}
    assert {c.via for c in changes} == {"import"} and {c.action for c in changes} == {"created"}
    assert _count(s, Place, Place.dataset_id == run.dataset_id, Place.confirmed_at.is_(None)) == 0
    # the token is used up, and the stored upload removed
    assert admin.post("/imports/new/apply", data={"csrf_token": admin.csrf, "token": token}).status_code == 410
    assert list(tmp_path.iterdir()) == []


def test_refused_type_size_and_scope(accounts, session_for, tmp_path, monkeypatch):
    c = accounts.client("ikoma", UPLOAD_DIR=str(tmp_path))
    bad = tmp_path / "list.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a csv")
    r = _upload(c, bad)
    assert r.status_code == 415 and "この形式のファイルは取り込めません（.xlsx）" in r.get_data(as_text=True)
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    r = _upload(c, TAKAMATSU)
    assert r.status_code == 413 and "ファイルが大きすぎます" in r.get_data(as_text=True)
    monkeypatch.undo()
    # a coordinator of 生駒市 cannot import 高松市's places: refused whole, nothing written
    s = session_for(accounts.url)
    places_before = _count(s, Place)
    r = _upload(c, TAKAMATSU, municipality_code="")     # 高松市 by the file's layout
    assert r.status_code == 200
    token = r.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    r = c.post("/imports/new/apply", data={"csrf_token": c.csrf, "token": token})
    assert r.status_code == 403 and "担当ではない市区町村" in r.get_data(as_text=True)
    assert _count(s, Place) == places_before
    # for another municipality entirely, the form refuses at once; a viewer may not import
    assert _upload(c, TAKAMATSU, municipality_code="37201").status_code == 403
    viewer = accounts.client("viewer", UPLOAD_DIR=str(tmp_path))
    assert viewer.get("/imports/new").status_code == 403
    assert accounts.client(None).get("/imports/new").status_code == 302


def test_cli_import_history_and_freshness(empty_db_url, session_for, monkeypatch, tmp_path, request):
    request.addfinalizer(lambda: release(empty_db_url))
    monkeypatch.setenv("DATABASE_URL", empty_db_url)
    runner = CliRunner()
    r = runner.invoke(main, ["import", "places", str(TAKAMATSU), "--layer", "salons"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    s = session_for(empty_db_url)
    first = s.scalar(select(ImportRun).order_by(ImportRun.id.desc()).limit(1))
    assert _count(s, PlaceChange, PlaceChange.import_run_id == first.id, PlaceChange.action == "created") == 52
    # a changed re-import: the change is attributed to the second run, with old and new values
    text = TAKAMATSU.read_bytes().decode("utf-8-sig")
    place = s.scalar(select(Place).order_by(Place.id).limit(1))
    changed = tmp_path / TAKAMATSU.name
    changed.write_text(text.replace(place.name, place.name + "（新館）", 1), encoding="utf-8")
    s.execute(Place.__table__.update().values(confirmed_at=None))
    s.commit()
    r = runner.invoke(main, ["import", "places", str(changed), "--layer", "salons"], catch_exceptions=False)
    assert r.exit_code == 0 and "更新 1" in r.output, r.output
    second = s.scalar(select(ImportRun).order_by(ImportRun.id.desc()).limit(1))
    change = s.scalar(select(PlaceChange).where(PlaceChange.import_run_id == second.id))
    assert change.place_id == place.id and change.changes["name"] == [place.name, place.name + "（新館）"]
    assert change.via == "import"
    # present unchanged in the re-import: 最終確認日 set for every place of the file
    assert _count(s, Place, Place.confirmed_at.is_(None)) == 0
