"""The 30-day dashboard on DynamoDB inside the dev task's limits: 512 MB, 0.25 vCPU.

One command, a printed table (docs/deploy.md). Builds the query bench's fixture
(bench/query.py) sized so that site1 has EVENTS_PER_MONTH events in every 30 days,
copies its last 61 days into a fresh DynamoDB table (bench/dynamo.py: the fixture's
last day is today), then runs the dashboard's first view (query.DASHBOARD_VIEW, 30 days)
in a child process confined as Fargate confines the task: a cgroup with a memory
limit (no swap) and a CPU quota (quota/period = 0.25). The child times the whole view
cold (an empty Parquet cache: every day from DynamoDB) and warm (the same process
again: the cache and its frames), and reports its peak RSS; the parent adds the
cgroup's peak (RSS plus page cache) and whether it ever hit its limit. With
``--archive-url s3://bucket/prefix`` the parent first archives every closed day there
(footfall/archive.py; the bucket is made if missing), and the child then times a
third view: a new task's first (an empty Parquet cache, closed days from the archive,
one GetObject each; DynamoDB for today), counting the DynamoDB and S3 calls of each.

    sudo .venv/bin/python bench/constrained.py [--events-per-month 100000]
        [--memory-mb 512] [--cpus 0.25] [--archive-url s3://bucket/prefix]
        --database-url dynamodb://TABLE?region=REGION

Run it as root (it writes cgroups: v1 under /sys/fs/cgroup/{cpu,memory}, or v2),
with AWS_ENDPOINT_URL at moto_server for the emulator (scripts/services/moto.sh), as
bench/query.py --database-url. moto runs outside the limits, as DynamoDB does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import dynamo
import query
from footfall.archive import Archive, archive_closed_days
from footfall.domain import Site
from footfall.stats import query as stats_query
from footfall.stats.runner import run
from footfall.store.duckdb import DuckDBStore

CGROUP = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


class Limits:
    """A cgroup with a memory limit (swap included) and a CPU quota; v1 or v2."""

    def __init__(self, memory_mb: int, cpus: float) -> None:
        self.name = f"footfall-bench-{uuid.uuid4().hex[:8]}"
        self.v2 = (CGROUP / "cgroup.controllers").exists()
        limit, quota = memory_mb * 1024 * 1024, int(cpus * PERIOD_US)
        if self.v2:
            self.dirs = [CGROUP / self.name]
            self.dirs[0].mkdir()
            (self.dirs[0] / "memory.max").write_text(str(limit))
            (self.dirs[0] / "memory.swap.max").write_text("0")
            (self.dirs[0] / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        else:
            self.dirs = [CGROUP / "memory" / self.name, CGROUP / "cpu" / self.name]
            for d in self.dirs:
                d.mkdir()
            memory, cpu = self.dirs
            (memory / "memory.limit_in_bytes").write_text(str(limit))
            swap = memory / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(limit))
            (cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (cpu / "cpu.cfs_quota_us").write_text(str(quota))

    def enter(self) -> None:
        """Move the calling process in (run in the child before exec)."""
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def peak_mb(self) -> float | None:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        path = self.dirs[0] / name
        return int(path.read_text()) / 2**20 if path.exists() else None

    def hit_limit(self) -> str:
        if self.v2:
            events = dict(
                line.split() for line in (self.dirs[0] / "memory.events").read_text().splitlines()
            )
            return f"max {events.get('max', '?')}, oom_kill {events.get('oom_kill', '?')}"
        failcnt = (self.dirs[0] / "memory.failcnt").read_text().strip()
        oom = (self.dirs[0] / "memory.oom_control").read_text().split()
        kills = oom[oom.index("oom_kill") + 1] if "oom_kill" in oom else "?"
        return f"failcnt {failcnt}, oom_kill {kills}"

    def remove(self) -> None:
        for d in self.dirs:
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except OSError:  # the child's exit is still being accounted
                    time.sleep(0.1)


def child(url: str, domain: str, now: str, cache: str, warm_runs: int,
          archive_url: str) -> None:  # fmt: skip
    """The dashboard view, cold then warm (then a new task's first with the archive),
    in this (confined) process: JSON on stdout."""
    at = datetime.fromisoformat(now)
    calls = dynamo.Calls()
    store = dynamo.open_store(url, Path(cache), calls)
    try:
        site = store.get_site(domain)
        assert site is not None
        queries = {
            name: stats_query.parse(
                {"site_id": domain, "date_range": "30d", **body}, at, site.timezone, at.date()
            )
            for name, body in query.QUERIES.items()
            if name in query.DASHBOARD_VIEW
        }

        def view() -> dict[str, float]:
            took = {}
            for name, q in queries.items():
                started = time.perf_counter()
                run(store, q, site, store.list_goals(site.id))
                took[name] = (time.perf_counter() - started) * 1000
            return took

        cold = view()
        cold_calls = dict(calls.by_operation)
        cold_rss = _status_mb("VmHWM")
        cpu = time.process_time()
        warm = [view() for _ in range(warm_runs)]
        warm_cpu = (time.process_time() - cpu) / warm_runs * 1000
        frames = store.engine.kept_bytes() / 2**20
    finally:
        store.close()
    archived: dict[str, object] = {}
    if archive_url:  # a new task: its own empty cache, the archive
        calls = dynamo.Calls()
        store = dynamo.open_store(url, Path(cache + "-archive"), calls, archive_url)
        gets: list[int] = []
        assert store.engine.archive is not None
        store.engine.archive.s3.meta.events.register(
            "before-call.s3.GetObject", lambda **_: gets.append(1)
        )
        try:
            archived = {"view": view(), "calls": dict(calls.by_operation), "gets": len(gets)}
        finally:
            store.close()
    out = {
        "cold": cold,
        "cold_calls": cold_calls,
        "archive": archived,
        "warm": {name: statistics.median(w[name] for w in warm) for name in cold},
        "rss_mb": _status_mb("VmHWM"),
        "cold_rss_mb": cold_rss,
        "frames_mb": frames,
        "warm_cpu_ms": warm_cpu,
    }
    print(json.dumps(out))


def _status_mb(field: str) -> float:
    """A /proc/self/status figure in MB (VmHWM: this program's peak since exec;
    ru_maxrss would keep the forked parent's)."""
    status = Path("/proc/self/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith(f"{field}:")).split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events-per-month", type=int, default=100_000)
    parser.add_argument("--memory-mb", type=int, default=512)
    parser.add_argument("--cpus", type=float, default=0.25)
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--db", type=Path, help="keep (or reuse) the built fixture here")
    parser.add_argument("--database-url", required=True, help="dynamodb://TABLE?region=REGION")
    parser.add_argument("--archive-url", default="", help="s3://bucket/prefix: time a new task")
    parser.add_argument("--child", nargs=4, metavar=("URL", "DOMAIN", "NOW", "CACHE"))
    args = parser.parse_args()
    if args.child:
        url, domain, now, cache = args.child
        child(url, domain, now, cache, args.warm_runs, args.archive_url)
        return
    assert dynamo.is_dynamodb(args.database_url), "--database-url must be dynamodb://..."
    work = Path(tempfile.mkdtemp(prefix="footfall-constrained-"))
    site, now = fixture(args.events_per_month, args.database_url, args.db, work)
    if args.archive_url:
        archive(args.database_url, args.archive_url, now, work)
    limits = Limits(args.memory_mb, args.cpus)
    try:
        command = [sys.executable, __file__, "--database-url", args.database_url]
        command += ["--warm-runs", str(args.warm_runs), "--archive-url", args.archive_url]
        command += ["--child", args.database_url]
        command += [site.domain, now.isoformat(), str(work / "cache")]
        done = subprocess.run(
            command, capture_output=True, text=True, preexec_fn=limits.enter, check=False
        )
        peak, hit = limits.peak_mb(), limits.hit_limit()
    finally:
        limits.remove()
    if done.returncode != 0:
        sys.exit(f"the confined run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    report(args, result, peak, hit)


def fixture(per_month: int, url: str, db: Path | None, work: Path) -> tuple[Site, datetime]:
    """query.py's fixture, site1 with ``per_month`` events in each 30 days (or the one
    built at ``db`` before), its last 61 days in the table; the site there and the
    fixture's 'now' moved to today."""
    path = db or work / "fixture.duckdb"
    reuse = path.exists()
    duck = DuckDBStore(str(path))
    try:
        if not reuse:
            query.add_sites(duck)
            duck.read(query.FILL, {"big": per_month * 3, "total": per_month * 10})
        site = duck.get_site("site1.example")
        assert site is not None
        moved = dynamo.shift(query.NOW)
        start, end = query.NOW - timedelta(days=61), query.NOW + timedelta(days=1)
        started = time.perf_counter()
        target = dynamo.copy_site(duck, site, url, start, end, moved, work)
        print(f"copied site1's last 61 days into {url} in {time.perf_counter() - started:.0f} s")
        return target, query.NOW + moved
    finally:
        duck.close()


def archive(url: str, archive_url: str, now: datetime, work: Path) -> None:
    """Every closed day of the table's sites into the archive (outside the limits, as
    the task that archived them ran before), the bucket made if missing."""
    target = Archive(archive_url)
    with contextlib.suppress(target.s3.exceptions.BucketAlreadyOwnedByYou):
        target.s3.create_bucket(Bucket=target.bucket)
    store = dynamo.open_store(url, work / "archive-cache")
    try:
        started = time.perf_counter()
        written = archive_closed_days(target, store, store, store, now)
        took = time.perf_counter() - started
        print(f"archived {len(written)} closed days into {archive_url} in {took:.0f} s")
    finally:
        store.close()


def report(args: argparse.Namespace, result: dict[str, object], peak: float | None,
           hit: str) -> None:  # fmt: skip
    cold, warm = result["cold"], result["warm"]
    assert isinstance(cold, dict)
    assert isinstance(warm, dict)
    print(
        f"\nThe 30-day dashboard of a site with {args.events_per_month:,} events a month on "
        f"DynamoDB, in {args.memory_mb} MB and {args.cpus} vCPU (cgroup, no swap)\n"
    )
    archived = result["archive"]
    assert isinstance(archived, dict)
    first = archived.get("view", {})
    extra = " new task, archive (ms) |" if first else ""
    print(f"| query | cold (ms) | warm (ms) |{extra}\n|---|---|---|{'---|' if first else ''}")
    for name in cold:
        cell = f" {first[name]:.0f} |" if first else ""
        print(f"| {name} | {cold[name]:.0f} | {warm[name]:.0f} |{cell}")
    cell = f" **{sum(first.values()):.0f}** |" if first else ""
    print(f"| **whole view** | **{sum(cold.values()):.0f}** | **{sum(warm.values()):.0f}** |{cell}")
    print(f"\nDynamoDB calls of the cold view: {_calls(result['cold_calls'])}")
    if first:
        print(
            f"DynamoDB calls of a new task's first view with the archive: "
            f"{_calls(archived['calls'])}; S3 GetObject: {archived['gets']}"
        )
    print(
        f"\nCPU time of a warm view: {result['warm_cpu_ms']:.0f} ms (all threads; at a full "
        f"{args.cpus} vCPU, {result['warm_cpu_ms'] / args.cpus:.0f} ms of wall time before "
        "the DynamoDB round trips)"
    )
    peak_text = "?" if peak is None else f"{peak:.0f} MB"
    print(
        f"\npeak RSS of the process {result['rss_mb']:.0f} MB ({result['cold_rss_mb']:.0f} MB "
        f"at the end of the cold view); kept frames {result['frames_mb']:.0f} MB (DuckDB's "
        f"count); cgroup peak (RSS + page cache) "
        f"{peak_text}; memory limit reached: {hit}\ncold: the first view on an empty Parquet "
        f"cache; warm: median of {args.warm_runs} views after it, in the same process"
        + (
            "; new task, archive: a new store's first view on another empty cache, closed "
            "days from the S3 archive"
            if first
            else ""
        )
    )


def _calls(by_operation: object) -> str:
    assert isinstance(by_operation, dict)
    return ", ".join(f"{n} {c}" for n, c in sorted(by_operation.items())) or "none"


if __name__ == "__main__":
    main()
