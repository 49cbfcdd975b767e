"""The batch path's Arrow work alone: ``events_to_arrow`` and the journal's append
(IPC bytes and the write; the journal on /dev/shm, so the fsync costs nothing), in CPU
microseconds per event, for 100- and 1,000-event batches of realistic events (10%
with props, 2% with revenue). Run it with two checkouts' interpreters, alternated, for
an A/B in one run (docs/performance.md, "pyarrow out, arro3 in"):

    .venv/bin/python bench/arrow_batch.py
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import footfall
from footfall.domain import Event
from footfall.store.arrow import event_schema, events_to_arrow
from footfall.store.duckdb.journal import Journal

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def batch(rnd: random.Random, n: int) -> list[Event]:
    return [
        Event(
            1 + rnd.randrange(3),
            NOW + timedelta(microseconds=rnd.randrange(3)),
            "pageview" if rnd.random() < 0.9 else "signup",
            "a.example",
            f"/p/{rnd.randrange(200)}",
            rnd.getrandbits(63),
            0,
            referrer="https://www.google.com/" if rnd.random() < 0.3 else "",
            channel="Organic Search",
            country=rnd.choice(["DE", "US", "FR", ""]),
            browser=rnd.choice(["Chrome", "Firefox", "Safari"]),
            browser_version="131",
            os="Windows",
            os_version="10",
            device="Desktop",
            screen_size="Desktop",
            language="en",
            props={"plan": "pro"} if rnd.random() < 0.1 else {},
            revenue_amount="12.5000" if rnd.random() < 0.02 else None,
        )
        for _ in range(n)
    ]


def main() -> None:
    rnd = random.Random(7)
    figures = []
    for size, reps in ((100, 400), (1000, 60)):
        batches = [batch(rnd, size) for _ in range(reps)]
        for b in batches[:5]:
            events_to_arrow(b)
        start = time.process_time()
        tables = [events_to_arrow(b) for b in batches]
        convert = (time.process_time() - start) / (size * reps) * 1e6
        with tempfile.TemporaryDirectory(dir="/dev/shm") as tmp:
            journal = Journal(Path(tmp), event_schema())
            start = time.process_time()
            for table in tables:
                journal.append(table)
            append = (time.process_time() - start) / (size * reps) * 1e6
            journal.close()
        figures.append(f"x{size}: events_to_arrow {convert:.2f} us/event, append {append:.2f}")
    print(Path(footfall.__file__).parents[2], "; ".join(figures))


if __name__ == "__main__":
    main()
