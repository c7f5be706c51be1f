"""Gait Variable Scores and the Gait Profile Score (Baker et al. 2009, Gait Posture 30:265).

GVS of a variable: the root-mean-square difference, over the gait cycle, between the
subject's mean cycle and the normative mean curve, evaluated every 2 % of the cycle (51
points, 0–100 %), the sampling Baker et al. specify. GPS of a side: the RMS of that side's
nine GVS. Overall GPS: the RMS of 15 GVS — the six hip, knee, ankle and foot variables of each
side and the three pelvic variables once (from the left side, or the right side when the
left has no pelvic data), since the pelvis is one segment shared by both sides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kinechain.gait._norms import GPS_VARIABLES, NormSet, load_norms
from kinechain.trial import SIDES

FloatArray = NDArray[np.float64]

__all__ = ["GaitScores", "gait_profile_score", "gait_variable_score"]

_PELVIC = ("pelvic_tilt", "pelvic_obliquity", "pelvic_rotation")


def _on_51(curve: FloatArray) -> FloatArray:
    """A cycle curve of any length resampled at 0, 2, ..., 100 % (51 points)."""
    n = curve.shape[-1]
    if n == 51:
        return curve
    if n == 101:
        return curve[..., ::2]
    x = np.linspace(0.0, 100.0, n)
    return np.asarray(np.interp(np.linspace(0.0, 100.0, 51), x, curve), dtype=np.float64)


def gait_variable_score(subject_mean: ArrayLike, norm_mean: ArrayLike) -> float:
    """RMS difference (degrees) between a subject's mean cycle and the normative mean.

    Parameters
    ----------
    subject_mean, norm_mean : (n_points,) arrays
        Cycles over 0–100 % (any number of points; 101 and 51 are used as they are,
        others are interpolated), evaluated at 51 points every 2 %.

    Returns
    -------
    float
        NaN when any of the 51 points is NaN.
    """
    s = _on_51(np.asarray(subject_mean, dtype=np.float64))
    n = _on_51(np.asarray(norm_mean, dtype=np.float64))
    return float(np.sqrt(np.mean((s - n) ** 2)))


@dataclass(frozen=True)
class GaitScores:
    """GVS per side and variable, GPS per side and overall, all in degrees.

    ``missing`` lists, per side, GPS variables the cycles or the norms lack; a GPS is None
    unless all its variables are there.
    """

    gvs: dict[str, dict[str, float]]
    gps: dict[str, float | None]
    norms: str
    missing: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"gvs": {side: {var: deg}}, "gps": {...}, "unit": "deg", ...}``."""
        return {
            "unit": "deg",
            "norms": self.norms,
            "gvs": {s: dict(v) for s, v in self.gvs.items()},
            "gps": dict(self.gps),
            "missing": {s: list(v) for s, v in self.missing.items()},
        }


def _rms(values: list[float]) -> float | None:
    if not values or not all(np.isfinite(values)):
        return None
    return float(np.sqrt(np.mean(np.square(values))))


def gait_profile_score(
    cycles: Mapping[str, Mapping[str, ArrayLike]],
    norms: NormSet | str | None = None,
) -> GaitScores:
    """GVS and GPS of a subject.

    Parameters
    ----------
    cycles : mapping side → variable → (n_strides, n_points) array (or one (n_points,) curve)
        Time-normalised cycles in degrees, names without the side prefix (e.g. from
        :func:`cycle_curves`). Strides with NaN are left out of the subject's mean.
    norms : NormSet, str or None
        Normative set (default :data:`DEFAULT_NORMS`).

    Returns
    -------
    GaitScores
    """
    ns = load_norms(norms)
    gvs: dict[str, dict[str, float]] = {}
    missing: dict[str, list[str]] = {}
    for side in SIDES:
        per_var = cycles.get(side, {})
        gvs[side] = {}
        missing[side] = []
        for var in GPS_VARIABLES:
            data = per_var.get(var)
            if data is None or var not in ns.variables:
                missing[side].append(var)
                continue
            arr = np.atleast_2d(np.asarray(data, dtype=np.float64))
            arr = arr[np.isfinite(arr).all(axis=1)]
            if arr.shape[0] == 0:
                missing[side].append(var)
                continue
            gvs[side][var] = gait_variable_score(arr.mean(axis=0), ns.variables[var][0])
    gps: dict[str, float | None] = {}
    for side in SIDES:
        gps[side] = _rms(list(gvs[side].values())) if not missing[side] else None
    pelvis_side = next(
        (s for s in SIDES if all(v in gvs[s] for v in _PELVIC)),
        None,
    )
    limbs = [v for v in GPS_VARIABLES if v not in _PELVIC]
    if pelvis_side is not None and all(v in gvs[s] for s in SIDES for v in limbs):
        values = [gvs[pelvis_side][v] for v in _PELVIC]
        values += [gvs[s][v] for s in SIDES for v in limbs]
        gps["overall"] = _rms(values)
    else:
        gps["overall"] = None
    return GaitScores(gvs=gvs, gps=gps, norms=ns.name, missing=missing)
