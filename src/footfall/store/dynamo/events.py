"""Event items, grouped in one partition per site and UTC day, and their commit.

    PK  EV#<site>#<yyyy-mm-dd>   SK  E#<batch>#<n>   d = the event's values (JSON)
                                 SK  B#<batch>       the batch's commit marker
    PK  DAYS#<site>              SK  <yyyy-mm-dd>    gen = the last commit's batch id

A ``write_events`` call is one batch with a fresh id. Its event items are written
first (BatchWriteItem, unprocessed items retried with backoff), then, in one
TransactWriteItems, a commit marker in every partition it touched and the new
``gen`` of each of those days. Readers count an event only when its batch's marker
exists, so a batch that failed half-way counts nothing and a client's retry of it is
a new batch counted once; two identical events (the same visitor's two clicks in one
second) stay two events. ``gen`` names the day's content: a reader that read ``gen``
before the partition may keep what it read under that name (the Parquet cache).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from arro3.core import Table as ArrowTable

from footfall.domain import Event
from footfall.errors import StoreError, StoreUnavailable
from footfall.store import parquet
from footfall.store.arrow import SCHEMA_ERRORS, column_values, columns_to_arrow, events_to_arrow
from footfall.store.dynamo.attrs import Item, get_s, key, n, padded, s
from footfall.store.dynamo.table import TRANSACT, Table

# The event's columns in the item's value list (site and session ids are not stored:
# the partition names the site, and visits follow from the events when read).
_STORED = [f.name for f in dataclasses.fields(Event) if f.name not in {"site_id", "session_id"}]
_TS = _STORED.index("timestamp")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def partition(site_id: int, day: date) -> str:
    return f"EV#{padded(site_id)}#{day.isoformat()}"


def days_key(site_id: int) -> str:
    return f"DAYS#{padded(site_id)}"


def _micros(ts: datetime) -> int:
    return (ts - _EPOCH) // timedelta(microseconds=1)


def _values(e: Event) -> bytes:
    values: list[Any] = [getattr(e, name) for name in _STORED]
    values[_TS] = _micros(e.timestamp)
    return orjson.dumps(values)


@dataclasses.dataclass(frozen=True, slots=True)
class Day:
    """A day of a site that has committed events, and the name of its content."""

    site_id: int
    day: date
    gen: str  # the last commit's batch id, or delete's token
    cut: str  # the last delete's token: "" until events of the day are deleted
    expires: int | None  # epoch seconds (the TTL), None without retention


def days(
    table: Table, site_id: int, first: date | None = None, last: date | None = None
) -> list[Day]:
    """The site's days with events (all, or ``first``..``last``), oldest first; days
    whose TTL has passed are left out (DynamoDB deletes them within a day or two)."""
    bounds = None
    if first is not None or last is not None:
        bounds = ((first or date.min).isoformat(), (last or date.max).isoformat())
    now = time.time()
    out = []
    for item in table.query(days_key(site_id), between=bounds):
        expires = int(item["ttl"]["N"]) if "ttl" in item else None
        if expires is None or expires > now:
            day = date.fromisoformat(get_s(item, "SK"))
            cut = item.get("cut", {}).get("S", "")
            out.append(Day(site_id, day, get_s(item, "gen"), cut, expires))
    return out


def write(table: Table, events: Sequence[Event], retention: dict[int, int | None],
          pool: ThreadPoolExecutor) -> None:  # fmt: skip
    """Commit ``events`` as one batch (module docstring), or raise StoreError and
    count none of them. ``retention``: days to keep, by site id (the TTL)."""
    try:
        events_to_arrow(events)  # the same checks (types, revenue's range) as DuckDB's
    except SCHEMA_ERRORS as exc:
        raise StoreError(f"events do not fit the schema: {exc}") from exc
    batch = f"{time.time_ns():x}{secrets.token_hex(4)}"
    parts: dict[tuple[int, date], list[Event]] = defaultdict(list)
    for e in events:
        parts[(e.site_id, e.timestamp.astimezone(UTC).date())].append(e)
    expiry = {p: _expires(p[1], retention.get(p[0])) for p in parts}
    requests = []
    for (site_id, day), evs in parts.items():
        ttl = {} if expiry[(site_id, day)] is None else {"ttl": n(expiry[(site_id, day)] or 0)}
        pk = partition(site_id, day)
        for i, e in enumerate(evs):
            item = {**key(pk, f"E#{batch}#{i:06d}"), "d": {"S": _values(e).decode()}, **ttl}
            requests.append({"PutRequest": {"Item": item}})
    chunks = [requests[i : i + 100] for i in range(0, len(requests), 100)]
    for _ in pool.map(table.batch_write, chunks):  # raises the first failure
        pass
    _commit(table, batch, list(parts), expiry)


def _expires(day: date, retention_days: int | None) -> int | None:
    if retention_days is None:
        return None
    # A backstop behind the daily retention pass (footfall/retention.py), which deletes
    # exactly by the site's local day: a day later than that rule for a zone up to
    # UTC+14, so the TTL never removes an event the site still keeps.
    end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=2 + retention_days)
    return int(end.timestamp())


def _commit(table: Table, batch: str, parts: list[tuple[int, date]],
            expiry: dict[tuple[int, date], int | None]) -> None:  # fmt: skip
    """The markers and days of ``parts``, 50 partitions (100 actions) per transaction.
    (A batch touching more than 50 site-days, only a historical import can, commits
    in several transactions: a failure between them leaves the first ones counted.)"""
    per = TRANSACT // 2
    for start in range(0, len(parts), per):
        chunk = parts[start : start + per]
        actions: list[Item] = []
        for site_id, day in chunk:
            ttl = expiry[(site_id, day)]
            marker = {**key(partition(site_id, day), f"B#{batch}")}
            values: Item = {":g": s(batch)}
            update = "SET gen = :g"
            if ttl is not None:
                marker["ttl"], values[":ttl"] = n(ttl), n(ttl)
                update += ", #ttl = :ttl"
            actions.append({"Put": {"TableName": table.name, "Item": marker}})
            actions.append(
                {
                    "Update": {
                        "TableName": table.name,
                        "Key": key(days_key(site_id), day.isoformat()),
                        "UpdateExpression": update,
                        "ExpressionAttributeValues": values,
                        **({"ExpressionAttributeNames": {"#ttl": "ttl"}} if ttl else {}),
                    }
                }
            )
        try:
            table.transact(actions)
        except StoreUnavailable:
            # No answer is not "not committed": look before asking for a retry.
            if not all(table.get(partition(p, d), f"B#{batch}") for p, d in chunk):
                raise


def committed_items(table: Table, site_id: int, day: date) -> Iterator[tuple[str, list[Any]]]:
    """(sort key, values) of each committed event of one partition. Markers sort before
    events (``B#`` < ``E#``), so one pass over the pages knows every batch first."""
    done: set[str] = set()
    for item in table.query(partition(site_id, day)):
        sk = get_s(item, "SK")
        if sk.startswith("B#"):
            done.add(sk[2:])
        elif sk.startswith("E#") and sk[2:].rsplit("#", 1)[0] in done:
            yield sk, orjson.loads(item["d"]["S"])


def to_arrow(site_id: int, rows: Iterable[list[Any]]) -> ArrowTable:
    """Stored value lists -> the events table's Arrow schema (store/arrow.py)."""
    columns: dict[str, list[Any]] = {name: [] for name in _STORED}
    appenders = [columns[name].append for name in _STORED]
    count = 0
    for row in rows:
        count += 1
        for append, value in zip(appenders, row, strict=True):
            append(value)
    data: dict[str, Any] = dict(columns)
    data["site_id"] = [site_id] * count
    data["session_id"] = [0] * count
    return columns_to_arrow(data)


def delete(table: Table, site_id: int, start: datetime | None, end: datetime | None) -> None:
    """The site's committed events in ``[start, end)``; whole days go with their
    markers, uncommitted items and day item."""
    first = None if start is None else start.astimezone(UTC).date()
    last = None if end is None else end.astimezone(UTC).date()
    for d in days(table, site_id, first, last):
        lo = datetime(d.day.year, d.day.month, d.day.day, tzinfo=UTC)
        whole = (start is None or start <= lo) and (end is None or lo + timedelta(days=1) <= end)
        pk = partition(site_id, d.day)
        if whole:
            doomed = [get_s(i, "SK") for i in table.query(pk, projection="SK")]
        else:
            lo_us = None if start is None else _micros(start)
            hi_us = None if end is None else _micros(end)
            doomed = [
                sk
                for sk, values in committed_items(table, site_id, d.day)
                if (lo_us is None or values[_TS] >= lo_us)
                and (hi_us is None or values[_TS] < hi_us)
            ]
        if not doomed:
            continue
        table.batch_write([{"DeleteRequest": {"Key": key(pk, sk)}} for sk in doomed])
        if whole:
            table.delete(days_key(site_id), d.day.isoformat())
        else:  # a new name for what the day holds now, saying that events went
            gen = f"{time.time_ns():x}{secrets.token_hex(4)}"
            table.update(
                days_key(site_id), d.day.isoformat(), "SET gen = :g, cut = :g", {":g": s(gen)}
            )


@dataclasses.dataclass(frozen=True, slots=True)
class Part:
    """One site-day for a stats frame: an ended day as two Parquet files (its events
    with their visits' ids, and the visits split within the day alone), or today's
    events as read (``raw``: session id 0, visits to split); the sort keys of its
    events when they were read from DynamoDB."""

    rows: int
    keys: set[str] | None
    files: tuple[str, str] | None = None
    raw: ArrowTable | None = None

    def timestamps(self) -> list[datetime]:
        if self.raw is not None:
            column = self.raw.column("timestamp")
        else:
            assert self.files is not None
            column = parquet.read(Path(self.files[0]), "timestamp").column("timestamp")
        return [t.replace(tzinfo=UTC) for t in column_values(column)]


class DayCache:
    """Ended days' parts as two Parquet files (events, visits) named by the day's
    ``gen``: written the first time the day is read after it ended, used while ``gen``
    stays (a late event renames the day). Older gens' files go when a newer is written.
    """

    def __init__(self, directory: str, table_name: str) -> None:
        root = Path(directory) if directory else Path(tempfile.gettempdir()) / "footfall-cache"
        self.root = root / table_name
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, d: Day, kind: str) -> Path:
        return self.root / str(d.site_id) / f"{d.day.isoformat()}.{d.gen}.{kind}.parquet"

    def read(self, d: Day) -> Part | None:
        events, visits = self._path(d, "events"), self._path(d, "visits")
        if not events.exists():
            return None
        try:  # the events file is written last: with it, the visits are there
            return Part(parquet.num_rows(events), None, (str(events), str(visits)))
        except parquet.Error:
            return None

    def write(self, d: Day, copy: Callable[[str, Path], int], keys: set[str] | None) -> Part:
        """The day's two files, each written by ``copy(table, path)`` (a DuckDBStore's
        ``copy_to_parquet``: ``events`` or ``visits``, returning its row count)."""
        folder = self._path(d, "events").parent
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"{d.day.isoformat()}.*.parquet"):
            stale.unlink(missing_ok=True)
        rows = 0
        for kind in ("visits", "events"):
            path = self._path(d, kind)
            partial = path.with_suffix(f".{os.getpid()}.{secrets.token_hex(4)}.tmp")
            rows = copy(kind, partial)
            partial.replace(path)  # atomic: readers see the whole file or none
        files = (str(self._path(d, "events")), str(self._path(d, "visits")))
        return Part(rows, keys, files)
