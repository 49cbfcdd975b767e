"""The embedded server's memory inside the free-tier task's 512 MB: one command, a table.

Builds a store of EVENTS events (bench/query.py's generated site, site1, 90 days; kept
at --db and reused), then serves a copy with `footfall serve` in a child confined as
Fargate confines the task (bench/constrained.py's cgroup: memory limit, no swap, CPU
quota) and drives it from outside the cgroup: every dashboard question of
bench/query.py over 30 and 90 days through the Stats API, then sustained batch ingest
(wrk, 100-event batches) with the dashboard questions asked in a loop beside it, then
nothing for --idle-seconds. The server's RSS is sampled all along; the table gives it
at each step, its peak, the cgroup's peak (RSS plus page cache) and its memory events
(OOM kills), and where the idle RSS is (/proc/PID/smaps_rollup: anonymous memory, the
heap and DuckDB's buffers, vs file-backed pages of the libraries).

    sudo .venv/bin/python bench/memory.py [--events 1000000] [--memory-mb 512]
        [--cpus 1] [--ingest-seconds 30] [--idle-seconds 10] [--db PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

import query
from constrained import Limits
from footfall.store.duckdb import DuckDBStore
from ingest import free_port, wait_ready

SITE, INGEST_SITE = "site1.example", "bench.example"
RANGES = {"30 days": ["2026-03-02", "2026-03-31"], "90 days": ["2026-01-01", "2026-03-31"]}
BATCH_LUA = Path(__file__).parent / "lua" / "batch.lua"


def build(path: Path, events: int) -> None:
    """site1 with ``events`` events over 90 days, its Signup goal, and an empty site
    for the ingest."""
    store = DuckDBStore(str(path))
    try:
        site = store.add_site(SITE, "UTC", "00000000-0000-0000-0000-000000000001")
        store.add_goal(site.id, "Signup", "", "Signup")
        store.add_site(INGEST_SITE, "UTC", "00000000-0000-0000-0000-000000000002")
        store.read(query.FILL, {"big": events, "total": events})
        store.rebuild_visits()
    finally:
        store.close()


class Sampler:
    """The server's RSS every 100 ms, in a thread: the peak between two reads."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def rss(self) -> float:
        return status_mb(self.pid, "VmRSS")

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            try:
                self.peak = max(self.peak, self.rss())
            except (OSError, StopIteration):
                return

    def take_peak(self) -> float:
        peak, self.peak = max(self.peak, self.rss()), 0.0
        return peak

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def status_mb(pid: int, field: str) -> float:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return int(next(line for line in lines if line.startswith(f"{field}:")).split()[1]) / 1024


def smaps(pid: int) -> dict[str, float]:
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    return {line.split(":")[0]: int(line.split()[1]) / 1024 for line in lines}


def breakdown(pid: int, out: Path) -> dict[str, Any]:
    """bench/memory_probe.py's dump of the server's memory (SIGUSR1)."""
    out.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    for _ in range(300):
        time.sleep(0.1)
        with contextlib.suppress(OSError, ValueError):
            found: dict[str, Any] = json.loads(out.read_text())
            return found
    raise RuntimeError("the server wrote no breakdown")


def print_breakdowns(breakdowns: dict[str, dict[str, Any]]) -> None:
    """Where the RSS is at each dumped step: mappings of 2 MB or more, DuckDB, Python."""
    steps = list(breakdowns)
    kinds: dict[str, None] = {}
    for found in breakdowns.values():
        kinds |= {kind: None for kind, mb in found["smaps"].items() if mb >= 2}
    print(f"\n| resident MB per mapping | {' | '.join(steps)} |\n|---|{'---|' * len(steps)}")
    for kind in kinds:
        values = " | ".join(f"{b['smaps'].get(kind, 0):.0f}" for b in breakdowns.values())
        print(f"| {kind} | {values} |")
    for step, found in breakdowns.items():
        details = {k: v for k, v in found.items() if k != "smaps"}
        print(f"\n{step}: {json.dumps(details, default=str)}")


def ask_dashboard(client: httpx.Client, base: str) -> tuple[int, int]:
    """Every question of bench/query.py over each range: how many were answered, and
    how many ran past the query time limit (a 400 query_timeout: a CPU quota under
    sustained ingest can starve a 90-day question; anything else fails the bench)."""
    answered = timed_out = 0
    for dates in RANGES.values():
        for body in query.QUERIES.values():
            answer = client.post(
                f"{base}/api/v2/query", json={"site_id": SITE, "date_range": dates, **body}
            )
            if answer.status_code == 400 and answer.json()["error"] == "query_timeout":
                timed_out += 1
                continue
            assert answer.status_code == 200, answer.text[:500]
            answered += 1
    return answered, timed_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--memory-mb", type=int, default=512)
    parser.add_argument("--cpus", type=float, default=1.0)
    parser.add_argument("--ingest-seconds", type=int, default=30)
    parser.add_argument("--idle-seconds", type=int, default=10)
    parser.add_argument("--db", type=Path, help="keep (or reuse) the built store here")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE",
        help="set in the server's environment (an A/B of allocator settings)",
    )  # fmt: skip
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="footfall-memory-"))
    fixture = args.db or work / "fixture.duckdb"
    if not fixture.exists():
        started = time.perf_counter()
        build(fixture, args.events)
        print(f"built {args.events:,} events in {time.perf_counter() - started:.0f} s")
    reused = DuckDBStore(str(fixture))
    query.add_goals(reused)  # a fixture built before the page goal lacks it
    reused.close()
    data = work / "data"
    data.mkdir()
    shutil.copy(fixture, data / "footfall.duckdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    env |= {"FOOTFALL_DATABASE_URL": f"duckdb:///{data}/footfall.duckdb"}
    env |= {"FOOTFALL_LOG_LEVEL": "WARNING"}
    env |= dict(item.split("=", 1) for item in args.env)
    footfall = [sys.executable, "-m", "footfall"]

    def key(site: str, scopes: str) -> str:
        out = subprocess.run(
            [*footfall, "key", "create", "--site", site, "--scopes", scopes, "--json"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return str(json.loads(out)["key"])

    ingest_key, stats_key = key(INGEST_SITE, "ingest"), key(SITE, "stats")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    limits = Limits(args.memory_mb, args.cpus)
    rows: list[tuple[str, float, float]] = []
    dumped = work / "breakdown.json"
    breakdowns: dict[str, dict[str, Any]] = {}
    try:
        probe = [sys.executable, str(Path(__file__).parent / "memory_probe.py"), str(dumped)]
        server = subprocess.Popen(
            [*probe, "serve", "--port", str(port)], env=env, preexec_fn=limits.enter
        )
        try:
            wait_ready(base)
            sampler = Sampler(server.pid)
            rows.append(("started, ready", sampler.rss(), sampler.take_peak()))
            breakdowns["started"] = breakdown(server.pid, dumped)
            client = httpx.Client(timeout=300, headers={"Authorization": f"Bearer {stats_key}"})
            asked, _ = ask_dashboard(client, base)
            rows.append((f"{asked} dashboard questions", sampler.rss(), sampler.take_peak()))
            breakdowns["questions"] = breakdown(server.pid, dumped)
            stop = threading.Event()
            counts = [0, 0]

            def dashboard_loop() -> None:
                while not stop.is_set():
                    answered, timed_out = ask_dashboard(client, base)
                    counts[0] += answered
                    counts[1] += timed_out

            loop = threading.Thread(target=dashboard_loop)
            loop.start()
            wrk = subprocess.run(
                ["wrk", "-t1", "-c4", f"-d{args.ingest_seconds}s", "-s", str(BATCH_LUA), base],
                env={**os.environ, "BENCH_KEY": ingest_key, "BENCH_BATCH": "100"},
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            stop.set()
            loop.join()
            sent = _requests(wrk.stdout) * 100
            rows.append(
                (
                    f"ingest {args.ingest_seconds} s ({sent:,} events) + {counts[0]} "
                    f"dashboard questions ({counts[1]} timed out)",
                    sampler.rss(),
                    sampler.take_peak(),
                )
            )
            time.sleep(args.idle_seconds)
            idle = sampler.rss()
            rows.append((f"idle {args.idle_seconds} s", idle, sampler.take_peak()))
            where = smaps(server.pid)
            breakdowns["idle"] = breakdown(server.pid, dumped)
            hwm = status_mb(server.pid, "VmHWM")
            sampler.stop()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(120)
        cgroup_peak, events = limits.peak_mb(), limits.hit_limit()
        store = DuckDBStore(str(data / "footfall.duckdb"))
        try:
            ingest_site = store.get_site(INGEST_SITE)
            assert ingest_site is not None
            stored = store.count_events(ingest_site.id)
        finally:
            store.close()
    finally:
        limits.remove()
        shutil.rmtree(work / "data", ignore_errors=True)
    print(
        f"\n`footfall serve` on DuckDB with {args.events:,} events, in {args.memory_mb} MB and "
        f"{args.cpus} CPU (cgroup, no swap); load {os.getloadavg()[0]:.1f}"
        f"{'; ' + ' '.join(args.env) if args.env else ''}\n"
    )
    print("| step | RSS after (MB) | peak RSS during (MB) |\n|---|---|---|")
    for name, rss, peak in rows:
        print(f"| {name} | {rss:.0f} | {peak:.0f} |")
    print(
        f"\nidle RSS {idle:.0f} MB: anonymous {where['Anonymous']:.0f} MB (Python's heap, "
        f"DuckDB's buffers and allocator), file-backed "
        f"{where['Rss'] - where['Anonymous']:.0f} MB (the libraries' pages)"
    )
    print_breakdowns(breakdowns)
    print(f"events ingested: {sent:,} sent, {stored:,} in the store after the server stopped")
    peak_text = "?" if cgroup_peak is None else f"{cgroup_peak:.0f} MB"
    print(
        f"peak RSS (VmHWM) {hwm:.0f} MB; cgroup peak (RSS + page cache) {peak_text}; "
        f"memory events: {events}"
    )


def _requests(wrk_out: str) -> int:
    line = next(line for line in wrk_out.splitlines() if "requests in" in line)
    return int(line.split()[0])


if __name__ == "__main__":
    main()
