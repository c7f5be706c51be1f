"""Browser tests: a real server process, a real worker, Debian's chromium via Playwright.

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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("browser") / "data")
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install it with `apt-get install chromium`")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


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


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors: {errors}"
