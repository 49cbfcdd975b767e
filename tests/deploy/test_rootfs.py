"""deploy/rootfs.py, the image's distroless root: run on this machine's interpreter and
a virtualenv holding one C++ extension module, the root it makes is enough to run
them. Python is started in a chroot of that root (nothing else on the filesystem),
loads the standard library's C modules, the extension (libstdc++ comes from `ldd`'s
closure of the venv, not the interpreter's), finds the CA certificates and time
zones, and knows uid 10001. What the image leaves out is out. (As root: this
machine's interpreter may live under /root, which uid 10001 cannot enter; the
image's is in /usr/bin, and make image-smoke runs it as 10001.)

The chroot needs root, which `make test` and CI have. make image-smoke checks the
built image the same way (deploy/image_check.py).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import re2

ROOTFS = Path(__file__).resolve().parents[2] / "deploy" / "rootfs.py"


def make_root(tmp_path: Path) -> tuple[Path, Path]:
    """(root, venv): a --without-pip venv with re2's extension, and the root made for it."""
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, env=base_env()
    )
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    shutil.copytree(Path(re2.__file__).parent, site / "re2")
    root = tmp_path / "root"
    subprocess.run([sys.executable, str(ROOTFS), str(venv), str(root)], check=True)
    # The Dockerfile's second COPY: the venv at the same path inside the root.
    shutil.copytree(venv, root / venv.relative_to("/"), symlinks=True)
    return root, venv


def base_env() -> dict[str, str]:
    """This environment without the dev venv's own markers (a venv made from a venv)."""
    return {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONHOME"}}


def test_the_root_runs_python_the_stdlib_and_the_venv_alone(tmp_path: Path) -> None:
    root, venv = make_root(tmp_path)
    stdlib = root / Path(sysconfig.get_config_var("LIBDEST")).relative_to("/")
    dynload = root / Path(sysconfig.get_config_var("DESTSHARED")).relative_to("/")
    for gone in ("test", "idlelib", "lib2to3", "ensurepip", "site-packages"):
        assert not (stdlib / gone).exists(), gone
    assert not list(stdlib.glob("config-*"))
    assert not list(dynload.glob("_testcapi.*")) and list(dynload.glob("_ssl.*"))
    assert "footfall:x:10001:10001:" in (root / "etc" / "passwd").read_text()
    assert stat.S_IMODE((root / "tmp").stat().st_mode) == 0o1777
    assert (root / "app" / "footfall-data").stat().st_uid == 10001
    assert os.geteuid() == 0, "chroot needs root: make test and CI run as root"
    chroot = shutil.which("chroot", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    assert chroot, "coreutils' chroot is not installed"
    script = (
        "import os, ssl, decimal, ctypes, lzma, bz2, zlib, uuid, zoneinfo, json, re2, pwd;"
        "assert ssl.create_default_context().cert_store_stats()['x509_ca'] > 0;"
        "zoneinfo.ZoneInfo('Europe/Paris');"
        "assert re2.search('b+', 'abbc').group() == 'bb';"
        "print(pwd.getpwnam('footfall').pw_uid, pwd.getpwuid(0).pw_name)"
    )
    done = subprocess.run(
        [chroot, str(root), str(venv / "bin" / "python"), "-c", script],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["10001", "root"]
