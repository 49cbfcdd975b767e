"""A real small filesystem (tmpfs) to fill up: the full-disk fault, not a simulation."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class SmallDisk:
    path: Path

    @property
    def _filler(self) -> Path:
        return self.path / ".filler"

    def fill(self) -> None:
        """Take every free byte: big writes first, then single bytes into the last page."""
        with self._filler.open("ab", buffering=0) as f:
            for chunk in (1 << 20, 1 << 12, 1):
                with contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * chunk)
        probe = self.path / ".probe"
        with pytest.raises(OSError, match="No space left") as refused:
            probe.write_bytes(b"x" * 8192)
        probe.unlink(missing_ok=True)
        assert refused.value.errno == errno.ENOSPC

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)


@contextlib.contextmanager
def small_disk(path: Path, megabytes: int) -> Iterator[SmallDisk]:
    """Mount a tmpfs of ``megabytes`` at ``path``: as root (CI), or through
    ``sudo -n`` as the Makefile installs packages. Never skipped: a machine that cannot
    mount one fails the test."""
    path.mkdir(parents=True, exist_ok=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    mode = "mode=0777" if sudo else "mode=0700"  # writable by the unprivileged test
    mount = ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,{mode}", "tmpfs", str(path)]
    done = subprocess.run([*sudo, *mount], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs at {path} (root or sudo needed): {done.stderr.strip()}")
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run([*sudo, "umount", "-l", str(path)], check=False)
