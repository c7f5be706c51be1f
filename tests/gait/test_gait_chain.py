"""Kinetic-chain measures: a synthetic walk with known answers, and HC032A03."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from kinechain.gait import (
    ChainMeasures,
    NormSet,
    ScalarNorm,
    chain_measures,
    detect_events,
    heel_heights,
    strides,
)
from kinechain.trial import Event, Trial

RATE = 100.0
T = np.arange(0, 301) / RATE


def _phase(shift: float) -> np.ndarray:
    return np.mod(T - shift, 1.0)


def _synthetic(shift: float) -> dict[str, np.ndarray]:
    """Angles of one side as functions of its cycle phase (1 s strides, foot off at 60 %)."""
    ph = _phase(shift)
    stance = ph < 0.6
    df = np.where(stance, 12 * np.sin(np.pi * ph / 0.6), -10 * np.sin(np.pi * (ph - 0.6) / 0.4))
    knee = np.where(
        stance, 10 - 13 * np.sin(np.pi * ph / 0.6), 10 + 50 * np.sin(np.pi * (ph - 0.6) / 0.4)
    )
    return {
        "ankle_dorsiflexion": df,
        "knee_flexion": knee,
        "hip_flexion": 30 * np.cos(2 * np.pi * ph),
        "pelvic_tilt": 15 + 2 * np.sin(2 * np.pi * ph),
        "spine_flexion": -10 - 3 * np.cos(2 * np.pi * ph),
        "foot_progression": np.full_like(T, -8.0),
    }


def _heel(shift: float) -> np.ndarray:
    ph = _phase(shift)
    landing = np.where(ph < 0.1, 0.03 - 0.1 * ph, 0.02)
    return landing + 0.25 * np.clip(ph - 0.4, 0, None)


def _events() -> tuple[Event, ...]:
    ev = [Event("left", "foot_strike", t, "test") for t in (0.0, 1.0, 2.0)]
    ev += [Event("left", "foot_off", t, "test") for t in (0.6, 1.6)]
    ev += [Event("right", "foot_strike", t, "test") for t in (0.5, 1.5, 2.5)]
    ev += [Event("right", "foot_off", t, "test") for t in (0.1, 1.1, 2.1)]
    return tuple(ev)


def _norms(with_scalars: bool) -> NormSet:
    p = np.linspace(0, 100, 101)
    variables = {
        "ankle_dorsiflexion": (10 * np.sin(np.pi * np.clip(p, 0, 60) / 60), np.full(101, 2.0)),
        "knee_flexion": (20 - 15 * np.sin(np.pi * np.clip(p, 0, 60) / 60), np.full(101, 4.0)),
    }
    scalars = {}
    if with_scalars:
        scalars = {
            "ankle_dorsiflexion_peak_stance": ScalarNorm(10.0, 2.0, "deg"),
            "knee_flexion_min_stance": ScalarNorm(3.0, 2.4, "deg"),
            "pelvic_tilt_mean": ScalarNorm(12.0, 4.0, "deg"),
            "pelvic_tilt_range": ScalarNorm(4.0, 1.0, "deg"),
            "stance": ScalarNorm(60.0, 2.0, "% cycle"),
        }
    return NormSet("synthetic", "", variables, scalars)


@pytest.fixture()
def measures() -> ChainMeasures:
    angles = {f"left_{k}": v for k, v in _synthetic(0.0).items()}
    angles |= {f"right_{k}": v for k, v in _synthetic(0.5).items()}
    heel = {"left": _heel(0.0), "right": _heel(0.5)}
    return chain_measures(T, angles, _events(), _norms(True), heel_height=heel)


def test_synthetic_values(measures: ChainMeasures) -> None:
    left = measures.sides["left"]
    assert len(left["peak_stance_dorsiflexion"].per_stride) == 2
    assert left["peak_stance_dorsiflexion"].mean == pytest.approx(12.0)
    assert left["peak_stance_dorsiflexion"].sd == pytest.approx(0.0)
    assert left["peak_stance_dorsiflexion_time"].mean == pytest.approx(30.0)
    assert left["peak_stance_dorsiflexion_time_stance"].mean == pytest.approx(50.0)
    # Heel 5 mm above foot flat at 42 % of the cycle; DF there 12 sin(0.7 pi).
    assert left["heel_rise_time"].mean == pytest.approx(42.0, abs=0.05)
    assert left["dorsiflexion_at_heel_rise"].mean == pytest.approx(
        12 * math.sin(0.7 * math.pi), abs=0.05
    )
    assert left["knee_flexion_min_stance"].mean == pytest.approx(-3.0)
    assert "hyperextension" in left["knee_flexion_min_stance"].interpretation
    assert left["hip_flexion_min"].mean == pytest.approx(-30.0)
    assert left["pelvic_tilt_mean"].mean == pytest.approx(15.0, abs=0.03)
    assert left["pelvic_tilt_range"].mean == pytest.approx(4.0)
    assert left["trunk_extension_mean"].mean == pytest.approx(10.0 + 3.0 / 101)
    assert left["trunk_extension_peak"].mean == pytest.approx(13.0)
    assert left["foot_progression_mean_stance"].mean == pytest.approx(-8.0)
    right = measures.sides["right"]
    assert len(right["peak_stance_dorsiflexion"].per_stride) == 2
    assert right["peak_stance_dorsiflexion"].mean == pytest.approx(12.0)


def test_scalar_norms_and_z(measures: ChainMeasures) -> None:
    left = measures.sides["left"]
    pk = left["peak_stance_dorsiflexion"]
    assert (pk.norm_mean, pk.norm_sd, pk.norm_source) == (
        10.0,
        2.0,
        "scalar:ankle_dorsiflexion_peak_stance",
    )
    assert pk.z == pytest.approx(1.0)
    assert pk.interpretation == "1–2 SD above the norm"
    knee = left["knee_flexion_min_stance"]
    assert knee.z == pytest.approx(-2.5)
    assert knee.interpretation.startswith("more than 2 SD below the norm")
    assert left["pelvic_tilt_mean"].z == pytest.approx(0.75, abs=0.01)
    assert left["pelvic_tilt_range"].z == pytest.approx(0.0)
    # No normative trunk or heel-rise data in this set.
    assert left["trunk_extension_mean"].z is None
    assert left["trunk_extension_mean"].norm_source == "none"
    assert left["heel_rise_time"].norm_mean is None


def test_curve_derived_norms() -> None:
    angles = {f"left_{k}": v for k, v in _synthetic(0.0).items()}
    cm = chain_measures(T, angles, _events(), _norms(False), heel_height={"left": _heel(0.0)})
    left = cm.sides["left"]
    pk = left["peak_stance_dorsiflexion"]
    # Peak of the normative mean curve within 0-60 % (no stance scalar): 10 at 30 %, SD 2.
    assert (pk.norm_mean, pk.norm_sd, pk.norm_source) == pytest.approx((10.0, 2.0, "curve"))
    assert pk.z == pytest.approx(1.0)
    timing = left["peak_stance_dorsiflexion_time"]
    assert timing.norm_mean == pytest.approx(30.0) and timing.norm_sd is None
    assert timing.z is None
    knee = left["knee_flexion_min_stance"]
    assert knee.norm_mean == pytest.approx(5.0) and knee.z == pytest.approx(-2.0)
    # DF at heel rise against the normative curve at the subject's heel-rise instant (42 %).
    at = left["dorsiflexion_at_heel_rise"]
    assert at.norm_mean == pytest.approx(10 * math.sin(math.pi * 42 / 60), abs=0.02)
    assert "pelvic_tilt_mean" in left and left["pelvic_tilt_mean"].norm_source == "none"
    assert cm.sides["right"] == {}


def test_json_ready(measures: ChainMeasures) -> None:
    d = measures.to_dict()
    assert d["norms"] == "synthetic"
    entry = d["left"]["peak_stance_dorsiflexion"]
    for key in ("value", "unit", "per_stride", "mean", "sd", "norm_mean", "norm_sd", "z"):
        assert key in entry
    assert entry["unit"] == "deg" and entry["link"] == "ankle"
    json.dumps(d)


def test_hc032_against_vicon_angles(
    hc032_raw_trial: Trial, hc032_angles: dict[str, np.ndarray]
) -> None:
    events = detect_events(hc032_raw_trial)
    cm = chain_measures(
        hc032_raw_trial.time, hc032_angles, events, heel_height=heel_heights(hc032_raw_trial)
    )
    t = hc032_raw_trial.time
    for side in ("left", "right"):
        (stride,) = strides(events, side)
        stance = (t >= stride.start) & (t <= stride.foot_off)
        m = cm.sides[side]
        # Independent check on the raw samples (1 % resampling may differ by a little).
        df = hc032_angles[f"{side}_ankle_dorsiflexion"][stance]
        assert m["peak_stance_dorsiflexion"].mean == pytest.approx(df.max(), abs=0.2)
        knee = hc032_angles[f"{side}_knee_flexion"][stance]
        assert m["knee_flexion_min_stance"].mean == pytest.approx(knee.min(), abs=0.2)
        # Heel rise inside stance, before foot off.
        assert 15.0 < m["heel_rise_time"].mean < stride.foot_off_pct
        # Trunk relative to the pelvis is extended ~13 deg (pelvis tilted ~18 deg forward).
        assert 8.0 < m["trunk_extension_mean"].mean < 18.0
        assert m["pelvic_tilt_mean"].z is not None and m["pelvic_tilt_mean"].z > 1.0
    # Measured: left peak DF 13.8, right 7.9 deg; right knee -1.2 deg (hyperextension).
    assert cm.sides["right"]["knee_flexion_min_stance"].mean < 0
    assert (
        cm.sides["left"]["peak_stance_dorsiflexion"].mean
        > cm.sides["right"]["peak_stance_dorsiflexion"].mean
    )
