"""Structured JSON logs on stderr. Nothing logged carries an IP or a user agent:
uvicorn's access log (which prints the peer address) is switched off in ``serve``."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


def _plain(record: logging.LogRecord) -> bool:
    record.__dict__.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate
    return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_plain)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
