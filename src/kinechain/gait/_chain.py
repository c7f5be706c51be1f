"""Kinetic-chain measurements: the ankle and what may compensate above it, per stride.

Every measure is computed on each stride's time-normalised curves (101 points, 0–100 % of
the cycle; stance = 0 % to that stride's foot off), then summarised as mean ± SD over the
strides, and compared with the normative set:

* a between-subject scalar norm of the set is used when it has one of that name
  (``norm_source = "scalar:<name>"``): that is the right comparison, since a peak or a range of
  each control subject varies more than the same feature of the group's mean curve;
* otherwise the normative scalar is computed from the normative mean curve in the same way
  as the subject's value, with the normative SD curve at the same point
  (``norm_source = "curve"``); for windowed means the SD is the mean SD over the window, and
  for timings and ranges no SD can be derived from curves (``norm_sd`` None, no z-score).

z = (subject mean − normative mean) / normative SD.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kinechain.gait._cycles import Stride, normalise_cycles, strides
from kinechain.gait._markers import foot_markers, walking_direction
from kinechain.gait._norms import NormSet, load_norms
from kinechain.trial import SIDES, Event, Side, Trial

FloatArray = NDArray[np.float64]

__all__ = [
    "HEEL_RISE_THRESHOLD_M",
    "ChainMeasures",
    "Measure",
    "chain_measures",
    "heel_heights",
]

#: Heel rise: the heel marker this far above its foot-flat height, m (see docs/gait.md).
HEEL_RISE_THRESHOLD_M = 0.005
#: Stance length assumed for a normative curve when the set has no ``stance`` scalar, % cycle.
DEFAULT_NORM_STANCE_PCT = 60.0

P = np.linspace(0.0, 100.0, 101)


@dataclass(frozen=True)
class Measure:
    """One kinetic-chain measurement of one side.

    Attributes
    ----------
    name, label, link, unit : str
        Key, human label, chain link (``ankle``, ``foot``, ``knee``, ``hip``, ``pelvis``,
        ``trunk``) and unit.
    per_stride : list of float
        The value of each stride (NaN where it could not be computed).
    mean, sd : float
        Over the strides (sample SD; NaN with fewer than two strides).
    norm_mean, norm_sd, z : float or None
        Normative value, its SD and the subject's z-score; None when not available.
    norm_source : str
        ``"scalar:<name>"``, ``"curve"`` or ``"none"``.
    interpretation : str
        A short neutral reading of the z-score.
    """

    name: str
    label: str
    link: str
    unit: str
    per_stride: list[float]
    mean: float
    sd: float
    norm_mean: float | None
    norm_sd: float | None
    z: float | None
    norm_source: str
    interpretation: str

    @property
    def value(self) -> float:
        """The reported value: the mean over strides."""
        return self.mean

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "link": self.link,
            "unit": self.unit,
            "value": self.mean,
            "per_stride": list(self.per_stride),
            "mean": self.mean,
            "sd": self.sd,
            "n": int(np.isfinite(np.asarray(self.per_stride, dtype=np.float64)).sum()),
            "norm_mean": self.norm_mean,
            "norm_sd": self.norm_sd,
            "z": self.z,
            "norm_source": self.norm_source,
            "interpretation": self.interpretation,
        }


@dataclass(frozen=True)
class ChainMeasures:
    """Kinetic-chain measures by side: ``sides[side][name] -> Measure``."""

    norms: str
    sides: dict[str, dict[str, Measure]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{"norms": name, "left": {name: {...}}, "right": {...}}`` (JSON-ready but NaN)."""
        out: dict[str, Any] = {"norms": self.norms}
        for side in SIDES:
            out[side] = {k: m.to_dict() for k, m in self.sides.get(side, {}).items()}
        return out


def heel_heights(trial: Trial) -> dict[str, FloatArray]:
    """Height of each heel marker along the vertical, per frame.

    Parameters
    ----------
    trial : Trial

    Returns
    -------
    dict of side to (n_frames,) array, m
        Heel marker position along ``trial.vertical`` (lab origin); sides without a heel
        marker are absent.
    """
    up = np.asarray(trial.vertical, dtype=np.float64)
    up = up / np.linalg.norm(up)
    direction = walking_direction(trial)
    out: dict[str, FloatArray] = {}
    for side in SIDES:
        heel = foot_markers(trial, side, direction).heel
        if heel is not None:
            out[side] = np.asarray(heel @ up, dtype=np.float64)
    return out


# --------------------------------------------------------------------------- helpers


def _stance_mask(fo_pct: FloatArray) -> NDArray[np.bool_]:
    """(n_strides, 101) mask of the stance points of each stride."""
    return np.asarray(P[None, :] <= fo_pct[:, None], dtype=np.bool_)


def _masked(cycles: FloatArray, mask: NDArray[np.bool_]) -> FloatArray:
    return np.where(mask, cycles, np.nan)


def _nan_arg(values: FloatArray, fn: Callable[..., Any]) -> FloatArray:
    """Row-wise nanargmax/nanargmin as float, NaN for all-NaN rows."""
    ok = np.isfinite(values).any(axis=1)
    out = np.full(values.shape[0], np.nan)
    if ok.any():
        out[ok] = fn(values[ok], axis=1).astype(np.float64)
    return out


def _row_stat(values: FloatArray, fn: Callable[..., Any]) -> FloatArray:
    ok = np.isfinite(values).any(axis=1)
    out = np.full(values.shape[0], np.nan)
    if ok.any():
        out[ok] = fn(values[ok], axis=1)
    return out


def _interp_rows(cycles: FloatArray, pct: FloatArray) -> FloatArray:
    """Value of each row of ``cycles`` at its own (fractional) percent."""
    out = np.full(cycles.shape[0], np.nan)
    for i, p in enumerate(pct):
        if np.isfinite(p):
            out[i] = float(np.interp(p, P, cycles[i]))
    return out


def _mean_sd(values: FloatArray) -> tuple[float, float]:
    ok = values[np.isfinite(values)]
    mean = float(ok.mean()) if ok.size else float("nan")
    sd = float(ok.std(ddof=1)) if ok.size >= 2 else float("nan")
    return mean, sd


def _reading(z: float | None) -> str:
    if z is None or not np.isfinite(z):
        return "no normative value"
    size = abs(z)
    direction = "above" if z > 0 else "below"
    if size < 1:
        return "within 1 SD of the norm"
    if size < 2:
        return f"1–2 SD {direction} the norm"
    return f"more than 2 SD {direction} the norm"


@dataclass
class _Norm:
    mean: float | None
    sd: float | None
    source: str


def _scalar(ns: NormSet, name: str) -> _Norm | None:
    sc = ns.scalars.get(name)
    if sc is None:
        return None
    return _Norm(sc.mean, sc.sd, f"scalar:{name}")


def _norm_stance(ns: NormSet) -> float:
    sc = ns.scalars.get("stance")
    return float(sc.mean) if sc is not None else DEFAULT_NORM_STANCE_PCT


def _curve_point(
    ns: NormSet, var: str, window: tuple[float, float], pick: str, sign: float = 1.0
) -> tuple[_Norm, float] | None:
    """Extreme (``pick`` = "max"/"min") of ``sign * mean curve`` within a % window, the SD at
    that point, and where it is (% cycle)."""
    if var not in ns.variables:
        return None
    m, s = ns.variables[var]
    m = sign * m
    sel = (P >= window[0]) & (P <= window[1])
    idx = np.flatnonzero(sel)
    k = int(idx[np.argmax(m[sel])] if pick == "max" else idx[np.argmin(m[sel])])
    return _Norm(float(m[k]), float(s[k]), "curve"), float(P[k])


def _curve_mean(
    ns: NormSet, var: str, window: tuple[float, float], sign: float = 1.0
) -> _Norm | None:
    if var not in ns.variables:
        return None
    m, s = ns.variables[var]
    sel = (P >= window[0]) & (P <= window[1])
    return _Norm(float(np.mean(sign * m[sel])), float(np.mean(s[sel])), "curve")


def _measure(
    name: str,
    label: str,
    link: str,
    unit: str,
    values: FloatArray,
    norm: _Norm | None,
) -> Measure:
    mean, sd = _mean_sd(values)
    nm = None if norm is None else norm.mean
    nsd = None if norm is None else norm.sd
    z = None
    if nm is not None and nsd is not None and nsd > 0 and np.isfinite(mean):
        z = (mean - nm) / nsd
    reading = _reading(z)
    if name == "knee_flexion_min_stance" and np.isfinite(mean) and mean < 0:
        reading += "; knee hyperextension in stance (minimum flexion below 0°)"
    return Measure(
        name=name,
        label=label,
        link=link,
        unit=unit,
        per_stride=[float(v) for v in values],
        mean=mean,
        sd=sd,
        norm_mean=nm,
        norm_sd=nsd,
        z=None if z is None else float(z),
        norm_source="none" if norm is None else norm.source,
        interpretation=reading,
    )


def _first(*norms: _Norm | None) -> _Norm | None:
    return next((n for n in norms if n is not None), None)


def _opposite_foot_off_pct(events: list[Event], side: Side, st: list[Stride]) -> FloatArray:
    other = "right" if side == "left" else "left"
    ofo = np.array(sorted(e.time_s for e in events if e.side == other and e.kind == "foot_off"))
    out = np.full(len(st), np.nan)
    for i, s in enumerate(st):
        j = int(np.searchsorted(ofo, s.start, side="right"))
        if j < ofo.size and ofo[j] < s.foot_off:
            out[i] = 100.0 * (ofo[j] - s.start) / s.duration
    return out


def _heel_rise(
    heel: FloatArray, fo_pct: FloatArray, ofo_pct: FloatArray, threshold: float
) -> FloatArray:
    """Heel-rise instant of each stride, % cycle (NaN if the heel does not rise in stance).

    The foot-flat height is the lowest heel height between the end of loading response
    (opposite foot off; 20 % of stance when unknown) and foot off; heel rise is the first
    instant after that minimum when the heel is ``threshold`` above it, linearly interpolated.
    """
    out = np.full(heel.shape[0], np.nan)
    for i in range(heel.shape[0]):
        fo = fo_pct[i]
        start = ofo_pct[i] if np.isfinite(ofo_pct[i]) else 0.2 * fo
        win = np.flatnonzero((P >= start) & (P <= fo))
        h = heel[i]
        if win.size < 2 or not np.isfinite(h[win]).all():
            continue
        k0 = int(win[np.argmin(h[win])])
        base = float(h[k0])
        above = np.flatnonzero(h[k0 : int(win[-1]) + 1] >= base + threshold)
        if above.size == 0:
            continue
        k = k0 + int(above[0])
        a, b = float(h[k - 1]), float(h[k])
        frac = (base + threshold - a) / (b - a) if b != a else 1.0
        out[i] = float(P[k - 1] + frac * (P[k] - P[k - 1]))
    return out


# --------------------------------------------------------------------------- public


def chain_measures(
    angles_time: ArrayLike,
    angles: Mapping[str, ArrayLike],
    events: Iterable[Event],
    norms: NormSet | str | None = None,
    *,
    heel_height: Mapping[str, ArrayLike] | None = None,
    rearfoot_eversion: Mapping[str, ArrayLike] | None = None,
    heel_rise_threshold_m: float = HEEL_RISE_THRESHOLD_M,
) -> ChainMeasures:
    """Kinetic-chain measurements per side, per stride and as mean ± SD, with norms.

    Parameters
    ----------
    angles_time : (n,) array, s
        Time of the angle samples on the events' clock.
    angles : mapping of str to (n,) arrays, degrees
        kinechain angle names with side prefix: ``{side}_ankle_dorsiflexion``,
        ``{side}_knee_flexion``, ``{side}_hip_flexion``, ``{side}_pelvic_tilt``,
        ``{side}_spine_flexion``, ``{side}_foot_progression``. Measures whose angle is
        missing are left out.
    events : iterable of Event
    norms : NormSet, str or None
        Normative set (default :data:`DEFAULT_NORMS`).
    heel_height : mapping side → (n,) array, m, optional
        Heel marker height on ``angles_time`` (see :func:`heel_heights`); enables the
        heel-rise measures.
    rearfoot_eversion : mapping side → (n,) array, degrees (eversion +), optional
        Rearfoot (calcaneus to tibia) eversion from a multi-segment foot model.
    heel_rise_threshold_m : float
        Rise of the heel above its foot-flat height that marks heel rise, m.

    Returns
    -------
    ChainMeasures
        Measures (when computable): ``peak_stance_dorsiflexion`` (deg),
        ``peak_stance_dorsiflexion_time`` (% cycle),
        ``peak_stance_dorsiflexion_time_stance`` (% stance),
        ``heel_rise_time`` (% cycle), ``dorsiflexion_at_heel_rise`` (deg),
        ``rearfoot_eversion_peak`` and ``rearfoot_eversion_mean`` (deg, stance),
        ``foot_progression_mean_stance`` (deg), ``knee_flexion_min_stance`` (deg; < 0 is
        hyperextension), ``hip_flexion_min`` (deg; < 0 is extension), ``pelvic_tilt_mean`` and
        ``pelvic_tilt_range`` (deg, over the cycle), ``trunk_extension_mean`` and
        ``trunk_extension_peak`` (deg; trunk relative to pelvis, = −spine flexion).
    """
    ns = load_norms(norms)
    t = np.asarray(angles_time, dtype=np.float64)
    evs = sorted(events, key=lambda e: e.time_s)
    norm_fo = _norm_stance(ns)
    stance_w = (0.0, norm_fo)
    cycle_w = (0.0, 100.0)
    result: dict[str, dict[str, Measure]] = {}
    for side in SIDES:
        st = strides(evs, side)
        if not st:
            result[side] = {}
            continue
        fo = np.array([s.foot_off_pct for s in st], dtype=np.float64)
        stance = _stance_mask(fo)

        def cyc(name: str, _side: Side = side, _st: list[Stride] = st) -> FloatArray | None:
            sig = angles.get(f"{_side}_{name}")
            if sig is None:
                return None
            return normalise_cycles(t, np.asarray(sig, dtype=np.float64), _st)

        out: dict[str, Measure] = {}
        df = cyc("ankle_dorsiflexion")
        if df is not None:
            df_st = _masked(df, stance)
            peak = _row_stat(df_st, np.nanmax)
            when = _nan_arg(df_st, np.nanargmax)
            norm_peak = _curve_point(ns, "ankle_dorsiflexion", stance_w, "max")
            out["peak_stance_dorsiflexion"] = _measure(
                "peak_stance_dorsiflexion",
                "Peak dorsiflexion in stance",
                "ankle",
                "deg",
                peak,
                _first(
                    _scalar(ns, "ankle_dorsiflexion_peak_stance"),
                    None if norm_peak is None else norm_peak[0],
                ),
            )
            curve_when = None
            if norm_peak is not None:
                curve_when = _Norm(norm_peak[1], None, "curve")
            out["peak_stance_dorsiflexion_time"] = _measure(
                "peak_stance_dorsiflexion_time",
                "Timing of peak dorsiflexion",
                "ankle",
                "% cycle",
                when,
                _first(_scalar(ns, "ankle_dorsiflexion_peak_stance_time_pct_cycle"), curve_when),
            )
            curve_when_st = None
            if norm_peak is not None:
                curve_when_st = _Norm(100.0 * norm_peak[1] / norm_fo, None, "curve")
            out["peak_stance_dorsiflexion_time_stance"] = _measure(
                "peak_stance_dorsiflexion_time_stance",
                "Timing of peak dorsiflexion",
                "ankle",
                "% stance",
                100.0 * when / fo,
                _first(
                    _scalar(ns, "ankle_dorsiflexion_peak_stance_time_pct_stance"), curve_when_st
                ),
            )
            heel_sig = None if heel_height is None else heel_height.get(side)
            if heel_sig is not None:
                heel = normalise_cycles(t, np.asarray(heel_sig, dtype=np.float64), st)
                rise = _heel_rise(
                    heel, fo, _opposite_foot_off_pct(evs, side, st), heel_rise_threshold_m
                )
                out["heel_rise_time"] = _measure(
                    "heel_rise_time",
                    "Heel rise",
                    "ankle",
                    "% cycle",
                    rise,
                    _scalar(ns, "heel_rise_time_pct_cycle"),
                )
                df_rise = _interp_rows(df, rise)
                mean_rise = _mean_sd(rise)[0]
                curve_at = None
                if "ankle_dorsiflexion" in ns.variables and np.isfinite(mean_rise):
                    m, s = ns.variables["ankle_dorsiflexion"]
                    curve_at = _Norm(
                        float(np.interp(mean_rise, P, m)),
                        float(np.interp(mean_rise, P, s)),
                        "curve",
                    )
                out["dorsiflexion_at_heel_rise"] = _measure(
                    "dorsiflexion_at_heel_rise",
                    "Dorsiflexion at heel rise",
                    "ankle",
                    "deg",
                    df_rise,
                    _first(_scalar(ns, "ankle_dorsiflexion_at_heel_rise"), curve_at),
                )
        ev_sig = None if rearfoot_eversion is None else rearfoot_eversion.get(side)
        if ev_sig is not None:
            ev = _masked(normalise_cycles(t, np.asarray(ev_sig, dtype=np.float64), st), stance)
            pk = _curve_point(ns, "rearfoot_eversion", stance_w, "max")
            out["rearfoot_eversion_peak"] = _measure(
                "rearfoot_eversion_peak",
                "Peak rearfoot eversion in stance",
                "foot",
                "deg",
                _row_stat(ev, np.nanmax),
                _first(_scalar(ns, "rearfoot_eversion_peak_stance"), None if pk is None else pk[0]),
            )
            out["rearfoot_eversion_mean"] = _measure(
                "rearfoot_eversion_mean",
                "Mean rearfoot eversion in stance",
                "foot",
                "deg",
                _row_stat(ev, np.nanmean),
                _first(
                    _scalar(ns, "rearfoot_eversion_mean_stance"),
                    _curve_mean(ns, "rearfoot_eversion", stance_w),
                ),
            )
        fp = cyc("foot_progression")
        if fp is not None:
            out["foot_progression_mean_stance"] = _measure(
                "foot_progression_mean_stance",
                "Foot progression in stance (+ internal)",
                "foot",
                "deg",
                _row_stat(_masked(fp, stance), np.nanmean),
                _first(
                    _scalar(ns, "foot_progression_mean_stance"),
                    _curve_mean(ns, "foot_progression", stance_w),
                ),
            )
        knee = cyc("knee_flexion")
        if knee is not None:
            pk = _curve_point(ns, "knee_flexion", stance_w, "min")
            out["knee_flexion_min_stance"] = _measure(
                "knee_flexion_min_stance",
                "Minimum knee flexion in stance",
                "knee",
                "deg",
                _row_stat(_masked(knee, stance), np.nanmin),
                _first(_scalar(ns, "knee_flexion_min_stance"), None if pk is None else pk[0]),
            )
        hip = cyc("hip_flexion")
        if hip is not None:
            pk = _curve_point(ns, "hip_flexion", cycle_w, "min")
            out["hip_flexion_min"] = _measure(
                "hip_flexion_min",
                "Peak hip extension (minimum flexion)",
                "hip",
                "deg",
                _row_stat(hip, np.nanmin),
                _first(_scalar(ns, "hip_flexion_min"), None if pk is None else pk[0]),
            )
        tilt = cyc("pelvic_tilt")
        if tilt is not None:
            out["pelvic_tilt_mean"] = _measure(
                "pelvic_tilt_mean",
                "Pelvic tilt, mean over the cycle (+ anterior)",
                "pelvis",
                "deg",
                _row_stat(tilt, np.nanmean),
                _first(_scalar(ns, "pelvic_tilt_mean"), _curve_mean(ns, "pelvic_tilt", cycle_w)),
            )
            curve_range = None
            if "pelvic_tilt" in ns.variables:
                m = ns.variables["pelvic_tilt"][0]
                curve_range = _Norm(float(m.max() - m.min()), None, "curve")
            out["pelvic_tilt_range"] = _measure(
                "pelvic_tilt_range",
                "Pelvic tilt range over the cycle",
                "pelvis",
                "deg",
                _row_stat(tilt, np.nanmax) - _row_stat(tilt, np.nanmin),
                _first(_scalar(ns, "pelvic_tilt_range"), curve_range),
            )
        spine = cyc("spine_flexion")
        if spine is not None:
            ext = -spine
            pk = _curve_point(ns, "spine_flexion", cycle_w, "max", sign=-1.0)
            out["trunk_extension_mean"] = _measure(
                "trunk_extension_mean",
                "Trunk extension relative to pelvis, mean (lumbar)",
                "trunk",
                "deg",
                _row_stat(ext, np.nanmean),
                _first(
                    _scalar(ns, "trunk_extension_mean"),
                    _curve_mean(ns, "spine_flexion", cycle_w, sign=-1.0),
                ),
            )
            out["trunk_extension_peak"] = _measure(
                "trunk_extension_peak",
                "Trunk extension relative to pelvis, peak (lumbar)",
                "trunk",
                "deg",
                _row_stat(ext, np.nanmax),
                _first(_scalar(ns, "trunk_extension_peak"), None if pk is None else pk[0]),
            )
        result[side] = out
    return ChainMeasures(norms=ns.name, sides=result)
