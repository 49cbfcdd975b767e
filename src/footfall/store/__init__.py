"""Storage backends behind one protocol (see base.py); ``open_store`` picks one by URL."""

from footfall.store.base import Store, open_store

__all__ = ["Store", "open_store"]
