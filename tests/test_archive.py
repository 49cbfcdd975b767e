"""The S3 archive against moto_server: closed days as Parquet, partitioned by site and
date, written once and verified, from either backend; ``footfall archive`` backfills."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from footfall.archive import VERSION, Archive, archive_closed_days
from footfall.cli import app
from footfall.domain import Event
from footfall.errors import StoreError
from footfall.store.arrow import concat, events_from_arrow, events_to_arrow
from footfall.store.dynamo.engine import ARCHIVED_COLUMNS
from tests.backends import AWS_ENDPOINT, BACKENDS, BackendUnderTest, by_backend, fresh_table_url
from tests.fixtures.pyarrow_era import generate as pyarrow_era
from tests.support import parquet_rows


@pytest.fixture(autouse=True)
def _moto_server() -> None:
    """These tests need moto_server: missing, they fail (``make test`` starts it)."""
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"


NOW = datetime.now(UTC)
DAY1 = (NOW - timedelta(days=3)).replace(hour=23, minute=50, second=0, microsecond=0)
_buckets = itertools.count(1)


def bucket() -> str:
    name = f"archive-{next(_buckets)}-{id(NOW) % 10_000}"
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=name)
    return name


def traffic(site_id: int) -> list[Event]:
    """Two visitors across midnight (one visit spans it) and one today (not closed)."""
    at = [DAY1 + timedelta(minutes=m) for m in (0, 5, 15, 30)]  # 23:50 .. 00:20
    out = [Event(site_id, t, "pageview", "a.com", f"/{i}", 1 + i % 2, 0) for i, t in enumerate(at)]
    return [*out, Event(site_id, NOW - timedelta(minutes=1), "pageview", "a.com", "/", 3, 0)]


def read(name: str, key: str) -> list[dict[str, object]]:
    body = boto3.client("s3", region_name="us-east-1").get_object(Bucket=name, Key=key)
    return parquet_rows(body["Body"].read())


@by_backend()
def test_closed_days_are_written_once_by_site_and_date(
    backend: BackendUnderTest, tmp_path: Path
) -> None:
    stores = backend.open(tmp_path)
    try:
        site = stores.catalog.add_site("a.com", "UTC", "u1")
        stores.events.write_events(traffic(site.id))
        archive = Archive(f"s3://{bucket()}/footfall/events")
        args = (archive, stores.catalog, stores.stats, stores.events, NOW)
        written = archive_closed_days(*args)
        days = [DAY1.date(), DAY1.date() + timedelta(days=1)]
        assert [(w.day, w.events, w.created) for w in written] == [
            (days[0], 2, True),
            (days[1], 2, True),
        ]
        assert written[0].key == f"footfall/events/site_id={site.id}/date={days[0]}/events.parquet"
        rows = read(archive.bucket, written[0].key) + read(archive.bucket, written[1].key)
        assert [r["pathname"] for r in rows] == ["/0", "/1", "/2", "/3"]
        # the visit across midnight has one id on both days; visitor 2's too
        assert rows[0]["session_id"] == rows[2]["session_id"] != rows[1]["session_id"]
        assert "ip" not in rows[0] and "user_agent" not in rows[0]
        assert archive_closed_days(*args) == []  # each day once
    finally:
        stores.close()


def test_an_object_already_there_is_kept_and_other_bytes_are_refused(tmp_path: Path) -> None:
    archive = Archive(f"s3://{bucket()}/p")
    stores = BACKENDS[0].open(tmp_path)
    try:
        site = stores.catalog.add_site("a.com", "UTC", "u1")
        stores.events.write_events(traffic(site.id))
        start = DAY1.replace(hour=0, minute=0)
        span = stores.events.export_events(site.id, start, start + timedelta(days=1))
        table = events_to_arrow([e for chunk in span for e in chunk])
        first = archive.write(site.id, DAY1.date(), table)
        again = archive.write(site.id, DAY1.date(), table)  # another replica, at once
        assert first.created and not again.created
        with pytest.raises(StoreError, match="not the"):
            archive._verify(first.key, 1, "0" * 32)
    finally:
        stores.close()


def test_footfall_archive_backfills_from_dynamodb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, name = fresh_table_url(tmp_path), bucket()
    monkeypatch.setenv("FOOTFALL_DATABASE_URL", url)
    monkeypatch.setenv("FOOTFALL_ARCHIVE_URL", f"s3://{name}/x")
    monkeypatch.setenv("FOOTFALL_CACHE_DIR", str(tmp_path / "cache"))
    from footfall.store.registry import open_stores

    stores = open_stores(url)
    site = stores.catalog.add_site("a.com", "UTC", "u1")
    stores.events.write_events(traffic(site.id))
    stores.close()
    result = CliRunner().invoke(app, ["archive"])
    assert result.exit_code == 0, result.output
    assert "2 days archived" in result.output
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=name)
    assert len(listed["Contents"]) == 2
    assert "0 days archived" in CliRunner().invoke(app, ["archive"]).output


def test_a_day_archived_with_pyarrow_is_read_as_the_events_table(tmp_path: Path) -> None:
    """An object written before arro3 replaced pyarrow (pyarrow's Parquet, zstd:
    tests/fixtures/pyarrow_era) reads as the DynamoDB engine reads an archived day:
    every event, session ids 0 (split again), in the events table's Arrow schema (it
    joins today's events read from the table in one frame)."""
    archive = Archive(f"s3://{bucket()}/p")
    day = pyarrow_era.T0.date()
    archive.s3.put_object(
        Bucket=archive.bucket,
        Key=archive.key(1, day),
        Body=(Path(pyarrow_era.__file__).parent / "archive.parquet").read_bytes(),
        Metadata={VERSION: "g1"},
    )
    assert archive.read(1, day, "g2", ARCHIVED_COLUMNS) is None  # renamed since
    table = archive.read(1, day, "g1", ARCHIVED_COLUMNS)
    assert table is not None
    sent = [e for e in pyarrow_era.events(1) if e.timestamp.date() == day]
    assert events_from_arrow(table) == sent
    today = events_to_arrow(sent[:2])
    assert events_from_arrow(concat([table, today])) == [*sent, *sent[:2]]
