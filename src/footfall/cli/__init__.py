"""The ``footfall`` command: serve, archive, and site, key, goal, funnel and user
management.

Each room holds one group of commands; ``connection`` is how they reach the data.
See docs/cli.md.
"""

from __future__ import annotations

import typer

from footfall.cli.archive import archive
from footfall.cli.db import db_app
from footfall.cli.email import email_app
from footfall.cli.funnels import funnel_app
from footfall.cli.imports import import_app
from footfall.cli.serve import serve
from footfall.cli.shields import shield_app
from footfall.cli.sites import goal_app, key_app, site_app
from footfall.cli.transfer import export_command
from footfall.cli.users import user_app

app = typer.Typer(no_args_is_help=True, help="Footfall: privacy-first web analytics.")
app.command()(serve)
app.command()(archive)
app.command("export")(export_command)
app.add_typer(import_app, name="import")
app.add_typer(site_app, name="site")
app.add_typer(key_app, name="key")
app.add_typer(goal_app, name="goal")
app.add_typer(funnel_app, name="funnel")
app.add_typer(user_app, name="user")
app.add_typer(db_app, name="db")
app.add_typer(email_app, name="email")
app.add_typer(shield_app, name="shield")


def main() -> None:
    app()
