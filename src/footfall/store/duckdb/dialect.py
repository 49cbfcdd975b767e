"""DuckDB's spelling of the stats builder's pieces (see store/sql/dialect.py).

DuckDB's tables keep timestamps as naive UTC (``TIMESTAMP``): DuckDB converts
``TIMESTAMPTZ`` values to aware datetimes only through pytz, and its time-zone
arithmetic goes through ICU per row. The tz is dropped here, at the edge of the
backend, and nowhere else: the builder hands every backend aware UTC instants.
"""

from __future__ import annotations

from datetime import UTC, datetime

from footfall.store.sql.dialect import Dialect


class DuckDBDialect(Dialect):
    name = "duckdb"

    def placeholder(self, name: str) -> str:
        return f"${name}"

    def timestamp(self, value: datetime) -> object:
        return value.astimezone(UTC).replace(tzinfo=None)

    def seconds_between(self, start: str, end: str) -> str:
        return f"date_diff('second', {start}, {end})"

    def local_time(self, column: str, offset: str) -> str:
        # Plain arithmetic on the naive UTC column: a per-row ICU conversion made a
        # 1M-event timeseries take ~0.5 s.
        return f"{column} + to_seconds(({offset})::BIGINT)"

    def regex_match(self, expr: str, pattern: str) -> str:
        return f"regexp_matches({expr}, {pattern})"  # RE2, linear time

    def prop(self, key: str) -> str:
        return f"coalesce(props[{key}], '')"

    def whole_number(self, text: str) -> str:
        return f"TRY_CAST({text} AS BIGINT)"  # NULL for anything else

    def prop_keys(self, props: str) -> str:
        return f"unnest(map_keys({props}))"

    def ratio(self, numerator: str, denominator: str, digits: int) -> str:
        return f"round({numerator} / {denominator}, {digits})"


class EmbeddedDialect(DuckDBDialect):
    """The embedded store's: its events keep their previous pageview (migration 013).
    DynamoDB's frames are DuckDB stores too but answer with ``DUCKDB``: a day cached
    before that migration has no such columns."""

    previous_pageviews = True


DUCKDB = DuckDBDialect()
EMBEDDED = EmbeddedDialect()
