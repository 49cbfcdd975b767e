from __future__ import annotations

import pytest

from footfall.accounts.passwords import hash_password, verify_password
from footfall.errors import InputError


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first = hash_password("correct horse battery")
    second = hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second  # a random salt each time
    assert verify_password(first, "correct horse battery")
    assert not verify_password(first, "correct horse batterY")


def test_policy_refuses_short_and_huge_passwords() -> None:
    with pytest.raises(InputError, match="at least 8"):
        hash_password("short")
    with pytest.raises(InputError, match="longer than"):
        hash_password("x" * 1025)
    assert not verify_password(hash_password("long enough"), "x" * 5000)


def test_a_broken_hash_never_verifies() -> None:
    assert not verify_password("not-a-hash", "whatever123")
