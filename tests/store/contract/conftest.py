"""Every contract test runs once per backend under test (tests/backends.py)."""

from tests.backends import backend, stores

__all__ = ["backend", "stores"]
