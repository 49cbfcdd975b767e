"""The second factor's rules (accounts/totp.py) on a real store with a settable clock:
the secret at rest, clock drift, no replay, recovery codes, throttling, the half-
authenticated login step, and the operator's reset."""

from __future__ import annotations

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.accounts.models import Role, User
from footfall.accounts.ratelimit import LoginLimiter, TooManyAttempts
from footfall.accounts.service import AccountService
from footfall.accounts.totp import HALF_LIFETIME, TwoFactor
from footfall.errors import AuthError, ConflictError, InputError
from footfall.store.registry import Stores
from footfall.web.access import SESSION_COOKIE
from tests.accounts.helpers import PASSWORD, SECRET
from tests.support import Clock, Running


def enrolled(acc: AccountService, clock: Clock) -> tuple[User, pyotp.TOTP, list[str]]:
    user = acc.add_user("ann@example.com", PASSWORD, Role.OWNER)
    enrolment = acc.two_factor.begin(user)
    totp = pyotp.TOTP(enrolment.secret)
    codes = acc.two_factor.confirm(user, totp.at(clock()))
    return user, totp, codes


def test_the_secret_is_stored_encrypted_and_bound_to_its_user(
    acc: AccountService, stores: Stores, clock: Clock
) -> None:
    user, totp, _ = enrolled(acc, clock)
    state = stores.accounts.get_totp(user.id)
    assert state is not None and totp.secret.encode() not in state.secret
    other = acc.add_user("bob@example.com", PASSWORD, None)
    stores.accounts.start_totp(other.id, state.secret)  # a row copied onto another user
    with pytest.raises(AuthError, match="does not decrypt"):
        acc.two_factor.pending(other)
    elsewhere = TwoFactor(
        stores.accounts, "another-secret-key-0123456789abcdef", clock, acc.limiter
    )
    with pytest.raises(AuthError, match="reset-2fa"):
        elsewhere.verify(user, totp.at(clock()), "203.0.113.9")


def test_codes_within_one_step_of_drift_once_each(acc: AccountService, clock: Clock) -> None:
    user, totp, _ = enrolled(acc, clock)
    two, ip = acc.two_factor, "203.0.113.9"
    with pytest.raises(AuthError):
        two.verify(user, totp.at(clock()), ip)  # the confirming code: used already
    clock.advance(seconds=30)
    two.verify(user, totp.at(clock(), counter_offset=1), ip)  # the next step, early
    with pytest.raises(AuthError):
        two.verify(user, totp.at(clock()), ip)  # an earlier step than one accepted
    clock.advance(seconds=90)
    with pytest.raises(AuthError):
        two.verify(user, totp.at(clock(), counter_offset=2), ip)  # too far ahead
    two.verify(user, totp.at(clock(), counter_offset=-1), ip)  # 30 s late is fine


def test_recovery_codes_work_once_each(acc: AccountService, clock: Clock) -> None:
    user, _, codes = enrolled(acc, clock)
    assert len(set(codes)) == 10 and acc.two_factor.recovery_left(user.id) == 10
    acc.two_factor.verify(user, codes[0].upper().replace("-", " "), "203.0.113.9")
    with pytest.raises(AuthError):
        acc.two_factor.verify(user, codes[0], "203.0.113.9")
    assert acc.two_factor.recovery_left(user.id) == 9


def test_wrong_codes_are_throttled_and_a_password_does_not_reset_that(
    acc: AccountService, clock: Clock
) -> None:
    user, totp, _ = enrolled(acc, clock)
    ip = "203.0.113.9"
    for _ in range(5):
        with pytest.raises(AuthError):
            acc.two_factor.verify(user, "000000", ip)
        acc.authenticate(user.email, PASSWORD, ip)
    with pytest.raises(TooManyAttempts):
        acc.two_factor.verify(user, totp.at(clock(), counter_offset=1), ip)


def test_enrolment_needs_a_matching_code_and_cannot_replace_an_enabled_factor(
    acc: AccountService, clock: Clock
) -> None:
    user = acc.add_user("ann@example.com", PASSWORD, None)
    with pytest.raises(ConflictError):
        acc.two_factor.confirm(user, "123456")  # nothing pending
    enrolment = acc.two_factor.begin(user)
    assert acc.two_factor.pending(user) == enrolment  # a reload shows the same secret
    assert enrolment.uri.startswith("otpauth://totp/Footfall:ann%40example.com?secret=")
    assert enrolment.qr_svg.startswith("<svg") and "<script" not in enrolment.qr_svg
    with pytest.raises(InputError):
        acc.two_factor.confirm(user, "12345x")
    acc.two_factor.confirm(user, pyotp.TOTP(enrolment.secret).at(clock()))
    with pytest.raises(ConflictError):
        acc.two_factor.begin(user)
    assert acc.two_factor.pending(user) is None


def test_the_half_authenticated_step_expires_and_cannot_be_forged(
    acc: AccountService, clock: Clock
) -> None:
    user = acc.add_user("ann@example.com", PASSWORD, None)
    token = acc.two_factor.half_token(user)
    assert acc.two_factor.half_user(token) == user.id
    user_id, expires, mac = token.split(".")
    assert acc.two_factor.half_user(f"{int(user_id) + 1}.{expires}.{mac}") is None
    assert acc.two_factor.half_user(f"{user_id}.{int(expires) + 600}.{mac}") is None
    clock.advance(seconds=HALF_LIFETIME.total_seconds())
    assert acc.two_factor.half_user(token) is None


def test_any_half_token_or_code_text_is_refused_not_crashed(
    acc: AccountService, stores: Stores, clock: Clock
) -> None:
    user, _, _ = enrolled(acc, clock)

    @settings(max_examples=100, deadline=None)
    @given(st.text(max_size=300) | st.sampled_from(["١٢٣٤٥٦", "123456", "a1b2c-3d4e5"]))
    def refused(text: str) -> None:
        two = TwoFactor(stores.accounts, SECRET, clock, LoginLimiter(clock))  # unthrottled
        assert two.half_user(text) is None
        with pytest.raises(AuthError):
            two.verify(user, text, "203.0.113.9")

    refused()


def test_the_operator_resets_a_lost_factor(acc: AccountService, clock: Clock) -> None:
    user, _, _ = enrolled(acc, clock)
    acc.reset_two_factor(" Ann@example.com ")
    assert not acc.two_factor.enabled(user.id)


def test_a_site_that_requires_2fa_refuses_a_member_without_it(running: Running) -> None:
    """The dashboard's API answers 403 ``two_factor_required``; a page sends the member to
    enrolment (the browser test follows that); with 2FA on, the same call answers."""
    acc: AccountService = running.client.app.state.accounts  # type: ignore[attr-defined]
    site = running.svc.stores.catalog.get_site("example.com")
    assert site is not None
    member = acc.add_user("viewer@example.com", PASSWORD, None, site, Role.VIEWER)
    running.svc.stores.accounts.set_site_requires_2fa(site.id, True)
    running.client.cookies.set(SESSION_COOKIE, acc.start_session(member))
    url = "/api/dashboard/example.com/realtime"
    refused = running.client.get(url)
    assert refused.status_code == 403 and refused.json()["error"] == "two_factor_required"
    page = running.client.get("/sites/example.com", headers={"accept": "text/html"},
                              follow_redirects=False)  # fmt: skip
    assert page.headers["location"] == "/account/2fa?next=%2Fsites%2Fexample.com"
    enrolment = acc.two_factor.begin(member)
    acc.two_factor.confirm(member, pyotp.TOTP(enrolment.secret).at(running.svc.clock()))
    assert running.client.get(url).status_code == 200
