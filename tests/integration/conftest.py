"""A real ``footfall serve`` process on a free loopback port, and the CLI beside it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    workdir: Path
    port: int
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    log: BinaryIO | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.workdir / "footfall-data" / "footfall.duckdb"

    def start(self, timeout: float = 120) -> None:
        self.log = log = (self.workdir / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "footfall", "serve", "--port", str(self.port)],
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.workdir / "server.log").read_text())
            try:
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        # Not ready in time (a loaded machine starts Python slowly): stop it here, or
        # it would outlive the test with its log open.
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"server did not become ready in {timeout:.0f} s")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=30)
        self.proc = None
        if self.log is not None:
            self.log.close()
        return code

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "footfall", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            input=stdin,
            timeout=60,
            check=False,
        )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}
    env["FOOTFALL_LOG_LEVEL"] = "WARNING"
    srv = Server(tmp_path, free_port(), env)
    yield srv
    if srv.proc is not None:
        srv.stop(signal.SIGKILL)
