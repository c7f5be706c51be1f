"""Crash safety with real processes: ``kinechain serve`` and ``kinechain worker`` killed
with SIGKILL in the middle of their work, then restarted, on a SQLite data folder.

Nothing here reaches into the processes: the server is driven over HTTP (a raw socket for
the upload cut short), the worker through the database, and both are killed with signals.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from webkit import PASSWORD, csrf_in

from kinechain._pipeline import analyze_file
from kinechain.io._results import clean_json
from kinechain.store import (
    Blob,
    Clinic,
    Job,
    Patient,
    Upload,
    User,
    Visit,
    make_engine,
    session_factory,
    upgrade,
)
from kinechain.store._blobs import BlobStore
from kinechain.store._jobs import add_upload, enqueue
from kinechain.store._worker import run_worker
from kinechain.web import Settings
from kinechain.web._security import hash_password

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "c3d" / "biomechzoo"
WALK = DATA / "HC032A03.c3d"
STATIC = DATA / "HC032A01.c3d"
EMAIL = "pt@crash.example.org"
INTAKE = {"schema": "kinechain.intake/1", "date": "2024-05-01"}


# --- helpers -------------------------------------------------------------------------------


class Seeded:
    def __init__(self, data: Path, visit_id: int, static_id: int, walk_id: int | None) -> None:
        self.data = data
        self.visit_id = visit_id
        self.static_id = static_id
        self.walk_id = walk_id
        self.settings = Settings(data_dir=data)
        self.engine = make_engine(self.settings.db_url)
        self.sessions = session_factory(self.engine)

    def get(self, model: Any, key: Any) -> Any:
        with self.sessions() as db:
            return db.get(model, key)

    def rows(self, model: Any) -> list[Any]:
        with self.sessions() as db:
            return list(db.query(model).all())


def _seed(data: Path, *, walk: bool) -> Seeded:
    """A clinic, a clinician, a patient with a visit and its static trial (and a queued walk)."""
    settings = Settings(data_dir=data)
    data.mkdir(parents=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    blobs = BlobStore(settings.files_dir)
    with sessions() as db, db.begin():
        clinic = Clinic(name="Crash clinic")
        db.add(clinic)
        db.flush()
        db.add(
            User(
                clinic_id=clinic.id,
                email=EMAIL,
                name="PT",
                role="clinician",
                password_hash=hash_password(PASSWORD),
            )
        )
        patient = Patient(clinic_id=clinic.id, name="Ann", height_m=1.65, mass_kg=62.0)
        db.add(patient)
        db.flush()
        visit = Visit(
            clinic_id=clinic.id, patient_id=patient.id, date=dt.date(2024, 5, 1), intake=INTAKE
        )
        db.add(visit)
        db.flush()
        with STATIC.open("rb") as fh:
            static = add_upload(
                db, blobs, visit, fh, STATIC.name, limit=1 << 30, user_id=None, static=True
            )
        walk_id = None
        if walk:
            with WALK.open("rb") as fh:
                w = add_upload(db, blobs, visit, fh, WALK.name, limit=1 << 30, user_id=None)
            enqueue(db, visit, w, static_upload=static, options={"flat_foot": True})
            walk_id = w.id
        ids = (visit.id, static.id, walk_id)
    engine.dispose()
    return Seeded(data, *ids)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``python -m kinechain.cli ARGS`` in a process group of its own."""
    with log.open("ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "kinechain.cli", *args],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(os.environ, **(env or {})),
            cwd=str(log.parent),
            start_new_session=True,
        )


def _wait(cond: Callable[[], Any], what: str, timeout: float = 30, every: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(p) for p in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return kids


def _end_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


class Server:
    def __init__(self, data: Path, *extra: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data.parent / "server.log"
        self.proc = _cli(
            "serve", "--data", str(data), "--port", str(self.port), *extra, log=self.log
        )
        _wait(self._up, "the server to answer", timeout=60, every=0.1)

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited: {self.log.read_text()}")
        try:
            return httpx.get(f"{self.url}/login", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def login(self) -> httpx.Client:
        c = httpx.Client(base_url=self.url, timeout=30)
        r = c.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert r.status_code == 303, r.text
        assert c.cookies.get("kc_session")
        return c

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(10) == -signal.SIGKILL


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes to end (their whole group) when the test ends, whatever happened."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        _end_group(p)


def _multipart(csrf: str, name: str, content: bytes, boundary: str) -> bytes:
    parts = []
    for field, value in (("csrf_token", csrf), ("role", "walk"), ("static_upload_id", "")):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'
        )
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    return ("".join(parts) + head).encode() + content + f"\r\n--{boundary}--\r\n".encode()


def _files(data: Path) -> list[str]:
    root = data / "files"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- the web server killed mid-upload ------------------------------------------------------


def test_server_killed_mid_upload_leaves_nothing_then_upload_works(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    data = tmp_path / "data"
    s = _seed(data, walk=False)
    before_files = _files(data)
    with s.sessions() as db:
        before_visit = db.get(Visit, s.visit_id)
        before_upload = db.get(Upload, s.static_id)
    assert before_visit is not None and before_upload is not None
    server = Server(data, "--no-worker")
    procs.append(server.proc)
    c = server.login()
    page = c.get(f"/visits/{s.visit_id}")
    assert page.status_code == 200 and "HC032A01.c3d" in page.text
    csrf = csrf_in(page.text)

    body = _multipart(csrf, "walk.c3d", WALK.read_bytes(), "kcboundary7")
    cut = len(body) * 2 // 3  # the headers, the fields and part of the file
    cookie = c.cookies.get("kc_session")
    request_head = (
        f"POST /visits/{s.visit_id}/uploads HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Cookie: kc_session={cookie}\r\n"
        "Content-Type: multipart/form-data; boundary=kcboundary7\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request_head + body[:cut])
        time.sleep(0.5)  # the server reads what was sent and waits for the rest
        assert server.proc.poll() is None
        server.kill()
        sock.settimeout(5)
        assert sock.recv(1024) == b""  # no answer ever came: the connection just ended
    # nothing of the cut upload was recorded or stored under a real name
    assert [(u.id, u.original_name) for u in s.rows(Upload)] == [(s.static_id, "HC032A01.c3d")]
    assert [b.sha256 for b in s.rows(Blob)] == [before_upload.sha256]
    assert s.rows(Job) == []
    assert _files(data) == before_files
    after = s.get(Visit, s.visit_id)
    assert (after.intake, after.date, after.gait_job_id, after.updated_at) == (
        before_visit.intake,
        before_visit.date,
        None,
        before_visit.updated_at,
    )

    # restarted, the same upload goes through and queues its analysis
    server = Server(data, "--no-worker")
    procs.append(server.proc)
    c = server.login()
    csrf = csrf_in(c.get(f"/visits/{s.visit_id}").text)
    r = c.post(
        f"/visits/{s.visit_id}/uploads",
        data={"csrf_token": csrf, "role": "walk", "static_upload_id": str(s.static_id)},
        files={"file": ("walk.c3d", WALK.read_bytes(), "application/octet-stream")},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/visits/{s.visit_id}#uploads"
    ups = sorted(s.rows(Upload), key=lambda u: u.id)
    assert [(u.original_name, u.role, u.size) for u in ups] == [
        ("HC032A01.c3d", "static", STATIC.stat().st_size),
        ("walk.c3d", "walk", WALK.stat().st_size),
    ]
    (job,) = s.rows(Job)
    assert (job.status, job.upload_id, job.static_upload_id) == (
        "queued",
        ups[1].id,
        s.static_id,
    )
    assert (data / "files" / ups[1].sha256[:2] / f"{ups[1].sha256[2:]}.bin").read_bytes() == (
        WALK.read_bytes()
    )
    assert not [f for f in _files(data) if ".upload-" in f]
    server.kill()
    s.engine.dispose()


def test_worker_start_sweeps_only_old_temp_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    s = _seed(data, walk=False)
    files = data / "files"
    old, young = files / ".upload-killed", files / ".upload-in-progress"
    old.write_bytes(b"half an upload")
    young.write_bytes(b"being written")
    hour_ago = time.time() - 3601
    os.utime(old, (hour_ago, hour_ago))
    kept = _files(data)
    assert run_worker(s.settings, once=True) == 0
    assert not old.exists() and young.read_bytes() == b"being written"
    assert _files(data) == sorted(f for f in kept if f != ".upload-killed")
    assert BlobStore(files).sweep_temp(older_than_s=0) == 1 and not young.exists()
    assert BlobStore(tmp_path / "nowhere").sweep_temp() == 0
    s.engine.dispose()


# --- the worker killed mid-analysis --------------------------------------------------------


def test_worker_killed_mid_analysis_job_taken_up_again(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    data = tmp_path / "data"
    s = _seed(data, walk=True)
    (queued,) = s.rows(Job)
    log = tmp_path / "worker.log"
    worker = _cli("worker", "--data", str(data), log=log)
    procs.append(worker)

    def child_pid() -> int | None:
        w = s.get(Job, queued.id).worker or ""
        return int(w.rsplit(" child ", 1)[1]) if " child " in w else None

    child = _wait(child_pid, "the worker to start the analysis process", every=0.002)
    # freeze the analysis where it is, so that the worker dies with the job in hand
    os.kill(child, signal.SIGSTOP)
    running = s.get(Job, queued.id)
    assert running.status == "running" and running.result is None, running.error
    os.killpg(worker.pid, signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL
    _wait(lambda: not _alive(child), "the analysis process to end")

    job = s.get(Job, queued.id)
    assert (job.status, job.attempts, job.result, job.curves, job.finished_at) == (
        "running",
        1,
        None,
        None,
        None,
    )
    visit = s.get(Visit, s.visit_id)
    assert visit.gait_job_id is None and visit.intake == INTAKE
    assert len(s.rows(Upload)) == 2 and len(s.rows(Job)) == 1

    # a new worker with a short stale threshold takes the job up again and completes it
    again = _cli("worker", "--data", str(data), log=log, env={"KINECHAIN_WORKER_STALE_S": "1.5"})
    procs.append(again)
    _wait(lambda: s.get(Job, queued.id).status not in {"queued", "running"}, "the job", 60)
    os.kill(again.pid, signal.SIGTERM)
    assert again.wait(15) == 0
    job = s.get(Job, queued.id)
    assert job.status == "done", job.error
    assert job.attempts == 2  # the heartbeat kept it from being taken from the new worker
    direct = clean_json(analyze_file(WALK, static=STATIC, flat_foot=True).metrics())
    res = job.result
    assert (
        res["chain"]["left"]["peak_stance_dorsiflexion"]
        == (direct["chain"]["left"]["peak_stance_dorsiflexion"])
    )
    assert res["spatiotemporal"] == direct["spatiotemporal"]
    assert res["lumbar_load"]["peak_compression_n"] == direct["lumbar_load"]["peak_compression_n"]
    assert res["scores"] == direct["scores"]
    visit = s.get(Visit, s.visit_id)
    assert visit.gait_job_id == job.id and visit.assessment is not None
    s.engine.dispose()


def test_bad_stale_setting_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _seed(data, walk=False).engine.dispose()
    r = subprocess.run(
        [sys.executable, "-m", "kinechain.cli", "worker", "--data", str(data), "--once"],
        env=dict(os.environ, KINECHAIN_WORKER_STALE_S="soon"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "KINECHAIN_WORKER_STALE_S: must be a positive number of seconds, not 'soon'" in (
        r.stdout + r.stderr
    )
    assert "Traceback" not in r.stdout + r.stderr


# --- restarts ------------------------------------------------------------------------------


def test_server_restart_keeps_queued_job_and_worker_completes_it(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    data = tmp_path / "data"
    s = _seed(data, walk=False)
    server = Server(data, "--no-worker")
    procs.append(server.proc)
    c = server.login()
    csrf = csrf_in(c.get(f"/visits/{s.visit_id}").text)
    r = c.post(
        f"/api/v1/visits/{s.visit_id}/uploads",
        headers={"X-CSRF-Token": csrf},
        data={"role": "walk", "static_upload_id": str(s.static_id), "flat_foot": "true"},
        files={"file": ("HC032A03.c3d", WALK.read_bytes())},
    )
    assert r.status_code == 201, r.text
    job_id = r.json()["job"]["id"]
    server.kill()

    server = Server(data, "--no-worker")
    procs.append(server.proc)
    c = server.login()
    got = c.get(f"/api/v1/jobs/{job_id}").json()
    assert (got["status"], got["progress"], got["attempts"]) == ("queued", 0.0, 0)
    log = tmp_path / "worker.log"
    worker = _cli("worker", "--data", str(data), "--once", log=log)
    procs.append(worker)
    assert worker.wait(60) == 0, log.read_text()
    got = c.get(f"/api/v1/jobs/{job_id}").json()
    assert (got["status"], got["attempts"]) == ("done", 1)
    assert got["result"]["static"] == "HC032A01.c3d"
    page = c.get(f"/visits/{s.visit_id}").text
    assert re.search(rf'id="job-{job_id}".*?used in the assessment', page, re.S)
    server.kill()
    s.engine.dispose()


# --- kinechain serve and its worker --------------------------------------------------------


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_serve_stopped_leaves_no_worker(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]], how: str
) -> None:
    data = tmp_path / "data"
    _seed(data, walk=False).engine.dispose()
    server = Server(data)
    procs.append(server.proc)
    (worker,) = _wait(lambda: _children(server.proc.pid), "the worker process")
    cmd = Path(f"/proc/{worker}/cmdline").read_bytes().split(b"\0")
    assert cmd[1:4] == [b"-m", b"kinechain.cli", b"worker"]
    if how == "sigterm":
        os.kill(server.proc.pid, signal.SIGTERM)  # the server only, as a service manager does
        assert server.proc.wait(20) == 0
        assert not _alive(worker)  # stopped and reaped before the server exited
    else:
        os.kill(server.proc.pid, signal.SIGKILL)
        assert server.proc.wait(10) == -signal.SIGKILL
        _wait(lambda: not _alive(worker), "the orphaned worker to stop by itself", 10)
