"""Per-site tallies of dropped events, gathered in memory and added to the store's
(``Catalog.add_drops``) by housekeeping, before a site's drops are shown, and at
shutdown: one small write per flush, not one per dropped event."""

from __future__ import annotations

from collections.abc import Mapping

Tallies = dict[tuple[int, str], int]


class DropTally:
    """Used on the event loop only (take and restore there, write off it)."""

    def __init__(self) -> None:
        self._pending: Tallies = {}

    def add(self, site_id: int, reason: str) -> None:
        key = (site_id, reason)
        self._pending[key] = self._pending.get(key, 0) + 1

    def take(self) -> Tallies:
        """What was gathered since the last take; the tally starts again from zero."""
        taken, self._pending = self._pending, {}
        return taken

    def restore(self, counts: Mapping[tuple[int, str], int]) -> None:
        """Put back what a failed write could not store (the next flush retries)."""
        for key, n in counts.items():
            self._pending[key] = self._pending.get(key, 0) + n
