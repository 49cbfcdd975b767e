"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory defaults)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from footfall.errors import InputError

MIN_LENGTH = 8  # NIST SP 800-63B: at least 8 characters, no composition rules
MAX_LENGTH = 1024  # bounds the hashing work one request can ask for


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InputError(f"the password needs at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise InputError(f"the password is longer than {MAX_LENGTH} characters", field="password")


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy() -> str:
    return _hasher().hash("not-a-real-password-only-equalizes-timing")


def waste_time(password: str) -> None:
    """Verify against a dummy hash so an unknown email costs as long as a wrong password."""
    verify_password(_dummy(), password[:MAX_LENGTH])
