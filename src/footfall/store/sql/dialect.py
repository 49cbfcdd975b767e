"""What differs between SQL engines, for the stats builder (``store/sql/builder.py``).

The builder writes standard SQL and asks its ``Dialect`` for every piece engines spell
differently. A new engine subclasses ``Dialect`` in its backend's room and overrides
what it spells otherwise (docs/backends.md, "The SQL builder and its dialects"); the
defaults are PostgreSQL's spelling where it is standard SQL.
"""

from __future__ import annotations

from datetime import datetime


class Dialect:
    name = "standard"
    # The events table holds each pageview's previous pageview of its visit
    # (``prev_pageview_at``, ``prev_page``): the legacy time on page is read from it
    # instead of a window (builder.py, ``_engagement``). The embedded store only.
    previous_pageviews = False

    def placeholder(self, name: str) -> str:
        """A named bound parameter (psycopg's style by default)."""
        return f"%({name})s"

    def timestamp(self, value: datetime) -> object:
        """The value bound for an aware UTC instant compared with stored timestamps
        (aware columns take it as is)."""
        return value

    def seconds_between(self, start: str, end: str) -> str:
        """Whole seconds from ``start`` to ``end``."""
        return f"CAST(EXTRACT(EPOCH FROM ({end}) - ({start})) AS BIGINT)"

    def local_time(self, column: str, offset: str) -> str:
        """``column`` (a UTC instant) as wall-clock time ``offset`` seconds (an integer
        expression) ahead of UTC, still a timestamp that sorts and truncates."""
        return f"(({column}) AT TIME ZONE 'UTC') + ({offset}) * INTERVAL '1 second'"

    def trunc(self, unit: str, expr: str) -> str:
        """``expr`` truncated to ``unit`` (hour, day, week from Monday, month)."""
        return f"date_trunc('{unit}', {expr})"

    def regex_match(self, expr: str, pattern: str) -> str:
        """``expr`` matches the RE2 pattern ``pattern`` anywhere (unanchored)."""
        return f"({expr} ~ {pattern})"

    def prop(self, key: str) -> str:
        """The value of custom property ``key`` (a parameter), '' when absent."""
        return f"coalesce(props ->> {key}, '')"

    def whole_number(self, text: str) -> str:
        """``text`` as a BIGINT when it is a whole number of at most 15 digits, else NULL
        (engagement events stored before ingest kept numbers only)."""
        return f"CASE WHEN {text} ~ '^[0-9]{{1,15}}$' THEN CAST({text} AS BIGINT) END"

    def prop_keys(self, props: str) -> str:
        """A set-returning expression: one row per key of the props column."""
        return f"jsonb_object_keys({props})"

    def count_distinct(self, expr: str) -> str:
        """The exact number of distinct values (never an estimate)."""
        return f"count(DISTINCT {expr})"

    def count_if(self, condition: str) -> str:
        return f"count(*) FILTER (WHERE {condition})"

    def among_ids(self, column: str, ids: str) -> str:
        """``column`` is one of the ids the subquery ``ids`` selects (visits containing
        an event that passes an event filter: a few among the range's)."""
        return f"{column} IN ({ids})"

    def ratio(self, numerator: str, denominator: str, digits: int) -> str:
        """``numerator / denominator`` as a decimal rounded to ``digits`` places."""
        return f"round(CAST({numerator} AS NUMERIC) / {denominator}, {digits})"


class Params:
    """Named parameters (``p0``, ``p1``...) so one expression can appear twice."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.values: dict[str, object] = {}

    def add(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return self.dialect.placeholder(name)

    def time(self, value: datetime) -> str:
        """An aware instant, bound as the dialect compares it with stored timestamps."""
        return self.add(self.dialect.timestamp(value))
