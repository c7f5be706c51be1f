"""Red flags: any positive answer refers, with the right urgency; an emergency stops the program."""

from __future__ import annotations

import pytest

from kinechain.clinic import (
    RED_FLAG_RULES,
    RedFlags,
    assess_red_flags,
    parse_intake,
    program_allowed,
)

EXPECTED = {
    # cauda equina → emergency
    "saddle_anaesthesia": ("cauda_equina", "emergency"),
    "bladder_or_bowel_dysfunction": ("cauda_equina", "emergency"),
    "progressive_leg_weakness": ("cauda_equina", "emergency"),
    "severe_neurological_deficit": ("cauda_equina", "emergency"),
    "gait_disturbance": ("cauda_equina", "emergency"),
    # malignancy → urgent
    "history_of_cancer": ("malignancy", "urgent"),
    "unexplained_weight_loss": ("malignancy", "urgent"),
    "age_under_20_or_over_50_new_pain": ("malignancy", "urgent"),
    "night_pain": ("malignancy", "urgent"),
    "no_improvement_after_1_month": ("malignancy", "urgent"),
    "pain_at_multiple_sites": ("malignancy", "urgent"),
    # infection → urgent
    "fever": ("infection", "urgent"),
    "immunosuppression": ("infection", "urgent"),
    "iv_drug_use": ("infection", "urgent"),
    "recent_bacterial_infection": ("infection", "urgent"),
    "penetrating_wound": ("infection", "urgent"),
    # fracture → urgent
    "major_trauma": ("fracture", "urgent"),
    "minor_trauma_with_osteoporosis_or_steroids": ("fracture", "urgent"),
    "structural_deformity": ("fracture", "urgent"),
    "severe_central_pain_eased_by_lying": ("fracture", "urgent"),
}


def flags(**answers: bool | None) -> RedFlags:
    intake = parse_intake({"schema": "kinechain.intake/1", "red_flags": answers})
    assert intake.red_flags is not None
    return intake.red_flags


def test_every_question_has_a_rule() -> None:
    assert {r.flag for r in RED_FLAG_RULES} == set(RedFlags.model_fields) == set(EXPECTED)


@pytest.mark.parametrize(("flag", "expected"), sorted(EXPECTED.items()))
def test_each_flag_alone(flag: str, expected: tuple[str, str]) -> None:
    result = assess_red_flags(flags(**{flag: True}))
    assert result.refer is True
    assert result.urgency == expected[1]
    (reason,) = result.reasons
    assert (reason.flag, reason.condition, reason.urgency) == (flag, *expected)
    assert reason.advice
    allowed, why = program_allowed(result)
    assert allowed is False  # refer, do not treat
    if expected[1] == "emergency":
        assert "emergency" in why and flag in why


def test_all_negative_is_none() -> None:
    result = assess_red_flags(flags(**dict.fromkeys(EXPECTED, False)))
    assert (result.refer, result.urgency, result.reasons) == (False, "none", ())
    assert result.screened is True and result.unanswered == ()
    assert program_allowed(result) == (True, "no red flags reported")


def test_emergency_wins_and_comes_first() -> None:
    result = assess_red_flags(flags(fever=True, major_trauma=True, gait_disturbance=True))
    assert result.urgency == "emergency"
    assert [r.flag for r in result.reasons] == ["gait_disturbance", "fever", "major_trauma"]
    allowed, why = program_allowed(result)
    assert allowed is False
    assert "gait_disturbance" in why and "fever" not in why


def test_urgent_can_be_allowed_on_request_but_emergency_never() -> None:
    urgent = assess_red_flags(flags(history_of_cancer=True))
    assert program_allowed(urgent, withhold_when_urgent=False)[0] is True
    assert program_allowed(urgent)[0] is False
    emergency = assess_red_flags(flags(saddle_anaesthesia=True))
    assert program_allowed(emergency, withhold_when_urgent=False)[0] is False


def test_not_screened() -> None:
    result = assess_red_flags(None)
    assert (result.refer, result.urgency, result.screened) == (False, "none", False)
    assert len(result.unanswered) == len(RED_FLAG_RULES)
    assert "not screened" in result.notes[0]
    allowed, why = program_allowed(result)
    assert allowed is True and "not screened" in why


def test_partly_answered_counts_unanswered() -> None:
    result = assess_red_flags(flags(fever=False, saddle_anaesthesia=None))
    assert result.screened is True
    assert len(result.unanswered) == len(RED_FLAG_RULES) - 1
    assert "19 of 20 questions unanswered" in program_allowed(result)[1]


@pytest.mark.parametrize(("age", "prompt"), [(55, True), (19, True), (50, False), (20, False)])
def test_age_prompt_when_age_question_unanswered(age: int, prompt: bool) -> None:
    result = assess_red_flags(flags(fever=False), age=age)
    assert any("is new" in n for n in result.notes) is prompt
    answered = assess_red_flags(flags(age_under_20_or_over_50_new_pain=False), age=age)
    assert not any("is new" in n for n in answered.notes)


def test_to_dict_contract() -> None:
    d = assess_red_flags(flags(fever=True)).to_dict()
    assert list(d)[:3] == ["refer", "urgency", "reasons"]
    assert d["reasons"][0] == {
        "flag": "fever",
        "label": "fever, chills or rigors",
        "condition": "infection",
        "urgency": "urgent",
        "advice": d["reasons"][0]["advice"],
    }
