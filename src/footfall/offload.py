"""The one way async code reaches the store: ``await offload(fn, *args)``.

Every backend call blocks (a database round trip, a file write). On the event loop
it would stall every other request, so async code runs such calls on worker threads
through ``offload`` (the default pool, or a given one), and ``off_loop`` wraps each
backend object the registry opens so that a call made on the event loop fails at once
with ``BlockingCall``, in tests and in production alike, instead of stalling quietly.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar, TypeVarTuple, cast

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class BlockingCall(RuntimeError):
    """A store method was called on the event loop's thread (a bug: use ``offload``)."""


async def offload(fn: Callable[[*Ts], T], *args: *Ts, executor: Executor | None = None) -> T:
    """``fn(*args)`` on a worker thread (``executor``, or asyncio's default pool)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(fn, *args))


# The loops that serve requests (Services.start adds its own); a loop another library
# runs in a thread of its own (Playwright's sync API, in tests) is none of ours.
_serving: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def guard_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Refuse store calls made on ``loop``'s thread while it runs."""
    _serving.add(loop)


def _checked(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        loop = asyncio._get_running_loop()  # public since Python 3.7, and cheap
        if loop is not None and loop in _serving:
            raise BlockingCall(f"store call {name}() on the event loop; use offload()")
        return method(*args, **kwargs)

    return call


# In-memory and cheap by contract (store/base.py): may be read on the loop (/metrics).
_NON_BLOCKING = frozenset({"health"})


class _OffLoop:
    """Forwards every public method of ``target``, refusing calls on the event loop."""

    def __init__(self, target: object) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value) and not name.startswith("_") and name not in _NON_BLOCKING:
            value = _checked(name, value)
        self.__dict__[name] = value  # looked up once per name
        return value


def off_loop(target: T) -> T:
    """``target`` with every public method refusing to run on an event loop thread."""
    return cast(T, _OffLoop(target))
