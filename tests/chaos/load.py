"""Concurrent single-event and batch ingest against a running server, with a tally of
what it acknowledged and of every answer, by phase (the test moves the phases)."""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from tests.support import CHROME_UA, IPHONE_UA


@dataclass
class Load:
    url: str
    token: str
    domain: str = "example.com"
    tag: str = "x"  # keeps paths unique across several loads on one site
    phase: str = "before"
    acked: list[str] = field(default_factory=list)
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)  # (phase, status)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def _record(self, phase: str, status: int, paths: list[str]) -> None:
        with self._lock:
            # An answer counts for a phase only if the whole request happened in it.
            self.answers[(phase if phase == self.phase else "between", status)] += 1
            if status in (200, 202):
                self.acked.extend(paths)

    def _single(self, worker: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            while not self._stop.is_set():
                n, phase = next(self._ids), self.phase
                path = f"/{self.tag}/s{worker}-{n}"
                body = {"n": "pageview", "u": f"https://{self.domain}{path}", "d": self.domain}
                headers = {"user-agent": (CHROME_UA, IPHONE_UA)[n % 2]}
                r = http.post("/api/event", headers=headers, content=json.dumps(body))
                dropped = r.headers.get("x-footfall-dropped")
                assert dropped is None, f"the pipeline dropped a test event: {dropped}"
                self._record(phase, r.status_code, [path])

    def _batches(self, worker: int) -> None:
        headers = {"x-api-key": self.token}
        with httpx.Client(base_url=self.url, timeout=30, headers=headers) as http:
            while not self._stop.is_set():
                n, phase = next(self._ids), self.phase
                paths = [f"/{self.tag}/b{worker}-{n}-{i}" for i in range(40)]
                events = [
                    {
                        "url": f"https://{self.domain}{p}",
                        "user_agent": CHROME_UA,
                        "ip": f"198.51.100.{i}",
                    }
                    for i, p in enumerate(paths)
                ]
                r = http.post("/api/v1/track/batch", json={"events": events})
                if r.status_code in (200, 202):
                    assert r.json()["processed"] == len(paths), r.text
                self._record(phase, r.status_code, paths)

    @contextmanager
    def running(self, singles: int = 4, batchers: int = 2) -> Iterator[Load]:
        threads = [threading.Thread(target=self._single, args=(i,)) for i in range(singles)]
        threads += [threading.Thread(target=self._batches, args=(i,)) for i in range(batchers)]
        failures: list[BaseException] = []

        def guard(target: threading.Thread) -> None:
            try:
                target.run()
            except BaseException as exc:  # surfaced in the test, not lost in a thread
                failures.append(exc)

        runners = [threading.Thread(target=guard, args=(t,)) for t in threads]
        for t in runners:
            t.start()
        try:
            yield self
        finally:
            self._stop.set()
            for t in runners:
                t.join(60)
        if failures:
            raise failures[0]

    def count(self, phase: str, status: int) -> int:
        return self.answers[(phase, status)]

    def statuses(self) -> set[int]:
        return {status for _, status in self.answers}
