"""Stats frames on DynamoDB (store/dynamo/engine.py): a kept frame answers every
question over days it covers, exactly (the embedded store's answers), reading nothing
of DynamoDB but the day list; kept frames stay within their byte budget; the budget
comes from the process's cgroup (store/budget.py). Against moto_server."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from footfall.domain import Event, Site
from footfall.stats import runner
from footfall.stats.query import parse
from footfall.store.arrow import events_to_arrow
from footfall.store.budget import MB, Budget, detect
from footfall.store.duckdb import DuckDBStore
from footfall.store.dynamodb import DynamoDBStore
from footfall.store.registry import Options, open_backend
from tests.backends import AWS_ENDPOINT, fresh_table_url

DAYS = 6
BODIES: list[dict[str, Any]] = [
    {"metrics": ["visitors", "visits", "pageviews", "bounce_rate", "visit_duration"]},
    {"metrics": ["visitors", "pageviews"], "dimensions": ["time:day"]},
    {"metrics": ["visitors", "pageviews"], "dimensions": ["event:page"]},
    {"metrics": ["visitors", "bounce_rate"], "dimensions": ["visit:source"]},
    {
        "metrics": ["visitors", "visits", "bounce_rate"],
        "include": {"comparisons": {"mode": "previous_period"}},
    },
]


def traffic(rng: random.Random, now: datetime) -> list[Event]:
    """Visits over the last DAYS UTC days, some running over midnight (a visitor's
    events within the timeout of each other on both sides of it)."""
    first = datetime.combine(now.date() - timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    out = []
    for visitor in range(1, 40):
        at = first + timedelta(seconds=rng.randrange(int((now - first).total_seconds())))
        if visitor % 5 == 0:  # just before a midnight
            at = at.replace(hour=23, minute=50)
        for _ in range(rng.randint(1, 5)):
            if at >= now:
                break
            page = rng.choice(["/", "/a", "/b"])
            source = rng.choice(["", "Google"])
            out.append(Event(1, at, "pageview", "a.com", page, visitor, 0, referrer_source=source))
            at += timedelta(minutes=rng.choice([1, 7, 29, 31, 45]))
    return out


class Calls:
    def __init__(self, store: DynamoDBStore) -> None:
        self.seen: Counter[str] = Counter()
        store.table.client.meta.events.register("before-call.dynamodb", self._before)

    def _before(self, model: Any, **_: Any) -> None:
        self.seen[model.name] += 1


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[DynamoDBStore, DuckDBStore, Site, datetime]]:
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"
    now = datetime.now(UTC).replace(microsecond=0)
    sent = traffic(random.Random(13), now)
    store = open_backend(fresh_table_url(tmp_path), Options(cache_dir=str(tmp_path)))
    assert isinstance(store, DynamoDBStore)
    oracle = DuckDBStore(":memory:")
    try:
        yield store, oracle, load_both(store, oracle, sent), now
    finally:
        store.close()
        oracle.close()


def load_both(store: DynamoDBStore, oracle: DuckDBStore, sent: list[Event]) -> Site:
    """``sent`` written to the DynamoDB store and to the embedded one (site 1 of each)."""
    site = store.add_site("a.com", "UTC", "u1")
    store.write_events(sent)
    oracle.add_site("a.com", "UTC", "u1")
    oracle.write_arrow(events_to_arrow(sent))
    return site


def ask(store: DynamoDBStore | DuckDBStore, site: Site, now: datetime, first: date,
        last: date, body: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    days = {"date_range": [first.isoformat(), last.isoformat()]}
    q = parse({"site_id": site.domain, **days, **body}, now, site.timezone, now.date())
    return runner.run(store, q, site, [])


def test_a_kept_frame_answers_every_range_it_covers_reading_only_the_day_list(
    stores: tuple[DynamoDBStore, DuckDBStore, Site, datetime],
) -> None:
    """After the widest question, every narrower one (in shuffled order) is answered
    from the same frame, exactly as the embedded store answers it, with one DynamoDB
    call (the day list): nothing of the ended days nor of today is read again."""
    store, oracle, site, now = stores
    store.engine.budget = Budget(memory=1 << 40, cpus=1)  # room for every frame
    today = now.date()
    widest = (today - timedelta(days=DAYS - 1), today)
    assert ask(store, site, now, *widest, BODIES[0]) == ask(oracle, site, now, *widest, BODIES[0])
    ranges = [(today - timedelta(days=a), today - timedelta(days=b))
              for a in range(DAYS - 1) for b in range(a + 1)]  # fmt: skip
    asked = random.Random(7).sample([(r, body) for r in ranges for body in BODIES[:4]], 20)
    calls = Calls(store)
    for (first, last), body in asked:
        calls.seen.clear()
        assert ask(store, site, now, first, last, body) == ask(oracle, site, now, first, last, body)
        assert calls.seen == Counter({"Query": 1}), (first, last, body)
    with store.engine._lock:
        assert len(store.engine._frames) == 1


def test_kept_frames_stay_within_their_byte_budget(
    stores: tuple[DynamoDBStore, DuckDBStore, Site, datetime],
) -> None:
    """Questions over shuffled ranges (comparisons included: two periods), with a
    budget smaller than two frames: answers stay the embedded store's, and the kept
    frames never hold more than the budget (or are the one just built)."""
    store, oracle, site, now = stores
    today = now.date()
    ranges = [(today - timedelta(days=a), today - timedelta(days=b))
              for a in range(DAYS - 1) for b in range(a + 1)]  # fmt: skip
    rng = random.Random(11)
    widest = (today - timedelta(days=DAYS - 1), today)
    assert ask(store, site, now, *widest, BODIES[0]) == ask(oracle, site, now, *widest, BODIES[0])
    with store.engine._lock:
        [frame] = store.engine._frames.values()
    store.engine.budget = Budget(memory=4 * math.ceil(frame.size * 1.5), cpus=0.25)
    for i, (first, last) in enumerate(rng.sample(ranges, 8)):
        body = BODIES[-1] if i % 2 else rng.choice(BODIES)  # a comparison: a new frame
        assert ask(store, site, now, first, last, body) == ask(oracle, site, now, first, last, body)
        with store.engine._lock:
            kept = len(store.engine._frames)
            assert kept == 1 or store.engine.kept_bytes() <= store.engine.budget.frames


def test_the_budget_is_the_cgroups_v2_limits(tmp_path: Path) -> None:
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text("0::/ecs/task\n")
    (root / "ecs" / "task").mkdir(parents=True)
    (root / "ecs" / "task" / "memory.max").write_text("536870912\n")
    (root / "ecs" / "task" / "cpu.max").write_text("25000 100000\n")
    budget = detect(root, proc)
    assert budget == Budget(512 * MB, 0.25)
    assert (budget.threads, budget.frames, budget.duckdb) == (1, 128 * MB, 128 * MB)


def test_the_budget_is_the_cgroups_v1_limits_or_the_machines(tmp_path: Path) -> None:
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text("4:memory:/task\n1:cpu,cpuacct:/task\n")
    (root / "memory" / "task").mkdir(parents=True)
    (root / "cpu,cpuacct" / "task").mkdir(parents=True)
    (root / "memory" / "task" / "memory.limit_in_bytes").write_text(str(2048 * MB))
    (root / "cpu,cpuacct" / "task" / "cpu.cfs_quota_us").write_text("150000")
    (root / "cpu,cpuacct" / "task" / "cpu.cfs_period_us").write_text("100000")
    assert detect(root, proc) == Budget(2048 * MB, 1.5)
    (root / "memory" / "task" / "memory.limit_in_bytes").write_text(str(1 << 63))
    (root / "cpu,cpuacct" / "task" / "cpu.cfs_quota_us").write_text("-1")
    unlimited = detect(root, proc)
    assert unlimited.cpus >= 1 and unlimited.memory > 0 and unlimited.threads >= 1
