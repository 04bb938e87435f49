"""What a role may do, and where (municipality scope).

- admin: everything, everywhere; manages users.
- coordinator: edits places, imports, moderates reports — in the municipalities assigned to them.
- viewer: reads the coordinator pages (imports, places, history, dashboard); changes nothing.

Municipality codes are compared by their first five digits (全国地方公共団体コード without the
check digit), so '292095' and '29209' are the same 生駒市.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("admin", "coordinator", "viewer")


def code5(code: str | None) -> str | None:
    if not code:
        return None
    code = str(code).strip()
    return code[:5] if len(code) in (5, 6) and code.isdigit() else None


@dataclass(frozen=True)
class Scope:
    """The rights of one signed-in user (or of nobody: Scope.public())."""
    user_id: int | None = None
    role: str | None = None
    municipalities: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def public(cls) -> "Scope":
        return cls()

    @classmethod
    def of(cls, user) -> "Scope":
        if user is None or not getattr(user, "active", False):
            return cls()
        return cls(user_id=user.id, role=user.role,
                   municipalities=frozenset(c for c in (code5(m) for m in user.municipalities or []) if c))

    @property
    def signed_in(self) -> bool:
        return self.role is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_read(self) -> bool:
        """Coordinator pages, read only."""
        return self.role in ROLES

    @property
    def can_write_somewhere(self) -> bool:
        return self.role == "admin" or (self.role == "coordinator" and bool(self.municipalities))

    def covers(self, municipality_code: str | None) -> bool:
        """The municipality is one of this user's (an admin's: every one)."""
        if self.role == "admin":
            return True
        return code5(municipality_code) in self.municipalities if municipality_code else False

    def can_view(self, municipality_code: str | None) -> bool:
        """May open the coordinator page of a place there. Viewers without assigned municipalities
        read everything; with some, only those."""
        if self.role == "admin":
            return True
        if self.role == "viewer" and not self.municipalities:
            return True
        return self.role in ROLES and self.covers(municipality_code)

    def can_edit(self, municipality_code: str | None) -> bool:
        return self.role in ("admin", "coordinator") and self.covers(municipality_code)

    def sees_exact(self, municipality_code: str | None) -> bool:
        """The exact point and address of a private place: a coordinator of its municipality (or
        an admin). Viewers and the public never (geo/places/privacy.py applies this)."""
        return self.can_edit(municipality_code)
