"""Spatiotemporal parameters per stride, per side and for both sides together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kinechain.gait._cycles import Stride, strides
from kinechain.gait._markers import foot_markers, horizontal, pelvis_centre, walking_direction
from kinechain.gait._norms import NormSet, load_norms
from kinechain.trial import SIDES, Event, Side, Trial

FloatArray = NDArray[np.float64]

__all__ = ["DIMENSIONLESS", "PARAMETERS", "spatiotemporal", "summarise"]

#: Parameter name → (unit, description). The order is the order of the output tables.
PARAMETERS: dict[str, tuple[str, str]] = {
    "cadence": ("steps/min", "120 / stride time"),
    "speed": ("m/s", "forward displacement of the pelvis centre (else heel) / stride time"),
    "stride_time": ("s", "foot strike to the next foot strike of the same foot"),
    "step_time": ("s", "opposite foot strike to this foot's strike"),
    "stride_length": ("m", "horizontal heel displacement between the two strikes"),
    "step_length": ("m", "this heel ahead of the opposite heel, both at their strikes"),
    "step_width": ("m", "sideways distance between the same two heel positions"),
    "stance": ("% cycle", "foot strike to foot off"),
    "swing": ("% cycle", "foot off to the next foot strike"),
    "single_support": ("% cycle", "opposite foot off to opposite foot strike"),
    "double_support": ("% cycle", "initial plus terminal double support"),
    "opposite_foot_off": ("% cycle", "opposite foot off"),
    "opposite_foot_strike": ("% cycle", "opposite foot strike"),
}

#: Added when the subject's leg length L is known (Hof 1996): v / sqrt(g L),
#: (steps/s) / sqrt(g / L) and step length / L.
DIMENSIONLESS: dict[str, tuple[str, str]] = {
    "speed_dimensionless": ("1", "speed / sqrt(g L)"),
    "cadence_dimensionless": ("1", "cadence (steps/s) / sqrt(g / L)"),
    "step_length_dimensionless": ("1", "step length / L"),
}

#: Standard gravity, m/s².
G = 9.80665


def summarise(values: Iterable[float], unit: str) -> dict[str, Any]:
    """``{"unit", "per_stride", "mean", "sd", "n"}`` of per-stride values (NaN ignored).

    ``sd`` is the sample SD (ddof = 1); NaN with fewer than two values, ``mean`` NaN with none.
    """
    vals = [float(v) for v in values]
    arr = np.asarray(vals, dtype=np.float64)
    ok = arr[np.isfinite(arr)]
    mean = float(ok.mean()) if ok.size else float("nan")
    sd = float(ok.std(ddof=1)) if ok.size >= 2 else float("nan")
    return {"unit": unit, "per_stride": vals, "mean": mean, "sd": sd, "n": int(ok.size)}


def _at(time: FloatArray, xyz: FloatArray | None, t: float) -> FloatArray:
    """Position at time ``t`` by linear interpolation (NaN if unknown)."""
    if xyz is None or not (time[0] <= t <= time[-1]):
        return np.full(3, np.nan)
    return np.array([np.interp(t, time, xyz[:, k]) for k in range(3)], dtype=np.float64)


def _between(times: FloatArray, lo: float, hi: float) -> float:
    """First time strictly inside (lo, hi), or NaN."""
    i = int(np.searchsorted(times, lo, side="right"))
    if i < times.size and times[i] < hi:
        return float(times[i])
    return float("nan")


def _last_before(times: FloatArray, hi: float, lo: float) -> float:
    """Last time strictly inside (lo, hi), or NaN."""
    i = int(np.searchsorted(times, hi, side="left")) - 1
    if i >= 0 and times[i] > lo:
        return float(times[i])
    return float("nan")


@dataclass(frozen=True)
class _Context:
    time: FloatArray
    up: FloatArray
    hp: FloatArray
    direction: FloatArray | None
    heel: dict[str, FloatArray | None]
    pelvis: FloatArray | None


def _context(trial: Trial) -> _Context:
    up = np.asarray(trial.vertical, dtype=np.float64)
    direction = walking_direction(trial)
    return _Context(
        time=trial.time,
        up=up / np.linalg.norm(up),
        hp=horizontal(trial),
        direction=direction,
        heel={side: foot_markers(trial, side, direction).heel for side in SIDES},
        pelvis=pelvis_centre(trial),
    )


def _stride_values(
    ctx: _Context, side: Side, stride: Stride, events: tuple[Event, ...]
) -> dict[str, float]:
    other: Side = "right" if side == "left" else "left"
    fs0, fs1, fo = stride
    T = fs1 - fs0
    ofo_all = np.array(sorted(e.time_s for e in events if e.side == other and e.kind == "foot_off"))
    ofs_all = np.array(
        sorted(e.time_s for e in events if e.side == other and e.kind == "foot_strike")
    )
    ofo = _between(ofo_all, fs0, fo)
    ofs = _last_before(ofs_all, fs1, fs0)
    ordered = np.isfinite(ofo) and np.isfinite(ofs) and fs0 < ofo < ofs < fo < fs1
    nan = float("nan")
    v: dict[str, float] = {
        "cadence": 120.0 / T,
        "stride_time": T,
        "step_time": fs1 - ofs if np.isfinite(ofs) else nan,
        "stance": 100.0 * (fo - fs0) / T,
        "swing": 100.0 * (fs1 - fo) / T,
        "single_support": 100.0 * (ofs - ofo) / T if ordered else nan,
        "double_support": 100.0 * ((ofo - fs0) + (fo - ofs)) / T if ordered else nan,
        "opposite_foot_off": 100.0 * (ofo - fs0) / T if np.isfinite(ofo) else nan,
        "opposite_foot_strike": 100.0 * (ofs - fs0) / T if np.isfinite(ofs) else nan,
    }
    time, hp = ctx.time, ctx.hp
    h0 = hp @ _at(time, ctx.heel[side], fs0)
    h1 = hp @ _at(time, ctx.heel[side], fs1)
    stride_vec = h1 - h0
    length = float(np.linalg.norm(stride_vec))
    v["stride_length"] = length
    if np.isfinite(length) and length > 0:
        u = stride_vec / length
    elif ctx.direction is not None:
        u = ctx.direction
    else:
        u = np.full(3, np.nan)
    w = np.cross(ctx.up, u)
    if np.isfinite(ofs):
        step_vec = h1 - hp @ _at(time, ctx.heel[other], ofs)
    else:
        step_vec = np.full(3, np.nan)
    v["step_length"] = float(step_vec @ u)
    v["step_width"] = float(abs(step_vec @ w))
    if ctx.pelvis is not None:
        disp = hp @ (_at(time, ctx.pelvis, fs1) - _at(time, ctx.pelvis, fs0))
        v["speed"] = float(disp @ u) / T
    else:
        v["speed"] = length / T
    return v


def _dimensionless(v: dict[str, float], leg: float) -> dict[str, float]:
    """Hof (1996) non-dimensional speed, cadence and step length with leg length ``leg``."""
    return {
        "speed_dimensionless": v["speed"] / np.sqrt(G * leg),
        "cadence_dimensionless": (v["cadence"] / 60.0) / np.sqrt(G / leg),
        "step_length_dimensionless": v["step_length"] / leg,
    }


def spatiotemporal(
    trial: Trial,
    events: Iterable[Event],
    norms: NormSet | str | None = None,
) -> dict[str, dict[str, Any]]:
    """Spatiotemporal parameters of a walking trial.

    Parameters
    ----------
    trial : Trial
        Markers give the spatial parameters (heel markers; the pelvis centre for speed);
        without them those are NaN and only the temporal ones are computed. With the
        subject's leg length (``trial.subject.leg_length_m``, mean of the sides) the
        dimensionless speed, cadence and step length of Hof (1996) are added.
    events : iterable of Event
        Gait events on the trial's clock (e.g. from :func:`detect_events`).
    norms : NormSet or str, optional
        When given, each parameter for which the set has a scalar norm of the same name
        (e.g. ``stance``, ``double_support``, ``speed_dimensionless``) also gets
        ``norm_mean``, ``norm_sd`` and ``z`` (from the mean over strides).

    Returns
    -------
    dict
        ``{"left": {...}, "right": {...}, "overall": {...}}``; each maps a parameter of
        :data:`PARAMETERS` to ``{"unit", "per_stride", "mean", "sd", "n"}``. ``overall`` pools
        the strides of both sides. Support phases need the opposite foot's off and strike
        inside the stride (NaN otherwise). Spatial parameters use the heel positions at the
        foot strikes, in the horizontal plane; the stride direction is the walking direction.
    """
    evs = tuple(sorted(events, key=lambda e: e.time_s))
    ctx = _context(trial)
    legs = [v for v in trial.subject.leg_length_m.values() if v and v > 0]
    leg = float(np.mean(legs)) if legs else None
    params = dict(PARAMETERS)
    if leg is not None:
        params.update(DIMENSIONLESS)
    per_side: dict[str, list[dict[str, float]]] = {}
    for side in SIDES:
        rows = [_stride_values(ctx, side, s, evs) for s in strides(evs, side)]
        if leg is not None:
            rows = [{**r, **_dimensionless(r, leg)} for r in rows]
        per_side[side] = rows
    ns = None if norms is None else load_norms(norms)
    out: dict[str, dict[str, Any]] = {}
    for key, rows in (*per_side.items(), ("overall", per_side["left"] + per_side["right"])):
        table = {}
        for name, (unit, _) in params.items():
            entry = summarise((r[name] for r in rows), unit)
            sc = None if ns is None else ns.scalars.get(name)
            if sc is not None:
                entry["norm_mean"] = sc.mean
                entry["norm_sd"] = sc.sd
                ok = np.isfinite(entry["mean"]) and sc.sd > 0
                entry["z"] = (entry["mean"] - sc.mean) / sc.sd if ok else None
            table[name] = entry
        out[key] = table
    return out
