"""kinechain.program: the exercise library, prescription rules, the plan, and progress.

Pure functions: :func:`build_program` turns chain findings into a dosed home programme with a
week-by-week plan and re-test dates; :func:`progress` judges several assessments of one person
(change against the minimal detectable and minimal clinically important change) and the logged
home-exercise sessions (adherence, pain)::

    import datetime as dt
    from kinechain.program import LIBRARY, build_program, progress

    program = build_program(findings, red_flag_urgency="none", start=dt.date(2026, 1, 5))
    program.to_dict()["exercises"][0]["id"]          # a key of LIBRARY
    report = progress([assessment1, assessment2], sessions)
    report.summary

Rules, doses, thresholds and sources: ``docs/program.md``.
"""

from kinechain.program._library import (
    LIBRARY,
    PROGRAM_CITATIONS,
    Dosage,
    Exercise,
    ExerciseKind,
    Stage,
    older_adult_dose,
)
from kinechain.program._progress import (
    DF_MDC_DEG,
    MEASURES,
    PROGRESS_SCHEMA_ID,
    Adherence,
    AdherencePeriod,
    CategoryChange,
    ExerciseAdherence,
    FindingChange,
    MeasureChange,
    MeasureSpec,
    PainTrend,
    ProgressReport,
    WeekCount,
    progress,
)
from kinechain.program._rules import (
    ADVICE_RULES,
    BASE_COMPONENT,
    FINDING_RULES,
    MAX_WEEKS,
    OLDER_ADULT_AGE,
    PROGRAM_SCHEMA_ID,
    URGENCIES,
    Advice,
    PlanWeek,
    PrescribedExercise,
    Program,
    Retest,
    WeekDose,
    build_program,
)

__all__ = [
    "ADVICE_RULES",
    "BASE_COMPONENT",
    "DF_MDC_DEG",
    "FINDING_RULES",
    "LIBRARY",
    "MAX_WEEKS",
    "MEASURES",
    "OLDER_ADULT_AGE",
    "PROGRAM_CITATIONS",
    "PROGRAM_SCHEMA_ID",
    "PROGRESS_SCHEMA_ID",
    "URGENCIES",
    "Adherence",
    "AdherencePeriod",
    "Advice",
    "CategoryChange",
    "Dosage",
    "Exercise",
    "ExerciseAdherence",
    "ExerciseKind",
    "FindingChange",
    "MeasureChange",
    "MeasureSpec",
    "PainTrend",
    "PlanWeek",
    "PrescribedExercise",
    "Program",
    "ProgressReport",
    "Retest",
    "Stage",
    "WeekCount",
    "WeekDose",
    "build_program",
    "older_adult_dose",
    "progress",
]
