"""The application's database role (store/postgres/roles.py): an administrator as RDS's
master (LOGIN, CREATEROLE, owner of the database, no superuser; its password in a JSON
secret) migrates and makes the application role from its own secret; a store connected
as that role ingests, answers stats, makes and drops monthly partitions, finds the
migrations done, may not change the schema, and follows a rotation of its password.

Against the test PostgreSQL (both roles must give their passwords:
scripts/services/postgres.sh) and moto's Secrets Manager (scripts/services/moto.sh).
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import psycopg
import pytest
from typer.testing import CliRunner

from footfall.cli import app
from footfall.config import load_settings
from footfall.errors import ConfigError, StoreUnavailable
from footfall.store.postgres.backend import MIGRATIONS, PostgresStore
from footfall.store.postgres.password import SecretPassword
from footfall.store.postgres.roles import admin_credentials, grant_app_role
from footfall.store.registry import Stores
from tests.backends import AWS_ENDPOINT, POSTGRES_URL, _on_database, use_moto
from tests.store.contract.test_events import T0, aggregate, ev
from tests.store.postgres.test_backend import admin, wait_until

ADMIN, APP = "footfall_admin", "footfall_app"  # scram-sha-256 in scripts/services/postgres.sh


def admin_owned_database() -> tuple[str, str]:
    """A new database owned by ADMIN, made as RDS makes its master (CREATEROLE, no
    superuser): (ADMIN's URL, its password)."""
    assert POSTGRES_URL, "FOOTFALL_TEST_POSTGRES_URL is not set: run under `make test`"
    password = secrets.token_urlsafe(24)
    admin(
        f"DO $$ BEGIN CREATE ROLE {ADMIN} LOGIN CREATEROLE;"
        " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                psycopg.sql.Identifier(ADMIN), psycopg.sql.Literal(password)
            )
        )
    name = f"footfall_role_{uuid.uuid4().hex[:10]}"
    admin(f'CREATE DATABASE "{name}" OWNER {ADMIN}')
    return _on_database(POSTGRES_URL, name).replace("//footfall@", f"//{ADMIN}@"), password


def secret(username: str, password: str) -> str:
    """A JSON secret as RDS writes them; its ARN in moto."""
    use_moto()
    value = json.dumps({"username": username, "password": password, "engine": "postgres"})
    arn: str = boto3.client("secretsmanager").create_secret(
        Name=f"footfall-{uuid.uuid4()}", SecretString=value
    )["ARN"]
    return arn


def put_secret(arn: str, username: str, password: str) -> None:
    value = json.dumps({"username": username, "password": password, "engine": "postgres"})
    boto3.client("secretsmanager").put_secret_value(SecretId=arn, SecretString=value)


@pytest.fixture
def setup() -> tuple[str, str, tuple[str, str]]:
    """(the application's URL, its secret, the administrator's credentials), the role
    made by grant_app_role."""
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"
    admin_url, admin_password = admin_owned_database()
    credentials = admin_credentials(secret(ADMIN, admin_password))
    app_url = admin_url.replace(f"//{ADMIN}@", f"//{APP}@")
    app_secret = secret(APP, secrets.token_urlsafe(24))
    assert grant_app_role(app_url, SecretPassword(app_secret), credentials) == APP
    return app_url, app_secret, credentials


def partitions(store: PostgresStore) -> set[str]:
    query = "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    return {str(r[0]) for r in store.read(query, {})}


def as_app(url: str, password: str, statement: str) -> None:
    with psycopg.connect(url, password=password, autocommit=True) as conn:
        conn.execute(statement.encode())


def test_the_application_role_serves_and_may_not_change_the_schema(
    setup: tuple[str, str, tuple[str, str]],
) -> None:
    url, app_secret, credentials = setup
    password = SecretPassword(app_secret)
    rights = admin(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls"
        " FROM pg_roles WHERE rolname = %s",
        (APP,),
    )
    assert rights == [(False, False, False, False, False)]
    store = PostgresStore(url, password)  # migrations: nothing to do, nothing changed
    try:
        site = store.add_site("example.com", "UTC", "u1")
        # Three months, two of them without a partition yet: made through the function.
        old = datetime(2025, 1, 15, 9, tzinfo=UTC)
        at = [old, old + timedelta(days=31), T0]
        store.write_events([ev(site.id, t, "/", n) for n, t in enumerate(at, start=1)])
        assert store.count_events(site.id) == 3
        assert aggregate(Stores.on(store), site)["pageviews"] == 1  # from T0 on
        months = partitions(store)
        assert {"events_p202501", "events_p202502"} <= months
        # Retention drops the emptied months, again through the function.
        store.delete_events(site.id, None, datetime(2025, 3, 1, tzinfo=UTC))
        assert not {"events_p202501", "events_p202502"} & partitions(store)
        assert store.count_events(site.id) == 1
    finally:
        store.close()
    # No DDL of its own: it owns nothing and may create nothing.
    current = password.current()
    for statement in (
        "CREATE TABLE intruder (x int)",
        "DROP TABLE events",
        "ALTER TABLE sites ADD COLUMN x int",
        "INSERT INTO schema_version VALUES (99)",
        "CREATE TABLE events_p209901 PARTITION OF events FOR VALUES FROM"
        " ('2099-01-01') TO ('2099-02-01')",
        "CREATE ROLE another",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_app(url, current, statement)
    with psycopg.connect(url, password=current) as conn:
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    assert row == (len(MIGRATIONS),)
    # Granting again (every server start with the admin secret) changes nothing.
    assert grant_app_role(url, password, credentials) == APP


def test_a_rotated_application_password_reaches_a_running_store(
    setup: tuple[str, str, tuple[str, str]],
) -> None:
    url, app_secret, credentials = setup
    store = PostgresStore(url, SecretPassword(app_secret))
    try:
        site = store.add_site("example.com", "UTC", "u1")
        now = datetime.now(UTC) - timedelta(minutes=5)
        store.write_events([ev(site.id, now, "/", 1)])
        # Rotation as the single-user scheme does it: the secret, then the role (here by
        # granting again, as the next start with the admin secret does); sessions end.
        rotated = secrets.token_urlsafe(24)
        put_secret(app_secret, APP, rotated)
        grant_app_role(url, SecretPassword(app_secret), credentials)
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (APP,))

        def writes() -> bool:
            try:
                store.write_events([ev(site.id, now, "/after", 2)])
            except StoreUnavailable:
                return False
            return True

        wait_until(writes, "a write after the rotation")
        assert store.count_events(site.id) == 2
    finally:
        store.close()


def test_refusals_are_sentences(setup: tuple[str, str, tuple[str, str]]) -> None:
    url, app_secret, credentials = setup
    with pytest.raises(ConfigError, match="administrator"):
        grant_app_role(
            url.replace(f"//{APP}@", f"//{ADMIN}@"), SecretPassword(app_secret), credentials
        )
    with pytest.raises(ConfigError, match="username and password"):
        admin_credentials(_plain_secret())
    # A role with more rights than an application's is not taken over.
    with pytest.raises(ConfigError, match="not an application role"):
        grant_app_role(
            url.replace(f"//{APP}@", "//footfall@"), SecretPassword(app_secret), credentials
        )


def _plain_secret() -> str:
    arn: str = boto3.client("secretsmanager").create_secret(
        Name=f"footfall-{uuid.uuid4()}", SecretString="just-a-password"
    )["ARN"]
    return arn


def test_the_cli_grants_and_refuses_a_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """`footfall db grant-app-user` from a fresh database: the migrations and the role;
    a placeholder password (Terraform's without generate_secrets) is refused."""
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"
    admin_url, admin_password = admin_owned_database()
    app_url = admin_url.replace(f"//{ADMIN}@", f"//{APP}@")
    placeholder = "CHANGE-ME-set-with-aws-secretsmanager-put-secret-value"
    app_secret = secret(APP, placeholder)
    for name, value in {
        "FOOTFALL_DATABASE_URL": app_url,
        "FOOTFALL_DATABASE_PASSWORD_SECRET": app_secret,
        "FOOTFALL_DATABASE_ADMIN_SECRET": secret(ADMIN, admin_password),
    }.items():
        monkeypatch.setenv(name, value)
    refused = CliRunner().invoke(app, ["db", "grant-app-user"])
    assert refused.exit_code == 1 and "placeholder" in refused.output, refused.output
    password = secrets.token_urlsafe(32)
    put_secret(app_secret, APP, password)
    granted = CliRunner().invoke(app, ["db", "grant-app-user"])
    assert granted.exit_code == 0 and f"{APP}: migrated" in granted.output, granted.output
    with psycopg.connect(app_url, password=password) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (
            len(MIGRATIONS),
        )


def test_the_admin_secret_is_for_postgresql_only() -> None:
    with pytest.raises(ConfigError, match="postgresql://"):
        load_settings(
            database_url="dynamodb://t?region=us-east-1",
            database_admin_secret="arn:aws:secretsmanager:us-east-1:1:secret:x",
        )
