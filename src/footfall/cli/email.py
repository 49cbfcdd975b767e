"""``footfall email test ADDRESS``: send one message now, straight through the SMTP
server the settings name (not through the outbox), and say what the server answered."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from footfall.config import load_settings
from footfall.mail import smtp
from footfall.mail.compose import message as compose
from footfall.mail.compose import render
from footfall.mail.models import Mail

email_app = typer.Typer(no_args_is_help=True, help="Email: check the SMTP settings.")


@email_app.command("test")
def email_test(address: str) -> None:
    """Send a test message to ADDRESS with FOOTFALL_SMTP_URL and FOOTFALL_EMAIL_FROM."""
    settings = load_settings()
    config = smtp.from_settings(settings.smtp_url, settings.smtp_password, settings.email_from)
    if config is None:
        typer.echo("email is off: set FOOTFALL_SMTP_URL and FOOTFALL_EMAIL_FROM", err=True)
        raise typer.Exit(2)
    server = f"{config.host}:{config.port} ({config.security})"
    r = render("test", server=server)
    mail = Mail(0, address, r.subject, r.text, r.html, 1, datetime.now(UTC))
    try:
        smtp.send(config, compose(config, mail))
    except smtp.MailError as exc:
        typer.echo(f"{server} did not take the message: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"sent a test message to {address} through {server}")
