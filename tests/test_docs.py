"""Docs are tested: every setting and every route is documented (Datasette's habit)."""

from __future__ import annotations

from pathlib import Path

from footfall.config import Settings
from tests.support import Running

DOCS = Path(__file__).parent.parent / "docs"
README = Path(__file__).parent.parent / "README.md"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`FOOTFALL_{name.upper()}`" in text, name


def test_every_route_is_documented(running: Running) -> None:
    text = (DOCS / "api.md").read_text()
    for path in running.operator_get("/openapi.json").json()["paths"]:
        assert path.split("{")[0].rstrip("/") in text, path


def test_readme_opens_with_the_two_commands() -> None:
    lines = [ln for ln in README.read_text().splitlines() if ln.startswith("make ")]
    assert [ln.split()[:2] for ln in lines[:2]] == [["make", "run"], ["make", "test"]]


def test_every_drop_reason_is_documented() -> None:
    from footfall.domain import DropReason

    text = (DOCS / "api.md").read_text()
    for reason in DropReason:
        assert f"`{reason.value}`" in text, reason


def test_every_metric_is_defined() -> None:
    from footfall.stats.metrics import TABLE

    text = (DOCS / "metrics.md").read_text()
    for name, metric in TABLE.items():
        assert f"`{name}`" in text, name
        assert metric.label, name  # the dashboard shows it
