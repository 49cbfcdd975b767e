"""Country names for ``visit:country_name``: events store ISO codes; names are a label."""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import cache
from importlib import resources


@cache
def names() -> dict[str, str]:
    text = (resources.files("footfall.stats") / "data" / "countries.csv").read_text()
    rows = csv.reader(line for line in text.splitlines() if not line.startswith("#"))
    next(rows)  # header
    return {row[0]: row[1] for row in rows}


def codes_matching(test: Callable[[str], bool]) -> list[str]:
    """ISO codes whose names pass ``test``."""
    return [code for code, name in names().items() if test(name)]
