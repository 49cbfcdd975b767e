"""STARTTLS for real (a self-signed certificate the client is told to trust), its
refusal to go on in clear text, and ``footfall email test`` against the server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from footfall.cli import app
from footfall.mail import smtp
from footfall.mail.compose import message, render
from footfall.mail.models import Mail
from tests.smtp import PASSWORD, SmtpServer, parts, self_signed


def a_message(to: str = "ann@example.com") -> Mail:
    r = render("test", server="x")
    return Mail(1, to, r.subject, r.text, r.html, 1, datetime(2026, 3, 10, tzinfo=UTC))


def test_starttls_with_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # OpenSSL's default trust store
    server = SmtpServer(tls=(cert, key))
    try:
        config = smtp.parse(server.url, PASSWORD, "footfall@footfall.test")
        assert config.security == "starttls"
        smtp.send(config, message(config, a_message()))
        [msg] = server.inbox.wait_for(1)
        assert "Footfall can send email" in parts(msg)[0]
    finally:
        server.stop()


def test_starttls_refuses_an_untrusted_certificate(tmp_path: Path) -> None:
    server = SmtpServer(tls=self_signed(tmp_path))
    try:
        config = smtp.parse(server.url, PASSWORD, "footfall@footfall.test")
        with pytest.raises(smtp.MailError, match="CERTIFICATE_VERIFY_FAILED") as failed:
            smtp.send(config, message(config, a_message()))
        assert not failed.value.permanent  # retried: the operator may fix the trust
    finally:
        server.stop()


def test_smtp_url_never_sends_in_clear_text(smtp_server: SmtpServer) -> None:
    url = smtp_server.url.replace("smtp+plain://", "smtp://")
    config = smtp.parse(url, PASSWORD, "footfall@footfall.test")
    with pytest.raises(smtp.MailError, match="does not offer STARTTLS"):
        smtp.send(config, message(config, a_message()))
    assert smtp_server.inbox.messages == []


def cli(env: dict[str, str | None], *args: str) -> Result:
    """The command in this process (a subprocess costs seconds of imports)."""
    return CliRunner().invoke(app, list(args), env=env)


def test_email_test_command(smtp_server: SmtpServer) -> None:
    env: dict[str, str | None] = {
        "FOOTFALL_SMTP_URL": smtp_server.url,
        "FOOTFALL_SMTP_PASSWORD": PASSWORD,
        "FOOTFALL_EMAIL_FROM": "Footfall <footfall@footfall.test>",
    }
    done = cli(env, "email", "test", "ops@example.com")
    assert done.exit_code == 0, done.output
    assert "sent a test message to ops@example.com through 127.0.0.1:" in done.output
    [msg] = smtp_server.inbox.wait_for(1)
    assert msg["To"] == "ops@example.com" and msg["Subject"] == "Footfall test message"
    smtp_server.inbox.refuse = 1
    refused = cli(env, "email", "test", "ops@example.com")
    assert refused.exit_code == 1 and "451" in refused.output
    off = cli(dict.fromkeys(env), "email", "test", "ops@example.com")
    assert off.exit_code == 2 and "set FOOTFALL_SMTP_URL" in off.output
