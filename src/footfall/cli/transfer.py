"""``footfall export --to DIR`` and ``footfall import --from DIR``: a whole store to
Parquet files and back, to move between backends (footfall/transfer.py, docs/transfer.md).

Both open the stores ``FOOTFALL_DATABASE_URL`` (and ``FOOTFALL_EVENTS_URL``) name
directly: an embedded store must not be served meanwhile (it has one owner), a shared
one may be (with Redis, running replicas are told to drop their caches after an import).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from footfall import transfer
from footfall.cli.connection import running_server
from footfall.config import load_settings
from footfall.errors import FootfallError
from footfall.shared import Shared
from footfall.store.registry import Stores, open_stores

T = TypeVar("T")


def with_stores(work: Callable[[Stores], T], announce: bool = False) -> T:
    settings = load_settings()
    if settings.embedded and running_server(settings) is not None:
        typer.echo("error: stop `footfall serve` first: it owns the embedded store", err=True)
        raise typer.Exit(1)
    try:
        stores = open_stores(settings.database_url, settings.events_url, settings.store_options)
        try:
            files = work(stores)
        finally:
            stores.close()
    except FootfallError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    if announce and settings.redis_url:
        shared = Shared(settings.redis_url, settings.redis_password)
        shared.announce()
        shared.close()
    return files


def _report(verb: str, files: dict[str, int], where: Path) -> None:
    events = sum(n for name, n in files.items() if name.startswith("events/"))
    tables = {name.removesuffix(".parquet"): n for name, n in files.items() if "/" not in name}
    counts = ", ".join(f"{n} {name}" for name, n in tables.items())
    typer.echo(f"{verb} {where}: {counts}, {events} events in {len(files) - len(tables)} files")


def export_command(
    to: Annotated[Path, typer.Option("--to", help="A new (or empty) directory.")],
) -> None:
    """Write every site, key, goal, user and event to Parquet files under DIR."""
    files = with_stores(lambda stores: transfer.export(stores, to), announce=False)
    _report("exported to", files, to)


def import_command(
    source: Annotated[Path, typer.Option("--from", help="A directory `footfall export` wrote.")],
) -> None:
    """Load an export into this store (its sites, users and keys must be new to it)."""
    files = with_stores(lambda stores: transfer.import_(stores, source), announce=True)
    _report("imported from", files, source)
