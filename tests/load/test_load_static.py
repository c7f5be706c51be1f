"""Static L5/S1 model: the reference sheet's hand-worked table (clinical.md §6c)."""

from __future__ import annotations

import pytest

from kinechain.chain import Finding
from kinechain.load import NIOSH_ACTION_LIMIT_N, standing_lumbar_summary, static_lumbar_load

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
