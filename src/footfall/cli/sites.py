"""``footfall site|key|goal``: sites, API keys and goals from the command line."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

import typer

from footfall.cli.connection import emit, run
from footfall.config import load_settings
from footfall.domain import normalize_domain
from footfall.tracker import snippet

site_app = typer.Typer(no_args_is_help=True, help="Manage sites.")
key_app = typer.Typer(no_args_is_help=True, help="Manage API keys.")
goal_app = typer.Typer(no_args_is_help=True, help="Manage goals (conversions).")


@site_app.command("add")
def site_add(
    domain: str,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin.")] = "UTC",
    umami_website_id: Annotated[
        str | None, typer.Option(help="Keep an existing Umami snippet working.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a site."""
    site = run(
        "POST",
        "/sites",
        {"domain": domain, "timezone": timezone, "umami_website_id": umami_website_id},
    )
    emit(site, as_json, f"added {site['domain']} ({site['timezone']})")


@site_app.command("list")
def site_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List sites."""
    sites = run("GET", "/sites")
    lines = [f"{s['domain']}\t{s['timezone']}\tumami:{s['umami_website_id']}" for s in sites]
    emit(sites, as_json, "\n".join(lines) or "no sites yet")


Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _confirm(question: str, yes: bool) -> None:
    """Ask before destroying data; ``--yes`` for scripts (without it, a closed or empty
    stdin answers no)."""
    if not yes and not typer.confirm(question, default=False):
        typer.echo("nothing done", err=True)
        raise typer.Exit(1)


@site_app.command("remove")
def site_remove(domain: str, yes: Yes = False) -> None:
    """Remove a site with all its events and keys (asks first, unless --yes)."""
    _confirm(f"Remove {domain} with all its events, keys, goals and members?", yes)
    run("DELETE", f"/sites/{domain}")
    typer.echo(f"removed {domain}")


@site_app.command("reset")
def site_reset(domain: str, yes: Yes = False) -> None:
    """Delete every event of the site; the site, its keys, goals and members stay."""
    _confirm(f"Delete every event of {domain}?", yes)
    run("POST", f"/sites/{quote(domain)}/reset", {})
    typer.echo(f"reset {domain}: no events left")


def _day(value: str, option: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


@site_app.command("delete-range")
def site_delete_range(
    domain: str,
    first: Annotated[str, typer.Option("--from", help="First day deleted, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option("--to", help="Last day deleted (included).")],
    yes: Yes = False,
) -> None:
    """Delete the site's events of the days --from to --to, in the site's time zone."""
    body = {"from": _day(first, "--from"), "to": _day(last, "--to")}
    _confirm(f"Delete the events of {domain} from {body['from']} to {body['to']}?", yes)
    run("POST", f"/sites/{quote(domain)}/delete-range", body)
    typer.echo(f"deleted the events of {domain} from {body['from']} to {body['to']}")


@site_app.command("retention")
def site_retention(
    domain: str,
    days: Annotated[str, typer.Argument(help="Days to keep events, or 'none' (for ever).")],
) -> None:
    """Keep the site's events this many days; older ones are deleted daily."""
    keep = None if days.strip().lower() in ("none", "forever") else _days(days)
    site = run("PUT", f"/sites/{quote(domain)}/retention", {"retention_days": keep})
    kept = f"{site['retention_days']} days" if site["retention_days"] else "for ever"
    typer.echo(f"{site['domain']} keeps its events {kept}")


def _days(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 36_500:
        raise typer.BadParameter("a number of days from 1 to 36500, or 'none'", param_hint="DAYS")
    return int(value)


@site_app.command("snippet")
def site_snippet(
    domain: str,
    origin: Annotated[
        str | None,
        typer.Option(help="Where browsers reach Footfall; default FOOTFALL_PUBLIC_URL."),
    ] = None,
    versioned: Annotated[
        bool, typer.Option(help="Link this release's immutable script path (re-paste on upgrade).")
    ] = False,
) -> None:
    """Print the HTML to paste into every page of the site, in <head>."""
    wanted = normalize_domain(domain)
    if not any(s["domain"] == wanted for s in run("GET", "/sites")):
        typer.echo(f"error: no site {domain!r}; add it with: footfall site add {wanted}", err=True)
        raise typer.Exit(1)
    typer.echo(snippet(wanted, origin or load_settings().origin, versioned=versioned), nl=False)


@key_app.command("create")
def key_create(
    site: Annotated[str, typer.Option(help="The site the key is limited to.")],
    scopes: Annotated[str, typer.Option(help="Comma list of ingest, stats, admin.")] = "ingest",
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an API key. It is printed once and cannot be shown again."""
    new = run("POST", "/keys", {"site": site, "scopes": scopes.split(","), "name": name})
    emit(
        new, as_json, f"{new['key']}\n(prefix {new['prefix']}; store it now, it is not shown again)"
    )


@key_app.command("list")
def key_list(
    site: Annotated[str | None, typer.Option(help="Only this site's keys.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List API keys (prefixes and metadata; never the keys)."""
    keys = run("GET", f"/keys?site={site}" if site else "/keys", {"site": site} if site else None)
    lines = [
        f"{k['prefix']}\t{k['site']}\t{','.join(k['scopes'])}\t{k['name']}\t"
        f"{'revoked' if k['revoked_at'] else 'active'}"
        for k in keys
    ]
    emit(keys, as_json, "\n".join(lines) or "no keys")


@key_app.command("revoke")
def key_revoke(prefix: str) -> None:
    """Revoke an API key by its prefix."""
    run("DELETE", f"/keys/{prefix}")
    typer.echo(f"revoked {prefix}")


@goal_app.command("add")
def goal_add(
    site: Annotated[str, typer.Option(help="The site.")],
    event: Annotated[str | None, typer.Option(help="A custom event name.")] = None,
    page: Annotated[str | None, typer.Option(help="A page path; * and ** wildcards.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a goal: --event NAME or --page PATTERN."""
    goal = run("POST", "/goals", {"site": site, "event_name": event, "page_path": page})
    emit(goal, as_json, f"added goal {goal['name']!r} to {goal['site']}")


@goal_app.command("list")
def goal_list(
    site: Annotated[str | None, typer.Option(help="Only this site's goals.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List goals."""
    goals = run(
        "GET", f"/goals?site={site}" if site else "/goals", {"site": site} if site else None
    )
    lines = [f"{g['site']}\t{g['name']}" for g in goals]
    emit(goals, as_json, "\n".join(lines) or "no goals")


@goal_app.command("remove")
def goal_remove(name: str, site: Annotated[str, typer.Option(help="The goal's site.")]) -> None:
    """Remove a goal by its name (for a page goal: "Visit /path")."""
    run("DELETE", f"/sites/{site}/goals/{quote(name, safe='/')}")
    typer.echo(f"removed goal {name!r}")
