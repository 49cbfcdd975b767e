"""Visitor ids: a keyed hash of site + IP + user agent under a salt that rotates daily.

As in Plausible: the current and the previous day's salts are kept (so yesterday's late
events hash as yesterday's live ones did) and older ones are deleted by the store.
Neither the IP nor the user agent is kept; without the salt, the id cannot be linked back to them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from footfall.store.base import Catalog

_ID_MASK = (1 << 63) - 1  # positive BIGINT in every backend
# Ids already hashed (keyed by site, IP, user agent and the event's UTC day), while the
# salts last: a visitor sends several events, and a hash cost ~1.5 us of the ~20 us an
# event may take in a batch (issue 17). Emptied when full (~400 bytes an entry), and
# with every new pair of salts. Memory only, as the geo lookup's cache of IPs is.
_KNOWN_MAX = 8192


class VisitorHasher:
    def __init__(
        self, store: Catalog, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._day: date | None = None
        self._current = b""
        self._previous = b""
        self._known: dict[tuple[str, str, str, date], int] = {}
        # The last instant's UTC day: a batch's events mostly share one datetime (the
        # time it arrived), and ``astimezone().date()`` was half of an event's lookup.
        self._last_day: tuple[datetime | None, date] = (None, date.min)

    def stale(self) -> bool:
        """Whether today's salts must be fetched (``refresh``) before ``visitor_id``."""
        return self._clock().astimezone(UTC).date() != self._day

    def refresh(self) -> None:
        """Fetch (or create) today's and yesterday's salts: blocking, off the loop."""
        today = self._clock().astimezone(UTC).date()
        if today == self._day:
            return
        with self._lock:
            if today == self._day:
                return
            yesterday = today - timedelta(days=1)
            salts = self._store.ensure_salts(
                {today: secrets.token_bytes(16), yesterday: secrets.token_bytes(16)}
            )
            self._current, self._previous = salts[today], salts[yesterday]
            self._known = {}  # a new dict: an id hashed meanwhile lands in the old one
            self._day = today

    @staticmethod
    def _hash(salt: bytes, site: str, ip: str, user_agent: str) -> int:
        h = hashlib.blake2b(f"{site}\x00{ip}\x00{user_agent}".encode(), key=salt, digest_size=8)
        return int.from_bytes(h.digest(), "big") & _ID_MASK

    def visitor_id(self, site: str, ip: str, user_agent: str, at: datetime) -> int:
        """The visitor's id for an event at ``at``: a function of the event's UTC day, so
        the same event hashes alike whenever it arrives (today's and yesterday's salts
        while they live).

        Events older than yesterday (server-side imports of history) are hashed with a
        per-day salt derived from today's, so a visitor still counts once per day of
        history, and the derivation dies with today's salt.
        """
        last = self._last_day  # one tuple: threads may call this too
        if last[0] is at:
            day = last[1]
        else:
            day = at.astimezone(UTC).date()
            self._last_day = (at, day)
        if self._day is None:
            self.refresh()  # direct (threaded) use; the pipeline refreshes before running
        known, key = self._known, (site, ip, user_agent, day)
        found = known.get(key)
        if found is not None:
            return found
        if len(known) >= _KNOWN_MAX:
            known.clear()
        known[key] = found = self._compute(site, ip, user_agent, day)
        return found

    def _compute(self, site: str, ip: str, user_agent: str, day: date) -> int:
        assert self._day is not None
        if day >= self._day:
            return self._hash(self._current, site, ip, user_agent)
        if day == self._day - timedelta(days=1):
            # Yesterday's events (late or imported) hash as yesterday's live traffic did.
            return self._hash(self._previous, site, ip, user_agent)
        derived = hmac.new(self._current, day.isoformat().encode(), hashlib.sha256).digest()
        return self._hash(derived[:16], site, ip, user_agent)
