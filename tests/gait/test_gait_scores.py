"""Gait Variable Scores and Gait Profile Score: exact worked examples and HC032A03."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kinechain.gait import (
    GPS_VARIABLES,
    NormSet,
    cycle_curves,
    detect_events,
    gait_profile_score,
    gait_variable_score,
)
from kinechain.trial import Trial

P = np.linspace(0.0, 100.0, 101)


def _norms() -> NormSet:
    variables = {
        v: (10.0 * np.sin(2 * np.pi * P / 100.0 + i), np.full(101, 3.0))
        for i, v in enumerate(GPS_VARIABLES)
    }
    return NormSet(name="synthetic", citation="", variables=variables)


def test_gvs_of_a_constant_offset_is_the_offset() -> None:
    base = np.cos(P / 7.0)
    assert gait_variable_score(base + 4.0, base) == pytest.approx(4.0)
    assert gait_variable_score(base - 2.5, base) == pytest.approx(2.5)
    assert gait_variable_score(base, base) == 0.0


def test_gvs_of_a_sine_uses_51_points() -> None:
    # Difference A sin(2 pi p / 100) at p = 0, 2, ..., 100: sum of squares A^2 * 25 over 51
    # points, so GVS = A * sqrt(25 / 51).
    a = 6.0
    diff = a * np.sin(2 * np.pi * P / 100.0)
    assert gait_variable_score(diff, np.zeros(101)) == pytest.approx(a * math.sqrt(25 / 51))
    # The same from 51-point curves.
    p51 = np.linspace(0, 100, 51)
    d51 = a * np.sin(2 * np.pi * p51 / 100.0)
    assert gait_variable_score(d51, np.zeros(51)) == pytest.approx(a * math.sqrt(25 / 51))
    assert math.isnan(gait_variable_score(np.full(101, np.nan), np.zeros(101)))


def test_gps_worked_example() -> None:
    ns = _norms()
    left_off = dict(zip(GPS_VARIABLES, [1, 2, 3, 4, 5, 6, 7, 8, 9], strict=True))
    right_off = dict(zip(GPS_VARIABLES, [2, 2, 2, 3, 3, 3, 4, 4, 4], strict=True))
    cycles: dict[str, dict[str, np.ndarray]] = {}
    for side, offs in (("left", left_off), ("right", right_off)):
        cycles[side] = {}
        for v, c in offs.items():
            m = ns.variables[v][0]
            # Two strides at +c-1 and +c+1: the mean cycle is the norm + c.
            cycles[side][v] = np.vstack([m + c - 1.0, m + c + 1.0])
    sc = gait_profile_score(cycles, ns)
    for v in GPS_VARIABLES:
        assert sc.gvs["left"][v] == pytest.approx(left_off[v])
        assert sc.gvs["right"][v] == pytest.approx(right_off[v])
    assert sc.gps["left"] == pytest.approx(math.sqrt(np.mean(np.square(range(1, 10)))))
    assert sc.gps["right"] == pytest.approx(math.sqrt((3 * 4 + 3 * 9 + 3 * 16) / 9))
    # Overall: pelvis once (left: 1, 2, 3) plus six limb variables of each side.
    overall = [1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 3, 3, 4, 4, 4]
    assert sc.gps["overall"] == pytest.approx(math.sqrt(np.mean(np.square(overall))))
    d = sc.to_dict()
    assert d["unit"] == "deg" and d["norms"] == "synthetic"
    assert d["gps"]["left"] == sc.gps["left"]


def test_gps_skips_nan_strides_and_reports_missing() -> None:
    ns = _norms()
    cycles = {
        "left": {v: ns.variables[v][0] + 2.0 for v in GPS_VARIABLES},
        "right": {v: ns.variables[v][0] + 1.0 for v in GPS_VARIABLES if v != "foot_progression"},
    }
    bad = np.full((1, 101), np.nan)
    cycles["left"]["knee_flexion"] = np.vstack([ns.variables["knee_flexion"][0] + 2.0, bad[0]])
    sc = gait_profile_score(cycles, ns)
    assert sc.gvs["left"]["knee_flexion"] == pytest.approx(2.0)
    assert sc.gps["left"] == pytest.approx(2.0)
    assert sc.gps["right"] is None and sc.missing["right"] == ["foot_progression"]
    assert sc.gps["overall"] is None


def test_fukuchi_set_has_no_gps() -> None:
    ns = _norms()
    cycles = {s: {v: ns.variables[v][0] for v in GPS_VARIABLES} for s in ("left", "right")}
    sc = gait_profile_score(cycles, "fukuchi2018_adult")
    assert sc.gps == {"left": None, "right": None, "overall": None}
    assert "foot_progression" in sc.missing["left"]
    assert "hip_internal_rotation" in sc.missing["left"]
    assert "knee_flexion" in sc.gvs["left"]


def test_hc032_gps_with_vicon_angles(
    hc032_raw_trial: Trial, hc032_angles: dict[str, np.ndarray]
) -> None:
    events = detect_events(hc032_raw_trial)
    cycles = cycle_curves(hc032_raw_trial.time, hc032_angles, events)
    sc = gait_profile_score(cycles)
    assert sc.norms == "schwartz2008_free"
    assert sc.missing == {"left": [], "right": []}
    # Measured: left 5.4, right 6.7, overall 6.1 deg; pelvic tilt GVS ~7 deg (this child
    # walks with ~18 deg anterior tilt against 12 deg in the norm).
    for key in ("left", "right", "overall"):
        value = sc.gps[key]
        assert value is not None and 3.0 < value < 10.0
    assert sc.gvs["left"]["pelvic_tilt"] > 5.0
