"""Accounts: the `tsunagari user` commands, password hashing, login messages and throttling,
pages behind login, the admin page."""
import re

from click.testing import CliRunner
from sqlalchemy import select

from accounts_helpers import PASSWORD, csrf_of, login, release
from helpers import make_app
from geo.accounts.passwords import hash_password, verify_password
from geo.accounts.scope import Scope
from geo.storage.models import User
from scripts.cli import main


def test_password_hash_is_argon2id_and_salted():
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a.startswith("$argon2id$") and a != b
    assert verify_password(a, "correct horse") and not verify_password(a, "wrong horse")
    assert not verify_password(None, "correct horse")


def test_user_commands(demo_db_url, session_for, monkeypatch, request):
    request.addfinalizer(lambda: release(demo_db_url))
    monkeypatch.setenv("DATABASE_URL", demo_db_url)
    runner = CliRunner()
    monkeypatch.setenv("TSUNAGARI_PASSWORD", "first-admin-password")
    r = runner.invoke(main, ["user", "add", "Admin@Example.jp", "--role", "admin"])
    assert r.exit_code == 0, r.output
    assert "admin@example.jp" in r.output
    r = runner.invoke(main, ["user", "add", "coord@example.jp", "--role", "coordinator"])
    assert r.exit_code != 0 and "担当の市区町村" in r.output   # a coordinator needs a municipality
    r = runner.invoke(main, ["user", "add", "coord@example.jp", "--role", "coordinator", "--municipality", "292095"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["user", "add", "coord@example.jp", "--role", "viewer"])
    assert r.exit_code != 0 and "すでに登録" in r.output
    monkeypatch.delenv("TSUNAGARI_PASSWORD")
    # without the variable, the password is asked (twice), never taken from an argument
    r = runner.invoke(main, ["user", "add", "viewer@example.jp", "--role", "viewer"],
                      input="viewer-password-1\nviewer-password-1\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["user", "add", "short@example.jp", "--role", "viewer"], input="short\nshort\n")
    assert r.exit_code != 0 and "10文字以上" in r.output
    r = runner.invoke(main, ["user", "list"])
    assert r.exit_code == 0
    assert re.search(r"coord@example.jp\tcoordinator\t29209\tactive", r.output)
    r = runner.invoke(main, ["user", "password", "coord@example.jp"], input="another-password\nanother-password\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["user", "disable", "coord@example.jp"])
    assert r.exit_code == 0
    r = runner.invoke(main, ["user", "disable", "nobody@example.jp"])
    assert r.exit_code != 0 and "見つかりません" in r.output
    s = session_for(demo_db_url)
    users = {u.email: u for u in s.scalars(select(User))}
    assert users["coord@example.jp"].active is False and users["coord@example.jp"].municipalities == ["29209"]
    assert users["admin@example.jp"].password_hash.startswith("$argon2id$")
    # a disabled account cannot log in; the admin can
    c = make_app(demo_db_url).test_client()
    assert login(c, "coord@example.jp", "another-password").status_code == 401
    assert login(c, "admin@example.jp", "first-admin-password").status_code == 200


def test_same_message_for_unknown_email_and_wrong_password(accounts):
    c = accounts.client(None)
    unknown = login(c, "nobody@example.jp", PASSWORD)
    wrong = login(c, accounts.ikoma, "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()
    # the form says the same too
    token = csrf_of(c)
    a = c.post("/login", data={"email": "nobody@example.jp", "password": "x", "csrf_token": token})
    b = c.post("/login", data={"email": accounts.ikoma, "password": "x", "csrf_token": token})
    assert a.status_code == b.status_code == 401
    msg = "メールアドレスまたはパスワードが違います"
    assert msg in a.get_data(as_text=True) and msg in b.get_data(as_text=True)


def test_throttle_per_account(accounts):
    c = accounts.client(None)
    for _ in range(5):
        assert login(c, accounts.ikoma, "wrong").status_code == 401
    # from another address, the right password still gets 429 for this account for a while
    other = make_app(accounts.url).test_client()
    token = csrf_of(other)
    r = other.post("/login", json={"email": accounts.ikoma, "password": PASSWORD},
                   headers={"X-CSRF-Token": token}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "しばらくログインできません" in r.get_json()["error"]
    # another account is not affected from another address
    r = other.post("/login", json={"email": accounts.bunkyo, "password": PASSWORD},
                   headers={"X-CSRF-Token": token}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.status_code == 200


def test_throttle_per_client_address(accounts):
    c = accounts.client(None)
    token = csrf_of(c)
    env = {"REMOTE_ADDR": "192.0.2.7"}
    for i in range(5):
        r = c.post("/login", json={"email": f"guess{i}@example.jp", "password": "x"},
                   headers={"X-CSRF-Token": token}, environ_base=env)
        assert r.status_code == 401
    r = c.post("/login", json={"email": accounts.viewer, "password": PASSWORD},
               headers={"X-CSRF-Token": token}, environ_base=env)
    assert r.status_code == 429
    # the login form shows the same as a page, with 429
    r = c.post("/login", data={"email": accounts.viewer, "password": PASSWORD, "csrf_token": token}, environ_base=env)
    assert r.status_code == 429 and "しばらくログインできません" in r.get_data(as_text=True)


def test_pages_behind_login(accounts):
    anon = accounts.client(None)
    for path in ("/imports", "/manage", "/manage/places", "/manage/places/new", "/manage/reports", "/admin/users"):
        r = anon.get(path)
        assert r.status_code == 302 and "/login?next=" in r.headers["Location"], path
    # residents' pages and the public API stay open
    for path in ("/", "/api/places?bbox=135.6,34.6,135.8,34.8", "/list", "/report"):
        assert anon.get(path).status_code == 200, path
    viewer = accounts.client("viewer")
    for path in ("/imports", "/manage", "/manage/places", "/manage/reports"):
        assert viewer.get(path).status_code == 200, path
    assert viewer.get("/admin/users").status_code == 403
    assert viewer.get("/manage/places/new").status_code == 403
    coord = accounts.client("ikoma")
    assert coord.get("/admin/users").status_code == 403
    assert coord.get("/manage/places/new").status_code == 200


def test_login_redirects_only_inside_the_site(accounts):
    c = accounts.client(None)
    token = csrf_of(c)
    r = c.post("/login", data={"email": accounts.ikoma, "password": PASSWORD, "csrf_token": token,
                               "next": "https://evil.example/"})
    assert r.status_code == 302 and r.headers["Location"] == "/manage"
    c = accounts.client(None)
    token = csrf_of(c)
    r = c.post("/login", data={"email": accounts.ikoma, "password": PASSWORD, "csrf_token": token,
                               "next": "/manage/places"})
    assert r.headers["Location"] == "/manage/places"


def test_admin_page_manages_users(accounts, session_for):
    admin = accounts.client("admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert accounts.ikoma in page
    r = admin.post("/admin/users", data={"email": "new@example.jp", "display_name": "新しい人", "role": "coordinator",
                                         "municipalities": "29209 13105", "password": "long-enough-pw",
                                         "csrf_token": admin.csrf})
    assert r.status_code == 302
    r = admin.post("/admin/users", data={"email": "bad", "role": "viewer", "password": "long-enough-pw",
                                         "csrf_token": admin.csrf})
    assert r.status_code == 422 and "メールアドレスの形" in r.get_data(as_text=True)
    s = session_for(accounts.url)
    new = s.scalar(select(User).where(User.email == "new@example.jp"))
    assert new.municipalities == ["29209", "13105"] and new.role == "coordinator"
    # disabling ends that user's sessions at once
    coord = accounts.client("ikoma")
    dashboard = coord.get("/manage")
    assert dashboard.status_code == 200 and "<h2>奈良県生駒市</h2>" in dashboard.get_data(as_text=True)
    r = admin.post(f"/admin/users/{accounts.ids['ikoma']}", data={"action": "disable", "csrf_token": admin.csrf})
    assert r.status_code == 302
    assert coord.get("/manage").status_code == 302
    # changing a password too
    viewer = accounts.client("viewer")
    admin.post(f"/admin/users/{accounts.ids['viewer']}", data={"action": "password", "password": "a-new-password-1",
                                                                "csrf_token": admin.csrf})
    assert viewer.get("/manage").status_code == 302
    assert login(accounts.client(None), accounts.viewer, "a-new-password-1").status_code == 200


def test_scope_rules():
    class U:
        id, active = 1, True

        def __init__(self, role, municipalities):
            self.role, self.municipalities = role, municipalities

    coord = Scope.of(U("coordinator", ["292095"]))
    assert coord.can_edit("29209") and coord.can_edit("292095") and not coord.can_edit("13105")
    assert coord.sees_exact("29209") and not coord.sees_exact("13105") and not coord.can_edit(None)
    viewer = Scope.of(U("viewer", []))
    assert viewer.can_view("29209") and not viewer.can_edit("29209") and not viewer.sees_exact("29209")
    admin = Scope.of(U("admin", []))
    assert admin.can_edit("13105") and admin.sees_exact("29209") and admin.is_admin
    assert not Scope.public().can_read and not Scope.public().sees_exact("29209")
