"""What the process may use, from its cgroup: memory and CPUs (the Fargate task's).

A Fargate task (and a container with ``--memory``/``--cpus``) is a cgroup with a
memory limit and a CPU quota; the machine's RAM and core count say nothing about it.
Every DuckDB of the process takes its ``threads`` and ``memory_limit`` from here (the
embedded store's file, store/duckdb/; the DynamoDB stats frames, store/dynamo/engine.py),
and the frame cache its byte budget (docs/backends.md, "Memory"; docs/performance.md,
"Memory").
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
# jemalloc (DuckDB's allocator) options, read once when DuckDB loads (so set by
# footfall/store/__init__.py, before any backend imports duckdb; an operator's own
# DUCKDB_JE_MALLOC_CONF wins). The background thread (``duckdb_settings``) purges a
# freed page once it has been unused for the decay time; at DuckDB's own, shorter one
# each dashboard question faulted its memory in again (~2.5x the minor faults, +5-15 %
# server CPU a question: docs/performance.md, "The first view's regression"). At 10 s a
# dashboard's questions reuse their pages, and an idle server still returns them.
JEMALLOC_CONF = "dirty_decay_ms:10000,muzzy_decay_ms:10000"
_UNLIMITED = 1 << 60  # v1 reports "no limit" as a huge number (2^63 rounded to a page)
MB = 1 << 20


@dataclass(frozen=True, slots=True)
class Budget:
    """The process's memory (bytes) and CPUs (fractional: a quota of 0.25 is 0.25)."""

    memory: int
    cpus: float

    @property
    def threads(self) -> int:
        """DuckDB worker threads: one per whole CPU of the quota (or of the CPUs the
        process may run on, when fewer), at least one."""
        return max(1, math.floor(self.cpus))

    @property
    def frames(self) -> int:
        """Bytes the kept stats frames may hold: a quarter of the memory (a 512 MB
        task: 128 MB), the rest for the app, a frame being built and the interpreter."""
        return self.memory // 4

    @property
    def duckdb(self) -> int:
        """DuckDB's memory limit for one frame (past it, a build spills to disk): a
        quarter of the memory too, so that a kept frame and one being built stay
        within half of it."""
        return max(self.memory // 4, 32 * MB)

    @property
    def checkpoint(self) -> int:
        """The WAL size at which DuckDB checkpoints after a commit: a sixteenth of the
        memory, between DuckDB's own 16 MB and 256 MB (a 512 MB task: 32 MB; 4 GB and
        more: 256 MB). A checkpoint of the embedded store costs ~400 ms of CPU however
        little it writes (the visits' index and the tables' metadata, at 1M events)
        plus ~1 us a row, and at 16 MB it came every 2-3 applies of 50,000 events: 40%
        of the apply's CPU, 3-4 us of the ~20 an event cost in a batch. The rows
        applied since the last one stay in memory meanwhile (~2x the WAL's size), so
        the threshold follows the memory (docs/performance.md, "Checkpoints")."""
        return min(max(self.memory // 16, 16 * MB), 256 * MB)

    def duckdb_settings(self) -> dict[str, str]:
        """DuckDB's ``threads``, ``memory_limit`` (in MiB: DuckDB's "MB" is 10^6) and
        ``checkpoint_threshold``, and its allocator's background thread: without it,
        jemalloc returns the pages a finished query freed only on later allocations, so
        an idle server keeps its last queries' peak (~60 MB after a dashboard over 1M
        events; with it, they go once unused for ``JEMALLOC_CONF``'s 10 s:
        docs/performance.md, "Memory")."""
        return {
            "threads": str(self.threads),
            "memory_limit": f"{self.duckdb // MB}MiB",
            "checkpoint_threshold": f"{self.checkpoint // MB}MiB",
            "allocator_background_threads": "true",
        }


def _cgroup_dirs(root: Path, proc: Path) -> tuple[list[Path], list[Path]]:
    """The process's own memory and cpu cgroup directories (then the root: inside a
    container's cgroup namespace its own is the root)."""
    memory, cpu = [], []
    try:
        lines = (proc / "self" / "cgroup").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        rel = path.lstrip("/")
        names = controllers.split(",")
        if controllers == "":  # v2: one unified hierarchy
            memory.append(root / rel)
            cpu.append(root / rel)
        if "memory" in names:
            memory.append(root / "memory" / rel)
        if "cpu" in names:
            cpu.append(root / "cpu" / rel)
            cpu.append(root / "cpu,cpuacct" / rel)
    memory += [root, root / "memory"]
    cpu += [root, root / "cpu", root / "cpu,cpuacct"]
    return memory, cpu


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _memory_limit(dirs: list[Path]) -> int | None:
    for d in dirs:
        for name in ("memory.max", "memory.limit_in_bytes"):
            text = _read(d / name)
            if text is None:
                continue
            if text != "max" and int(text) < _UNLIMITED:
                return int(text)
    return None


def _cpu_quota(dirs: list[Path]) -> float | None:
    for d in dirs:
        text = _read(d / "cpu.max")  # v2: "QUOTA PERIOD" or "max PERIOD"
        if text is not None:
            quota, period = text.split()
            if quota != "max":
                return int(quota) / int(period)
        quota_text, period_text = _read(d / "cpu.cfs_quota_us"), _read(d / "cpu.cfs_period_us")
        if quota_text is not None and period_text is not None and int(quota_text) > 0:
            return int(quota_text) / int(period_text)
    return None


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 1 << 30


def detect(root: Path = CGROUP, proc: Path = Path("/proc")) -> Budget:
    """The cgroup's limits, or the machine's where there is none."""
    memory_dirs, cpu_dirs = _cgroup_dirs(root, proc)
    memory = _memory_limit(memory_dirs) or _physical_memory()
    cpus = _cpu_quota(cpu_dirs) or float(os.cpu_count() or 1)
    return Budget(memory, min(cpus, _allowed_cpus()))


def _allowed_cpus() -> float:
    """The CPUs the process may run on (``taskset``, ``docker --cpuset-cpus``): DuckDB
    threads past them only take turns on the same cores. Two threads on the one core
    of bench/ingest.py's server cost the apply ~15% more CPU than one
    (docs/performance.md, "Batch ingest without the concatenation")."""
    try:
        return float(len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return float(os.cpu_count() or 1)
