"""Closed days read back from the S3 archive (store/dynamo/engine.py, footfall/archive.py):
a new task with an empty local cache answers a 30-day view exactly (the embedded
store's answers) reading DynamoDB only for the days not archived and today; a day
changed after it was archived (a late event, a deleted range) is read from DynamoDB
again, still exactly. Against moto_server."""

from __future__ import annotations

import itertools
import os
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from footfall.archive import Archive, archive_closed_days
from footfall.domain import Event, Site
from footfall.store.arrow import events_to_arrow
from footfall.store.duckdb import DuckDBStore
from footfall.store.dynamodb import DynamoDBStore
from footfall.store.registry import Options, open_backend
from tests.backends import AWS_ENDPOINT, fresh_table_url
from tests.store.dynamodb.test_frames import BODIES, ask, load_both

DAYS = 32  # a 30-day view, and the days its visits may run into
_buckets = itertools.count(1)


def traffic(rng: random.Random, now: datetime) -> list[Event]:
    """A few visits a day over DAYS UTC days, some across midnight, and a pageview at
    noon of every day: the test deletes 06:00-18:00 of one day, which must delete
    something whatever the time of day the test runs at (random visits alone left
    that range of the day it picked empty after midnight, 2026-12-01)."""
    first = datetime.combine(now.date() - timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    noons = (first + timedelta(days=d, hours=12) for d in range(DAYS))
    out = [Event(1, at, "pageview", "a.com", "/noon", 1000 + i, 0) for i, at in enumerate(noons)]
    out = [e for e in out if e.timestamp < now]
    for visitor in range(1, 3 * DAYS):
        at = first + timedelta(seconds=rng.randrange(int((now - first).total_seconds())))
        if visitor % 4 == 0:
            at = at.replace(hour=23, minute=50)
        for _ in range(rng.randint(1, 4)):
            if at >= now:
                break
            page = rng.choice(["/", "/a", "/b"])
            out.append(Event(1, at, "pageview", "a.com", page, visitor, 0))
            at += timedelta(minutes=rng.choice([1, 7, 31, 45]))
    return out


@dataclass
class Reads:
    """The event partitions a store queried (their days) and its S3 GetObjects."""

    days: Counter[date]
    gets: int = 0


def open_task(url: str, archive_url: str, cache: Path) -> tuple[DynamoDBStore, Reads]:
    """A new task on the table: its own (empty) local cache, the shared archive."""
    store = open_backend(url, Options(cache_dir=str(cache), archive_url=archive_url))
    assert isinstance(store, DynamoDBStore) and store.engine.archive is not None
    reads = Reads(Counter())

    def query(params: dict[str, Any], **_: Any) -> None:
        pk = params["ExpressionAttributeValues"][":pk"]["S"]
        if pk.startswith("EV#"):
            reads.days[date.fromisoformat(pk.rsplit("#", 1)[1])] += 1

    def get(**_: Any) -> None:
        reads.gets += 1

    store.table.client.meta.events.register("provide-client-params.dynamodb.Query", query)
    store.engine.archive.s3.meta.events.register("before-call.s3.GetObject", get)
    return store, reads


@dataclass
class Setup:
    url: str
    archive: Archive
    oracle: DuckDBStore
    site: Site
    now: datetime
    archived: list[date]


@pytest.fixture
def archived(tmp_path: Path) -> Iterator[Setup]:
    """DAYS days of events in a table and in the embedded store; every closed day
    archived by a first task."""
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"
    now = datetime.now(UTC).replace(microsecond=0)
    sent = traffic(random.Random(13), now)
    url, bucket = fresh_table_url(tmp_path), f"days-{os.getpid()}-{next(_buckets)}"
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=bucket)
    archive_url = f"s3://{bucket}/events"
    first, _ = open_task(url, archive_url, tmp_path / "first")
    oracle = DuckDBStore(":memory:")
    try:
        site = load_both(first, oracle, sent)
        archive = Archive(archive_url)
        # One frame over every day (as the task's 30-day dashboard leaves): archiving
        # then exports each day from it rather than building a frame a day.
        first.engine.frame(site.id, min(e.timestamp for e in sent), now)
        written = archive_closed_days(archive, first, first, first, now)
        yield Setup(url, archive, oracle, site, now, [w.day for w in written])
    finally:
        first.close()
        oracle.close()


def view(store: DynamoDBStore | DuckDBStore, s: Setup) -> list[dict[str, Any]]:
    today = s.now.date()
    return [ask(store, s.site, s.now, today - timedelta(days=29), today, b) for b in BODIES]


def test_new_tasks_read_closed_days_from_the_archive_while_they_hold(
    archived: Setup, tmp_path: Path
) -> None:
    """One archived day's object gone: a new task's 30-day view is the embedded
    store's, reading from DynamoDB only that day and today (the others: one GetObject
    a day), and fills its local cache (a second task on it reads neither). Then a late
    event for one archived day, a range deleted from another and a whole day deleted:
    a third new task reads the changed days from DynamoDB, and answers exactly."""
    s = archived
    today = s.now.date()
    archive_url = f"s3://{s.archive.bucket}/events"
    assert len(s.archived) >= DAYS - 2 and today not in s.archived
    missing, late, cut, gone = (s.archived[i] for i in (-12, -3, -6, -9))
    s.archive.s3.delete_object(Bucket=s.archive.bucket, Key=s.archive.key(s.site.id, missing))
    store, reads = open_task(s.url, archive_url, tmp_path / "new")
    try:
        assert view(store, s) == view(s.oracle, s)
        assert set(reads.days) == {missing, today}
        assert reads.gets == len(s.archived)  # each closed day once (the view, its comparison)
    finally:
        store.close()
    store, reads = open_task(s.url, archive_url, tmp_path / "new")
    try:
        assert view(store, s) == view(s.oracle, s)
        assert (set(reads.days), reads.gets) == ({today}, 0)
        at = datetime.combine(late, datetime.min.time(), UTC) + timedelta(hours=12)
        event = Event(1, at, "pageview", "a.com", "/late", 10_000, 0)
        store.write_events([event])
        s.oracle.write_arrow(events_to_arrow([event]))
        lo = datetime.combine(cut, datetime.min.time(), UTC) + timedelta(hours=6)
        whole = datetime.combine(gone, datetime.min.time(), UTC)
        for start, end in ((lo, lo + timedelta(hours=12)), (whole, whole + timedelta(days=1))):
            store.delete_events(s.site.id, start, end)
            s.oracle.delete_events(s.site.id, start, end)
    finally:
        store.close()
    store, reads = open_task(s.url, archive_url, tmp_path / "third")
    try:
        assert view(store, s) == view(s.oracle, s)
        assert set(reads.days) == {missing, late, cut, today}  # not ``gone``: no day item
    finally:
        store.close()
