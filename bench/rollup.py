"""Roll-up benchmark (PostgreSQL): the time to roll up one UTC day of a busy site, its
unfiltered rows (rollups.roll) and its filtered rows (rollups.roll_filtered, this
checkout's also with three page goals), on a throwaway cluster (see
docs/performance.md, "Filtered rollups").

    .venv/bin/python bench/rollup.py [--events 33000] [--runs 3] [--database-url URL]

Writes ``--events`` events of one day (visits of three events, one to three a person,
a tenth custom events, attributes drawn per visit) through ``write_events``, then
times each statement ``--runs`` times in a rolled-back transaction (median) and prints
the rows each inserts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import ModuleType

import psycopg

import backends
from footfall.domain import Event
from footfall.store.postgres import PostgresStore
from footfall.store.postgres import rollups as current
from footfall.store.postgres.dialect import POSTGRES
from footfall.store.sql.builder import Plan

DAY = date(2026, 3, 10)
ZONE = "Europe/Berlin"  # two parts a UTC day: the grouping sets' whole rows too
# Page goals (patterns of page_path): a tenth of the pages, a page, a prefix.
PAGE_GOALS = ("/page1*", "/page2", "/page3**")


def day_events(site_id: int, total: int, rng: random.Random) -> list[Event]:
    def pick(prefix: str, n: int, empty: float = 0.0) -> str:
        return "" if rng.random() < empty else f"{prefix}{int(rng.paretovariate(1.2)) % n}"

    out: list[Event] = []
    start = datetime.combine(DAY, datetime.min.time(), UTC)
    person = 0
    while len(out) < total:
        person += 1
        for visit in range(rng.choice([1, 1, 1, 1, 1, 1, 1, 1, 2, 3])):
            at = start + timedelta(seconds=rng.randrange(86_400 - 3_600))
            source, channel, country = pick("source", 60, 0.4), pick("channel", 8), pick("C", 80)
            browser, os_, device = pick("browser", 10), pick("os", 8), pick("device", 3)
            medium, usource = pick("medium", 6, 0.8), pick("usource", 12, 0.8)
            campaign = pick("campaign", 20, 0.8)
            for step in range(3):
                name = "pageview" if rng.random() < 0.9 or step == 0 else pick("Goal", 5)
                out.append(
                    Event(
                        site_id,
                        at + timedelta(minutes=step),
                        name,
                        "example.com",
                        pick("/page", 300),
                        person,
                        person * 3 + visit,
                        referrer_source=source,
                        channel=channel,
                        country=country,
                        browser=browser,
                        os=os_,
                        device=device,
                        utm_medium=medium,
                        utm_source=usource,
                        utm_campaign=campaign,
                    )
                )
    return out[:total]


def timed(url: str, plan: Plan, runs: int) -> tuple[float, int]:
    """The median seconds of ``plan`` (rolled back each time) and the rows it inserts."""
    times, rows = [], 0
    # As the store connects (backend.py): no JIT.
    with psycopg.connect(url, options="-c TimeZone=UTC -c jit=off") as conn:
        for _ in range(runs):
            with conn.transaction(force_rollback=True):
                conn.execute("SET LOCAL enable_nestloop = off")
                conn.execute("SET LOCAL work_mem = '256MB'")
                began = time.perf_counter()
                rows = conn.execute(plan.sql.encode(), plan.params).rowcount
                times.append(time.perf_counter() - began)
    return statistics.median(times), rows


def load(path: str) -> ModuleType:
    """Another checkout's rollups.py (an A/B in one run)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("other_rollups", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=33_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--other", metavar="ROLLUPS_PY", help="also time this rollups.py")
    backends.add_arguments(parser)
    args = parser.parse_args()
    if not args.database_url and not os.environ.get(backends.CLUSTER_URL):
        args.postgres = True
    url = backends.urls(args)[0] if args.database_url or args.postgres else ""
    url = url or backends.fresh_database(os.environ[backends.CLUSTER_URL])
    store = PostgresStore(url)
    site = store.add_site("example.com", ZONE, "u-1")
    evs = day_events(site.id, args.events, random.Random(1))
    for n in range(0, len(evs), 5_000):
        store.write_events(evs[n : n + 5_000])
    store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        visits = conn.execute("SELECT count(*) FROM visits").fetchone()
    print(f"{len(evs)} events, {visits[0] if visits else 0} visits; {os.getloadavg()}")
    modules: list[tuple[str, ModuleType]] = [("this", current)]
    if args.other:
        modules.append(("other", load(args.other)))
    for label, module in modules:
        fns: list[tuple[str, Callable[..., Plan]]] = [
            ("roll", module.roll),
            ("roll_filtered", module.roll_filtered),
        ]
        plans = [(name, fn(site.id, DAY, ZONE, POSTGRES)) for name, fn in fns]
        if module is current:
            with_goals = current.roll_filtered(site.id, DAY, ZONE, POSTGRES, PAGE_GOALS)
            plans.append(("+page goals", with_goals))
        for name, plan in plans:
            seconds, rows = timed(url, plan, args.runs)
            print(f"{label:6} {name:14} {seconds:8.2f} s {rows:9} rows", flush=True)


if __name__ == "__main__":
    main()
