"""``footfall serve``: the HTTP server (ingest, stats, dashboard)."""

from __future__ import annotations

import gc
import json
import os
import signal
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from footfall.cli.connection import SERVER_FILE
from footfall.cli.db import grant_app_user_for
from footfall.config import Settings, load_settings
from footfall.errors import FootfallError
from footfall.files import write_atomic


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
        if settings.database_admin_secret:
            # Before any worker opens the store: it connects as the role made here.
            grant_app_user_for(settings)
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
    # A request's objects live until its group commit (~5-30 ms), so at the default
    # 700 allocations a young collection ran every request or two and walked every
    # in-flight request's objects each time; at 10,000 it runs every ~20 requests.
    gc.set_threshold(10_000, 10, 10)
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
