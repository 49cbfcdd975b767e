"""``footfall archive``: write the closed days not yet in the S3 archive (backfill)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer

from footfall.config import load_settings
from footfall.errors import FootfallError
from footfall.store.registry import open_stores


def archive(
    since: Annotated[
        str | None, typer.Option(help="Only days from this one on (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Export every ended day of every site to FOOTFALL_ARCHIVE_URL as Parquet, once."""
    # boto3 only for this command, not in every server
    from footfall.archive import Archive, archive_closed_days

    settings = load_settings()
    if not settings.archive_url:
        raise typer.BadParameter("set FOOTFALL_ARCHIVE_URL=s3://bucket/prefix first")
    first = date.fromisoformat(since) if since else None
    stores = open_stores(settings.database_url, settings.events_url, settings.store_options)
    try:
        written = archive_closed_days(
            Archive(settings.archive_url),
            stores.catalog,
            stores.stats,
            stores.events,
            datetime.now(UTC),
            first,
        )
    except FootfallError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        stores.close()
    for w in written:
        state = "written" if w.created else "already there"
        typer.echo(f"site {w.site_id} {w.day}: {w.events} events, s3://.../{w.key} ({state})")
    typer.echo(f"{len(written)} days archived")
