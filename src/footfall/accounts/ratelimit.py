"""In-process login throttling: failed attempts per email and per client IP.

A sliding window of failure times per key. Each replica counts on its own, so N
replicas allow up to N times the limit; still enough to stop online guessing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from footfall.errors import InputError

PER_EMAIL = 5  # failures per email within WINDOW
PER_IP = 20  # failures per client IP within WINDOW (a NAT may hide several people)
WINDOW = timedelta(minutes=15)
_MAX_KEYS = 100_000  # bounds memory under a spray of random emails


class TooManyAttempts(InputError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(f"too many failed logins; try again in {minutes} minute(s)")
        self.retry_after = retry_after


@dataclass
class LoginLimiter:
    clock: Callable[[], datetime]
    per_email: int = PER_EMAIL
    per_ip: int = PER_IP
    window: timedelta = WINDOW
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def check(self, email: str, ip: str) -> None:
        """Raise TooManyAttempts when either the email or the IP is over its limit."""
        now = self.clock()
        for key, limit in ((f"e:{email}", self.per_email), (f"i:{ip}", self.per_ip)):
            times = self._recent(key, now)
            if len(times) >= limit:
                wait = (times[0] + self.window - now).total_seconds()
                raise TooManyAttempts(max(1, int(wait)))

    def failed(self, email: str, ip: str) -> None:
        now = self.clock()
        if len(self._failures) >= _MAX_KEYS:
            self._failures.clear()
        for key in (f"e:{email}", f"i:{ip}"):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str) -> None:
        self._failures.pop(f"e:{email}", None)
