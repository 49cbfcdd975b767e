"""Password policy and hashing with argon2id (argon2-cffi's RFC 9106 low-memory defaults).

Policy (NIST SP 800-63B: length and a check against known-weak passwords, no
composition rules): at least ``MIN_LENGTH`` characters, not only spaces, and a
zxcvbn score of at least ``MIN_SCORE`` (zxcvbn ships lists of common passwords,
names and words, and spots keyboard walks, repeats, sequences and dates).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from footfall.errors import InputError

MIN_LENGTH = 10  # NIST asks for 8 at least; 10 keeps short dictionary words out
MAX_LENGTH = 1024  # bounds the hashing work one request can ask for
MIN_SCORE = 3  # zxcvbn: "safely unguessable" (about 10^10 guesses), as Plausible asks
_SCORED = 72  # zxcvbn's own bound; characters past it only add strength


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def check_policy(password: str, context: Sequence[str] = ()) -> None:
    """Refuse a password with the reason shown to the person choosing it. ``context``:
    words a guesser would try first (the email, the site)."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"the password needs at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise InputError(f"the password is longer than {MAX_LENGTH} characters", field="password")
    if not password.strip():
        raise InputError("the password cannot be only spaces", field="password")
    words = [w for item in context for w in (item, *item.replace("@", ".").split("."))]
    from zxcvbn import zxcvbn  # its word lists: ~14 MB of RSS, loaded on first use

    result = zxcvbn(password[:_SCORED], user_inputs=["footfall", *words])
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        hints = [feedback["warning"], *feedback["suggestions"]]
        reason = " ".join(h for h in hints if h) or "Add another word or two."
        raise InputError(f"the password is too easy to guess. {reason}", field="password")


def hash_password(password: str, context: Sequence[str] = ()) -> str:
    check_policy(password, context)
    return _hasher().hash(password)


@cache
def _secret_hasher() -> PasswordHasher:
    # OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): a generated secret of 50+
    # random bits needs no more memory hardness (2^50 guesses at 1 ms each is 35,000
    # CPU-years), and a login that checks one stays fast on a busy host.
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_secret(value: str) -> str:
    """argon2id of a generated secret (a 2FA recovery code): no policy to check."""
    return _secret_hasher().hash(value)


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
