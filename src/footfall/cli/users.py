"""``footfall user add|list|remove``: accounts from the command line.

Like the site and key commands, these go through cli/connection.py.
"""

from __future__ import annotations

import sys
from typing import Annotated
from urllib.parse import quote

import typer

from footfall.cli.connection import run

user_app = typer.Typer(no_args_is_help=True, help="Manage user accounts (dashboard logins).")


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
    user = run("POST", "/users", body)
    where = f"on {site}" if site else "on every site"
    typer.echo(f"{user['email']}: {role} {where}")


@user_app.command("list")
def user_list() -> None:
    """List users with their roles."""
    rows = run("GET", "/users")
    lines = []
    for u in rows:
        sites = ", ".join(f"{d}:{r}" for d, r in sorted(u["sites"].items()))
        lines.append(f"{u['email']}\t{u['role'] or '-'}\t{sites}")
    typer.echo("\n".join(lines) or "no users yet")


@user_app.command("reset-2fa")
def user_reset_two_factor(email: str) -> None:
    """Turn a user's two-factor authentication off (a lost phone and spent recovery
    codes, or a changed FOOTFALL_SECRET_KEY); they log in with the password alone."""
    run("DELETE", f"/users/{quote(email, safe='@')}/2fa", {"email": email})
    typer.echo(f"two-factor authentication of {email} is off")


@user_app.command("remove")
def user_remove(email: str) -> None:
    """Remove a user with their sessions and roles."""
    run("DELETE", f"/users/{quote(email, safe='@')}", {"email": email})
    typer.echo(f"removed {email}")
