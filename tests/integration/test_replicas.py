"""Two `footfall serve` processes on one PostgreSQL and one Redis, as the prod stack runs
them behind its load balancer: traffic alternating between them event by event gives
the answers of the conformance oracle (so of one replica), and a replica SIGKILLed
mid-load loses nothing it acknowledged. The CLI works on the database directly while
they run. Needs `make test`'s PostgreSQL and Redis."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.accounts.helpers import HTML, csrf
from tests.backends import POSTGRES_URL, fresh_postgres
from tests.chaos.conftest import Deployment
from tests.chaos.load import Load
from tests.conformance.cases import CASES, SEED
from tests.conformance.traffic import generate
from tests.integration.conftest import Server, free_port

REDIS_URL = os.environ.get("FOOTFALL_TEST_REDIS_URL", "")


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[Server, Server, str]]:
    """Two servers (own working directories, own ports) on one fresh database; a site
    and an ingest+stats key made by the CLI on the database directly."""
    assert POSTGRES_URL and REDIS_URL, "run under `make test` (PostgreSQL and Redis)"
    with redis.Redis.from_url(REDIS_URL) as fresh:
        fresh.flushdb()  # as the database is new: no limits counted by earlier runs
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    env |= {
        "FOOTFALL_DATABASE_URL": fresh_postgres(tmp_path),
        "FOOTFALL_REDIS_URL": REDIS_URL,
        "FOOTFALL_LOG_LEVEL": "WARNING",
        "FOOTFALL_SECRET_KEY": "replica-signing-Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1",
        "FOOTFALL_ADMIN_TOKEN": "replica-admin-Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0",
    }
    servers = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        servers.append(Server(tmp_path / name, free_port(), dict(env)))
    starting = [threading.Thread(target=s.start) for s in servers]
    for t in starting:
        t.start()
    for t in starting:
        t.join()
    assert all(s.proc is not None and s.proc.poll() is None for s in servers)
    # While both run: the CLI opens PostgreSQL itself (no server.json detour).
    assert servers[0].cli("site", "add", "example.com").returncode == 0
    made = servers[1].cli(
        "key", "create", "--site", "example.com", "--scopes", "ingest,stats", "--json"
    )
    assert made.returncode == 0, made.stderr
    yield servers[0], servers[1], json.loads(made.stdout)["key"]
    for server in servers:
        if server.proc is not None:
            server.stop(signal.SIGKILL)


def query(server: Server, key: str, body: dict[str, Any]) -> Any:
    r = httpx.post(
        f"{server.url}/api/v2/query", json=body, headers={"authorization": f"Bearer {key}"}
    )
    assert r.status_code == 200, r.text
    return r.json()["results"]


def test_traffic_alternating_between_replicas_gives_one_replica_s_answers(
    replicas: tuple[Server, Server, str],
) -> None:
    one, two, key = replicas
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    traffic = generate(SEED, 2, end=yesterday, site="example.com")
    items = [e.to_json() for e in traffic.events]
    failures: list[str] = []

    def send(worker: int, workers: int) -> None:
        # Event i goes to replica i % 2: one visitor's events reach both, concurrently.
        with httpx.Client(timeout=30, headers={"x-api-key": key}) as http:
            for i in range(worker, len(items), workers):
                server = (one, two)[i % 2]
                r = http.post(f"{server.url}/api/v1/track/batch", json={"events": [items[i]]})
                if r.status_code != 202 or r.json()["failed"]:
                    failures.append(r.text)

    threads = [threading.Thread(target=send, args=(w, 8)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sum(len(case.expected(traffic)) for case in CASES) > 50  # answers with content
    for case in CASES:
        body = case.query(traffic)
        expected = case.expected(traffic)
        assert query(one, key, body) == expected, case.name
        assert query(two, key, body) == expected, case.name


def test_a_replica_killed_mid_load_loses_nothing_acknowledged(
    replicas: tuple[Server, Server, str],
) -> None:
    one, two, key = replicas
    loads = [Load(one.url, key, tag="one"), Load(two.url, key, tag="two")]
    # Requests in flight to the killed replica fail on the client: expected.
    with (
        loads[0].running(singles=2, batchers=2),
        contextlib.suppress(httpx.HTTPError),
        loads[1].running(singles=2, batchers=2),
    ):
        time.sleep(1.5)  # let both take load; the kill lands amid commits
        two.stop(signal.SIGKILL)
        time.sleep(0.5)  # the survivor goes on alone
    stored = Deployment(one, key).stored_paths()
    acked = [path for load in loads for path in load.acked]
    assert len([p for p in acked if p.startswith("/two/")]) > 50, (
        "the killed replica took too little"
    )
    missing = set(acked) - set(stored)
    print(f"\nkill -9 of one replica of two: acknowledged {len(acked)}, stored {len(stored)}")
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"
    assert len(stored) == len(set(stored)), "an event was stored twice"


def test_the_login_limit_holds_across_replicas(replicas: tuple[Server, Server, str]) -> None:
    one, two, _ = replicas
    password = "correct horse battery staple"
    made = one.cli(
        "user", "add", "owner@example.com", "--role", "owner", "--password-stdin", stdin=password
    )
    assert made.returncode == 0, made.stderr
    clients = [httpx.Client(base_url=s.url, headers=HTML, timeout=30) for s in (one, two)]

    def attempt(client: httpx.Client, guess: str) -> httpx.Response:
        token = csrf(client.get("/login").text)
        form = {"email": "owner@example.com", "password": guess, "csrf_token": token}
        return client.post("/login", data=form, follow_redirects=False)

    try:
        for n in range(5):  # PER_PAIR failures, alternating replicas
            assert attempt(clients[n % 2], "wrong guess").status_code == 401
        for client in clients:  # locked out on both, even with the password
            r = attempt(client, password)
            assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    finally:
        for client in clients:
            client.close()


def test_shields_set_by_the_cli_apply_on_every_replica_at_once(
    replicas: tuple[Server, Server, str],
) -> None:
    """The CLI changes the shields on the database and announces it through Redis: both
    replicas drop by the new rule at their next event (not after their cache's 5 s),
    and the site's drop tally adds up what each replica dropped."""
    one, two, _ = replicas
    body = {"n": "pageview", "u": "https://example.com/", "d": "example.com"}
    headers = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36"}

    def dropped(server: Server) -> str:
        r = httpx.post(f"{server.url}/api/event", json=body, headers=headers)
        assert r.status_code == 202
        return str(r.headers.get("x-footfall-dropped", ""))

    assert dropped(one) == dropped(two) == ""  # both have the site cached, unshielded
    added = one.cli("shield", "add", "--site", "example.com", "ip", "127.0.0.0/8")
    assert added.returncode == 0, added.stderr
    assert [dropped(one), dropped(two), dropped(two)] == ["ip_excluded"] * 3
    admin = {"authorization": f"Bearer {one.env['FOOTFALL_ADMIN_TOKEN']}"}
    for server in (one, two):  # each adds its own tally as it shows them
        r = httpx.get(f"{server.url}/api/v1/sites/example.com/shields", headers=admin)
        assert r.status_code == 200, r.text
    assert r.json()["ips"] == ["127.0.0.0/8"]
    assert r.json()["dropped"]["ip_excluded"] == 3
    listed = two.cli("shield", "list", "--site", "example.com", "--json")
    assert json.loads(listed.stdout)["dropped"]["ip_excluded"] == 3
    removed = two.cli("shield", "remove", "--site", "example.com", "ip", "127.0.0.0/8")
    assert removed.returncode == 0, removed.stderr
    assert dropped(one) == dropped(two) == ""
