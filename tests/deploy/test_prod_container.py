"""The prod task definition boots: the container environment and secret names come
from Terraform (deploy/terraform/environments/prod, rendered offline by its
``terraform test`` against the mock provider: the ``container_environment`` output of
the applied test state), each secret is given a value, and ``footfall serve`` starts
with exactly those names against the test PostgreSQL and a Redis that demands an AUTH
token, as ElastiCache does. At start it migrates as the master (a role with RDS's
master's rights: CREATEROLE, no superuser) and makes the application role it then
serves as. Then /ready is 200 with both up, an event goes in and a stats answer comes
out; the application role's password is rotated (its secret in moto, then the role)
and the running server writes again.

Only addresses change: RDS and ElastiCache endpoints become the local services (TLS
dropped: ``sslmode=require`` and ``rediss://`` are asserted on the rendered values,
the local services have no certificates), the host becomes loopback and the port a free
one. Needs terraform and the AWS provider mirror (TF_PLUGIN_MIRROR, as
scripts/infra/check.sh), and the services `make test` starts; fails without them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import boto3
import httpx
import psycopg
import pytest

from tests.backends import AWS_ENDPOINT, POSTGRES_URL, use_moto
from tests.deploy.terraform import create_key, workspace
from tests.integration.conftest import Server, free_port
from tests.store.postgres.test_app_role import ADMIN, APP, admin_owned_database, put_secret
from tests.store.postgres.test_backend import admin, wait_until

# Every secret of the task definition, and the value this test gives it.
SECRETS = {
    "FOOTFALL_REDIS_PASSWORD",
    "FOOTFALL_SECRET_KEY",
    "FOOTFALL_ADMIN_TOKEN",
}


def render_prod_container(work: Path) -> dict[str, dict[str, str]]:
    """``{"environment": {name: value}, "secrets": {name: valueFrom}}`` of the prod
    app container, from one offline ``terraform test`` run of the prod environment."""
    terraform, env = workspace(work)
    prod = work / "terraform" / "environments" / "prod"
    for args in (["init", "-backend=false"], ["test", "-json", "-verbose"]):
        done = subprocess.run(
            [terraform, f"-chdir={prod}", *args, "-no-color"], env=env, capture_output=True
        )
        assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if message.get("type") == "test_state":
            rendered: dict[str, dict[str, str]] = message["test_state"]["outputs"][
                "container_environment"
            ]["value"]
            return rendered
    raise AssertionError("terraform test printed no state")


@pytest.fixture(scope="session")
def prod_container(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return render_prod_container(tmp_path_factory.mktemp("terraform"))


@pytest.fixture
def redis_with_token(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A Redis whose default user needs an AUTH token, as ElastiCache's: URL, token."""
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: scripts/services/redis.sh installs it"
    port, token = free_port(), secrets.token_hex(32)
    options = {"port": str(port), "bind": "127.0.0.1", "dir": str(tmp_path), "save": ""}
    options |= {"appendonly": "no", "requirepass": token}
    args = [arg for name, value in options.items() for arg in (f"--{name}", value)]
    proc = subprocess.Popen([server, *args], stdout=subprocess.DEVNULL)
    try:
        yield f"redis://127.0.0.1:{port}/0", token
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def local(url: str, to: str) -> str:
    """``url`` (a prod endpoint) pointed at the local service ``to``: its scheme, user,
    host, port and database; TLS options dropped."""
    prod, here = urlsplit(url), urlsplit(to)
    return urlunsplit((here.scheme, here.netloc, here.path or prod.path, "", ""))


def test_the_prod_task_definition_boots_against_postgresql_and_redis(
    prod_container: dict[str, dict[str, str]],
    redis_with_token: tuple[str, str],
    tmp_path: Path,
) -> None:
    environment, secret_refs = prod_container["environment"], prod_container["secrets"]
    assert sorted(secret_refs) == sorted(SECRETS), "a new secret needs a value in this test"
    database_url, redis_url = (
        environment["FOOTFALL_DATABASE_URL"],
        environment["FOOTFALL_REDIS_URL"],
    )
    assert database_url.startswith("postgresql://") and "sslmode=require" in database_url
    assert redis_url.startswith("rediss://")
    redis_local, token = redis_with_token
    port = free_port()
    # The database passwords: the app reads the application role's secret and the
    # RDS-managed master secret (JSON, as RDS writes them) itself, from moto here.
    for name in ("FOOTFALL_DATABASE_PASSWORD_SECRET", "FOOTFALL_DATABASE_ADMIN_SECRET"):
        assert environment[name].startswith("arn:aws:secretsmanager:"), name
    assert urlsplit(database_url).username == APP
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"
    use_moto()
    master_url, master_password = admin_owned_database()
    sm = boto3.client("secretsmanager")
    master_arn, app_arn = (
        sm.create_secret(
            Name=f"{name}-{uuid.uuid4()}",
            SecretString=json.dumps({"username": user, "password": password}),
        )["ARN"]
        for name, user, password in (
            ("rds!db", ADMIN, master_password),
            ("footfall-db-app", APP, secrets.token_urlsafe(32)),
        )
    )
    env = environment | {
        "FOOTFALL_DATABASE_URL": local(database_url, master_url.replace(ADMIN, APP, 1)),
        "FOOTFALL_DATABASE_PASSWORD_SECRET": app_arn,
        "FOOTFALL_DATABASE_ADMIN_SECRET": master_arn,
        "FOOTFALL_REDIS_URL": local(redis_url, redis_local),
        "FOOTFALL_HOST": "127.0.0.1",
        "FOOTFALL_PORT": str(port),
    }
    env |= {
        "FOOTFALL_REDIS_PASSWORD": token,
        "FOOTFALL_SECRET_KEY": secrets.token_urlsafe(32),
        "FOOTFALL_ADMIN_TOKEN": secrets.token_urlsafe(32),
    }
    assert set(env) == set(environment) | set(secret_refs)
    # Nothing else of this machine's FOOTFALL_* settings leaks in.
    base = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    server = Server(tmp_path, port, base | env)
    server.start(timeout=60)
    try:
        ready = httpx.get(f"{server.url}/ready", timeout=10)
        assert ready.status_code == 200 and ready.json()["redis"] == "ok", ready.text
        assert server.cli("site", "add", "prod.example").returncode == 0
        keys = [create_key(server, "prod.example", scopes) for scopes in ("ingest", "stats")]
        event = {"url": "https://prod.example/pricing", "ip": "203.0.113.9", "user_agent": UA}
        sent = httpx.post(
            f"{server.url}/api/v1/track/batch",
            headers={"x-api-key": keys[0]},
            json={"events": [event | {"timestamp": datetime.now(UTC).isoformat()}]},
        )
        assert sent.status_code == 202 and sent.json()["processed"] == 1, sent.text
        asked = httpx.post(
            f"{server.url}/api/v2/query",
            headers={"authorization": f"Bearer {keys[1]}"},
            json={
                "site_id": "prod.example",
                "metrics": ["visitors", "pageviews"],
                "date_range": "day",
            },
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["results"] == [{"metrics": [1, 1], "dimensions": []}]
        # It serves as the application role: every session on its database is APP's.
        database = urlsplit(master_url).path[1:]
        users = admin(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = %s", (database,)
        )
        assert users == [(APP,)]
        # Rotation: the secret, then the role; the server's sessions end.
        rotated = secrets.token_urlsafe(32)
        put_secret(app_arn, APP, rotated)
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(
                psycopg.sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    psycopg.sql.Identifier(APP), psycopg.sql.Literal(rotated)
                )
            )
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (APP,))

        def writes() -> bool:
            again = httpx.post(
                f"{server.url}/api/v1/track/batch",
                headers={"x-api-key": keys[0]},
                json={"events": [event | {"timestamp": datetime.now(UTC).isoformat()}]},
            )
            return again.status_code == 202 and again.json()["processed"] == 1

        wait_until(writes, "a write after the rotation")
    finally:
        server.stop()


UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
