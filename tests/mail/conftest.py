"""Email tests: a real SMTP server on loopback, and the app served with email on."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from footfall.config import Settings
from footfall.sites import SiteManager
from footfall.store.registry import Stores
from footfall.web.app import create_app
from footfall.web.services import Services
from tests.smtp import PASSWORD, SmtpServer, free_port, smtp_server
from tests.support import Live, settings_for

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


def serve(settings: Settings, port: int, stores: Stores | None = None) -> tuple[Live, object]:
    """The app with ``settings`` on ``port`` (its FOOTFALL_PUBLIC_URL) in a thread."""
    app = create_app(settings, stores=stores)
    svc: Services = app.state.services
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    return Live(f"http://127.0.0.1:{port}", svc, SiteManager(svc.stores, svc.keys), server), thread


def stop(live: Live, thread: object) -> None:
    live.server.should_exit = True
    assert isinstance(thread, threading.Thread)
    thread.join(timeout=30)


@pytest.fixture
def mail_live(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Live]:
    """The app with email through ``smtp_server``, example.com registered."""
    port = free_port()
    live, thread = serve(mail_settings(tmp_path, smtp_server, port), port)
    live.admin.add_site("example.com")
    yield live
    stop(live, thread)
