"""Patients: list, add, view, edit (pages and API)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, or_, select

from kinechain.store import Patient, User, Visit
from kinechain.web._deps import Db, Staff, User_, client_ip, patient_for, render
from kinechain.web._forms import parse_form
from kinechain.web._security import audit

router = APIRouter()


class PatientIn(BaseModel):
    """A patient's record as a clinician types it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    reference: str | None = Field(default=None, max_length=64)
    date_of_birth: dt.date | None = None
    sex: Literal["female", "male", "other"] | None = None
    height_m: float | None = Field(default=None, ge=0.5, le=2.5, description="m")
    mass_kg: float | None = Field(default=None, ge=10, le=400, description="kg")
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("name", "reference", "notes")
    @classmethod
    def _printable(cls, v: str | None) -> str | None:
        if v is not None and any(ord(c) < 32 and c not in "\n\r\t" for c in v):
            raise ValueError("control characters are not allowed")
        return v

    @field_validator("date_of_birth")
    @classmethod
    def _past(cls, v: dt.date | None) -> dt.date | None:
        if v is not None and (v > dt.date.today() or v.year < 1900):
            raise ValueError("date of birth must be in the past (after 1900)")
        return v


class PatientOut(PatientIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: dt.datetime


class VisitBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    date: dt.date
    has_assessment: bool


def _apply(p: Patient, data: PatientIn) -> None:
    for key, value in data.model_dump().items():
        setattr(p, key, value)


def _list(db: Db, who: Staff, q: str) -> list[Patient]:
    stmt = select(Patient).where(Patient.clinic_id == who.user.clinic_id)
    if q.strip():
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Patient.name).like(like), func.lower(Patient.reference).like(like))
        )
    return list(db.scalars(stmt.order_by(Patient.name).limit(500)))


def _last_visits(db: Db, ids: list[int]) -> dict[int, dt.date]:
    if not ids:
        return {}
    rows = db.execute(
        select(Visit.patient_id, func.max(Visit.date))
        .where(Visit.patient_id.in_(ids))
        .group_by(Visit.patient_id)
    )
    return {pid: d for pid, d in rows}


@router.get("/patients", include_in_schema=False)
def patients_page(request: Request, db: Db, who: Staff, q: str = "", deleted: int = 0) -> Response:
    patients = _list(db, who, q)
    audit(
        db,
        who.user,
        "list",
        "patient",
        None,
        ip=client_ip(request),
        detail=f"{len(patients)} shown",
    )
    return render(
        request,
        "patients.html",
        {
            "patients": patients,
            "q": q,
            "last": _last_visits(db, [p.id for p in patients]),
            "deleted": bool(deleted),
        },
    )


@router.get("/patients/new", include_in_schema=False)
def new_patient_page(request: Request, who: Staff) -> Response:
    return render(request, "patient_form.html", {"values": {}, "errors": {}, "patient": None})


def _form_values(
    name: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    date_of_birth: Annotated[str, Form()] = "",
    sex: Annotated[str, Form()] = "",
    height_m: Annotated[str, Form()] = "",
    mass_kg: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    """The patient form as typed (strings), to validate or to show again with errors."""
    return {
        "name": name,
        "reference": reference,
        "date_of_birth": date_of_birth,
        "sex": sex,
        "height_m": height_m,
        "mass_kg": mass_kg,
        "notes": notes,
    }


FormValues = Annotated[dict[str, Any], Depends(_form_values)]


def _create(request: Request, db: Db, who: Staff, data: PatientIn) -> Patient:
    p = Patient(clinic_id=who.user.clinic_id)
    _apply(p, data)
    db.add(p)
    db.flush()
    audit(db, who.user, "create", "patient", p.id, patient_id=p.id, ip=client_ip(request))
    return p


@router.post("/patients/new", include_in_schema=False)
def new_patient(request: Request, db: Db, who: Staff, values: FormValues) -> Response:
    data, errors = parse_form(PatientIn, values)
    if data is None:
        return render(
            request, "patient_form.html", {"values": values, "errors": errors, "patient": None}, 400
        )
    p = _create(request, db, who, data)
    return RedirectResponse(f"/patients/{p.id}", status_code=303)


@router.get("/patients/{patient_id}", include_in_schema=False)
def patient_page(request: Request, db: Db, who: Staff, patient_id: int) -> Response:
    p = patient_for(db, who, patient_id, request)
    account = db.scalars(select(User).where(User.patient_id == p.id)).first()
    return render(request, "patient.html", {"patient": p, "visits": p.visits, "account": account})


@router.get("/patients/{patient_id}/edit", include_in_schema=False)
def edit_patient_page(request: Request, db: Db, who: Staff, patient_id: int) -> Response:
    p = patient_for(db, who, patient_id, request)
    values = PatientIn.model_validate(p, from_attributes=True).model_dump()
    values = {k: ("" if v is None else v) for k, v in values.items()}
    return render(request, "patient_form.html", {"values": values, "errors": {}, "patient": p})


@router.post("/patients/{patient_id}/edit", include_in_schema=False)
def edit_patient(
    request: Request, db: Db, who: Staff, patient_id: int, values: FormValues
) -> Response:
    p = patient_for(db, who, patient_id, request, action="update")
    data, errors = parse_form(PatientIn, values)
    if data is None:
        return render(
            request, "patient_form.html", {"values": values, "errors": errors, "patient": p}, 400
        )
    _apply(p, data)
    return RedirectResponse(f"/patients/{p.id}", status_code=303)


# --- API ---------------------------------------------------------------------------------


@router.get("/api/v1/patients", tags=["patients"])
def api_patients(request: Request, db: Db, who: Staff, q: str = "") -> list[PatientOut]:
    patients = _list(db, who, q)
    audit(
        db,
        who.user,
        "list",
        "patient",
        None,
        ip=client_ip(request),
        detail=f"{len(patients)} shown",
    )
    return [PatientOut.model_validate(p) for p in patients]


@router.post("/api/v1/patients", tags=["patients"], status_code=201)
def api_new_patient(request: Request, db: Db, who: Staff, body: PatientIn) -> PatientOut:
    p = _create(request, db, who, body)
    db.refresh(p)
    return PatientOut.model_validate(p)


@router.get("/api/v1/patients/{patient_id}", tags=["patients"])
def api_patient(request: Request, db: Db, who: User_, patient_id: int) -> PatientOut:
    """A patient's record (staff of the clinic, or the patient themself)."""
    return PatientOut.model_validate(patient_for(db, who, patient_id, request))


@router.put("/api/v1/patients/{patient_id}", tags=["patients"])
def api_edit_patient(
    request: Request, db: Db, who: Staff, patient_id: int, body: PatientIn
) -> PatientOut:
    p = patient_for(db, who, patient_id, request, action="update")
    _apply(p, body)
    db.flush()
    return PatientOut.model_validate(p)


@router.get("/api/v1/patients/{patient_id}/visits", tags=["visits"])
def api_patient_visits(request: Request, db: Db, who: User_, patient_id: int) -> list[VisitBrief]:
    p = patient_for(db, who, patient_id, request)
    if who.user.role == "patient":
        raise HTTPException(403, "only clinic staff can list visits")
    return [
        VisitBrief(id=v.id, date=v.date, has_assessment=v.assessment is not None) for v in p.visits
    ]
