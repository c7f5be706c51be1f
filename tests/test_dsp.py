"""The small DSP kernels reproduce scipy.signal exactly (they replace it to cut start-up)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from kinechain._dsp import butter2_lowpass, filtfilt2, find_peaks


@pytest.mark.parametrize("wn", [0.012, 0.06, 0.12, 0.3, 0.8])
def test_butterworth_matches_scipy(wn: float) -> None:
    b, a = butter2_lowpass(wn)
    sb, sa = signal.butter(2, wn)
    np.testing.assert_allclose(b, sb, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a, sa, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("n", "padlen"), [(211, 9), (2110, 9), (40, 9), (12, 9), (30, 0)])
def test_filtfilt_matches_scipy(n: int, padlen: int) -> None:
    rng = np.random.default_rng(n)
    t = np.arange(n) / 100.0
    x = np.column_stack(
        [np.sin(2 * np.pi * 1.1 * t) + 0.1 * rng.standard_normal(n), 3.0 + t**2, rng.random(n)]
    )
    b, a = butter2_lowpass(6.0 / 50.0)
    ours = filtfilt2(b, a, x, padlen=padlen)
    ref = signal.filtfilt(b, a, x, axis=0, padlen=padlen)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9)


def test_filtfilt_keeps_shape_of_stacked_rotations() -> None:
    x = np.random.default_rng(1).random((50, 3, 3))
    b, a = butter2_lowpass(0.2)
    ours = filtfilt2(b, a, x.reshape(50, 9), padlen=9).reshape(50, 3, 3)
    ref = signal.filtfilt(b, a, x.reshape(50, 9), axis=0, padlen=9).reshape(50, 3, 3)
    np.testing.assert_allclose(ours, ref, atol=1e-10)


@pytest.mark.parametrize("seed", range(8))
def test_find_peaks_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    t = np.arange(n) / 100.0
    x = np.sin(2 * np.pi * 0.9 * t) + 0.3 * rng.standard_normal(n)
    x[100:104] = x[100:104].max()  # a flat top
    spread = float(np.percentile(x, 95) - np.percentile(x, 5))
    for distance in (1, 5, 35):
        for frac in (0.0, 0.1, 0.3):
            ours = find_peaks(x, prominence=frac * spread, distance=distance)
            ref, _ = signal.find_peaks(x, prominence=frac * spread, distance=distance)
            np.testing.assert_array_equal(ours, ref)


def test_find_peaks_worked_example() -> None:
    # peaks at 2 (height 3) and 6 (height 5); the valley between is 1 → prominence of the
    # first peak is 3 − max(0, 1) = 2, of the second 5 − max(1, 0) = 4
    x = np.array([0.0, 1.0, 3.0, 1.0, 2.0, 4.0, 5.0, 0.0])
    assert find_peaks(x, prominence=2.0, distance=1).tolist() == [2, 6]
    assert find_peaks(x, prominence=2.5, distance=1).tolist() == [6]
    assert find_peaks(x, prominence=0.0, distance=5).tolist() == [6]
