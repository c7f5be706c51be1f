"""L5/S1 load through the gait cycle (HC032A03) and in standing (HC032A01)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from kinechain.errors import MarkerSetError
from kinechain.kinematics import compute_pig
from kinechain.kinematics._pig import PigResult, SegmentPose
from kinechain.load import (
    LumbarLoad,
    inverse_dynamics,
    l5s1_position,
    lumbar_load,
    upper_body,
)
from kinechain.load._dynamics import gravity_vector, newton_euler_step
from kinechain.load._lumbar import pelvis_state
from kinechain.trial import Trial

HC032_MASS_KG = 60.3  # MANIFEST.md


def test_l5s1_regression_by_hand() -> None:
    n = 3
    eye = np.broadcast_to(np.eye(3), (n, 3, 3)).copy()
    asis = {"LASI": [0.1, 0.12, 1.0], "RASI": [0.1, -0.12, 1.0]}
    trial = Trial(
        "synthetic", 100.0, 1, n, markers={k: np.tile(v, (n, 1)) for k, v in asis.items()}
    )

    @dataclass
    class M:
        segments: dict[str, Any] = field(
            default_factory=lambda: {"pelvis": SegmentPose(np.zeros((n, 3)), eye)}
        )
        joint_centres: dict[str, np.ndarray] = field(default_factory=dict)
        angles_deg: dict[str, np.ndarray] = field(default_factory=dict)
        calibration: dict[str, float] = field(default_factory=dict)

    # Dumas & Wojtusch 2018, men: −33.5 % w anterior, −3.2 % w superior of mid-ASIS.
    pos, width = l5s1_position(trial, M(), "male")
    assert width == pytest.approx(0.24)
    assert pos[0] == pytest.approx([0.1 - 0.335 * 0.24, 0.0, 1.0 - 0.032 * 0.24])
    pos_f, _ = l5s1_position(trial, M(), "female")
    assert pos_f[0] == pytest.approx([0.1 - 0.340 * 0.24, 0.0, 1.0 + 0.049 * 0.24])
    del trial.markers["LASI"]
    with pytest.raises(MarkerSetError, match="LASI"):
        l5s1_position(trial, M(), "male")


def test_whole_lower_body_equals_the_recursion(walk: Trial, pig: PigResult) -> None:
    """Summed over both legs, foot → shank → thigh → pelvis is the lower body's balance."""
    stature = 1.58
    lum = lumbar_load(
        walk, pig, body_mass_kg=HC032_MASS_KG, stature_m=stature, force_cutoff_hz=None
    )
    jm = inverse_dynamics(walk, pig, body_mass_kg=HC032_MASS_KG)  # raw plates too
    hips = {s: jm.joint_centres[f"{s}_hip"] for s in ("left", "right")}
    mid = 0.5 * (hips["left"] + hips["right"])
    f_d = -(jm.force_lab["left_hip"] + jm.force_lab["right_hip"])
    m_d = sum(
        -jm.moment_lab[f"{s}_hip"] + np.cross(hips[s] - mid, -jm.force_lab[f"{s}_hip"])
        for s in ("left", "right")
    )
    pel = pelvis_state(pig, mid, lum.l5s1, HC032_MASS_KG, None, stature, 100.0, 6.0)
    f_p, m_p = newton_euler_step(pel, f_d, np.asarray(m_d), mid, gravity_vector(walk))
    both = lum.valid & jm.valid["left"] & jm.valid["right"]
    assert both.sum() > 60
    np.testing.assert_allclose(lum.force[both], -f_p[both], atol=1e-6)
    np.testing.assert_allclose(lum.moment[both], -m_p[both], atol=1e-6)


def test_hc032_walk(lumbar: LumbarLoad) -> None:
    d = lumbar.to_dict()
    json.dumps(d)
    # Valid from the left foot off (~1.81 s) to just before the right foot lands off the
    # plates (~2.68 s): about 40 % of the 2.1 s trial.
    assert 0.35 < lumbar.coverage < 0.5
    w_ub = upper_body(None).mass_fraction * HC032_MASS_KG * 9.81
    assert lumbar.upper_body_weight_n == pytest.approx(w_ub)
    ok = lumbar.valid
    # Vertical force on the upper body: its weight ± its vertical accelerations.
    fz = lumbar.force[ok, 2]
    assert np.mean(fz) == pytest.approx(w_ub, rel=0.1)
    assert fz.min() > 0.5 * w_ub and fz.max() < 1.5 * w_ub
    # Compression: above the upper body's weight on average, peaks ~1.2 body weights, far
    # below the NIOSH action limit.
    assert w_ub < d["mean_compression_n"] < 2 * w_ub
    assert 1.0 < d["peak_compression_bw"] < 1.6
    assert d["exceeds_action_limit"] is False and d["exceeds_shear_limit"] is False
    assert d["niosh_action_limit_n"] == 3400.0 and d["niosh_max_limit_n"] == 6400.0
    assert d["peak_shear_n"] < 200.0
    # One stride per side; the right stride is covered for ~80 %.
    cycles = {c["side"]: c for c in d["cycles"]}
    assert set(cycles) == {"left", "right"}
    assert 0.7 < cycles["right"]["coverage"] < 0.9
    assert cycles["right"]["peak_compression_n"] <= d["peak_compression_n"]
    # Per-frame values exist exactly where valid.
    assert np.isfinite(lumbar.compression_n[ok]).all()
    assert np.isnan(lumbar.compression_n[~ok]).all()
    assert d["assumptions"] and "peak_stance_dorsiflexion_deg" in d


def test_unmeasured_landing_is_dropped(lumbar: LumbarLoad) -> None:
    # The right foot lands on the floor, off the plates, a few frames before the strike found
    # from kinematics (2.72 s); the measured ground reaction then falls short and the residual
    # check drops those frames.
    assert any("frames dropped" in w for w in lumbar.warnings)
    t = lumbar.time
    assert not lumbar.valid[(t > 2.685) & (t < 2.75)].any()
    assert lumbar.valid[(t > 2.0) & (t < 2.6)].all()


def test_standing_bottom_up_agrees_with_top_down(static: Trial) -> None:
    """Quiet standing (HC032A01, both feet on one plate): the two estimates must agree up to
    the error of the body model's centre of mass."""
    pig = compute_pig(static, static, flat_foot=True)
    lum = lumbar_load(static, pig, body_mass_kg=HC032_MASS_KG)
    assert lum.coverage > 0.95  # both feet on plate 1: the total ground reaction is known
    ok = lum.valid
    # Vertical force = weight above L5/S1 (same mass partition in both models).
    assert np.mean(lum.force[ok, 2]) == pytest.approx(lum.upper_body_weight_n, rel=0.01)
    bu = float(np.mean(lum.extension_moment_nm[ok]))
    td = float(np.mean(lum.top_down_extension_moment_nm[ok]))
    # 8 N·m = the 60 kg body's CoM 1.4 cm from where the segment model puts it.
    assert abs(bu - td) < 10.0
    assert np.mean(lum.compression_n[ok]) == pytest.approx(
        np.mean(lum.top_down_compression_n[ok]), rel=0.15
    )


def test_options_and_speed(walk: Trial, pig: PigResult) -> None:
    t0 = time.perf_counter()
    lumbar_load(walk, pig, body_mass_kg=HC032_MASS_KG, sex="female", extensor_moment_arm_m=0.06)
    assert time.perf_counter() - t0 < 0.5
