"""The clinical assessment of one intake: red flags first, then questionnaires and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from kinechain.clinic._exam import (
    CalfSide,
    FootSide,
    HamstringSide,
    HipAbductorSide,
    HipFlexorSide,
    KneeSide,
    PelvisSide,
    SidePair,
    assess_calf,
    assess_foot,
    assess_hamstrings,
    assess_hip_abductors,
    assess_hip_flexors,
    assess_knee,
    assess_pelvis,
)
from kinechain.clinic._intake import INTAKE_SCHEMA_ID, Intake, Patient
from kinechain.clinic._lifestyle import LifestyleResult, assess_lifestyle
from kinechain.clinic._questionnaires import QuestionnaireResults, score_questionnaires
from kinechain.clinic._red_flags import RedFlagResult, assess_red_flags, program_allowed

__all__ = ["ASSESSMENT_SCHEMA_ID", "ClinicalAssessment", "ProgramGate", "assess_clinical"]

#: Format identifier of :meth:`ClinicalAssessment.to_dict` output.
ASSESSMENT_SCHEMA_ID: Final = "kinechain.clinical/1"


@dataclass(frozen=True)
class ProgramGate:
    """Whether an exercise programme may be given, and why (from the red flags)."""

    allowed: bool
    reason: str


@dataclass(frozen=True)
class ClinicalAssessment:
    """Everything the clinic part of kinechain concludes from one intake.

    Attributes
    ----------
    red_flags : RedFlagResult
        Always first: ``refer``, ``urgency``, ``reasons``.
    program : ProgramGate
        ``allowed`` is False after an emergency (or urgent) referral.
    patient : Patient or None
    date : str or None
        Assessment date (ISO), from the intake.
    questionnaires : QuestionnaireResults
    calf, foot, knee, pelvis, hip_flexors, hamstrings, hip_abductors : SidePair
        Per-side test results with side differences and the criteria used.
    lifestyle : LifestyleResult
    """

    red_flags: RedFlagResult
    program: ProgramGate
    patient: Patient | None
    date: str | None
    questionnaires: QuestionnaireResults
    calf: SidePair[CalfSide]
    foot: SidePair[FootSide]
    knee: SidePair[KneeSide]
    pelvis: SidePair[PelvisSide]
    hip_flexors: SidePair[HipFlexorSide]
    hamstrings: SidePair[HamstringSide]
    hip_abductors: SidePair[HipAbductorSide]
    lifestyle: LifestyleResult

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, red flags first.

        Keys: ``schema``, ``red_flags`` (``refer``, ``urgency``, ``reasons``, ...),
        ``program`` (``allowed``, ``reason``), ``patient``, ``date``, ``questionnaires``
        (``odi.score_percent``, ``startback.risk``, ...), ``calf`` (``left.classification``,
        ``right.classification``, ``side_difference``, ``criteria``), ``foot``, ``knee``,
        ``pelvis``, ``hip_flexors``, ``hamstrings``, ``hip_abductors``, ``lifestyle``.
        """
        patient = None
        if self.patient is not None:
            patient = self.patient.model_dump(mode="json", exclude_none=True)
        return {
            "schema": ASSESSMENT_SCHEMA_ID,
            "red_flags": self.red_flags.to_dict(),
            "program": {"allowed": self.program.allowed, "reason": self.program.reason},
            "patient": patient,
            "date": self.date,
            "questionnaires": self.questionnaires.to_dict(),
            "calf": self.calf.to_dict(),
            "foot": self.foot.to_dict(),
            "knee": self.knee.to_dict(),
            "pelvis": self.pelvis.to_dict(),
            "hip_flexors": self.hip_flexors.to_dict(),
            "hamstrings": self.hamstrings.to_dict(),
            "hip_abductors": self.hip_abductors.to_dict(),
            "lifestyle": self.lifestyle.to_dict(),
        }


def assess_clinical(intake: Intake, *, withhold_when_urgent: bool = True) -> ClinicalAssessment:
    """Assess one validated intake.

    Parameters
    ----------
    intake : Intake
        From :func:`parse_intake` (or :func:`read_intake`).
    withhold_when_urgent : bool, default True
        Passed to :func:`program_allowed`: also withhold the programme for urgent referrals.

    Returns
    -------
    ClinicalAssessment
    """
    if intake.schema_id != INTAKE_SCHEMA_ID:  # pragma: no cover - the model forbids it
        raise ValueError(f"unsupported intake format {intake.schema_id!r}")
    patient = intake.patient
    flags = assess_red_flags(intake.red_flags, age=patient.age if patient else None)
    allowed, reason = program_allowed(flags, withhold_when_urgent=withhold_when_urgent)
    tests = intake.tests
    return ClinicalAssessment(
        red_flags=flags,
        program=ProgramGate(allowed, reason),
        patient=patient,
        date=None if intake.date is None else intake.date.isoformat(),
        questionnaires=score_questionnaires(intake.questionnaires),
        calf=assess_calf(tests),
        foot=assess_foot(tests),
        knee=assess_knee(tests),
        pelvis=assess_pelvis(tests),
        hip_flexors=assess_hip_flexors(tests),
        hamstrings=assess_hamstrings(tests, patient.sex if patient else None),
        hip_abductors=assess_hip_abductors(tests),
        lifestyle=assess_lifestyle(intake.lifestyle),
    )
