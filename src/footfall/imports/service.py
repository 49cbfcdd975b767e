"""Imports of a site's history as the CLI runs them: read, check, store as one import
(replacing the same file's earlier one), list, remove as a whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from footfall.domain import Site, normalize_domain
from footfall.errors import InputError, NotFoundError
from footfall.imports import plausible, umami
from footfall.imports.plausible import Export
from footfall.store.base import ImportedData, ImportInfo
from footfall.store.registry import Stores


def _target(stores: Stores, domain: str) -> tuple[Site, ImportedData]:
    site = stores.catalog.get_site(normalize_domain(domain))
    if site is None:
        raise NotFoundError(f"no site {domain}", field="site")
    if stores.imported is None:
        raise InputError("this store keeps no imported data")
    return site, stores.imported


def import_plausible(
    stores: Stores, domain: str, path: Path, progress: Callable[[int], None] = lambda _: None
) -> ImportInfo:
    site, imported = _target(stores, domain)
    return _save(imported, site, "plausible", plausible.read_export(path, progress))


def import_umami(
    stores: Stores, domain: str, path: Path, progress: Callable[[int], None] = lambda _: None
) -> ImportInfo:
    site, imported = _target(stores, domain)
    return _save(imported, site, "umami", umami.read_export(path, site.timezone, progress))


SOURCES = {"plausible": import_plausible, "umami": import_umami}


def total_size(source: str, path: Path) -> int:
    """The bytes an import of ``path`` reads (what its progress adds up to)."""
    return umami.total_size(path) if source == "umami" else plausible.total_size(path)


def _save(imported: ImportedData, site: Site, source: str, export: Export) -> ImportInfo:
    start, end = export.dates
    info = ImportInfo(
        site.id,
        export.digest,
        source,
        export.file_name,
        start,
        end,
        export.rows,
        datetime.now(UTC),
    )
    imported.save_import(info, export.tables)
    return info


def list_imports(stores: Stores, domain: str) -> list[ImportInfo]:
    site, imported = _target(stores, domain)
    return imported.list_imports(site.id)


def remove_imports(stores: Stores, domain: str) -> int:
    site, imported = _target(stores, domain)
    return imported.remove_imports(site.id)


def import_json(info: ImportInfo) -> dict[str, Any]:
    return {
        "source": info.source,
        "file": info.file_name,
        "digest": info.digest,
        "start_date": info.start_date.isoformat() if info.start_date else None,
        "end_date": info.end_date.isoformat() if info.end_date else None,
        "rows": info.rows,
        "created_at": info.created_at.isoformat(),
    }
