"""How the CLI reaches the data: the running server's management API, or the store.

An embedded backend (``Kind.embedded`` in store/registry.py) belongs to one process:
while ``footfall serve`` runs on it, the CLI talks to that server over loopback,
authenticated by the admin token kept (mode 0600) in the data directory; the server
writes where it listens to ``server.json`` there. With no server running, or on a
shared backend, the CLI opens the stores itself. See docs/cli.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from typing import Any, Protocol
from urllib.parse import unquote

import typer

from footfall.accounts import management as users
from footfall.accounts.service import AccountService
from footfall.apikeys import KeyRing
from footfall.config import Settings, load_settings, resolve_secret
from footfall.errors import FootfallError
from footfall.funnels import FunnelManager, funnel_json
from footfall.imports import service as imports
from footfall.shared import Shared
from footfall.shields import ShieldManager
from footfall.sites import SiteManager, goal_json, key_json, parse_scopes, site_json
from footfall.store.registry import open_stores

SERVER_FILE = "server.json"


class AdminClient(Protocol):
    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any: ...
    def close(self) -> None: ...


class RemoteAdmin:
    """The running server's management API on loopback."""

    def __init__(self, url: str, token: str) -> None:
        import httpx

        self._http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(
            method, f"/api/v1{path}", json=body if method in ("POST", "PUT") else None
        )
        data = response.json()
        if response.status_code >= 400:
            raise FootfallError(data.get("detail", response.text), code=data.get("error"))
        return data

    def upload(self, path: str, body: Iterator[bytes]) -> Any:
        """POST a stream of bytes (a zip to import), without a time limit on the answer."""
        response = self._http.post(f"/api/v1{path}", content=body, timeout=None)
        data = response.json()
        if response.status_code >= 400:
            raise FootfallError(data.get("detail", response.text), code=data.get("error"))
        return data

    def close(self) -> None:
        self._http.close()


class LocalAdmin:
    """The stores opened directly: no server holds them, or they are shared."""

    def __init__(self, settings: Settings) -> None:
        stores = open_stores(settings.database_url, settings.events_url, settings.store_options)
        secret = resolve_secret(settings, "secret_key", settings.secret_key)
        self._admin = SiteManager(stores, KeyRing(stores.catalog, secret))
        self._accounts = AccountService(stores, secret)
        # With Redis, running replicas drop their site and key caches after a change.
        self._shared = (
            Shared(settings.redis_url, settings.redis_password) if settings.redis_url else None
        )

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        result = self._call(method, path, body)
        if method != "GET" and self._shared is not None:
            self._shared.announce()
        return result

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        a, b = self._admin, body or {}
        match method, [unquote(part) for part in path.split("?")[0].strip("/").split("/")]:
            case "GET", ["sites"]:
                return [site_json(s) for s in a.stores.catalog.list_sites()]
            case "POST", ["sites"]:
                return site_json(a.add_site(b["domain"], b["timezone"], b.get("umami_website_id")))
            case "PUT", ["sites", domain, "retention"]:
                return site_json(a.set_retention(domain, b["retention_days"]))
            case "POST", ["sites", domain, "reset"]:
                return {"reset": a.reset_stats(domain).domain}
            case "POST", ["sites", domain, "delete-range"]:
                first, last = date.fromisoformat(b["from"]), date.fromisoformat(b["to"])
                site = a.delete_range(domain, first, last)
                return {"deleted": {"site": site.domain, "from": b["from"], "to": b["to"]}}
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
                return goal_json(goal, a.stores.catalog.get_site_by_id(goal.site_id))
            case "DELETE", ["sites", domain, "goals", *name]:
                a.remove_goal(domain, "/".join(name))
                return {"removed": "/".join(name)}
            case "GET", ["funnels"]:
                return FunnelManager(a.stores).list_json(b.get("site"))
            case "POST", ["funnels"]:
                made, site = FunnelManager(a.stores).add(b["site"], b["name"], b["steps"])
                return funnel_json(made, site)
            case "DELETE", ["sites", domain, "funnels", *name]:
                FunnelManager(a.stores).remove(domain, "/".join(name))
                return {"removed": "/".join(name)}
            case "GET", ["sites", domain, "shields"]:
                return ShieldManager(a.stores).show(domain)
            case "PUT", ["sites", domain, "shields"]:
                return ShieldManager(a.stores).replace(domain, b)
            case "POST", ["sites", domain, "shields", kind]:
                return ShieldManager(a.stores).add(domain, kind, b["value"])
            case "DELETE", ["sites", domain, "shields", kind, *value]:
                return ShieldManager(a.stores).remove(domain, kind, "/".join(value))
            case "GET", ["sites", domain, "imports"]:
                return [imports.import_json(i) for i in imports.list_imports(a.stores, domain)]
            case "DELETE", ["sites", domain, "imports"]:
                return {"removed": imports.remove_imports(a.stores, domain)}
            case "DELETE", ["keys", prefix]:
                a.revoke_key(prefix)
                return {"revoked": prefix}
            case "GET", ["users"]:
                return users.list_users(self._accounts)
            case "POST", ["users"]:
                acc = self._accounts
                user = users.add_user(acc, b["email"], b["password"], b["role"], b["site"])
                return users.user_json(user)
            case "DELETE", ["users", email, "2fa"]:
                self._accounts.reset_two_factor(email)
                return {"reset": email}
            case "DELETE", ["users", email]:
                self._accounts.remove_user(email)
                return {"removed": email}
        raise FootfallError(f"unknown admin call {method} {path}")

    def close(self) -> None:
        self._admin.stores.close()
        if self._shared is not None:
            self._shared.close()


def running_server(settings: Settings) -> dict[str, Any] | None:
    data_dir = settings.data_dir
    if data_dir is None or not (data_dir / SERVER_FILE).exists():
        return None
    info: dict[str, Any] = json.loads((data_dir / SERVER_FILE).read_text())
    try:
        os.kill(int(info["pid"]), 0)
    except (ProcessLookupError, PermissionError, ValueError, KeyError):
        return None
    return info


def connect() -> AdminClient:
    settings = load_settings()
    server = running_server(settings) if settings.embedded else None
    if server is not None:
        return RemoteAdmin(
            server["url"], resolve_secret(settings, "admin_token", settings.admin_token)
        )
    return LocalAdmin(settings)


def run(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    import httpx

    try:
        client = connect()
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


def emit(data: Any, as_json: bool, line: str) -> None:
    typer.echo(json.dumps(data, indent=2) if as_json else line)
