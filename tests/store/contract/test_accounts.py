"""The Accounts contract: users, memberships, sessions, invitations, shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from footfall.accounts.models import Invitation, Role, SharedLink, StoredUser, User
from footfall.errors import ConflictError
from footfall.store.registry import Stores

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


def test_users_round_trip(stores: Stores) -> None:
    acc = stores.accounts
    assert acc.count_users() == 0
    ann = acc.add_user("ann@example.com", "hash-a", Role.OWNER)
    bob = acc.add_user("bob@example.com", "hash-b", None)
    with pytest.raises(ConflictError):
        acc.add_user("ann@example.com", "x", None)
    assert acc.count_users() == 2 and ann.role is Role.OWNER and bob.role is None
    stored = acc.get_user("ann@example.com")
    assert stored is not None and stored.user == ann and stored.password_hash == "hash-a"
    assert acc.get_user_by_id(bob.id) is not None and acc.get_user("x@y.z") is None
    acc.set_password(ann.id, "hash-new")
    acc.set_user_role(bob.id, Role.VIEWER)
    again = acc.get_user_by_id(ann.id)
    assert again is not None and again.password_hash == "hash-new"
    assert [u.role for u in acc.list_users()] == [Role.OWNER, Role.VIEWER]


def test_memberships_and_removal(stores: Stores) -> None:
    acc = stores.accounts
    site = stores.catalog.add_site("a.com", "UTC", "u1")
    ann = acc.add_user("ann@example.com", "h", None)
    acc.set_membership(ann.id, site.id, Role.VIEWER)
    acc.set_membership(ann.id, site.id, Role.ADMIN)  # replaces
    assert acc.user_memberships(ann.id) == {site.id: Role.ADMIN}
    [member] = acc.site_members(site.id)
    assert member.user.email == "ann@example.com" and member.role is Role.ADMIN
    assert acc.remove_membership(ann.id, site.id) is True
    assert acc.remove_membership(ann.id, site.id) is False
    acc.set_membership(ann.id, site.id, Role.VIEWER)
    acc.add_web_session(b"t" * 32, ann.id, T0 + timedelta(days=1))
    acc.remove_user(ann.id)
    assert acc.get_user_by_id(ann.id) is None and acc.site_members(site.id) == []
    assert acc.get_web_session(b"t" * 32) is None


def test_web_sessions_expire_and_end(stores: Stores) -> None:
    acc = stores.accounts
    ann = acc.add_user("ann@example.com", "h", None)
    acc.add_web_session(b"a" * 32, ann.id, T0 + timedelta(hours=1))
    acc.add_web_session(b"b" * 32, ann.id, T0 + timedelta(days=2))
    session = acc.get_web_session(b"a" * 32)
    assert session is not None and session.user_id == ann.id
    assert session.expires_at == T0 + timedelta(hours=1)
    acc.remove_expired_web_sessions(T0 + timedelta(days=1))
    assert acc.get_web_session(b"a" * 32) is None and acc.get_web_session(b"b" * 32)
    acc.remove_web_session(b"b" * 32)
    assert acc.get_web_session(b"b" * 32) is None
    acc.add_web_session(b"c" * 32, ann.id, T0 + timedelta(days=2))
    acc.remove_user_sessions(ann.id)
    assert acc.get_web_session(b"c" * 32) is None


def test_invitations_and_shares(stores: Stores) -> None:
    acc = stores.accounts
    site = stores.catalog.add_site("a.com", "UTC", "u1")
    ann = acc.add_user("ann@example.com", "h", Role.OWNER)
    inv = Invitation(b"i" * 32, "bob@example.com", site.id, Role.VIEWER, ann.email, T0, T0)
    acc.add_invitation(inv)
    assert acc.get_invitation(b"i" * 32) == inv and acc.site_invitations(site.id) == [inv]
    assert acc.remove_invitation(b"i" * 32) is True
    assert acc.remove_invitation(b"i" * 32) is False
    share = acc.add_share(site.id, "tok", "press", None)
    locked = acc.add_share(site.id, "tok2", "board", "pw-hash")
    assert acc.get_share("tok") == share and locked.password_hash == "pw-hash"
    assert [s.token for s in acc.site_shares(site.id)] == ["tok", "tok2"]
    assert acc.revoke_share(site.id, share.id, T0) is True
    assert acc.revoke_share(site.id + 1, locked.id, T0) is False  # another site's
    revoked = acc.get_share("tok")
    assert revoked is not None and revoked.revoked_at == T0


def test_forgetting_a_site_leaves_other_sites_alone(stores: Stores) -> None:
    acc = stores.accounts
    a, b = (
        stores.catalog.add_site("a.com", "UTC", "u1"),
        stores.catalog.add_site("b.org", "UTC", "u2"),
    )
    ann = acc.add_user("ann@example.com", "h", None)
    for site in (a, b):
        acc.set_membership(ann.id, site.id, Role.VIEWER)
        acc.add_share(site.id, f"tok-{site.id}", "", None)
        acc.add_invitation(
            Invitation(bytes([site.id]) * 32, "x@y.com", site.id, Role.VIEWER, ann.email, T0, T0)
        )
    acc.forget_site(a.id)
    assert acc.user_memberships(ann.id) == {b.id: Role.VIEWER}
    assert acc.site_shares(a.id) == [] and acc.site_invitations(a.id) == []
    assert len(acc.site_shares(b.id)) == 1 and len(acc.site_invitations(b.id)) == 1


def test_restored_users_and_shares_keep_their_ids(stores: Stores) -> None:
    acc = stores.accounts
    ann = StoredUser(User(30, "ann@example.com", Role.ADMIN, T0), "hash-a")
    acc.restore_user(ann)
    assert acc.get_user_by_id(30) == ann
    for taken in (ann, StoredUser(User(31, "ann@example.com", None, T0), "h")):
        with pytest.raises(ConflictError):
            acc.restore_user(taken)
    assert acc.add_user("bob@example.com", "h", None).id > 30
    link = SharedLink(8, 3, "tok-8", "board", None, T0, T0 + timedelta(days=1))
    acc.restore_share(link)
    assert acc.get_share("tok-8") == link
    with pytest.raises(ConflictError):
        acc.restore_share(link)
    assert acc.add_share(3, "tok-new", "other", None).id > 8
