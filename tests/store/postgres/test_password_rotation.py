"""A rotated database password reaches running replicas: the password comes from a
Secrets Manager secret (FOOTFALL_DATABASE_PASSWORD_SECRET) and is read again when the
server refuses it, as after RDS rotates its managed secret (every 7 days; ECS injects a
secret only when a task starts).

Against the test PostgreSQL (a role that must give its password, as on RDS:
scripts/services/postgres.sh) and moto's Secrets Manager (scripts/services/moto.sh).
"""

from __future__ import annotations

import json
import secrets
import uuid

import boto3
import psycopg
import pytest

from footfall.config import load_settings
from footfall.errors import ConfigError, StoreUnavailable
from footfall.store.postgres.backend import PostgresStore
from footfall.store.postgres.password import SecretPassword
from footfall.store.registry import open_stores
from tests.backends import AWS_ENDPOINT, POSTGRES_URL, _on_database, use_moto
from tests.store.contract.test_events import ev
from tests.store.postgres.test_backend import T0, admin, wait_until

ROLE = "footfall_rotated"  # scram-sha-256 in scripts/services/postgres.sh


def _secret(password: str) -> str:
    return json.dumps({"username": ROLE, "password": password, "engine": "postgres"})


@pytest.fixture
def owned() -> str:
    """A database owned by ROLE, which must give its password."""
    assert POSTGRES_URL, "FOOTFALL_TEST_POSTGRES_URL is not set: run under `make test`"
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"
    use_moto()
    admin(
        f"DO $$ BEGIN CREATE ROLE {ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    name = f"footfall_rotated_{uuid.uuid4().hex[:10]}"
    admin(f'CREATE DATABASE "{name}" OWNER {ROLE}')
    return _on_database(POSTGRES_URL, name).replace("//footfall@", f"//{ROLE}@")


def _set_role_password(password: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                psycopg.sql.Identifier(ROLE), psycopg.sql.Literal(password)
            )
        )


def test_a_rotated_password_is_read_again_when_refused(owned: str) -> None:
    first, second = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    _set_role_password(first)
    sm = boto3.client("secretsmanager")
    arn = sm.create_secret(Name=f"rds!db-{uuid.uuid4()}", SecretString=_secret(first))["ARN"]
    settings = load_settings(database_url=owned, database_password_secret=arn)
    assert first not in repr(settings.store_options)
    stores = open_stores(settings.database_url, options=settings.store_options)
    try:
        site = stores.catalog.add_site("example.com", "UTC", "u1")
        stores.events.write_events([ev(site.id, T0, "/", 1)])

        # Rotation as RDS does it: the secret and the role change, open sessions end.
        sm.put_secret_value(SecretId=arn, SecretString=_secret(second))
        _set_role_password(second)
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (ROLE,))

        def writes() -> bool:
            try:
                stores.events.write_events([ev(site.id, T0, "/after", 2)])
            except StoreUnavailable:
                return False
            return True

        wait_until(writes, "a write after the rotation")
        assert stores.events.count_events(site.id) == 2
    finally:
        stores.close()
    # A new replica starts with the rotated password too.
    PostgresStore(owned, SecretPassword(arn)).close()


def test_a_wrong_secret_still_fails_with_a_sentence(owned: str) -> None:
    _set_role_password(secrets.token_urlsafe(24))
    sm = boto3.client("secretsmanager")
    arn = sm.create_secret(Name=f"wrong-{uuid.uuid4()}", SecretString="not-the-password")["ARN"]
    with pytest.raises(StoreUnavailable, match="password"):
        PostgresStore(owned, SecretPassword(arn))
    with pytest.raises(ConfigError, match="FOOTFALL_DATABASE_PASSWORD_SECRET: cannot read"):
        SecretPassword(arn + "-missing")


def test_password_and_secret_are_exclusive() -> None:
    with pytest.raises(ConfigError, match="not both"):
        load_settings(
            database_url="postgresql://u@h/db",
            database_password="x",
            database_password_secret="arn:aws:secretsmanager:us-east-1:1:secret:x",
        )
