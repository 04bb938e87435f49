"""Users: create, list, disable, change password, authenticate with the login throttle.

Errors are AccountError(code, **params); the words live in geo/vocab.py.
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from geo.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from geo.accounts.scope import ROLES, code5
from geo.storage.models import LoginAttempt, User

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = dt.timedelta(minutes=15)


class AccountError(ValueError):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def _municipalities(codes) -> list[str]:
    out = []
    for c in codes or []:
        c5 = code5(c)
        if c5 is None:
            raise AccountError("municipality_invalid", code=str(c)[:20])
        if c5 not in out:
            out.append(c5)
    return out


def create_user(session: Session, email: str, password: str, role: str, municipalities=(),
                display_name: str | None = None) -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise AccountError("email_invalid")
    if role not in ROLES:
        raise AccountError("role_invalid", role=str(role)[:20])
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    codes = _municipalities(municipalities)
    if role == "coordinator" and not codes:
        raise AccountError("coordinator_needs_municipality")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("email_taken")
    name = (display_name or email.split("@")[0]).strip()[:100]
    user = User(email=email, display_name=name, password_hash=hash_password(password), role=role,
                municipalities=codes, active=True)
    session.add(user)
    session.flush()
    return user


def get_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def require(session: Session, email: str) -> User:
    user = get_by_email(session, email)
    if user is None:
        raise AccountError("user_unknown", email=normalise_email(email)[:100])
    return user


def set_active(session: Session, user: User, active: bool) -> User:
    user.active = active
    user.auth_epoch = (user.auth_epoch or 1) + 1   # ends every session of this account
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> User:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.auth_epoch = (user.auth_epoch or 1) + 1
    session.flush()
    return user


def update_user(session: Session, user: User, role: str | None = None, municipalities=None,
                display_name: str | None = None) -> User:
    if role is not None:
        if role not in ROLES:
            raise AccountError("role_invalid", role=str(role)[:20])
        user.role = role
    if municipalities is not None:
        user.municipalities = _municipalities(municipalities)
    if user.role == "coordinator" and not user.municipalities:
        raise AccountError("coordinator_needs_municipality")
    if display_name is not None and display_name.strip():
        user.display_name = display_name.strip()[:100]
    user.auth_epoch = (user.auth_epoch or 1) + 1
    session.flush()
    return user


# --------------------------------------------------------------------------- login
def throttled(session: Session, email: str, client: str, now: dt.datetime | None = None) -> bool:
    """5 failures in 15 minutes for this account or from this client address."""
    now = now or dt.datetime.now(dt.timezone.utc)
    since = now - THROTTLE_WINDOW
    email = normalise_email(email)
    by_email = session.scalar(select(func.count()).where(LoginAttempt.email == email, LoginAttempt.at > since))
    by_client = session.scalar(select(func.count()).where(LoginAttempt.client == client, LoginAttempt.at > since))
    return by_email >= THROTTLE_FAILURES or by_client >= THROTTLE_FAILURES


def retry_after_seconds(session: Session, email: str, client: str) -> int:
    """Seconds until the oldest failure that keeps the throttle on leaves the window."""
    now = dt.datetime.now(dt.timezone.utc)
    since = now - THROTTLE_WINDOW
    rows = session.scalars(select(LoginAttempt.at).where(
        or_(LoginAttempt.email == normalise_email(email), LoginAttempt.client == client),
        LoginAttempt.at > since).order_by(LoginAttempt.at.desc()).limit(THROTTLE_FAILURES)).all()
    if len(rows) < THROTTLE_FAILURES:
        return 60
    return max(1, int((rows[-1] + THROTTLE_WINDOW - now).total_seconds()) + 1)


def authenticate(session: Session, email: str, password: str, client: str) -> tuple[User | None, str | None]:
    """(user, None) on success; (None, 'throttled') or (None, 'login_failed') otherwise — the same
    code for an unknown email, a wrong password and a disabled account."""
    email = normalise_email(email)[:254]
    if throttled(session, email, client):
        return None, "throttled"
    user = session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user is not None else None, password or "")
    if not ok or user is None or not user.active:
        session.add(LoginAttempt(email=email, client=client))
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < func.now() - dt.timedelta(days=1)))
        session.flush()
        return None, "login_failed"
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = func.now()
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    session.flush()
    return user, None
