"""de Leva (1996) body-segment parameters: the table is complete and self-consistent."""

from __future__ import annotations

import pytest

from kinechain.load import (
    DE_LEVA_1996,
    segment_parameters,
    upper_body,
    whole_body_mass_fraction,
)


@pytest.mark.parametrize("sex", ["male", "female", None])
def test_whole_body_mass_fractions_sum_to_one(sex: str | None) -> None:
    # Public copies of the table carry typos (clinical.md §6b): a head of 0.694 or a hand of
    # 0.061 would break this sum.
    assert whole_body_mass_fraction(sex) == pytest.approx(1.0, abs=2e-4)
    assert whole_body_mass_fraction(sex, split_trunk=True) == pytest.approx(1.0, abs=2e-4)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_trunk_is_the_sum_of_its_three_parts(sex: str) -> None:
    t = DE_LEVA_1996[sex]  # type: ignore[index]
    parts = t["upper_trunk"].mass_fraction + t["middle_trunk"].mass_fraction
    parts += t["lower_trunk"].mass_fraction
    assert parts == pytest.approx(t["trunk"].mass_fraction, abs=1e-9)


def test_published_values() -> None:
    # A few values as printed in de Leva (1996) Table 4 (and in clinical.md §6b).
    m, f = DE_LEVA_1996["male"], DE_LEVA_1996["female"]
    got = [
        (m["thigh"].mass_fraction, f["thigh"].mass_fraction),
        (m["thigh"].com_fraction, f["thigh"].com_fraction),
        (m["shank"].mass_fraction, m["foot"].mass_fraction),
        (m["foot"].com_fraction, f["foot"].com_fraction),
        (m["trunk"].com_fraction, f["trunk"].com_fraction),
        (m["lower_trunk"].mass_fraction, f["lower_trunk"].mass_fraction),
    ]
    want = [
        (0.1416, 0.1478),
        (0.4095, 0.3612),
        (0.0433, 0.0137),
        (0.4415, 0.4014),
        (0.5138, 0.4964),
        (0.1117, 0.1247),
    ]
    assert got == [pytest.approx(w, abs=1e-12) for w in want]


@pytest.mark.parametrize("sex", ["male", "female"])
def test_fractions_are_fractions(sex: str) -> None:
    for p in DE_LEVA_1996[sex].values():  # type: ignore[index]
        for v in (p.mass_fraction, p.com_fraction, p.r_sagittal, p.r_transverse):
            assert 0.0 < v < 1.0, (p.name, v)
        assert 0.0 < p.r_longitudinal < 1.0
        assert 0.05 < p.mean_length_m < 0.7


def test_unknown_sex_is_the_mean() -> None:
    m, f, x = (segment_parameters("thigh", s) for s in ("male", "female", None))
    assert x.mass_fraction == pytest.approx(0.5 * (m.mass_fraction + f.mass_fraction))
    assert x.com_fraction == pytest.approx(0.5 * (m.com_fraction + f.com_fraction))
    assert segment_parameters("thigh", "F") == f
    with pytest.raises(ValueError, match="sex"):
        segment_parameters("thigh", "robot")
    with pytest.raises(KeyError):
        segment_parameters("tail")


def test_upper_body_above_l5s1() -> None:
    # clinical.md §6b: head + arms + upper/middle trunk ≈ 49 %, plus part of the lower trunk:
    # 50–60 % of body mass above L5/S1.
    for sex in ("male", "female", None):
        ub = upper_body(sex)
        assert 0.50 <= ub.mass_fraction <= 0.60
        # CoM a quarter-metre or so above L5/S1 for an adult.
        assert 0.24 <= ub.com_height_m(1.74) <= 0.33
    assert upper_body("male").mass_fraction == pytest.approx(0.4911 + 0.5 * 0.1117, abs=1e-9)
