"""``kinechain serve``: the web server plus a supervised analysis worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from kinechain.web._settings import Settings


class WorkerSupervisor:
    """Keeps one ``kinechain worker`` child process running; restarts it if it dies."""

    def __init__(self, settings: Settings, say: Callable[[str], object] = print) -> None:
        self.settings = settings
        self.say = say
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="worker-supervisor", daemon=True)

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env["KINECHAIN_DATA"] = str(self.settings.data_dir.resolve())
        if self.settings.database_url:
            env["KINECHAIN_DATABASE_URL"] = self.settings.database_url
        return subprocess.Popen([sys.executable, "-m", "kinechain.cli", "worker"], env=env)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.proc = self._spawn()
            while self.proc.poll() is None:
                if self._stop.wait(0.5):
                    return
            if not self._stop.is_set():
                self.say(f"analysis worker stopped (exit {self.proc.returncode}); restarting")
                time.sleep(1.0)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


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
