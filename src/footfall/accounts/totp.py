"""Two-factor authentication: TOTP codes (RFC 6238, through pyotp), recovery codes, and
the encryption of the secret at rest (docs/accounts.md, "Two-factor authentication").

- The secret is 160 random bits (RFC 4226's recommended length), shown once as a QR
  code (segno, inline SVG: no third party sees it) and as base32 text. It is stored
  encrypted with AES-256-GCM under a key derived from the server's secret key
  (``FOOTFALL_SECRET_KEY``, or the generated one beside an embedded store), with the
  user's id as associated data: a database dump alone gives no secret away, and a row
  copied onto another user does not decrypt.
- A code is accepted for the current 30-second step and one step either side (clock
  drift), and each step once per user (``Accounts.claim_totp_step``, atomic in the
  store, so a code seen over a shoulder cannot be replayed on another replica).
- Ten recovery codes are shown once at enrolment and stored as argon2id hashes
  (passwords.hash_secret), each tagged with the code's first letter so a login checks
  one hash; each works once (``Accounts.use_recovery_code``).
- Code attempts are throttled by the login limiter under the subject ``2fa:<email>``,
  which a correct password does not reset.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

import pyotp

from footfall.accounts.models import TotpState, User
from footfall.accounts.passwords import hash_secret, verify_password
from footfall.accounts.ratelimit import LoginLimiter
from footfall.errors import AuthError, ConflictError, InputError
from footfall.store.base import Accounts

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ISSUER = "Footfall"
STEP = 30  # seconds (RFC 6238's default, what every authenticator app assumes)
DRIFT = 1  # steps accepted either side of the current one
RECOVERY_CODES = 10
HALF_LIFETIME = timedelta(minutes=5)  # between a correct password and its code
_VERSION = b"\x01"  # the layout of a stored secret: version, 12-byte nonce, ciphertext
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32's, lowercased
_SPACES = re.compile(r"[\s-]+")


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A pending secret as the enrolment page shows it."""

    secret: str  # base32, for typing into an app by hand
    uri: str  # otpauth://, what the QR code holds
    qr_svg: str


def _normalize(code: str) -> str:
    return _SPACES.sub("", code).lower()[:64]


def new_recovery_codes() -> list[str]:
    """Ten codes of 10 base32 characters (50 bits each), shown as ``xxxxx-xxxxx``."""
    # The first letter tells the codes apart (their stored hash carries it), so a login
    # checks one hash, not ten: 45 random bits remain.
    codes = (
        _ALPHABET[i] + "".join(secrets.choice(_ALPHABET) for _ in range(9))
        for i in range(RECOVERY_CODES)
    )
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _hashed(code: str) -> str:
    clean = _normalize(code)
    return f"{clean[0]}:{hash_secret(clean)}"


class TwoFactor:
    """Enrolment, verification at login and removal of a user's second factor."""

    def __init__(
        self,
        users: Accounts,
        secret_key: str,
        clock: Callable[[], datetime],
        limiter: LoginLimiter,
    ) -> None:
        self.users = users
        self.clock = clock
        self.limiter = limiter
        derived = hmac.new(secret_key.encode(), b"footfall/totp-secret/v1", hashlib.sha256)
        self._aead_key = derived.digest()
        self._half_key = hmac.new(secret_key.encode(), b"footfall/2fa-half/v1", hashlib.sha256)

    # the half-authenticated step of a login ---------------------------------------
    def _half_mac(self, body: str) -> str:
        mac = self._half_key.copy()
        mac.update(body.encode())
        return mac.hexdigest()

    def half_token(self, user: User) -> str:
        """A correct password of a user with 2FA gives this (a short-lived, signed cookie
        value), not a session: only a code then starts the session."""
        expires = int((self.clock() + HALF_LIFETIME).timestamp())
        body = f"{user.id}.{expires}"
        return f"{body}.{self._half_mac(body)}"

    def half_user(self, token: str | None) -> int | None:
        """The user id of a valid, unexpired ``half_token``; None otherwise."""
        parts = (token or "").split(".")
        if len(parts) != 3 or len(token or "") > 200 or not all(p.isdigit() for p in parts[:2]):
            return None
        body = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(self._half_mac(body), parts[2]):
            return None
        return int(parts[0]) if int(parts[1]) > self.clock().timestamp() else None

    # the secret at rest ---------------------------------------------------------
    @cached_property
    def _aead(self) -> AESGCM:
        # cryptography on first use: ~6 MB of RSS (its Rust library's pages) otherwise,
        # in every server whether or not anyone enrols (docs/performance.md).
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(self._aead_key)

    def _seal(self, user_id: int, secret: str) -> bytes:
        nonce = secrets.token_bytes(12)
        aad = f"totp:{user_id}".encode()
        return _VERSION + nonce + self._aead.encrypt(nonce, secret.encode(), aad)

    def _open(self, user_id: int, sealed: bytes) -> str:
        from cryptography.exceptions import InvalidTag

        if sealed[:1] != _VERSION:
            raise AuthError("the stored two-factor secret is unreadable", code="totp_unreadable")
        try:
            clear = self._aead.decrypt(sealed[1:13], sealed[13:], f"totp:{user_id}".encode())
        except InvalidTag:
            # FOOTFALL_SECRET_KEY changed since enrolment: docs/accounts.md says how to reset.
            raise AuthError(
                "the two-factor secret does not decrypt with this server's secret key; "
                "an administrator can reset it with `footfall user reset-2fa`",
                code="totp_unreadable",
            ) from None
        return clear.decode()

    # state ------------------------------------------------------------------------
    def enabled(self, user_id: int) -> bool:
        state = self.users.get_totp(user_id)
        return state is not None and state.enabled

    def recovery_left(self, user_id: int) -> int:
        state = self.users.get_totp(user_id)
        return len(state.recovery_hashes) if state is not None and state.enabled else 0

    # enrolment --------------------------------------------------------------------
    def begin(self, user: User) -> Enrolment:
        """A new pending secret (replacing an unconfirmed one)."""
        secret = pyotp.random_base32(32)  # 160 bits
        self.users.start_totp(user.id, self._seal(user.id, secret))
        return self._enrolment(user, secret)

    def pending(self, user: User) -> Enrolment | None:
        """The unconfirmed secret shown again (a reload of the enrolment page)."""
        state = self.users.get_totp(user.id)
        if state is None or state.enabled:
            return None
        return self._enrolment(user, self._open(user.id, state.secret))

    def _enrolment(self, user: User, secret: str) -> Enrolment:
        uri = pyotp.TOTP(secret, interval=STEP).provisioning_uri(
            name=user.email, issuer_name=ISSUER
        )
        import segno  # only on enrolment: ~10 MB of RSS otherwise

        out = io.BytesIO()
        qr = segno.make(uri, error="m")
        qr.save(out, kind="svg", xmldecl=False, scale=4, svgclass="qr", lineclass=None,
                title="QR code of the two-factor secret")  # fmt: skip
        return Enrolment(secret, uri, out.getvalue().decode())

    def confirm(self, user: User, code: str) -> list[str]:
        """Enable the pending secret once ``code`` matches it; the recovery codes, in
        clear, to show once."""
        state = self.users.get_totp(user.id)
        if state is None or state.enabled:
            raise ConflictError("start the set-up again", code="totp_not_pending")
        step = self._matching_step(self._open(user.id, state.secret), code)
        if step is None:
            raise InputError("that code is not the one the app shows now", field="code")
        codes = new_recovery_codes()
        hashes = [_hashed(c) for c in codes]
        if not self.users.enable_totp(user.id, hashes, step):
            raise ConflictError("two-factor authentication is enabled already")
        return codes

    # verification -----------------------------------------------------------------
    def _matching_step(self, secret: str, code: str) -> int | None:
        clean = _normalize(code)
        if not (clean.isascii() and clean.isdigit() and len(clean) == 6):
            return None
        totp = pyotp.TOTP(secret, interval=STEP)
        now = int(self.clock().timestamp()) // STEP
        for step in range(now - DRIFT, now + DRIFT + 1):
            if hmac.compare_digest(totp.at(step * STEP), clean):
                return step
        return None

    def _accepts(self, user_id: int, state: TotpState, code: str) -> bool:
        step = self._matching_step(self._open(user_id, state.secret), code)
        if step is not None:
            return self.users.claim_totp_step(user_id, step)  # False: a replay
        clean = _normalize(code)
        if clean.isdigit():
            return False
        for stored in state.recovery_hashes:
            tag, _, hashed = stored.partition(":")
            if clean[:1] == tag and verify_password(hashed, clean):
                return self.users.use_recovery_code(user_id, stored)
        return False

    def verify(self, user: User, code: str, ip: str) -> None:
        """Check a code or a recovery code (each accepted once), rate limited like a
        login; raise AuthError ``totp_failed`` otherwise."""
        subject = f"2fa:{user.email}"
        self.limiter.check(subject, ip)
        state = self.users.get_totp(user.id)
        if state is not None and state.enabled and self._accepts(user.id, state, code):
            self.limiter.succeeded(subject, ip)
            return
        self.limiter.failed(subject, ip)
        raise AuthError("that code is wrong or was used already", code="totp_failed", field="code")

    def disable(self, user: User, code: str, ip: str) -> None:
        """Remove the second factor once a code proves the user still has it (the
        caller checked the password)."""
        self.verify(user, code, ip)
        self.users.remove_totp(user.id)

    def reset(self, user_id: int) -> None:
        """An administrator's removal (the CLI), for a lost phone and spent codes."""
        self.users.remove_totp(user_id)
