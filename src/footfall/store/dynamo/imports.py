"""A site's imported history on the single table (footfall/imports/, docs/backends.md).

An import is one item ``IMPORTS#<site>`` / ``<digest>`` (source, file, days, rows, and
its generation) and its rows, per imported table, in chunks of at most ``CHUNK_BYTES``
of compressed JSON: ``IMPORTED#<site>`` / ``<digest>#<generation>#<table>#<n>``. The
rows are written first under a new generation, then the import's item names it (one
put: readers see the old rows or the new, never a part), then the chunks of any other
generation of that digest go. A save cut short leaves chunks no item names: never
read, deleted by the next save or removal of that digest. Chunks never change, so the
decoded rows of a generation are kept in memory (``CACHED`` tables).
"""

from __future__ import annotations

import json
import threading
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from footfall.imports.tables import TABLES
from footfall.store.base import ImportInfo
from footfall.store.dynamo.attrs import (
    b,
    get_b,
    get_n,
    get_opt_s,
    get_s,
    get_t,
    key,
    n,
    padded,
    s,
    t,
)
from footfall.store.dynamo.table import Table

CHUNK_BYTES = 300_000  # JSON before compression: under DynamoDB's 400 KB item limit
CACHED = 64  # (site, generation, table) rows kept decoded
_NULL = {"NULL": True}


def _day(value: date | None) -> dict[str, Any]:
    return s(value.isoformat()) if value is not None else _NULL


class DynamoImports:
    table: Table

    _imported_lock: threading.Lock
    _imported_cache: OrderedDict[tuple[Any, ...], list[tuple[Any, ...]]]

    def _init_imports(self) -> None:
        self._imported_lock, self._imported_cache = threading.Lock(), OrderedDict()

    def save_import(
        self, info: ImportInfo, tables: Mapping[str, Sequence[Sequence[object]]]
    ) -> None:
        site = padded(info.site_id)
        generation = uuid.uuid4().hex[:12]
        puts = []
        for name, rows in tables.items():
            if name not in TABLES:
                raise KeyError(name)
            for i, blob in enumerate(_chunks(rows)):
                sk = f"{info.digest}#{generation}#{name}#{i:06d}"
                puts.append({"PutRequest": {"Item": {**key(f"IMPORTED#{site}", sk), "r": b(blob)}}})
        self.table.batch_write(puts)
        item = {
            **key(f"IMPORTS#{site}", info.digest),
            "generation": s(generation),
            "source": s(info.source),
            "file": s(info.file_name),
            "start": _day(info.start_date),
            "end": _day(info.end_date),
            "rows": n(info.rows),
            "created_at": t(info.created_at),
        }
        self.table.put(item)
        self._drop_chunks(info.site_id, info.digest, keep=generation)

    def _drop_chunks(self, site_id: int, digest: str, keep: str = "") -> None:
        pk = f"IMPORTED#{padded(site_id)}"
        doomed = [
            {"DeleteRequest": {"Key": key(pk, get_s(item, "SK"))}}
            for item in self.table.query(pk, prefix=f"{digest}#", projection="PK, SK")
            if not keep or not get_s(item, "SK").startswith(f"{digest}#{keep}#")
        ]
        self.table.batch_write(doomed)

    def _import_items(self, site_id: int) -> list[dict[str, Any]]:
        return list(self.table.query(f"IMPORTS#{padded(site_id)}"))

    def list_imports(self, site_id: int) -> list[ImportInfo]:
        found = [
            ImportInfo(
                site_id,
                get_s(item, "SK"),
                get_s(item, "source"),
                get_s(item, "file"),
                _opt_date(get_opt_s(item, "start")),
                _opt_date(get_opt_s(item, "end")),
                get_n(item, "rows"),
                get_t(item, "created_at"),
            )
            for item in self._import_items(site_id)
        ]
        return sorted(found, key=lambda i: (i.created_at, i.digest))

    def imported_rows(self, site_id: int, table: str) -> list[tuple[Any, ...]]:
        if table not in TABLES:
            raise KeyError(table)
        rows: list[tuple[Any, ...]] = []
        for item in self._import_items(site_id):
            rows.extend(self._generation_rows(site_id, item, table))
        return sorted(rows)

    def _generation_rows(
        self, site_id: int, item: dict[str, Any], table: str
    ) -> list[tuple[Any, ...]]:
        digest, generation = get_s(item, "SK"), get_s(item, "generation")
        cache_key = (site_id, digest, generation, table)
        lock, cache = self._imported_lock, self._imported_cache
        with lock:
            if cache_key in cache:
                cache.move_to_end(cache_key)
                return cache[cache_key]
        pk = f"IMPORTED#{padded(site_id)}"
        rows: list[tuple[Any, ...]] = []
        for chunk in self.table.query(pk, prefix=f"{digest}#{generation}#{table}#"):
            for raw in json.loads(zlib.decompress(get_b(chunk, "r"))):
                rows.append((date.fromisoformat(raw[0]), *raw[1:]))
        with lock:
            cache[cache_key] = rows
            while len(cache) > CACHED:
                cache.popitem(last=False)
        return rows

    def remove_import(self, site_id: int, digest: str) -> bool:
        gone = self.table.delete(f"IMPORTS#{padded(site_id)}", digest)
        self._drop_chunks(site_id, digest)
        return gone

    def remove_imports(self, site_id: int) -> int:
        items = self._import_items(site_id)
        for item in items:
            self.remove_import(site_id, get_s(item, "SK"))
        return len(items)


def _chunks(rows: Sequence[Sequence[object]]) -> list[bytes]:
    """The rows as compressed JSON arrays of at most CHUNK_BYTES each."""
    out: list[bytes] = []
    part: list[str] = []
    size = 0
    for row in rows:
        text = json.dumps(
            [v.isoformat() if isinstance(v, date) else v for v in row], ensure_ascii=False
        )
        if part and size + len(text.encode()) > CHUNK_BYTES:
            out.append(zlib.compress(f"[{','.join(part)}]".encode()))
            part, size = [], 0
        part.append(text)
        size += len(text.encode()) + 1
    if part:
        out.append(zlib.compress(f"[{','.join(part)}]".encode()))
    return out


def _opt_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
