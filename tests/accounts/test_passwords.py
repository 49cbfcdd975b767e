from __future__ import annotations

import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.accounts.passwords import check_policy, hash_password, verify_password
from footfall.errors import InputError


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first = hash_password("correct horse battery")
    second = hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second  # a random salt each time
    assert verify_password(first, "correct horse battery")
    assert not verify_password(first, "correct horse batterY")


def test_policy_refuses_short_and_huge_passwords() -> None:
    with pytest.raises(InputError, match="at least 10"):
        hash_password("12345678")
    with pytest.raises(InputError, match="longer than"):
        hash_password("x" * 1025)
    assert not verify_password(hash_password("long enough passphrase"), "x" * 5000)


@pytest.mark.parametrize(
    "weak",
    ["1234567890", "password123", "qwertyuiop", "iloveyou2024", "aaaaaaaaaaaa", "abcdefghijkl"],
)
def test_policy_refuses_common_passwords_with_a_reason(weak: str) -> None:
    with pytest.raises(InputError, match="too easy to guess") as info:
        check_policy(weak)
    assert info.value.field == "password"
    assert len(info.value.detail) > len("the password is too easy to guess. ")


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=" \t\u00a0\u2003", min_size=10, max_size=40))
def test_blank_passwords_are_refused(blank: str) -> None:
    with pytest.raises(InputError):
        check_policy(blank)


@pytest.mark.parametrize("email", ["owner@footfall.example", "maria.gonzalez@example.org"])
def test_the_email_itself_is_not_a_password(email: str) -> None:
    with pytest.raises(InputError, match="too easy"):
        check_policy(email, [email])


def test_random_passwords_pass() -> None:
    for _ in range(50):
        check_policy(secrets.token_urlsafe(12))  # 16 characters, ~96 bits


def test_a_broken_hash_never_verifies() -> None:
    assert not verify_password("not-a-hash", "whatever123")
