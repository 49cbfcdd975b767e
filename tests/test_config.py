from __future__ import annotations

import pytest

from footfall.config import load_settings, path_from_url, resolve_secret
from footfall.errors import ConfigError


def test_unknown_backend_fails_with_a_sentence() -> None:
    with pytest.raises(ConfigError, match="FOOTFALL_DATABASE_URL"):
        load_settings(database_url="mysql://x")


def test_several_workers_need_a_shared_store() -> None:
    with pytest.raises(ConfigError, match="FOOTFALL_WORKERS above 1 needs a shared store"):
        load_settings(workers=2)


def test_short_secret_refused_outside_dev(tmp_path: object) -> None:
    s = load_settings(database_url=f"duckdb:///{tmp_path}/x.duckdb")
    with pytest.raises(ConfigError, match="at least 32"):
        resolve_secret(s, "secret_key", "short")
    dev = load_settings(database_url=f"duckdb:///{tmp_path}/x.duckdb", dev=True)
    assert resolve_secret(dev, "secret_key", "short") == "short"


def test_embedded_secret_is_generated_once_with_mode_600(tmp_path: object) -> None:
    from pathlib import Path

    s = load_settings(database_url=f"duckdb:///{tmp_path}/d/x.duckdb")
    first = resolve_secret(s, "secret_key", "")
    assert first == resolve_secret(s, "secret_key", "")
    assert len(first) >= 32
    assert (Path(f"{tmp_path}/d/secret_key").stat().st_mode & 0o777) == 0o600


def test_url_paths() -> None:
    assert path_from_url("duckdb:///./footfall-data/x.duckdb") == "./footfall-data/x.duckdb"
    assert path_from_url("duckdb:////var/lib/x.duckdb") == "/var/lib/x.duckdb"
