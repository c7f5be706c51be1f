"""``kinechain serve``: the web server plus a supervised analysis worker process.

SIGTERM or Ctrl-C stops the server gracefully and then its worker (the job in hand is
queued again). If the server process is killed outright, its worker notices that its
parent is gone and stops by itself (``KINECHAIN_WORKER_PARENT``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from kinechain.web._settings import Settings


class WorkerSupervisor:
    """Keeps one ``kinechain worker`` child process running; restarts it if it dies."""

    def __init__(self, settings: Settings, say: Callable[[str], object] = print) -> None:
        self.settings = settings
        self.say = say
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="worker-supervisor", daemon=True)

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env["KINECHAIN_DATA"] = str(self.settings.data_dir.resolve())
        if self.settings.database_url:
            env["KINECHAIN_DATABASE_URL"] = self.settings.database_url
        env["KINECHAIN_WORKER_PARENT"] = str(os.getpid())
        return subprocess.Popen([sys.executable, "-m", "kinechain.cli", "worker"], env=env)

    def _loop(self) -> None:
        while True:
            with self._lock:  # never start a worker after stop() looked for one
                if self._stop.is_set():
                    return
                proc = self.proc = self._spawn()
            while proc.poll() is None:
                if self._stop.wait(0.5):
                    return
            if not self._stop.is_set():
                self.say(f"analysis worker stopped (exit {self.proc.returncode}); restarting")
                time.sleep(1.0)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the worker (SIGTERM, then SIGKILL after 10 s) and wait for it."""
        with self._lock:
            self._stop.set()
            proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the cleanup short
    raise SystemExit(0)


@contextmanager
def _sigterm_exits() -> Iterator[None]:
    """Make SIGTERM raise SystemExit, so that ``finally`` blocks (stopping the worker) run.

    uvicorn shuts down gracefully on SIGTERM and then raises the signal again for the handler
    it found; with the default handler the process would die before stopping its worker.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: bool = False,
    worker: bool = True,
    processes: int = 1,
    say: Callable[[str], object] = print,
) -> None:
    import uvicorn

    from kinechain.store import make_engine, session_factory, upgrade
    from kinechain.web._app import create_app

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    if demo:
        from kinechain.store._blobs import BlobStore
        from kinechain.web._demo import DEMO_LOGINS, seed_demo

        seed_demo(session_factory(engine), BlobStore(settings.files_dir))
        say("Demo clinic (invented data). Sign in with:")
        for login in DEMO_LOGINS:
            say(f"  {login.role:<10} {login.email}  password: {login.password}")
    engine.dispose()
    with _sigterm_exits():
        supervisor = WorkerSupervisor(settings, say) if worker else None
        if supervisor is not None:
            supervisor.start()
        shown = "localhost" if host in {"127.0.0.1", "localhost", "::1"} else host
        say(f"kinechain clinic on http://{shown}:{port}/  (data: {settings.data_dir.resolve()})")
        try:
            if processes > 1:
                os.environ["KINECHAIN_DATA"] = str(settings.data_dir.resolve())
                if settings.database_url:
                    os.environ["KINECHAIN_DATABASE_URL"] = settings.database_url
                os.environ["KINECHAIN_COOKIE_SECURE"] = "1" if settings.cookie_secure else "0"
                uvicorn.run(
                    "kinechain.web:app_from_env",
                    factory=True,
                    host=host,
                    port=port,
                    workers=processes,
                    log_level="warning",
                )
            else:
                uvicorn.run(
                    create_app(settings, migrate=False), host=host, port=port, log_level="warning"
                )
        finally:
            if supervisor is not None:
                supervisor.stop()
