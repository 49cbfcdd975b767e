"""The ``footfall`` command: serve, site and key management.

While ``footfall serve`` runs on an embedded DuckDB file, it owns that file; the CLI
then talks to it over loopback through the management API, authenticated by the
admin token kept (mode 0600) in the data directory. With no server running, the CLI
opens the store itself. See docs/cli.md.
"""

from __future__ import annotations

import gc
import json
import os
import signal
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, Protocol
from urllib.parse import quote, unquote

import httpx
import typer

from footfall.accounts import admin as users
from footfall.accounts.service import Accounts
from footfall.auth import KeyRing
from footfall.cli_users import user_app
from footfall.config import Settings, load_settings, resolve_secret
from footfall.errors import FootfallError
from footfall.files import write_atomic
from footfall.ingest.request import normalize_domain
from footfall.sites_admin import Admin, goal_json, key_json, parse_scopes, site_json
from footfall.store.base import open_store
from footfall.tracker import snippet

app = typer.Typer(no_args_is_help=True, help="Footfall: privacy-first web analytics.")
site_app = typer.Typer(no_args_is_help=True, help="Manage sites.")
key_app = typer.Typer(no_args_is_help=True, help="Manage API keys.")
app.add_typer(site_app, name="site")
app.add_typer(key_app, name="key")
goal_app = typer.Typer(no_args_is_help=True, help="Manage goals (conversions).")
app.add_typer(goal_app, name="goal")
app.add_typer(user_app, name="user")

SERVER_FILE = "server.json"


class AdminClient(Protocol):
    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any: ...
    def close(self) -> None: ...


class RemoteAdmin:
    """The running server's management API on loopback."""

    def __init__(self, url: str, token: str) -> None:
        self._http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(
            method, f"/api/v1{path}", json=body if method == "POST" else None
        )
        data = response.json()
        if response.status_code >= 400:
            raise FootfallError(data.get("detail", response.text), code=data.get("error"))
        return data

    def close(self) -> None:
        self._http.close()


class LocalAdmin:
    """The store opened directly, when no server holds it."""

    def __init__(self, settings: Settings) -> None:
        store = open_store(
            settings.database_url, timedelta(minutes=settings.session_timeout_minutes)
        )
        secret = resolve_secret(settings, "secret_key", settings.secret_key)
        self._admin = Admin(store, KeyRing(store, secret))
        self._accounts = Accounts(store, secret)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        a, b = self._admin, body or {}
        match method, [unquote(part) for part in path.split("?")[0].strip("/").split("/")]:
            case "GET", ["sites"]:
                return [site_json(s) for s in a.store.list_sites()]
            case "POST", ["sites"]:
                return site_json(a.add_site(b["domain"], b["timezone"], b.get("umami_website_id")))
            case "DELETE", ["sites", domain]:
                a.remove_site(domain)
                return {"removed": domain}
            case "GET", ["keys"]:
                return a.list_keys(b.get("site"))
            case "POST", ["keys"]:
                new = a.create_key(b["site"], parse_scopes(b["scopes"]), b.get("name", ""))
                return {"key": new.key, **key_json(new.meta, new.site)}
            case "GET", ["goals"]:
                return a.list_goals(b.get("site"))
            case "POST", ["goals"]:
                goal = a.add_goal(b["site"], b.get("event_name"), b.get("page_path"))
                return goal_json(goal, a.store.get_site_by_id(goal.site_id))
            case "DELETE", ["sites", domain, "goals", *name]:
                a.remove_goal(domain, "/".join(name))
                return {"removed": "/".join(name)}
            case "DELETE", ["keys", prefix]:
                a.revoke_key(prefix)
                return {"revoked": prefix}
            case "GET", ["users"]:
                return users.list_users(self._accounts)
            case "POST", ["users"]:
                acc = self._accounts
                user = users.add_user(acc, b["email"], b["password"], b["role"], b["site"])
                return users.user_json(user)
            case "DELETE", ["users", email]:
                self._accounts.remove_user(email)
                return {"removed": email}
        raise FootfallError(f"unknown admin call {method} {path}")

    def close(self) -> None:
        self._admin.store.close()


def _running_server(settings: Settings) -> dict[str, Any] | None:
    data_dir = settings.data_dir
    if data_dir is None or not (data_dir / SERVER_FILE).exists():
        return None
    info: dict[str, Any] = json.loads((data_dir / SERVER_FILE).read_text())
    try:
        os.kill(int(info["pid"]), 0)
    except (ProcessLookupError, PermissionError, ValueError, KeyError):
        return None
    return info


def _client() -> AdminClient:
    settings = load_settings()
    server = _running_server(settings)
    if server is not None:
        return RemoteAdmin(
            server["url"], resolve_secret(settings, "admin_token", settings.admin_token)
        )
    return LocalAdmin(settings)


def _run(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    try:
        client = _client()
        try:
            return client.call(method, path, body)
        finally:
            client.close()
    except FootfallError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    except httpx.HTTPError as exc:
        typer.echo(f"error: cannot reach the running server: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (shared stores).")] = None,
    dev: Annotated[bool, typer.Option(help="Relax production checks.")] = False,
) -> None:
    """Run the HTTP server (ingest, stats, dashboard)."""
    import uvicorn

    from footfall.logs import configure
    from footfall.web import serving
    from footfall.web.app import create_app

    overrides: dict[str, object] = {"dev": True} if dev else {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    if workers is not None:
        overrides["workers"] = workers
    try:
        settings = load_settings(**overrides)
        configure(settings.log_level)
        # Several workers each build their own app from the environment (shared
        # stores only, which the settings check); one worker gets this one.
        application: Any = (
            create_app(settings) if settings.workers == 1 else "footfall.web.app:create_app"
        )
    except FootfallError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    # Start-up objects (parsers, regexes, caches) never die: keep them out of the
    # collector's sight so full collections stay short under load.
    gc.collect()
    gc.freeze()
    extra = None
    if settings.metrics_listen and settings.workers == 1:
        extra = serving.metrics_server(settings, application.state.services)
        serving.start_in_thread(extra)
    marker = _write_server_file(settings)
    try:
        uvicorn.run(
            application,
            factory=settings.workers > 1,
            workers=settings.workers,
            **serving.server_options(settings),
        )
    finally:
        if extra is not None:
            extra.should_exit = True
        if marker is not None:
            marker.unlink(missing_ok=True)


def _write_server_file(settings: Settings) -> Path | None:
    """Tell the CLI where this server listens (atomically: never a half-written file).
    It is removed at exit, a SIGTERM or SIGINT included: uvicorn re-raises the signal
    after its graceful shutdown, which would kill the process before ``finally``."""
    data_dir = settings.data_dir
    if data_dir is None:
        return None
    path = data_dir / SERVER_FILE
    info = {"url": settings.loopback_url, "pid": os.getpid()}
    write_atomic(path, json.dumps(info).encode())
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)

        def remove_then(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
            path.unlink(missing_ok=True)
            signal.signal(signum, previous)
            signal.raise_signal(signum)

        signal.signal(sig, remove_then)
    return path


def _print(data: Any, as_json: bool, line: str) -> None:
    typer.echo(json.dumps(data, indent=2) if as_json else line)


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
    site = _run(
        "POST",
        "/sites",
        {"domain": domain, "timezone": timezone, "umami_website_id": umami_website_id},
    )
    _print(site, as_json, f"added {site['domain']} ({site['timezone']})")


@site_app.command("list")
def site_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List sites."""
    sites = _run("GET", "/sites")
    lines = [f"{s['domain']}\t{s['timezone']}\tumami:{s['umami_website_id']}" for s in sites]
    _print(sites, as_json, "\n".join(lines) or "no sites yet")


@site_app.command("remove")
def site_remove(domain: str) -> None:
    """Remove a site with all its events and keys."""
    _run("DELETE", f"/sites/{domain}")
    typer.echo(f"removed {domain}")


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
    if not any(s["domain"] == wanted for s in _run("GET", "/sites")):
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
    new = _run("POST", "/keys", {"site": site, "scopes": scopes.split(","), "name": name})
    _print(
        new, as_json, f"{new['key']}\n(prefix {new['prefix']}; store it now, it is not shown again)"
    )


@key_app.command("list")
def key_list(
    site: Annotated[str | None, typer.Option(help="Only this site's keys.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List API keys (prefixes and metadata; never the keys)."""
    keys = _run("GET", f"/keys?site={site}" if site else "/keys", {"site": site} if site else None)
    lines = [
        f"{k['prefix']}\t{k['site']}\t{','.join(k['scopes'])}\t{k['name']}\t"
        f"{'revoked' if k['revoked_at'] else 'active'}"
        for k in keys
    ]
    _print(keys, as_json, "\n".join(lines) or "no keys")


@key_app.command("revoke")
def key_revoke(prefix: str) -> None:
    """Revoke an API key by its prefix."""
    _run("DELETE", f"/keys/{prefix}")
    typer.echo(f"revoked {prefix}")


@goal_app.command("add")
def goal_add(
    site: Annotated[str, typer.Option(help="The site.")],
    event: Annotated[str | None, typer.Option(help="A custom event name.")] = None,
    page: Annotated[str | None, typer.Option(help="A page path; * and ** wildcards.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a goal: --event NAME or --page PATTERN."""
    goal = _run("POST", "/goals", {"site": site, "event_name": event, "page_path": page})
    _print(goal, as_json, f"added goal {goal['name']!r} to {goal['site']}")


@goal_app.command("list")
def goal_list(
    site: Annotated[str | None, typer.Option(help="Only this site's goals.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List goals."""
    goals = _run(
        "GET", f"/goals?site={site}" if site else "/goals", {"site": site} if site else None
    )
    lines = [f"{g['site']}\t{g['name']}" for g in goals]
    _print(goals, as_json, "\n".join(lines) or "no goals")


@goal_app.command("remove")
def goal_remove(name: str, site: Annotated[str, typer.Option(help="The goal's site.")]) -> None:
    """Remove a goal by its name (for a page goal: "Visit /path")."""
    _run("DELETE", f"/sites/{site}/goals/{quote(name, safe='/')}")
    typer.echo(f"removed goal {name!r}")


def main() -> None:
    app()
