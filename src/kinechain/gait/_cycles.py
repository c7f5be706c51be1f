"""Strides (foot strike to the next foot strike of the same foot) and time normalisation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kinechain.trial import SIDES, Event, Side

FloatArray = NDArray[np.float64]

__all__ = [
    "MAX_STRIDE_S",
    "MIN_STRIDE_S",
    "Stride",
    "cycle_curves",
    "normalise_cycles",
    "strides",
]

#: Strides shorter than this are rejected (two strikes of one foot cannot be closer), s.
MIN_STRIDE_S = 0.4
#: Strides longer than this are rejected (the subject stopped, or a strike was missed), s.
MAX_STRIDE_S = 4.0


class Stride(NamedTuple):
    """One gait cycle of one foot, times in s on the file's clock.

    Unpacks as ``(start, end, foot_off)``.
    """

    start: float
    end: float
    foot_off: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def foot_off_pct(self) -> float:
        """Foot off, % of the cycle."""
        return 100.0 * (self.foot_off - self.start) / (self.end - self.start)


def strides(
    events: Iterable[Event],
    side: Side,
    *,
    min_s: float = MIN_STRIDE_S,
    max_s: float = MAX_STRIDE_S,
) -> list[Stride]:
    """Complete strides of one side.

    A stride runs from a foot strike to the next foot strike of the same foot and must hold
    exactly one foot off of that foot; it is dropped otherwise, or when it lasts less than
    ``min_s`` or more than ``max_s``.

    Parameters
    ----------
    events : iterable of Event
    side : {"left", "right"}

    Returns
    -------
    list of Stride
        In time order; empty when there is no complete stride.
    """
    evs = [e for e in events if e.side == side]
    fs = np.array(sorted(e.time_s for e in evs if e.kind == "foot_strike"), dtype=np.float64)
    fo = np.array(sorted(e.time_s for e in evs if e.kind == "foot_off"), dtype=np.float64)
    out: list[Stride] = []
    if fs.size < 2:
        return out
    starts, ends = fs[:-1], fs[1:]
    lo = np.searchsorted(fo, starts, side="right")
    hi = np.searchsorted(fo, ends, side="left")
    for a, b, i, j in zip(starts, ends, lo, hi, strict=True):
        if j - i != 1 or not (min_s <= b - a <= max_s):
            continue
        out.append(Stride(float(a), float(b), float(fo[i])))
    return out


def normalise_cycles(
    time: ArrayLike,
    signal: ArrayLike,
    cycles: Iterable[Stride | tuple[float, float] | tuple[float, float, float]],
    n_points: int = 101,
) -> FloatArray:
    """Resample a signal over each stride onto 0–100 % of the cycle.

    Parameters
    ----------
    time : (n,) array, s
        Sample times, increasing.
    signal : (n,) array
        The signal; NaN samples make the affected cycle points NaN.
    cycles : iterable of Stride or (start, end[, ...]) tuples, s
    n_points : int
        Points per cycle (101 gives 1 % steps).

    Returns
    -------
    (n_strides, n_points) array
        Linear interpolation at ``start + p * (end - start)`` for ``p`` in
        ``linspace(0, 1, n_points)``; points outside ``time`` are NaN.
    """
    t = np.asarray(time, dtype=np.float64)
    y = np.asarray(signal, dtype=np.float64)
    if t.ndim != 1 or y.shape != t.shape:
        raise ValueError(f"time {t.shape} and signal {y.shape} must be equal 1-D shapes")
    bounds = np.array([(c[0], c[1]) for c in cycles], dtype=np.float64).reshape(-1, 2)
    if bounds.shape[0] == 0:
        return np.empty((0, n_points))
    frac = np.linspace(0.0, 1.0, n_points)
    query = bounds[:, :1] + frac[None, :] * (bounds[:, 1:] - bounds[:, :1])
    finite = np.isfinite(y)
    out = np.interp(query.ravel(), t, np.where(finite, y, 0.0), left=np.nan, right=np.nan)
    # A point is NaN when either neighbouring sample is NaN.
    bad = (~finite).astype(np.float64)
    spoil = np.interp(query.ravel(), t, bad, left=1.0, right=1.0) > 0
    out[spoil] = np.nan
    return np.asarray(out.reshape(query.shape), dtype=np.float64)


def cycle_curves(
    time: ArrayLike,
    angles: Mapping[str, ArrayLike],
    events: Iterable[Event],
    n_points: int = 101,
) -> dict[str, dict[str, FloatArray]]:
    """Time-normalised cycles of every angle, by side.

    Parameters
    ----------
    time : (n,) array, s
    angles : mapping of str to (n,) arrays
        Keys ``"left_*"`` / ``"right_*"``; other keys are ignored.
    events : iterable of Event
    n_points : int

    Returns
    -------
    dict
        ``{side: {name without side prefix: (n_strides, n_points)}}`` using that side's
        strides (see :func:`strides`).
    """
    evs = list(events)
    out: dict[str, dict[str, FloatArray]] = {}
    for side in SIDES:
        st = strides(evs, side)
        prefix = f"{side}_"
        out[side] = {
            name[len(prefix) :]: normalise_cycles(time, sig, st, n_points)
            for name, sig in angles.items()
            if name.startswith(prefix)
        }
    return out
