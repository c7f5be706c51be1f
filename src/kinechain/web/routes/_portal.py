"""The patient's own pages (today's exercises, pain, questionnaires, progress) and the
clinician's progress page, with their /api/v1 endpoints.

A patient account only ever reaches its own record (``who.user.patient_id``, still looked up
through :func:`patient_for` so that the access is scoped and audit-logged). Progress is judged
by the library's :func:`kinechain.program.progress`, exactly as the CLI does, from the visits'
assessments and the exercise log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kinechain.clinic import Questionnaires
from kinechain.errors import KinechainError
from kinechain.program import LIBRARY, MEASURES, ProgressReport, progress
from kinechain.store import ExerciseLog, PainLog, Patient, QuestionnaireResponse, Visit
from kinechain.web._deps import Db, PatientUser, Staff, patient_for, render
from kinechain.web._questionnaire_form import questionnaires_from_form
from kinechain.web._security import SignedIn

router = APIRouter()

#: How far back a patient may tick off a missed day.
BACKDATE_DAYS = 14
_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no"}


def today() -> dt.date:
    """The clinic's today (local date of the server)."""
    return dt.date.today()


async def form_data(request: Request) -> dict[str, str]:
    """The submitted form as ``{name: text}`` (files and repeated names: the last text)."""
    form = await request.form()
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


Form_ = Annotated[dict[str, str], Depends(form_data)]


# ---------------------------------------------------------------------------------------
# The programme and today's checklist
# ---------------------------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass
class CurrentProgram:
    """The patient's current programme (from the newest visit that has one)."""

    visit: Visit | None
    data: dict[str, Any] | None
    start: dt.date | None
    weeks: int

    @property
    def exercises(self) -> list[dict[str, Any]]:
        if self.data is None:
            return []
        return [e for e in self.data.get("exercises") or [] if isinstance(e, dict)]

    def ids(self) -> set[str]:
        return {str(e.get("id")) for e in self.exercises}

    def week(self, day: dt.date) -> int:
        """Programme week of ``day`` (1 = first; 0 before the start)."""
        if self.start is None:
            return 1
        if day < self.start:
            return 0
        return (day - self.start).days // 7 + 1


def current_program(db: Session, patient_id: int) -> CurrentProgram:
    visit = db.scalars(
        select(Visit)
        .where(Visit.patient_id == patient_id, Visit.program.is_not(None))
        .order_by(Visit.date.desc(), Visit.id.desc())
        .limit(1)
    ).first()
    if visit is None or not isinstance(visit.program, dict):
        return CurrentProgram(None, None, None, 0)
    data = visit.program
    start = _date(data.get("start")) or visit.date
    weeks = data.get("weeks")
    return CurrentProgram(visit, data, start, weeks if isinstance(weeks, int) else 0)


def referral(db: Session, patient_id: int) -> list[str]:
    """The referral advice of the latest assessment when its red flags call for one."""
    visit = db.scalars(
        select(Visit)
        .where(Visit.patient_id == patient_id, Visit.assessment.is_not(None))
        .order_by(Visit.date.desc(), Visit.id.desc())
        .limit(1)
    ).first()
    if visit is None or not isinstance(visit.assessment, dict):
        return []
    flags = visit.assessment.get("red_flags") or {}
    if not flags.get("refer"):
        return []
    advice = [str(r.get("advice")) for r in flags.get("reasons") or [] if r.get("advice")]
    out = list(dict.fromkeys(advice))
    if not out:
        withheld = (visit.program or {}).get("withheld_reason") if visit.program else None
        out = [str(withheld or "Red flags were recorded: see a doctor before exercising.")]
    return out


def _dose(ex: dict[str, Any], programme_week: int) -> tuple[str, int, int]:
    """(dose in words, times per day, days per week) of an exercise in a programme week."""
    weeks = [w for w in ex.get("weeks") or [] if isinstance(w, dict)]
    row = next((w for w in weeks if w.get("week") == programme_week), None)
    if row is None and weeks and programme_week > max(int(w.get("week") or 0) for w in weeks):
        row = max(weeks, key=lambda w: int(w.get("week") or 0))
    if row is not None and isinstance(row.get("dosage"), dict):
        d = row["dosage"]
        text = str(row.get("dosage_text") or d.get("text") or "")
        return text, int(d.get("times_per_day") or 1), int(d.get("days_per_week") or 7)
    lib = LIBRARY.get(str(ex.get("id")))
    if lib is not None:
        start_week = int(ex.get("start_week") or 1)
        dosage, _ = lib.dose_for_week(max(1, programme_week - start_week + 1))
        return dosage.text(), dosage.times_per_day, dosage.days_per_week
    d = ex.get("dosage") or {}
    return (
        str(ex.get("dosage_text") or d.get("text") or ""),
        int(d.get("times_per_day") or 1),
        int(d.get("days_per_week") or 7),
    )


@dataclass
class Item:
    """One exercise of today's checklist."""

    exercise_id: str
    name: str
    instructions: list[str]
    dose: str
    sides: str
    why: str
    cautions: list[str]
    started: bool
    start_week: int
    done: bool
    days_per_week: int


@dataclass
class Checklist:
    day: dt.date
    program: CurrentProgram
    week: int
    items: list[Item]
    referral: list[str]
    done_this_week: int = 0
    expected_so_far: float = 0.0
    expected_week: int = 0
    ended: bool = False
    withheld: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def adherence_percent(self) -> float | None:
        if self.expected_so_far <= 0:
            return None
        return min(100.0, 100.0 * self.done_this_week / self.expected_so_far)


def checklist(db: Session, patient: Patient, day: dt.date) -> Checklist:
    """Today's exercises with their dose, whether each is ticked, and this week's count."""
    prog = current_program(db, patient.id)
    flags = referral(db, patient.id)
    week = prog.week(day)
    out = Checklist(day, prog, week, [], flags)
    if prog.data is None:
        return out
    out.withheld = prog.data.get("withheld_reason") if prog.data.get("withheld") else None
    out.ended = prog.weeks > 0 and week > prog.weeks
    logs = db.scalars(
        select(ExerciseLog).where(ExerciseLog.patient_id == patient.id, ExerciseLog.date == day)
    )
    done_today = {r.exercise_id for r in logs if r.completed}
    week_start = (prog.start or day) + dt.timedelta(days=7 * max(week - 1, 0))
    days_so_far = min(7, (day - week_start).days + 1) if week >= 1 else 0
    week_logs = list(
        db.scalars(
            select(ExerciseLog).where(
                ExerciseLog.patient_id == patient.id,
                ExerciseLog.date >= week_start,
                ExerciseLog.date <= day,
                ExerciseLog.completed.is_(True),
            )
        )
    )
    for ex in prog.exercises:
        ex_id = str(ex.get("id"))
        lib = LIBRARY.get(ex_id)
        start_week = int(ex.get("start_week") or 1)
        dose, _, days_per_week = _dose(ex, max(week, 1))
        instructions = ex.get("instructions") or (list(lib.instructions) if lib else [])
        item = Item(
            exercise_id=ex_id,
            name=str(ex.get("name") or (lib.name if lib else ex_id)),
            instructions=[str(s) for s in instructions],
            dose=dose,
            sides=str(ex.get("side_text") or ""),
            why=str(ex.get("why") or ""),
            cautions=[str(c) for c in ex.get("cautions") or []],
            started=week >= start_week,
            start_week=start_week,
            done=ex_id in done_today,
            days_per_week=days_per_week,
        )
        out.items.append(item)
        if item.started and week >= 1:
            out.expected_week += days_per_week
            out.expected_so_far += days_per_week * days_so_far / 7.0
            out.done_this_week += sum(1 for r in week_logs if r.exercise_id == ex_id)
    return out


# ---------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------


class LogError(Exception):
    """A log entry that cannot be accepted; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _log_day(raw: str | dt.date | None, day: dt.date) -> dt.date:
    if raw is None or raw == "":
        return day
    value = raw if isinstance(raw, dt.date) else _date(raw.strip())
    if value is None:
        raise LogError("date", "enter the date as YYYY-MM-DD")
    if value > day:
        raise LogError("date", "you cannot tick off a day that has not come yet")
    if value < day - dt.timedelta(days=BACKDATE_DAYS):
        raise LogError("date", f"only the last {BACKDATE_DAYS} days can be ticked off")
    return value


def log_exercise(
    db: Session, patient: Patient, exercise_id: str, day: dt.date, completed: bool
) -> ExerciseLog:
    """Record (or update) whether ``exercise_id`` was done on ``day``; one row per day."""
    prog = current_program(db, patient.id)
    if exercise_id not in prog.ids():
        name = LIBRARY[exercise_id].name if exercise_id in LIBRARY else repr(exercise_id)
        raise LogError("exercise_id", f"{name} is not an exercise of your current programme")
    query = select(ExerciseLog).where(
        ExerciseLog.patient_id == patient.id,
        ExerciseLog.date == day,
        ExerciseLog.exercise_id == exercise_id,
    )
    row = db.scalars(query).first()
    if row is None:
        row = ExerciseLog(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            date=day,
            exercise_id=exercise_id,
            completed=completed,
        )
        try:
            with db.begin_nested():
                db.add(row)
        except IntegrityError:  # the same tick arrived twice at once: update the winner
            row = db.scalars(query).one()
    row.completed = completed
    db.flush()
    return row


def log_pain(db: Session, patient: Patient, nprs: int, note: str | None, day: dt.date) -> PainLog:
    """Record (or replace) the day's pain rating."""
    query = select(PainLog).where(PainLog.patient_id == patient.id, PainLog.date == day)
    row = db.scalars(query).first()
    if row is None:
        row = PainLog(
            clinic_id=patient.clinic_id, patient_id=patient.id, date=day, nprs=nprs, note=note
        )
        try:
            with db.begin_nested():
                db.add(row)
        except IntegrityError:
            row = db.scalars(query).one()
    row.nprs = nprs
    row.note = note
    db.flush()
    return row


def _nprs(text: str) -> int:
    t = text.strip()
    if not t:
        raise LogError("nprs", "enter your pain from 0 (none) to 10 (worst imaginable)")
    if not t.lstrip("+").isdigit() or not 0 <= int(t) <= 10:
        raise LogError("nprs", "enter a whole number from 0 to 10")
    return int(t)


def _completed(text: str | None) -> bool:
    if text is None or text.strip() == "":
        return True
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise LogError("completed", "completed must be 1 (done) or 0 (not done)")


# ---------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------


@dataclass
class ProgressView:
    """What the progress pages show: the library's report (or why there is none) and charts."""

    report: ProgressReport | None
    message: str
    assessed_visits: int
    pain_log: list[tuple[dt.date, int]]
    charts: dict[str, str] = field(default_factory=dict)


def _sessions(
    logs: list[ExerciseLog],
    pains: dict[dt.date, int],
    programs: list[tuple[dt.date, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """The library's session log: a ticked day counts as that day's prescribed sessions.

    The pain the patient logged for a day goes with the first session of that day.
    """
    out: list[dict[str, Any]] = []
    seen_day: set[dt.date] = set()
    for log in logs:
        if log.exercise_id not in LIBRARY:
            continue
        times = 1
        active = [p for p in programs if p[0] <= log.date]
        if active:
            start, prog = max(active, key=lambda p: p[0])
            ex = next(
                (e for e in prog.get("exercises") or [] if e.get("id") == log.exercise_id), None
            )
            if ex is not None:
                _, times, _ = _dose(ex, (log.date - start).days // 7 + 1)
        for k in range(max(1, times) if log.completed else 1):
            entry: dict[str, Any] = {
                "date": log.date.isoformat(),
                "exercise_id": log.exercise_id,
                "completed": bool(log.completed),
            }
            pain = pains.get(log.date, log.pain_nprs)
            if k == 0 and pain is not None and log.date not in seen_day:
                entry["pain_nprs"] = pain
                seen_day.add(log.date)
            out.append(entry)
    return out


def progress_view(
    db: Session, patient: Patient, as_of: dt.date, charts: bool = True, measures: bool = True
) -> ProgressView:
    """Run :func:`kinechain.program.progress` on the patient's visits and exercise log.

    ``charts``: draw the charts (adherence, pain, and with ``measures`` each measure).
    """
    assessments: list[dict[str, Any]] = []
    programs: list[tuple[dt.date, dict[str, Any]]] = []
    for v in patient.visits:
        if v.program and isinstance(v.program, dict):
            programs.append((_date(v.program.get("start")) or v.date, v.program))
        if not isinstance(v.assessment, dict):
            continue
        a = dict(v.assessment)
        if v.program is not None:
            a["program"] = v.program
        if not a.get("date"):
            a["date"] = v.date.isoformat()
        assessments.append(a)
    logs = list(
        db.scalars(
            select(ExerciseLog)
            .where(ExerciseLog.patient_id == patient.id)
            .order_by(ExerciseLog.date, ExerciseLog.id)
        )
    )
    pain_rows = list(
        db.scalars(select(PainLog).where(PainLog.patient_id == patient.id).order_by(PainLog.date))
    )
    pains = {p.date: p.nprs for p in pain_rows}
    view = ProgressView(None, "", len(assessments), [(p.date, p.nprs) for p in pain_rows])
    if not assessments:
        view.message = (
            "No assessed visit yet: progress is judged from the assessments of the visits, "
            "so there is nothing to compare."
        )
    else:
        try:
            view.report = progress(assessments, _sessions(logs, pains, programs), as_of=as_of)
        except KinechainError as exc:
            view.message = f"Progress could not be judged: {exc}"
        else:
            if len(view.report.dates) < 2:
                view.message = (
                    "Only one assessed visit so far: the next assessment will show the change."
                )
    if charts:
        view.charts = _charts(view, measures)
    return view


def _charts(view: ProgressView, measures: bool) -> dict[str, str]:
    from kinechain.web._charts import bar_chart, series_chart

    out: dict[str, str] = {}
    report = view.report
    if report is not None and measures:
        for key, spec in MEASURES.items():
            rows = [m for m in report.measures if m.measure == key]
            if not rows:
                continue
            series = {(m.side or spec.label): list(m.series) for m in rows}
            band = None
            if not spec.sided and spec.mdc is not None and len(rows) == 1:
                first = rows[0].first
                band = (first - spec.mdc, first + spec.mdc, "within measurement error (MDC)")
            out[f"measure:{key}"] = series_chart(spec.label, spec.unit, series, band)
    adh = report.adherence if report is not None else None
    if adh is not None and adh.periods:
        labels: list[str] = []
        values: list[float | None] = []
        for period in adh.periods:
            for w in period.per_week:
                labels.append(f"{w.start:%d %b}")
                values.append(None if w.percent is None else min(w.percent, 100.0))
        out["adherence"] = bar_chart(
            "Home exercises done, % of prescribed, per week (week starting)",
            "%",
            labels,
            values,
            target=100.0,
            ylim=(0, 110),
        )
    if view.pain_log:
        out["pain"] = series_chart(
            "Pain logged (0 = none, 10 = worst)",
            "NPRS",
            {"pain": [(d, float(n)) for d, n in view.pain_log]},
            ylim=(0, 10),
        )
    return out


# ---------------------------------------------------------------------------------------
# Pages: the patient
# ---------------------------------------------------------------------------------------


def _me(db: Session, who: SignedIn, request: Request, action: str = "read") -> Patient:
    if who.user.patient_id is None:  # PatientUser already refuses these
        raise HTTPException(403, "this page is for patients")
    return patient_for(db, who, who.user.patient_id, request, action=action)


def _me_page(
    request: Request,
    db: Session,
    patient: Patient,
    *,
    status: int = 200,
    log_error: str | None = None,
    pain_values: dict[str, str] | None = None,
    pain_errors: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    day = today()
    pain_today = db.scalars(
        select(PainLog).where(PainLog.patient_id == patient.id, PainLog.date == day)
    ).first()
    if pain_values is None:
        pain_values = (
            {"nprs": str(pain_today.nprs), "note": pain_today.note or ""} if pain_today else {}
        )
    return render(
        request,
        "me.html",
        {
            "patient": patient,
            "c": checklist(db, patient, day),
            "log_error": log_error,
            "pain_values": pain_values,
            "pain_errors": pain_errors or {},
            "pain_today": pain_today,
            "message": message,
        },
        status,
    )


_MESSAGES = {
    "logged": "Saved: well done.",
    "unticked": "Saved: marked as not done.",
    "pain": "Your pain rating for today is saved.",
}


@router.get("/me", include_in_schema=False)
def me_page(request: Request, db: Db, who: PatientUser, saved: str = "") -> Response:
    return _me_page(request, db, _me(db, who, request), message=_MESSAGES.get(saved))


@router.post("/me/log", include_in_schema=False)
def me_log(request: Request, db: Db, who: PatientUser, form: Form_) -> Response:
    patient = _me(db, who, request, action="update")
    try:
        day = _log_day(form.get("date"), today())
        done = _completed(form.get("completed"))
        log_exercise(db, patient, form.get("exercise_id", "").strip(), day, done)
    except LogError as exc:
        return _me_page(request, db, patient, status=400, log_error=exc.message)
    return RedirectResponse(f"/me?saved={'logged' if done else 'unticked'}", status_code=303)


@router.post("/me/pain", include_in_schema=False)
def me_pain(request: Request, db: Db, who: PatientUser, form: Form_) -> Response:
    patient = _me(db, who, request, action="update")
    values = {"nprs": form.get("nprs", ""), "note": form.get("note", "")}
    errors: dict[str, str] = {}
    nprs = None
    try:
        nprs = _nprs(values["nprs"])
    except LogError as exc:
        errors[exc.field] = exc.message
    note = values["note"].strip()
    if len(note) > 1000:
        errors["note"] = "keep the note under 1000 characters"
    if errors or nprs is None:
        return _me_page(request, db, patient, status=400, pain_values=values, pain_errors=errors)
    log_pain(db, patient, nprs, note or None, today())
    return RedirectResponse("/me?saved=pain", status_code=303)


def _last_response(db: Session, patient_id: int) -> QuestionnaireResponse | None:
    return db.scalars(
        select(QuestionnaireResponse)
        .where(QuestionnaireResponse.patient_id == patient_id)
        .order_by(QuestionnaireResponse.submitted_at.desc(), QuestionnaireResponse.id.desc())
        .limit(1)
    ).first()


@router.get("/me/questionnaires", include_in_schema=False)
def me_questionnaires_page(request: Request, db: Db, who: PatientUser, sent: int = 0) -> Response:
    patient = _me(db, who, request)
    return render(
        request,
        "me_questionnaires.html",
        {
            "values": {},
            "errors": {},
            "sent": bool(sent),
            "last": _last_response(db, patient.id),
        },
    )


def _store_response(db: Session, patient: Patient, block: dict[str, Any]) -> QuestionnaireResponse:
    row = QuestionnaireResponse(clinic_id=patient.clinic_id, patient_id=patient.id, data=block)
    db.add(row)
    db.flush()
    return row


@router.post("/me/questionnaires", include_in_schema=False)
def me_questionnaires(request: Request, db: Db, who: PatientUser, form: Form_) -> Response:
    patient = _me(db, who, request, action="update")
    block, errors = questionnaires_from_form(form)
    if not errors and not block:
        errors["q"] = "nothing was answered: fill in at least one questionnaire"
    if errors:
        return render(
            request,
            "me_questionnaires.html",
            {
                "values": form,
                "errors": errors,
                "sent": False,
                "last": _last_response(db, patient.id),
            },
            400,
        )
    _store_response(db, patient, block)
    return RedirectResponse("/me/questionnaires?sent=1", status_code=303)


@router.get("/me/progress", include_in_schema=False)
def me_progress_page(request: Request, db: Db, who: PatientUser) -> Response:
    patient = _me(db, who, request)
    day = today()
    return render(
        request,
        "me_progress.html",
        {
            "view": progress_view(db, patient, day, measures=False),
            "c": checklist(db, patient, day),
        },
    )


# ---------------------------------------------------------------------------------------
# Page: the clinician
# ---------------------------------------------------------------------------------------


VERDICTS = {
    "important_improvement": "clinically important improvement",
    "real_improvement": "real improvement (beyond measurement error)",
    "within_measurement_error": "within measurement error",
    "real_worsening": "real worsening (beyond measurement error)",
    "important_worsening": "clinically important worsening",
    "no_change": "no change",
    "below_mcid": "smaller than the MCID",
    "not_judged": "not judged (no MDC or MCID published)",
    "nothing_to_compare": "measured once: nothing to compare",
}


@router.get("/patients/{patient_id}/progress", include_in_schema=False)
def progress_page(request: Request, db: Db, who: Staff, patient_id: int) -> Response:
    patient = patient_for(db, who, patient_id, request)
    return render(
        request,
        "progress.html",
        {
            "patient": patient,
            "view": progress_view(db, patient, today()),
            "verdicts": VERDICTS,
            "names": {k: e.name for k, e in LIBRARY.items()},
        },
    )


# ---------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------


class ChecklistItem(BaseModel):
    exercise_id: str = Field(description="A key of the exercise library.")
    name: str
    instructions: list[str]
    dose: str = Field(description="Today's dose in words (this programme week).")
    sides: str
    started: bool = Field(description="False when the exercise starts in a later week.")
    start_week: int
    done: bool = Field(description="Ticked off for the day.")


class ChecklistOut(BaseModel):
    date: dt.date
    program_start: dt.date | None
    program_week: int = Field(description="Week of the programme (0 before it starts).")
    program_weeks: int
    referral: list[str] = Field(description="Red-flag referral advice: read this first.")
    withheld: str | None
    items: list[ChecklistItem]
    done_this_week: int
    expected_so_far: float = Field(description="Exercise days expected up to today this week.")
    expected_week: int


class LogIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exercise_id: str = Field(min_length=1, max_length=64)
    date: dt.date | None = Field(default=None, description="Default: today.")
    completed: bool = True


class LogOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    exercise_id: str
    date: dt.date
    completed: bool


class PainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nprs: int = Field(ge=0, le=10, description="Pain today, 0 (none) to 10 (worst imaginable).")
    note: str | None = Field(default=None, max_length=1000)


class PainOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    date: dt.date
    nprs: int
    note: str | None


class QuestionnaireOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    submitted_at: dt.datetime
    data: dict[str, Any] = Field(description="The intake's questionnaires block, as stored.")


class PainPoint(BaseModel):
    date: dt.date
    nprs: int


class ProgressOut(BaseModel):
    assessed_visits: int
    message: str = Field(description="Why there is little or nothing to compare, if so.")
    report: dict[str, Any] | None = Field(
        description="kinechain.progress/1 (ProgressReport.to_dict()), or null."
    )
    pain_log: list[PainPoint]


def _checklist_out(c: Checklist) -> ChecklistOut:
    return ChecklistOut(
        date=c.day,
        program_start=c.program.start,
        program_week=c.week,
        program_weeks=c.program.weeks,
        referral=c.referral,
        withheld=c.withheld,
        items=[
            ChecklistItem(
                exercise_id=i.exercise_id,
                name=i.name,
                instructions=i.instructions,
                dose=i.dose,
                sides=i.sides,
                started=i.started,
                start_week=i.start_week,
                done=i.done,
            )
            for i in c.items
        ],
        done_this_week=c.done_this_week,
        expected_so_far=round(c.expected_so_far, 2),
        expected_week=c.expected_week,
    )


def _progress_out(view: ProgressView) -> ProgressOut:
    return ProgressOut(
        assessed_visits=view.assessed_visits,
        message=view.message,
        report=None if view.report is None else view.report.to_dict(),
        pain_log=[PainPoint(date=d, nprs=n) for d, n in view.pain_log],
    )


@router.get("/api/v1/me/checklist", tags=["patient portal"])
def api_checklist(request: Request, db: Db, who: PatientUser) -> ChecklistOut:
    """Today's exercises of the signed-in patient, with their dose and done flags."""
    return _checklist_out(checklist(db, _me(db, who, request), today()))


@router.post("/api/v1/me/logs", tags=["patient portal"])
def api_log(request: Request, db: Db, who: PatientUser, body: LogIn) -> LogOut:
    """Tick an exercise off (or untick it: ``completed`` false) for a day; idempotent."""
    patient = _me(db, who, request, action="update")
    try:
        day = _log_day(body.date, today())
        row = log_exercise(db, patient, body.exercise_id, day, body.completed)
    except LogError as exc:
        raise HTTPException(400, exc.message) from None
    return LogOut.model_validate(row)


@router.post("/api/v1/me/pain", tags=["patient portal"])
def api_pain(request: Request, db: Db, who: PatientUser, body: PainIn) -> PainOut:
    """Log today's pain (replaces an earlier rating of the same day)."""
    patient = _me(db, who, request, action="update")
    note = (body.note or "").strip() or None
    return PainOut.model_validate(log_pain(db, patient, body.nprs, note, today()))


@router.post(
    "/api/v1/me/questionnaires",
    tags=["patient portal"],
    status_code=201,
    responses={422: {"description": "Field errors: detail = [{field, problem}]"}},
)
def api_questionnaires(
    request: Request, db: Db, who: PatientUser, body: Questionnaires
) -> QuestionnaireOut:
    """Send questionnaires before a visit (the intake's ``questionnaires`` block)."""
    patient = _me(db, who, request, action="update")
    block = body.model_dump(mode="json", exclude_none=True)
    if not block:
        raise HTTPException(422, [{"field": "", "problem": "nothing was answered"}])
    return QuestionnaireOut.model_validate(_store_response(db, patient, block))


@router.get("/api/v1/me/progress", tags=["patient portal"])
def api_me_progress(request: Request, db: Db, who: PatientUser) -> ProgressOut:
    """The signed-in patient's progress (kinechain.progress/1) and pain log."""
    return _progress_out(progress_view(db, _me(db, who, request), today(), charts=False))


@router.get("/api/v1/patients/{patient_id}/progress", tags=["progress"])
def api_progress(request: Request, db: Db, who: Staff, patient_id: int) -> ProgressOut:
    """A patient's progress across visits (kinechain.progress/1) and pain log."""
    patient = patient_for(db, who, patient_id, request)
    return _progress_out(progress_view(db, patient, today(), charts=False))
