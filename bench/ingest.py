"""Ingest benchmark: one command, a printed table (see docs/performance.md).

Starts ``footfall serve`` pinned to CPU 0 and drives it with wrk pinned to CPU 1, so
server and load generator do not share a core. Every scenario reports requests/s,
events/s and wrk's p50/p99 latency, and the CPU the server used (all its threads, and
its event loop's thread): on a machine that other work loads, requests per CPU-second
is the figure that compares two runs; at the end the store is opened and the events
it holds are checked against every request wrk saw answered with a 2xx.

    make bench            (or: .venv/bin/python bench/ingest.py --seconds 10)
    .venv/bin/python bench/ingest.py --postgres [--only batch]
    .venv/bin/python bench/ingest.py --db /tmp/ingest-1m.duckdb --profile /tmp/prof

The DuckDB server starts on a store already holding ``--events`` events (1M by
default, bench/query.py's synthetic fixture over 50 other sites, with their visits):
ingest then appends to, and the journal applies into, a table of real size. --db keeps
the built store at PATH and reuses it (each run works on a copy, so an A/B of two
checkouts starts both from the same file). --profile DIR records each row's server
with py-spy (on wrk's core) into DIR/<row>.txt (collapsed stacks) and prints the
functions where the server spent its time.

With --postgres or --database-url (bench/backends.py) the same scenarios run again
against a server on each other backend (a fresh database each), one table per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

import backends
import profile_summary
import query

HERE = Path(__file__).parent


@dataclass
class Result:
    name: str
    connections: int
    requests: int
    non_2xx: int
    seconds: float
    p50_ms: float
    p99_ms: float
    events_per_request: int
    cpu: tuple[float, float] = (0.0, 0.0)  # server CPU seconds: all threads, event loop

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def eps(self) -> float:
        return (self.requests - self.non_2xx) * self.events_per_request / self.seconds


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    url: str, script: str, seconds: int, conns: int, env: dict[str, str]
) -> tuple[int, int, float, float, float]:
    cmd = [
        "taskset",
        "-c",
        "1",
        "wrk",
        "-t1",
        f"-c{conns}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "lua" / script),
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))  # type: ignore[union-attr]
    dur = re.search(r"requests in ([\d.]+)(ms|s|m)", out)
    assert dur is not None
    secs = float(dur.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[dur.group(2)]
    non2 = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"\s50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"\s99%\s+([\d.]+\w+)", out)
    assert p50, out
    assert p99, out
    return requests, int(non2.group(1)) if non2 else 0, secs, _ms(p50.group(1)), _ms(p99.group(1))


def _ratio(results: list[Result], i: int) -> str:
    """A single-event row's rate against the /health probe run just before it."""
    r = results[i]
    if r.events_per_request != 1 or i == 0 or results[i - 1].events_per_request:
        return "-"
    return f"{100 * r.rps / results[i - 1].rps:.0f}%"


def print_table(results: list[Result]) -> None:
    head = (
        "scenario",
        "conns",
        "req/s",
        "events/s",
        "% /health",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "CPU cores",
        "loop",
        "req/CPU-s",
    )
    rows = [
        (
            r.name,
            str(r.connections),
            f"{r.rps:.0f}",
            f"{r.eps:.0f}" if r.events_per_request else "-",
            _ratio(results, i),
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            str(r.non_2xx),
            f"{r.cpu[0] / r.seconds:.2f}",
            f"{r.cpu[1] / r.seconds:.2f}",
            f"{r.requests / r.cpu[0]:.0f}" if r.cpu[0] else "-",
        )
        for i, r in enumerate(results)
    ]
    widths = [max(len(x[i]) for x in (head, *rows)) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        padded = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str) -> None:
    """Until the server at ``url`` answers /ready (30 s at most)."""
    for _ in range(300):
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)


def prepared_store(events: int, keep: Path | None) -> Path | None:
    """A DuckDB file holding ``events`` events (bench/query.py's fixture), built once
    into ``keep`` when given (and reused when it exists)."""
    if not events:
        return None
    path = keep or Path(tempfile.mkdtemp(prefix="footfall-bench-base-")) / "base.duckdb"
    if path.exists():
        return path
    from footfall.store.duckdb import DuckDBStore

    started = time.perf_counter()
    store = DuckDBStore(str(path))
    query.add_sites(store)
    store.read(query.FILL, {"big": events * 3 // 10, "total": events})
    store.rebuild_visits()  # ingest keeps visits up to date; this bulk load bypassed it
    store.close()  # checkpoints: the copy needs no WAL
    print(f"built a store of {events:,} events in {time.perf_counter() - started:.0f} s")
    return path


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) the process used so far: "all", and "loop" (its main
    thread, which runs the event loop; the rest is the store's and the pools' threads)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"all": 0.0, "loop": 0.0}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue  # the thread ended
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        used["all"] += seconds
        if task.name == str(pid):
            used["loop"] += seconds
    return used


class Profiler:
    """py-spy on the server for one wrk run, on wrk's core (CPU 1)."""

    def __init__(self, directory: Path | None, pid: int) -> None:
        self.directory = directory
        self.pid = pid
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, name: str, seconds: int) -> None:
        self.cpu = thread_cpu(self.pid)
        self.began = time.perf_counter()
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.out = self.directory / f"{slug}.txt"
        spy = Path(sys.executable).parent / "py-spy"
        cmd = ["taskset", "-c", "1", str(spy), "record", "--pid", str(self.pid), "--rate", "200"]
        cmd += ["--format", "raw", "--threads", "--nonblocking"]
        cmd += ["--duration", str(seconds), "-o", str(self.out)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> tuple[float, float]:
        """The server's CPU seconds over the run: all its threads', its event loop's."""
        now = thread_cpu(self.pid)
        cpu = (now["all"] - self.cpu["all"], now["loop"] - self.cpu["loop"])
        if self.proc is None:
            return cpu
        self.proc.wait(60)
        self.proc = None
        print(f"\nprofile of the server: {self.out}")
        profile_summary.show(self.out)
        return cpu


SCENARIOS = [
    ("POST /api/event (Plausible)", "single.lua", 64, 1, {"BENCH_ENDPOINT": "plausible"}),
    ("POST /api/event (Plausible)", "single.lua", 256, 1, {"BENCH_ENDPOINT": "plausible"}),
    ("POST /api/send (Umami)", "single.lua", 64, 1, {"BENCH_ENDPOINT": "umami"}),
    ("POST /api/v1/track/event", "single.lua", 64, 1, {"BENCH_ENDPOINT": "track"}),
    ("POST /api/v1/track/batch x100", "batch.lua", 2, 100, {"BENCH_BATCH": "100"}),
    ("POST /api/v1/track/batch x100", "batch.lua", 4, 100, {"BENCH_BATCH": "100"}),
    ("POST /api/v1/track/batch x250", "batch.lua", 2, 250, {"BENCH_BATCH": "250"}),
    ("POST /api/v1/track/batch x1000", "batch.lua", 2, 1000, {"BENCH_BATCH": "1000"}),
]


def bench_backend(
    database_url: str,
    seconds: int,
    only: str,
    base: Path | None,
    profile: Path | None,
    conns_only: int = 0,
    flush_concurrency: int = 0,
    server_env: Sequence[str] = (),
) -> tuple[list[Result], int]:
    """Every scenario against a fresh server on ``database_url`` (empty: DuckDB in a
    temp dir, a copy of ``base`` when given); the results and the number of events the
    store then holds."""
    work = Path(tempfile.mkdtemp(prefix="footfall-bench-"))
    if base is not None and not database_url:
        (work / "footfall-data").mkdir()
        shutil.copyfile(base, work / "footfall-data" / "footfall.duckdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    env["FOOTFALL_LOG_LEVEL"] = "WARNING"
    if flush_concurrency:
        env["FOOTFALL_FLUSH_CONCURRENCY"] = str(flush_concurrency)
    env |= dict(item.split("=", 1) for item in server_env)
    if database_url:
        env["FOOTFALL_DATABASE_URL"] = database_url
        # A shared database requires the replicas' common secrets (docs/configuration.md).
        env["FOOTFALL_SECRET_KEY"] = secrets.token_hex(32)
        env["FOOTFALL_ADMIN_TOKEN"] = secrets.token_hex(32)
    footfall = [sys.executable, "-m", "footfall"]

    def cli(*a: str) -> str:
        return subprocess.run(
            [*footfall, *a], cwd=work, env=env, capture_output=True, text=True, check=True
        ).stdout

    site = json.loads(cli("site", "add", "bench.example", "--json"))
    key = json.loads(cli("key", "create", "--site", "bench.example", "--json"))["key"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        ["taskset", "-c", "0", *footfall, "serve", "--port", str(port)], cwd=work, env=env
    )
    try:
        wait_ready(url)
        wenv = {**os.environ, "BENCH_KEY": key, "BENCH_UMAMI": site["umami_website_id"]}
        results: list[Result] = []
        spy = Profiler(profile, server.pid)
        for name, script, conns, per, extra in SCENARIOS:
            if only not in name or (conns_only and conns != conns_only):
                continue
            if per == 1:
                # The machine is noisy: measure the ceiling (the cheapest route) right
                # beside each single-event row and report the ratio, not just the rate.
                spy.start(f"health-{conns}", seconds)
                probe = run_wrk(f"{url}/health", "health.lua", seconds, conns, wenv)
                cpu = spy.stop()
                results.append(Result("  GET /health (cheapest route)", conns, *probe, 0, cpu))
            spy.start(f"{name}-{conns}", seconds)
            req, non2, secs, p50, p99 = run_wrk(url, script, seconds, conns, {**wenv, **extra})
            cpu = spy.stop()
            results.append(Result(name, conns, req, non2, secs, p50, p99, per, cpu))
            time.sleep(1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)

    from footfall.store.registry import open_stores

    stores = open_stores(database_url or f"duckdb:///{work}/footfall-data/footfall.duckdb")
    stored = stores.events.count_events(site["id"])
    stores.close()
    if base is not None and not database_url:
        shutil.rmtree(work)  # a copy of the 1M-event store: ~60 MB a run
    return results, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--only", default="", help="the scenarios whose name holds this")
    parser.add_argument("--conns", type=int, default=0, help="only the rows of this many")
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="events in the DuckDB store at start"
    )
    parser.add_argument("--db", type=Path, help="keep (or reuse) the built store here")
    parser.add_argument("--profile", type=Path, help="py-spy each row's server into this dir")
    parser.add_argument(
        "--flush-concurrency", type=int, default=0, help="the servers' FOOTFALL_FLUSH_CONCURRENCY"
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the servers (FOOTFALL_FLUSH_INTERVAL_MS=2); repeatable",
    )
    backends.add_arguments(parser)
    args = parser.parse_args()
    base = prepared_store(args.events, args.db)
    lost = False
    for database_url in ["", *backends.urls(args)]:
        results, stored = bench_backend(
            database_url,
            args.seconds,
            args.only,
            base,
            args.profile,
            args.conns,
            args.flush_concurrency,
            args.server_env,
        )
        acked = sum(int(r.eps * r.seconds + 0.5) for r in results)
        name = backends.label(database_url) if database_url else "DuckDB"
        held = f", {args.events:,} events stored before" if base and not database_url else ""
        print(
            f"\nFootfall ingest benchmark, {name} ({args.seconds}s per row; "
            f"server on CPU 0, wrk on CPU 1{held}; {os.getloadavg()[0]:.2f} load)\n"
        )
        print_table(results)
        print(
            f"\nevents acknowledged (2xx x events/request): {acked}; events in the store: {stored}"
        )
        lost = lost or stored < acked
    if base is not None and args.db is None:
        shutil.rmtree(base.parent)  # built for this run only
    if lost:
        sys.exit("LOST EVENTS: a store holds fewer events than were acknowledged")


if __name__ == "__main__":
    main()
