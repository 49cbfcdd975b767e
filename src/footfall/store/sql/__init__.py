"""Fixed SQL lives in named blocks of .sql files, one folder per dialect.

A block starts with ``-- name: <query_name>`` and runs to the next such line.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def queries(dialect: str) -> dict[str, str]:
    text = (resources.files("footfall.store") / "sql" / dialect / "queries.sql").read_text()
    out: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if line.startswith("-- name: "):
            name = line.removeprefix("-- name: ").strip()
            out[name] = ""
        elif name and not line.startswith("--"):
            out[name] += line + "\n"
    return {k: v.strip() for k, v in out.items()}
