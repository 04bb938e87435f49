"""Helpers for the account tests (#11): users straight in the database, logging a test client in."""
from __future__ import annotations

from sqlalchemy import create_engine, pool
from sqlalchemy.orm import Session

from helpers import make_app

PASSWORD = "correct horse battery staple"


def add_user(url: str, email: str, role: str, municipalities=(), password: str = PASSWORD, name: str | None = None):
    """Create a user straight in the database (what `tsunagari user add` does)."""
    from geo.accounts.users import create_user

    engine = create_engine(url, poolclass=pool.NullPool)
    with Session(engine) as s:
        user = create_user(s, email, password, role, list(municipalities), name)
        s.commit()
        uid = user.id
    engine.dispose()
    return uid


def release(url: str) -> None:
    """Close the app's pooled connections to one test database."""
    from geo.storage import db

    engine = db._engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def csrf_of(client) -> str:
    return client.get("/api/session").get_json()["csrf_token"]


def login(client, email: str, password: str = PASSWORD):
    """Log a test client in through POST /login (JSON, with the CSRF header); returns the response."""
    token = csrf_of(client)
    return client.post("/login", json={"email": email, "password": password}, headers={"X-CSRF-Token": token})


class Accounts:
    """One admin, a coordinator of 生駒市 (29209), a coordinator of 文京区 (13105), a viewer."""
    admin = "admin@example.jp"
    ikoma = "ikoma@example.jp"
    bunkyo = "bunkyo@example.jp"
    viewer = "viewer@example.jp"

    def __init__(self, url: str):
        self.url = url
        self.ids = {
            "admin": add_user(url, self.admin, "admin", name="管理者"),
            "ikoma": add_user(url, self.ikoma, "coordinator", ["29209"], name="生駒の担当"),
            "bunkyo": add_user(url, self.bunkyo, "coordinator", ["13105"], name="文京の担当"),
            "viewer": add_user(url, self.viewer, "viewer", name="閲覧者"),
        }

    def client(self, who: str | None, **config):
        """A test client of a fresh app, logged in as `who` (None: anonymous); .csrf holds its token."""
        c = make_app(self.url, **config).test_client()
        if who is not None:
            r = login(c, getattr(self, who))
            assert r.status_code == 200, r.get_data(as_text=True)
            c.csrf = r.get_json()["csrf_token"]
        else:
            c.csrf = None
        return c
