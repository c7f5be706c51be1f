"""Spatiotemporal parameters: a worked example with known answers, and HC032A03."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from kinechain.gait import PARAMETERS, detect_events, spatiotemporal
from kinechain.trial import Event, Subject, Trial


def _ev(side: str, kind: str, *times: float) -> list[Event]:
    return [Event(side, kind, t, "test") for t in times]  # type: ignore[arg-type]


@pytest.fixture()
def worked() -> tuple[Trial, tuple[Event, ...]]:
    """Steady walking at 1.2 m/s along +x, 1 s strides, the two sides half a cycle apart.

    Left strikes at 0, 1, 2 s and leaves the ground at 0.6, 1.6 s; right strikes at 0.5,
    1.5, 2.5 s and leaves at 0.1, 1.1, 2.1 s. Heels 0.10 m apart sideways. Expected per
    stride: stride time 1 s, cadence 120 steps/min, speed 1.2 m/s, stride length 1.2 m, step
    length 0.6 m, step width 0.10 m, step time 0.5 s, stance 60 %, swing 40 %, opposite foot
    off 10 %, opposite foot strike 50 %, double support 10 + 10 = 20 %, single support 40 %.
    """
    rate = 100.0
    t = np.arange(0, 301) / rate
    v = 1.2

    def track(y: float) -> np.ndarray:
        # Only the heel positions at the strikes matter; x = v t matches them at every strike.
        return np.column_stack([v * t, np.full_like(t, y), np.full_like(t, 0.03)])

    def pelvis(dy: float) -> np.ndarray:
        return np.column_stack([v * t + 0.1, np.full_like(t, dy), np.full_like(t, 0.9)])

    trial = Trial(
        source="worked",
        point_rate=rate,
        first_frame=1,
        n_frames=t.size,
        markers={
            "LHEE": track(0.05),
            "RHEE": track(-0.05),
            "LASI": pelvis(0.12),
            "RASI": pelvis(-0.12),
            "SACR": pelvis(0.0),
        },
        subject=Subject(leg_length_m={"left": 0.9, "right": 0.9}),
    )
    events = tuple(
        _ev("left", "foot_strike", 0.0, 1.0, 2.0)
        + _ev("left", "foot_off", 0.6, 1.6)
        + _ev("right", "foot_strike", 0.5, 1.5, 2.5)
        + _ev("right", "foot_off", 0.1, 1.1, 2.1)
    )
    return trial, events


EXPECTED = {
    "cadence": 120.0,
    "speed": 1.2,
    "stride_time": 1.0,
    "step_time": 0.5,
    "stride_length": 1.2,
    "step_length": 0.6,
    "step_width": 0.10,
    "stance": 60.0,
    "swing": 40.0,
    "single_support": 40.0,
    "double_support": 20.0,
    "opposite_foot_off": 10.0,
    "opposite_foot_strike": 50.0,
}


def test_worked_example(worked: tuple[Trial, tuple[Event, ...]]) -> None:
    trial, events = worked
    st = spatiotemporal(trial, events)
    assert set(st) == {"left", "right", "overall"}
    assert st["left"]["cadence"]["n"] == 2 and st["right"]["cadence"]["n"] == 2
    assert st["overall"]["cadence"]["n"] == 4
    for side in ("left", "right", "overall"):
        for name, value in EXPECTED.items():
            entry = st[side][name]
            assert entry["unit"] == PARAMETERS[name][0]
            assert entry["mean"] == pytest.approx(value, abs=1e-9), (side, name)
            assert entry["sd"] == pytest.approx(0.0, abs=1e-9), (side, name)
            assert len(entry["per_stride"]) == entry["n"]
    # Hof (1996) dimensionless values with L = 0.9 m.
    g = 9.80665
    assert st["left"]["speed_dimensionless"]["mean"] == pytest.approx(1.2 / math.sqrt(g * 0.9))
    assert st["left"]["cadence_dimensionless"]["mean"] == pytest.approx(2.0 / math.sqrt(g / 0.9))
    assert st["left"]["step_length_dimensionless"]["mean"] == pytest.approx(0.6 / 0.9)


def test_units_and_sd_of_unequal_strides(worked: tuple[Trial, tuple[Event, ...]]) -> None:
    trial, _ = worked
    # Left strides of 1.0 and 1.2 s: cadence 120 and 100 steps/min.
    events = (
        _ev("left", "foot_strike", 0.0, 1.0, 2.2)
        + _ev("left", "foot_off", 0.6, 1.7)
        + _ev("right", "foot_strike", 0.5)
        + _ev("right", "foot_off", 0.1)
    )
    st = spatiotemporal(trial, events)
    cad = st["left"]["cadence"]
    assert cad["per_stride"] == pytest.approx([120.0, 100.0])
    assert cad["mean"] == pytest.approx(110.0)
    assert cad["sd"] == pytest.approx(np.std([120.0, 100.0], ddof=1))
    # The second stride has no opposite events inside: support phases are NaN there.
    ss = st["left"]["single_support"]
    assert ss["n"] == 1 and math.isnan(ss["per_stride"][1])
    assert st["right"]["cadence"]["n"] == 0 and math.isnan(st["right"]["cadence"]["mean"])


def test_norms_give_z_scores(worked: tuple[Trial, tuple[Event, ...]]) -> None:
    trial, events = worked
    st = spatiotemporal(trial, events, norms="schwartz2008_free")
    stance = st["left"]["stance"]
    # Schwartz 2008 free speed: ipsilateral foot off 59 ± 2 % of the cycle.
    assert stance["norm_mean"] == pytest.approx(59.0)
    assert stance["norm_sd"] == pytest.approx(2.0)
    assert stance["z"] == pytest.approx(0.5)
    assert "norm_mean" not in st["left"]["stride_length"]


def test_without_markers_only_temporal(worked: tuple[Trial, tuple[Event, ...]]) -> None:
    trial, events = worked
    bare = replace(trial, markers={}, subject=Subject())
    st = spatiotemporal(bare, events)
    assert st["left"]["cadence"]["mean"] == pytest.approx(120.0)
    assert math.isnan(st["left"]["stride_length"]["mean"])
    assert "speed_dimensionless" not in st["left"]


def test_hc032_plausible(hc032_raw_trial: Trial) -> None:
    events = detect_events(hc032_raw_trial)
    st = spatiotemporal(hc032_raw_trial, events, norms="schwartz2008_free")
    ov = st["overall"]
    # One stride per side in this 2.1 s walk of a child (1.58 m, 60 kg).
    assert st["left"]["cadence"]["n"] == 1 and st["right"]["cadence"]["n"] == 1
    # Measured: cadence 114.8 steps/min, speed 1.17 m/s, stride 1.20 m, step 0.59 m,
    # step width 0.11 m, stance 59.5 %, double support 20.3 %.
    assert 100 <= ov["cadence"]["mean"] <= 140
    assert 0.9 <= ov["speed"]["mean"] <= 1.4
    assert 1.0 <= ov["stride_length"]["mean"] <= 1.4
    assert 0.45 <= ov["step_length"]["mean"] <= 0.7
    assert 0.05 <= ov["step_width"]["mean"] <= 0.2
    assert 55 <= ov["stance"]["mean"] <= 65
    assert 15 <= ov["double_support"]["mean"] <= 25
    # With the leg length of the file (0.80 m), speed, cadence and step length are typical of
    # the free-speed children of Schwartz et al. (2008): measured z -0.5, -0.5, -0.4.
    for name in ("speed_dimensionless", "cadence_dimensionless", "step_length_dimensionless"):
        assert abs(ov[name]["z"]) < 1.5, (name, ov[name])
    # Speed from the pelvis and from stride length / stride time agree.
    assert ov["speed"]["mean"] == pytest.approx(
        ov["stride_length"]["mean"] / ov["stride_time"]["mean"], rel=0.05
    )
