"""User administration shared by the management API and the CLI's direct mode."""

from __future__ import annotations

from typing import Any

from footfall.accounts.models import Role, User
from footfall.accounts.service import AccountService, normalize_email
from footfall.domain import normalize_domain
from footfall.errors import InputError, NotFoundError


def user_json(user: User, sites: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role.value if user.role else None,
        "sites": sites or {},
        "created_at": user.created_at.isoformat() if user.created_at else None,
    }


def add_user(acc: AccountService, email: str, password: str, role: str, site: str | None) -> User:
    """A new user, or an existing one given the role (on one site, or instance-wide)."""
    try:
        wanted = Role(role)
    except ValueError:
        raise InputError("role must be owner, admin or viewer", field="role") from None
    found = None
    if site is not None:
        found = acc.catalog.get_site(normalize_domain(site))
        if found is None:
            raise NotFoundError(f"no site {site}", field="site")
    existing = acc.users.get_user(normalize_email(email))
    if existing is None:
        if found is None:
            return acc.add_user(email, password, wanted)
        return acc.add_user(email, password, None, found, wanted)
    if found is None:
        acc.users.set_user_role(existing.user.id, wanted)
    else:
        acc.users.set_membership(existing.user.id, found.id, wanted)
    refreshed = acc.users.get_user_by_id(existing.user.id)
    assert refreshed is not None
    return refreshed.user


def list_users(acc: AccountService) -> list[dict[str, Any]]:
    domains = {s.id: s.domain for s in acc.catalog.list_sites()}
    out = []
    for user in acc.users.list_users():
        own = acc.users.user_memberships(user.id)
        out.append(user_json(user, {domains[i]: r.value for i, r in own.items() if i in domains}))
    return out
