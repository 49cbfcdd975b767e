"""Email tests: a real SMTP server on loopback, and the app served with email on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from footfall.config import Settings
from footfall.sites import SiteManager
from footfall.web.app import create_app
from footfall.web.services import Services
from tests.smtp import PASSWORD, SmtpServer, free_port, smtp_server
from tests.support import Live, serving, settings_for

__all__ = ["smtp_server"]


def mail_settings(directory: Path, server: SmtpServer, port: int, **more: object) -> Settings:
    return settings_for(
        directory,
        public_url=f"http://127.0.0.1:{port}",
        smtp_url=server.url,
        smtp_password=PASSWORD,
        email_from="Footfall <footfall@footfall.test>",
        flush_interval_ms=2,
        **more,
    )


@pytest.fixture
def mail_live(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Live]:
    """The app with email through ``smtp_server``, example.com registered."""
    port = free_port()
    app = create_app(mail_settings(tmp_path, smtp_server, port))
    svc: Services = app.state.services
    admin = SiteManager(svc.stores, svc.keys)
    admin.add_site("example.com")
    with serving(app, port) as (url, server):
        yield Live(url, svc, admin, server)
