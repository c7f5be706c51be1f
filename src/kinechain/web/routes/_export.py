"""A patient's data: export (JSON, long-format CSV, FHIR R4) and deletion on request.

Staff only. Every export is audited with action ``export``; a deletion removes every row
about the patient in one transaction (the audit log keeps ids only), then the files no
upload refers to any more.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kinechain import __version__
from kinechain.store import (
    Blob,
    ExerciseLog,
    Job,
    PainLog,
    Patient,
    QuestionnaireResponse,
    Upload,
    User,
    UserSession,
    Visit,
)
from kinechain.store._blobs import BlobStore
from kinechain.web._deps import Db, Staff, client_ip, patient_for, render
from kinechain.web._fhir import Row, bundle
from kinechain.web._security import audit

router = APIRouter()

# Ids fit the database's 32-bit integers; larger ones are refused before any query.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]

EXPORT_SCHEMA = "kinechain.patient-export/1"


def _clean(value: Any) -> Any:
    """JSON-safe copy: dates as ISO text, NaN/inf as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _cols(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: _clean(getattr(obj, n)) for n in names}


def patient_export(db: Session, p: Patient) -> dict[str, Any]:
    """Everything held on the patient (never password hashes), as a JSON-ready dict."""
    visits = []
    for v in p.visits:
        uploads = db.scalars(select(Upload).where(Upload.visit_id == v.id).order_by(Upload.id))
        jobs = db.scalars(select(Job).where(Job.visit_id == v.id).order_by(Job.id))
        visits.append(
            {
                **_cols(
                    v,
                    (
                        "id",
                        "date",
                        "intake",
                        "assessment",
                        "program",
                        "program_edited",
                        "gait_job_id",
                        "assessed_at",
                        "assess_error",
                        "created_at",
                        "updated_at",
                    ),
                ),
                "uploads": [
                    _cols(
                        u, ("id", "original_name", "role", "kind", "size", "sha256", "created_at")
                    )
                    for u in uploads
                ],
                "analyses": [
                    _cols(
                        j,
                        (
                            "id",
                            "upload_id",
                            "static_upload_id",
                            "options",
                            "status",
                            "version",
                            "error",
                            "created_at",
                            "finished_at",
                            "result",
                        ),
                    )
                    for j in jobs
                ],
            }
        )
    logins = db.scalars(select(User).where(User.patient_id == p.id).order_by(User.id))
    ex = db.scalars(
        select(ExerciseLog).where(ExerciseLog.patient_id == p.id).order_by(ExerciseLog.date)
    )
    pain = db.scalars(select(PainLog).where(PainLog.patient_id == p.id).order_by(PainLog.date))
    qr = db.scalars(
        select(QuestionnaireResponse)
        .where(QuestionnaireResponse.patient_id == p.id)
        .order_by(QuestionnaireResponse.submitted_at)
    )
    return {
        "schema": EXPORT_SCHEMA,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "kinechain_version": __version__,
        "patient": _cols(
            p,
            (
                "id",
                "name",
                "reference",
                "date_of_birth",
                "sex",
                "height_m",
                "mass_kg",
                "notes",
                "created_at",
            ),
        ),
        "logins": [_cols(u, ("email", "role", "active", "created_at")) for u in logins],
        "visits": visits,
        "exercise_logs": [
            _cols(e, ("date", "exercise_id", "completed", "pain_nprs", "created_at")) for e in ex
        ],
        "pain_logs": [_cols(e, ("date", "nprs", "note", "created_at")) for e in pain],
        "questionnaire_responses": [
            _cols(q, ("id", "submitted_at", "visit_id", "data")) for q in qr
        ],
    }


def _unit(test: str) -> str:
    for suffix, unit in (("_cm", "cm"), ("_deg", "deg"), ("_n_per_kg", "N/kg")):
        if test.endswith(suffix):
            return unit
    return {"fpi6": "score", "hip_abductor_mmt": "MMT grade"}.get(test, "")


def _value(v: Any) -> Any:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return v


_SCORES = (
    ("odi", "score_percent", "odi_percent", "%"),
    ("nprs", "score", "pain_nprs", "0-10"),
    ("rmdq", "score", "rmdq_score", "0-24"),
    ("startback", "total", "startback_total", "0-9"),
    ("psfs", "mean", "psfs_mean", "0-10"),
)


def measure_rows(data: dict[str, Any]) -> list[Row]:
    """One row per measured value of an export (see :func:`patient_export`)."""
    rows: list[Row] = []
    today = str(data["exported_at"])[:10]
    p = data["patient"]
    if p.get("height_m") is not None:
        rows.append(Row(today, "patient record", "height_m", "", p["height_m"], "m"))
    if p.get("mass_kg") is not None:
        rows.append(Row(today, "patient record", "mass_kg", "", p["mass_kg"], "kg"))
    if p.get("height_m") and p.get("mass_kg"):
        bmi = round(p["mass_kg"] / p["height_m"] ** 2, 2)
        rows.append(Row(today, "patient record (derived)", "bmi", "", bmi, "kg/m2"))
    for v in data["visits"]:
        date = v["date"]
        tests = (v.get("intake") or {}).get("tests") or {}
        for test, sides in sorted(tests.items()):
            if isinstance(sides, dict):
                for side in ("left", "right"):
                    if sides.get(side) is not None:
                        rows.append(
                            Row(
                                date,
                                f"visit {v['id']} intake",
                                test,
                                side,
                                _value(sides[side]),
                                _unit(test),
                            )
                        )
            elif sides is not None:
                rows.append(
                    Row(date, f"visit {v['id']} intake", test, "", _value(sides), _unit(test))
                )
        scores = ((v.get("assessment") or {}).get("questionnaires")) or {}
        for name, key, measure, unit in _SCORES:
            block = scores.get(name)
            if isinstance(block, dict) and block.get(key) is not None:
                rows.append(Row(date, f"visit {v['id']} assessment", measure, "", block[key], unit))
        for job in v["analyses"]:
            spatio = ((job.get("result") or {}).get("spatiotemporal")) or {}
            for side_key, side in (("left", "left"), ("right", "right"), ("overall", "")):
                for measure, stat in sorted((spatio.get(side_key) or {}).items()):
                    if isinstance(stat, dict) and stat.get("mean") is not None:
                        rows.append(
                            Row(
                                date,
                                f"analysis {job['id']}",
                                f"gait_{measure}",
                                side,
                                stat["mean"],
                                str(stat.get("unit", "")),
                            )
                        )
    for e in data["exercise_logs"]:
        src = f"exercise log: {e['exercise_id']}"
        rows.append(Row(e["date"], src, "exercise_completed", "", _value(e["completed"]), ""))
        if e.get("pain_nprs") is not None:
            rows.append(Row(e["date"], src, "exercise_pain_nprs", "", e["pain_nprs"], "0-10"))
    for e in data["pain_logs"]:
        rows.append(Row(e["date"], "pain log", "pain_nprs", "", e["nprs"], "0-10"))
    return rows


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(Row._fields)
    for r in rows:
        w.writerow(r)
    return out.getvalue()


def _filename(p: Patient, ext: str) -> str:
    return f"kinechain-patient-{p.id}.{ext}"


def _export(db: Session, who: Staff, request: Request, patient_id: int, fmt: str) -> Response:
    p = patient_for(db, who, patient_id, request, action="export")
    data = patient_export(db, p)
    if fmt == "csv":
        return Response(
            to_csv(measure_rows(data)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{_filename(p, "csv")}"'},
        )
    if fmt == "fhir":
        doc = bundle(data["patient"], measure_rows(data), data["exported_at"])
        return Response(
            json.dumps(doc, indent=2, allow_nan=False),
            media_type="application/fhir+json",
            headers={"Content-Disposition": f'attachment; filename="{_filename(p, "fhir.json")}"'},
        )
    return Response(
        json.dumps(data, indent=2, allow_nan=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_filename(p, "json")}"'},
    )


@router.get("/patients/{patient_id}/export.json", include_in_schema=False)
def export_json(request: Request, db: Db, who: Staff, patient_id: Id) -> Response:
    return _export(db, who, request, patient_id, "json")


@router.get("/patients/{patient_id}/export.csv", include_in_schema=False)
def export_csv(request: Request, db: Db, who: Staff, patient_id: Id) -> Response:
    return _export(db, who, request, patient_id, "csv")


@router.get("/patients/{patient_id}/export.fhir.json", include_in_schema=False)
def export_fhir(request: Request, db: Db, who: Staff, patient_id: Id) -> Response:
    return _export(db, who, request, patient_id, "fhir")


@router.get(
    "/api/v1/patients/{patient_id}/export",
    tags=["export"],
    responses={200: {"description": "JSON (kinechain.patient-export/1), CSV or FHIR R4 Bundle"}},
)
def api_export(
    request: Request,
    db: Db,
    who: Staff,
    patient_id: Id,
    format: Literal["json", "csv", "fhir"] = "json",
) -> Response:
    """Everything held on a patient: ``json``, long-format ``csv`` or a FHIR R4 ``fhir`` Bundle."""
    return _export(db, who, request, patient_id, format)


# --- deletion ----------------------------------------------------------------------------


def delete_patient(db: Session, p: Patient) -> list[str]:
    """Delete every row about ``p`` (not committed); return blob SHA-256s now unreferenced."""
    pid = p.id
    visit_ids = list(db.scalars(select(Visit.id).where(Visit.patient_id == pid)))
    shas = set(db.scalars(select(Upload.sha256).where(Upload.visit_id.in_(visit_ids))))
    user_ids = list(db.scalars(select(User.id).where(User.patient_id == pid)))
    if user_ids:
        db.execute(delete(UserSession).where(UserSession.user_id.in_(user_ids)))
        db.execute(delete(User).where(User.id.in_(user_ids)))
    db.execute(delete(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == pid))
    db.execute(delete(ExerciseLog).where(ExerciseLog.patient_id == pid))
    db.execute(delete(PainLog).where(PainLog.patient_id == pid))
    if visit_ids:
        db.execute(delete(Job).where(Job.visit_id.in_(visit_ids)))
        db.execute(delete(Upload).where(Upload.visit_id.in_(visit_ids)))
        db.execute(delete(Visit).where(Visit.id.in_(visit_ids)))
    db.expunge(p)
    db.execute(delete(Patient).where(Patient.id == pid))
    unused = []
    for sha in sorted(shas):
        if db.scalar(select(Upload.id).where(Upload.sha256 == sha).limit(1)) is None:
            db.execute(delete(Blob).where(Blob.sha256 == sha))
            unused.append(sha)
    return unused


def _remove_files(db: Session, blobs: BlobStore, shas: list[str]) -> None:
    """Remove files whose content no upload uses (checked again after the commit)."""
    for sha in shas:
        if db.scalar(select(Upload.id).where(Upload.sha256 == sha).limit(1)) is None:
            blobs.remove(sha)


def _delete(request: Request, db: Session, who: Staff, p: Patient) -> None:
    pid = p.id
    shas = delete_patient(db, p)
    audit(
        db,
        who.user,
        "delete",
        "patient",
        pid,
        patient_id=pid,
        ip=client_ip(request),
        detail="deleted on request with all visits, files, logs and logins",
    )
    db.commit()
    _remove_files(db, request.app.state.blobs, shas)


@router.get("/patients/{patient_id}/delete", include_in_schema=False)
def delete_page(request: Request, db: Db, who: Staff, patient_id: Id) -> Response:
    p = patient_for(db, who, patient_id, request)
    return render(request, "delete.html", {"patient": p, "values": {}, "errors": {}})


@router.post("/patients/{patient_id}/delete", include_in_schema=False)
def delete_patient_form(
    request: Request,
    db: Db,
    who: Staff,
    patient_id: Id,
    confirm_name: Annotated[str, Form()] = "",
) -> Response:
    p = patient_for(db, who, patient_id, request)
    if " ".join(confirm_name.split()).casefold() != " ".join(p.name.split()).casefold():
        errors = {"confirm_name": "type the patient's full name exactly as shown to confirm"}
        return render(
            request,
            "delete.html",
            {"patient": p, "values": {"confirm_name": confirm_name}, "errors": errors},
            400,
        )
    _delete(request, db, who, p)
    return RedirectResponse("/patients?deleted=1", status_code=303)


@router.delete("/api/v1/patients/{patient_id}", tags=["patients"], status_code=204)
def api_delete_patient(request: Request, db: Db, who: Staff, patient_id: Id) -> Response:
    """Delete the patient and everything about them (on the patient's request)."""
    _delete(request, db, who, patient_for(db, who, patient_id, request))
    return Response(status_code=204)
