"""Import every extension module in the image's virtualenv (make image-smoke).

The builder strips the wheels' shared objects and rootfs.py copies only the
libraries `ldd` lists; a module that no longer loads fails here, not at the first
request that needs it. Prints what failed; exits 1 if anything did.
"""

import importlib
import locale
import os
import ssl
import sys
import zoneinfo
from pathlib import Path

import psycopg  # noqa: F401  # psycopg_binary refuses to be imported before psycopg

site = Path(sys.prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
site /= "site-packages"
modules = sorted(
    ".".join((*so.relative_to(site).parent.parts, so.name.split(".")[0]))
    for so in site.rglob("*.so")
    # auditwheel's vendored libraries and plain libraries (libarrow_python) are no modules
    if not so.relative_to(site).parts[0].endswith(".libs")
    and (".cpython-" in so.name or ".abi3." in so.name)
)
failed = []
for name in modules:
    try:
        importlib.import_module(name)
    except ImportError as e:
        failed.append(f"{name}: {e}")
# What the standard library needs from the filesystem: CA certificates, time zones,
# the locale.
if not ssl.create_default_context().cert_store_stats()["x509_ca"]:
    failed.append("ssl: no CA certificates")
zoneinfo.ZoneInfo("Europe/Paris")
if locale.setlocale(locale.LC_CTYPE) != os.environ.get("LANG", "C"):
    failed.append(f"locale: LANG={os.environ.get('LANG')} is not available")
print(f"{len(modules)} extension modules imported, {len(failed)} failed", *failed, sep="\n")
sys.exit(1 if failed else 0)
