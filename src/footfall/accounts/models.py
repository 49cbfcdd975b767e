"""Plain value types of the accounts layer: no I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Role(enum.StrEnum):
    """A user's role on a site; on a user row, the same role on every site."""

    OWNER = "owner"
    ADMIN = "admin"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return {Role.VIEWER: 1, Role.ADMIN: 2, Role.OWNER: 3}[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    role: Role | None  # instance-wide role (every site); None: per-site roles only
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user row with its argon2 hash, as the store keeps it."""

    user: User
    password_hash: str


@dataclass(frozen=True, slots=True)
class Member:
    user: User
    role: Role  # the membership's role on the site


@dataclass(frozen=True, slots=True)
class WebSession:
    user_id: int
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Invitation:
    token_hash: bytes
    email: str
    site_id: int
    role: Role
    invited_by: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SharedLink:
    id: int
    site_id: int
    token: str
    name: str
    password_hash: str | None
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None


@dataclass(frozen=True, slots=True)
class Segment:
    """A saved filter set of a site: a user's own, or shared with the site."""

    id: int
    site_id: int
    name: str
    filters: str  # JSON: a Plausible v2 filters list
    user_id: int | None  # the owner of a personal segment; None: shared with the site
    created_by: int


@dataclass(frozen=True, slots=True)
class TotpState:
    """A user's second factor as the store keeps it (accounts/totp.py): the secret
    encrypted (never in clear), whether enrolment was confirmed, the last time step a
    code was accepted at (no replay), and the hashes of the unused recovery codes."""

    secret: bytes
    enabled: bool
    last_step: int
    recovery_hashes: tuple[str, ...] = ()
