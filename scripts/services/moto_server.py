"""moto_server for the test suite, with two patches to moto's DynamoDB (5.2).

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
test our code, not moto's threads. Everything else is moto unchanged.
"""

from __future__ import annotations

import copy
import sys
import threading
import types
from typing import Any

import moto.dynamodb.models as models
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


_update = models.DynamoDBBackend.update_item
_updating = threading.Lock()


def _update_item(self: models.DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
    with _updating:
        return _update(self, *args, **kwargs)


models.copy = types.SimpleNamespace(deepcopy=_deepcopy)  # type: ignore[assignment]
models.DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]
models.DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
