"""The optional Redis that replicas share (``FOOTFALL_REDIS_URL``).

It holds what must be the same on every replica but is not data: the login limiter's
failure counts (accounts/shared_limits.py) and the news that a site or API key changed
(``Bus``: every replica drops its caches at once instead of after their few seconds).

Redis is never required. Every use goes through ``Shared.call`` with a fallback to the
process's own state: when Redis does not answer, the limits count per process and the
caches expire on their own, and that is logged once when it starts and once when Redis
is back. After a failure, Redis is left alone for ``RETRY_SECONDS`` (no request waits on
a connect timeout meanwhile).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported when a Redis is configured: ~35 MB of RSS otherwise
    import redis

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT_SECONDS = 0.5  # a Redis call that takes longer counts as Redis down
RETRY_SECONDS = 5.0
PREFIX = "footfall:"
CHANNEL = PREFIX + "changed"


class Shared:
    def __init__(self, url: str, password: str = "") -> None:
        # A password in the URL wins; ``password`` (FOOTFALL_REDIS_PASSWORD, the AUTH
        # token ECS injects from Secrets Manager) serves a URL without one.
        import redis

        auth = {"password": password} if password else {}
        self.errors = redis.RedisError
        self.client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS, **auth
        )
        self._lock = threading.Lock()
        self._down_until = 0.0
        self.up = True

    def call(self, use: Callable[[redis.Redis], T], fallback: Callable[[], T]) -> T:
        """``use(client)``, or ``fallback()`` while Redis does not answer."""
        if self._down_until > time.monotonic():
            return fallback()
        try:
            result = use(self.client)
        except self.errors as exc:
            self._failed(exc)
            return fallback()
        if not self.up:
            with self._lock:
                if not self.up:
                    self.up = True
                    log.warning("Redis answers again: limits and cache news are shared again")
        return result

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._down_until = time.monotonic() + RETRY_SECONDS
            if self.up:
                self.up = False
                log.error(
                    "Redis does not answer (%s): limits count per process and caches expire "
                    "on their own until it does",
                    exc,
                )

    def announce(self) -> None:
        """Tell every replica (``Bus``) that a site or API key changed."""
        self.call(lambda c: c.publish(CHANNEL, b"1"), lambda: 0)

    def ping(self) -> bool:
        """Whether Redis answers now (for /ready; asks even while backing off)."""
        self._down_until = 0.0
        return self.call(lambda c: bool(c.ping()), lambda: False)

    def close(self) -> None:
        self.client.close()


class Bus:
    """Cache news between replicas on one Redis pub/sub channel: after any replica's
    ``Shared.announce()`` every replica (that one included) runs ``on_news``. A
    subscriber that lost its connection runs ``on_news`` once it is back, since it may
    have missed news meanwhile.
    """

    def __init__(self, shared: Shared, on_news: Callable[[], None]) -> None:
        self._shared = shared
        self._on_news = on_news
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="footfall-bus", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        missed = False
        while not self._stop.is_set():
            pubsub: Any = None
            try:
                client: Any = self._shared.client  # redis-py leaves pubsub() untyped
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                if missed:
                    self._on_news()
                    missed = False
                while not self._stop.is_set():
                    if pubsub.get_message(timeout=1.0) is not None:
                        self._on_news()
            except self._shared.errors:
                missed = True
                self._stop.wait(1.0)
            finally:
                if pubsub is not None:
                    pubsub.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
