"""``footfall import``: a whole export of another Footfall store (``--from DIR``,
cli/transfer.py), or a site's history from another tool: ``footfall import plausible
--site D FILE.zip``, ``footfall import list|remove --site D`` (docs/transfer.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from footfall.cli.transfer import import_command, with_stores
from footfall.imports import service
from footfall.imports.plausible import total_size
from footfall.store.base import ImportInfo
from footfall.store.registry import Stores

import_app = typer.Typer(help="Import data: a Footfall export, or another tool's history.")
Site = Annotated[str, typer.Option(help="The site the history is of.")]


@import_app.callback(invoke_without_command=True)
def import_root(
    ctx: typer.Context,
    source: Annotated[
        Path | None, typer.Option("--from", help="A directory `footfall export` wrote.")
    ] = None,
) -> None:
    """Load a `footfall export` (--from DIR), or a site's history (subcommands)."""
    if ctx.invoked_subcommand is not None:
        return
    if source is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)
    import_command(source)


@import_app.command("plausible")
def import_plausible(
    site: Site,
    file: Annotated[Path, typer.Argument(help="The zip of Plausible's CSV export.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import Plausible's CSV export into the site's imported tables. Importing the same
    file again changes nothing; `footfall import remove` takes every import away."""
    if not file.is_file():
        typer.echo(f"error: no file {file}", err=True)
        raise typer.Exit(1)

    def work(stores: Stores) -> ImportInfo:
        # On stderr: stdout stays the answer (--json).
        with typer.progressbar(length=total_size(file), label="importing", file=sys.stderr) as bar:
            return service.import_plausible(stores, site, file, bar.update)

    info = with_stores(work, announce=False)
    shown = service.import_json(info)
    span = f"{shown['start_date']} to {shown['end_date']}"
    typer.echo(json.dumps(shown) if as_json else f"imported {info.rows} rows ({span}) into {site}")


@import_app.command("list")
def import_list(site: Site, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The site's imports."""
    imports = with_stores(lambda stores: service.list_imports(stores, site))
    found = [service.import_json(i) for i in imports]
    lines = [
        f"{i['source']}\t{i['file']}\t{i['start_date']}..{i['end_date']}\t{i['rows']}"
        for i in found
    ]
    typer.echo(json.dumps(found, indent=2) if as_json else "\n".join(lines) or "no imports")


@import_app.command("remove")
def import_remove(site: Site) -> None:
    """Remove every import of the site (its native events stay)."""
    gone = with_stores(lambda stores: service.remove_imports(stores, site))
    typer.echo(f"removed {gone} import(s) of {site}")
