"""Background work yields the CPU to request handling.

Linux niceness is per thread, and a thread starts with its creator's: stats threads
(and the engine's workers started from one) run niced, so on a busy machine the event
loop and the ingest flush are scheduled first.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable

NICENESS = 10


def lower_this_thread() -> None:
    """Lower the calling thread's priority (a no-op where the OS has no per-thread one)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


def start_lowered(start: Callable[[], None]) -> None:
    """Run ``start`` in a lowered thread, so the threads it starts are lowered too."""

    def run() -> None:
        lower_this_thread()
        start()

    thread = threading.Thread(target=run, name="lowered")
    thread.start()
    thread.join()
