"""The analysis worker: runs queued jobs, each in its own child process.

The parent (``kinechain worker``, supervised by ``kinechain serve``) claims a job, starts
``python -m kinechain.store._worker --job ID``, heartbeats while the child runs and kills it
after the time limit. A segfault, an out-of-memory kill or a malformed file therefore only
ends that child: the job is marked failed with one line saying why and the worker goes on.
If the worker itself dies, its job stops heartbeating and is queued again by the next worker
(:func:`kinechain.store._jobs.requeue_stale`) once the heartbeat is older than the stale
threshold (``stale_after_s``; ``KINECHAIN_WORKER_STALE_S`` for ``kinechain worker``). A
starting worker also removes the unfinished upload files a killed web process left
(:meth:`~kinechain.store._blobs.BlobStore.sweep_temp`).

The child reads the stored files under their original names and runs the same
``read`` → :func:`kinechain._pipeline.analyze` steps as :func:`~kinechain._pipeline.analyze_file`
(the CLI's ``kinechain analyze``); ``Job.result`` is exactly its metrics.json.

A video upload (kind ``video``) runs :func:`kinechain.video._walk.analyze_video` instead, with
the patient's height from the record for the scale, reporting "pose estimation: frame i of n"
(at most two progress writes a second). ``Job.result`` is then the video metrics.json (with
its ``video`` and ``not_measured`` blocks); ``annotated.webm`` and ``quality.csv`` from
:func:`~kinechain.video._walk.write_video_results` go into the BlobStore as derived uploads
of the visit, listed in ``Job.curves["files"]`` (see :func:`kinechain.store._jobs.finish`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from kinechain.errors import InputError, KinechainError, NormsError
from kinechain.store._blobs import BlobStore
from kinechain.store._db import has_schema, make_engine, session_factory
from kinechain.store._jobs import (
    DerivedFile,
    claim_next,
    fail,
    finish,
    heartbeat,
    one_line,
    requeue_stale,
    set_progress,
    video_format,
)
from kinechain.store._models import Job, Patient, Upload, Visit

if TYPE_CHECKING:
    from kinechain._pipeline import Analysis
    from kinechain.web._settings import Settings

HEARTBEAT_S = 2.0
#: A running job whose heartbeat is older than this lost its worker.
STALE_S = 30.0
DB_ENV = "KINECHAIN_DATABASE_URL"
STALE_ENV = "KINECHAIN_WORKER_STALE_S"
#: Set by ``kinechain serve`` to its pid: its worker stops when that process is gone.
PARENT_ENV = "KINECHAIN_WORKER_PARENT"
#: Least seconds between two progress writes of the pose estimation (≤ 2 writes a second).
PROGRESS_EVERY_S = 0.5
#: Derived files of a video analysis kept in the file store, with their Upload kind.
VIDEO_FILES = {"annotated.webm": "video", "quality.csv": "csv"}

__all__ = ["analysis_curves", "main", "run_job", "run_worker", "worker_options_from_env"]


# --- child ---------------------------------------------------------------------------------


def _file_name(upload: Upload, suffix: str | None = None) -> str:
    """The upload's original name, with the suffix its sniffed kind needs for the readers."""
    name = upload.original_name.replace("/", "_").replace("\\", "_").strip() or "upload"
    if name in {".", ".."}:
        name = "upload"
    suffix = suffix or upload.kind
    if Path(name).suffix.lower() != f".{suffix}":
        name = f"{name}.{suffix}"
    return name


def _materialise(blobs: BlobStore, upload: Upload, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = blobs.path(upload.sha256)
    if not source.is_file():
        raise InputError(upload.original_name, "the stored file is missing from the file store")
    suffix = None
    if upload.kind == "video":
        with open(source, "rb") as fh:
            suffix = video_format(fh.read(64)) or "mp4"
    target = folder / _file_name(upload, suffix)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    return target


def _mean_sd(curves: Any) -> tuple[list[float | None], list[float | None], int]:
    arr = np.asarray(curves, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    ok = np.isfinite(arr)
    n = int(ok.any(axis=1).sum())
    with np.errstate(all="ignore"):
        count = ok.sum(axis=0)
        filled = np.where(ok, arr, 0.0)
        mean = filled.sum(axis=0) / np.where(count > 0, count, 1)
        mean = np.where(count > 0, mean, np.nan)
        dev = np.where(ok, arr - mean, 0.0)
        sd = np.sqrt((dev**2).sum(axis=0) / np.where(count > 1, count - 1, 1))
        sd = np.where(count > 1, sd, 0.0)
        sd = np.where(count > 0, sd, np.nan)
    return _rounded(mean), _rounded(sd), n


def _rounded(values: Any) -> list[float | None]:
    return [round(float(v), 3) if np.isfinite(v) else None for v in np.asarray(values, float)]


def analysis_curves(analysis: Analysis) -> dict[str, Any]:
    """What the gait plots need: per variable, each side's mean ± SD over strides and norm.

    ``{"percent": [0..100], "norms": name, "foot_off": {side: mean %}, "variables":
    {var: {"unit", "left": {"mean", "sd", "n"}, "right": ..., "norm": {"mean", "sd"}}}}``
    (101 points each; the norm only when the normative set has the variable).
    """
    norms = analysis.norms
    norm_vars: dict[str, Any] = getattr(norms, "variables", {}) or {}
    units: dict[str, str] = getattr(norms, "units", {}) or {}
    variables: dict[str, Any] = {}
    for side, by_var in analysis.cycles.items():
        for var, curves in by_var.items():
            arr = np.asarray(curves, dtype=np.float64)
            if arr.size == 0 or not np.isfinite(arr).any():
                continue
            mean, sd, n = _mean_sd(arr)
            entry = variables.setdefault(var, {"unit": units.get(var, "deg")})
            entry[side] = {"mean": mean, "sd": sd, "n": n}
    for var, entry in variables.items():
        if var in norm_vars:
            m, s = norm_vars[var]
            m = np.asarray(m, dtype=np.float64)
            s = np.asarray(s, dtype=np.float64)
            if m.size != 101:
                x = np.linspace(0.0, 100.0, m.size)
                m = np.interp(np.arange(101.0), x, m)
                s = np.interp(np.arange(101.0), x, s)
            entry["norm"] = {"mean": _rounded(m), "sd": _rounded(s)}
    foot_off: dict[str, float | None] = {}
    for side, values in analysis.foot_off_pct.items():
        finite = [float(v) for v in values if v is not None and np.isfinite(v)]
        foot_off[side] = round(sum(finite) / len(finite), 2) if finite else None
    return {
        "percent": list(range(101)),
        "norms": getattr(norms, "name", None),
        "foot_off": foot_off,
        "variables": variables,
    }


def _read_and_analyse(
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    job_id: int,
    walk: Upload,
    static: Upload | None,
    options: dict[str, Any],
    tmp: str,
) -> Analysis:
    from kinechain._pipeline import analyze
    from kinechain.gait import load_norms
    from kinechain.io import read

    norms = options.get("norms")
    walk_path = _materialise(blobs, walk, Path(tmp) / "walk")
    static_path = _materialise(blobs, static, Path(tmp) / "static") if static else None
    trial = read(walk_path)
    static_trial = read(static_path) if static_path is not None else None
    kinetics = bool(trial.force_plates) and bool(trial.subject.mass_kg)
    stage = "joint angles and events" + ("; kinetics and L5/S1 load" if kinetics else "")
    set_progress(sessions, job_id, 30, stage)
    analysis = analyze(
        trial,
        static_trial,
        norms=load_norms(norms),
        flat_foot=bool(options.get("flat_foot", False)),
    )
    return analysis


class _FrameProgress:
    """``progress(done, total)`` for the pose estimation: job progress 10-75 %, throttled."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int) -> None:
        self.sessions = sessions
        self.job_id = job_id
        self.last = -float("inf")

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        share = done / total if total > 0 else 0.0
        stage = f"pose estimation: frame {done} of {total}" if total > 0 else "pose estimation"
        set_progress(self.sessions, self.job_id, 10 + 65 * min(1.0, share), stage)


def _patient_height(sessions: sessionmaker[Session], visit_id: int) -> float | None:
    with sessions() as db:
        visit = db.get(Visit, visit_id)
        patient = db.get(Patient, visit.patient_id) if visit is not None else None
        return patient.height_m if patient is not None else None


def _scrub(data: Any, tmp: str) -> Any:
    """``data`` (JSON) without the worker's temporary folder in any text."""
    text = json.dumps(data, allow_nan=False)
    for folder in (str(Path(tmp) / "walk") + os.sep, str(Path(tmp)) + os.sep):
        text = text.replace(json.dumps(folder)[1:-1], "")
    return json.loads(text)


def _analyse_video(
    sessions: sessionmaker[Session], blobs: BlobStore, job_id: int, walk: Upload, visit_id: int
) -> None:
    from kinechain import __version__
    from kinechain.io._results import clean_json
    from kinechain.video._walk import analyze_video, quality_csv, write_video_results

    height = _patient_height(sessions, visit_id)
    set_progress(sessions, job_id, 5, "reading the video")
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="kinechain-job-") as tmp:
        try:
            path = _materialise(blobs, walk, Path(tmp) / "walk")
            va = analyze_video(path, height_m=height, progress=_FrameProgress(sessions, job_id))
        except KinechainError as exc:
            raise KinechainError(str(exc).replace(str(Path(tmp) / "walk") + os.sep, "")) from exc
        va = dataclasses.replace(
            va, analysis=dataclasses.replace(va.analysis, source=walk.original_name)
        )
        set_progress(sessions, job_id, 80, "drawing the annotated video")
        note = None
        try:
            out = write_video_results(va, Path(tmp) / "out", report=False)
            files = {name: (out / name).read_bytes() for name in VIDEO_FILES}
        except Exception as exc:  # the analysis stands without its annotated video
            note = one_line(f"no annotated video: {type(exc).__name__}: {exc}", 300)
            files = {"quality.csv": quality_csv(va).encode()}
        set_progress(sessions, job_id, 95, "saving")
        result = clean_json(va.metrics())
        if note is not None:
            result["warnings"] = [*(result.get("warnings") or []), note]
        result = _scrub(result, tmp)
    if isinstance(result.get("video"), dict):
        result["video"]["file"] = walk.original_name
    curves = clean_json(analysis_curves(va.analysis))
    shas = [
        DerivedFile(name, blobs.put_bytes(data, name=name), len(data), VIDEO_FILES[name])
        for name, data in files.items()
    ]
    if not finish(sessions, job_id, result, curves, __version__, files=shas):
        _drop_unused(sessions, blobs, [f.sha256 for f in shas])


def _drop_unused(sessions: sessionmaker[Session], blobs: BlobStore, shas: list[str]) -> None:
    """Remove stored files no upload refers to (an analysis that could not be saved)."""
    from sqlalchemy import select

    with sessions() as db:
        for sha in shas:
            if db.scalar(select(Upload.id).where(Upload.sha256 == sha).limit(1)) is None:
                blobs.remove(sha)


def _analyse(sessions: sessionmaker[Session], blobs: BlobStore, job_id: int) -> None:
    from kinechain import __version__
    from kinechain.gait import available_norms
    from kinechain.io._results import clean_json

    with sessions() as db:
        job = db.get(Job, job_id)
        if job is None or job.status != "running":
            return
        walk = db.get(Upload, job.upload_id)
        static = db.get(Upload, job.static_upload_id) if job.static_upload_id else None
        options = dict(job.options or {})
        visit_id = job.visit_id
    if walk is None:
        raise InputError(None, "the uploaded file of this analysis was deleted")
    if walk.kind == "video":
        _analyse_video(sessions, blobs, job_id, walk, visit_id)
        return
    norms = options.get("norms")
    if norms is not None and norms not in available_norms():
        raise NormsError(f"unknown normative set '{norms}' (known: {', '.join(available_norms())})")
    set_progress(sessions, job_id, 5, "reading the file")
    with tempfile.TemporaryDirectory(prefix="kinechain-job-") as tmp:
        try:
            analysis = _read_and_analyse(sessions, blobs, job_id, walk, static, options, tmp)
        except KinechainError as exc:
            # name the files as the user knows them, not by the worker's temporary folder
            text = str(exc).replace(str(Path(tmp) / "walk") + os.sep, "")
            raise KinechainError(text.replace(str(Path(tmp) / "static") + os.sep, "")) from exc
    analysis = dataclasses.replace(
        analysis,
        source=walk.original_name,
        static_source=static.original_name if static is not None else None,
    )
    set_progress(sessions, job_id, 90, "saving")
    result = clean_json(analysis.metrics())
    curves = clean_json(analysis_curves(analysis))
    finish(sessions, job_id, result, curves, __version__)


def run_job(db_url: str, files_dir: Path | str, job_id: int) -> int:
    """Run one claimed job (the child process's work); record its outcome. Exit status."""
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    try:
        try:
            _analyse(sessions, BlobStore(files_dir), job_id)
        except KinechainError as exc:
            fail(sessions, job_id, str(exc))
        except MemoryError:
            fail(sessions, job_id, "internal error: the analysis ran out of memory")
        except Exception as exc:
            fail(sessions, job_id, one_line(f"internal error: {type(exc).__name__}: {exc}"))
        return 0
    finally:
        engine.dispose()


# --- parent --------------------------------------------------------------------------------


def _death_message(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return (
            f"the analysis process was stopped ({name}) before it finished; "
            "the file may be damaged or too large"
        )
    return f"the analysis process stopped with exit code {returncode} before it finished"


def _status(sessions: sessionmaker[Session], job_id: int) -> str | None:
    with sessions() as db:
        job = db.get(Job, job_id)
        return job.status if job is not None else None


def _give_back(sessions: sessionmaker[Session], job_id: int) -> None:
    """Queue a job again because this worker is stopping (not the file's fault)."""
    from sqlalchemy import update

    with sessions() as db, db.begin():
        db.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running")
            .values(
                status="queued",
                progress=0.0,
                stage="waiting for the worker (the previous one stopped)",
                worker=None,
                attempts=Job.attempts - 1,
            )
            .execution_options(synchronize_session=False)
        )


def _note_child(sessions: sessionmaker[Session], job_id: int, worker_id: str, pid: int) -> None:
    from sqlalchemy import update

    with sessions() as db, db.begin():
        db.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running")
            .values(worker=f"{worker_id} child {pid}"[:100])
            .execution_options(synchronize_session=False)
        )


def _stop_child(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _run_in_child(
    settings: Settings,
    sessions: sessionmaker[Session],
    job_id: int,
    worker_id: str,
    timeout_s: float,
    stop: threading.Event,
    beat_s: float = HEARTBEAT_S,
) -> None:
    env = dict(os.environ)
    env.pop(PARENT_ENV, None)
    env[DB_ENV] = settings.db_url
    cmd = [
        sys.executable,
        "-m",
        "kinechain.store._worker",
        "--job",
        str(job_id),
        "--files",
        str(Path(settings.files_dir).resolve()),
    ]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)
    _note_child(sessions, job_id, worker_id, proc.pid)
    started = beat = time.monotonic()
    while True:
        try:
            proc.wait(timeout=0.25)
            break
        except subprocess.TimeoutExpired:
            pass
        if stop.is_set():
            _stop_child(proc)
            _give_back(sessions, job_id)
            return
        now = time.monotonic()
        if now - started > timeout_s:
            _stop_child(proc)
            fail(
                sessions,
                job_id,
                f"the analysis took longer than {timeout_s:.0f} s and was stopped",
            )
            return
        if now - beat >= beat_s:
            heartbeat(sessions, job_id)
            beat = now
    if _status(sessions, job_id) == "running":
        fail(sessions, job_id, _death_message(proc.returncode))


def run_worker(
    settings: Settings,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    poll_s: float = 0.5,
    timeout_s: float = 600,
    stale_after_s: float = STALE_S,
    parent_pid: int | None = None,
) -> int:
    """Run queued analyses until ``stop`` is set (or, with ``once``, none is left).

    Returns the number of jobs run. SIGTERM/SIGINT stop it cleanly when it runs in the main
    thread: the job in hand is queued again for the next worker. So does the end of the
    process ``parent_pid`` (the ``kinechain serve`` that started this worker), so that a
    killed server leaves no worker behind.

    ``stale_after_s``: a running job whose heartbeat is older than this lost its worker and
    is queued again (checked at start and then every ``stale_after_s``). This worker
    heartbeats at least three times per ``stale_after_s``; every worker sharing the database
    should use the same value.
    """
    if not stale_after_s > 0:
        raise ValueError("stale_after_s must be positive")
    beat_s = min(HEARTBEAT_S, stale_after_s / 3)
    engine = make_engine(settings.db_url)
    if not has_schema(engine):
        engine.dispose()
        raise InputError(
            settings.db_url.split("@")[-1],
            "the database has no kinechain tables: run `kinechain db upgrade` first",
        )
    sessions = session_factory(engine)
    stop = stop or threading.Event()
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    restore: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            restore[sig] = signal.signal(sig, lambda *_: stop.set())
    if parent_pid is not None:
        threading.Thread(
            target=_watch_parent, args=(parent_pid, stop), name="parent-watch", daemon=True
        ).start()
    count = 0
    try:
        BlobStore(settings.files_dir).sweep_temp()
        requeue_stale(sessions, stale_after_s)
        swept = time.monotonic()
        while not stop.is_set():
            if time.monotonic() - swept > stale_after_s:
                requeue_stale(sessions, stale_after_s)
                swept = time.monotonic()
            job_id = claim_next(sessions, worker_id)
            if job_id is None:
                if once:
                    break
                stop.wait(poll_s)
                continue
            _run_in_child(settings, sessions, job_id, worker_id, timeout_s, stop, beat_s)
            count += 1
    finally:
        for signum, handler in restore.items():
            signal.signal(signum, handler)
        engine.dispose()
    return count


def _watch_parent(parent_pid: int, stop: threading.Event) -> None:
    while not stop.wait(0.5):
        if os.getppid() != parent_pid:
            stop.set()


def worker_options_from_env() -> dict[str, Any]:
    """``run_worker`` keyword arguments from ``KINECHAIN_WORKER_STALE_S`` / ``_PARENT``.

    Raises :class:`~kinechain.errors.InputError` with one line for a bad value.
    """
    options: dict[str, Any] = {}
    raw = os.environ.get(STALE_ENV, "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not (value > 0 and value < float("inf")):
            raise InputError(STALE_ENV, f"must be a positive number of seconds, not {raw!r}")
        options["stale_after_s"] = value
    parent = os.environ.get(PARENT_ENV, "").strip()
    if parent.isdigit():
        options["parent_pid"] = int(parent)
    return options


def main(argv: list[str] | None = None) -> int:
    """``python -m kinechain.store._worker``: the worker loop, or one job with ``--job``."""
    parser = argparse.ArgumentParser(prog="python -m kinechain.store._worker")
    parser.add_argument("--job", type=int, help="run this claimed job (child process mode)")
    parser.add_argument("--files", help="the file store folder (with --job)")
    parser.add_argument("--once", action="store_true", help="stop when no job is queued")
    args = parser.parse_args(argv)
    if args.job is not None:
        url = os.environ.get(DB_ENV)
        if not url or not args.files:
            parser.error(f"--job needs --files and the {DB_ENV} environment variable")
        return run_job(url, args.files, args.job)
    from kinechain.web._settings import Settings

    try:
        run_worker(Settings.from_env(), once=args.once, **worker_options_from_env())
    except KinechainError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
