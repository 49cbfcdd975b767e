"""Unsubscribe links that need no login: the subscription (site, kind, address) and an
HMAC of it under the server's secret key, so nobody can unsubscribe someone else."""

from __future__ import annotations

import base64
import hashlib
import hmac

from footfall.mail.models import MailKind


def _mac(secret: bytes, payload: bytes) -> str:
    digest = hmac.new(secret, b"unsubscribe:" + payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def sign(secret: bytes, site_id: int, kind: MailKind, email: str) -> str:
    payload = f"{site_id}:{kind.value}:{email}".encode()
    return f"{base64.urlsafe_b64encode(payload).decode().rstrip('=')}.{_mac(secret, payload)}"


def verify(secret: bytes, token: str) -> tuple[int, MailKind, str] | None:
    """The subscription a token names, or None for a forged or mangled one."""
    body, _, mac = token.partition(".")
    if not body or not mac or len(token) > 600:
        return None
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        site, kind, email = payload.decode().split(":", 2)
        parsed = (int(site), MailKind(kind), email)
    except ValueError:  # bad base64, UTF-8, shape, number or kind
        return None
    return parsed if hmac.compare_digest(mac, _mac(secret, payload)) else None
