"""Top-down static L5/S1 model and the single-equivalent-extensor model, checked by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kinechain.load import (
    NIOSH_ACTION_LIMIT_N,
    NIOSH_MAXIMUM_N,
    SHEAR_LIMIT_N,
    single_equivalent_muscle,
    static_lumbar_load,
)

# clinical.md §6c illustration: 70 kg; upper body 55 % BW = 378 N; CoM 0.22 m from L5/S1 and
# 2 cm anterior when upright; d = 5 cm.
FLEXION = [0.0, 15.0, 30.0, 45.0, 60.0]
MOMENT = [7.6, 28.8, 48.1, 64.1, 75.7]
EXTENSOR = [151.0, 576.0, 962.0, 1282.0, 1515.0]
COMPRESSION = [530.0, 940.0, 1290.0, 1550.0, 1700.0]


def illustration() -> object:
    return static_lumbar_load(FLEXION, 70.0, upper_body_fraction=0.55, com_height_m=0.22)


def test_reproduces_the_clinical_md_table() -> None:
    r = static_lumbar_load(FLEXION, 70.0, upper_body_fraction=0.55, com_height_m=0.22)
    assert r.upper_body_weight_n == pytest.approx(378.0, abs=0.5)
    np.testing.assert_allclose(r.extension_moment_nm, MOMENT, atol=0.15)
    np.testing.assert_allclose(r.muscle_force_n, EXTENSOR, atol=2.5)
    # The table rounds compression ("≈"): within 10 N.
    np.testing.assert_allclose(r.compression_n, COMPRESSION, atol=10.0)
    # Hand check at 30°: M = 378 (0.02 cos 30° + 0.22 sin 30°); C = M/0.05 + 378 cos 30°.
    w = 0.55 * 70 * 9.81
    m30 = w * (0.02 * np.cos(np.pi / 6) + 0.22 * 0.5)
    assert float(r.compression_n[2]) == pytest.approx(m30 / 0.05 + w * np.cos(np.pi / 6))
    # Disc follows the trunk when the pelvis is assumed to turn with it: shear = W sin θ.
    np.testing.assert_allclose(r.shear_n, w * np.sin(np.radians(FLEXION)))


def test_pelvic_tilt_turns_load_into_shear() -> None:
    upright = static_lumbar_load(0.0, 70.0, upper_body_fraction=0.55, com_height_m=0.22)
    tilted = static_lumbar_load(
        0.0, 70.0, upper_body_fraction=0.55, com_height_m=0.22, pelvic_tilt_deg=13.0 + 10.0
    )
    w = upright.upper_body_weight_n
    assert float(upright.shear_n) == pytest.approx(0.0, abs=1e-9)
    assert float(tilted.shear_n) == pytest.approx(w * np.sin(np.radians(10.0)))
    # Same moment (trunk upright), less of the weight along the disc normal.
    assert float(tilted.extension_moment_nm) == pytest.approx(float(upright.extension_moment_nm))
    assert float(tilted.compression_n) == pytest.approx(
        float(upright.compression_n) - w * (1 - np.cos(np.radians(10.0)))
    )


def test_moment_arm_and_sex_defaults() -> None:
    short = static_lumbar_load(20.0, 80.0, extensor_moment_arm_m=0.04)
    long = static_lumbar_load(20.0, 80.0, extensor_moment_arm_m=0.06)
    assert float(short.muscle_force_n) == pytest.approx(1.5 * float(long.muscle_force_n))
    men = static_lumbar_load(20.0, 80.0, sex="male")
    women = static_lumbar_load(20.0, 80.0, sex="female")
    assert men.upper_body_weight_n > women.upper_body_weight_n  # 54.7 % vs 52.0 %
    with pytest.raises(ValueError):
        static_lumbar_load(0.0, 70.0, extensor_moment_arm_m=0.0)
    with pytest.raises(ValueError):
        static_lumbar_load(0.0, 3.0)
    with pytest.raises(ValueError):
        static_lumbar_load(0.0, 70.0, upper_body_fraction=1.2)


def test_single_equivalent_muscle_by_hand() -> None:
    muscle, comp, shear = single_equivalent_muscle([50.0, -20.0], [400.0, 300.0], [-30.0, 10.0])
    np.testing.assert_allclose(muscle, [1000.0, 400.0])  # |M| / 0.05
    np.testing.assert_allclose(comp, [1400.0, 700.0])
    np.testing.assert_allclose(shear, [30.0, -10.0])


def test_limits_and_report_dict() -> None:
    assert (NIOSH_ACTION_LIMIT_N, NIOSH_MAXIMUM_N, SHEAR_LIMIT_N) == (3400.0, 6400.0, 1000.0)
    d = static_lumbar_load(0.0, 70.0).to_dict()
    json.dumps(d)
    assert d["niosh"] == "below the NIOSH action limit (3400 N)"
    assert d["compression_vs_action_limit"] == pytest.approx(d["compression_n"] / 3400.0)
    assert d["exceeds_shear_limit"] is False
    assert any("extensor" in a for a in d["assumptions"])
    heavy = static_lumbar_load(60.0, 90.0, extensor_moment_arm_m=0.035).to_dict()
    assert 3400.0 < heavy["compression_n"] < 6400.0
    assert heavy["niosh"] == "above the NIOSH action limit (3400 N)"
    worst = static_lumbar_load(60.0, 150.0, extensor_moment_arm_m=0.02).to_dict()
    assert worst["compression_n"] > 6400.0
    assert worst["niosh"] == "above the NIOSH maximum (6400 N)"
