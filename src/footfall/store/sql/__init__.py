"""Fixed SQL lives in named blocks of .sql files, one folder per dialect.

A block starts with ``-- name: <query_name>`` and runs to the next such line. A
dialect's queries are those of its ``queries.sql`` and of each ``queries_<part>.sql``
(one file per feature: email's are ``queries_mail.sql``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def queries(dialect: str) -> dict[str, str]:
    folder = resources.files("footfall.store") / "sql" / dialect
    files = sorted(f.name for f in folder.iterdir() if f.name.startswith("queries"))
    text = "\n".join((folder / f).read_text() for f in files if f.endswith(".sql"))
    out: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if line.startswith("-- name: "):
            name = line.removeprefix("-- name: ").strip()
            out[name] = ""
        elif name and not line.startswith("--"):
            out[name] += line + "\n"
    return {k: v.strip() for k, v in out.items()}
