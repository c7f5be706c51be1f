"""Clinical tests: worked examples at every threshold (values from _thresholds' sources)."""

from __future__ import annotations

from typing import Any

import pytest

from kinechain.clinic import _thresholds as T
from kinechain.clinic import (
    assess_calf,
    assess_foot,
    assess_hamstrings,
    assess_hip_abductors,
    assess_hip_flexors,
    assess_knee,
    assess_pelvis,
    classify_calf,
    fpi6_category,
    parse_intake,
    wblt_cm_to_deg,
    wblt_deg_to_cm,
    wblt_side,
)
from kinechain.clinic._intake import Tests


def make_tests(**fields: Any) -> Tests:
    """A validated Tests section from ``name=(left, right)`` pairs."""
    data = {k: {"left": v[0], "right": v[1]} for k, v in fields.items()}
    intake = parse_intake({"schema": "kinechain.intake/1", "tests": data})
    assert intake.tests is not None
    return intake.tests


# --- weight-bearing lunge test -----------------------------------------------------------------


def test_restricted_cut_off_is_healthy_mean_minus_one_sd() -> None:
    # Hoch & McKeon 2011: 12.0 ± 2.8 cm → 12.0 − 2.8 = 9.2 cm.
    assert T.WBLT_RESTRICTED_BELOW_CM == pytest.approx(
        T.WBLT_HEALTHY_MEAN_CM - T.WBLT_HEALTHY_SD_CM
    )


def test_conversion_is_3_6_degrees_per_cm() -> None:
    assert wblt_cm_to_deg(10.0) == pytest.approx(36.0)  # 10 × 3.6
    assert wblt_deg_to_cm(36.0) == pytest.approx(10.0)  # 36 ÷ 3.6
    assert wblt_cm_to_deg(6.0) == pytest.approx(21.6)  # 6 × 3.6


@pytest.mark.parametrize(
    ("cm", "restricted"),
    [(9.2, False), (9.19, True), (6.0, True), (12.0, False), (0.0, True)],
)
def test_wblt_restricted_below_9_2_cm(cm: float, restricted: bool) -> None:
    side = wblt_side(cm, None)
    assert side.restricted is restricted
    assert side.measured == "cm"
    assert side.deg == pytest.approx(round(cm * 3.6, 2))


def test_wblt_degrees_only_are_converted() -> None:
    # 9.2 cm × 3.6 = 33.12°: 33.2° → 9.22 cm (not restricted); 33.0° → 9.17 cm (restricted).
    side = wblt_side(None, 33.2)
    assert side.measured == "deg" and side.restricted is False
    assert side.cm == pytest.approx(9.22)  # 33.2 / 3.6 = 9.222
    assert wblt_side(None, 33.0).restricted is True


def test_wblt_both_units_cm_decides() -> None:
    # 8 cm is restricted even if the angle (40°) would convert to 11.1 cm.
    side = wblt_side(8.0, 40.0)
    assert side.measured == "both" and side.restricted is True and side.deg == 40.0


@pytest.mark.parametrize(("deg", "below"), [(36.5, False), (36.4, True)])
def test_wblt_risk_angle_36_5(deg: float, below: bool) -> None:
    # Backman & Danielson 2011: < 36.5° carries the higher tendinopathy risk.
    assert wblt_side(None, deg).below_risk_angle is below


def test_wblt_unmeasured() -> None:
    side = wblt_side(None, None)
    assert (side.cm, side.deg, side.measured, side.restricted) == (None, None, None, None)


@pytest.mark.parametrize(
    ("left", "right", "diff", "asym", "tighter"),
    [
        (10.0, 12.0, -2.0, False, None),  # |−2.0| is not > 2.0
        (10.0, 12.1, -2.1, True, "left"),  # 10.0 − 12.1 = −2.1 → left is tighter
        (12.5, 10.0, 2.5, True, "right"),
    ],
)
def test_wblt_side_difference_over_2_cm(
    left: float, right: float, diff: float, asym: bool, tighter: str | None
) -> None:
    result = assess_calf(make_tests(wblt_cm=(left, right)))
    sd = result.side_difference
    assert sd["wblt_cm"] == pytest.approx(diff)
    assert sd["wblt_asymmetric"] is asym
    assert sd["tighter_side"] == tighter


# --- Silfverskiöld ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ext", "flx", "expected"),
    [
        (12.0, 22.0, "normal"),  # extended ≥ 10°
        (10.0, 10.0, "normal"),  # exactly 10° is not restricted
        (0.0, 20.0, "gastrocnemius"),  # limited extended, 20° ≥ 10° flexed (issue example)
        (9.9, 10.0, "gastrocnemius"),
        (2.0, 8.0, "soleus_or_joint"),  # limited both ways
        (9.0, 9.9, "soleus_or_joint"),
        (None, 5.0, "soleus_or_joint"),  # flexed < 10° alone: extended cannot be higher
        (None, 15.0, None),  # cannot tell without the knee-extended value
        (4.0, None, None),  # restricted extended, flexed unknown
        (15.0, None, "normal"),
        (None, None, None),
    ],
)
def test_classify_calf(ext: float | None, flx: float | None, expected: str | None) -> None:
    classification, reason = classify_calf(ext, flx)
    assert classification == expected
    assert reason


@pytest.mark.parametrize(
    ("ext", "severity"),
    [(5.0, "equinus"), (5.1, "restricted"), (-5.0, "equinus"), (9.9, "restricted"), (10.0, "none")],
)
def test_severity_equinus_at_or_below_5_deg(ext: float, severity: str) -> None:
    # DiGiovanni 2002: gastrocnemius contracture = DF ≤ 5° with the knee extended.
    left = assess_calf(make_tests(df_knee_extended_deg=(ext, None))).left
    assert left.severity == severity


@pytest.mark.parametrize(("ext", "flx", "large"), [(0.0, 13.0, False), (0.0, 13.5, True)])
def test_large_knee_flexion_gain_over_13_deg(ext: float, flx: float, large: bool) -> None:
    left = assess_calf(
        make_tests(df_knee_extended_deg=(ext, None), df_knee_flexed_deg=(flx, None))
    ).left
    assert left.knee_flexion_gain_deg == pytest.approx(flx - ext)
    assert left.large_knee_flexion_gain is large


def test_soleus_or_joint_with_large_gain_mentions_gastrocnemius() -> None:
    # −10° → 8°: gain 18° (> 13°) but still < 10° flexed.
    left = assess_calf(
        make_tests(df_knee_extended_deg=(-10.0, None), df_knee_flexed_deg=(8.0, None))
    ).left
    assert left.classification == "soleus_or_joint"
    assert "gastrocnemius contributes" in left.reason


@pytest.mark.parametrize(("left", "right", "asym"), [(10.0, 16.0, True), (10.0, 15.9, False)])
def test_df_side_difference_6_deg(left: float, right: float, asym: bool) -> None:
    # Baumbach 2016: physiological side difference < 6° → 6° is asymmetric.
    sd = assess_calf(make_tests(df_knee_extended_deg=(left, right))).side_difference
    assert sd["df_asymmetric"] is asym
    assert sd["tighter_side"] == ("left" if asym else None)


def test_calf_tight_combines_nwb_and_wblt() -> None:
    result = assess_calf(make_tests(wblt_cm=(6.0, 11.5), df_knee_extended_deg=(12.0, None)))
    # left: NWB normal (12°) but lunge 6 cm < 9.2 → tight; right: lunge normal only → not.
    assert result.left.classification == "normal" and result.left.tight is True
    assert result.right.classification is None and result.right.tight is False
    assert assess_calf(None).left.tight is None


# --- FPI-6 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "category"),
    [
        (-12, "highly_supinated"),
        (-5, "highly_supinated"),
        (-4, "supinated"),
        (-1, "supinated"),
        (0, "normal"),
        (5, "normal"),
        (6, "pronated"),
        (9, "pronated"),
        (10, "highly_pronated"),
        (12, "highly_pronated"),
    ],
)
def test_fpi6_categories(total: int, category: str) -> None:
    assert fpi6_category(total) == category


def test_fpi6_outside_range() -> None:
    with pytest.raises(ValueError, match="outside"):
        fpi6_category(13)


def test_fpi6_items_are_summed_and_research_cut_offs() -> None:
    # left items 2+1+1+2+1+0 = 7 → pronated, research pronator (≥ +7);
    # right total −1 → supinated, research supinator (≤ −1).
    foot = assess_foot(make_tests(fpi6=([2, 1, 1, 2, 1, 0], -1)))
    assert foot.left.fpi6_total == 7 and foot.left.fpi6_items == (2, 1, 1, 2, 1, 0)
    assert foot.left.category == "pronated" and foot.left.research_pronator is True
    assert foot.right.category == "supinated" and foot.right.research_supinator is True
    assert foot.right.research_pronator is False
    assert foot.side_difference["fpi6_total"] == 8  # 7 − (−1)
    # +6 is "pronated" in the manual's bands but not a research pronator (≥ +7).
    assert assess_foot(make_tests(fpi6=(6, None))).left.research_pronator is False


# --- knee, pelvis ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deg", "classification", "beighton"),
    [
        (5.0, "normal", False),
        (5.5, "hyperextended", False),
        (10.0, "hyperextended", False),
        (10.5, "hyperextended", True),
        (-3.0, "normal", False),
    ],
)
def test_knee_hyperextension(deg: float, classification: str, beighton: bool) -> None:
    knee = assess_knee(make_tests(standing_knee_hyperextension_deg=(deg, 0.0)))
    assert knee.left.classification == classification
    assert knee.left.beighton_positive is beighton
    assert knee.side_difference["hyperextension_deg"] == pytest.approx(deg)


@pytest.mark.parametrize(
    ("deg", "classification"),
    [
        (23.0, "typical"),
        (23.5, "marked_anterior"),
        (0.0, "typical"),
        (-0.5, "posterior"),
        (13.0, "typical"),
    ],
)
def test_pelvic_tilt(deg: float, classification: str) -> None:
    # Preece 2008: bone shape alone 13 ± 5°, range 0–23°.
    assert (
        assess_pelvis(make_tests(standing_pelvic_tilt_deg=(deg, None))).left.classification
        == classification
    )


@pytest.mark.parametrize(("left", "right", "asym"), [(20.0, 9.0, False), (20.0, 8.5, True)])
def test_pelvic_side_difference_over_11_deg(left: float, right: float, asym: bool) -> None:
    sd = assess_pelvis(make_tests(standing_pelvic_tilt_deg=(left, right))).side_difference
    assert sd["asymmetric"] is asym


# --- hip flexors, hamstrings, hip abductors ---------------------------------------------------


@pytest.mark.parametrize(
    ("hip", "knee", "one", "two", "classification"),
    [
        (0.0, 67.0, False, False, "normal"),  # thigh on the horizontal, knee 67°
        (0.5, 80.0, True, False, "short"),  # thigh above the horizontal
        (-10.0, 66.5, False, True, "short"),  # knee < 67° → rectus femoris
        (None, 70.0, None, False, "normal"),
        (None, None, None, None, None),
    ],
)
def test_thomas(
    hip: float | None,
    knee: float | None,
    one: bool | None,
    two: bool | None,
    classification: str | None,
) -> None:
    side = assess_hip_flexors(
        make_tests(thomas_hip_deg=(hip, None), thomas_knee_deg=(knee, None))
    ).left
    assert (side.one_joint_short, side.two_joint_short, side.classification) == (
        one,
        two,
        classification,
    )


def test_thomas_pass_fail_reading_and_disagreement() -> None:
    hf = assess_hip_flexors(make_tests(thomas_positive=(True, False)))
    assert hf.left.classification == "short" and hf.right.classification == "normal"
    hf = assess_hip_flexors(make_tests(thomas_positive=(True, None), thomas_hip_deg=(-5.0, None)))
    assert hf.left.one_joint_short is False and "disagrees" in hf.left.note


@pytest.mark.parametrize(
    ("sex", "ake", "tight"),
    [
        ("male", 33.0, False),
        ("male", 33.5, True),  # Yıldırım 2018: men > 33.0°
        ("female", 23.4, False),
        ("female", 23.5, True),  # women > 23.4°
        (None, 34.0, True),
        (None, 23.0, False),
        (None, 28.0, None),  # sex unknown
        ("other", 28.0, None),
    ],
)
def test_hamstring_ake_cut_offs(sex: str | None, ake: float, tight: bool | None) -> None:
    side = assess_hamstrings(make_tests(hamstring_ake_deg=(ake, None)), sex).left
    assert side.tight is tight
    if tight is None:
        assert "depends on sex" in side.note


def test_slr_is_reported_not_classified() -> None:
    ham = assess_hamstrings(make_tests(hamstring_slr_deg=(50.0, 70.0)), "male")
    assert ham.left.tight is None and ham.left.slr_deg == 50.0
    assert ham.side_difference["slr_deg"] == pytest.approx(-20.0)


@pytest.mark.parametrize(("mmt", "weak"), [(5, False), (4, True), (0, True)])
def test_hip_abductor_mmt(mmt: int, weak: bool) -> None:
    assert assess_hip_abductors(make_tests(hip_abductor_mmt=(mmt, None))).left.weak is weak


def test_hip_abductor_dynamometer_symmetry() -> None:
    # 1.8 / 2.0 = 0.90: not below 90 % → symmetric, nobody weak.
    hip = assess_hip_abductors(make_tests(hip_abductor_n_per_kg=(1.8, 2.0)))
    assert hip.side_difference["symmetry_index"] == pytest.approx(0.9)
    assert hip.side_difference["asymmetric"] is False
    assert (hip.left.weak, hip.right.weak) == (False, False)
    # 2.6 / 2.9 = 0.897 < 0.90 → the right side is weaker.
    hip = assess_hip_abductors(
        make_tests(hip_abductor_n_per_kg=(2.9, 2.6), hip_abductor_mmt=(4, 5))
    )
    assert hip.side_difference["symmetry_index"] == pytest.approx(0.897)
    assert hip.side_difference["weaker_side"] == "right"
    # MMT 4 makes the left weak too.
    assert (hip.left.weak, hip.right.weak) == (True, True)


def test_every_result_carries_its_criteria_with_sources() -> None:
    t = make_tests(wblt_cm=(6.0, 11.5))
    for pair in (
        assess_calf(t),
        assess_foot(t),
        assess_knee(t),
        assess_pelvis(t),
        assess_hip_flexors(t),
        assess_hamstrings(t, None),
        assess_hip_abductors(t),
    ):
        assert pair.criteria
        assert all(c.rule and c.source for c in pair.criteria)
        d = pair.to_dict()
        assert set(d) == {"left", "right", "side_difference", "criteria"}
