"""Lifestyle factors at their thresholds, and the evidence table."""

from __future__ import annotations

from typing import Any

import pytest

from kinechain.clinic import EVIDENCE, GRADES, assess_lifestyle, parse_intake
from kinechain.clinic._intake import Lifestyle


def life(**fields: Any) -> Lifestyle:
    intake = parse_intake({"schema": "kinechain.intake/1", "lifestyle": fields})
    assert intake.lifestyle is not None
    return intake.lifestyle


def ids(**fields: Any) -> list[str]:
    return [f.id for f in assess_lifestyle(life(**fields)).factors]


@pytest.mark.parametrize(("hours", "flagged"), [(6, False), (6.5, True), (9, True), (0, False)])
def test_sitting_over_6_hours(hours: float, flagged: bool) -> None:
    assert ("prolonged_sitting" in ids(sitting_hours_per_day=hours)) is flagged


def test_booleans() -> None:
    assert ids(standing_occupation=True, high_impact_without_warmup=True) == [
        "standing_occupation",
        "high_impact_without_warmup",
    ]
    assert ids(standing_occupation=False, high_impact_without_warmup=False) == []


@pytest.mark.parametrize(
    ("fields", "flagged", "unit"),
    [
        ({"shoe_age_months": 12}, False, None),
        ({"shoe_age_months": 13}, True, "months"),
        ({"shoe_km": 800}, False, None),
        ({"shoe_km": 801}, True, "km"),
        ({"shoe_age_months": 3, "shoe_km": 900}, True, "km"),
    ],
)
def test_old_shoes(fields: dict[str, float], flagged: bool, unit: str | None) -> None:
    factors = [f for f in assess_lifestyle(life(**fields)).factors if f.id == "old_shoes"]
    assert bool(factors) is flagged
    if factors:
        assert factors[0].unit == unit and "no published source" in factors[0].source


@pytest.mark.parametrize(("minutes", "flagged"), [(150, False), (149, True)])
def test_activity_below_150_minutes(minutes: float, flagged: bool) -> None:
    assert ("low_activity" in ids(activity_minutes_per_week=minutes)) is flagged


def test_nothing_reported() -> None:
    result = assess_lifestyle(None)
    assert result.factors == () and result.reported is False
    assert result.to_dict() == {"factors": [], "reported": False}


def test_every_factor_has_advice_and_source() -> None:
    result = assess_lifestyle(
        life(
            sitting_hours_per_day=10,
            standing_occupation=True,
            high_impact_without_warmup=True,
            shoe_age_months=24,
            activity_minutes_per_week=0,
        )
    )
    assert len(result.factors) == 5
    assert all(f.advice and f.source and f.threshold for f in result.factors)


# --- evidence -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "grade", "link"),
    [
        ("calf_tightness", "moderate", "calf"),  # measured (Silfverskiöld; DiGiovanni)
        ("ankle_df_gait", "weak", "ankle"),  # cross-sectional, n = 51 and 30
        ("foot_pronation", "expert_opinion", "foot"),  # "mostly theory"
        ("knee_hyperextension", "expert_opinion", "knee"),  # Barouk 2014
        ("pelvic_tilt", "weak", "pelvis"),  # small IMU study, n = 27
        ("lumbar_extension", "hypothesis", "lumbar"),  # no gait study shows it
        ("calf_low_back_pain", "weak", "lumbar"),  # not a pooled predictor
        ("hamstring_length", "moderate", "hip"),  # Sadler 2017 review of cohorts
        ("calf_stretching_low_back_pain", "weak", None),  # no high-quality trial
        ("calf_stretching_dorsiflexion", "strong", None),  # Radford 2006, 5 RCTs
        ("exercise_low_back_pain", "strong", None),  # Cochrane, network meta-analysis
    ],
)
def test_evidence_grades(key: str, grade: str, link: str | None) -> None:
    assert EVIDENCE[key].grade == grade
    assert EVIDENCE[key].link == link


def test_every_evidence_entry_is_complete() -> None:
    for key, ev in EVIDENCE.items():
        assert ev.grade in GRADES, key
        assert ev.statement and ev.citations, key
        assert ev.to_dict()["citations"] == list(ev.citations)
    links = {ev.link for ev in EVIDENCE.values() if ev.link}
    assert links == {"calf", "ankle", "foot", "knee", "hip", "pelvis", "lumbar"}


def test_chain_findings_evidence_keys_exist() -> None:
    # The keys kinechain.chain's gait findings reference.
    for key in (
        "ankle_df_gait",
        "knee_hyperextension",
        "pelvic_tilt",
        "foot_pronation",
        "lumbar_extension",
    ):
        assert key in EVIDENCE
