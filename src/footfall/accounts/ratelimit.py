"""In-process throttling of password guesses (logins, shared-link passwords).

Three counters of recent failures, each a sliding window:

- per (subject, client IP) pair, strict: 5 failures lock that pair for the window.
  A stranger locks out only themself, never the owner of the email or link.
- per client IP, strict: 20 failures (over any subjects) lock the IP for the window.
- per subject (an email, or ``share:<id>``), soft: after 5 failures from anywhere,
  each further attempt waits an exponential delay after the last failure, capped at
  ``SOFT_CAP`` seconds. A distributed guesser gets about one try per 30 s per
  account; the owner waits seconds, not 15 minutes. A pair that succeeded before
  (the owner's usual address) skips this delay.

Memory is bounded: a full table first drops expired entries, then the least-failed
unlocked ones (a flood of fresh keys is the attacker's, with one failure each), never
a locked entry; when every entry is locked a new key is not recorded. Each replica
counts on its own (N replicas allow N times the limits).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from footfall.errors import RateLimited

PER_PAIR = 5  # failures per (subject, IP) within WINDOW
PER_IP = 20  # failures per client IP within WINDOW (a NAT may hide several people)
SOFT_AFTER = 5  # failures per subject, from any IP, before the soft delay starts
SOFT_CAP = 30  # seconds: the longest soft delay
WINDOW = timedelta(minutes=15)
KNOWN_FOR = timedelta(days=30)  # a pair that succeeded skips the soft delay this long
MAX_KEYS = 100_000  # per table; bounds memory under a spray of random keys
_KEEP = 64  # failure times kept per key (enough for every limit above)


class TooManyAttempts(RateLimited):
    def __init__(self, retry_after: int) -> None:
        wait = max(1, retry_after)
        when = f"{wait} seconds" if wait < 120 else f"{(wait + 59) // 60} minutes"
        super().__init__(f"too many failed attempts; try again in {when}", retry_after=wait)


@dataclass
class _Failures:
    """Recent failure times per key, in a table of bounded size."""

    limit: int  # the count at which a key is locked (never evicted)
    window: timedelta
    max_keys: int
    times: dict[str, deque[datetime]] = field(default_factory=dict)

    def recent(self, key: str, now: datetime) -> deque[datetime]:
        found = self.times.get(key)
        if found is None:
            return deque()
        while found and found[0] <= now - self.window:
            found.popleft()
        if not found:
            del self.times[key]
        return found

    def add(self, key: str, now: datetime) -> None:
        if key not in self.times and len(self.times) >= self.max_keys and not self._evict(now):
            return  # every entry is a lockout: keep them, do not track the newcomer
        self.times.setdefault(key, deque(maxlen=_KEEP)).append(now)

    def clear(self, key: str) -> None:
        self.times.pop(key, None)

    def _evict(self, now: datetime) -> bool:
        for key in list(self.times):
            self.recent(key, now)
        if len(self.times) < self.max_keys:
            return True
        unlocked = [(len(t), t[-1], k) for k, t in self.times.items() if len(t) < self.limit]
        if not unlocked:
            return False
        # fewest failures first, then the newest: a flood of fresh keys goes first
        unlocked.sort(key=lambda row: (row[0], -row[1].timestamp()))
        for _, _, key in unlocked[: max(1, self.max_keys // 10)]:
            del self.times[key]
        return True


@dataclass
class LoginLimiter:
    clock: Callable[[], datetime]
    per_pair: int = PER_PAIR
    per_ip: int = PER_IP
    soft_after: int = SOFT_AFTER
    soft_cap: int = SOFT_CAP
    window: timedelta = WINDOW
    max_keys: int = MAX_KEYS
    _pairs: _Failures = field(init=False)
    _ips: _Failures = field(init=False)
    _subjects: _Failures = field(init=False)
    _known: dict[tuple[str, str], datetime] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._pairs = _Failures(self.per_pair, self.window, self.max_keys)
        self._ips = _Failures(self.per_ip, self.window, self.max_keys)
        # a subject is "locked" (kept under eviction) once its soft delay has started
        self._subjects = _Failures(self.soft_after, self.window, self.max_keys)

    def check(self, subject: str, ip: str) -> None:
        """Raise TooManyAttempts (with the seconds to wait) before a password is checked."""
        now = self.clock()
        for table, key in ((self._pairs, f"{subject}\0{ip}"), (self._ips, ip)):
            times = table.recent(key, now)
            if len(times) >= table.limit:
                raise TooManyAttempts(_seconds(times[-table.limit] + self.window - now))
        if self._is_known(subject, ip, now):
            return
        times = self._subjects.recent(subject, now)
        if len(times) >= self.soft_after:
            delay = timedelta(seconds=min(2 ** (len(times) - self.soft_after), self.soft_cap))
            if times[-1] + delay > now:
                raise TooManyAttempts(_seconds(times[-1] + delay - now))

    def failed(self, subject: str, ip: str) -> None:
        now = self.clock()
        self._pairs.add(f"{subject}\0{ip}", now)
        self._ips.add(ip, now)
        self._subjects.add(subject, now)

    def succeeded(self, subject: str, ip: str) -> None:
        """The pair is known from now on; its own failures are forgotten. The subject's
        count stays: a guesser elsewhere keeps their delay."""
        self._pairs.clear(f"{subject}\0{ip}")
        now = self.clock()
        self._known.pop((subject, ip), None)
        if len(self._known) >= self.max_keys:
            del self._known[next(iter(self._known))]  # the oldest success
        self._known[(subject, ip)] = now

    def _is_known(self, subject: str, ip: str, now: datetime) -> bool:
        since = self._known.get((subject, ip))
        return since is not None and since + KNOWN_FOR > now


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))
