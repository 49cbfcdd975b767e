"""The one DynamoDB table: created when missing, and the calls the backend makes on it.

Every failure leaves here as a StoreError: StoreUnavailable (503, retry) for what a
later attempt may get past (the endpoint unreachable, throttling, items DynamoDB left
unprocessed after our retries), a plain StoreError for anything else.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from footfall.errors import ConfigError, ConflictError, StoreError, StoreUnavailable
from footfall.store.dynamo.attrs import Item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

log = logging.getLogger(__name__)

# Backoff jitter from a generator of its own: the module-level one belongs to the
# application (and to Hypothesis, which watches it while it draws test data).
_JITTER = random.Random()  # noqa: S311

# Errors a later attempt may get past (AWS's "retryable" codes for DynamoDB).
_TRANSIENT = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
        "LimitExceededException",
        "ResourceNotFoundException",  # the table is being (re)created
    }
)
BATCH_WRITE = 25  # BatchWriteItem's limit
BATCH_GET = 100  # BatchGetItem's limit
TRANSACT = 100  # TransactWriteItems' limit
UNPROCESSED_ATTEMPTS = 8  # then StoreUnavailable: ~2.5 s of backoff in all


def code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def failure(exc: Exception, doing: str) -> StoreError | StoreUnavailable:
    if isinstance(exc, BotoCoreError):
        return StoreUnavailable(f"DynamoDB cannot be reached ({doing}): {exc}")
    if isinstance(exc, ClientError) and (
        code(exc) in _TRANSIENT
        or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
    ):
        return StoreUnavailable(f"DynamoDB is not answering ({doing}): {code(exc)}")
    return StoreError(f"DynamoDB ({doing}): {exc}")


@contextmanager
def mapped(doing: str) -> Iterator[None]:
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise failure(exc, doing) from exc


_KEYS = {"PK": "HASH", "SK": "RANGE"}
_INDEX_KEYS = {"GSI1PK": "HASH", "GSI1SK": "RANGE"}


def _check_schema(name: str, table: Any) -> None:
    """Refuse a table made for something else (e.g. by hand, or by Terraform with other
    names): every write would fail on it. Its keys and GSI1 must be the ones created
    below (deploy/terraform/modules/dynamodb makes the same)."""
    keys = {k["AttributeName"]: k["KeyType"] for k in table.get("KeySchema", [])}
    indexes = {
        i["IndexName"]: {k["AttributeName"]: k["KeyType"] for k in i.get("KeySchema", [])}
        for i in table.get("GlobalSecondaryIndexes", [])
    }
    if keys != _KEYS or indexes.get("GSI1") != _INDEX_KEYS:
        raise ConfigError(
            f"DynamoDB table {name} has keys {keys} and indexes {indexes}; Footfall needs "
            f"keys {_KEYS} and an index GSI1 with keys {_INDEX_KEYS} (docs/backends.md)"
        )


def client(region: str) -> DynamoDBClient:
    """boto3 reads AWS_ENDPOINT_URL(_DYNAMODB) and credentials from the environment
    itself. Few SDK retries: a request waits for the answer, and 503 is an answer."""
    config = Config(
        region_name=region,
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=3,
        read_timeout=10,
        max_pool_connections=32,
    )
    made: DynamoDBClient = boto3.session.Session().client("dynamodb", config=config)
    return made


class Table:
    """Thread-safe (boto3 clients are); one per backend."""

    def __init__(self, name: str, region: str) -> None:
        self.name = name
        self.client = client(region)
        self._sleep: Callable[[float], None] = time.sleep
        self._lock = threading.Lock()

    # schema ------------------------------------------------------------------
    def ensure(self) -> None:
        """Create the table with its index and TTL when missing (on-demand capacity);
        several processes may race to do it: the losers wait for the winner's."""
        with mapped("describing the table"):
            try:
                found = self.client.describe_table(TableName=self.name)["Table"]
            except ClientError as exc:
                if code(exc) != "ResourceNotFoundException":
                    raise
            else:
                _check_schema(self.name, found)
                return
        with mapped("creating the table"):
            try:
                self.client.create_table(
                    TableName=self.name,
                    BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[
                        {"AttributeName": a, "AttributeType": "S"}
                        for a in ("PK", "SK", "GSI1PK", "GSI1SK")
                    ],
                    KeySchema=[
                        {"AttributeName": "PK", "KeyType": "HASH"},
                        {"AttributeName": "SK", "KeyType": "RANGE"},
                    ],
                    GlobalSecondaryIndexes=[
                        {
                            "IndexName": "GSI1",
                            "KeySchema": [
                                {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                                {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                            ],
                            "Projection": {"ProjectionType": "ALL"},
                        }
                    ],
                )
            except ClientError as exc:
                if code(exc) != "ResourceInUseException":
                    raise
            self.client.get_waiter("table_exists").wait(
                TableName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
            )
            try:
                self.client.update_time_to_live(
                    TableName=self.name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"},
                )
            except ClientError as exc:  # a racing process enabled it first
                if code(exc) != "ValidationException":
                    raise
        log.info("created DynamoDB table %s", self.name)

    def ping(self) -> None:
        with mapped("ping"):
            self.client.describe_table(TableName=self.name)

    # single items --------------------------------------------------------------
    def get(self, pk: str, sk: str) -> Item | None:
        with mapped("GetItem"):
            got = self.client.get_item(
                TableName=self.name, Key={"PK": {"S": pk}, "SK": {"S": sk}}, ConsistentRead=True
            )
        found: Item | None = got.get("Item")
        return found

    def put(self, item: Item, condition: str | None = None, conflict: str = "") -> bool:
        """Put ``item``; with ``condition``, False when it does not hold (or
        ConflictError(conflict) when ``conflict`` is given)."""
        args: dict[str, Any] = {"TableName": self.name, "Item": item}
        if condition:
            args["ConditionExpression"] = condition
        with mapped("PutItem"):
            try:
                self.client.put_item(**args)
            except ClientError as exc:
                if condition and code(exc) == "ConditionalCheckFailedException":
                    if conflict:
                        raise ConflictError(conflict) from None
                    return False
                raise
        return True

    def put_if(self, item: Item, condition: str, values: Item) -> bool:
        """Put ``item`` when ``condition`` (with its ``values``) holds; whether it did."""
        args: dict[str, Any] = {
            "TableName": self.name,
            "Item": item,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        with mapped("PutItem"):
            try:
                self.client.put_item(**args)
            except ClientError as exc:
                if code(exc) == "ConditionalCheckFailedException":
                    return False
                raise
        return True

    def update(
        self,
        pk: str,
        sk: str,
        expression: str,
        values: Item | None = None,
        condition: str | None = None,
        names: dict[str, str] | None = None,
    ) -> Item | None:
        """UpdateItem; the new attributes, or None when ``condition`` did not hold."""
        args: dict[str, Any] = {
            "TableName": self.name,
            "Key": {"PK": {"S": pk}, "SK": {"S": sk}},
            "UpdateExpression": expression,
            "ReturnValues": "ALL_NEW",
        }
        if values:
            args["ExpressionAttributeValues"] = values
        if names:
            args["ExpressionAttributeNames"] = names
        if condition:
            args["ConditionExpression"] = condition
        with mapped("UpdateItem"):
            try:
                done = self.client.update_item(**args)
            except ClientError as exc:
                if condition and code(exc) == "ConditionalCheckFailedException":
                    return None
                raise
        attributes: Item = done.get("Attributes", {})
        return attributes

    def delete(self, pk: str, sk: str) -> bool:
        """Delete one item; whether it existed."""
        with mapped("DeleteItem"):
            done = self.client.delete_item(
                TableName=self.name,
                Key={"PK": {"S": pk}, "SK": {"S": sk}},
                ReturnValues="ALL_OLD",
            )
        return bool(done.get("Attributes"))

    def next_id(self, kind: str) -> int:
        """An id no other caller gets: an atomic counter item (UpdateItem ADD)."""
        new = self.update("COUNTER", kind, "ADD n :one", {":one": {"N": "1"}})
        assert new is not None
        return int(new["n"]["N"])

    def raise_counter(self, kind: str, at_least: int) -> None:
        """Move ``kind``'s counter up to ``at_least`` (never down): ``next_id`` then
        hands out ids above a restored one."""
        self.update(
            "COUNTER",
            kind,
            "SET n = :v",
            {":v": {"N": str(at_least)}},
            "attribute_not_exists(n) OR n < :v",
        )

    # many items ---------------------------------------------------------------
    def query(
        self,
        pk: str,
        *,
        prefix: str = "",
        between: tuple[str, str] | None = None,
        below: str | None = None,
        index: str | None = None,
        projection: str | None = None,
        names: dict[str, str] | None = None,
    ) -> Iterator[Item]:
        """Every item of one partition (of the table, or of ``index``), in key order,
        page by page; the sort key narrowed by a prefix, a range or an upper bound."""
        hash_key, range_key = ("GSI1PK", "GSI1SK") if index else ("PK", "SK")
        condition = f"{hash_key} = :pk"
        values: Item = {":pk": {"S": pk}}
        if prefix:
            condition += f" AND begins_with({range_key}, :prefix)"
            values[":prefix"] = {"S": prefix}
        elif between is not None:
            condition += f" AND {range_key} BETWEEN :lo AND :hi"
            values[":lo"], values[":hi"] = {"S": between[0]}, {"S": between[1]}
        elif below is not None:
            condition += f" AND {range_key} < :below"
            values[":below"] = {"S": below}
        args: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        if index:
            args["IndexName"] = index
        else:
            args["ConsistentRead"] = True  # GSIs are eventually consistent
        if projection:
            args["ProjectionExpression"] = projection
        if names:
            args["ExpressionAttributeNames"] = names
        while True:
            with mapped("Query"):
                page = self.client.query(**args)
            yield from page.get("Items", [])
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            args["ExclusiveStartKey"] = last

    def batch_get(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        """The items of ``keys`` that exist (any order); unprocessed keys retried."""
        out: list[Item] = []
        for start in range(0, len(keys), BATCH_GET):
            chunk = [{"PK": {"S": p}, "SK": {"S": s}} for p, s in keys[start : start + BATCH_GET]]
            request: dict[str, Any] = {self.name: {"Keys": chunk, "ConsistentRead": True}}
            for attempt in range(UNPROCESSED_ATTEMPTS):
                with mapped("BatchGetItem"):
                    got = self.client.batch_get_item(RequestItems=request)
                out.extend(got.get("Responses", {}).get(self.name, []))
                request = dict(got.get("UnprocessedKeys") or {})
                if not request:
                    break
                self._backoff(attempt)
            else:
                raise StoreUnavailable("DynamoDB left keys unprocessed after every retry")
        return out

    def batch_write(self, requests: Sequence[Item]) -> None:
        """Every put/delete request stored, 25 per call, or StoreUnavailable. Items
        DynamoDB leaves unprocessed (throttling) are sent again with backoff."""
        for start in range(0, len(requests), BATCH_WRITE):
            pending: dict[str, Any] = {self.name: list(requests[start : start + BATCH_WRITE])}
            for attempt in range(UNPROCESSED_ATTEMPTS):
                with mapped("BatchWriteItem"):
                    done = self.client.batch_write_item(RequestItems=pending)
                pending = dict(done.get("UnprocessedItems") or {})
                if not pending:
                    break
                self._backoff(attempt)
            else:
                left = len(pending.get(self.name, []))
                raise StoreUnavailable(
                    f"DynamoDB left {left} items unprocessed after {UNPROCESSED_ATTEMPTS} "
                    "attempts (throttled); nothing was acknowledged"
                )

    def transact(self, actions: Sequence[Item], conflict: str = "") -> bool:
        """TransactWriteItems, all or nothing. A condition that fails: False, or
        ConflictError(conflict) when given. (botocore reuses its idempotency token
        across its own retries, so a retried call never applies twice.)"""
        with mapped("TransactWriteItems"):
            try:
                self.client.transact_write_items(TransactItems=list(actions))  # type: ignore[arg-type]
            except ClientError as exc:
                reasons = exc.response.get("CancellationReasons", [])
                if code(exc) == "TransactionCanceledException" and any(
                    r.get("Code") == "ConditionalCheckFailed" for r in reasons
                ):
                    if conflict:
                        raise ConflictError(conflict) from None
                    return False
                raise
        return True

    def _backoff(self, attempt: int) -> None:
        """Full jitter, 25 ms doubling up to 1 s (AWS's advice for unprocessed items)."""
        self._sleep(_JITTER.uniform(0, min(1.0, 0.025 * 2**attempt)))
