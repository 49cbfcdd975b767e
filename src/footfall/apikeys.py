"""API keys: high-entropy random tokens shown once, stored as a keyed hash.

A key reads ``ff_<prefix>_<secret>``. The prefix is the lookup handle (safe to show and
log); the store keeps only HMAC-SHA256(server secret, whole key), so a leaked database
alone cannot be used to check guesses. Keys are random with 256 bits of entropy, so
a fast keyed hash is enough: bcrypt per request would cap ingest throughput.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime

from footfall.domain import ApiKey, Scope, Site
from footfall.errors import AuthError, ForbiddenError, NotFoundError
from footfall.offload import offload
from footfall.store.base import Catalog

_CACHE_SECONDS = 30.0  # revocation reaches other replicas within this time


@dataclass(frozen=True, slots=True)
class NewKey:
    """Returned once at creation: the only time the whole key exists outside a client."""

    key: str
    meta: ApiKey
    site: Site


def _split(token: str) -> str:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "ff" or len(parts[1]) != 10 or len(parts[2]) < 32:
        raise AuthError("API key is malformed; keys look like ff_xxxxxxxxxx_...")
    return parts[1]


class KeyRing:
    """Creates, verifies (with a short cache) and revokes API keys."""

    def __init__(
        self,
        store: Catalog,
        secret: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        executor: Executor | None = None,
    ) -> None:
        self._store = store
        self._executor = executor  # where a verification not cached is looked up
        self._secret = secret.encode()
        self._clock = clock
        self._cache: dict[bytes, tuple[float, ApiKey]] = {}
        self.announce: Callable[[], None] = lambda: None  # Shared.announce with Redis
        self.last_used: dict[str, datetime] = {}

    def _digest(self, token: str) -> bytes:
        return hmac.new(self._secret, token.encode(), hashlib.sha256).digest()

    def create(self, domain: str, scopes: frozenset[Scope], name: str = "") -> NewKey:
        site = self._store.get_site(domain)
        if site is None:
            raise NotFoundError(f"no site {domain}; add it first", field="site")
        if not scopes:
            raise ForbiddenError("a key needs at least one scope", field="scopes")
        prefix = secrets.token_hex(5)
        token = f"ff_{prefix}_{secrets.token_urlsafe(32)}"
        meta = self._store.add_key(site.id, prefix, self._digest(token), scopes, name)
        return NewKey(token, meta, site)

    def revoke(self, prefix: str) -> bool:
        done = self._store.revoke_key(prefix, self._clock())
        self.invalidate()
        return done

    def invalidate(self) -> None:
        """Forget cached verifications: this process's revocations and site removals act
        at once; other replicas see them within ``_CACHE_SECONDS``, or at once with Redis
        (``announce``, footfall/shared.py)."""
        self.forget()
        self.announce()

    def forget(self) -> None:
        self._cache.clear()

    async def verify(self, token: str, scope: Scope) -> ApiKey:
        """Return the key's metadata, or raise AuthError/ForbiddenError; the store is
        asked (off the event loop) only when the key is not cached."""
        digest = self._digest(token)
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            return self._allowed(cached[1], scope)
        return self._allowed(
            await offload(self._lookup, token, digest, executor=self._executor), scope
        )

    def _lookup(self, token: str, digest: bytes) -> ApiKey:
        stored = self._store.find_key(_split(token))
        if stored is None or not hmac.compare_digest(stored.digest, digest):
            raise AuthError("API key is not valid")
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (time.monotonic() + _CACHE_SECONDS, stored.key)
        return stored.key

    def _allowed(self, key: ApiKey, scope: Scope) -> ApiKey:
        if key.revoked_at is not None:
            raise AuthError("API key has been revoked")
        if scope not in key.scopes:
            raise ForbiddenError(f"API key lacks the {scope} scope")
        self.last_used[key.prefix] = self._clock()
        return key

    def flush_last_used(self) -> None:
        """Write the last-use times gathered since the previous call (one small batch)."""
        pending, self.last_used = self.last_used, {}
        self._store.touch_keys(pending)


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of the exact bytes; an empty or whitespace-only value
    (on either side) never matches anything."""
    if not given or not expected or not given.strip() or not expected.strip():
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer_token(authorization: str | None, api_key_header: str | None) -> str:
    """Pick the key from ``X-API-Key`` or ``Authorization: Bearer``, byte for byte.

    Nothing is stripped: the HTTP server already removed the optional spaces around a
    header value, and stripping more (a non-breaking space) turned junk into "".
    """
    if api_key_header is not None and api_key_header.strip():
        return api_key_header
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value
    raise AuthError("missing API key: send X-API-Key or Authorization: Bearer <key>")
