"""PostgreSQL's spelling of the stats builder's pieces (see store/sql/dialect.py).

The defaults are PostgreSQL's already; what differs is where DuckDB's answers are the
contract: whole seconds are counted as clock seconds passed (DuckDB's ``date_diff``,
footfall/visits.py ``duration``), not a rounded interval; time buckets are naive
local times; custom property values sort by bytes like every text column of the
schema (``COLLATE "C"``).
"""

from __future__ import annotations

from footfall.store.sql.dialect import Dialect


class PostgresDialect(Dialect):
    name = "postgres"

    def seconds_between(self, start: str, end: str) -> str:
        return (
            f"CAST(floor(EXTRACT(EPOCH FROM {end})) - floor(EXTRACT(EPOCH FROM {start})) AS BIGINT)"
        )

    def trunc(self, unit: str, expr: str) -> str:
        # Buckets are naive local times. The builder passes a UTC site's column as is
        # (timestamptz): cast to timestamp in the session's zone, UTC on every
        # connection of the store (a naive local time casts to itself).
        return f"date_trunc('{unit}', CAST({expr} AS timestamp))"

    def prop(self, key: str) -> str:
        return f"(coalesce(props ->> {key}, '') COLLATE \"C\")"

    def prop_keys(self, props: str) -> str:
        return f'jsonb_object_keys({props}) COLLATE "C"'


POSTGRES = PostgresDialect()
