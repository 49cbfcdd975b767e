"""Minify the tracker: ``make tracker`` (or ``python -m footfall.tracker.build``).

Two builds of one source: script.min.js leaves out the lines between the
``// engagement{`` and ``// }engagement`` markers (it must fit the budget),
script.engagement.min.js keeps them (engaged time and scroll depth, opt in).

A development tool: calmjs.parse (pure Python, a dev dependency) parses the ES5
source and prints it minified with local names shortened. The output is checked in
as script.min.js, so installing or running Footfall needs neither this nor Node;
tests/tracker/test_build.py fails when the checked-in file is stale.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
SOURCE = HERE / "script.js"
TARGET = HERE / "script.min.js"
TARGET_ENGAGEMENT = HERE / "script.engagement.min.js"
BUDGET_GZIPPED = 1536  # bytes: the design's 1.5 KB (the default build)
_ENGAGEMENT = re.compile(r"^[ \t]*// engagement\{$.*?^[ \t]*// \}engagement\n", re.M | re.S)


def without_engagement(source: str) -> str:
    """The source of the default build: the engagement blocks cut out."""
    return _ENGAGEMENT.sub("", source)


def minify(source: str) -> str:
    from calmjs.parse import es5
    from calmjs.parse.unparsers.es5 import minify_print

    text: str = minify_print(es5(source), obfuscate=True, obfuscate_globals=False)
    return text + "\n"


def gzipped_size(data: bytes) -> int:
    """Size as served: gzip at the highest level, no file name or time in the header."""
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def main() -> int:
    source = SOURCE.read_text()
    full = minify(source).encode()
    TARGET_ENGAGEMENT.write_bytes(full)
    print(f"{TARGET_ENGAGEMENT.name}: {len(full)} bytes, {gzipped_size(full)} gzipped")
    out = minify(without_engagement(source)).encode()
    TARGET.write_bytes(out)
    size = gzipped_size(out)
    print(f"{TARGET.name}: {len(out)} bytes, {size} gzipped (budget {BUDGET_GZIPPED})")
    return 0 if size <= BUDGET_GZIPPED else 1


if __name__ == "__main__":
    sys.exit(main())
