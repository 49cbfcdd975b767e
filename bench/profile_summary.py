"""Where a server spent its time, from py-spy's collapsed stacks (``--format raw``).

    .venv/bin/python bench/profile_summary.py PROFILE.txt [--top 25]

py-spy records a thread only while it runs (no ``--idle``), so a thread's samples
over the run's length are its CPU share. Prints each thread's share, then for the
busiest thread the functions by inclusive and by self time (a function's
line numbers folded together). bench/ingest.py --profile calls ``show`` per row.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r"^(.*) (\d+)$")
_FRAME = re.compile(r"^(.*?) \((.*?)(?::\d+)?\)$")


def _name(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    func, path = match.groups()
    parts = Path(path).parts
    short = "/".join(
        parts[parts.index("site-packages") + 1 :] if "site-packages" in parts else parts[-2:]
    )
    return f"{func} ({short})"


def load(path: Path) -> dict[str, Counter[tuple[str, ...]]]:
    """Stacks per thread (root first), each with its sample count."""
    threads: dict[str, Counter[tuple[str, ...]]] = {}
    for line in path.read_text().splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        stack, count = match.group(1).split(";"), int(match.group(2))
        thread = stack[0] if stack and stack[0].startswith(("thread", "process")) else "?"
        frames = tuple(_name(f) for f in stack if not f.startswith(("thread", "process")))
        threads.setdefault(thread, Counter())[frames] += count
    return threads


def show(path: Path, top: int = 25) -> None:
    threads = load(path)
    total = sum(sum(c.values()) for c in threads.values()) or 1
    print("| thread | share of the samples |\n|---|---|")
    for thread, stacks in sorted(threads.items(), key=lambda t: -sum(t[1].values())):
        print(f"| {thread[:60]} | {100 * sum(stacks.values()) / total:.0f}% |")
    busy = max(threads.values(), key=lambda c: sum(c.values()), default=None)
    if busy is None:
        return
    n = sum(busy.values()) or 1
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for stack, count in busy.items():
        for frame in set(stack):
            inclusive[frame] += count
        if stack:
            own[stack[-1]] += count
    print(f"\nbusiest thread, {n} busy samples: inclusive | self")
    for (a, ca), (b, cb) in zip(inclusive.most_common(top), own.most_common(top), strict=False):
        print(f"{100 * ca / n:5.1f}% {a[:70]:<70} | {100 * cb / n:5.1f}% {b[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    show(args.profile, args.top)


if __name__ == "__main__":
    main()
