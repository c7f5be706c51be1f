"""Zero-lag low-pass filtering and differentiation of trajectories and rotations, over frames.

Everything works on arrays whose first axis is time; NaN gaps split a signal into runs that are
filtered separately (a run too short to filter becomes NaN rather than being extrapolated).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from kinechain._dsp import butter2_lowpass, filtfilt2

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

__all__ = [
    "BUTTERWORTH_ORDER",
    "MIN_RUN_FRAMES",
    "angular_kinematics",
    "derivative",
    "finite_runs",
    "lowpass",
    "orthonormalise",
]

#: Order of the Butterworth filter run forwards and backwards (zero lag; the response of the
#: pair is that of a 4th-order filter). The cut-off is used as given (no correction for the
#: second pass), as in Winter (2009) §3.4.4.
BUTTERWORTH_ORDER = 2
#: Shortest run of finite samples that is filtered; shorter runs become NaN.
MIN_RUN_FRAMES = 10


def finite_runs(ok: BoolArray) -> list[tuple[int, int]]:
    """``(start, stop)`` index pairs of the True runs of a 1-D mask."""
    padded = np.concatenate([[False], np.asarray(ok, dtype=bool), [False]]).astype(np.int8)
    d = np.diff(padded)
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


@lru_cache(maxsize=64)
def _butter(order: int, wn: float) -> tuple[FloatArray, FloatArray]:
    """Butterworth low-pass coefficients (order 2; see :mod:`kinechain._dsp`)."""
    if order != 2:
        raise ValueError(f"only a 2nd-order Butterworth filter is provided, got order {order}")
    return butter2_lowpass(wn)


def lowpass(x: FloatArray, rate: float, cutoff_hz: float | None) -> FloatArray:
    """Zero-lag Butterworth low-pass along axis 0, run by run between NaN gaps.

    Parameters
    ----------
    x : (n, ...) array
        Samples over time; a sample (row) with any NaN is a gap.
    rate : float
        Sampling rate, Hz.
    cutoff_hz : float or None
        Cut-off frequency, Hz; None returns a copy unfiltered.

    Returns
    -------
    (n, ...) array
        Filtered samples; NaN in gaps and in runs shorter than :data:`MIN_RUN_FRAMES`.
    """
    x = np.asarray(x, dtype=np.float64)
    if cutoff_hz is None:
        return x.copy()
    if not 0.0 < cutoff_hz < 0.5 * rate:
        raise ValueError(
            f"cut-off frequency {cutoff_hz} Hz must lie between 0 and half the sampling rate "
            f"({0.5 * rate} Hz)"
        )
    b, a = _butter(BUTTERWORTH_ORDER, cutoff_hz / (0.5 * rate))
    flat = x.reshape(x.shape[0], -1)
    ok: BoolArray = np.asarray(np.isfinite(flat).all(axis=1))
    out = np.full_like(flat, np.nan)
    padlen = 3 * max(len(a), len(b))
    for start, stop in finite_runs(ok):
        if stop - start < MIN_RUN_FRAMES:
            continue
        seg = flat[start:stop]
        out[start:stop] = filtfilt2(b, a, seg, padlen=min(padlen, seg.shape[0] - 1))
    return out.reshape(x.shape)


def derivative(x: FloatArray, rate: float) -> FloatArray:
    """Time derivative along axis 0: central differences, one-sided at the ends of the trial.

    Samples next to a gap come out NaN (the difference needs both neighbours).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape[0] < 2:
        return np.full_like(x, np.nan)
    return np.asarray(np.gradient(x, 1.0 / rate, axis=0), dtype=np.float64)


def orthonormalise(r: FloatArray) -> FloatArray:
    """Nearest rotation matrices (polar decomposition by SVD); NaN frames stay NaN."""
    r = np.asarray(r, dtype=np.float64)
    out = np.full_like(r, np.nan)
    ok = np.isfinite(r).all(axis=(-2, -1))
    if ok.any():
        u, _, vt = np.linalg.svd(r[ok])
        q = u @ vt
        # Guard against reflections (det = -1) from badly degenerate input.
        flip = np.linalg.det(q) < 0
        if flip.any():
            u[flip, :, -1] *= -1.0
            q = u @ vt
        out[ok] = q
    return out


def angular_kinematics(
    rotation: FloatArray, rate: float, cutoff_hz: float | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Filtered orientation, angular velocity and angular acceleration of a segment.

    The nine elements of the rotation matrices are low-passed, the result is made orthonormal
    again, and the angular velocity is read from the skew-symmetric matrix
    ``Ṙ Rᵀ = [ω]×`` (lab frame); the angular acceleration is its derivative.

    Parameters
    ----------
    rotation : (n, 3, 3) array
        Columns are the segment axes in the lab frame.
    rate : float
        Frame rate, Hz.
    cutoff_hz : float or None

    Returns
    -------
    rotation : (n, 3, 3) array
    omega : (n, 3) array, rad/s, lab frame
    alpha : (n, 3) array, rad/s², lab frame
    """
    n = rotation.shape[0]
    rf = orthonormalise(lowpass(rotation.reshape(n, 9), rate, cutoff_hz).reshape(n, 3, 3))
    w = derivative(rf, rate) @ np.swapaxes(rf, -1, -2)
    omega = 0.5 * np.stack(
        [w[:, 2, 1] - w[:, 1, 2], w[:, 0, 2] - w[:, 2, 0], w[:, 1, 0] - w[:, 0, 1]], axis=-1
    )
    return rf, omega, derivative(omega, rate)
