"""``footfall user add|list|remove``: accounts from the command line.

Like the site and key commands, these talk to the running server over loopback when
one holds the store, and open the store directly otherwise.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import typer

from footfall.accounts import admin as users
from footfall.accounts.service import Accounts
from footfall.config import load_settings, resolve_secret
from footfall.errors import FootfallError
from footfall.store.base import open_store

user_app = typer.Typer(no_args_is_help=True, help="Manage user accounts (dashboard logins).")


def _local(method: str, path: str, body: dict[str, Any]) -> Any:
    settings = load_settings()
    store = open_store(settings.database_url)
    try:
        acc = Accounts(store, resolve_secret(settings, "secret_key", settings.secret_key))
        if method == "GET":
            return users.list_users(acc)
        if method == "POST":
            user = users.add_user(acc, body["email"], body["password"], body["role"], body["site"])
            return users.user_json(user)
        acc.remove_user(body["email"])
        return {"removed": body["email"]}
    finally:
        store.close()


def _call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    from footfall.cli import RemoteAdmin, _running_server  # cli imports this module

    try:
        settings = load_settings()
        server = _running_server(settings)
        if server is None:
            return _local(method, path, body or {})
        remote = RemoteAdmin(
            server["url"], resolve_secret(settings, "admin_token", settings.admin_token)
        )
        try:
            return remote.call(method, path, body)
        finally:
            remote.close()
    except FootfallError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    except httpx.HTTPError as exc:
        typer.echo(f"error: cannot reach the running server: {exc}", err=True)
        raise typer.Exit(1) from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[str, typer.Option(help="owner, admin or viewer.")] = "viewer",
    site: Annotated[
        str | None, typer.Option(help="Give the role on this site only (default: every site).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Add a user (the first owner of a new instance, say), or give a user a role."""
    password = _password(password_stdin)
    body = {"email": email, "password": password, "role": role, "site": site}
    user = _call("POST", "/users", body)
    where = f"on {site}" if site else "on every site"
    typer.echo(f"{user['email']}: {role} {where}")


@user_app.command("list")
def user_list() -> None:
    """List users with their roles."""
    rows = _call("GET", "/users")
    lines = []
    for u in rows:
        sites = ", ".join(f"{d}:{r}" for d, r in sorted(u["sites"].items()))
        lines.append(f"{u['email']}\t{u['role'] or '-'}\t{sites}")
    typer.echo("\n".join(lines) or "no users yet")


@user_app.command("remove")
def user_remove(email: str) -> None:
    """Remove a user with their sessions and roles."""
    _call("DELETE", f"/users/{quote(email, safe='@')}", {"email": email})
    typer.echo(f"removed {email}")
