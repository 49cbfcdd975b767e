"""The embedded store's DuckDB takes its memory limit and threads from the process's
cgroup (store/budget.py), not from the machine: the 512 MB task must not grow past it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.store.budget import JEMALLOC_CONF, MB, Budget, detect

SETTINGS = (
    "SELECT current_setting('memory_limit'), current_setting('threads'),"
    " current_setting('allocator_background_threads'), current_setting('checkpoint_threshold')"
)
CGROUP = Path("/sys/fs/cgroup")


def _bytes(setting: str) -> float:
    """DuckDB's way of showing a memory limit ("128.0 MiB", "1.5 GiB") in bytes."""
    number, unit = setting.split()
    return float(number) * {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]


def _fake_cgroup(tmp: Path, memory: int, quota: int) -> tuple[Path, Path]:
    proc, root = tmp / "proc", tmp / "cgroup"
    (proc / "self").mkdir(parents=True, exist_ok=True)
    (proc / "self" / "cgroup").write_text("0::/ecs/task\n")
    (root / "ecs" / "task").mkdir(parents=True, exist_ok=True)
    (root / "ecs" / "task" / "memory.max").write_text(f"{memory}\n")
    (root / "ecs" / "task" / "cpu.max").write_text(f"{quota} 100000\n")
    return root, proc


@settings(max_examples=25, deadline=None)
@given(memory_mb=st.integers(64, 4000), quota=st.integers(10_000, 800_000))
def test_duckdb_reads_back_the_budgets_limits(
    tmp_path_factory: pytest.TempPathFactory, memory_mb: int, quota: int
) -> None:
    root, proc = _fake_cgroup(tmp_path_factory.mktemp("cg"), memory_mb * MB, quota)
    budget = detect(root, proc)
    cpus = min(quota / 100_000, len(os.sched_getaffinity(0)))  # the machine's cores cap it
    assert budget == Budget(memory_mb * MB, cpus)
    with duckdb.connect(":memory:", config=dict(budget.duckdb_settings())) as db:
        row = db.execute(SETTINGS).fetchone()
    assert row is not None
    limit, threads, background, checkpoint = row
    # under 1 GiB DuckDB shows the limit in MiB to a tenth
    assert abs(_bytes(limit) - max(memory_mb // 4, 32) * MB) <= MB / 10
    assert abs(_bytes(checkpoint) - min(max(memory_mb // 16, 16), 256) * MB) <= MB / 10
    assert int(threads) == max(1, int(cpus))
    assert background is True


def test_threads_are_capped_by_the_cpus_the_process_may_run_on() -> None:
    """A process pinned to one CPU (``taskset -c 0``: bench/ingest.py's server) gets
    one DuckDB thread, whatever the machine's cores or the cgroup's quota."""
    code = (
        "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))});"
        "from footfall.store.budget import detect; print(detect().threads)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def _cgroup_dir(memory: int, quota: int) -> list[Path] | None:
    """A real cgroup (v2, or v1's memory and cpu) with these limits; None unless root
    may make one here."""
    name = f"footfall-test-{uuid.uuid4().hex[:8]}"
    try:
        if (CGROUP / "cgroup.controllers").exists():
            d = CGROUP / name
            d.mkdir()
            (d / "memory.max").write_text(str(memory))
            (d / "cpu.max").write_text(f"{quota} 100000")
            return [d]
        memory_dir, cpu_dir = CGROUP / "memory" / name, CGROUP / "cpu" / name
        memory_dir.mkdir()
        cpu_dir.mkdir()
        (memory_dir / "memory.limit_in_bytes").write_text(str(memory))
        (cpu_dir / "cpu.cfs_quota_us").write_text(str(quota))
        return [memory_dir, cpu_dir]
    except OSError:
        return None


def _remove(d: Path) -> None:
    for _ in range(50):  # the child's exit may still be being accounted
        try:
            d.rmdir()
            return
        except OSError:
            time.sleep(0.1)


def test_a_store_opened_inside_a_cgroup_takes_its_limits(tmp_path: Path) -> None:
    """The server's path: open_stores on a file, in a process inside a 512 MB,
    0.5-CPU cgroup, reads back memory_limit 128 MiB, 1 thread (the machine has more
    of both), jemalloc's background purging on and a 32 MiB checkpoint threshold.
    `make test` runs as root (it installs Debian packages), and root can make a
    cgroup (bench/memory.py too)."""
    dirs = _cgroup_dir(512 * MB, 50_000)
    assert dirs is not None, f"root (euid {os.geteuid()}) could not make a cgroup under {CGROUP}"

    def enter() -> None:
        for d in dirs:
            (d / "cgroup.procs").write_text(str(os.getpid()))

    program = (
        "import sys\n"
        "from footfall.store.registry import open_stores\n"
        "stores = open_stores(sys.argv[1])\n"
        f"print(*stores.stats.read({SETTINGS!r}, {{}})[0], sep='|')\n"
        "stores.close()\n"
    )
    url = f"duckdb:///{tmp_path}/footfall.duckdb"
    try:
        done = subprocess.run(
            [sys.executable, "-c", program, url],
            preexec_fn=enter,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        for d in dirs:
            _remove(d)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "128.0 MiB|1|True|32.0 MiB"


# Records DUCKDB_JE_MALLOC_CONF as it is when duckdb is first imported (jemalloc reads
# it then, once), after the server's modules and every backend are imported.
_SPY = """
import os, sys
class Spy:
    def find_spec(self, name, path=None, target=None):
        if name == "duckdb":
            print(os.environ.get("DUCKDB_JE_MALLOC_CONF"), flush=True)
        return None
sys.meta_path.insert(0, Spy())
import footfall.cli.serve, footfall.web.app, footfall.store.duckdb, footfall.store.dynamodb
"""


@pytest.mark.parametrize("operator", [None, "dirty_decay_ms:0"])
def test_the_allocators_decay_is_set_before_duckdb_loads(operator: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DUCKDB_JE_MALLOC_CONF"}
    if operator is not None:
        env["DUCKDB_JE_MALLOC_CONF"] = operator  # an operator's own options win
    seen = subprocess.run(
        [sys.executable, "-c", _SPY], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert seen == [operator or JEMALLOC_CONF]
