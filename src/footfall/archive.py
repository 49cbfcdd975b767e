"""The S3 archive: closed days' events as Parquet, for any backend.

``FOOTFALL_ARCHIVE_URL=s3://bucket/prefix``. Each UTC day of each site that has
ended (and holds events) is written once to

    s3://bucket/prefix/site_id=<id>/date=<yyyy-mm-dd>/events.parquet

(Hive partitioning: DuckDB, Athena and Spark read it as a table with ``site_id`` and
``date`` columns). The upload carries its MD5 (S3 refuses a body that does not
match), is conditional on the key not existing (``If-None-Match: *``: two replicas
archiving at once write it once), and is verified after: the object's size and ETag
(the MD5 of a single-part upload) must be the file's. Session ids are the visit
rule's at the time of archiving. Events that arrive for a day after it was archived
(imports of the past) are not added: the archive is a record, the store the truth.
The server archives each day once it has ended; ``footfall archive`` backfills.

A backend that names a day's content (DynamoDB's ``gen``: ``day_version``) has that
name read *before* the day is exported and stored in the object's metadata
(``x-amz-meta-footfall-version``). Its stats engine reads a closed day from the
archive (one GetObject, ``read``) only while the table still names the day so: any
event committed or deleted since renames it, and the day is read from the table.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
from arro3.core import Table
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from footfall.errors import ConfigError, StoreError, StoreUnavailable
from footfall.store import parquet
from footfall.store.arrow import events_to_arrow
from footfall.store.base import Catalog, EventLog, StatsEngine

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

log = logging.getLogger(__name__)
VERSION = "footfall-version"  # the object's metadata: the name of the day's content


@dataclass(frozen=True, slots=True)
class Written:
    site_id: int
    day: date
    events: int
    key: str
    created: bool  # False: the object was there already (another replica, an earlier run)


def parse_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigError(f"FOOTFALL_ARCHIVE_URL: expected s3://bucket/prefix, got {url!r}")
    return parts.netloc, parts.path.strip("/")


class Archive:
    def __init__(self, url: str) -> None:
        self.bucket, self.prefix = parse_url(url)
        config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3)
        self.s3: S3Client = boto3.session.Session().client("s3", config=config)

    def key(self, site_id: int, day: date) -> str:
        path = f"site_id={site_id}/date={day.isoformat()}/events.parquet"
        return f"{self.prefix}/{path}" if self.prefix else path

    def archived_days(self, site_id: int) -> set[date]:
        prefix = self.key(site_id, date.min).split("date=")[0]
        found: set[date] = set()
        try:
            for page in self.s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                for obj in page.get("Contents", []):
                    part = obj["Key"].removeprefix(prefix).split("/")[0]
                    found.add(date.fromisoformat(part.removeprefix("date=")))
        except (BotoCoreError, ClientError) as exc:
            raise _failure(exc, "listing the archive") from exc
        return found

    def read(self, site_id: int, day: date, version: str, columns: str = "*") -> Table | None:
        """One day's events as archived (one GetObject), or None when the object is
        missing or was written under another ``version`` of the day (or none);
        ``columns``: a select list over the file (StoreError when it does not fit)."""
        key = self.key(site_id, day)
        try:
            got = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in {"NoSuchKey", "404"}:
                return None
            raise _failure(exc, f"reading {key}") from exc
        except BotoCoreError as exc:
            raise _failure(exc, f"reading {key}") from exc
        body = got["Body"]
        try:
            if got.get("Metadata", {}).get(VERSION) != version:
                return None  # stale (events came or went since), or not versioned
            data = body.read()
        except (BotoCoreError, ClientError) as exc:
            raise _failure(exc, f"reading {key}") from exc
        finally:
            body.close()
        with tempfile.TemporaryDirectory(prefix="footfall-archive-") as tmp:
            path = Path(tmp) / "events.parquet"
            path.write_bytes(data)
            try:
                return parquet.read(path, columns)
            except parquet.Error as exc:
                raise StoreError(f"s3://{self.bucket}/{key} is not Parquet: {exc}") from exc

    def write(self, site_id: int, day: date, events: Table, version: str | None = None) -> Written:
        """Upload one day once and verify it; raise StoreError when S3 holds other bytes.
        ``version``: the name of the day's content the events were read under."""
        with tempfile.TemporaryDirectory(prefix="footfall-archive-") as tmp:
            path = Path(tmp) / "events.parquet"
            try:
                parquet.write(events, path, compression="zstd")
                body = path.read_bytes()
            except (parquet.Error, OSError) as exc:
                raise StoreError(f"cannot write the Parquet file of {day}: {exc}") from exc
        md5 = hashlib.md5(body, usedforsecurity=False)
        key = self.key(site_id, day)
        created = True
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentMD5=base64.b64encode(md5.digest()).decode(),
                ContentType="application/vnd.apache.parquet",
                IfNoneMatch="*",
                Metadata={} if version is None else {VERSION: version},
            )
        except ClientError as exc:
            if _code(exc) not in {"PreconditionFailed", "ConditionalRequestConflict"}:
                raise _failure(exc, f"writing {key}") from exc
            created = False  # written before: verify what is there instead
        except BotoCoreError as exc:
            raise _failure(exc, f"writing {key}") from exc
        if created:
            self._verify(key, len(body), md5.hexdigest())
        return Written(site_id, day, events.num_rows, key, created)

    def _verify(self, key: str, size: int, md5: str) -> None:
        try:
            head = self.s3.head_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise _failure(exc, f"verifying {key}") from exc
        etag = head.get("ETag", "").strip('"')
        if head.get("ContentLength") != size or etag != md5:
            raise StoreError(
                f"s3://{self.bucket}/{key} holds {head.get('ContentLength')} bytes (ETag "
                f"{etag}), not the {size} bytes (MD5 {md5}) written"
            )


def closed_days(first: datetime, now: datetime) -> Iterator[date]:
    """UTC days from ``first``'s to the last one that has ended."""
    day, last = first.astimezone(UTC).date(), now.astimezone(UTC).date() - timedelta(days=1)
    while day <= last:
        yield day
        day += timedelta(days=1)


def archive_closed_days(
    archive: Archive,
    catalog: Catalog,
    stats: StatsEngine,
    events: EventLog,
    now: datetime,
    since: date | None = None,
) -> list[Written]:
    """Write every ended day of every site not in the archive yet (days without events
    are skipped); what was written."""
    # The name of a day's content, read before its events (module docstring).
    version: Callable[[int, date], str | None] | None = getattr(events, "day_version", None)
    out: list[Written] = []
    for site in catalog.list_sites():
        first = stats.first_event_at(site.id)
        if first is None:
            continue
        done = archive.archived_days(site.id)
        for day in closed_days(first, now):
            if day in done or (since is not None and day < since):
                continue
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            named = None if version is None else version(site.id, day)
            span = events.export_events(site.id, start, start + timedelta(days=1))
            table = events_to_arrow([event for chunk in span for event in chunk])
            if table.num_rows:
                out.append(archive.write(site.id, day, table, named))
                log.info("archived %s events of site %s on %s", table.num_rows, site.id, day)
    return out


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _failure(exc: Exception, doing: str) -> StoreError | StoreUnavailable:
    if isinstance(exc, BotoCoreError) or (
        isinstance(exc, ClientError) and _code(exc) in {"SlowDown", "InternalError", "503"}
    ):
        return StoreUnavailable(f"S3 cannot be reached ({doing}): {exc}")
    return StoreError(f"S3 ({doing}): {exc}")
