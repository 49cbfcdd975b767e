from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from footfall.apikeys import KeyRing, bearer_token, same_secret
from footfall.domain import Scope
from footfall.errors import AuthError, ForbiddenError, NotFoundError
from footfall.store.registry import Stores


@pytest.fixture
def ring(stores: Stores) -> KeyRing:
    stores.catalog.add_site("a.com", "UTC", "u1")
    return KeyRing(stores.catalog, "s" * 40)


def test_key_is_high_entropy_and_only_its_digest_is_stored(ring: KeyRing, stores: Stores) -> None:
    new = ring.create("a.com", frozenset({Scope.INGEST}))
    assert new.key.startswith(f"ff_{new.meta.prefix}_") and len(new.key) >= 50
    stored = stores.catalog.find_key(new.meta.prefix)
    assert stored is not None and new.key.encode() not in stored.digest
    assert asyncio.run(ring.verify(new.key, Scope.INGEST)).site_id == new.site.id


def test_scopes_revocation_and_forgery(ring: KeyRing) -> None:
    new = ring.create("a.com", frozenset({Scope.INGEST}))
    with pytest.raises(ForbiddenError):
        asyncio.run(ring.verify(new.key, Scope.STATS))
    forged = new.key[:-2] + ("AA" if not new.key.endswith("AA") else "BB")
    with pytest.raises(AuthError):
        asyncio.run(ring.verify(forged, Scope.INGEST))
    assert ring.revoke(new.meta.prefix)
    with pytest.raises(AuthError, match="revoked"):
        asyncio.run(ring.verify(new.key, Scope.INGEST))


def test_another_servers_secret_cannot_verify(ring: KeyRing, stores: Stores) -> None:
    new = ring.create("a.com", frozenset({Scope.INGEST}))
    with pytest.raises(AuthError):
        asyncio.run(KeyRing(stores.catalog, "t" * 40).verify(new.key, Scope.INGEST))


def test_last_used_is_recorded_in_batches(ring: KeyRing, stores: Stores) -> None:
    new = ring.create("a.com", frozenset({Scope.INGEST}))
    asyncio.run(ring.verify(new.key, Scope.INGEST))
    ring.flush_last_used()
    assert stores.catalog.list_keys()[0].last_used_at is not None


def test_unknown_site_and_no_scopes(ring: KeyRing) -> None:
    with pytest.raises(NotFoundError):
        ring.create("b.com", frozenset({Scope.INGEST}))
    with pytest.raises(ForbiddenError):
        ring.create("a.com", frozenset())


def test_bearer_token_sources() -> None:
    assert bearer_token("Bearer abc", None) == "abc"
    assert bearer_token(None, "k") == "k"
    for auth in (None, "Basic x", "Bearer ", "Bearer \xa0"):
        with pytest.raises(AuthError):
            bearer_token(auth, None)


@given(st.text(alphabet=" \t\u00a0\u2000\u3000\x0b\x0c", max_size=8))
def test_blank_credentials_never_authenticate(blank: str) -> None:
    """A non-breaking space once stripped to "" and matched an empty admin token."""
    with pytest.raises(AuthError):
        bearer_token(None, blank)
    for expected in ("", blank, "a" * 40):
        assert not same_secret(blank, expected)
        assert not same_secret(expected, blank)
    assert same_secret("a" * 40, "a" * 40)
    assert not same_secret("a" * 40 + "\xa0", "a" * 40)
