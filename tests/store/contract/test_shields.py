"""Catalog: a site's traffic shields and its drop tallies, on every backend."""

from __future__ import annotations

import random
import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.domain import Shields
from footfall.store.registry import Stores

ENTRIES = st.lists(st.text("abc*./:0123456789", min_size=1, max_size=12), max_size=4, unique=True)
SHIELDS = st.builds(Shields, *(ENTRIES.map(tuple) for _ in range(4)))


def test_shields_are_per_site_and_go_with_it(stores: Stores) -> None:
    cat = stores.catalog
    a = cat.add_site("a.com", "UTC", "u1")
    b = cat.add_site("b.org", "UTC", "u2")
    assert cat.shields(a.id) == Shields() and cat.site_drops(a.id) == {}
    rules = Shields(("a.com", "*.a.com"), ("10.0.0.0/8", "2001:db8::1"), ("DE",), ("/admin/**",))
    cat.set_shields(a.id, rules)
    assert cat.shields(a.id) == rules and cat.shields(b.id) == Shields()
    cat.add_drops({(a.id, "ip_excluded"): 2, (b.id, "bot_user_agent"): 1})
    cat.add_drops({(a.id, "ip_excluded"): 3, (a.id, "page_excluded"): 1, (a.id, "x"): 0})
    assert cat.site_drops(a.id) == {"ip_excluded": 5, "page_excluded": 1}
    assert cat.site_drops(b.id) == {"bot_user_agent": 1}
    assert cat.remove_site(a.id)
    cat.add_drops({(a.id, "ip_excluded"): 1})  # a late flush does not bring it back
    assert cat.get_site_by_id(a.id) is None and cat.shields(a.id) == Shields()
    assert cat.site_drops(a.id) == {}
    again = cat.add_site("a.com", "UTC", "u3")  # the same domain again starts empty
    assert cat.shields(again.id) == Shields() and cat.site_drops(again.id) == {}


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=SHIELDS, second=SHIELDS)
def test_shields_round_trip(stores: Stores, first: Shields, second: Shields) -> None:
    site = stores.catalog.get_site("x.com") or stores.catalog.add_site("x.com", "UTC", "ux")
    stores.catalog.set_shields(site.id, first)
    assert stores.catalog.shields(site.id) == first
    stores.catalog.set_shields(site.id, second)
    assert stores.catalog.shields(site.id) == second


def test_replicas_adding_at_once_lose_no_drop(stores: Stores) -> None:
    """Several writers (threads here, replicas in production) add to the same tallies
    in shuffled orders: every count is kept."""
    sites = [stores.catalog.add_site(f"s{i}.com", "UTC", f"u{i}").id for i in range(3)]
    reasons = ["ip_excluded", "page_excluded", "bot_user_agent"]
    expected: dict[tuple[int, str], int] = {}
    batches: list[list[dict[tuple[int, str], int]]] = []
    rng = random.Random(16)
    for _ in range(4):
        mine = []
        for _ in range(5):
            pairs = [(s, r) for s in sites for r in reasons if rng.random() < 0.6]
            counts = {pair: rng.randint(1, 9) for pair in pairs}
            for k, v in counts.items():
                expected[k] = expected.get(k, 0) + v
            mine.append(dict(rng.sample(sorted(counts.items()), len(counts))))
        batches.append(mine)

    def write(mine: list[dict[tuple[int, str], int]]) -> None:
        for counts in mine:
            stores.catalog.add_drops(counts)

    threads = [threading.Thread(target=write, args=(m,)) for m in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in sites:
        want = {r: n for (site, r), n in expected.items() if site == s}
        assert stores.catalog.site_drops(s) == want
