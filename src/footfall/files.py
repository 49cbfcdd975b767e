"""Atomic file writes: a crash or a full disk leaves the old file or the new one, never half.

The bytes go to a temporary file in the same directory, are fsynced, and are renamed
over (or linked to) the target; the directory is fsynced so the name survives a crash.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600, replace: bool = True) -> bool:
    """Write ``data`` to ``path`` with ``mode``, all or nothing.

    With ``replace=False`` an existing file is kept (two processes generating the same
    secret at once agree on the first one written) and the call returns False.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the target exists: no overwrite
            except FileExistsError:
                return False
        _fsync_dir(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
