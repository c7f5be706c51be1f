"""Uploads and the analysis queue: storage logic only (no web, no analysis).

An upload is streamed into the content-addressed :class:`~kinechain.store._blobs.BlobStore`,
its type is sniffed from the content (never trusted from the name), and only then are the
``Blob`` and ``Upload`` rows written, so a refused file leaves nothing behind. Jobs move
``queued → running → done | failed``; workers claim them atomically (PostgreSQL ``FOR UPDATE
SKIP LOCKED``, and a conditional ``UPDATE`` checked by its row count on every database) and
heartbeat while they run, so the job of a worker that died is queued again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kinechain.errors import InputError
from kinechain.store._blobs import BlobStore
from kinechain.store._models import Blob, Job, Upload, Visit, utcnow

KINDS = ("c3d", "trc", "mot", "sto", "video")
#: Kinds that hold markers, so can be a static calibration trial (never a video).
STATIC_KINDS = ("c3d", "trc")
#: Container formats recognised as videos (the Upload's kind is ``video`` for all of them).
VIDEO_FORMATS = ("mp4", "mov", "webm", "mkv", "avi")
#: ``Upload.role`` of the files an analysis made (annotated video, quality track).
DERIVED_ROLE = "derived"
MAX_ATTEMPTS = 3
NOT_MOTION = (
    "not a C3D, TRC, MOT or STO file nor a video (MP4, MOV, WebM, AVI) "
    "(content checked, not the name)"
)
GAVE_UP = f"the analysis stopped the worker {MAX_ATTEMPTS} times; the file may be damaged"
SNIFF_BYTES = 64 * 1024

__all__ = [
    "DERIVED_ROLE",
    "GAVE_UP",
    "KINDS",
    "MAX_ATTEMPTS",
    "STATIC_KINDS",
    "VIDEO_FORMATS",
    "DerivedFile",
    "add_upload",
    "claim_next",
    "enqueue",
    "fail",
    "finish",
    "heartbeat",
    "one_line",
    "requeue_stale",
    "rerun",
    "set_progress",
    "sniff_kind",
    "video_format",
]


def one_line(text: object, limit: int = 500) -> str:
    """``text`` on one line (whitespace collapsed), at most ``limit`` characters."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _is_c3d(head: bytes) -> bool:
    # Word 1 of the header: byte 1 is the C3D key 0x50, byte 0 the 512-byte block where the
    # parameter section starts (1-based; block 1 is this header, so at least 2). That
    # section's 4-byte header must be in ``head`` and name a processor type (84-86).
    if len(head) < 512 or head[1] != 0x50 or head[0] < 2:
        return False
    start = (head[0] - 1) * 512
    return len(head) >= start + 4 and head[start + 3] in (84, 85, 86)


def _text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError:
        return head.decode("latin-1")


#: Box types that may open an ISO base media file (MP4/MOV) without an ``ftyp`` box first
#: (old QuickTime files start with ``moov``, ``mdat``, ``wide``, ``free``, ``skip``, ``pnot``).
_ISO_FIRST_BOXES = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def video_format(head: bytes) -> str | None:
    """The video container of ``head`` (a file's first bytes), or None when it is none.

    ``mp4``/``mov``: ISO base media (ISO/IEC 14496-12), an ``ftyp`` box first (brand
    ``qt  `` is QuickTime) or one of the boxes old QuickTime files start with, whose 32-bit
    size is then binary (not four printable characters, so a text file starting e.g.
    ``"for free"`` is no video). ``webm``/``mkv``: the EBML magic ``1A 45 DF A3`` (DocType
    ``webm`` or else Matroska). ``avi``: ``RIFF`` …. ``AVI ``.
    """
    if len(head) >= 12 and head[4:8] == b"ftyp":
        size = int.from_bytes(head[:4], "big")
        if 8 <= size <= 4096:
            return "mov" if head[8:12] == b"qt  " else "mp4"
        return None
    if len(head) >= 8 and head[4:8] in _ISO_FIRST_BOXES:
        size = int.from_bytes(head[:4], "big")
        printable = all(32 <= b < 127 for b in head[:4])
        if not printable and (size in (0, 1) or size >= 8):
            return "mov"
        return None
    if head[:4] == _EBML_MAGIC:
        return "webm" if b"webm" in head[4:64] else "mkv"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


def sniff_kind(head: bytes, name: str) -> str:
    """The file type of ``head`` (the file's first bytes): c3d, trc, mot, sto or video.

    ``head`` should hold the first 64 KiB (or the whole file), enough for a C3D's parameter
    section header and an OpenSim header. Videos (MP4, MOV, WebM/Matroska, AVI; see
    :func:`video_format` for the container) are all of kind ``video``.

    Decided from the content; the name's suffix only tells MOT from STO (which hold the same
    format). Raises :class:`~kinechain.errors.InputError` for anything else.
    """
    if _is_c3d(head):
        return "c3d"
    if video_format(head) is not None:
        return "video"
    text = _text(head)
    if text is not None:
        lines = [ln.strip() for ln in text.splitlines()]
        first = next((ln for ln in lines if ln), "")
        if first.lower().startswith("pathfiletype"):
            return "trc"
        if any(ln.lower() == "endheader" for ln in lines):
            suffix = PurePath(name).suffix.lower()
            if suffix in {".mot", ".sto"}:
                return suffix[1:]
            low = text.lower()
            if "opensimversion=" in low or "datatype=" in low:
                return "sto"
            return "mot"
    raise InputError(name, NOT_MOTION)


def _clean_name(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip()
    base = "".join(c for c in base if c.isprintable())
    return one_line(base, 255) or "upload"


def add_upload(
    db: Session,
    blobs: BlobStore,
    visit: Visit,
    stream: BinaryIO,
    name: str,
    *,
    limit: int,
    user_id: int | None,
    static: bool = False,
) -> Upload:
    """Store ``stream`` as a file of ``visit``; return the new (flushed) Upload row.

    Its ``role`` is ``static`` with ``static`` (a calibration trial), else ``walk``.

    Raises
    ------
    TooLarge
        Above ``limit`` bytes (nothing is stored).
    InputError
        Empty, or neither a motion file nor a video, or (``static``) not a marker file that
        can serve as a static trial (a video never is). The stored content is removed again
        unless another upload shares it.
    """
    name = _clean_name(name)
    sha, size, _head = blobs.put_stream(stream, name=name, limit=limit)
    try:
        if size == 0:
            raise InputError(name, "the file is empty")
        with open(blobs.path(sha), "rb") as fh:
            head = fh.read(SNIFF_BYTES)
        kind = sniff_kind(head, name)
        if static and kind == "video":
            raise InputError(name, "a video cannot be a static trial: upload it as a walking trial")
        if static and kind not in STATIC_KINDS:
            raise InputError(name, "a static trial must be a C3D or TRC file with markers")
    except BaseException:
        shared = db.scalar(select(Upload.id).where(Upload.sha256 == sha).limit(1))
        if shared is None:
            blobs.remove(sha)
        raise
    if db.get(Blob, sha) is None:
        db.add(Blob(sha256=sha, size=size, kind=kind))
    upload = Upload(
        clinic_id=visit.clinic_id,
        visit_id=visit.id,
        sha256=sha,
        original_name=name,
        kind=kind,
        size=size,
        role="static" if static else "walk",
        uploaded_by=user_id,
    )
    db.add(upload)
    db.flush()
    return upload


def enqueue(
    db: Session,
    visit: Visit,
    upload: Upload,
    *,
    static_upload: Upload | None = None,
    options: dict[str, Any] | None = None,
) -> Job:
    """Queue an analysis of the walk ``upload`` (with its static trial) for the worker."""
    for u in (upload, static_upload):
        if u is not None and u.visit_id != visit.id:
            raise InputError(u.original_name, "the file belongs to another visit")
    if static_upload is not None and static_upload.id == upload.id:
        raise InputError(upload.original_name, "the walk cannot be its own static trial")
    job = Job(
        clinic_id=visit.clinic_id,
        visit_id=visit.id,
        upload_id=upload.id,
        static_upload_id=static_upload.id if static_upload is not None else None,
        options=dict(options or {}),
        status="queued",
        progress=0.0,
        stage="waiting for the worker",
        attempts=0,
    )
    db.add(job)
    db.flush()
    return job


def rerun(db: Session, job: Job) -> Job:
    """A new queued job with the same inputs (e.g. after an upgrade of kinechain)."""
    new = Job(
        clinic_id=job.clinic_id,
        visit_id=job.visit_id,
        upload_id=job.upload_id,
        static_upload_id=job.static_upload_id,
        options=dict(job.options or {}),
        status="queued",
        progress=0.0,
        stage="waiting for the worker",
        attempts=0,
    )
    db.add(new)
    db.flush()
    return new


def claim_next(sessions: sessionmaker[Session], worker_id: str) -> int | None:
    """Claim the oldest queued job for ``worker_id``; its id, or None when none waits."""
    for _ in range(20):
        with sessions() as db, db.begin():
            candidate = select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(1)
            if db.get_bind().dialect.name == "postgresql":
                candidate = candidate.with_for_update(skip_locked=True)
            job_id = db.scalar(candidate)
            if job_id is None:
                return None
            now = utcnow()
            res = db.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(
                    status="running",
                    started_at=now,
                    heartbeat_at=now,
                    attempts=Job.attempts + 1,
                    worker=worker_id[:100],
                    progress=0.0,
                    stage="starting",
                    error=None,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(res, "rowcount", 0) == 1:
                return int(job_id)
        # another worker took it between our read and our update: try the next one
    return None


def _update_running(sessions: sessionmaker[Session], job_id: int, **values: Any) -> bool:
    with sessions() as db, db.begin():
        res = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(res, "rowcount", 0))


def heartbeat(sessions: sessionmaker[Session], job_id: int) -> bool:
    """Mark the running job alive; False when it is no longer running."""
    return _update_running(sessions, job_id, heartbeat_at=utcnow())


def set_progress(sessions: sessionmaker[Session], job_id: int, progress: float, stage: str) -> bool:
    return _update_running(
        sessions,
        job_id,
        progress=max(0.0, min(100.0, float(progress))),
        stage=one_line(stage, 200),
        heartbeat_at=utcnow(),
    )


@dataclass(frozen=True)
class DerivedFile:
    """A file an analysis made (e.g. the annotated video), already in the BlobStore."""

    name: str
    sha256: str
    size: int
    kind: str


def _add_derived(db: Session, job: Job, files: list[DerivedFile]) -> dict[str, Any]:
    """Upload rows (role :data:`DERIVED_ROLE`) for ``files``; ``{name: {sha256, size, upload_id}}``.

    As uploads of the visit they are exported with it, kept by the orphan-file sweep and
    deleted with the patient, like the files the clinician sent.
    """
    out: dict[str, Any] = {}
    source = db.get(Upload, job.upload_id)
    stem = PurePath(source.original_name).stem if source is not None else f"analysis {job.id}"
    for f in files:
        if db.get(Blob, f.sha256) is None:
            db.add(Blob(sha256=f.sha256, size=f.size, kind=f.kind))
            db.flush()
        row = Upload(
            clinic_id=job.clinic_id,
            visit_id=job.visit_id,
            sha256=f.sha256,
            original_name=one_line(f"{stem} (analysis {job.id}) {f.name}", 255),
            kind=f.kind,
            size=f.size,
            role=DERIVED_ROLE,
            uploaded_by=None,
        )
        db.add(row)
        db.flush()
        out[f.name] = {"sha256": f.sha256, "size": f.size, "upload_id": row.id}
    return out


def finish(
    sessions: sessionmaker[Session],
    job_id: int,
    result: dict[str, Any],
    curves: dict[str, Any] | None,
    version: str,
    *,
    files: list[DerivedFile] | None = None,
) -> bool:
    """Store a finished analysis and make it the visit's gait analysis, then reassess.

    ``files`` (already in the BlobStore) become uploads of the visit with role
    :data:`DERIVED_ROLE`, listed in ``Job.curves["files"]`` as ``{name: {"sha256", "size",
    "upload_id"}}`` (e.g. ``annotated.webm`` of a video analysis).

    All of it happens in one transaction. False (nothing written) when the job is not running.
    """
    from kinechain.store._visits import reassess

    with sessions() as db, db.begin():
        job = db.get(Job, job_id)
        if job is None or job.status != "running":
            return False
        now = utcnow()
        if files:
            curves = dict(curves or {})
            curves["files"] = _add_derived(db, job, files)
        job.status = "done"
        job.progress = 100.0
        job.stage = "done"
        job.error = None
        job.result = result
        job.curves = curves
        job.version = version[:32]
        job.finished_at = now
        job.heartbeat_at = now
        visit = db.get(Visit, job.visit_id)
        if visit is not None:
            visit.gait_job_id = job.id
            db.flush()
            reassess(db, visit)
        return True


def fail(sessions: sessionmaker[Session], job_id: int, message: str) -> bool:
    """Mark a running job failed with a one-line ``message``."""
    now = utcnow()
    return _update_running(
        sessions,
        job_id,
        status="failed",
        error=one_line(message) or "the analysis failed",
        stage="failed",
        finished_at=now,
        heartbeat_at=now,
    )


def requeue_stale(sessions: sessionmaker[Session], older_than_s: float) -> list[int]:
    """Queue again the running jobs whose worker stopped heartbeating (it died).

    A job that was already tried :data:`MAX_ATTEMPTS` times is failed instead. Returns the
    ids of the jobs queued again or failed.
    """
    cutoff = utcnow() - dt.timedelta(seconds=older_than_s)
    touched: list[int] = []
    with sessions() as db, db.begin():
        stale = select(Job).where(
            Job.status == "running",
            (Job.heartbeat_at < cutoff) | (Job.heartbeat_at.is_(None)),
        )
        if db.get_bind().dialect.name == "postgresql":
            stale = stale.with_for_update(skip_locked=True)
        for job in db.scalars(stale.order_by(Job.id)):
            touched.append(job.id)
            if job.attempts >= MAX_ATTEMPTS:
                job.status = "failed"
                job.error = GAVE_UP
                job.stage = "failed"
                job.finished_at = utcnow()
            else:
                job.status = "queued"
                job.progress = 0.0
                job.stage = "waiting for the worker (the previous one stopped)"
                job.worker = None
    return touched
