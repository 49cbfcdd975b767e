"""Minify the tracker: ``make tracker`` (or ``python -m footfall.tracker.build``).

A development tool: calmjs.parse (pure Python, a dev dependency) parses the ES5
source and prints it minified with local names shortened. The output is checked in
as script.min.js, so installing or running Footfall needs neither this nor Node;
tests/tracker/test_build.py fails when the checked-in file is stale.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

HERE = Path(__file__).parent
SOURCE = HERE / "script.js"
TARGET = HERE / "script.min.js"
BUDGET_GZIPPED = 1536  # bytes: the design's 1.5 KB


def minify(source: str) -> str:
    from calmjs.parse import es5
    from calmjs.parse.unparsers.es5 import minify_print

    text: str = minify_print(es5(source), obfuscate=True, obfuscate_globals=False)
    return text + "\n"


def gzipped_size(data: bytes) -> int:
    """Size as served: gzip at the highest level, no file name or time in the header."""
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def main() -> int:
    out = minify(SOURCE.read_text()).encode()
    TARGET.write_bytes(out)
    size = gzipped_size(out)
    print(f"{TARGET.name}: {len(out)} bytes, {size} gzipped (budget {BUDGET_GZIPPED})")
    return 0 if size <= BUDGET_GZIPPED else 1


if __name__ == "__main__":
    sys.exit(main())
