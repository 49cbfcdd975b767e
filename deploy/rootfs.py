"""Assemble the final image's root filesystem (deploy/Dockerfile, builder stage).

    python3 deploy/rootfs.py VENV ROOT

ROOT gets only what the server needs to run, at the paths the builder has them:
the interpreter the virtualenv points at, its standard library (minus the parts
below), the shared libraries that the interpreter, its lib-dynload modules and
every ELF file in VENV load (the closure `ldd` reports), CA certificates, time
zones, the MIME table, /etc/passwd and /etc/group for uid 10001, /tmp. VENV itself
is not copied (its own COPY layer). No shell, apt, dpkg or perl: the image is
distroless (docs/deploy.md, "The image").

Symbolic links (merged /usr: /lib -> usr/lib; /usr/bin/python3 -> python3.11) are
copied as links, and their targets too. Any library `ldd` cannot find fails the
build: the image would fail at the first import of the module that needs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterable
from pathlib import Path

# Standard library parts no server path imports (checked against the virtualenv:
# docs/deploy.md). Tests, IDLE/Tk, 2to3, pip's bootstrap, docs for help().
STDLIB_DROP = frozenset(
    {
        "test",
        "idlelib",
        "tkinter",
        "turtledemo",
        "turtle.py",
        "lib2to3",
        "ensurepip",
        "venv",
        "pydoc_data",
        "distutils",
        "site-packages",
        "dist-packages",
        "EXTERNALLY-MANAGED",
        "lib-dynload",  # copied on its own, without DYNLOAD_DROP
    }
)
# config-3.11-<triplet>/: the static libpython and Makefile, for building extensions.
STDLIB_DROP_PREFIX = "config-"
# lib-dynload modules for tests, terminals and old databases: they also pull
# libncurses, libreadline, libtinfo and libgdbm into the closure.
DYNLOAD_DROP = re.compile(
    r"^(_test\w*|_ctypes_test|xxlimited\w*|_xx\w*|_curses\w*|readline|_dbm|_gdbm|nis"
    r"|ossaudiodev)\."
)
# Loaded with dlopen, so ldd never lists it: glibc unwinds exiting threads with it.
DLOPENED = ("libgcc_s.so.1",)
# Files copied as they are, when the builder has them.
EXTRA = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/openssl.cnf",
    "/usr/lib/ssl/cert.pem",
    "/usr/lib/ssl/openssl.cnf",
    "/etc/mime.types",
    "/etc/nsswitch.conf",
    # Where ld.so finds libraries outside its default directories (python:3.11-slim's
    # libpython3.11.so in /usr/local/lib).
    "/etc/ld.so.cache",
    # LANG=C.UTF-8 (the image's, as python:3.11-slim's): Debian's glibc reads it here.
    "/usr/lib/locale/C.utf8",
)
# Leap-second ("right/") zones are never asked for; zoneinfo reads the rest.
ZONEINFO = Path("/usr/share/zoneinfo")
ZONEINFO_DROP = frozenset({"right"})
ACCOUNTS = (
    "root:x:0:0:root:/root:/usr/sbin/nologin\nfootfall:x:10001:10001::/app:/usr/sbin/nologin\n"
)
GROUPS = "root:x:0:\nfootfall:x:10001:\n"
LDD_LINE = re.compile(r"^\s*(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)$")


class Root:
    """Copies paths of this filesystem into `root`, links as links; remembers what."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.copied: set[Path] = set()

    def add(self, path: Path) -> None:
        """Copy `path` (a file, link or directory tree) and every link on its way."""
        path = Path(os.path.normpath(path))
        if path in self.copied:
            return
        self.copied.add(path)
        here = self._parents(path) / path.name
        self.copied.add(here)
        dest = self.root / here.relative_to("/")
        if here.is_symlink():
            if not dest.is_symlink():
                dest.symlink_to(os.readlink(here))
            self.add(here.parent / os.readlink(here))
        elif here.is_dir():
            self.tree(here, lambda _: False)
        elif not dest.exists():
            shutil.copy2(here, dest)

    def tree(self, path: Path, drop: Callable[[str], bool]) -> None:
        """Copy a directory tree but the top-level names `drop` is true of."""
        real = self._parents(path) / path.name
        dest = self.root / real.relative_to("/")
        dest.mkdir(exist_ok=True)
        shutil.copystat(real, dest)
        for child in sorted(real.iterdir()):
            if not drop(child.name):
                self.add(child)

    def _parents(self, path: Path) -> Path:
        """Make `path`'s directories in the root, links as links; its real parent."""
        real = Path("/")
        for part in path.parent.parts[1:]:
            step = real / part
            dest = self.root / step.relative_to("/")
            if step.is_symlink():
                if not dest.is_symlink():
                    dest.symlink_to(os.readlink(step))
                step = Path(os.path.realpath(step))
                self._parents(step / "x")
            elif not dest.is_dir():
                dest.mkdir()
                shutil.copystat(step, dest)
            real = step
        return real


def elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def libraries(files: Iterable[Path]) -> set[Path]:
    """Every shared library `files` load, by `ldd` (which follows the whole closure)."""
    found: set[Path] = set()
    missing: list[str] = []
    for file in files:
        run = subprocess.run(["ldd", str(file)], capture_output=True, text=True, check=False)
        if run.returncode != 0:
            continue  # static, or not a dynamic object
        for line in run.stdout.splitlines():
            if "not found" in line:
                missing.append(f"{file}: {line.strip()}")
            elif m := LDD_LINE.match(line):
                found.add(Path(m.group(1)))
    if missing:
        raise SystemExit("rootfs: libraries ldd cannot find:\n" + "\n".join(missing))
    return found


def main(venv: Path, root: Path) -> None:
    out = Root(root)
    root.mkdir(parents=True, exist_ok=True)
    # The interpreter, through the venv's links (bin/python -> /usr/bin/python3 -> ...).
    python = venv / "bin" / "python"
    while python.is_symlink() and python.is_relative_to(venv):
        python = Path(os.path.normpath(python.parent / os.readlink(python)))
    out.add(python)
    # The base interpreter's, not the venv's (this may run under either).
    stdlib, dynload = (Path(sysconfig.get_config_var(v)) for v in ("LIBDEST", "DESTSHARED"))
    out.tree(stdlib, lambda name: name in STDLIB_DROP or name.startswith(STDLIB_DROP_PREFIX))
    out.tree(dynload, lambda name: bool(DYNLOAD_DROP.match(name)))
    binaries = [p for p in out.copied if elf(p)] + [p for p in venv.rglob("*") if elf(p)]
    need = libraries(binaries)
    need |= {
        lib.parent / name for lib in need if lib.name.startswith("libc.so") for name in DLOPENED
    }
    for lib in sorted(lib for lib in need if not lib.is_relative_to(venv)):
        out.add(lib)
    for extra in map(Path, EXTRA):
        if extra.exists():
            out.add(extra)
    if ZONEINFO.is_dir():
        out.tree(ZONEINFO, lambda name: name in ZONEINFO_DROP)
    (root / "etc").mkdir(exist_ok=True)
    (root / "etc" / "passwd").write_text(ACCOUNTS)
    (root / "etc" / "group").write_text(GROUPS)
    (root / "tmp").mkdir(exist_ok=True)
    (root / "tmp").chmod(0o1777)
    data = root / "app" / "footfall-data"
    data.mkdir(parents=True, exist_ok=True)
    os.chown(data, 10001, 10001)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
