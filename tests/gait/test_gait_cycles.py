"""Strides and time normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from kinechain.gait import Stride, cycle_curves, normalise_cycles, strides
from kinechain.trial import Event


def _ev(side: str, kind: str, *times: float) -> list[Event]:
    return [Event(side, kind, t, "test") for t in times]  # type: ignore[arg-type]


def test_strides_pair_strikes_with_the_foot_off_inside() -> None:
    events = (
        _ev("left", "foot_strike", 0.0, 1.0, 2.0, 3.0)
        + _ev("left", "foot_off", 0.6, 1.6, 2.55, 2.65)  # two offs in the third stride
        + _ev("right", "foot_strike", 0.5, 1.5)
        + _ev("right", "foot_off", 0.1, 1.1)
    )
    left = strides(events, "left")
    assert left == [Stride(0.0, 1.0, 0.6), Stride(1.0, 2.0, 1.6)]
    start, end, fo = left[0]
    assert (start, end, fo) == (0.0, 1.0, 0.6)
    assert left[0].foot_off_pct == pytest.approx(60.0)
    assert left[1].duration == pytest.approx(1.0)
    # Right: one stride, whose foot off (1.1) lies inside 0.5-1.5.
    assert strides(events, "right") == [Stride(0.5, 1.5, 1.1)]


def test_strides_rejects_missing_off_and_implausible_durations() -> None:
    events = _ev("left", "foot_strike", 0.0, 1.0, 1.2, 7.0) + _ev("left", "foot_off", 1.1, 3.0)
    # 0-1: no off; 1-1.2: too short (0.2 s) but holds 1.1; 1.2-7: too long.
    assert strides(events, "left") == []
    assert strides(events, "left", min_s=0.1) == [Stride(1.0, 1.2, 1.1)]
    assert strides([], "left") == []


def test_normalise_linear_signal_exactly() -> None:
    t = np.linspace(0.0, 3.0, 301)
    y = 2.0 * t + 1.0
    cyc = normalise_cycles(t, y, [(0.5, 1.5), Stride(1.0, 2.2, 1.7)])
    assert cyc.shape == (2, 101)
    np.testing.assert_allclose(cyc[0], 2.0 * np.linspace(0.5, 1.5, 101) + 1.0, atol=1e-12)
    np.testing.assert_allclose(cyc[1], 2.0 * np.linspace(1.0, 2.2, 101) + 1.0, atol=1e-12)
    assert normalise_cycles(t, y, [(0.0, 1.0)], n_points=51).shape == (1, 51)
    assert normalise_cycles(t, y, []).shape == (0, 101)


def test_normalise_sine_is_close_and_periodic() -> None:
    t = np.arange(0, 400) / 100.0
    y = np.sin(2 * np.pi * t / 1.1)
    cyc = normalise_cycles(t, y, [(0.3, 1.4), (1.4, 2.5)])
    expected = np.sin(2 * np.pi * (0.3 + np.linspace(0, 1.1, 101)) / 1.1)
    np.testing.assert_allclose(cyc[0], expected, atol=2e-3)
    np.testing.assert_allclose(cyc[0], cyc[1], atol=2e-3)


def test_normalise_nan_and_out_of_range() -> None:
    t = np.arange(0, 200) / 100.0
    y = t.copy()
    y[50] = np.nan
    cyc = normalise_cycles(t, y, [(0.0, 1.0), (1.0, 1.99), (1.5, 2.5)])
    # Points next to the NaN sample (0.49-0.51 s) are NaN, the rest exact.
    bad = ~np.isfinite(cyc[0])
    assert bad.sum() >= 1 and np.all(np.abs(np.linspace(0, 1, 101)[bad] - 0.5) < 0.011)
    np.testing.assert_allclose(cyc[0][~bad], np.linspace(0, 1, 101)[~bad], atol=1e-12)
    assert np.isfinite(cyc[1]).all()
    # The third stride runs past the end of the data.
    assert np.isnan(cyc[2][-1]) and np.isfinite(cyc[2][0])


def test_normalise_shape_mismatch() -> None:
    with pytest.raises(ValueError, match="equal 1-D shapes"):
        normalise_cycles(np.arange(5.0), np.arange(4.0), [(0, 1)])


def test_cycle_curves_by_side() -> None:
    t = np.arange(0, 300) / 100.0
    angles = {"left_knee_flexion": 10 * t, "right_knee_flexion": -t, "pelvis": t}
    events = (
        _ev("left", "foot_strike", 0.2, 1.2)
        + _ev("left", "foot_off", 0.8)
        + _ev("right", "foot_strike", 0.7, 1.7, 2.7)
        + _ev("right", "foot_off", 1.3, 2.3)
    )
    cyc = cycle_curves(t, angles, events)
    assert set(cyc) == {"left", "right"}
    assert cyc["left"]["knee_flexion"].shape == (1, 101)
    assert cyc["right"]["knee_flexion"].shape == (2, 101)
    assert cyc["left"]["knee_flexion"][0, 0] == pytest.approx(2.0)
    assert "pelvis" not in cyc["left"]
