from __future__ import annotations

import pytest

from footfall.accounts.models import Role
from footfall.accounts.ratelimit import TooManyAttempts
from footfall.accounts.service import SESSION_LIFETIME, AccountService, token_hash
from footfall.apikeys import KeyRing
from footfall.domain import Site
from footfall.errors import AuthError, ConflictError, InputError, NotFoundError
from footfall.sites import SiteManager
from footfall.store.registry import Stores
from tests.accounts.helpers import SECRET
from tests.support import Clock


@pytest.fixture
def site(stores: Stores) -> Site:
    return stores.catalog.add_site("example.com", "UTC", "6c4b1e52-4c55-4a34-8f3c-2d2a1f0e9b11")


def test_users_are_unique_by_normalized_email(acc: AccountService) -> None:
    assert not acc.has_users()
    user = acc.add_user(" Owner@Example.COM ", "a long passphrase", Role.OWNER)
    assert user.email == "owner@example.com"
    assert acc.has_users()
    with pytest.raises(ConflictError):
        acc.add_user("owner@example.com", "another passphrase here", None)
    with pytest.raises(InputError):
        acc.add_user("not an email", "a long passphrase", None)


def test_login_errors_are_the_same_for_unknown_email_and_wrong_password(
    acc: AccountService,
) -> None:
    acc.add_user("a@x.io", "right password", Role.OWNER)
    with pytest.raises(AuthError) as wrong:
        acc.authenticate("a@x.io", "wrong password", "ip")
    with pytest.raises(AuthError) as unknown:
        acc.authenticate("b@x.io", "right password", "ip")
    assert wrong.value.as_json() == unknown.value.as_json()
    assert acc.authenticate("A@X.io", "right password", "ip").email == "a@x.io"


def test_login_is_rate_limited_even_with_the_right_password(acc: AccountService) -> None:
    acc.add_user("a@x.io", "right password", Role.OWNER)
    for _ in range(5):
        with pytest.raises(AuthError):
            acc.authenticate("a@x.io", "wrong password", "ip")
    with pytest.raises(TooManyAttempts):
        acc.authenticate("a@x.io", "right password", "ip")


def test_sessions_are_stored_hashed_expire_and_end(
    acc: AccountService, stores: Stores, clock: Clock
) -> None:
    user = acc.add_user("a@x.io", "right password", Role.OWNER)
    token = acc.start_session(user)
    assert stores.accounts.get_web_session(token.encode()) is None  # the raw token is not a key
    assert stores.accounts.get_web_session(token_hash(token)) is not None
    signed = acc.signed_in(token)
    assert signed is not None
    assert signed.user.email == "a@x.io"
    other = acc.start_session(user)
    other_signed = acc.signed_in(other)
    assert other_signed is not None
    assert other_signed.csrf_token != signed.csrf_token  # one CSRF token per session
    assert acc.signed_in("forged") is None
    clock.advance(seconds=SESSION_LIFETIME.total_seconds() + 1)
    assert acc.signed_in(token) is None
    fresh = acc.start_session(user)
    acc.end_session(fresh)
    assert acc.signed_in(fresh) is None


def test_roles_combine_instance_and_site_roles(acc: AccountService, site: Site) -> None:
    owner = acc.add_user("o@x.io", "a long passphrase", Role.OWNER)
    viewer = acc.add_user("v@x.io", "a long passphrase", None, site, Role.VIEWER)
    stranger = acc.add_user("s@x.io", "a long passphrase", None)
    assert acc.role_on(owner, site) is Role.OWNER
    assert acc.role_on(viewer, site) is Role.VIEWER
    assert acc.role_on(stranger, site) is None
    assert [s.domain for s, _ in acc.visible_sites(viewer)] == ["example.com"]
    assert acc.visible_sites(stranger) == []


def test_invitation_is_hashed_expiring_and_works_once(
    acc: AccountService, stores: Stores, site: Site, clock: Clock
) -> None:
    token = acc.invite(site, "New@X.io", Role.ADMIN, "o@x.io")
    assert stores.accounts.get_invitation(token_hash(token)) is not None
    assert acc.invitation(token).email == "new@x.io"
    user = acc.accept(token, "chosen password")
    assert acc.role_on(user, site) is Role.ADMIN
    assert acc.authenticate("new@x.io", "chosen password", "ip").id == user.id
    with pytest.raises(NotFoundError):
        acc.accept(token, "chosen password")
    late = acc.invite(site, "late@x.io", Role.VIEWER, "o@x.io")
    clock.advance(days=8)
    with pytest.raises(NotFoundError):
        acc.invitation(late)


def test_accepting_keeps_a_higher_role(acc: AccountService, site: Site) -> None:
    acc.add_user("a@x.io", "a long passphrase", None, site, Role.ADMIN)
    token = acc.invite(site, "a@x.io", Role.VIEWER, "o@x.io")
    user = acc.accept(token, None)
    assert acc.role_on(user, site) is Role.ADMIN


def test_shared_links_with_password_and_revocation(acc: AccountService, site: Site) -> None:
    open_link = acc.create_share(site, "Public", None)
    locked = acc.create_share(site, "Team", "share password")
    assert acc.share(open_link.token) == open_link
    assert acc.unlocked(open_link, None)
    assert not acc.unlocked(locked, None)
    with pytest.raises(AuthError):
        acc.unlock_share(locked, "wrong one", "ip")
    cookie = acc.unlock_share(locked, "share password", "ip")
    assert acc.unlocked(locked, cookie)
    other = acc.create_share(site, "Other", "share password")
    assert not acc.unlocked(other, cookie)  # an unlock cookie opens its own link only
    acc.revoke_share(site, locked.id)
    assert acc.share(locked.token) is None
    assert [s.name for s in acc.shares(site)] == ["Public", "Other"]
    with pytest.raises(NotFoundError):
        acc.revoke_share(site, locked.id)


def test_removing_a_site_removes_its_roles_and_links(
    acc: AccountService, stores: Stores, site: Site
) -> None:
    user = acc.add_user("v@x.io", "a long passphrase", None, site, Role.VIEWER)
    link = acc.create_share(site, "Public", None)
    acc.invite(site, "w@x.io", Role.VIEWER, "o@x.io")
    SiteManager(stores, KeyRing(stores.catalog, SECRET)).remove_site("example.com")
    assert stores.accounts.user_memberships(user.id) == {}
    assert acc.share(link.token) is None
    assert stores.accounts.site_invitations(site.id) == []


def test_removing_a_user_ends_their_sessions(acc: AccountService) -> None:
    user = acc.add_user("a@x.io", "a long passphrase", Role.ADMIN)
    token = acc.start_session(user)
    acc.remove_user("a@x.io")
    assert acc.signed_in(token) is None
    with pytest.raises(NotFoundError):
        acc.remove_user("a@x.io")
