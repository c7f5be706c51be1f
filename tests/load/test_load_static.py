"""Static L5/S1 model: the reference sheet's hand-worked table (clinical.md §6c)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from kinechain.chain import Finding
from kinechain.load import (
    NIOSH_ACTION_LIMIT_N,
    NIOSH_MAX_LIMIT_N,
    SHEAR_LIMIT_N,
    single_equivalent_muscle,
    standing_lumbar_summary,
    static_lumbar_load,
)

# 70 kg person, upper body 55 % BW = 378 N, CoM 0.22 m from L5/S1 and 2 cm anterior upright,
# extensor moment arm 5 cm: (flexion°, moment N·m, extensor force N, compression N)
TABLE = [
    (0, 7.6, 151, 530),
    (15, 28.8, 576, 940),
    (30, 48.1, 962, 1290),
    (45, 64.1, 1282, 1550),
    (60, 75.7, 1515, 1700),
]
MASS_378N = 378.0 / (0.55 * 9.81)


@pytest.mark.parametrize(("flexion", "moment", "force", "compression"), TABLE)
def test_reference_table(flexion: float, moment: float, force: float, compression: float) -> None:
    r = static_lumbar_load(flexion, MASS_378N)
    assert r.upper_body_weight_n == pytest.approx(378.0)
    assert r.moment_nm == pytest.approx(moment, abs=0.15)
    assert r.extensor_force_n == pytest.approx(force, abs=2.0)
    # the sheet rounds compression to the nearest 10 N
    assert r.compression_n == pytest.approx(compression, abs=10.0)


def test_shear_grows_with_disc_inclination() -> None:
    upright = static_lumbar_load(0.0, 70.0)
    tilted = static_lumbar_load(0.0, 70.0, disc_extra_inclination_deg=10.0)
    # S = W sin(10°) with W = 0.55 · 70 · 9.81 = 377.7 N → 65.6 N
    assert upright.shear_n == pytest.approx(0.0)
    assert tilted.shear_n == pytest.approx(377.69 * 0.173648, abs=0.1)


def _finding(fid: str, value: float) -> Finding:
    return Finding(
        fid,
        "left",
        "ankle",
        fid,
        value,
        "deg",
        10.0,
        None,
        True,
        "moderate",
        "ankle_df_gait",
        "",
        "gait",
    )


def test_standing_summary_and_counterfactual() -> None:
    plain = standing_lumbar_summary(body_mass_kg=70.0, height_m=1.75)
    assert plain["compression_n"] == pytest.approx(529.2, abs=1.0)
    assert plain["compression_share_of_action_limit"] == pytest.approx(
        529.2 / NIOSH_ACTION_LIMIT_N, abs=1e-3
    )
    assert "counterfactual" not in plain
    # peak stance DF 2° → deficit 8°; central coupling 0.25 → 2° of disc tilt;
    # shear = 377.7 · sin 2° = 13.2 N, all of it from the compensation (share 1.0)
    cf = standing_lumbar_summary(
        body_mass_kg=70.0, height_m=1.75, findings=[_finding("ankle_peak_df_restricted", 2.0)]
    )["counterfactual"]
    assert cf["dorsiflexion_deficit_deg"] == pytest.approx(8.0)
    central = cf["estimates"]["central"]
    assert central["extra_disc_inclination_deg"] == pytest.approx(2.0)
    assert central["shear_n"] == pytest.approx(13.18, abs=0.05)
    assert cf["estimates"]["low"]["shear_share_from_compensation"] == 0.0
    assert "Model estimate" in cf["statement"]


# --------------------------------------------------------------------------- more hand checks


def test_hand_check_at_30_degrees() -> None:
    # M = W (0.22 sin 30° + 0.02 cos 30°); C = M / 0.05 + W cos 30°; S = W sin 30° (the pelvis
    # turns with the trunk, so the disc normal leans 30°).
    r = static_lumbar_load(30.0, 70.0, height_m=1.75)
    w = 0.55 * 70.0 * 9.81
    m = w * (0.22 * 0.5 + 0.02 * math.cos(math.pi / 6))
    assert r.moment_nm == pytest.approx(m)
    assert r.compression_n == pytest.approx(m / 0.05 + w * math.cos(math.pi / 6))
    assert r.shear_n == pytest.approx(w * 0.5)
    assert r.disc_inclination_deg == pytest.approx(30.0)
    # Scaled with stature: a 1.40 m person has 0.176 m and 0.016 m.
    small = static_lumbar_load(30.0, 70.0, height_m=1.40)
    assert small.moment_nm == pytest.approx(0.8 * m)


def test_measured_pelvic_tilt_turns_load_into_shear() -> None:
    upright = static_lumbar_load(0.0, 70.0)
    tilted = static_lumbar_load(0.0, 70.0, pelvic_tilt_deg=13.0 + 10.0)  # 10° above reference
    w = upright.upper_body_weight_n
    assert tilted.disc_inclination_deg == pytest.approx(10.0)
    assert tilted.shear_n == pytest.approx(w * math.sin(math.radians(10.0)))
    # Trunk still upright: same moment, less of the weight along the disc normal.
    assert tilted.moment_nm == pytest.approx(upright.moment_nm)
    assert tilted.compression_n == pytest.approx(
        upright.compression_n - w * (1 - math.cos(math.radians(10.0)))
    )
    # Pelvis at the reference while the trunk flexes 20° (all lumbar flexion): no shear.
    lumbar_only = static_lumbar_load(20.0, 70.0, pelvic_tilt_deg=13.0)
    assert lumbar_only.shear_n == pytest.approx(0.0, abs=1e-9)


def test_options_and_bad_values() -> None:
    short = static_lumbar_load(20.0, 80.0, moment_arm_m=0.04)
    long = static_lumbar_load(20.0, 80.0, moment_arm_m=0.06)
    assert short.extensor_force_n == pytest.approx(1.5 * long.extensor_force_n)
    own = static_lumbar_load(0.0, 70.0, com_height_m=0.30, com_anterior_m=0.0)
    assert own.moment_nm == pytest.approx(0.0)
    for bad in ({"moment_arm_m": 0.0}, {"height_m": -1.0}, {"upper_body_fraction": 1.2}):
        with pytest.raises(ValueError):
            static_lumbar_load(0.0, 70.0, **bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        static_lumbar_load(0.0, 0.0)


def test_single_equivalent_muscle_by_hand() -> None:
    muscle, comp, shear = single_equivalent_muscle([50.0, -20.0], [400.0, 300.0], [-30.0, 10.0])
    np.testing.assert_allclose(muscle, [1000.0, 400.0])  # |M| / 0.05
    np.testing.assert_allclose(comp, [1400.0, 700.0])
    np.testing.assert_allclose(shear, [30.0, -10.0])
    with pytest.raises(ValueError):
        single_equivalent_muscle(1.0, 1.0, 1.0, moment_arm_m=0.0)


def test_limits_and_report_dict() -> None:
    assert (NIOSH_ACTION_LIMIT_N, NIOSH_MAX_LIMIT_N, SHEAR_LIMIT_N) == (3400.0, 6400.0, 1000.0)
    d = static_lumbar_load(0.0, 70.0).to_dict()
    json.dumps(d)
    assert d["niosh"] == "below the NIOSH action limit (3400 N)"
    assert d["compression_share_of_action_limit"] == pytest.approx(d["compression_n"] / 3400.0)
    assert d["exceeds_shear_limit"] is False
    assert any("extensor" in a for a in d["assumptions"])
    heavy = static_lumbar_load(60.0, 110.0, moment_arm_m=0.03)
    assert 3400.0 < heavy.compression_n < 6400.0
    assert heavy.to_dict()["niosh"] == "above the NIOSH action limit (3400 N)"
    worst = static_lumbar_load(60.0, 150.0, moment_arm_m=0.02)
    assert worst.compression_n > 6400.0
    assert worst.to_dict()["niosh"] == "above the NIOSH maximum permissible limit (6400 N)"
