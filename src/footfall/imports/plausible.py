"""Plausible's CSV export (the zip its "Export data" writes: one ``imported_*.csv`` per
table, names optionally suffixed ``_YYYYMMDD_YYYYMMDD``, each with a header line) read
into the rows of our imported tables (imports/tables.py), checked as it is read: a bad
value is an InputError naming the file and line, and nothing is stored then."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

from footfall.errors import InputError
from footfall.imports.tables import TABLES, Table

_ENTRY = re.compile(r"(imported_[a-z_]+?)(?:_\d{8}_\d{8})?\.csv")
MAX_UNCOMPRESSED = 4 << 30  # a zip bomb is refused before it is read
MAX_TEXT = 2048  # per dimension value
Row = tuple[object, ...]


@dataclass
class Export:
    """Rows of our imported tables read from another tool's export."""

    file_name: str
    digest: str  # of the rows (set once read)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # entries that are no table of ours

    @property
    def rows(self) -> int:
        return sum(len(r) for r in self.tables.values())

    @property
    def dates(self) -> tuple[date | None, date | None]:
        days = [row[0] for rows in self.tables.values() for row in rows]
        found = [d for d in days if isinstance(d, date)]
        return (min(found), max(found)) if found else (None, None)


def digest(tables: dict[str, list[Row]]) -> str:
    """Of the data, not of the zip's bytes: the same export zipped again (new entry
    times, another order of files or columns) is the same import."""
    sha = hashlib.sha256()
    for name in sorted(tables):
        sha.update(name.encode())
        for row in sorted(tables[name], key=repr):
            sha.update(repr(row).encode())
    return sha.hexdigest()


def read_export(path: Path, progress: Callable[[int], None] = lambda _: None) -> Export:
    """Read the zip at ``path``; ``progress`` is told the uncompressed bytes of each
    entry once it is read (``total_size`` gives the sum to expect)."""
    export = Export(path.name, "")
    try:
        with zipfile.ZipFile(path) as archive:
            for entry in archive.infolist():
                name = PurePosixPath(entry.filename).name
                match = _ENTRY.fullmatch(name)
                if entry.is_dir() or match is None or match.group(1) not in TABLES:
                    export.ignored.append(entry.filename)
                    continue
                table = TABLES[match.group(1)]
                with archive.open(entry) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    rows = export.tables.setdefault(table.name, [])
                    rows.extend(_rows(table, name, csv.reader(text)))
                progress(entry.file_size)
    except zipfile.BadZipFile:
        raise InputError(f"{path.name} is not a zip file", field="file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: a file is not UTF-8 text", field="file") from None
    if not export.tables:
        raise InputError(f"{path.name} holds no imported_*.csv file of Plausible", field="file")
    export.digest = digest(export.tables)
    return export


def total_size(path: Path) -> int:
    """The uncompressed bytes of the zip's entries (what ``read_export`` reports)."""
    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(e.file_size for e in archive.infolist())
    except zipfile.BadZipFile:
        raise InputError(f"{path.name} is not a zip file", field="file") from None
    if size > MAX_UNCOMPRESSED:
        raise InputError(f"{path.name} unpacks to more than 4 GiB", field="file")
    return size


def _rows(table: Table, name: str, lines: Iterator[list[str]]) -> list[Row]:
    header = next(lines, None)
    if header is None:
        return []
    where = {column.strip(): i for i, column in enumerate(header)}
    if "date" not in where:
        raise InputError(f"{name}: no date column", field=name)
    rows: list[Row] = []
    for number, values in enumerate(lines, start=2):
        if not values:
            continue

        def cell(column: str, values: list[str] = values) -> str:
            i = where.get(column)
            return values[i].strip() if i is not None and i < len(values) else ""

        at = f"{name}:{number}"
        try:
            day = date.fromisoformat(cell("date"))
        except ValueError:
            raise InputError(f"{at}: date {cell('date')!r} is not YYYY-MM-DD", field=at) from None
        dims = [_text(cell(c), at, c) for c in table.dimensions]
        rows.append((day, *dims, *(_count(cell(c), at, c) for c in table.metrics)))
    return rows


def _text(value: str, at: str, column: str) -> str:
    if value in ("\\N", "(none)"):  # ClickHouse's NULL; Plausible's label of "no value"
        return ""
    if len(value) > MAX_TEXT:
        raise InputError(f"{at}: {column} is longer than {MAX_TEXT}", field=at)
    return value


def _count(value: str, at: str, column: str) -> int:
    if value in ("", "\\N"):
        return 0
    try:
        number = int(value)
    except ValueError:
        try:
            number = round(float(value))  # an average exported as a float
        except ValueError:
            raise InputError(f"{at}: {column} {value!r} is not a number", field=at) from None
    if not 0 <= number < 1 << 62:
        raise InputError(f"{at}: {column} {value!r} is out of range", field=at)
    return number
