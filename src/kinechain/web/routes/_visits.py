"""Visits: open one, the intake form, the report, the program editor, the handout (pages + API).

Every visit is loaded through :func:`visit_for` (clinic isolation and audit). The stored
assessment is the library's ``kinechain.assessment/1`` document, recomputed by
:func:`kinechain.store._visits.reassess` whenever the intake changes.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from jinja2 import TemplateNotFound
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kinechain.clinic import GRADE_DESCRIPTIONS, IntakeError, parse_intake
from kinechain.errors import KinechainError
from kinechain.store import Job, Patient, QuestionnaireResponse, Visit
from kinechain.store._visits import reassess
from kinechain.web import _intake_form as intake_form
from kinechain.web._deps import Db, Staff, client_ip, patient_for, render, visit_for
from kinechain.web._security import SignedIn, audit

router = APIRouter()
_GRADE_MEANING: dict[str, str] = {str(k): str(v) for k, v in GRADE_DESCRIPTIONS.items()}


# --- helpers -------------------------------------------------------------------------------


def _age(born: dt.date | None, on: dt.date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _starting_intake(
    db: Session, p: Patient, today: dt.date
) -> tuple[dict[str, Any], list[QuestionnaireResponse]]:
    """A new visit's intake from the patient record and the newest questionnaires sent from
    home; all responses not yet used (older ones included) are returned, to be attached."""
    patient = {
        "id": p.reference,
        "age": _age(p.date_of_birth, today),
        "sex": p.sex if p.sex in ("female", "male", "other") else None,
        "height_m": p.height_m,
        "mass_kg": p.mass_kg,
    }
    intake: dict[str, Any] = {"schema": "kinechain.intake/1", "date": today.isoformat()}
    patient = {k: v for k, v in patient.items() if v is not None}
    if patient:
        intake["patient"] = patient
    pending = list(
        db.scalars(
            select(QuestionnaireResponse)
            .where(
                QuestionnaireResponse.patient_id == p.id,
                QuestionnaireResponse.clinic_id == p.clinic_id,
                QuestionnaireResponse.visit_id.is_(None),
            )
            .order_by(QuestionnaireResponse.submitted_at.desc(), QuestionnaireResponse.id.desc())
        )
    )
    response = pending[0] if pending else None
    if response is not None and response.data:
        data = response.data
        block = data.get("questionnaires") if isinstance(data.get("questionnaires"), dict) else data
        intake["questionnaires"] = copy.deepcopy(block)
    return intake, pending


def _open_visit(db: Session, who: SignedIn, p: Patient, request: Request) -> Visit:
    today = dt.date.today()
    intake, pending = _starting_intake(db, p, today)
    v = Visit(
        clinic_id=p.clinic_id,
        patient_id=p.id,
        date=today,
        intake=intake,
        created_by=who.user.id,
    )
    db.add(v)
    db.flush()
    for response in pending:  # answered before this visit: never offered to a later one
        response.visit_id = v.id
    audit(db, who.user, "create", "visit", v.id, patient_id=p.id, ip=client_ip(request))
    return v


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """A function of another part of the app, or None while it is not there."""
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if callable(found) else None


def _has_template(request: Request, name: str) -> bool:
    try:
        request.app.state.templates.env.get_template(name)
    except TemplateNotFound:
        return False
    return True


def _gait_job(db: Session, v: Visit) -> Job | None:
    if v.gait_job_id is None:
        return None
    job = db.get(Job, v.gait_job_id)
    if job is None or job.visit_id != v.id or job.status != "done":
        return None
    return job


def _grade(evidence: Mapping[str, Any], key: str | None) -> dict[str, str]:
    entry = evidence.get(key or "") or {}
    grade = str(entry.get("grade") or "")
    return {
        "grade": grade,
        "label": grade.replace("_", " "),
        "meaning": _GRADE_MEANING.get(grade, ""),
        "citations": "; ".join(entry.get("citations") or []),
        "statement": str(entry.get("statement") or ""),
    }


def _band(f: Mapping[str, Any]) -> str:
    lo, hi = f.get("normal_low"), f.get("normal_high")
    if lo is not None and hi is not None:
        return f"{lo:g} – {hi:g}"
    if lo is not None:
        return f"≥ {lo:g}"
    if hi is not None:
        return f"≤ {hi:g}"
    return "–"


def _intake_summary(intake: Mapping[str, Any]) -> list[dict[str, Any]]:
    tests = intake.get("tests") or {}
    rows = []
    for row in intake_form.TEST_ROWS:
        sides = tests.get(row.key) or {}
        if sides.get("left") is None and sides.get("right") is None:
            continue
        rows.append(
            {
                "label": row.label,
                "left": intake_form._text(sides["left"]) if sides.get("left") is not None else "–",
                "right": intake_form._text(sides["right"])
                if sides.get("right") is not None
                else "–",
            }
        )
    return rows


def _visit_context(db: Session, v: Visit, request: Request) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "visit": v,
        "patient": v.patient,
        "a": v.assessment or {},
        "tests": _intake_summary(v.intake or {}),
    }
    uploads_context = _optional("kinechain.web.routes._uploads", "uploads_context")
    if uploads_context is not None:
        ctx.update(uploads_context(db, v, request))
    return ctx


# --- opening a visit, the visit page --------------------------------------------------------


@router.post("/patients/{patient_id}/visits", include_in_schema=False)
def new_visit(request: Request, db: Db, who: Staff, patient_id: int) -> Response:
    p = patient_for(db, who, patient_id, request, action="update")
    v = _open_visit(db, who, p, request)
    return RedirectResponse(f"/visits/{v.id}", status_code=303)


@router.get("/visits/{visit_id}", include_in_schema=False)
def visit_page(request: Request, db: Db, who: Staff, visit_id: int) -> Response:
    v = visit_for(db, who, visit_id, request)
    return render(request, "visit.html", _visit_context(db, v, request))


# --- the intake form ------------------------------------------------------------------------


def _intake_context(
    request: Request, v: Visit, values: Mapping[str, str], errors: Mapping[str, str]
) -> dict[str, Any]:
    q_macro = intake_form.questionnaire_module() is not None and _has_template(
        request, "_questionnaires.html"
    )
    return {
        "visit": v,
        "patient": v.patient,
        "values": dict(values),
        "errors": dict(errors),
        "f": intake_form,
        "q_macro": q_macro,
        "q_values": dict(values),
        "q_errors": dict(errors),
    }


@router.get("/visits/{visit_id}/intake", include_in_schema=False)
def intake_page(request: Request, db: Db, who: Staff, visit_id: int) -> Response:
    v = visit_for(db, who, visit_id, request)
    values = intake_form.form_values(v.intake or {})
    values.setdefault("date", v.date.isoformat())
    return render(request, "intake_form.html", _intake_context(request, v, values, {}))


def _save_intake(db: Session, who: SignedIn, v: Visit, intake: dict[str, Any], ip: str) -> None:
    v.intake = intake
    reassess(db, v)
    audit(db, who.user, "update", "visit", v.id, patient_id=v.patient_id, ip=ip, detail="intake")


@router.post("/visits/{visit_id}/intake", include_in_schema=False)
async def save_intake_page(request: Request, db: Db, who: Staff, visit_id: int) -> Response:
    v = visit_for(db, who, visit_id, request, action="update")
    raw = await request.form()
    form = {k: val for k, val in raw.items() if isinstance(val, str)}
    intake, errors = intake_form.validate_form(form)
    if intake is None:
        values = {k: val for k, val in form.items() if k != "csrf_token"}
        return render(request, "intake_form.html", _intake_context(request, v, values, errors), 400)
    _save_intake(db, who, v, intake, client_ip(request))
    return RedirectResponse(f"/visits/{v.id}", status_code=303)


# --- the report -----------------------------------------------------------------------------


def _chain_rows(a: Mapping[str, Any]) -> list[dict[str, Any]]:
    evidence = a.get("evidence") or {}
    return [{**row, "grade": _grade(evidence, row.get("evidence"))} for row in a.get("chain") or []]


def _chain_svg(a: Mapping[str, Any]) -> Markup:
    from kinechain.report import render_chain_diagram

    return Markup(render_chain_diagram(a.get("chain") or [], a.get("evidence") or {}))


def _spatiotemporal_html(gait: Mapping[str, Any] | None) -> Markup | None:
    st = (gait or {}).get("spatiotemporal")
    if not st:
        return None
    from kinechain.report._html import _spatiotemporal_table

    return Markup(_spatiotemporal_table(st))


@router.get("/visits/{visit_id}/report", include_in_schema=False)
def report_page(request: Request, db: Db, who: Staff, visit_id: int) -> Response:
    v = visit_for(db, who, visit_id, request)
    a = v.assessment or {}
    evidence = a.get("evidence") or {}
    findings = [
        {**f, "band": _band(f), "grade": _grade(evidence, f.get("evidence"))}
        for f in a.get("findings") or []
    ]
    curves: list[tuple[str, Markup]] = []
    job = _gait_job(db, v)
    svgs = _optional("kinechain.web._plots", "gait_curve_svgs")
    if job is not None and svgs is not None:
        curves = [(str(title), Markup(svg)) for title, svg in svgs(job)]
    ctx = {
        "visit": v,
        "patient": v.patient,
        "a": a,
        "findings": findings,
        "chain": _chain_rows(a),
        "chain_svg": _chain_svg(a) if a else None,
        "calf_back": _grade(evidence, "calf_low_back_pain"),
        "curves": curves,
        "gait_job": job,
        "spatiotemporal": _spatiotemporal_html(a.get("gait")),
        "program": v.program or {},
    }
    return render(request, "report.html", ctx)


# --- the program editor ---------------------------------------------------------------------


def _library() -> dict[str, Any]:
    from kinechain.program import LIBRARY

    return dict(LIBRARY)


class ProgramItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="a key of GET /api/v1/exercises")
    note: str | None = Field(None, max_length=500, description="clinician's note for the patient")


class ProgramEdit(BaseModel):
    """A program as the clinician wants it: the exercises (library ids) and a start date.

    Exercises the assessment recommended keep their dose and reason; others are added from
    the library ("Added by your clinician"). The saved program keeps the library's format
    (``kinechain.program/1``), so progress and the handout read it as they read any other.
    """

    model_config = ConfigDict(extra="forbid")

    start: dt.date | None = Field(None, description="first day of week 1 (default: unchanged)")
    exercises: list[ProgramItem] = Field(description="the exercises, in any order")


class ProgramProblem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _recommended_inputs(v: Visit) -> tuple[list[dict[str, Any]], str, int | None, float | None]:
    a = v.assessment or {}
    intake = v.intake or {}
    age = (intake.get("patient") or {}).get("age")
    sitting = (intake.get("lifestyle") or {}).get("sitting_hours_per_day")
    urgency = str((a.get("red_flags") or {}).get("urgency") or "none")
    return list(a.get("findings") or []), urgency, age, sitting


def _drop_from_plan(plan: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    out = []
    for week in plan:
        changes = [
            c
            for c in week.get("changes") or []
            if not any(c.startswith((f"Start {n}", f"{n}:")) for n in names)
        ]
        if not changes or changes[0].startswith("Last week"):
            changes.insert(0, "Same exercises and doses as last week.")
        out.append({**week, "changes": changes})
    return out


def build_edited_program(v: Visit, edit: ProgramEdit) -> dict[str, Any]:
    """The program ``edit`` asks for, in the library's format, from the visit's assessment."""
    from kinechain.program import build_program

    if not v.assessment:
        raise ProgramProblem("program", "the visit has no assessment yet: fill the intake first")
    current = v.program or v.assessment.get("program") or {}
    if current.get("withheld") or (v.assessment.get("program_gate") or {}).get("allowed") is False:
        reason = current.get("withheld_reason") or "red flags: refer first"
        raise ProgramProblem("program", f"the program is withheld ({reason}): refer first")
    library = _library()
    wanted: list[str] = []
    for k, item in enumerate(edit.exercises):
        if item.id not in library:
            raise ProgramProblem(f"exercises[{k}].id", f"{item.id!r} is not in the library")
        if item.id not in wanted:
            wanted.append(item.id)
    start = edit.start
    if start is None:
        start = dt.date.fromisoformat(str(current.get("start") or v.date.isoformat()))
    weeks = int(current.get("weeks") or 6)
    findings, urgency, age, sitting = _recommended_inputs(v)
    kwargs: dict[str, Any] = {
        "red_flag_urgency": urgency,
        "start": start,
        "weeks": weeks,
        "patient_age": age,
        "sitting_hours": sitting,
    }
    try:
        recommended = build_program(findings, **kwargs).to_dict()
        rec_ids = {e["id"] for e in recommended["exercises"]}
        extra = [i for i in wanted if i not in rec_ids]
        program = build_program(findings, extra=extra, **kwargs).to_dict()
    except KinechainError as exc:
        raise ProgramProblem("program", str(exc)) from None
    removed = [e["name"] for e in program["exercises"] if e["id"] not in wanted]
    program["exercises"] = [e for e in program["exercises"] if e["id"] in wanted]
    program["plan"] = _drop_from_plan(program.get("plan") or [], removed)
    notes = {item.id: (item.note or "").strip() for item in edit.exercises}
    for e in program["exercises"]:
        if notes.get(e["id"]):
            e["clinician_note"] = notes[e["id"]]
    program["edited_by_clinician"] = True
    return program


def _program_ctx(
    v: Visit, errors: Mapping[str, str] | None = None, message: str = ""
) -> dict[str, Any]:
    program = v.program or {}
    present = {e.get("id") for e in program.get("exercises") or []}
    addable = [(k, e.name) for k, e in _library().items() if k not in present]
    return {
        "visit": v,
        "patient": v.patient,
        "program": program,
        "addable": addable,
        "errors": dict(errors or {}),
        "message": message,
        "withheld": bool(program.get("withheld")),
    }


@router.get("/visits/{visit_id}/program", include_in_schema=False)
def program_page(request: Request, db: Db, who: Staff, visit_id: int) -> Response:
    v = visit_for(db, who, visit_id, request)
    return render(request, "program.html", _program_ctx(v))


@router.post("/visits/{visit_id}/program", include_in_schema=False)
async def save_program_page(request: Request, db: Db, who: Staff, visit_id: int) -> Response:
    v = visit_for(db, who, visit_id, request, action="update")
    form = await request.form()
    ip = client_ip(request)
    if form.get("reset"):
        v.program_edited = False
        reassess(db, v)
        audit(db, who.user, "update", "visit", v.id, patient_id=v.patient_id, ip=ip,
              detail="program reset")  # fmt: skip
        return RedirectResponse(f"/visits/{v.id}/program", status_code=303)
    removed = {str(x) for x in form.getlist("remove")}
    items = []
    for e in (v.program or {}).get("exercises") or []:
        if e["id"] in removed:
            continue
        note = form.get(f"note.{e['id']}")
        items.append({"id": e["id"], "note": note if isinstance(note, str) else None})
    add = form.get("add")
    if isinstance(add, str) and add:
        items.append({"id": add, "note": None})
    start_text = str(form.get("start") or "").strip()
    errors: dict[str, str] = {}
    start: dt.date | None = None
    if start_text:
        try:
            start = dt.date.fromisoformat(start_text)
        except ValueError:
            errors["start"] = "enter a date as YYYY-MM-DD"
    for k, item in enumerate(items):
        if item["note"] and len(item["note"]) > 500:
            errors[f"note.{item['id']}"] = "at most 500 characters"
            items[k]["note"] = None
    if not errors:
        try:
            program = build_edited_program(
                v, ProgramEdit.model_validate({"start": start, "exercises": items})
            )
        except ProgramProblem as exc:
            errors["add" if exc.field.endswith(".id") else "program"] = exc.message
    if errors:
        return render(request, "program.html", _program_ctx(v, errors), 400)
    v.program = program
    v.program_edited = True
    audit(db, who.user, "update", "visit", v.id, patient_id=v.patient_id, ip=ip, detail="program")
    return RedirectResponse(f"/visits/{v.id}/program", status_code=303)


# --- the handout ----------------------------------------------------------------------------


def handout_data(v: Visit) -> dict[str, Any]:
    """The assessment with the visit's (possibly edited) program, clinician notes included."""
    data = copy.deepcopy(v.assessment or {})
    program = copy.deepcopy(v.program or data.get("program") or {})
    for e in program.get("exercises") or []:
        if e.get("clinician_note"):
            e["why"] = f"{e.get('why') or ''} Note from your therapist: {e['clinician_note']}"
    data["program"] = program
    if program.get("start"):
        data["date"] = program["start"]
    return data


@router.get("/visits/{visit_id}/handout.pdf", include_in_schema=False)
def handout_pdf(request: Request, db: Db, who: Staff, visit_id: int) -> Response:
    from kinechain.report import render_handout

    v = visit_for(db, who, visit_id, request)
    if not v.assessment:
        raise HTTPException(404, "no handout yet: the visit has not been assessed")
    pdf = render_handout(handout_data(v))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="handout-{v.date.isoformat()}.pdf"'},
    )


# --- API ------------------------------------------------------------------------------------


class VisitOut(BaseModel):
    """A visit: its intake, stored assessment and program."""

    id: int
    patient_id: int
    date: dt.date
    intake: dict[str, Any]
    assessment: dict[str, Any] | None
    assess_error: str | None
    assessed_at: dt.datetime | None
    program: dict[str, Any] | None
    program_edited: bool
    gait_job_id: int | None


class IntakeSaved(BaseModel):
    """The saved intake and the assessment recomputed from it."""

    visit_id: int
    intake: dict[str, Any]
    assessment: dict[str, Any] | None
    assess_error: str | None = Field(
        None, description="why the assessment could not be made (e.g. gait of another person)"
    )


class ExerciseOut(BaseModel):
    id: str
    name: str
    category: str
    target: str
    link: str
    unilateral: bool
    instructions: list[str]
    dose: str
    dosage: dict[str, Any]
    evidence: str | None


def _visit_out(v: Visit) -> VisitOut:
    return VisitOut(
        id=v.id,
        patient_id=v.patient_id,
        date=v.date,
        intake=v.intake or {},
        assessment=v.assessment,
        assess_error=v.assess_error,
        assessed_at=v.assessed_at,
        program=v.program,
        program_edited=bool(v.program_edited),
        gait_job_id=v.gait_job_id,
    )


def _problems(items: list[tuple[str, str]], status: int = 422) -> JSONResponse:
    return JSONResponse(
        {"detail": [{"field": f, "problem": m} for f, m in items]}, status_code=status
    )


@router.post("/api/v1/patients/{patient_id}/visits", tags=["visits"], status_code=201)
def api_new_visit(request: Request, db: Db, who: Staff, patient_id: int) -> VisitOut:
    """Open a visit dated today, its intake prefilled from the patient record."""
    p = patient_for(db, who, patient_id, request, action="update")
    v = _open_visit(db, who, p, request)
    db.flush()
    return _visit_out(v)


@router.get("/api/v1/visits/{visit_id}", tags=["visits"])
def api_visit(request: Request, db: Db, who: Staff, visit_id: int) -> VisitOut:
    return _visit_out(visit_for(db, who, visit_id, request))


_INTAKE_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "a kinechain.intake/1 document (its JSON Schema: "
                "`kinechain intake --schema`); `schema` may be left out",
            },
            "example": {"schema": "kinechain.intake/1", "tests": {"wblt_cm": {"left": 6.0}}},
        }
    },
}


@router.put(
    "/api/v1/visits/{visit_id}/intake",
    tags=["visits"],
    response_model=IntakeSaved,
    openapi_extra={"requestBody": _INTAKE_BODY},
    responses={422: {"description": "invalid intake: a list of {field, problem}"}},
)
async def api_save_intake(request: Request, db: Db, who: Staff, visit_id: int) -> Any:
    """Replace the intake (``kinechain.intake/1``) and reassess the visit."""
    v = visit_for(db, who, visit_id, request, action="update")
    try:
        body = await request.json()
    except ValueError:
        return _problems([("(body)", "expected a JSON object: the intake")])
    if not isinstance(body, dict):
        return _problems([("(top level)", "expected a JSON object: the intake")])
    doc = dict(body)
    doc.setdefault("schema", "kinechain.intake/1")
    try:
        intake = parse_intake(doc, source=f"visit {v.id} intake").to_dict()
    except IntakeError as exc:
        return _problems(exc.errors)
    _save_intake(db, who, v, intake, client_ip(request))
    return IntakeSaved(
        visit_id=v.id, intake=v.intake, assessment=v.assessment, assess_error=v.assess_error
    )


@router.get("/api/v1/visits/{visit_id}/assessment", tags=["visits"])
def api_assessment(request: Request, db: Db, who: Staff, visit_id: int) -> dict[str, Any]:
    """The stored ``kinechain.assessment/1`` document."""
    v = visit_for(db, who, visit_id, request)
    if not v.assessment:
        why = f": {v.assess_error}" if v.assess_error else ": save its intake first"
        raise HTTPException(404, f"visit {v.id} has not been assessed{why}")
    return v.assessment


@router.get("/api/v1/visits/{visit_id}/program", tags=["visits"])
def api_program(request: Request, db: Db, who: Staff, visit_id: int) -> dict[str, Any]:
    """The visit's program (``kinechain.program/1``), possibly edited by the clinician."""
    v = visit_for(db, who, visit_id, request)
    if not v.program:
        raise HTTPException(404, f"visit {v.id} has no program yet: save its intake first")
    return v.program


@router.put(
    "/api/v1/visits/{visit_id}/program",
    tags=["visits"],
    response_model=dict[str, Any],
    responses={422: {"description": "an unknown exercise or a withheld program"}},
)
def api_save_program(request: Request, db: Db, who: Staff, visit_id: int, body: ProgramEdit) -> Any:
    """Set the program's exercises and start date (the format stays ``kinechain.program/1``)."""
    v = visit_for(db, who, visit_id, request, action="update")
    try:
        program = build_edited_program(v, body)
    except ProgramProblem as exc:
        return _problems([(exc.field, exc.message)])
    v.program = program
    v.program_edited = True
    return program


@router.delete("/api/v1/visits/{visit_id}/program", tags=["visits"])
def api_reset_program(request: Request, db: Db, who: Staff, visit_id: int) -> VisitOut:
    """Go back to the recommended program (drops the clinician's edits)."""
    v = visit_for(db, who, visit_id, request, action="update")
    v.program_edited = False
    reassess(db, v)
    return _visit_out(v)


@router.get("/api/v1/exercises", tags=["visits"])
def api_exercises(who: Staff) -> list[ExerciseOut]:
    """The exercise library."""
    return [
        ExerciseOut(
            id=k,
            name=e.name,
            category=e.kind,
            target=e.target,
            link=e.link,
            unilateral=e.unilateral,
            instructions=list(e.instructions),
            dose=e.dosage.text(),
            dosage=e.dosage.to_dict(),
            evidence=e.evidence,
        )
        for k, e in _library().items()
    ]
