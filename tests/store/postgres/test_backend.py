"""What only PostgreSQL has: replicas writing one database at once, migrations under
concurrent start, monthly partitions, a server going away mid-write, statement_timeout.

Needs the cluster `make test` starts (FOOTFALL_TEST_POSTGRES_URL); run by hand without
it, the module fails rather than skips, as under `make test`.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.config import load_settings
from footfall.domain import Event
from footfall.errors import QueryTimeout, StoreError, StoreUnavailable
from footfall.store.postgres.backend import MIGRATIONS, TRUNCATE_EVERY, PostgresStore
from footfall.store.registry import Stores, open_stores
from footfall.web.app import create_app
from tests.backends import POSTGRES_URL, _on_database, fresh_postgres
from tests.store.contract.test_events import ev, rule_visits, stored_visits
from tests.store.contract.test_events import traffic as contract_traffic
from tests.support import CHROME_UA

T0 = datetime(2026, 3, 10, 9, tzinfo=UTC)


@pytest.fixture
def url(tmp_path: Path) -> str:
    assert POSTGRES_URL, "FOOTFALL_TEST_POSTGRES_URL is not set: run under `make test`"
    return fresh_postgres(tmp_path)


@pytest.fixture
def store(url: str) -> Iterator[PostgresStore]:
    opened = PostgresStore(url)
    yield opened
    opened.close()


def admin(sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """One statement on the cluster's maintenance database, as its superuser."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        cur = conn.execute(sql.encode(), params)
        return cur.fetchall() if cur.description else []


def database(url: str) -> str:
    return urlsplit(url).path[1:]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll for a state another thread reaches (a liveness bound, not a timing test)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def traffic(rng: random.Random, visitors: int, per_visitor: int) -> list[Event]:
    events = []
    for visitor in range(1, visitors + 1):
        at = T0 + timedelta(minutes=rng.randint(0, 600))
        for _ in range(per_visitor):
            at += timedelta(
                minutes=rng.choice([0, 1, 5, 29, 30, 31, 50]), seconds=rng.randint(0, 59)
            )
            events.append(ev(1, at, rng.choice(["/", "/a", "/b"]), visitor))
    return events


@pytest.mark.parametrize("seed", range(4))
def test_two_replicas_writing_one_visitor_interleaved_give_the_rule_s_visits(
    url: str, seed: int
) -> None:
    """Two stores (two replicas' pools) on one database, each from four threads, take
    the same visitors' events shuffled and alternating batch by batch."""
    rng = random.Random(seed)
    events = traffic(rng, visitors=3, per_visitor=40)
    shuffled = rng.sample(events, len(events))
    replicas = [PostgresStore(url), PostgresStore(url)]
    try:
        replicas[0].add_site("example.com", "UTC", "u1")
        batches = []
        while shuffled:
            size = rng.randint(1, 6)
            batches.append(shuffled[:size])
            shuffled = shuffled[size:]
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                for n, batch in enumerate(batches[worker::8]):
                    replicas[(worker + n) % 2].write_events(batch)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        stores = Stores.on(replicas[1])
        assert stored_visits(stores, 1) == rule_visits(events)
        # The visits table agrees with the events' session ids.
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT count(*), sum(events) FROM visits WHERE site_id = 1"
            ).fetchone()
        assert rows == (len(rule_visits(events)), len(events))
    finally:
        for r in replicas:
            r.close()


@pytest.mark.parametrize("seed", range(2))
def test_one_connection_s_staging_carries_nothing_from_a_batch_to_the_next(
    url: str, seed: int
) -> None:
    """The staging tables are emptied by each writer (a DELETE, every TRUNCATE_EVERY-th
    use a TRUNCATE), not at commit: on one connection, shuffled batches across several
    truncations and failed batches (refused in the COPY, rolled back) store every event
    once and give the rule's visits."""
    rng = random.Random(seed)
    events = traffic(rng, visitors=4, per_visitor=50)
    shuffled = rng.sample(events, len(events))
    store = PostgresStore(url, pool_size=1)
    try:
        store.add_site("example.com", "UTC", "u1")
        batches = 0
        while shuffled:
            size = rng.randint(1, 3)
            if rng.random() < 0.1:  # a NUL byte: PostgreSQL refuses the row in the COPY
                with pytest.raises(StoreError):
                    store.write_events([*shuffled[:size], ev(1, T0, "/\x00", 99)])
            store.write_events(shuffled[:size])
            shuffled = shuffled[size:]
            batches += 1
        assert batches > TRUNCATE_EVERY
        assert stored_visits(Stores.on(store), 1) == rule_visits(events)
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT count(*), sum(events) FROM visits").fetchone()
        assert rows == (len(rule_visits(events)), len(events))
    finally:
        store.close()


def test_migrations_run_once_when_replicas_start_together(tmp_path: Path) -> None:
    name = f"footfall_empty_{random.randrange(1 << 30)}"
    admin(f'CREATE DATABASE "{name}"')
    url = _on_database(POSTGRES_URL, name)
    opened: list[PostgresStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def boot() -> None:
        start.wait()
        try:
            opened.append(PostgresStore(url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=boot) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == [] and len(opened) == 6
        with psycopg.connect(url) as conn:
            versions = conn.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        assert versions == [(v,) for v in range(1, len(MIGRATIONS) + 1)]
        site = opened[3].add_site("example.com", "UTC", "u1")
        assert opened[5].get_site("example.com") == site
    finally:
        for store in opened:
            store.close()
    # Opening a migrated database again changes nothing.
    PostgresStore(url).close()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone() == (len(MIGRATIONS),)


def partitions(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'events'::regclass"
        ).fetchall()
    return {str(r[0]) for r in rows}


def test_months_get_partitions_and_retention_drops_the_emptied_ones(
    url: str, store: PostgresStore
) -> None:
    a = store.add_site("a.com", "UTC", "u1")
    b = store.add_site("b.org", "UTC", "u2")
    jan, feb, mar = (datetime(2025, m, 10, tzinfo=UTC) for m in (1, 2, 3))
    store.write_events([ev(a.id, jan, "/", 1), ev(a.id, feb, "/", 1), ev(b.id, feb, "/", 2)])
    store.write_events([ev(a.id, mar, "/", 1)])
    assert {"events_p202501", "events_p202502", "events_p202503"} <= partitions(url)
    now = datetime.now(UTC)
    ahead = (now.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert f"events_p{ahead:%Y%m}" in partitions(url)  # next month exists before it starts

    # Site a's retention ends in March: January empties, February still holds b's event.
    store.delete_events(a.id, end=mar)
    assert "events_p202501" not in partitions(url)
    assert {"events_p202502", "events_p202503"} <= partitions(url)
    assert store.count_events(a.id) == 1 and store.count_events(b.id) == 1

    # Another replica that still believes January exists writes there again.
    other = PostgresStore(url)
    try:
        other._months.add(jan.date().replace(day=1))
        other.write_events([ev(a.id, jan, "/late", 3)])
    finally:
        other.close()
    assert store.count_events(a.id) == 2 and "events_p202501" in partitions(url)


def test_a_server_gone_mid_write_commits_nothing_and_is_reconnected_to(url: str) -> None:
    store = PostgresStore(url, pool_wait=1)  # a request waits 1 s for a connection, not 5
    site = store.add_site("example.com", "UTC", "u1")
    first = [ev(site.id, T0 + timedelta(minutes=m), "/", 1) for m in range(5)]
    second = [ev(site.id, T0 + timedelta(minutes=m), "/late", 1) for m in range(5, 10)]
    store.write_events(first)
    # Hold visit 1's row so that the second batch stops inside its transaction, after
    # its events went in and before its visits are rewritten.
    blocker = psycopg.connect(url)
    blocker.execute("SELECT * FROM visits FOR UPDATE")
    failure: list[BaseException] = []

    def write() -> None:
        try:
            store.write_events(second)
        except BaseException as exc:
            failure.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    wait_until(
        lambda: bool(
            admin(
                "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
                " AND query LIKE 'DELETE FROM visits%%'",
                (database(url),),
            )
        ),
        "the writer waits inside its transaction",
    )
    # The database goes away: sessions killed, new connections refused.
    admin(f'ALTER DATABASE "{database(url)}" ALLOW_CONNECTIONS false')
    admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
        (database(url),),
    )
    writer.join()
    blocker.close()
    assert len(failure) == 1 and isinstance(failure[0], StoreUnavailable)
    with pytest.raises(StoreUnavailable):
        store.ping()
    with pytest.raises(StoreUnavailable):
        store.write_events(second)

    admin(f'ALTER DATABASE "{database(url)}" ALLOW_CONNECTIONS true')

    def answers() -> bool:
        try:
            store.ping()
        except StoreUnavailable:
            return False  # the pool's reconnection backs off (1 s, 2 s, ...)
        return True

    wait_until(answers, "the pool reconnects by itself")
    assert store.count_events(site.id) == len(first)  # nothing of the second batch
    store.write_events(second)
    stores = Stores.on(store)
    assert stored_visits(stores, site.id) == rule_visits(first + second)
    store.close()


def test_a_slow_read_stops_at_the_time_limit(store: PostgresStore) -> None:
    with store.time_limit(0.2), pytest.raises(QueryTimeout) as caught:
        store.read("SELECT pg_sleep(30)", {})
    assert "0.2 s" in caught.value.detail
    assert store.read("SELECT 42", {}) == [(42,)]  # the connection's timeout is gone
    with pytest.raises(StoreError):
        store.read("SELECT pg_sleep(30) FROM nowhere", {})


def test_ingest_answers_503_while_the_database_is_gone_and_202_once_it_is_back(url: str) -> None:
    setup = PostgresStore(url)
    setup.add_site("example.com", "UTC", "u1")
    setup.close()
    event = {"n": "pageview", "u": "https://example.com/", "d": "example.com"}
    headers = {"user-agent": CHROME_UA, "content-type": "application/json"}
    with TestClient(
        create_app(
            load_settings(
                database_url=url,
                secret_key="Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1QeA5uWo0iKt",
                admin_token="Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw",
            )
        )
    ) as client:
        assert client.post("/api/event", json=event, headers=headers).status_code == 202
        admin(f'ALTER DATABASE "{database(url)}" ALLOW_CONNECTIONS false')
        admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (database(url),),
        )
        r = client.post("/api/event", json=event, headers=headers)
        assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
        assert client.get("/ready").status_code == 503
        admin(f'ALTER DATABASE "{database(url)}" ALLOW_CONNECTIONS true')
        wait_until(lambda: client.get("/ready").status_code == 200, "ready again")
        assert client.post("/api/event", json=event, headers=headers).status_code == 202
    check = PostgresStore(url)
    try:
        assert check.count_events(1) == 2  # the refused event is not stored
    finally:
        check.close()


def test_the_password_comes_from_the_setting_and_a_plain_owner_migrates(url: str) -> None:
    """As on RDS: a role that must give its password and is no superuser, owning an
    empty database (scripts/services/postgres.sh asks footfall_password for one)."""
    role, name = "footfall_password", f"footfall_owned_{random.randrange(1 << 30)}"
    admin(
        "DO $$ BEGIN CREATE ROLE footfall_password LOGIN PASSWORD 's3cret';"
        " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    admin(f'CREATE DATABASE "{name}" OWNER {role}')
    owned = _on_database(POSTGRES_URL, name).replace("//footfall@", f"//{role}@")
    for wrong in ("", "guess"):
        with pytest.raises(StoreUnavailable, match="password"):
            PostgresStore(owned, password=wrong)
    settings = load_settings(
        database_url=owned,
        database_password="s3cret",
        secret_key="Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1QeA5uWo0iKt",
        admin_token="Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw",
    )
    assert "s3cret" not in repr(settings) and "s3cret" not in repr(settings.store_options)
    stores = open_stores(settings.database_url, options=settings.store_options)
    try:
        site = stores.catalog.add_site("example.com", "UTC", "u1")
        stores.events.write_events([ev(site.id, T0, "/", 1)])
        assert stores.events.count_events(site.id) == 1
    finally:
        stores.close()


def visit_rows(url: str) -> list[list[tuple[object, ...]]]:
    """Every visit row, and every event's visit id."""
    with psycopg.connect(url) as conn:
        return [
            conn.execute(sql).fetchall()
            for sql in (
                "SELECT * FROM visits ORDER BY session_id",
                "SELECT timestamp, visitor_id, name, pathname, session_id FROM events"
                " ORDER BY timestamp, visitor_id, name, pathname, session_id",
            )
        ]


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(events=contract_traffic(), cuts=st.lists(st.integers(0, 40), max_size=8))
def test_in_order_batches_extend_visits_as_one_batch_splits_them(
    events: list[Event], cuts: list[int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The append path (a visitor's new events all later than its stored ones: its
    first new visit extends the stored one, never re-read) gives every visit row, all
    columns, that the events written in one batch give; batches cut anywhere in time
    order, ties at a cut (which go through the recompute) included."""
    ordered = sorted(events, key=lambda e: e.timestamp)
    urls = [fresh_postgres(tmp_path_factory.mktemp("append")) for _ in range(2)]
    batched, whole = PostgresStore(urls[0]), PostgresStore(urls[1])
    try:
        for store in (batched, whole):
            assert store.add_site("example.com", "UTC", "u1").id == 1
        bounds = sorted({0, len(ordered), *(c for c in cuts if c < len(ordered))})
        for lo, hi in itertools.pairwise(bounds):
            batched.write_events(ordered[lo:hi])
        whole.write_events(ordered)
        assert visit_rows(urls[0]) == visit_rows(urls[1])
    finally:
        batched.close()
        whole.close()


def test_today_is_listed_for_rollups_once_and_again_after_its_events_are_deleted(
    store: PostgresStore, url: str
) -> None:
    """A day this process listed (rollup_days) within NOTED_FOR is not listed again by
    each batch of today; deleting every event of the site forgets that, so today's next
    batch lists it again. An ended day is listed and marked dirty by every batch."""
    site = store.add_site("example.com", "UTC", "u1").id
    now = datetime.now(UTC)
    if now.hour == 23 and now.minute == 59:  # the batches below stay on one UTC day
        now -= timedelta(minutes=1)

    def days() -> list[tuple[object, ...]]:
        with psycopg.connect(url) as conn:
            return conn.execute(
                "SELECT day, dirty FROM rollup_days WHERE site_id = %s ORDER BY day", [site]
            ).fetchall()

    store.write_events([ev(site, now, "/", 1)])
    store.write_events([ev(site, now + timedelta(seconds=1), "/a", 1)])
    assert days() == [(now.date(), False)]
    store.delete_events(site)
    assert days() == []
    store.write_events([ev(site, now + timedelta(seconds=2), "/b", 1)])
    assert days() == [(now.date(), False)]
    yesterday = now - timedelta(days=1)
    for n in range(2):
        with psycopg.connect(url) as conn:
            conn.execute("UPDATE rollup_days SET dirty = false")
        store.write_events([ev(site, yesterday + timedelta(seconds=n), "/c", 2)])
        assert days() == [(yesterday.date(), True), (now.date(), False)]
