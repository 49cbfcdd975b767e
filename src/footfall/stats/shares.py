"""What a share metric (percentage, conversion rates) divides by: the visitors of a
baseline query, per group or in all (metrics.ShareOf)."""

from __future__ import annotations

import dataclasses

from footfall.stats.metrics import TABLE, ShareOf
from footfall.stats.query import MAX_ROWS_PER_PAGE, StatsQuery, mentions_goal


def _without_goals(q: StatsQuery, keep_dimensions: bool) -> StatsQuery:
    """The same question asked of every visitor, not only converted ones."""
    dims = tuple(d for d in q.dimensions if d != "event:goal") if keep_dimensions else ()
    filters = tuple(f for f in q.filters if not mentions_goal(f))
    return dataclasses.replace(q, dimensions=dims, filters=filters)


def baseline(q: StatsQuery, share_of: ShareOf) -> StatsQuery:
    """The visitors query whose counts a share of ``q`` divides by."""
    if share_of == "total":
        base = dataclasses.replace(q, dimensions=())
    else:
        base = _without_goals(q, keep_dimensions=share_of == "group")
    return dataclasses.replace(
        base, metrics=("visitors",), order_by=(), limit=MAX_ROWS_PER_PAGE, offset=0, comparison=None
    )


def group_positions(q: StatsQuery) -> list[int]:
    """The positions of ``q``'s dimensions a "group" baseline keeps, in its order."""
    return [i for i, d in enumerate(q.dimensions) if d != "event:goal"]


def needed(q: StatsQuery) -> list[ShareOf]:
    """The baselines ``q`` needs, each once, in the order of its metrics."""
    found: list[ShareOf] = []
    for m in q.metrics:
        share_of = TABLE[m].share_of
        if share_of is not None and share_of not in found:
            found.append(share_of)
    return found
