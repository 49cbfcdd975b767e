"""Tracker size: the minified script as served, against the 1.5 KB budget."""

from __future__ import annotations

import gzip

from footfall import tracker
from footfall.tracker import build


def main() -> None:
    source = build.SOURCE.read_bytes()
    served = tracker.script()
    rows = [
        ("script.js (source)", len(source), len(gzip.compress(source, 9, mtime=0))),
        ("script.min.js (served)", len(served), build.gzipped_size(served)),
    ]
    print(f"| {'file':<24} | {'bytes':>6} | {'gzipped':>7} | budget |")
    print(f"|{'-' * 26}|{'-' * 8}|{'-' * 9}|--------|")
    for name, raw, packed in rows:
        print(f"| {name:<24} | {raw:>6} | {packed:>7} | {build.BUDGET_GZIPPED:>6} |")


if __name__ == "__main__":
    main()
