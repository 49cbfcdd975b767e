"""The backends a benchmark runs on, beside the embedded default (DuckDB).

``--database-url URL`` (repeatable, or a comma list) adds a backend; ``--postgres``
adds a fresh database on the cluster of FOOTFALL_TEST_POSTGRES_URL, and when that is
unset, runs the whole benchmark again inside a throwaway cluster
(scripts/services/postgres.sh, as ``make test`` does). Every PostgreSQL URL given gets a
fresh database of its own on that server, so runs never share rows; the databases are
left for inspection (the throwaway cluster takes them with it).
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
CLUSTER_URL = "FOOTFALL_TEST_POSTGRES_URL"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        metavar="URL",
        help="another backend to run beside DuckDB (repeatable, or comma-separated)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"also PostgreSQL: ${CLUSTER_URL}'s cluster, or a throwaway one",
    )


def urls(args: argparse.Namespace) -> list[str]:
    """The non-DuckDB backends to run on, each a fresh database (re-executes the
    benchmark inside a throwaway cluster when --postgres has none to use)."""
    given = [u.strip() for arg in args.database_url for u in arg.split(",") if u.strip()]
    if args.postgres:
        cluster = os.environ.get(CLUSTER_URL)
        if not cluster:
            script = ROOT / "scripts" / "services" / "postgres.sh"
            os.execvp("bash", ["bash", str(script), sys.executable, *sys.argv])  # noqa: S606
        given.append(cluster)
    return [fresh_database(u) if is_postgres(u) else u for u in given]


def is_postgres(url: str) -> bool:
    return url.split(":", 1)[0].split("+")[0] in ("postgres", "postgresql")


def fresh_database(url: str) -> str:
    """A new empty database on ``url``'s server; its URL."""
    name = f"footfall_bench_{uuid.uuid4().hex[:12]}"
    password = os.environ.get("FOOTFALL_DATABASE_PASSWORD") or None
    with psycopg.connect(url, autocommit=True, password=password) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def label(url: str) -> str:
    return "PostgreSQL" if is_postgres(url) else url.split(":", 1)[0]
