"""Browser-test helpers: a real server process and worker, Debian's chromium via Playwright.

The server is started with ``kinechain serve --demo`` on a free port of localhost, exactly as
``make run`` starts it. Screenshots of every step are saved under ``test-artifacts/`` (the
CI keeps them as artifacts). ``npx playwright install`` cannot download browsers here, so the
browser is launched from its executable path (``KINECHAIN_CHROMIUM``, default
/usr/bin/chromium; ``make test`` installs it with apt when missing).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("KINECHAIN_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = _free_port()
        self.url = f"http://localhost:{self.port}"
        self.log = data.parent / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.logins: dict[str, tuple[str, str]] = {}

    def start(self) -> None:
        env = dict(os.environ, KINECHAIN_DEMO_SHARED=str(ROOT.parent / "shared" / "data"))
        with self.log.open("wb") as fh:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "kinechain.cli",
                    "serve",
                    "--demo",
                    "--data",
                    str(self.data),
                    "--port",
                    str(self.port),
                ],
                stdout=fh,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=str(self.data.parent),
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"server did not start: {self.log.read_text()}")
        for line in self.log.read_text().splitlines():
            m = re.match(r"\s+(\w+)\s+(\S+@\S+)\s+password: (\S+)", line)
            if m:
                self.logins[m.group(1)] = (m.group(2), m.group(3))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)


class Shots:
    """Saves numbered full-page screenshots for one test."""

    def __init__(self, name: str) -> None:
        self.dir = ARTIFACTS / name
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):
            old.unlink()
        self.n = 0

    def __call__(self, page: Any, step: str) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
