"""Motion-file and video uploads and their analyses: visit uploads, the analysis page, the API.

Files are stored content-addressed under their SHA-256 with the original name kept; the type
is sniffed from the content. A walk upload (a C3D/TRC/MOT/STO file or a side-view video)
queues an analysis for the worker (:mod:`kinechain.store._worker`); its page shows the
progress, then the results and the gait curves against the normative bands. A video's
analysis page also plays the annotated video (``GET /jobs/{id}/annotated.webm``, a derived
upload of the visit listed in ``Job.curves["files"]``) and lists what one side view cannot
measure.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from kinechain.errors import InputError, KinechainError
from kinechain.store import Job, Patient, Upload, Visit
from kinechain.store._blobs import TooLarge
from kinechain.store._jobs import (
    DERIVED_ROLE,
    STATIC_KINDS,
    add_upload,
    enqueue,
    one_line,
    rerun,
)
from kinechain.web._deps import Db, Staff, client_ip, job_for, render, upload_for, visit_for
from kinechain.web._security import SignedIn, audit

router = APIRouter()

MEDIA_TYPES = {
    "c3d": "application/octet-stream",
    "trc": "text/plain; charset=utf-8",
    "mot": "text/plain; charset=utf-8",
    "sto": "text/plain; charset=utf-8",
    "video": "application/octet-stream",
    "csv": "text/csv; charset=utf-8",
}
#: What the upload form's file chooser offers (the content is sniffed all the same).
ACCEPT = ".c3d,.trc,.mot,.sto,.mp4,.mov,.m4v,.webm,.mkv,.avi,video/*"
ANNOTATED = "annotated.webm"


class UploadOut(BaseModel):
    """A stored file of a visit."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    visit_id: int
    original_name: str
    kind: str
    size: int
    role: Literal["walk", "static", "derived"]
    sha256: str
    created_at: dt.datetime


class JobOut(BaseModel):
    """An analysis; ``result`` (metrics.json, schema kinechain.metrics/1) once done."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    visit_id: int
    upload_id: int
    static_upload_id: int | None
    options: dict[str, Any]
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    stage: str
    error: str | None
    version: str | None
    attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    result: dict[str, Any] | None = None
    annotated_video: str | None = None


class UploadCreated(BaseModel):
    upload: UploadOut
    job: JobOut | None


def _job_out(job: Job, *, with_result: bool) -> JobOut:
    out = JobOut.model_validate(job)
    if not with_result or job.status != "done":
        out.result = None
    if derived_file(job, ANNOTATED) is not None:
        out.annotated_video = f"/jobs/{job.id}/{ANNOTATED}"
    return out


def derived_file(job: Job, name: str) -> dict[str, Any] | None:
    """``{"sha256", "size", "upload_id"}`` of a file the finished ``job`` made, or None."""
    if job.status != "done" or not isinstance(job.curves, dict):
        return None
    files = job.curves.get("files")
    entry = files.get(name) if isinstance(files, dict) else None
    return entry if isinstance(entry, dict) and entry.get("sha256") else None


# --- shared logic --------------------------------------------------------------------------


def _static_choice(
    db: Session, who: SignedIn, visit: Visit, raw: str | int | None
) -> Upload | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        sid = int(str(raw).strip())
    except ValueError:
        raise InputError("static_upload_id", "choose a static trial from the list") from None
    try:
        static = upload_for(db, who, sid)
    except HTTPException:
        raise InputError("static_upload_id", "no such static trial in this visit") from None
    if static.visit_id != visit.id:
        raise InputError("static_upload_id", "no such static trial in this visit")
    if static.kind not in STATIC_KINDS:
        raise InputError(static.original_name, "a static trial must be a C3D or TRC file")
    if static.role != "static":
        raise InputError(
            static.original_name, "this file was uploaded as a walking trial, not a static trial"
        )
    return static


def _truthy(value: str | bool | None) -> bool:
    if isinstance(value, bool):
        return value
    return (value or "").strip().lower() in {"1", "on", "true", "yes"}


def store_upload(
    request: Request,
    db: Session,
    who: SignedIn,
    visit: Visit,
    file: StarletteUpload | None,
    *,
    role: str,
    static_upload_id: str | int | None,
    flat_foot: bool,
) -> tuple[Upload, Job | None]:
    """Check the choices, store the file, queue its analysis (walk). Raises InputError.

    The choices are checked before anything is stored, so a refused upload leaves nothing.
    """
    role = (role or "walk").strip().lower()
    if role not in {"walk", "static"}:
        raise InputError("role", "choose 'walk' or 'static'")
    if file is None or not (file.filename or "").strip():
        raise InputError("file", "choose a file to upload")
    static = _static_choice(db, who, visit, static_upload_id) if role == "walk" else None
    settings = request.app.state.settings
    upload = add_upload(
        db,
        request.app.state.blobs,
        visit,
        file.file,
        file.filename or "upload",
        limit=settings.max_upload_bytes,
        user_id=who.user.id,
        static=role == "static",
    )
    ip = client_ip(request)
    audit(db, who.user, "create", "upload", upload.id, patient_id=visit.patient_id, ip=ip)
    job = None
    if role == "walk" and upload.kind == "video":
        # a video is analysed on its own: no static trial, no marker options
        job = enqueue(db, visit, upload, options={})
        audit(db, who.user, "create", "job", job.id, patient_id=visit.patient_id, ip=ip)
    elif role == "walk":
        job = enqueue(db, visit, upload, static_upload=static, options={"flat_foot": flat_foot})
        audit(db, who.user, "create", "job", job.id, patient_id=visit.patient_id, ip=ip)
    return upload, job


def uploads_context(db: Session, visit: Visit, request: Request) -> dict[str, Any]:
    """What ``_visit_uploads.html`` needs, to merge into the visit page's context."""
    uploads = list(
        db.scalars(select(Upload).where(Upload.visit_id == visit.id).order_by(Upload.id))
    )
    jobs = list(db.scalars(select(Job).where(Job.visit_id == visit.id).order_by(Job.id.desc())))
    statics = [u for u in uploads if u.role == "static"]
    error = one_line(request.query_params.get("upload_error", ""), 300)
    patient = db.get(Patient, visit.patient_id)
    return {
        "patient_height_m": patient.height_m if patient is not None else None,
        "upload_accept": ACCEPT,
        "uploads": uploads,
        "jobs": jobs,
        "static_uploads": statics,
        "upload_names": {u.id: u.original_name for u in uploads},
        "upload_error": error,
        "uploads_visit_id": visit.id,
        "gait_job_id": visit.gait_job_id,
        "upload_limit_mb": request.app.state.settings.max_upload_bytes / 2**20,
    }


def _number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


def _norm(entry: dict[str, Any], digits: int = 1) -> str:
    if entry.get("norm_mean") is None:
        return ""
    sd = entry.get("norm_sd")
    text = _number(entry["norm_mean"], digits)
    return f"{text} ± {_number(sd, digits)}" if sd is not None else text


def report_tables(result: dict[str, Any]) -> dict[str, Any]:
    """The result (metrics.json) as rows ready for the analysis page."""
    sides = ("left", "right")
    spatio = result.get("spatiotemporal") or {}
    names: list[str] = []
    for side in sides:
        for key in spatio.get(side) or {}:
            if key not in names:
                names.append(key)
    spatio_rows = []
    for key in names:
        cells = [(spatio.get(side) or {}).get(key) or {} for side in sides]
        first = next((c for c in cells if c), {})
        digits = 3 if first.get("unit") in {"m", "s", "1", "m/s"} else 1
        spatio_rows.append(
            {
                "label": key.replace("_", " "),
                "unit": first.get("unit", ""),
                "values": [_number(c.get("mean"), digits) for c in cells],
                "norm": _norm(first, digits),
            }
        )
    chain = result.get("chain") or {}
    chain_names: list[str] = []
    for side in sides:
        for key, val in (chain.get(side) or {}).items():
            if isinstance(val, dict) and key not in chain_names:
                chain_names.append(key)
    chain_rows = []
    for key in chain_names:
        cells = [(chain.get(side) or {}).get(key) or {} for side in sides]
        first = next((c for c in cells if c), {})
        chain_rows.append(
            {
                "label": first.get("label", key.replace("_", " ")),
                "link": first.get("link", ""),
                "unit": first.get("unit", ""),
                "values": [_number(c.get("value")) for c in cells],
                "z": [_number(c.get("z")) if c.get("z") is not None else "" for c in cells],
                "norm": _norm(first),
                "notes": [c.get("interpretation", "") for c in cells],
            }
        )
    scores = result.get("scores") or {}
    gps = scores.get("gps") or {}
    gvs = scores.get("gvs") or {}
    gvs_names: list[str] = []
    for side in sides:
        for key in gvs.get(side) or {}:
            if key not in gvs_names:
                gvs_names.append(key)
    score_rows = [
        {
            "label": "GPS (Gait Profile Score)",
            "values": [_number(gps.get(s)) for s in sides],
            "overall": _number(gps.get("overall")),
        }
    ] + [
        {
            "label": f"GVS {key.replace('_', ' ')}",
            "values": [_number((gvs.get(s) or {}).get(key)) for s in sides],
            "overall": "",
        }
        for key in gvs_names
    ]
    lumbar = result.get("lumbar_load")
    lumbar_rows: list[tuple[str, str]] = []
    if lumbar:
        for key, label, unit, digits in (
            ("peak_compression_n", "Peak compression", "N", 0),
            ("peak_compression_bw", "Peak compression", "× body weight", 2),
            ("mean_compression_n", "Mean compression", "N", 0),
            ("peak_anterior_shear_n", "Peak anterior shear", "N", 0),
            ("peak_shear_n", "Peak shear", "N", 0),
            ("peak_moment_nm", "Peak moment", "N·m", 1),
            ("coverage", "Share of frames analysed", "", 2),
        ):
            if lumbar.get(key) is not None:
                lumbar_rows.append((label, f"{_number(lumbar[key], digits)} {unit}".strip()))
    return {
        "spatio": spatio_rows,
        "chain": chain_rows,
        "scores": score_rows,
        "lumbar": lumbar,
        "lumbar_rows": lumbar_rows,
        "strides": result.get("strides") or {},
    }


# --- pages ---------------------------------------------------------------------------------


def _back(visit_id: int, error: str | None = None) -> RedirectResponse:
    url = f"/visits/{visit_id}"
    if error:
        url += "?upload_error=" + quote(one_line(error, 300), safe="")
    return RedirectResponse(url + "#uploads", status_code=303)


@router.post("/visits/{visit_id}/uploads", include_in_schema=False)
def upload_page(
    request: Request,
    db: Db,
    who: Staff,
    visit_id: int,
    file: Annotated[UploadFile | str | None, File()] = None,
    role: Annotated[str, Form()] = "walk",
    static_upload_id: Annotated[str, Form()] = "",
    flat_foot: Annotated[str, Form()] = "",
) -> Response:
    visit = visit_for(db, who, visit_id, request, action="update")
    try:
        store_upload(
            request,
            db,
            who,
            visit,
            file if isinstance(file, StarletteUpload) else None,  # no file chosen: a text field
            role=role,
            static_upload_id=static_upload_id,
            flat_foot=_truthy(flat_foot),
        )
    except KinechainError as exc:
        return _back(visit.id, str(exc))
    return _back(visit.id)


@router.get("/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, db: Db, who: Staff, job_id: int) -> Response:
    from kinechain.web._plots import gait_curve_svgs

    job = job_for(db, who, job_id, request)
    visit = db.get(Visit, job.visit_id)
    assert visit is not None
    patient = db.get(Patient, visit.patient_id)
    walk = db.get(Upload, job.upload_id)
    static = db.get(Upload, job.static_upload_id) if job.static_upload_id else None
    done = job.status == "done" and job.result is not None
    result = job.result if done else None
    return render(
        request,
        "job.html",
        {
            "job": job,
            "visit": visit,
            "patient": patient,
            "walk": walk,
            "static": static,
            "result": result,
            "tables": report_tables(job.result) if done and job.result else None,
            "plots": gait_curve_svgs(job) if done else [],
            "is_visit_gait": visit.gait_job_id == job.id,
            "is_video": walk is not None and walk.kind == "video",
            "video": video_context(job, result) if result else None,
        },
    )


def video_context(job: Job, result: dict[str, Any]) -> dict[str, Any] | None:
    """The video parts of a finished video analysis' page; None for motion-capture files."""
    block = result.get("video")
    if not isinstance(block, dict):
        return None
    scale = block.get("scale_m_per_px")
    facts = [
        ("Frame rate", f"{_number(block.get('fps'))} frames/s"),
        ("Frames", str(block.get("n_frames", "—"))),
        ("Frames with the subject found", str(block.get("frames_with_subject", "—"))),
        (
            "Frames below the confidence gate",
            f"{block.get('gated_frames', '—')} (gate {block.get('confidence_gate', '—')})",
        ),
        ("Left/right swaps repaired", str(block.get("swaps", "—"))),
        ("Angle flips (jumps > 60° between frames)", str(block.get("flips_total", "—"))),
        (
            "Scale",
            (f"{float(scale) * 1000:.2f} mm/px" if scale is not None else "none")
            + (f" — {block['scale_note']}" if block.get("scale_note") else ""),
        ),
        ("Walking direction", str(block.get("walking_direction", "—")).replace("_", " ")),
        ("Pose backend", str(block.get("backend", "—"))),
        ("Ankle neutral", str((block.get("ankle_neutral") or {}).get("note", "—"))),
    ]
    not_measured = [
        (str(m.get("measure", "")).replace("_", " "), str(m.get("reason", "")))
        for m in result.get("not_measured") or []
        if isinstance(m, dict)
    ]
    annotated = derived_file(job, ANNOTATED)
    quality = derived_file(job, "quality.csv")
    return {
        "facts": facts,
        "not_measured": not_measured,
        "annotated_url": f"/jobs/{job.id}/{ANNOTATED}" if annotated else None,
        "quality_upload_id": quality.get("upload_id") if quality else None,
        # the not-measured list is shown on its own; the warnings keep the rest
        "warnings": [
            w for w in result.get("warnings") or [] if not str(w).startswith("not measured: ")
        ],
    }


@router.post("/jobs/{job_id}/rerun", include_in_schema=False)
def rerun_page(request: Request, db: Db, who: Staff, job_id: int) -> Response:
    job = job_for(db, who, job_id, request, action="update")
    new = rerun(db, job)
    audit(
        db, who.user, "create", "job", new.id, ip=client_ip(request), detail=f"re-run of {job.id}"
    )
    return RedirectResponse(f"/jobs/{new.id}", status_code=303)


@router.get("/jobs/{job_id}/annotated.webm", include_in_schema=False)
def annotated_video(request: Request, db: Db, who: Staff, job_id: int) -> Response:
    """The annotated video of a video analysis (WebM, VP8), playable in the page.

    Served by :class:`~starlette.responses.FileResponse`, which answers HTTP Range requests
    (browsers seek in a ``<video>`` that way).
    """
    job = job_for(db, who, job_id, request)
    entry = derived_file(job, ANNOTATED)
    upload_id = entry.get("upload_id") if entry else None
    row = db.get(Upload, upload_id) if isinstance(upload_id, int) else None
    if (
        entry is None
        or row is None
        or row.role != DERIVED_ROLE
        or row.visit_id != job.visit_id
        or row.sha256 != entry["sha256"]
    ):
        raise HTTPException(404, "this analysis has no annotated video")
    path = request.app.state.blobs.path(row.sha256)
    if not path.is_file():
        raise HTTPException(404, "the stored file is missing")
    return FileResponse(
        path,
        media_type="video/webm",
        filename=f"analysis-{job.id}-{ANNOTATED}",
        content_disposition_type="inline",
    )


@router.get("/uploads/{upload_id}/download", include_in_schema=False)
def download(request: Request, db: Db, who: Staff, upload_id: int) -> Response:
    """The uploaded file as it was sent, under its original name."""
    upload = upload_for(db, who, upload_id, request)
    path = request.app.state.blobs.path(upload.sha256)
    if not path.is_file():
        raise HTTPException(404, "the stored file is missing")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(upload.kind, "application/octet-stream"),
        filename=upload.original_name,
    )


# --- API -----------------------------------------------------------------------------------


@router.post("/api/v1/visits/{visit_id}/uploads", tags=["uploads"], status_code=201)
def api_upload(
    request: Request,
    db: Db,
    who: Staff,
    visit_id: int,
    file: Annotated[
        UploadFile, File(description="C3D, TRC, MOT or STO file, or a side-view video")
    ],
    role: Annotated[Literal["walk", "static"], Form()] = "walk",
    static_upload_id: Annotated[int | None, Form()] = None,
    flat_foot: Annotated[bool, Form()] = False,
) -> UploadCreated:
    """Upload a motion file or a side-view video to a visit; a walk also queues its analysis.

    A video (MP4, MOV, WebM, AVI; sniffed from the content) is analysed by markerless pose
    estimation with the patient's height for the scale; it takes no static trial.
    """
    visit = visit_for(db, who, visit_id, request, action="update")
    try:
        upload, job = store_upload(
            request,
            db,
            who,
            visit,
            file,
            role=role,
            static_upload_id=static_upload_id,
            flat_foot=flat_foot,
        )
    except TooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    except KinechainError as exc:
        raise HTTPException(400, str(exc)) from None
    db.flush()
    return UploadCreated(
        upload=UploadOut.model_validate(upload),
        job=_job_out(job, with_result=False) if job is not None else None,
    )


@router.get("/api/v1/visits/{visit_id}/uploads", tags=["uploads"])
def api_uploads(request: Request, db: Db, who: Staff, visit_id: int) -> list[UploadOut]:
    visit = visit_for(db, who, visit_id, request)
    rows = db.scalars(select(Upload).where(Upload.visit_id == visit.id).order_by(Upload.id))
    return [UploadOut.model_validate(u) for u in rows]


@router.get("/api/v1/visits/{visit_id}/jobs", tags=["analyses"])
def api_jobs(request: Request, db: Db, who: Staff, visit_id: int) -> list[JobOut]:
    """The visit's analyses, newest first (without their results)."""
    visit = visit_for(db, who, visit_id, request)
    rows = db.scalars(select(Job).where(Job.visit_id == visit.id).order_by(Job.id.desc()))
    return [_job_out(j, with_result=False) for j in rows]


@router.get("/api/v1/jobs/{job_id}", tags=["analyses"])
def api_job(request: Request, db: Db, who: Staff, job_id: int) -> JobOut:
    """An analysis: status, progress and stage; ``result`` (metrics.json) when done."""
    return _job_out(job_for(db, who, job_id, request), with_result=True)


@router.post("/api/v1/jobs/{job_id}/rerun", tags=["analyses"], status_code=201)
def api_rerun(request: Request, db: Db, who: Staff, job_id: int) -> JobOut:
    """Queue the same analysis again (e.g. after upgrading kinechain)."""
    job = job_for(db, who, job_id, request, action="update")
    new = rerun(db, job)
    audit(
        db, who.user, "create", "job", new.id, ip=client_ip(request), detail=f"re-run of {job.id}"
    )
    db.refresh(new)
    return _job_out(new, with_result=False)
