"""The Accounts contract for two-factor authentication: a pending secret, its
confirmation with recovery codes, single-use steps and codes (also when replicas race),
removal, and the per-site requirement."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from footfall.accounts.models import Role
from footfall.errors import ConflictError
from footfall.store.registry import Stores


def test_enrolment_confirms_a_pending_secret_once(stores: Stores) -> None:
    acc = stores.accounts
    ann = acc.add_user("ann@example.com", "h", None)
    assert acc.get_totp(ann.id) is None
    acc.start_totp(ann.id, b"first")
    acc.start_totp(ann.id, b"second")  # a restarted enrolment replaces the pending one
    state = acc.get_totp(ann.id)
    assert state is not None and (state.secret, state.enabled) == (b"second", False)
    assert acc.claim_totp_step(ann.id, 5) is False  # nothing to claim before it is enabled
    assert acc.enable_totp(ann.id, ["h2", "h1"], 100) is True
    assert acc.enable_totp(ann.id, ["h3"], 101) is False  # enabled already
    state = acc.get_totp(ann.id)
    assert state is not None and state.enabled and state.last_step == 100
    assert state.recovery_hashes == ("h1", "h2") and state.secret == b"second"
    with pytest.raises(ConflictError):
        acc.start_totp(ann.id, b"third")  # an enabled factor is not replaced
    assert acc.enable_totp(acc.add_user("bob@example.com", "h", None).id, [], 1) is False


def test_steps_and_recovery_codes_are_single_use(stores: Stores) -> None:
    acc = stores.accounts
    ann = acc.add_user("ann@example.com", "h", None)
    acc.start_totp(ann.id, b"s")
    acc.enable_totp(ann.id, ["a", "b"], 10)
    assert acc.claim_totp_step(ann.id, 10) is False  # the confirming code's step
    assert acc.claim_totp_step(ann.id, 12) is True
    assert acc.claim_totp_step(ann.id, 12) is False and acc.claim_totp_step(ann.id, 11) is False
    assert acc.use_recovery_code(ann.id, "a") is True
    assert acc.use_recovery_code(ann.id, "a") is False
    assert acc.use_recovery_code(ann.id, "zz") is False
    state = acc.get_totp(ann.id)
    assert state is not None and state.recovery_hashes == ("b",) and state.last_step == 12
    acc.remove_totp(ann.id)
    assert acc.get_totp(ann.id) is None and acc.use_recovery_code(ann.id, "b") is False
    acc.start_totp(ann.id, b"again")  # and a new enrolment may start
    acc.start_totp(ann.id, b"again")
    acc.enable_totp(ann.id, ["c"], 1)
    acc.remove_user(ann.id)
    assert acc.get_totp(ann.id) is None


def test_racing_replicas_accept_a_step_and_a_code_once(stores: Stores) -> None:
    acc = stores.accounts
    ann = acc.add_user("ann@example.com", "h", None)
    acc.start_totp(ann.id, b"s")
    acc.enable_totp(ann.id, ["code"], 1)
    with ThreadPoolExecutor(4) as pool:
        steps = list(pool.map(lambda _: acc.claim_totp_step(ann.id, 7), range(8)))
        codes = list(pool.map(lambda _: acc.use_recovery_code(ann.id, "code"), range(8)))
    assert steps.count(True) == 1 and codes.count(True) == 1


def test_sites_can_require_two_factor_of_their_members(stores: Stores) -> None:
    acc, cat = stores.accounts, stores.catalog
    one, two = cat.add_site("a.com", "UTC", "u1"), cat.add_site("b.com", "UTC", "u2")
    assert acc.site_requires_2fa(one.id) is False
    acc.set_site_requires_2fa(one.id, True)
    assert acc.site_requires_2fa(one.id) is True and acc.site_requires_2fa(two.id) is False
    acc.set_site_requires_2fa(one.id, False)
    assert acc.site_requires_2fa(one.id) is False
    acc.set_site_requires_2fa(two.id, True)
    acc.set_membership(acc.add_user("c@example.com", "h", None).id, two.id, Role.VIEWER)
    acc.forget_site(two.id)
    assert acc.site_requires_2fa(two.id) is False
