"""Payload dialects: each turns one client format into IngestRequests.

Every dialect exposes builders of one shape, ``Build``: one parsed JSON item and the
request's ``Origin`` in, the IngestRequests it stands for out (none for payloads that
are accepted but not counted, several for Plausible's comma-separated domains).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from footfall.domain import Site
from footfall.ingest.request import IngestRequest


@dataclass(frozen=True, slots=True)
class Origin:
    """What the HTTP edge knows of one request, the same for every dialect."""

    ip: str
    user_agent: str
    now: datetime
    future: timedelta  # how far past ``now`` a given timestamp may lie
    site: Site | None = None  # fixed by the API key on the server-side routes

    def keyed_site(self) -> Site:
        assert self.site is not None, "server-side dialects run behind an ingest key"
        return self.site


class Build(Protocol):
    def __call__(self, item: object, origin: Origin, prefix: str = "") -> list[IngestRequest]:
        """``prefix`` starts the ``field`` of errors (``events.3.`` in a batch)."""
