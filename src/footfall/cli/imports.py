"""``footfall import``: a whole export of another Footfall store (``--from DIR``,
cli/transfer.py), or a site's history from another tool: ``footfall import plausible|umami
--site D FILE``, ``footfall import list|remove --site D`` (docs/transfer.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from footfall.cli.connection import RemoteAdmin, run, running_server
from footfall.cli.transfer import import_command, with_stores
from footfall.config import load_settings, resolve_secret
from footfall.errors import FootfallError
from footfall.imports import service
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
    _import("plausible", site, file, as_json)


@import_app.command("umami")
def import_umami(
    site: Site,
    file: Annotated[Path, typer.Argument(help="Umami's data export: its CSV, or a zip of it.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import Umami's data export (its raw events) into the site's imported tables, as
    daily sums. Importing the same file again changes nothing."""
    _import("umami", site, file, as_json)


def _import(source: str, site: str, file: Path, as_json: bool) -> None:
    if not file.is_file():
        typer.echo(f"error: no file {file}", err=True)
        raise typer.Exit(1)

    def work(stores: Stores) -> dict[str, Any]:
        # On stderr: stdout stays the answer (--json).
        length = service.total_size(source, file)
        with typer.progressbar(length=length, label="importing", file=sys.stderr) as bar:
            info = service.SOURCES[source](stores, site, file, bar.update)
        return service.import_json(info)

    server = _server()
    shown = work_remote(server, source, site, file) if server else with_stores(work)
    span = f"{shown['start_date']} to {shown['end_date']}"
    rows = shown["rows"]
    typer.echo(json.dumps(shown) if as_json else f"imported {rows} rows ({span}) into {site}")


def _server() -> RemoteAdmin | None:
    """The running server that owns the embedded store, if one does (cli/connection.py):
    then the zip goes to it over loopback."""
    settings = load_settings()
    found = running_server(settings) if settings.embedded else None
    if found is None:
        return None
    return RemoteAdmin(found["url"], resolve_secret(settings, "admin_token", settings.admin_token))


def work_remote(server: RemoteAdmin, source: str, site: str, file: Path) -> dict[str, Any]:
    """Upload the file with a progress bar of the bytes sent; the server imports it."""
    size = file.stat().st_size

    def chunks() -> Iterator[bytes]:
        with (
            file.open("rb") as f,
            typer.progressbar(length=size, label="uploading", file=sys.stderr) as bar,
        ):
            while block := f.read(1 << 20):
                bar.update(len(block))
                yield block

    path = f"/sites/{quote(site, safe='')}/imports/{source}?name={quote(file.name)}"
    try:
        answer: dict[str, Any] = server.upload(path, chunks())
    except FootfallError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        server.close()
    return answer


@import_app.command("list")
def import_list(site: Site, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The site's imports."""
    found = run("GET", f"/sites/{quote(site, safe='')}/imports")
    lines = [
        f"{i['source']}\t{i['file']}\t{i['start_date']}..{i['end_date']}\t{i['rows']}"
        for i in found
    ]
    typer.echo(json.dumps(found, indent=2) if as_json else "\n".join(lines) or "no imports")


@import_app.command("remove")
def import_remove(site: Site) -> None:
    """Remove every import of the site (its native events stay)."""
    gone = run("DELETE", f"/sites/{quote(site, safe='')}/imports")["removed"]
    typer.echo(f"removed {gone} import(s) of {site}")
