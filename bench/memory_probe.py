"""`footfall serve`, plus where its memory is on SIGUSR1 (bench/memory.py's breakdown).

    python bench/memory_probe.py OUT.json serve --port N

runs the CLI's `serve` unchanged, keeping the app it builds; on SIGUSR1 it writes
OUT.json: /proc/self/smaps summed per kind of mapping, DuckDB's ``duckdb_memory()`` and
allocator settings, the Python heap (``sys.getallocatedblocks()``, pymalloc's arenas, gc
counts), glibc's and DuckDB's jemalloc's own counts (in use, free, dirty pages), the
ingest path's caches, the applier's unapplied rows and the loaded modules.
With FOOTFALL_PROBE_TRACE=1, tracemalloc runs from the start (it costs memory of its own:
not for the RSS rows) and the dump has its top allocations by file. Bench only: nothing
of it is in the server.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import signal
import sys
import tempfile
import tracemalloc
from collections import defaultdict
from pathlib import Path
from typing import Any

TRACE = os.environ.get("FOOTFALL_PROBE_TRACE") == "1"
if TRACE:
    tracemalloc.start(1)

MB = 1 << 20


def mappings(text: str) -> dict[str, float]:
    """Resident MB of /proc/PID/smaps per kind: each library's file-backed pages (the
    largest by name), [heap], [stack], and anonymous mappings (by size: DuckDB's
    jemalloc extents and pymalloc's 1 MiB arenas and thread stacks of 8 MiB)."""
    kinds: dict[str, float] = defaultdict(float)
    name = ""
    for line in text.splitlines():
        head = line.split()
        if "-" in head[0] and not head[0].endswith(":"):
            start, end = (int(x, 16) for x in head[0].split("-"))
            size = end - start
            if len(head) >= 6:
                name = Path(head[5]).name if head[5].startswith("/") else head[5]
            elif size == 8 * MB + 4096 or size == 8 * MB:
                name = "anon: thread stacks (8 MiB)"
            elif size <= MB:
                name = "anon: <= 1 MiB (pymalloc arenas, small)"
            else:
                name = "anon: > 1 MiB (jemalloc extents, mmaps)"
        elif head[0] == "Rss:":
            kinds[name] += int(head[1]) / 1024
    return dict(sorted(kinds.items(), key=lambda kv: -kv[1]))


def _cache_sizes(services: Any) -> dict[str, object]:
    out: dict[str, object] = {}
    pipeline = services.pipeline
    for attr in ("cached_geo", "cached_referrer", "cached_acquire"):
        fn = getattr(pipeline, attr, None)
        if fn is not None and hasattr(fn, "cache_info"):
            out[f"pipeline.{attr}"] = fn.cache_info().currsize
    from footfall.ingest import pipeline as pipeline_module
    from footfall.ingest import request

    for module in (request, pipeline_module):
        for key, value in vars(module).items():
            if hasattr(value, "cache_info"):
                out[f"{module.__name__}.{key}"] = value.cache_info().currsize
    for attr, value in vars(pipeline).items():
        cached = getattr(value, "_cached", None)
        if cached is not None and hasattr(cached, "cache_info"):
            out[f"pipeline.{attr}._cached"] = cached.cache_info().currsize
    return out


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            *("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks"),
            *("uordblks", "fordblks", "keepcost"),
        )
    ]


def _glibc() -> dict[str, float]:
    """glibc malloc's own count (``mallinfo2``): bytes in its arenas (main heap and the
    threads' arenas), in use and free in them, and in its own mmaps (large blocks)."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return {
        "arenas_mb": round(info.arena / MB, 1),
        "in_use_mb": round(info.uordblks / MB, 1),
        "free_mb": round(info.fordblks / MB, 1),
        "mmapped_mb": round(info.hblkhd / MB, 1),
    }


def _jemalloc() -> dict[str, float]:
    """DuckDB's jemalloc (its exported ``duckdb_je_mallctl``): bytes allocated, in
    active pages, resident (with dirty and muzzy pages: freed, not yet given back)."""
    import _duckdb

    mallctl = ctypes.CDLL(_duckdb.__file__).duckdb_je_mallctl
    size = ctypes.c_size_t

    def get(name: str) -> int:
        value, length = size(), size(ctypes.sizeof(size))
        mallctl(name.encode(), ctypes.byref(value), ctypes.byref(length), None, size(0))
        return value.value

    epoch = ctypes.c_uint64(1)
    mallctl(b"epoch", None, None, ctypes.byref(epoch), size(8))
    names = ("allocated", "active", "resident", "metadata", "retained")
    out = {name: round(get(f"stats.{name}") / MB, 1) for name in names}
    for kind in ("dirty", "muzzy"):  # pages of all arenas (MALLCTL_ARENAS_ALL)
        out[kind] = round(get(f"stats.arenas.4096.p{kind}") * os.sysconf("SC_PAGE_SIZE") / MB, 1)
    return out


def _pymalloc_arenas() -> list[str]:
    """pymalloc's arena lines of ``sys._debugmallocstats()`` (it writes to fd 2)."""
    with tempfile.TemporaryFile("w+") as capture:
        saved = os.dup(2)
        try:
            os.dup2(capture.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        return [" ".join(line.split()) for line in capture if line.startswith("# arenas")]


def dump(app: Any, out: Path) -> None:
    services = app.state.services
    store = services.stores.events
    report: dict[str, object] = {"smaps": mappings(Path("/proc/self/smaps").read_text())}
    cur = store._db.cursor()
    try:
        report["duckdb_memory"] = {
            row[0]: round(row[1] / MB, 1)
            for row in cur.execute(
                "SELECT tag, memory_usage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0"
            ).fetchall()
        }
        report["duckdb_settings"] = dict(
            cur.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name LIKE 'allocator%' "
                "OR name IN ('memory_limit', 'threads')"
            ).fetchall()
        )
    finally:
        cur.close()
    arenas = _pymalloc_arenas()
    report["python"] = {
        "allocated_blocks": sys.getallocatedblocks(),
        "pymalloc": arenas,
        "gc_counts": gc.get_count(),
        "gc_frozen": gc.get_freeze_count(),
        "modules": len(sys.modules),
    }
    report["glibc"] = _glibc()
    report["jemalloc"] = _jemalloc()
    report["caches"] = _cache_sizes(services)
    applier = getattr(store, "_applier", None)
    if applier is not None:
        report["applier_unapplied_rows"] = applier._rows
    if TRACE:
        snap = tracemalloc.take_snapshot()
        top = snap.statistics("filename")[:25]
        report["tracemalloc_mb"] = round(sum(s.size for s in snap.statistics("filename")) / MB, 1)
        report["tracemalloc_top"] = [[str(s.traceback), round(s.size / MB, 2)] for s in top]
    part = out.with_suffix(".part")
    part.write_text(json.dumps(report, indent=1, default=str))
    part.rename(out)


def main() -> None:
    out = Path(sys.argv[1])
    sys.argv = ["footfall", *sys.argv[2:]]
    from footfall.web import app as web_app

    made: list[Any] = []
    create = web_app.create_app

    def keep(*args: Any, **kwargs: Any) -> Any:
        made.append(create(*args, **kwargs))
        return made[-1]

    web_app.create_app = keep
    signal.signal(signal.SIGUSR1, lambda *_: dump(made[0], out))
    from footfall.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
