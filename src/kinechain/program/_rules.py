"""Prescription rules: findings → a dosed 6-week home programme with re-test dates.

:func:`build_program` is pure. It reads only the ``id``, ``side``, ``link``, ``present``,
``severity``, ``value`` and ``unit`` of each finding (a :class:`~kinechain.chain.Finding` or its
``to_dict()``), so the chain engine, the web app and a test all call it the same way.

Red flags come first: an ``emergency`` (possible cauda equina syndrome) always gives an empty
programme with the reason; an ``urgent`` referral (suspected malignancy, infection or fracture)
also withholds it by default, because loading a spine that may hold a fracture, an infection or
a tumour can harm, and a home programme would delay the assessment the patient needs
("refer, do not treat"; the same default as :func:`kinechain.clinic.program_allowed`).

The finding ids each rule reacts to are in :data:`FINDING_RULES` and ``docs/program.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from kinechain.chain._model import Finding
from kinechain.clinic import EVIDENCE
from kinechain.clinic._thresholds import LIFESTYLE_SITTING_HOURS
from kinechain.errors import InputError
from kinechain.program._library import (
    LIBRARY,
    Dosage,
    Exercise,
    older_adult_dose,
)

__all__ = [
    "ADVICE_RULES",
    "BASE_COMPONENT",
    "FINDING_RULES",
    "MAX_WEEKS",
    "OLDER_ADULT_AGE",
    "PROGRAM_SCHEMA_ID",
    "URGENCIES",
    "Advice",
    "PlanWeek",
    "PrescribedExercise",
    "Program",
    "Retest",
    "WeekDose",
    "build_program",
]

#: Format identifier of :meth:`Program.to_dict`.
PROGRAM_SCHEMA_ID: Final = "kinechain.program/1"
#: Red-flag urgencies, as :func:`kinechain.clinic.assess_red_flags` reports them.
URGENCIES: Final = ("none", "urgent", "emergency")
#: Longest programme :func:`build_program` plans.
MAX_WEEKS: Final = 26
#: From this age stretches are held 2 × 60 s (ACSM: 30–60 s holds in older adults).
OLDER_ADULT_AGE: Final = 65
#: More exercises than this and the programme carries a note that it is long.
_LONG_PROGRAM: Final = 8

_CALF_STRETCHES: Final = ("gastrocnemius_stretch", "soleus_stretch")
_CALF_CLASS_IDS: Final = ("calf_gastrocnemius_tight", "calf_soleus_or_joint_restricted")
_DF_RESTRICTED_IDS: Final = ("ankle_wblt_restricted", "ankle_peak_df_restricted")

#: Finding id (``lumbar_*`` = any id starting ``lumbar_``, or a finding on the ``lumbar`` or
#: ``pain`` link) → the library exercises it prescribes. Only findings with ``present`` true
#: count. The calf rules refine this table: see :func:`build_program`.
FINDING_RULES: Final[dict[str, tuple[str, ...]]] = {
    "calf_gastrocnemius_tight": ("gastrocnemius_stretch",),
    "calf_soleus_or_joint_restricted": ("soleus_stretch",),
    "ankle_wblt_restricted": _CALF_STRETCHES,
    "ankle_peak_df_restricted": _CALF_STRETCHES,
    "ankle_df_asymmetry": _CALF_STRETCHES,
    "foot_pronation": ("short_foot",),
    "knee_hyperextension": ("hamstring_bridge", "glute_bridge", "soft_knee_standing"),
    "knee_hyperextension_stance": ("hamstring_bridge", "glute_bridge", "soft_knee_standing"),
    "pelvis_anterior_tilt": ("hip_flexor_stretch", "glute_bridge", "posterior_pelvic_tilt"),
    "pelvis_anterior_tilt_gait": ("hip_flexor_stretch", "glute_bridge", "posterior_pelvic_tilt"),
    "hip_flexor_short": ("hip_flexor_stretch",),
    "hamstring_short": ("hamstring_stretch",),
    "hip_abductor_weak": ("side_lying_hip_abduction",),
    "lumbar_*": ("glute_bridge", "plank", "squat"),
    "lifestyle_prolonged_sitting": ("walking_breaks",),
}

#: Lifestyle finding id → advice (no exercise). Another ``lifestyle_*`` id gives its own
#: ``detail`` as advice.
ADVICE_RULES: Final[dict[str, str]] = {
    "lifestyle_standing_occupation": (
        "You stand a lot at work: shift your weight and position often, use a footrest, take "
        "short sitting breaks, and wear supportive shoes."
    ),
    "lifestyle_high_impact_without_warmup": (
        "Warm up for 5–10 minutes before running or jumping: easy cardio, then moving (not "
        "held) calf and hip exercises."
    ),
    "lifestyle_old_shoes": (
        "Check your shoes for a worn sole or heel and replace them if worn (the usual mileage "
        "advice has no published source)."
    ),
    "lifestyle_low_activity": (
        "Build up towards 150–300 minutes a week of moderate activity, such as brisk walking "
        "(WHO 2020 †)."
    ),
}

#: Always prescribed (unless withheld): a basic glute and core component, because exercise is
#: the guideline treatment for low back pain (NICE NG59 †; Hayden 2021) and resistance and
#: motor-control exercise help function most (Owen 2020). ``plank`` becomes ``dead_bug`` when
#: pain is severe (``lumbar_pain`` severity ``severe``, NPRS ≥ 7); ``squat`` starts in week 3.
BASE_COMPONENT: Final = ("glute_bridge", "plank", "squat")
_SQUAT_START_WEEK: Final = 3

_BASE_REASON: Final = (
    "Exercise is the first treatment guidelines recommend for low back pain (NICE NG59; "
    "Hayden 2021), and strength and core-control exercise help function most (Owen 2020)."
)

_REASONS: Final[dict[str, str]] = {
    "calf_gastrocnemius_tight": (
        "Your {side} ankle was stiff with the knee straight but not with the knee bent, which "
        "points to a tight gastrocnemius (the upper calf muscle)."
    ),
    "calf_soleus_or_joint_restricted": (
        "Your {side} ankle was stiff with the knee both straight and bent, which points to the "
        "soleus (the deep calf muscle) or the ankle joint itself."
    ),
    "ankle_wblt_restricted": (
        "Your {side} ankle bent forwards less than usual in the knee-to-wall lunge test."
    ),
    "ankle_peak_df_restricted": "Your {side} ankle bent forwards less than usual as you walked.",
    "ankle_df_asymmetry": "Your {side} ankle was clearly stiffer than the other one.",
    "foot_pronation": "Your {side} foot rolled in (pronated) on the foot posture index.",
    "knee_hyperextension": "Your {side} knee pushed back past straight when you stood.",
    "knee_hyperextension_stance": "Your {side} knee pushed back past straight as you walked.",
    "pelvis_anterior_tilt": "Your pelvis tilted forwards more than usual when you stood.",
    "pelvis_anterior_tilt_gait": "Your pelvis tilted forwards more than usual as you walked.",
    "hip_flexor_short": "The muscles at the front of your {side} hip were short (Thomas test).",
    "hamstring_short": "Your {side} hamstrings were short (knee-extension test).",
    "hip_abductor_weak": "The muscles at the side of your {side} hip were weak.",
    "lifestyle_prolonged_sitting": "You sit for {hours} a day.",
}

_EMERGENCY_REASON: Final = (
    "No exercise programme: the red-flag screen found signs that need emergency referral "
    "(possible cauda equina syndrome). Refer first: same-day assessment in an emergency "
    "department."
)
_URGENT_REASON: Final = (
    "No exercise programme until a doctor has assessed the red flags (urgent referral for "
    "suspected malignancy, infection or fracture). Refer first; build the programme once the "
    "patient is cleared."
)
_PROGRESS_RULE: Final = (
    "Move on to the next step only when the current one feels easy, and any pain it brings "
    "settles by the next morning. If pain is clearly worse for more than a day, go back a step "
    "and tell your physical therapist (kinechain convention)."
)
_MAINTENANCE: Final = (
    "After the programme: keep stretching at least 3 days a week to keep the gain (Reid & Kim "
    "2014), and keep strength work 2–3 days a week (ACSM, Garber 2011)."
)


@dataclass(frozen=True)
class WeekDose:
    """An exercise's dose in one week of the programme.

    Attributes
    ----------
    week : int
        Week of the programme (1 = the first).
    dosage : Dosage
    change : str or None
        What changed this week, or None when the dose is as the week before.
    """

    week: int
    dosage: Dosage
    change: str | None


@dataclass(frozen=True)
class PrescribedExercise:
    """One exercise of a programme, with its sides, dose, progression and reasons.

    Attributes
    ----------
    exercise : Exercise
        The library entry.
    sides : tuple of str
        ``("left",)``, ``("right",)`` or ``("left", "right")`` for a one-sided exercise;
        ``()`` for one done with both legs together (or not sided).
    emphasis : str or None
        The side that gets one extra hold (the tighter ankle), or None.
    start_week : int
        Programme week it starts in.
    dosage : Dosage
        The starting dose (already adapted to age).
    weeks : tuple of WeekDose
        The dose in every programme week from ``start_week``.
    finding_ids : tuple of str
        The findings that led to it (empty for the basic component without lumbar findings).
    why : str
        Plain-language reason.
    notes : tuple of str
        Extra instructions for this person (e.g. a referral note).
    """

    exercise: Exercise
    sides: tuple[str, ...]
    emphasis: str | None
    start_week: int
    dosage: Dosage
    weeks: tuple[WeekDose, ...]
    finding_ids: tuple[str, ...]
    why: str
    notes: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The library id."""
        return self.exercise.id

    @property
    def side_text(self) -> str:
        """The sides in words (empty when not sided)."""
        if not self.sides:
            return ""
        text = "both sides" if len(self.sides) == 2 else f"{self.sides[0]} side"
        if self.emphasis:
            text += f", {self.emphasis} side first"
        return text

    @property
    def dosage_text(self) -> str:
        """The starting dose in words, with the emphasis."""
        text = self.dosage.text()
        if self.emphasis:
            text += f"; one extra hold on the {self.emphasis} (stiffer) side"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``id`` is a key of :data:`LIBRARY`."""
        ex = self.exercise
        ev = EVIDENCE.get(ex.evidence) if ex.evidence else None
        return {
            "id": ex.id,
            "name": ex.name,
            "target": ex.target,
            "link": ex.link,
            "kind": ex.kind,
            "sides": list(self.sides),
            "side_text": self.side_text,
            "emphasis": self.emphasis,
            "start_week": self.start_week,
            "dosage": self.dosage.to_dict(),
            "dosage_text": self.dosage_text,
            "why": self.why,
            "finding_ids": list(self.finding_ids),
            "weeks": [
                {
                    "week": w.week,
                    "dosage": w.dosage.to_dict(),
                    "dosage_text": w.dosage.text(),
                    "change": w.change,
                }
                for w in self.weeks
            ],
            "instructions": list(ex.instructions),
            "progression": ex.progression_text,
            "regression": ex.regression,
            "cautions": list(ex.cautions),
            "notes": list(self.notes),
            "evidence": ex.evidence,
            "evidence_grade": ev.grade if ev is not None else None,
            "evidence_note": ex.evidence_note,
            "citation": ex.citation,
        }


@dataclass(frozen=True)
class Retest:
    """A planned re-test.

    Attributes
    ----------
    week : int
        Programme week whose last day is the re-test date.
    date : datetime.date
    measures : tuple of str
        What to measure again: intake field names (``wblt_cm``, ``df_knee_extended_deg``, ...),
        questionnaires (``odi``, ``nprs``) and ``gait_analysis``.
    """

    week: int
    date: dt.date
    measures: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"week": self.week, "date": self.date.isoformat(), "measures": list(self.measures)}


@dataclass(frozen=True)
class PlanWeek:
    """One week of the plan.

    Attributes
    ----------
    week : int
    start, end : datetime.date
        First and last day (inclusive).
    changes : tuple of str
        What starts, what progresses, what is re-tested.
    retest : bool
        A re-test falls in this week.
    """

    week: int
    start: dt.date
    end: dt.date
    changes: tuple[str, ...]
    retest: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "week": self.week,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "changes": list(self.changes),
            "retest": self.retest,
        }


@dataclass(frozen=True)
class Advice:
    """Advice that is not an exercise (shoes, warm-up, activity), with the finding behind it."""

    finding_id: str
    text: str


@dataclass(frozen=True)
class Program:
    """A home programme: dosed exercises, a week-by-week plan and re-test dates.

    Attributes
    ----------
    start : datetime.date
    weeks : int
    red_flag_urgency : {"none", "urgent", "emergency"}
    exercises : tuple of PrescribedExercise
        Empty when withheld.
    plan : tuple of PlanWeek
    retests : tuple of Retest
    withheld_reason : str or None
        Why there is no programme (red flags), or None.
    advice : tuple of Advice
    notes : tuple of str
        Programme-level notes (evidence, length, age).
    not_addressed : tuple of str
        Present findings no rule reacts to (``id`` or ``id:side``).
    """

    start: dt.date
    weeks: int
    red_flag_urgency: str
    exercises: tuple[PrescribedExercise, ...]
    plan: tuple[PlanWeek, ...]
    retests: tuple[Retest, ...]
    withheld_reason: str | None
    advice: tuple[Advice, ...] = ()
    notes: tuple[str, ...] = ()
    not_addressed: tuple[str, ...] = ()

    @property
    def end(self) -> dt.date:
        """Last day of the programme."""
        return self.start + dt.timedelta(days=7 * self.weeks - 1)

    @property
    def withheld(self) -> bool:
        """True when red flags withheld the programme."""
        return self.withheld_reason is not None

    def exercise(self, exercise_id: str) -> PrescribedExercise | None:
        """The prescribed exercise with this library id, or None."""
        return next((e for e in self.exercises if e.id == exercise_id), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict.

        Keys: ``schema``, ``start``, ``end``, ``weeks``, ``red_flag_urgency``, ``withheld``,
        ``withheld_reason``, ``exercises[]`` (each ``id`` a library id), ``plan[]``,
        ``retest_dates[]`` (ISO dates), ``retests[]`` (week, date, measures), ``advice[]``,
        ``notes[]``, ``not_addressed[]``, ``progress_rule``, ``maintenance``.
        """
        return {
            "schema": PROGRAM_SCHEMA_ID,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "weeks": self.weeks,
            "red_flag_urgency": self.red_flag_urgency,
            "withheld": self.withheld,
            "withheld_reason": self.withheld_reason,
            "exercises": [e.to_dict() for e in self.exercises],
            "plan": [w.to_dict() for w in self.plan],
            "retest_dates": [r.date.isoformat() for r in self.retests],
            "retests": [r.to_dict() for r in self.retests],
            "advice": [{"finding_id": a.finding_id, "text": a.text} for a in self.advice],
            "notes": list(self.notes),
            "not_addressed": list(self.not_addressed),
            "progress_rule": None if self.withheld else _PROGRESS_RULE,
            "maintenance": None if self.withheld else _MAINTENANCE,
        }


# ---------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _F:
    id: str
    side: str | None
    link: str
    present: bool
    severity: str
    value: float | None
    unit: str
    source: str
    detail: str = ""

    @property
    def key(self) -> str:
        return self.id if self.side is None else f"{self.id}:{self.side}"


def _finding(f: Finding | Mapping[str, Any], i: int) -> _F:
    where = f"findings[{i}]"
    if isinstance(f, Finding):
        raw: Mapping[str, Any] = f.to_dict()
    elif isinstance(f, Mapping):
        raw = f
    else:
        raise InputError(
            "findings", f"expected a Finding or a dict, got {type(f).__name__}", field=where
        )
    fid = raw.get("id")
    if not isinstance(fid, str) or not fid:
        raise InputError("findings", "every finding needs a text id", field=f"{where}.id")
    side = raw.get("side")
    if side not in (None, "left", "right"):
        raise InputError(
            "findings", f"side {side!r} is not 'left', 'right' or null", field=f"{where}.side"
        )
    value = raw.get("value")
    num: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        num = float(value)
    return _F(
        id=fid,
        side=side,
        link=str(raw.get("link") or ""),
        present=bool(raw.get("present", True)),
        severity=str(raw.get("severity") or "none"),
        value=num,
        unit=str(raw.get("unit") or ""),
        source=str(raw.get("source") or ""),
        detail=str(raw.get("detail") or ""),
    )


def _check_inputs(
    red_flag_urgency: str,
    start: dt.date,
    weeks: int,
    patient_age: int | None,
    sitting_hours: float | None,
) -> dt.date:
    if red_flag_urgency not in URGENCIES:
        raise InputError(
            "program",
            f"red-flag urgency {red_flag_urgency!r} is not one of {', '.join(URGENCIES)}",
            field="red_flag_urgency",
        )
    if not isinstance(start, dt.date):
        raise InputError("program", "start must be a date", field="start")
    if isinstance(start, dt.datetime):
        start = start.date()
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise InputError(
            "program",
            f"weeks {weeks!r} must be a whole number from 1 to {MAX_WEEKS}",
            field="weeks",
        )
    if patient_age is not None and (
        isinstance(patient_age, bool)
        or not isinstance(patient_age, int)
        or not 0 <= patient_age <= 120
    ):
        raise InputError(
            "program", f"age {patient_age!r} must be whole years 0–120", field="patient_age"
        )
    if sitting_hours is not None and (
        isinstance(sitting_hours, bool)
        or not isinstance(sitting_hours, (int, float))
        or not math.isfinite(sitting_hours)
        or not 0 <= sitting_hours <= 24
    ):
        raise InputError(
            "program", f"sitting hours {sitting_hours!r} must be 0–24 h/day", field="sitting_hours"
        )
    return start


# ---------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------


@dataclass
class _Item:
    id: str
    sides: set[str] = field(default_factory=set)
    emphasis: str | None = None
    start_week: int = 1
    finding_ids: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dosage: Dosage | None = None


class _Builder:
    def __init__(self) -> None:
        self.items: dict[str, _Item] = {}
        self.used: set[str] = set()

    def add(
        self,
        ex_id: str,
        *,
        sides: Sequence[str] = (),
        finding: _F | None = None,
        reason: str = "",
        start_week: int = 1,
        note: str = "",
    ) -> _Item:
        item = self.items.get(ex_id)
        if item is None:
            item = self.items[ex_id] = _Item(ex_id, start_week=start_week)
        else:
            item.start_week = min(item.start_week, start_week)
        if LIBRARY[ex_id].unilateral:
            item.sides.update(sides or ("left", "right"))
        if finding is not None:
            self.used.add(finding.key)
            if finding.id not in item.finding_ids:
                item.finding_ids.append(finding.id)
        if reason and reason not in item.reasons:
            item.reasons.append(reason)
        if note and note not in item.notes:
            item.notes.append(note)
        return item


def _side_word(f: _F) -> str:
    return f.side if f.side else "one"


def _reason(f: _F, **kw: str) -> str:
    template = _REASONS.get(f.id, "")
    side = f.side or ""
    text = template.format(side=side, **kw)
    return " ".join(text.split())


def _sides(f: _F) -> tuple[str, ...]:
    return (f.side,) if f.side else ("left", "right")


def _calf_rules(b: _Builder, present: list[_F]) -> None:
    classified: dict[str, list[str]] = {"left": [], "right": []}
    for f in present:
        if f.id not in _CALF_CLASS_IDS:
            continue
        ex_id = "gastrocnemius_stretch" if f.id == "calf_gastrocnemius_tight" else "soleus_stretch"
        note = ""
        if f.id == "calf_soleus_or_joint_restricted":
            note = (
                "If the week-3 re-test shows no change beyond the measurement error, ask a "
                "physical therapist to check the ankle joint: a stiff joint is treated with "
                "joint mobilisation, not stretching."
            )
        if f.severity == "severe":
            note = (note + " " if note else "") + (
                f"The {_side_word(f)} ankle is markedly stiff (dorsiflexion of 5° or less with "
                "the knee straight): a physical therapist should review it."
            )
        b.add(ex_id, sides=_sides(f), finding=f, reason=_reason(f), note=note)
        for s in _sides(f):
            classified[s].append(ex_id)
    for f in present:
        if f.id not in _DF_RESTRICTED_IDS:
            continue
        for s in _sides(f):
            # The Silfverskiöld test says which part is tight; without it, stretch both.
            for ex_id in classified[s] or list(_CALF_STRETCHES):
                b.add(ex_id, sides=(s,), finding=f, reason=_reason(f))
    for f in present:
        if f.id != "ankle_df_asymmetry":
            continue
        calf = [e for e in _CALF_STRETCHES if e in b.items] or list(_CALF_STRETCHES)
        for ex_id in calf:
            reason = _reason(f) if f.side else "One ankle was clearly stiffer than the other."
            item = b.add(ex_id, sides=("left", "right"), finding=f, reason=reason)
            if f.side:
                item.emphasis = f.side


def _simple_rules(b: _Builder, present: list[_F]) -> None:
    for f in present:
        if f.id in _CALF_CLASS_IDS or f.id in _DF_RESTRICTED_IDS or f.id == "ankle_df_asymmetry":
            continue
        if f.id == "lifestyle_prolonged_sitting" or f.id.startswith("lumbar_"):
            continue
        exercises = FINDING_RULES.get(f.id)
        if not exercises:
            continue
        for ex_id in exercises:
            unilateral = LIBRARY[ex_id].unilateral
            # A pelvic finding is about the whole pelvis: stretch both hips.
            sides = ("left", "right") if f.link == "pelvis" or not unilateral else _sides(f)
            note = ""
            if ex_id == "soft_knee_standing":
                note = "Avoid standing with locked knees."
            b.add(ex_id, sides=sides, finding=f, reason=_reason(f), note=note)


def _core_rules(b: _Builder, present: list[_F]) -> None:
    lumbar = [f for f in present if f.id.startswith("lumbar_") or f.link in ("lumbar", "pain")]
    severe = any(f.id == "lumbar_pain" and f.severity == "severe" for f in lumbar)
    core = "dead_bug" if severe else "plank"
    for ex_id in BASE_COMPONENT:
        target = core if ex_id == "plank" else ex_id
        start = _SQUAT_START_WEEK if ex_id == "squat" else 1
        note = ""
        if target == "dead_bug":
            note = (
                "Your pain is high (7/10 or more), so the core work starts lying down (dead "
                "bug); the plank comes once the pain has settled."
            )
        if not lumbar:
            b.add(target, reason=_BASE_REASON, start_week=start, note=note)
        for f in lumbar:
            b.add(target, finding=f, reason=_BASE_REASON, start_week=start, note=note)


def _sitting_rule(b: _Builder, present: list[_F], sitting_hours: float | None) -> None:
    sitting = [f for f in present if f.id == "lifestyle_prolonged_sitting"]
    hours = sitting_hours
    if hours is None:
        hours = next((f.value for f in sitting if f.value is not None and "h" in f.unit), None)
    if not sitting and (hours is None or hours <= LIFESTYLE_SITTING_HOURS):
        return
    hours_text = "many hours" if hours is None else f"about {hours:g} hours"
    reason = _REASONS["lifestyle_prolonged_sitting"].format(hours=hours_text)
    if sitting:
        for f in sitting:
            item = b.add("walking_breaks", finding=f, reason=reason)
    else:
        item = b.add("walking_breaks", reason=reason)
    if hours is not None:
        # One break per hour of sitting (the advice is every 30–60 minutes).
        per_day = max(1, min(16, math.ceil(hours)))
        base = LIBRARY["walking_breaks"].dosage
        item.dosage = Dosage(
            sets=base.sets,
            duration_s=base.duration_s,
            times_per_day=per_day,
            days_per_week=base.days_per_week,
        )


def _advice(b: _Builder, present: list[_F]) -> list[Advice]:
    out: list[Advice] = []
    for f in present:
        if not f.id.startswith("lifestyle_") or f.id == "lifestyle_prolonged_sitting":
            continue
        text = ADVICE_RULES.get(f.id) or f.detail
        if not text:
            continue
        b.used.add(f.key)
        if all(a.finding_id != f.id for a in out):
            out.append(Advice(f.id, text))
    return out


# ---------------------------------------------------------------------------------------
# Plan
# ---------------------------------------------------------------------------------------


def _retest_measures(findings: list[_F], present: list[_F]) -> tuple[str, ...]:
    ids = {f.id for f in present}
    measures: list[str] = []
    if any(f.link in ("calf", "ankle") for f in present):
        measures.append("wblt_cm")
    if any(f.id.startswith("calf_") for f in findings):
        measures += ["df_knee_extended_deg", "df_knee_flexed_deg"]
    by_finding = (
        ("foot_pronation", "fpi6"),
        ("knee_hyperextension", "standing_knee_hyperextension_deg"),
        ("pelvis_anterior_tilt", "standing_pelvic_tilt_deg"),
        ("hip_flexor_short", "thomas_hip_deg"),
        ("hamstring_short", "hamstring_ake_deg"),
        ("hip_abductor_weak", "hip_abductor_strength"),
    )
    measures += [m for fid, m in by_finding if fid in ids]
    measures += ["odi", "nprs"]
    return tuple(measures)


def _retests(
    start: dt.date, weeks: int, findings: list[_F], present: list[_F]
) -> tuple[Retest, ...]:
    measures = _retest_measures(findings, present)
    gait = any(f.source == "gait" for f in present)
    plan_weeks = [weeks // 2, weeks] if weeks >= 4 else [weeks]
    out = []
    for w in plan_weeks:
        m = measures + (("gait_analysis",) if gait and w == weeks else ())
        out.append(Retest(w, start + dt.timedelta(days=7 * w - 1), m))
    return tuple(out)


def _label(p: PrescribedExercise) -> str:
    return p.exercise.name + (f" ({p.side_text})" if p.side_text else "")


def _plan(
    start: dt.date, weeks: int, items: Sequence[PrescribedExercise], retests: Sequence[Retest]
) -> tuple[PlanWeek, ...]:
    out = []
    retest_by_week = {r.week: r for r in retests}
    for w in range(1, weeks + 1):
        changes: list[str] = []
        for p in items:
            if p.start_week == w:
                changes.append(f"Start {_label(p)}: {p.dosage_text}.")
                continue
            wd = next((x for x in p.weeks if x.week == w), None)
            if wd is not None and wd.change:
                changes.append(
                    f"{p.exercise.name}: {wd.change.rstrip('.')} (now {wd.dosage.text()})."
                )
        r = retest_by_week.get(w)
        if r is not None:
            changes.append(f"Re-test on {r.date.isoformat()}: {', '.join(r.measures)}.")
        if not changes:
            changes.append("Same exercises and doses as last week.")
        if w == weeks:
            changes.append(f"Last week of the programme. {_MAINTENANCE}")
        ws = start + dt.timedelta(days=7 * (w - 1))
        out.append(PlanWeek(w, ws, ws + dt.timedelta(days=6), tuple(changes), r is not None))
    return tuple(out)


def _prescribe(item: _Item, weeks: int, patient_age: int | None) -> PrescribedExercise:
    ex = LIBRARY[item.id]
    older = patient_age is not None and patient_age >= OLDER_ADULT_AGE

    def adapt(d: Dosage) -> Dosage:
        return older_adult_dose(d) if older else d

    week_doses = []
    for w in range(item.start_week, weeks + 1):
        dose, change = ex.dose_for_week(w - item.start_week + 1)
        if item.dosage is not None:
            dose = item.dosage
        week_doses.append(WeekDose(w, adapt(dose), change))
    start_dose = adapt(item.dosage or ex.dosage)
    notes = list(item.notes)
    if older and ex.kind == "stretch":
        notes.append(
            "At 65 or over, hold each stretch for 60 seconds, twice (ACSM: 30–60 s holds in "
            "older adults)."
        )
    sides = tuple(s for s in ("left", "right") if s in item.sides) if ex.unilateral else ()
    return PrescribedExercise(
        exercise=ex,
        sides=sides,
        emphasis=item.emphasis if len(sides) == 2 else None,
        start_week=item.start_week,
        dosage=start_dose,
        weeks=tuple(week_doses),
        finding_ids=tuple(item.finding_ids),
        why=" ".join(item.reasons),
        notes=tuple(notes),
    )


def build_program(
    findings: Sequence[Finding | Mapping[str, Any]],
    *,
    red_flag_urgency: str = "none",
    start: dt.date,
    weeks: int = 6,
    patient_age: int | None = None,
    sitting_hours: float | None = None,
    withhold_when_urgent: bool = True,
    red_flag_detail: str = "",
    extra: Sequence[str] = (),
) -> Program:
    """Choose, dose and schedule home exercises from the findings of an assessment.

    Parameters
    ----------
    findings : sequence of Finding or dict
        Chain findings (``Finding`` or its ``to_dict()``). Only those with ``present`` true
        prescribe; the ids each rule reacts to are in :data:`FINDING_RULES` and
        :data:`ADVICE_RULES`.
    red_flag_urgency : {"none", "urgent", "emergency"}
        From the red-flag screen. ``emergency`` always withholds the programme; ``urgent``
        withholds it unless ``withhold_when_urgent`` is False.
    start : datetime.date
        First day of week 1.
    weeks : int, default 6
        Length of the plan, 1–26.
    patient_age : int, optional
        From 65, stretches are held 2 × 60 s; under 18, a note says the doses are adult doses.
    sitting_hours : float, optional
        Hours sitting a day. Above 6 (the clinic's threshold) walking breaks are prescribed
        even without a ``lifestyle_prolonged_sitting`` finding; the hours set the number of
        breaks (one per hour of sitting).
    withhold_when_urgent : bool, default True
        Withhold the programme for an urgent referral too.
    red_flag_detail : str
        The red-flag reason to quote in ``withheld_reason`` (e.g. the clinic's text).
    extra : sequence of str
        Library ids a clinician adds by hand (e.g. ``"calf_foam_rolling"``, ``"heel_raises"``).

    Returns
    -------
    Program

    Raises
    ------
    InputError
        An unknown urgency, a bad date, ``weeks`` out of range, an age or sitting hours out of
        range, a malformed finding, or an unknown id in ``extra``; the field is named.

    Notes
    -----
    Rules, in order (all sides from the finding; a finding without a side means both):

    1. Calf: ``calf_gastrocnemius_tight`` → gastrocnemius stretch;
       ``calf_soleus_or_joint_restricted`` → soleus stretch and a note to have the joint
       checked if the week-3 re-test shows no real change. ``ankle_wblt_restricted`` /
       ``ankle_peak_df_restricted`` on a side → the stretch(es) the Silfverskiöld test chose for
       that side, or both calf stretches when it did not classify the side.
       ``ankle_df_asymmetry`` → the calf stretches on both sides with one extra hold on the
       stiffer side.
    2. One finding, fixed exercises: see :data:`FINDING_RULES`.
    3. Always the basic component :data:`BASE_COMPONENT` (glute bridge, plank — dead bug when
       pain is severe — and squats from week 3); ``lumbar_*`` findings are given as its reason.
    4. Prolonged sitting → walking breaks; other lifestyle findings → :data:`ADVICE_RULES`.
    """
    start = _check_inputs(red_flag_urgency, start, weeks, patient_age, sitting_hours)
    for j, ex_id in enumerate(extra):
        if ex_id not in LIBRARY:
            raise InputError(
                "program", f"{ex_id!r} is not an exercise of the library", field=f"extra[{j}]"
            )
    normal = [_finding(f, i) for i, f in enumerate(findings)]
    withhold = red_flag_urgency == "emergency" or (
        red_flag_urgency == "urgent" and withhold_when_urgent
    )
    if withhold:
        reason = _EMERGENCY_REASON if red_flag_urgency == "emergency" else _URGENT_REASON
        if red_flag_detail:
            reason += f" ({red_flag_detail})"
        return Program(start, weeks, red_flag_urgency, (), (), (), reason)

    present = [f for f in normal if f.present]
    b = _Builder()
    _calf_rules(b, present)
    _simple_rules(b, present)
    _core_rules(b, present)
    _sitting_rule(b, present, sitting_hours)
    advice = _advice(b, present)
    for ex_id in extra:
        b.add(ex_id, reason="Added by your clinician.")

    order = list(LIBRARY)
    items = tuple(
        _prescribe(b.items[k], weeks, patient_age)
        for k in sorted(b.items, key=lambda k: (b.items[k].start_week, order.index(k)))
        if b.items[k].start_week <= weeks
    )
    retests = _retests(start, weeks, normal, present)
    plan = _plan(start, weeks, items, retests)

    notes: list[str] = []
    if red_flag_urgency == "urgent":
        notes.append(
            "An urgent red-flag referral is open; the programme was not withheld at the "
            "clinician's request (withhold_when_urgent=False)."
        )
    if any(p.id in _CALF_STRETCHES for p in items):
        notes.append(
            "The calf stretches are there to free the ankle (about 2–3° more dorsiflexion in "
            "trials, Radford 2006). That tight calves cause low back pain is a hypothesis with "
            "weak evidence; the back is treated with the strength and core exercises."
        )
        if "calf_foam_rolling" not in extra:
            notes.append(
                "Foam rolling is not prescribed: rolling the calf did not improve dorsiflexion "
                "(Konrad 2022) and adds nothing to stretching (Konrad 2021)."
            )
    if patient_age is not None and patient_age < 18:
        notes.append(
            "The doses are adult doses; for a child or adolescent a physical therapist should "
            "set them."
        )
    if len(items) > _LONG_PROGRAM:
        notes.append(
            f"This is a long programme ({len(items)} exercises): a physical therapist may "
            "choose the most important ones first."
        )
    not_addressed = tuple(dict.fromkeys(f.key for f in present if f.key not in b.used))
    return Program(
        start=start,
        weeks=weeks,
        red_flag_urgency=red_flag_urgency,
        exercises=items,
        plan=plan,
        retests=retests,
        withheld_reason=None,
        advice=tuple(advice),
        notes=tuple(notes),
        not_addressed=not_addressed,
    )
