"""``footfall funnel``: funnels from the command line (docs/funnels.md)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import typer

from footfall.cli.connection import emit, run

funnel_app = typer.Typer(no_args_is_help=True, help="Manage funnels (2 to 8 steps).")


@funnel_app.command("add")
def funnel_add(
    name: str,
    site: Annotated[str, typer.Option(help="The site.")],
    step: Annotated[
        list[str],
        typer.Option(help="A step, in order: page:/PATH (* and ** wildcards) or event:NAME."),
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a funnel: --step twice or more, in the order visits take them."""
    made = run("POST", "/funnels", {"site": site, "name": name, "steps": list(step)})
    labels = " -> ".join(s["label"] for s in made["steps"])
    emit(made, as_json, f"added funnel {made['name']!r} to {made['site']}: {labels}")


@funnel_app.command("list")
def funnel_list(
    site: Annotated[str | None, typer.Option(help="Only this site's funnels.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List funnels with their steps."""
    found = run(
        "GET",
        f"/funnels?site={quote(site)}" if site else "/funnels",
        {"site": site} if site else None,
    )
    lines = [
        f"{f['site']}\t{f['name']}\t{' -> '.join(s['label'] for s in f['steps'])}" for f in found
    ]
    emit(found, as_json, "\n".join(lines) or "no funnels")


@funnel_app.command("remove")
def funnel_remove(name: str, site: Annotated[str, typer.Option(help="The funnel's site.")]) -> None:
    """Remove a funnel by its name."""
    run("DELETE", f"/sites/{site}/funnels/{quote(name, safe='')}")
    typer.echo(f"removed funnel {name!r}")
