"""Red-flag screening: any positive answer means *refer, do not treat*.

Flags and the condition each suggests follow the NICE CKS-based NHS pathway text and the
IFOMPT framework (Finucane et al. 2020), as listed in ``reference/clinical.md`` §5. Urgency:

* ``emergency`` — suspected cauda equina syndrome (saddle anaesthesia, bladder or bowel
  dysfunction, progressive or severe neurological deficit in the legs, gait disturbance);
* ``urgent`` — suspected malignancy, infection or fracture;
* ``none`` — nothing positive.

Most red flags have poor diagnostic accuracy on their own (Henschke et al. 2013, Cochrane;
Finucane 2020): they trigger a referral, never a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from kinechain.clinic._intake import RedFlags
from kinechain.clinic._json import jsonable

__all__ = [
    "RED_FLAG_RULES",
    "RedFlagReason",
    "RedFlagResult",
    "RedFlagRule",
    "assess_red_flags",
    "program_allowed",
]

Urgency = Literal["emergency", "urgent", "none"]
Condition = Literal["cauda_equina", "malignancy", "infection", "fracture"]


@dataclass(frozen=True)
class RedFlagRule:
    """What a positive answer to one red-flag question means."""

    flag: str
    label: str
    condition: Condition
    urgency: Urgency


_ADVICE: Final[dict[Condition, str]] = {
    "cauda_equina": (
        "Possible cauda equina syndrome: send the patient to an emergency department now "
        "(same day). Do not start or continue exercises."
    ),
    "malignancy": (
        "Possible serious pathology (malignancy): refer urgently to a doctor for "
        "assessment before any exercise programme."
    ),
    "infection": (
        "Possible spinal infection: refer urgently to a doctor for assessment before any "
        "exercise programme."
    ),
    "fracture": (
        "Possible vertebral fracture: refer urgently to a doctor (imaging may be needed) "
        "before any exercise programme."
    ),
}

#: Every red-flag question of ``kinechain.intake/1`` with its condition and urgency.
RED_FLAG_RULES: Final[tuple[RedFlagRule, ...]] = (
    RedFlagRule(
        "saddle_anaesthesia", "saddle numbness or paraesthesia", "cauda_equina", "emergency"
    ),
    RedFlagRule(
        "bladder_or_bowel_dysfunction",
        "urinary retention or incontinence, or faecal incontinence",
        "cauda_equina",
        "emergency",
    ),
    RedFlagRule(
        "progressive_leg_weakness",
        "progressive neurological deficit in the legs",
        "cauda_equina",
        "emergency",
    ),
    RedFlagRule(
        "severe_neurological_deficit",
        "severe neurological deficit in the legs",
        "cauda_equina",
        "emergency",
    ),
    RedFlagRule("gait_disturbance", "gait disturbance", "cauda_equina", "emergency"),
    RedFlagRule("history_of_cancer", "history of cancer", "malignancy", "urgent"),
    RedFlagRule("unexplained_weight_loss", "unexplained weight loss", "malignancy", "urgent"),
    RedFlagRule(
        "age_under_20_or_over_50_new_pain",
        "new pain under 20 or over 50 years",
        "malignancy",
        "urgent",
    ),
    RedFlagRule("night_pain", "night pain not eased by changing position", "malignancy", "urgent"),
    RedFlagRule(
        "no_improvement_after_1_month", "no improvement after one month", "malignancy", "urgent"
    ),
    RedFlagRule("pain_at_multiple_sites", "pain at multiple sites", "malignancy", "urgent"),
    RedFlagRule("fever", "fever, chills or rigors", "infection", "urgent"),
    RedFlagRule("immunosuppression", "immunosuppression", "infection", "urgent"),
    RedFlagRule("iv_drug_use", "intravenous drug use", "infection", "urgent"),
    RedFlagRule("recent_bacterial_infection", "recent bacterial infection", "infection", "urgent"),
    RedFlagRule("penetrating_wound", "penetrating wound", "infection", "urgent"),
    RedFlagRule("major_trauma", "major trauma", "fracture", "urgent"),
    RedFlagRule(
        "minor_trauma_with_osteoporosis_or_steroids",
        "minor trauma with osteoporosis or corticosteroid use",
        "fracture",
        "urgent",
    ),
    RedFlagRule("structural_deformity", "structural deformity", "fracture", "urgent"),
    RedFlagRule(
        "severe_central_pain_eased_by_lying",
        "severe central pain eased by lying down",
        "fracture",
        "urgent",
    ),
)

_RANK: Final[dict[Urgency, int]] = {"none": 0, "urgent": 1, "emergency": 2}


@dataclass(frozen=True)
class RedFlagReason:
    """One positive red flag: the flag, what it may mean, how urgent, what to do."""

    flag: str
    label: str
    condition: Condition
    urgency: Urgency
    advice: str


@dataclass(frozen=True)
class RedFlagResult:
    """The red-flag screen.

    Attributes
    ----------
    refer : bool
        Any flag positive.
    urgency : {"emergency", "urgent", "none"}
        The highest urgency among the positive flags.
    reasons : tuple of RedFlagReason
        The positive flags, most urgent first.
    screened : bool
        At least one question answered.
    unanswered : tuple of str
        Questions not answered (null or missing).
    notes : tuple of str
        Prompts, e.g. an age that makes the age question relevant.
    """

    refer: bool
    urgency: Urgency
    reasons: tuple[RedFlagReason, ...]
    screened: bool
    unanswered: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``refer``, ``urgency``, ``reasons`` first."""
        out: dict[str, Any] = {
            "refer": self.refer,
            "urgency": self.urgency,
            "reasons": jsonable(self.reasons),
            "screened": self.screened,
            "unanswered": list(self.unanswered),
            "notes": list(self.notes),
        }
        return out


def assess_red_flags(flags: RedFlags | None, *, age: int | None = None) -> RedFlagResult:
    """Turn red-flag answers into a referral decision.

    Parameters
    ----------
    flags : RedFlags or None
        The intake's answers (None: not screened).
    age : int, optional
        The patient's age; adds a prompt when it is under 20 or over 50 and the age question
        was not answered.

    Returns
    -------
    RedFlagResult
    """
    answers: dict[str, bool | None] = {}
    if flags is not None:
        answers = {rule.flag: getattr(flags, rule.flag) for rule in RED_FLAG_RULES}
    reasons = [
        RedFlagReason(rule.flag, rule.label, rule.condition, rule.urgency, _ADVICE[rule.condition])
        for rule in RED_FLAG_RULES
        if answers.get(rule.flag) is True
    ]
    reasons.sort(key=lambda r: -_RANK[r.urgency])  # stable: question order within a level
    urgency: Urgency = "none"
    for r in reasons:
        if _RANK[r.urgency] > _RANK[urgency]:
            urgency = r.urgency
    unanswered = tuple(rule.flag for rule in RED_FLAG_RULES if answers.get(rule.flag) is None)
    notes: list[str] = []
    if not any(v is not None for v in answers.values()):
        notes.append("red flags were not screened: screen for them before any treatment")
    if (
        age is not None
        and (age < 20 or age > 50)
        and answers.get("age_under_20_or_over_50_new_pain") is None
    ):
        notes.append(
            f"the patient is {age}: ask whether this back pain is new "
            "(age_under_20_or_over_50_new_pain)"
        )
    return RedFlagResult(
        refer=bool(reasons),
        urgency=urgency,
        reasons=tuple(reasons),
        screened=any(v is not None for v in answers.values()),
        unanswered=unanswered,
        notes=tuple(notes),
    )


def program_allowed(
    result: RedFlagResult, *, withhold_when_urgent: bool = True
) -> tuple[bool, str]:
    """May an exercise programme be given, given the red-flag screen?

    Parameters
    ----------
    result : RedFlagResult
    withhold_when_urgent : bool, default True
        Also withhold the programme for an urgent referral ("refer, do not treat"). An
        emergency always withholds it.

    Returns
    -------
    allowed : bool
    reason : str
        Why, in one sentence (also when allowed, e.g. incomplete screening).
    """
    flags = ", ".join(r.flag for r in result.reasons)
    if result.urgency == "emergency":
        flags = ", ".join(r.flag for r in result.reasons if r.urgency == "emergency")
        return False, (
            f"no exercise programme: emergency referral for possible cauda equina "
            f"syndrome ({flags})"
        )
    if result.urgency == "urgent" and withhold_when_urgent:
        conditions = sorted({r.condition for r in result.reasons})
        return False, (
            f"no exercise programme until a doctor has assessed the red flags "
            f"(urgent referral: {', '.join(conditions)}; {flags})"
        )
    if not result.screened:
        return True, "red flags were not screened: screen for them before starting"
    if result.urgency == "urgent":
        return True, (
            f"urgent referral ({flags}); the programme is not withheld (withhold_when_urgent=False)"
        )
    if result.unanswered:
        return True, (
            f"no red flags reported; {len(result.unanswered)} of "
            f"{len(RED_FLAG_RULES)} questions unanswered"
        )
    return True, "no red flags reported"
