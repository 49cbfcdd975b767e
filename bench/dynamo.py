"""DynamoDB in the query benchmark (bench/query.py --database-url dynamodb://TABLE?...).

The site's events of the days its queries read are copied into the table through the
backend's own ``write_events`` (other sites live in other partitions and change no
read of this one), shifted by whole days so that the fixture's last day is today: a
dashboard then reads today's partition from DynamoDB, as it does live, and the ended
days from the Parquet cache. Each query is timed cold (a new store on an empty cache
directory: every day from DynamoDB) and warm (the same store again, the cache full),
and the DynamoDB calls of one dashboard query are counted with a botocore event hook
on the backend's client, with the read request units DynamoDB on-demand would bill
for them (strongly consistent: one unit per 4 KB of items read, per request, rounded
up; computed from the items returned, as moto reports no real consumed capacity).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config

from footfall.domain import Site
from footfall.stats.query import StatsQuery
from footfall.stats.runner import run
from footfall.store.duckdb import DuckDBStore
from footfall.store.dynamodb import DynamoDBStore
from footfall.store.registry import Options

_UNIT = 4096  # bytes of one read request unit (strongly consistent)


def is_dynamodb(url: str) -> bool:
    return url.startswith("dynamodb://")


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (strings and binaries by
    length, numbers about one byte per two digits plus one)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        for kind, raw in value.items():
            if kind == "S":
                size += len(str(raw).encode())
            elif kind == "N":
                size += (len(str(raw).lstrip("-").replace(".", "")) + 1) // 2 + 1
            elif kind == "B":
                size += len(raw)
            else:  # lists, maps, sets: their JSON text, an upper bound
                size += len(str(raw).encode())
    return size


@dataclasses.dataclass
class Calls:
    """DynamoDB requests by operation, and their read request units."""

    by_operation: Counter[str] = dataclasses.field(default_factory=Counter)
    read_units: int = 0

    def reset(self) -> None:
        self.by_operation.clear()
        self.read_units = 0

    def before(self, model: Any, **_: Any) -> None:
        self.by_operation[model.name] += 1

    def after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query":
            self.read_units += math.ceil(sum(map(item_size, parsed.get("Items", []))) / _UNIT)
        elif model.name == "GetItem" and "Item" in parsed:
            self.read_units += max(1, math.ceil(item_size(parsed["Item"]) / _UNIT))
        elif model.name == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                self.read_units += sum(max(1, math.ceil(item_size(i) / _UNIT)) for i in items)

    def total(self) -> int:
        return sum(self.by_operation.values())


def open_store(
    url: str, cache: Path, calls: Calls | None = None, archive_url: str = ""
) -> DynamoDBStore:
    """The backend on ``url`` (closed days read from ``archive_url`` when set); its
    client waits up to 2 minutes for an answer (the app's 10 s is for DynamoDB:
    moto_server on a loaded machine, paging a 3 000-item partition for 8 threads at
    once, can take longer)."""
    parts = urlsplit(url)
    region = parse_qs(parts.query)["region"][0]
    options = Options(cache_dir=str(cache), archive_url=archive_url)
    store = DynamoDBStore(parts.netloc, region, options)
    config = store.table.client.meta.config.merge(Config(read_timeout=120))
    store.table.client = boto3.session.Session().client("dynamodb", config=config)
    if calls is not None:
        events = store.table.client.meta.events
        events.register("before-call.dynamodb", calls.before)
        events.register("after-call.dynamodb", calls.after)
    return store


def shift(fixture_now: datetime) -> timedelta:
    """Whole days from the fixture's last day to today."""
    return timedelta(days=(datetime.now(UTC).date() - fixture_now.date()).days)


def copy_site(duck: DuckDBStore, site: Site, url: str, start: datetime, end: datetime,
              moved: timedelta, work: Path) -> Site:  # fmt: skip
    """``site``'s events in [start, end) written into the DynamoDB table of ``url``,
    ``moved`` later (unless the table holds that site's events already: a rerun)."""
    store = open_store(url, work / "copy-cache")
    try:
        target = store.get_site(site.domain) or store.add_site(
            site.domain, site.timezone, "00000000-0000-0000-0000-000000000001"
        )
        held = {g.display_name for g in store.list_goals(target.id)}
        for goal in duck.list_goals(site.id):  # the goal filters' goals (query.QUERIES)
            if goal.display_name not in held:
                store.add_goal(target.id, goal.event_name, goal.page_path, goal.display_name)
        if store.first_event_at(target.id) is not None:  # one day read, not all
            print(f"{url} holds {site.domain}'s events already: reused, not copied")
            return target
        for chunk in duck.export_events(site.id, start, end, chunk=25_000):
            store.write_events(
                [
                    dataclasses.replace(e, site_id=target.id, timestamp=e.timestamp + moved)
                    for e in chunk
                ]
            )
        return target
    finally:
        store.close()


def measure(url: str, site: Site, q: StatsQuery, work: Path, cold_runs: int = 1,
            warm_runs: int = 5) -> tuple[float, Calls, float, Calls]:  # fmt: skip
    """Median ms and one run's calls, cold then warm (one cold run by default: on
    moto_server each reads every day of the range through the emulator)."""
    cold_ms: list[float] = []
    cold, warm = Calls(), Calls()
    cache = work
    for _ in range(cold_runs):
        cache = Path(tempfile.mkdtemp(prefix="cold-", dir=work))
        store = open_store(url, cache, cold)
        try:
            cold.reset()
            cold_ms.append(_timed(partial(_dashboard, store, q, site)))
        finally:
            store.close()
    store = open_store(url, cache, warm)  # the last cold run filled this cache
    try:
        warm_ms: list[float] = []
        for _ in range(warm_runs):
            warm.reset()
            warm_ms.append(_timed(partial(_dashboard, store, q, site)))
    finally:
        store.close()
    return statistics.median(cold_ms), cold, statistics.median(warm_ms), warm


def _dashboard(store: DynamoDBStore, q: StatsQuery, site: Site) -> object:
    return run(store, q, site, store.list_goals(site.id))  # goals read per query, as the web


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000
