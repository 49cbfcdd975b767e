"""moto_server for the test suite, with four patches to moto's DynamoDB (5.2).

Started by scripts/services/moto.sh: ``python moto_server.py -H 127.0.0.1 -p PORT``.

moto rolls a failed TransactWriteItems back from deep copies of the tables it
touches, and takes that copy once per *item* of the transaction, of the whole table
each time (moto/dynamodb/models/__init__.py, ``transact_write_items``): a batch of
events spanning 30 site-days copies a test's table 60 times, and the run grows with
the square of the events stored. The patch makes each table be copied once per
transaction, which is what the code means (every copy is taken before any item is
applied, so they are all the same). Rollback works as before.

moto applies an UpdateItem by reading the item and writing it back, on whichever
server thread the request came in: two ``ADD n :x`` on one item at once can lose one.
DynamoDB applies each UpdateItem atomically; the second patch makes moto do so (one
UpdateItem at a time), so tests of concurrent counters (the per-site drop tallies)
test our code, not moto's threads.

A third patch makes a Query of the table (not of an index) look at its one
partition: moto lists and sorts every item of the table for each Query
(``Table.query`` over ``Table.all_items``), so a Query of a 60-item partition of a
table of 200,000 events took 20 s on the shared machine, and any bench of a table of
realistic size measured the emulator. DynamoDB reads one partition; so does the
patch (the items are moto's own per-partition dict; results, order and paging
unchanged: moto filters and sorts what it gets as before).

moto ignores TransactWriteItems' ``ClientRequestToken``. DynamoDB applies a
transaction once per token (for 10 minutes) and answers a repeat as a success, which
is what makes botocore's retry of a transaction whose answer was lost safe (botocore
sends the same token again). The fourth patch keeps the tokens of applied
transactions and answers a repeat without applying it again. Everything else is moto
unchanged.
"""

from __future__ import annotations

import copy
import inspect
import sys
import threading
import types
from typing import Any

import moto.dynamodb.models as models
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_local = threading.local()


def _deepcopy(obj: Any, memo: Any = None) -> Any:
    copies: dict[int, Any] | None = getattr(_local, "copies", None)
    if copies is None or not isinstance(obj, models.Table):
        return copy.deepcopy(obj, memo)
    if id(obj) not in copies:
        copies[id(obj)] = copy.deepcopy(obj, memo)
    return copies[id(obj)]


_transact = models.DynamoDBBackend.transact_write_items


def _transact_write_items(self: models.DynamoDBBackend, transact_items: Any) -> None:
    _local.copies = {}
    try:
        _transact(self, transact_items)
    finally:
        _local.copies = None


_query = Table.query
_query_signature = inspect.signature(_query)
_all_items = Table.all_items


def _query_one_partition(self: Table, *args: Any, **kwargs: Any) -> Any:
    bound = _query_signature.bind(self, *args, **kwargs)
    if bound.arguments.get("index_name") or bound.arguments.get("hash_key") is None:
        return _query(self, *args, **kwargs)
    _local.partition = bound.arguments["hash_key"]
    try:
        return _query(self, *args, **kwargs)
    finally:
        _local.partition = None


def _partition_items(self: Table) -> Any:
    key = getattr(_local, "partition", None)
    if key is None:
        return _all_items(self)
    part = self.items.get(key)  # .get: the dict is a defaultdict
    if part is None:
        return []
    return list(part.values()) if self.range_key_attr else [part]


Table.query = _query_one_partition  # type: ignore[method-assign]
Table.all_items = _partition_items  # type: ignore[method-assign]
_update = models.DynamoDBBackend.update_item
_updating = threading.Lock()


def _update_item(self: models.DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
    with _updating:
        return _update(self, *args, **kwargs)


_handle_transact = DynamoHandler.transact_write_items
_applied_tokens: dict[str, Any] = {}  # token -> the answer it got
_tokens_lock = threading.Lock()


def _transact_once(self: DynamoHandler) -> Any:
    token = self.body.get("ClientRequestToken")
    if not token:
        return _handle_transact(self)
    with _tokens_lock:  # a repeat comes after its first answer was sent: no race
        if token in _applied_tokens:
            return _applied_tokens[token]
    answer = _handle_transact(self)  # raises when the transaction is cancelled
    with _tokens_lock:
        _applied_tokens[token] = answer
    return answer


models.copy = types.SimpleNamespace(deepcopy=_deepcopy)  # type: ignore[assignment]
models.DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]
models.DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
DynamoHandler.transact_write_items = _transact_once  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
