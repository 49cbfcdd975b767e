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
a locked entry; when every entry is locked a new key is not recorded.

With Redis (``FOOTFALL_REDIS_URL``, footfall/shared.py) the tables live there, so every
replica counts every replica's failures: each key's recent failure times are a sorted
set scored by time, trimmed to the window and to the last ``_KEEP`` entries, expiring
with the window. The process's own tables are written too and answer while Redis does
not; without Redis each replica counts on its own (N replicas allow N times the limits).
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from footfall.errors import RateLimited
from footfall.shared import PREFIX, Shared

if TYPE_CHECKING:  # only the annotations: Redis is imported when configured (shared.py)
    import redis

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
class _SharedFailures(_Failures):
    """A ``_Failures`` table kept in Redis; its own (the process's) is the fallback."""

    name: str = field(kw_only=True)
    shared: Shared = field(kw_only=True)

    def _key(self, key: str) -> str:
        return f"{PREFIX}fail:{self.name}:{key}"

    def recent(self, key: str, now: datetime) -> deque[datetime]:
        local = super().recent(key, now)
        since = (now - self.window).timestamp()

        def read(client: redis.Redis) -> deque[datetime]:
            pipe = client.pipeline()
            pipe.zremrangebyscore(self._key(key), "-inf", since)
            pipe.zrange(self._key(key), -_KEEP, -1, withscores=True)
            rows = pipe.execute()[1]
            return deque(datetime.fromtimestamp(score, UTC) for _, score in rows)

        return self.shared.call(read, lambda: local)

    def add(self, key: str, now: datetime) -> None:
        super().add(key, now)
        ttl = int(self.window.total_seconds()) + 1

        def write(client: redis.Redis) -> None:
            pipe = client.pipeline()
            pipe.zadd(
                self._key(key), {f"{now.timestamp()}:{secrets.token_hex(4)}": now.timestamp()}
            )
            pipe.zremrangebyrank(self._key(key), 0, -_KEEP - 1)
            pipe.expire(self._key(key), ttl)
            pipe.execute()

        self.shared.call(write, lambda: None)

    def clear(self, key: str) -> None:
        super().clear(key)
        self.shared.call(lambda c: c.delete(self._key(key)), lambda: 0)


@dataclass
class LoginLimiter:
    clock: Callable[[], datetime]
    per_pair: int = PER_PAIR
    per_ip: int = PER_IP
    soft_after: int = SOFT_AFTER
    soft_cap: int = SOFT_CAP
    window: timedelta = WINDOW
    max_keys: int = MAX_KEYS
    shared: Shared | None = None  # Redis: every replica's failures count
    _pairs: _Failures = field(init=False)
    _ips: _Failures = field(init=False)
    _subjects: _Failures = field(init=False)
    _known: dict[tuple[str, str], datetime] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._pairs = self._table("pair", self.per_pair)
        self._ips = self._table("ip", self.per_ip)
        # a subject is "locked" (kept under eviction) once its soft delay has started
        self._subjects = self._table("subject", self.soft_after)

    def _table(self, name: str, limit: int) -> _Failures:
        if self.shared is None:
            return _Failures(limit, self.window, self.max_keys)
        return _SharedFailures(limit, self.window, self.max_keys, name=name, shared=self.shared)

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
        if self.shared is not None:
            key, seconds = _known_key(subject, ip), int(KNOWN_FOR.total_seconds())
            self.shared.call(lambda c: c.set(key, now.timestamp(), ex=seconds), lambda: None)

    def _is_known(self, subject: str, ip: str, now: datetime) -> bool:
        since = self._known.get((subject, ip))
        if self.shared is not None:
            found = self.shared.call(lambda c: c.get(_known_key(subject, ip)), lambda: None)
            if found is not None:
                since = datetime.fromtimestamp(float(found), UTC)
        return since is not None and since + KNOWN_FOR > now


def _known_key(subject: str, ip: str) -> str:
    return f"{PREFIX}known:{subject}\0{ip}"


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))
