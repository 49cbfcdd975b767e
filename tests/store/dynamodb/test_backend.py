"""The DynamoDB backend's own promises, against moto_server (scripts/services/moto.sh):
a batch counts once however it is retried, items DynamoDB leaves unprocessed are sent
again, and an unreachable DynamoDB is a 503 that loses nothing acknowledged.

Faults are made with botocore's own event hooks (the SDK's extension points, as a
throttled DynamoDB shows itself to it) or by cutting the network path to moto.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from footfall.config import load_settings
from footfall.domain import Event, Site
from footfall.errors import ConfigError, StoreUnavailable
from footfall.stats import runner
from footfall.stats.query import parse
from footfall.store import dynamodb
from footfall.store.dynamodb import DynamoDBStore
from footfall.store.registry import Options, open_backend
from footfall.visits import split
from footfall.web.app import create_app
from tests.backends import AWS_ENDPOINT, fresh_table_url
from tests.store.contract.test_events import T0 as DAY0
from tests.store.contract.test_events import expected, traffic
from tests.support import CHROME_UA


@pytest.fixture(autouse=True)
def _moto_server() -> None:
    """These tests need moto_server: missing, they fail (``make test`` starts it)."""
    assert AWS_ENDPOINT, "FOOTFALL_TEST_AWS_ENDPOINT is not set: run under `make test`"


T0 = datetime(2026, 3, 10, 23, 40, tzinfo=UTC)  # batches cross midnight: two partitions


def events(n: int, site_id: int = 1, seed: int = 1) -> list[Event]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        at = T0 + timedelta(seconds=rng.randint(0, 3600))
        out.append(Event(site_id, at, "pageview", "a.com", f"/{i % 7}", rng.randint(1, 9), 0))
    return out


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DynamoDBStore]:
    opened = open_backend(fresh_table_url(tmp_path), Options(cache_dir=str(tmp_path)))
    assert isinstance(opened, DynamoDBStore)
    opened.add_site("a.com", "UTC", "u1")
    yield opened
    opened.close()


def fail_call(store: DynamoDBStore, operation: str, after: int = 0) -> Callable[[], None]:
    """Make the calls of ``operation`` after the first ``after`` answer 500 (as an
    overloaded DynamoDB does), through botocore's before-call hook; returns the undo."""
    calls = [0]

    def handler(**_: Any) -> tuple[Any, dict[str, Any]] | None:
        calls[0] += 1
        if calls[0] <= after:
            return None
        error = {"Error": {"Code": "InternalServerError", "Message": "injected"}}
        return _Http(500), {**error, "ResponseMetadata": {"HTTPStatusCode": 500}}

    event, hook = f"before-call.dynamodb.{operation}", cast(Callable[..., None], handler)
    store.table.client.meta.events.register(event, hook)
    return lambda: store.table.client.meta.events.unregister(event, hook)


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""


def test_a_batch_failing_at_commit_counts_nothing_and_its_retry_counts_once(
    store: DynamoDBStore,
) -> None:
    batch = events(120)
    heal = fail_call(store, "TransactWriteItems")
    with pytest.raises(StoreUnavailable) as failed:
        store.write_events(batch)
    assert failed.value.status == 503
    assert store.count_events(1) == 0  # its items are stored, but not committed
    heal()
    store.write_events(batch)  # the client's retry
    store.write_events(batch)  # and a duplicate delivery counts as what it is: more events
    assert store.count_events(1) == 240


def test_a_batch_failing_half_way_through_its_items_counts_once_when_retried(
    store: DynamoDBStore,
) -> None:
    batch = events(300, seed=2)
    heal = fail_call(store, "BatchWriteItem", after=3)  # 75 items in, then DynamoDB errs
    with pytest.raises(StoreUnavailable):
        store.write_events(batch)
    assert store.count_events(1) == 0
    heal()
    store.write_events(batch)
    assert store.count_events(1) == 300
    rows = store.fetch_events(1, limit=1000)
    assert sorted((r["timestamp"], r["pathname"]) for r in rows) == sorted(
        (e.timestamp, e.pathname) for e in batch
    )
    assert len({r["session_id"] for r in rows}) == len(split(batch))


def lose_answers(store: DynamoDBStore, operation: str, times: int = 1) -> list[int]:
    """The first ``times`` answers to ``operation`` are lost after DynamoDB applied the
    call, as after a read timeout: botocore's needs-retry hook (asked before its own
    retry policy) sends the same request again. Returns the attempts seen."""
    attempts: list[int] = []

    def retry(attempts_so_far: int = 0, **_: Any) -> int | None:
        attempts.append(attempts_so_far)
        return 0 if len(attempts) <= times else None

    hook = cast(Callable[..., None], retry)
    store.table.client.meta.events.register(f"needs-retry.dynamodb.{operation}", hook)
    return attempts


def test_a_drop_tally_counts_once_when_its_answer_is_lost(store: DynamoDBStore) -> None:
    site = store.add_site("b.com", "UTC", "u2")
    store.add_drops({(site.id, "ip_excluded"): 3, (site.id, "bot_user_agent"): 1})
    attempts = lose_answers(store, "TransactWriteItems", times=2)
    store.add_drops({(site.id, "ip_excluded"): 2})
    assert len(attempts) == 3  # sent three times, applied once
    assert store.site_drops(site.id) == {"ip_excluded": 5, "bot_user_agent": 1}


def test_a_batch_whose_commit_answer_is_lost_counts_once(store: DynamoDBStore) -> None:
    batch = events(80, seed=3)
    attempts = lose_answers(store, "TransactWriteItems")
    store.write_events(batch)
    assert len(attempts) >= 2
    assert store.count_events(1) == 80


def withhold(store: DynamoDBStore, calls: int) -> list[int]:
    """For the first ``calls`` BatchWriteItem calls, DynamoDB takes only the first item
    of the request and hands the rest back as UnprocessedItems, as a throttled table
    does: botocore's before-parameter-build hook removes them from the request, the
    after-call hook returns them in the response."""
    held: dict[str, list[Any]] = {}
    sent: list[int] = []

    def before(params: dict[str, Any], **_: Any) -> None:
        [(name, requests)] = params["RequestItems"].items()
        sent.append(len(requests))
        if len(sent) <= calls:
            params["RequestItems"] = {name: requests[:1]}
            if len(requests) > 1:
                held[name] = requests[1:]

    def after(parsed: dict[str, Any], **_: Any) -> None:
        parsed["UnprocessedItems"] = dict(held)
        held.clear()

    hooks = store.table.client.meta.events
    hooks.register("before-parameter-build.dynamodb.BatchWriteItem", before)
    hooks.register("after-call.dynamodb.BatchWriteItem", after)
    return sent


def test_unprocessed_items_are_sent_again_until_stored(store: DynamoDBStore) -> None:
    batch = events(30, seed=3)
    sent = withhold(store, calls=4)
    store.write_events(batch)
    assert sent[:2] == [25, 24]  # the first chunk, then what DynamoDB handed back
    assert store.count_events(1) == 30


def test_items_left_unprocessed_after_every_retry_are_a_503_and_count_nothing(
    store: DynamoDBStore,
) -> None:
    withhold(store, calls=10_000)
    with pytest.raises(StoreUnavailable, match="unprocessed"):
        store.write_events(events(10, seed=4))
    assert store.count_events(1) == 0


class Cable:
    """A TCP path to moto_server that can be cut and joined again: DynamoDB unreachable."""

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("http://").split(":")
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                s.close()

    def cut(self) -> None:
        self.open = False
        for s in self.conns:
            s.close()
        self.conns = []

    def join(self) -> None:
        self.open = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def test_unreachable_dynamodb_is_a_503_and_loses_nothing_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cable = Cable(AWS_ENDPOINT)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{cable.port}")
    store = dynamodb.open_backend(fresh_table_url(tmp_path), Options(cache_dir=str(tmp_path)))
    try:
        site = store.add_site("a.com", "UTC", "u1")
        acknowledged = events(60, seed=5)
        store.write_events(acknowledged)
        cable.cut()
        with pytest.raises(StoreUnavailable) as down:
            store.write_events(events(40, seed=6))
        assert down.value.status == 503 and down.value.retry_after >= 1
        with pytest.raises(StoreUnavailable):
            store.ping()
        with pytest.raises(StoreUnavailable):
            store.count_events(site.id)
        cable.join()
        store.ping()
        assert store.count_events(site.id) == 60
        store.write_events(events(40, seed=6))  # the retry of the refused batch
        assert store.count_events(site.id) == 100
    finally:
        store.close()
        cable.close()


def answer(store: DynamoDBStore, site: Site, now: datetime) -> dict[str, float]:
    metrics = ["visitors", "visits", "pageviews", "events", "bounce_rate", "visit_duration"]
    body = {"site_id": site.domain, "metrics": metrics, "date_range": "day"}
    q = parse(body, now, site.timezone, now.date() - timedelta(days=3))
    [row] = runner.run(store, q, site, [])["results"]
    return dict(zip(metrics, row["metrics"], strict=True))


@settings(max_examples=10, deadline=None)
@given(events=traffic(), rng=st.randoms(use_true_random=False))
def test_a_kept_frame_catches_up_to_the_rule_after_every_batch(
    events: list[Event], rng: random.Random
) -> None:
    """Reads between writes keep one frame of today and apply each new batch to it
    (the incremental path); its answers are the rule's after every batch, and after a
    delete (which rebuilds it)."""
    now = datetime.now(UTC).replace(hour=23, minute=59)
    shift = now.replace(hour=0, minute=0, second=0, microsecond=0) - DAY0.replace(hour=0)
    today = [dataclasses.replace(e, timestamp=e.timestamp + shift) for e in events]
    today = [e for e in today if e.timestamp < now]
    with tempfile.TemporaryDirectory() as tmp:
        store = dynamodb.open_backend(fresh_table_url(Path(tmp)), Options(cache_dir=tmp))
        try:
            site = store.add_site("example.com", "UTC", "u1")
            sent: list[Event] = []
            shuffled = rng.sample(today, len(today))
            while shuffled:
                size = rng.randint(1, len(shuffled))
                store.write_events(shuffled[:size])
                sent += shuffled[:size]
                shuffled = shuffled[size:]
                assert answer(store, site, now) == expected(split(sent), sent)
            if sent:
                cut = min(e.timestamp for e in sent) + timedelta(minutes=20)
                store.delete_events(site.id, end=cut)
                left = [e for e in sent if e.timestamp >= cut]
                assert answer(store, site, now) == expected(split(left), left)
        finally:
            store.close()


def test_two_replicas_writing_shuffled_batches_at_once_agree_with_the_rule(
    tmp_path: Path,
) -> None:
    """Two processes' stores on one table (replicas behind a load balancer), each
    writing random batches of the same traffic from its own threads at once. A batch
    refused with 503 is sent again, as clients do (moto_server, copying the table at
    each transaction, fails some of them when they overlap): each counts once."""
    url = fresh_table_url(tmp_path)
    stores = [
        cast(DynamoDBStore, open_backend(url, Options(cache_dir=str(tmp_path / str(i)))))
        for i in range(2)
    ]
    try:
        a, b = stores
        site = a.add_site("a.com", "UTC", "u1")
        traffic_ = events(400, site.id, seed=7)
        rng = random.Random(7)
        shuffled = rng.sample(traffic_, len(traffic_))
        batches = []
        while shuffled:
            size = rng.randint(1, 40)
            batches.append(shuffled[:size])
            shuffled = shuffled[size:]

        def writer(i: int) -> None:  # a quarter of the batches, alternating replicas
            for n, batch in enumerate(batches[i::4]):
                for attempt in itertools.count(n):
                    try:
                        stores[(i + attempt) % 2].write_events(batch)
                        break
                    except StoreUnavailable:
                        continue

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for store in (a, b):
            rows = store.fetch_events(site.id, limit=10_000)
            assert len(rows) == 400
            by_session: dict[object, list[datetime]] = {}
            for r in rows:
                by_session.setdefault(r["session_id"], []).append(cast(datetime, r["timestamp"]))
            spans = sorted((min(t), max(t), len(t)) for t in by_session.values())
            assert spans == sorted((v.started_at, v.ended_at, v.events) for v in split(traffic_))
    finally:
        for store in stores:
            store.close()


def test_an_app_on_unreachable_dynamodb_answers_503_with_retry_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the HTTP edge: ingest while DynamoDB is cut off is a 503 with Retry-After
    (never a 2xx), /ready fails; joined again, the same request is stored once."""
    cable = Cable(AWS_ENDPOINT)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{cable.port}")
    settings = load_settings(
        database_url=fresh_table_url(tmp_path),
        cache_dir=str(tmp_path / "cache"),
        secret_key="Jq7vX2mRk9LpZ4wT8nBc3HsY6dFg1QeA5uWo0iKt",
        admin_token="Vb8nM3xQ7rT2kL9pW4zH6cJ1sD5fG0yUaEiOq8Rw",
    )
    body = b'{"n":"pageview","u":"https://a.com/x","d":"a.com"}'
    headers = {"content-type": "text/plain", "user-agent": CHROME_UA}
    try:
        with TestClient(create_app(settings)) as client:
            svc = client.app.state.services  # type: ignore[attr-defined]
            site = svc.stores.catalog.add_site("a.com", "UTC", "u1")
            assert client.post("/api/event", content=body, headers=headers).status_code == 202
            cable.cut()
            refused = client.post("/api/event", content=body, headers=headers)
            assert refused.status_code == 503, refused.text
            assert refused.headers["retry-after"] and refused.json()["error"]
            assert client.get("/ready").status_code == 503
            cable.join()
            assert client.post("/api/event", content=body, headers=headers).status_code == 202
            assert svc.stores.events.count_events(site.id) == 2
    finally:
        cable.close()


@pytest.mark.parametrize(
    ("keys", "index"),
    [
        (("pk", "sk"), ("GSI1", "GSI1PK", "GSI1SK")),  # lower-case keys
        (("PK", "SK"), ("gsi1", "gsi1pk", "gsi1sk")),  # another index
        (("SK", "PK"), ("GSI1", "GSI1PK", "GSI1SK")),  # keys swapped
    ],
)
def test_a_table_made_with_other_keys_is_refused_at_start(
    keys: tuple[str, str], index: tuple[str, str, str], tmp_path: Path
) -> None:
    """A table someone else created (by hand, by Terraform with other names) is not
    written to: every write would fail. Opening it is a ConfigError naming the keys."""
    import boto3

    name = fresh_table_url(tmp_path).split("//")[1].split("?")[0]
    attributes = [{"AttributeName": a, "AttributeType": "S"} for a in {*keys, *index[1:]}]
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=attributes,  # type: ignore[arg-type]
        KeySchema=[
            {"AttributeName": keys[0], "KeyType": "HASH"},
            {"AttributeName": keys[1], "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index[0],
                "KeySchema": [
                    {"AttributeName": index[1], "KeyType": "HASH"},
                    {"AttributeName": index[2], "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    with pytest.raises(ConfigError, match="Footfall needs keys"):
        open_backend(f"dynamodb://{name}?region=us-east-1", Options(cache_dir=str(tmp_path)))
