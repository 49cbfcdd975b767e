"""The application's database role: distinct from the administrator (RDS's master user),
with no superuser, role or database rights, made and kept up to date by the
administrator (docs/deploy.md, "The application's database role").

``grant_app_role`` connects as the administrator, applies the migrations (the tables and
the partition functions are the administrator's), then creates the role named in
``FOOTFALL_DATABASE_URL`` or updates it: LOGIN with the password of its secret,
CONNECT and TEMPORARY on the database (the write path's staging tables are
temporary), USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on every table (read-only
on ``schema_version``), the sequences, EXECUTE on the two partition functions
(010_partition_functions.sql), and the same on what later migrations create. The
role owns nothing, so it can neither alter nor drop a table; it adds and drops
monthly partitions only through the functions. Run by ``footfall db grant-app-user``
and by ``footfall serve`` when FOOTFALL_DATABASE_ADMIN_SECRET is set; replicas
starting together are serialised by the migration lock.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from footfall.errors import ConfigError, StoreUnavailable
from footfall.store.postgres.backend import (
    CONNECT_TIMEOUT_SECONDS,
    MIGRATION_LOCK,
    conninfo,
    migrate,
)
from footfall.store.postgres.password import Password, read_secret

log = logging.getLogger(__name__)

FUNCTIONS = ("footfall_create_partition(date)", "footfall_drop_partition(date)")
# The statements after the role exists, in order: {role}, {db}, {schema} are identifiers.
GRANTS = (
    "GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}",
    "GRANT USAGE ON SCHEMA {schema} TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
    "REVOKE INSERT, UPDATE, DELETE ON TABLE {schema}.schema_version FROM {role}",
    "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    "GRANT EXECUTE ON FUNCTION " + ", ".join("{schema}." + f for f in FUNCTIONS) + " TO {role}",
    # Tables later migrations add, and partitions (the functions run as this role).
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
    " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}"
    " GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
)

Q_RIGHTS = (
    "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls"
    " FROM pg_roles WHERE rolname = %s"
)


def admin_credentials(secret_id: str, client: Any = None) -> tuple[str, str]:
    """(username, password) of a JSON secret holding both, as RDS's managed master
    secret does (FOOTFALL_DATABASE_ADMIN_SECRET)."""
    value = read_secret(secret_id, "FOOTFALL_DATABASE_ADMIN_SECRET", client)
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not (
        isinstance(parsed, dict)
        and isinstance(parsed.get("username"), str)
        and isinstance(parsed.get("password"), str)
    ):
        raise ConfigError(
            "FOOTFALL_DATABASE_ADMIN_SECRET: expected a JSON secret with username and "
            "password (as RDS's managed master secret)"
        )
    return parsed["username"], parsed["password"]


def grant_app_role(url: str, password: Password, admin: tuple[str, str]) -> str:
    """Migrate as ``admin`` (username, password), then make the role of ``url`` the
    application role with ``password``'s current value; its name."""
    parts = urlsplit(conninfo(url))
    role = parts.username
    admin_user, admin_password = admin
    if not role:
        raise ConfigError("FOOTFALL_DATABASE_URL names no user: the application role")
    if role == admin_user:
        raise ConfigError(
            f"FOOTFALL_DATABASE_URL connects as {role!r}, the administrator of "
            "FOOTFALL_DATABASE_ADMIN_SECRET: name the application role instead"
        )
    app_password = password.current()
    if not app_password:
        raise ConfigError(
            "the application role needs a password: set FOOTFALL_DATABASE_PASSWORD_SECRET"
            " (or FOOTFALL_DATABASE_PASSWORD)"
        )
    host = parts.netloc.rpartition("@")[2]
    admin_url = urlunsplit(parts._replace(netloc=f"{quote(admin_user, safe='')}@{host}"))
    try:
        with psycopg.connect(
            admin_url,
            password=admin_password,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            options="-c TimeZone=UTC",
        ) as conn:
            migrate(conn)
            conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
            with conn.transaction():
                _make_role(conn, role, app_password)
            conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(f"the database is unavailable to its administrator: {exc}") from exc
    except psycopg.Error as exc:
        raise ConfigError(f"cannot set up the application role {role!r}: {exc}") from exc
    log.info("database role %s: application rights granted", role)
    return role


def _make_role(conn: psycopg.Connection[Any], role: str, password: str) -> None:
    # The password goes over as a SCRAM verifier, never in clear text (statement logs).
    verifier = conn.pgconn.encrypt_password(
        password.encode(), role.encode(), b"scram-sha-256"
    ).decode()
    found = conn.execute(Q_RIGHTS, [role]).fetchone()
    if found is None:
        statement = "CREATE ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
    elif any(found):
        # Taking rights away needs more than RDS's master has (superuser, PostgreSQL 15).
        raise ConfigError(
            f"the database role {role!r} exists with superuser, role, database, "
            "replication or row-security rights: not an application role; name another"
        )
    else:
        statement = "ALTER ROLE {} WITH LOGIN PASSWORD {}"
    conn.execute(sql.SQL(statement).format(sql.Identifier(role), sql.Literal(verifier)))
    row = conn.execute("SELECT current_database(), current_schema()").fetchone()
    assert row is not None
    names = {
        "role": sql.Identifier(role),
        "db": sql.Identifier(row[0]),
        "schema": sql.Identifier(row[1]),
    }
    for statement in GRANTS:
        conn.execute(sql.SQL(statement).format(**names))
