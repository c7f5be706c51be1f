"""Small signal-processing kernels: 2nd-order Butterworth, zero-lag filtering, peak finding.

Why not ``scipy.signal``: importing it takes 1.2–1.9 s on the project's machine (SciPy 1.17),
which made every ``kinechain analyze`` run last ~1.7 s for 35 ms of analysis. These kernels
reproduce what kinechain used from it — ``butter(2, wn)``, ``filtfilt(b, a, x, axis=0,
padlen=...)`` (odd padding, steady-state initial conditions) and ``find_peaks(x, prominence=,
distance=)`` — and are tested against SciPy to machine precision (tests/test_dsp.py). The IIR
recursion is solved as a banded linear system (``scipy.linalg.solve_banded``), exact and
vectorised over samples.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

__all__ = ["butter2_lowpass", "filtfilt2", "find_peaks"]


def butter2_lowpass(wn: float) -> tuple[FloatArray, FloatArray]:
    """2nd-order Butterworth low-pass ``(b, a)``; ``wn`` is the cut-off / Nyquist (0 < wn < 1).

    Bilinear transform with frequency pre-warping, as ``scipy.signal.butter(2, wn)``.
    """
    if not 0.0 < wn < 1.0:
        raise ValueError(f"normalised cut-off must lie in (0, 1), got {wn}")
    k = math.tan(math.pi * wn / 2.0)
    norm = 1.0 / (1.0 + math.sqrt(2.0) * k + k * k)
    b0 = k * k * norm
    b = np.array([b0, 2.0 * b0, b0])
    a = np.array([1.0, 2.0 * (k * k - 1.0) * norm, (1.0 - math.sqrt(2.0) * k + k * k) * norm])
    return b, a


def _zi(b: FloatArray, a: FloatArray) -> FloatArray:
    """Steady-state initial conditions of the transposed direct form II for a unit step."""
    companion = np.array([[-a[1], 1.0], [-a[2], 0.0]])
    rhs = b[1:] - a[1:] * b[0]
    return np.asarray(np.linalg.solve(np.eye(2) - companion, rhs), dtype=np.float64)


def _lfilter2(b: FloatArray, a: FloatArray, x: FloatArray, zi: FloatArray) -> FloatArray:
    """``lfilter(b, a, x, axis=0, zi=zi)`` for a 2nd-order filter, as a banded solve.

    y[n] + a1 y[n-1] + a2 y[n-2] = b0 x[n] + b1 x[n-1] + b2 x[n-2], with the initial
    conditions in the first two rows.
    """
    from scipy.linalg import solve_banded

    n = x.shape[0]
    rhs = b[0] * x
    rhs[1:] += b[1] * x[:-1]
    rhs[2:] += b[2] * x[:-2]
    rhs[0] += zi[0]
    if n > 1:
        rhs[1] += zi[1]
    ab = np.zeros((3, n))
    ab[0] = 1.0
    ab[1, :-1] = a[1]
    ab[2, :-2] = a[2]
    return np.asarray(solve_banded((2, 0), ab, rhs), dtype=np.float64)


def filtfilt2(b: FloatArray, a: FloatArray, x: FloatArray, padlen: int) -> FloatArray:
    """Zero-phase filtering along axis 0, as ``scipy.signal.filtfilt(..., axis=0, padlen=)``.

    Odd extension of ``padlen`` samples at both ends, steady-state initial conditions scaled
    by the first sample of each pass.
    """
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(x.shape[0], -1)
    if padlen >= flat.shape[0]:
        raise ValueError(f"padlen {padlen} must be less than the signal length {flat.shape[0]}")
    if padlen > 0:
        left = 2.0 * flat[0] - flat[padlen:0:-1]
        right = 2.0 * flat[-1] - flat[-2 : -padlen - 2 : -1]
        ext = np.concatenate([left, flat, right])
    else:
        ext = flat
    zi = _zi(b, a)
    y = _lfilter2(b, a, ext, zi[:, None] * ext[0])
    y = y[::-1]
    y = _lfilter2(b, a, y, zi[:, None] * y[0])[::-1]
    if padlen > 0:
        y = y[padlen:-padlen]
    return np.ascontiguousarray(y).reshape(x.shape)


def _local_maxima(x: FloatArray) -> IntArray:
    """Indices of local maxima; a flat top gives its middle (left + right) // 2."""
    peaks: list[int] = []
    i, last = 1, x.size - 1
    while i < last:
        if x[i - 1] < x[i]:
            ahead = i + 1
            while ahead < last and x[ahead] == x[i]:
                ahead += 1
            if x[ahead] < x[i]:
                peaks.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    return np.asarray(peaks, dtype=np.intp)


def find_peaks(x: FloatArray, *, prominence: float, distance: int) -> IntArray:
    """Peaks at least ``distance`` samples apart with at least ``prominence``.

    The same rules as ``scipy.signal.find_peaks(x, distance=, prominence=)``: local maxima
    (middle of flat tops, never the first or last sample), then the highest peaks are kept
    first and any lower peak closer than ``distance`` is dropped, then peaks whose prominence
    (height above the higher of the lowest points on either side before a higher sample) is
    below ``prominence`` are dropped.
    """
    x = np.asarray(x, dtype=np.float64)
    peaks = _local_maxima(x)
    if peaks.size > 1 and distance > 1:
        keep = np.ones(peaks.size, dtype=bool)
        order = np.argsort(x[peaks], kind="stable")[::-1]
        for i in order:
            if not keep[i]:
                continue
            j = i - 1
            while j >= 0 and peaks[i] - peaks[j] < distance:
                keep[j] = False
                j -= 1
            j = i + 1
            while j < peaks.size and peaks[j] - peaks[i] < distance:
                keep[j] = False
                j += 1
        peaks = peaks[keep]
    out: list[int] = []
    for p in peaks:
        h = x[p]
        left = p
        left_min = h
        while left >= 0 and x[left] <= h:
            left_min = min(left_min, x[left])
            left -= 1
        right = p
        right_min = h
        while right < x.size and x[right] <= h:
            right_min = min(right_min, x[right])
            right += 1
        if h - max(left_min, right_min) >= prominence:
            out.append(int(p))
    return np.asarray(out, dtype=np.intp)
