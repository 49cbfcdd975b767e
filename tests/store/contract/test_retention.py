"""Retention on every backend: exactly the events of the days that expired in the site's
own time zone go, with their visits and (PostgreSQL) rollups; one replica a day runs
the pass (footfall/retention.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall import retention
from footfall.domain import Event
from footfall.stats import runner
from footfall.stats.query import parse
from footfall.store.registry import Stores

# Near the real time: DynamoDB (moto too) drops items whose TTL has passed, and the
# TTL follows the retention, so events of a made-up past would be gone already.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
ZONES = ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin", "America/St_Johns"]


def ev(site_id: int, at: datetime, visitor: int) -> Event:
    return Event(site_id, at, "pageview", "example.com", "/", visitor, 0)


def stored_times(stores: Stores, site_id: int) -> list[datetime]:
    far = datetime(2000, 1, 1, tzinfo=UTC), NOW + timedelta(days=1)
    return sorted(e.timestamp for c in stores.events.export_events(site_id, *far) for e in c)


def test_retention_deletes_exactly_the_expired_local_days(stores: Stores) -> None:
    count = iter(range(1_000_000))

    @settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        zone=st.sampled_from(ZONES),
        days=st.integers(1, 40),
        offsets=st.lists(st.integers(0, 50 * 24 * 60), min_size=1, max_size=12),
        ran_at=st.integers(0, 24 * 60 - 1),
    )
    def case(zone: str, days: int, offsets: list[int], ran_at: int) -> None:
        now = NOW + timedelta(minutes=ran_at)
        added = stores.catalog.add_site(f"s{next(count)}.example", zone, f"u{next(count)}")
        stores.catalog.set_site_retention(added.id, days)
        site = stores.catalog.get_site_by_id(added.id)
        assert site is not None and site.retention_days == days
        events = [ev(site.id, now - timedelta(minutes=m), i % 3) for i, m in enumerate(offsets)]
        stores.events.write_events(events)
        if stores.rollups is not None:  # summaries of the days before they expire
            stores.rollups.refresh_rollups(400)
        retention.apply_site(stores, site, now)
        today = now.astimezone(ZoneInfo(zone)).date()
        kept = [
            e.timestamp
            for e in events
            if (today - e.timestamp.astimezone(ZoneInfo(zone)).date()).days <= days
        ]
        assert stored_times(stores, site.id) == sorted(kept)
        assert stores.events.count_events(site.id) == len(kept)
        body = {"site_id": site.domain, "metrics": ["pageviews"], "date_range": "all"}
        query = parse(body, now, zone, (now - timedelta(days=60)).date())
        if stores.rollups is not None:  # the deleted days' rollups go too
            stores.rollups.refresh_rollups(400)
        [row] = runner.run(stores.stats, query, site, [])["results"]
        assert row["metrics"] == [len(kept)]

    case()


def test_a_site_without_retention_keeps_everything(stores: Stores) -> None:
    site = stores.catalog.add_site("a.example", "UTC", "u1")
    stores.events.write_events([ev(site.id, NOW - timedelta(days=90), 1)])
    assert retention.apply(stores, NOW) == {}
    assert stores.events.count_events(site.id) == 1
    stores.catalog.set_site_retention(site.id, 30)
    midnight = datetime.combine(NOW.date() - timedelta(days=30), datetime.min.time(), UTC)
    assert retention.apply(stores, NOW) == {site.id: midnight}
    assert stores.events.count_events(site.id) == 0
    stores.catalog.set_site_retention(site.id, None)
    again = stores.catalog.get_site_by_id(site.id)
    assert again is not None and again.retention_days is None


def test_one_replica_a_day_runs_the_pass(stores: Stores) -> None:
    early = datetime.combine(NOW.date(), datetime.min.time(), UTC) + timedelta(minutes=30)
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: retention.run_daily(stores, early), range(8)))
    assert claims.count(True) == 1
    assert retention.run_daily(stores, early + timedelta(hours=23)) is False  # same UTC day
    assert retention.run_daily(stores, early + timedelta(hours=24)) is True


def test_reset_and_delete_range_through_the_site_manager(stores: Stores) -> None:
    from footfall.apikeys import KeyRing
    from footfall.errors import InputError, NotFoundError
    from footfall.sites import SiteManager

    admin = SiteManager(stores, KeyRing(stores.catalog, "retention-test-secret-0123456789"))
    site = admin.add_site("b.example", "Asia/Tokyo")
    assert site.retention_days == retention.DEFAULT_DAYS
    first = NOW - timedelta(days=3)
    stores.events.write_events([ev(site.id, first + timedelta(hours=h), h) for h in range(48)])
    day = first.astimezone(ZoneInfo("Asia/Tokyo")).date()
    with pytest.raises(InputError):
        admin.delete_range("b.example", day, day - timedelta(days=1))
    with pytest.raises(NotFoundError):
        admin.reset_stats("nope.example")
    with pytest.raises(InputError):
        admin.set_retention("b.example", 0)
    admin.delete_range("b.example", day, day)
    left = [t.astimezone(ZoneInfo("Asia/Tokyo")).date() for t in stored_times(stores, site.id)]
    assert day not in left and len(left) == 48 - sum(
        1
        for h in range(48)
        if (first + timedelta(hours=h)).astimezone(ZoneInfo("Asia/Tokyo")).date() == day
    )
    admin.reset_stats("b.example")
    assert stores.events.count_events(site.id) == 0 and admin.stores.catalog.get_site("b.example")
