"""Isolation benchmark: ingest latency alone and under the heaviest stats queries
still allowed (see docs/performance.md). One command, a printed table.

Builds a store holding ``--events`` events of one site over 90 days (bench/query.py's
generator), starts a real ``footfall serve`` on loopback, and measures single events
sent to ``POST /api/event`` by ``--clients`` sequential clients: first alone, then
while six other clients (six stats keys: six callers) each run the most expensive
queries the limits allow, one after another, in a loop. Every phase is bounded by
``--seconds``, and ``--rounds`` alternate them; at the end every acknowledged event
must be in the store.

    make bench            (or: .venv/bin/python bench/isolation.py --rounds 3)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import httpx

from footfall.stats.timeline import MAX_TIME_BUCKETS
from footfall.store.duckdb import DuckDBStore
from ingest import free_port, wait_ready
from query import FILL  # bench/query.py: the same generated traffic

SITE = "site1.example"
STATS_CALLERS = 6
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
ALL = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"]


def heavy_queries(today: date) -> list[dict[str, Any]]:
    """The most expensive bodies the limits let through: the longest hourly series with
    a comparison, breakdowns of up to a page of rows over every dimension pair."""
    hourly = [(today - timedelta(days=MAX_TIME_BUCKETS // 24 - 1)).isoformat(), today.isoformat()]
    years = [date(2016, 1, 1).isoformat(), today.isoformat()]
    return [
        {
            "metrics": ALL,
            "dimensions": ["time:hour"],
            "date_range": hourly,
            "include": {"time_labels": True, "comparisons": {"mode": "previous_period"}},
        },
        {
            "metrics": [*ALL, "percentage"],
            "dimensions": ["event:page", "visit:source", "visit:country"],
            "date_range": years,
            "pagination": {"limit": 10_000},
            "include": {"total_rows": True},
        },
        {
            "metrics": ["visitors", "pageviews", "bounce_rate"],
            "dimensions": ["time:hour", "event:page"],
            "date_range": hourly,
            "pagination": {"limit": 10_000},
        },
        {
            "metrics": ALL,
            "dimensions": ["time:day", "visit:browser", "visit:os"],
            "filters": [["matches", "event:page", ["^/page/1.*"]]],
            "date_range": years,
            "pagination": {"limit": 10_000},
        },
    ]


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    stats: Counter[int] = field(default_factory=Counter)
    stats_ms: list[float] = field(default_factory=list)

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def send_events(url: str, seconds: float, clients: int, phase: Phase, start: int) -> None:
    """``clients`` clients each sending one event at a time until ``seconds`` pass."""
    deadline = time.monotonic() + seconds

    async def client(n: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            i = 0
            while time.monotonic() < deadline:
                i += 1
                k = start + n * 1_000_000 + i
                body = {"n": "pageview", "u": f"https://{SITE}/p{k % 300}", "d": SITE}
                headers = {
                    "user-agent": UA,
                    "x-forwarded-for": f"10.{n}.{k // 250 % 250}.{k % 250}",
                }
                sent = time.perf_counter()
                r = await http.post("/api/event", json=body, headers=headers)
                phase.latencies.append((time.perf_counter() - sent) * 1000)
                if r.status_code != 202:
                    phase.failed += 1

    await asyncio.gather(*(client(n) for n in range(clients)))


async def stats(url: str, key: str, bodies: list[dict[str, Any]], until: float) -> Phase:
    """One caller running ``bodies`` in turn until ``until`` (monotonic)."""
    done = Phase(key[:8])
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        i = 0
        while time.monotonic() < until:
            body = {"site_id": SITE, **bodies[i % len(bodies)]}
            i += 1
            sent = time.perf_counter()
            headers = {"authorization": f"Bearer {key}"}
            r = await http.post("/api/v2/query", json=body, headers=headers)
            done.stats[r.status_code] += 1
            if r.status_code == 200:
                done.stats_ms.append((time.perf_counter() - sent) * 1000)
            elif r.status_code == 429:
                await asyncio.sleep(float(r.headers.get("retry-after", "1")))
    return done


def stats_load(url: str, keys: list[str], seconds: float, out: Queue[Phase]) -> None:
    """The stats callers, in a process of their own: the client measuring ingest
    shares neither its event loop nor its CPU time with them."""

    async def all_callers() -> list[Phase]:
        bodies = heavy_queries(datetime.now(UTC).date())
        until = time.monotonic() + seconds
        return await asyncio.gather(
            *(stats(url, key, bodies[i:] + bodies[:i], until) for i, key in enumerate(keys))
        )

    total = Phase("stats")
    for one in asyncio.run(all_callers()):
        total.stats.update(one.stats)
        total.stats_ms += one.stats_ms
    out.put(total)


def measure(url: str, keys: list[str], seconds: float, clients: int, rounds: int) -> list[Phase]:
    """Alternate rounds of ingest alone and under stats load (the machine's own load
    drifts; alternating spreads the drift over both phases), pooling each phase's
    samples."""
    asyncio.run(send_events(url, 2, clients, Phase("warm-up"), 0))
    alone = Phase("ingest alone")
    loaded = Phase(f"ingest + {STATS_CALLERS} callers of heavy stats queries")
    spawn = multiprocessing.get_context("spawn")
    ramp = 5.0  # every caller has a query running before ingest is measured
    for n in range(rounds):
        asyncio.run(send_events(url, seconds, clients, alone, (2 * n + 1) * 10_000_000))
        out: Queue[Phase] = spawn.Queue()
        load = spawn.Process(target=stats_load, args=(url, keys, ramp + seconds, out))
        load.start()
        time.sleep(ramp)
        asyncio.run(send_events(url, seconds, clients, loaded, (2 * n + 2) * 10_000_000))
        answered = out.get(timeout=ramp + seconds + 120)
        load.join(30)
        loaded.stats.update(answered.stats)
        loaded.stats_ms += answered.stats_ms
        time.sleep(2)  # the last queries end before ingest is measured alone again
    return [alone, loaded]


def build(work: Path, events: int, env: dict[str, str]) -> tuple[int, list[str]]:
    footfall = [sys.executable, "-m", "footfall"]

    def cli(*a: str) -> Any:
        out = subprocess.run(
            [*footfall, *a], cwd=work, env=env, capture_output=True, text=True, check=True
        ).stdout
        return json.loads(out)

    site = cli("site", "add", SITE, "--json")
    store = DuckDBStore(str(work / "footfall-data" / "footfall.duckdb"))
    store.read(FILL, {"big": events, "total": events})  # every event on site1
    store.rebuild_visits()
    store.close()  # checkpoints (a FORCE CHECKPOINT beside the applier thread could hang)
    keys = [
        cli("key", "create", "--site", SITE, "--scopes", "stats", "--json")["key"]
        for _ in range(STATS_CALLERS)
    ]
    return int(site["id"]), keys


def print_table(phases: list[Phase]) -> None:
    head = (
        "phase",
        "events",
        "non-202",
        "p50 ms",
        "p99 ms",
        "max ms",
        "stats answers",
        "stats median ms",
    )
    rows = [
        (
            ph.name,
            str(len(ph.latencies)),
            str(ph.failed),
            f"{ph.p(0.50):.1f}",
            f"{ph.p(0.99):.1f}",
            f"{max(ph.latencies, default=0):.1f}",
            " ".join(f"{code}:{n}" for code, n in sorted(ph.stats.items())) or "-",
            f"{statistics.median(ph.stats_ms):.0f}" if ph.stats_ms else "-",
        )
        for ph in phases
    ]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    for n, row in enumerate((head, *rows)):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("| " + " | ".join(cells) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a server setting, e.g. --set FOOTFALL_STATS_THREADS=2 (repeatable)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="footfall-isolation-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    env["FOOTFALL_LOG_LEVEL"] = "WARNING"
    env |= dict(item.split("=", 1) for item in args.set)
    started = time.perf_counter()
    site_id, keys = build(work, args.events, env)
    built = time.perf_counter() - started
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "footfall", "serve", "--port", str(port)], cwd=work, env=env
    )
    try:
        wait_ready(url)
        phases = measure(url, keys, args.seconds, args.clients, args.rounds)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    store = DuckDBStore(str(work / "footfall-data" / "footfall.duckdb"))
    stored = store.count_events(site_id) - args.events
    store.close()
    acked = sum(len(ph.latencies) - ph.failed for ph in phases)
    print(
        f"\nFootfall isolation benchmark: {args.events:,} events stored (built in {built:.0f} s);"
        f" {args.clients} ingest clients, single events; {args.rounds} rounds of"
        f" {args.seconds:g} s alone, then {args.seconds:g} s under stats load\n"
    )
    print_table(phases)
    alone, loaded = phases
    print(
        f"\ningest p99 with stats load / alone: {loaded.p(0.99) / alone.p(0.99):.2f}x (target: 2x)"
    )
    print(f"ingest p50 with stats load / alone: {loaded.p(0.50) / alone.p(0.50):.2f}x")
    print(f"events acknowledged (measured phases): {acked}; new events in the store: {stored}")
    if stored < acked:
        sys.exit("LOST EVENTS: the store holds fewer events than were acknowledged")


if __name__ == "__main__":
    main()
