"""The Catalog contract: sites, API keys, goals and salts, on every backend."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from footfall.domain import ApiKey, Goal, Scope, Site
from footfall.errors import ConflictError
from footfall.store.base import StoredKey
from footfall.store.registry import Stores

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


def test_sites_round_trip_and_stay_unique(stores: Stores) -> None:
    cat = stores.catalog
    a = cat.add_site("a.com", "Europe/Berlin", "u1")
    b = cat.add_site("b.org", "UTC", "u2")
    with pytest.raises(ConflictError):
        cat.add_site("a.com", "UTC", "u3")
    assert a.id != b.id
    assert cat.get_site("a.com") == a and cat.get_site_by_id(a.id) == a
    assert cat.get_site_by_umami_id("u1") == a and cat.get_site("nope.com") is None
    assert a.created_at is not None and a.created_at.utcoffset() == timedelta(0)
    assert sorted(s.domain for s in cat.list_sites()) == ["a.com", "b.org"]
    cat.set_site_timezone(a.id, "Asia/Tokyo")
    found = cat.get_site_by_id(a.id)
    assert found is not None and found.timezone == "Asia/Tokyo"


def test_removing_a_site_removes_its_keys_and_goals(stores: Stores) -> None:
    cat = stores.catalog
    a, b = cat.add_site("a.com", "UTC", "u1"), cat.add_site("b.org", "UTC", "u2")
    for site in (a, b):
        cat.add_key(site.id, f"{site.domain[0] * 10}", b"d" * 32, frozenset({Scope.STATS}), "")
        cat.add_goal(site.id, "Signup", "", "Signup")
    assert cat.remove_site(a.id) is True
    assert cat.remove_site(a.id) is False
    assert cat.get_site("a.com") is None and cat.find_key("aaaaaaaaaa") is None
    assert [g.site_id for g in cat.list_goals()] == [b.id]
    assert [k.site_id for k in cat.list_keys()] == [b.id]


def test_keys_keep_only_their_digest(stores: Stores) -> None:
    cat = stores.catalog
    site = cat.add_site("a.com", "UTC", "u1")
    scopes = frozenset({Scope.STATS, Scope.INGEST})
    key = cat.add_key(site.id, "abcdefghij", b"d" * 32, scopes, "ci")
    assert key.scopes == scopes and key.revoked_at is None
    found = cat.find_key("abcdefghij")
    assert found is not None and found.digest == b"d" * 32 and found.key == key
    cat.touch_keys({"abcdefghij": T0})
    cat.touch_keys({})
    assert cat.revoke_key("abcdefghij", T0) is True
    assert cat.revoke_key("abcdefghij", T0) is False
    assert cat.revoke_key("zzzzzzzzzz", T0) is False
    [listed] = cat.list_keys(site.id)
    assert listed.last_used_at == T0 and listed.revoked_at == T0


def test_goals_are_unique_by_name_per_site(stores: Stores) -> None:
    cat = stores.catalog
    a, b = cat.add_site("a.com", "UTC", "u1"), cat.add_site("b.org", "UTC", "u2")
    goal = cat.add_goal(a.id, "", "/pricing", "Visit /pricing")
    cat.add_goal(b.id, "", "/pricing", "Visit /pricing")  # another site may
    with pytest.raises(ConflictError):
        cat.add_goal(a.id, "", "/pricing", "Visit /pricing")
    assert cat.list_goals(a.id) == [goal]
    assert len(cat.list_goals()) == 2
    assert cat.remove_goal(a.id, "Visit /pricing") is True
    assert cat.remove_goal(a.id, "Visit /pricing") is False
    assert cat.list_goals(a.id) == []


def test_salts_are_insert_if_absent_and_old_days_go(stores: Stores) -> None:
    cat = stores.catalog
    day = date(2026, 3, 10)
    first = cat.ensure_salts({day - timedelta(days=1): b"a" * 16, day: b"b" * 16})
    again = cat.ensure_salts({day - timedelta(days=1): b"x" * 16, day: b"y" * 16})
    assert first == again == {day - timedelta(days=1): b"a" * 16, day: b"b" * 16}
    later = cat.ensure_salts({day + timedelta(days=1): b"c" * 16, day: b"z" * 16})
    assert later == {day + timedelta(days=1): b"c" * 16, day: b"b" * 16}
    back = cat.ensure_salts({day - timedelta(days=1): b"q" * 16})
    assert back == {day - timedelta(days=1): b"q" * 16}  # yesterday's was deleted


def test_replicas_asking_for_salts_at_once_agree(stores: Stores) -> None:
    day = date(2026, 3, 10)
    answers: list[dict[date, bytes]] = []

    def ask(n: int) -> None:
        answers.append(stores.catalog.ensure_salts({day: bytes([n]) * 16}))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 8 and all(a == answers[0] for a in answers)


def test_restored_rows_keep_their_ids_and_new_ones_come_after(stores: Stores) -> None:
    """What footfall import relies on: exported ids survive, later ids do not collide."""
    cat = stores.catalog
    site = Site(41, "moved.com", "Europe/Paris", "u-41", 90, T0)
    cat.restore_site(site)
    assert cat.get_site_by_id(41) == site
    stored = StoredKey(ApiKey("mmmmmmmmmm", 41, frozenset({Scope.STATS}), "n", T0, T0, None), b"x")
    cat.restore_key(stored)
    assert cat.find_key("mmmmmmmmmm") == stored
    cat.restore_goal(Goal(17, 41, "Signup", "", "Signup"))
    assert cat.list_goals(41) == [Goal(17, 41, "Signup", "", "Signup")]
    for conflicting in (site, replace(site, id=42), replace(site, domain="x.com")):
        with pytest.raises(ConflictError):
            cat.restore_site(conflicting)
    with pytest.raises(ConflictError):
        cat.restore_key(stored)
    with pytest.raises(ConflictError):
        cat.restore_goal(Goal(17, 41, "Other", "/x", "Other"))
    assert cat.add_site("new.com", "UTC", "u-new").id > 41
    assert cat.add_goal(41, "Buy", "", "Buy").id > 17
