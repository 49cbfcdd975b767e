"""The shared backend: PostgreSQL 15+ for any number of replicas (backend.py), and
PostgreSQL's SQL dialect (dialect.py); the SQL itself is in store/sql/postgres/."""

from footfall.store.postgres.backend import PostgresStore, open_backend

__all__ = ["PostgresStore", "open_backend"]
