"""Shell scripts under ``set -o pipefail`` never pipe into a reader that stops early.

``cmd | head -n1`` (or ``grep -q``, ``grep -m``) closes the pipe after the first
match; ``cmd`` may still be writing and dies of SIGPIPE (exit 141), which pipefail
turns into a failure of the whole pipeline: a check that fails now and then
(scripts/infra/check.sh did, on ``terraform version | head -n1``). Read the whole
output instead (``mapfile``, ``${var%%$'\\n'*}``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(
    p
    for d in ("scripts", "deploy", "bench", ".ci")
    if (ROOT / d).is_dir()
    for p in (ROOT / d).rglob("*.sh")
)
# A pipe whose reader may exit before its writer is done.
EARLY_EXIT_READER = re.compile(r"\|\s*(head\b|grep\s+(-\w*[qm]\w*\b)|sed\s+-n\s*['\"]?\d+q)")


def test_there_are_scripts() -> None:
    assert any(p.name == "check.sh" for p in SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_early_exit_reader_under_pipefail(script: Path) -> None:
    text = script.read_text()
    if "pipefail" not in text:
        return
    offenders = [
        f"{script.relative_to(ROOT)}:{n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), 1)
        if not line.lstrip().startswith("#") and EARLY_EXIT_READER.search(line)
    ]
    assert not offenders, "\n".join(offenders)
