"""``footfall shield``: a site's traffic shields (footfall/shields.py, docs/shields.md)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import typer

from footfall.cli.connection import emit, run

shield_app = typer.Typer(no_args_is_help=True, help="Manage a site's traffic shields.")

Site = Annotated[str, typer.Option(help="The site.")]
Kind = Annotated[str, typer.Argument(help="hostname, ip, country or page.")]
Value = Annotated[
    str, typer.Argument(help="*.example.com, 203.0.113.0/24, DE, /admin/** (wildcards).")
]


def _text(shown: dict[str, Any]) -> str:
    kinds = ("hostnames", "ips", "countries", "pages")
    lines = [f"{kind}\t{', '.join(shown[kind]) or '-'}" for kind in kinds]
    lines += [f"dropped {reason}\t{n}" for reason, n in shown["dropped"].items()]
    return "\n".join(lines)


@shield_app.command("list")
def shield_list(site: Site, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the site's shields and how many events each reason dropped."""
    shown = run("GET", f"/sites/{quote(site, safe='')}/shields")
    emit(shown, as_json, _text(shown))


@shield_app.command("add")
def shield_add(site: Site, kind: Kind, value: Value) -> None:
    """Add a rule: an allowed hostname, or an excluded IP/range, country or page."""
    run("POST", f"/sites/{quote(site, safe='')}/shields/{kind}", {"value": value})
    typer.echo(f"added {kind} {value} to {site}")


@shield_app.command("remove")
def shield_remove(site: Site, kind: Kind, value: Value) -> None:
    """Remove a rule, as listed."""
    run("DELETE", f"/sites/{quote(site, safe='')}/shields/{kind}/{quote(value, safe='')}")
    typer.echo(f"removed {kind} {value} from {site}")
