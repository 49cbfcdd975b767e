"""Catalog: the origins allowed to embed a site's shared dashboards, on every backend."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.store.registry import Stores

ORIGINS = st.lists(
    st.from_regex(r"https?://[a-z]{1,10}\.(com|org|test)(:[1-9][0-9]{0,3})?", fullmatch=True),
    max_size=5,
    unique=True,
)


def test_embed_origins_are_per_site_and_go_with_it(stores: Stores) -> None:
    a = stores.catalog.add_site("a.com", "UTC", "u1")
    b = stores.catalog.add_site("b.org", "UTC", "u2")
    assert stores.catalog.embed_origins(a.id) == ()
    stores.catalog.set_embed_origins(a.id, ["https://blog.a.com", "http://localhost:8080"])
    assert stores.catalog.embed_origins(a.id) == ("https://blog.a.com", "http://localhost:8080")
    assert stores.catalog.embed_origins(b.id) == ()
    stores.catalog.set_embed_origins(a.id, [])
    assert stores.catalog.embed_origins(a.id) == ()
    stores.catalog.set_embed_origins(b.id, ["https://b.org"])
    assert stores.catalog.remove_site(b.id)
    assert stores.catalog.embed_origins(b.id) == ()
    c = stores.catalog.add_site("b.org", "UTC", "u3")  # the same domain again starts empty
    assert stores.catalog.embed_origins(c.id) == ()


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=ORIGINS, second=ORIGINS)
def test_embed_origins_round_trip(stores: Stores, first: list[str], second: list[str]) -> None:
    site = stores.catalog.get_site("x.com") or stores.catalog.add_site("x.com", "UTC", "ux")
    stores.catalog.set_embed_origins(site.id, first)
    assert stores.catalog.embed_origins(site.id) == tuple(first)
    stores.catalog.set_embed_origins(site.id, second)
    assert stores.catalog.embed_origins(site.id) == tuple(second)
