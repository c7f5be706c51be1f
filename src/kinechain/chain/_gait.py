"""Findings from a gait analysis, and the per-person test of the chain across strides.

Input is the ``chain`` table of a gait analysis (``Analysis.metrics()["chain"]`` or the
``chain`` key of metrics.json): per side, per measure, the per-stride values, their mean and the
normative mean and SD.

Normal band of a gait measure: the normative mean ± 2 SD (the band a gait lab flags). A finding
is *present* when the subject's mean lies outside the band on the side the chain predicts;
severity grows with the distance: mild 2–3 SD, moderate 3–4 SD, severe ≥ 4 SD. Where a clinical
threshold exists it is used instead (peak stance dorsiflexion < 10°, Rao et al. 2024; knee
hyperextension in stance < 0°).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kinechain.chain._model import Finding

__all__ = [
    "ASSOCIATIONS",
    "MIN_STRIDES_FOR_ASSOCIATION",
    "PEAK_DF_RESTRICTED_DEG",
    "Association",
    "gait_findings",
    "stride_associations",
]

#: Peak stance dorsiflexion below this is "restricted" (Rao et al. 2024, Front Neurol; the
#: threshold used to define the restricted group; clinical.md §2a).
PEAK_DF_RESTRICTED_DEG = 10.0
#: Fewer strides than this: the association across strides is not tested.
MIN_STRIDES_FOR_ASSOCIATION = 5
_SIDES = ("left", "right")


def _f(v: Any) -> float | None:
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _z_severity(z: float | None) -> str:
    if z is None or abs(z) < 2.0:
        return "none"
    return "mild" if abs(z) < 3.0 else "moderate" if abs(z) < 4.0 else "severe"


def _band(entry: Mapping[str, Any]) -> tuple[float | None, float | None]:
    m, sd = _f(entry.get("norm_mean")), _f(entry.get("norm_sd"))
    if m is None or sd is None:
        return (None, None)
    return (m - 2.0 * sd, m + 2.0 * sd)


def _gait_citation(norms: str) -> str:
    return f"normative set {norms} (mean ± 2 SD)"


def gait_findings(chain: Mapping[str, Any], *, norms: str = "") -> list[Finding]:
    """Chain findings from the gait analysis' ``chain`` table.

    Parameters
    ----------
    chain : mapping
        ``{"left": {measure: {...}}, "right": {...}}`` as written to metrics.json.
    norms : str
        Name of the normative set (for the citation).

    Returns
    -------
    list of Finding
        For each side with data: ``ankle_peak_df_restricted``, ``knee_hyperextension_stance``,
        ``pelvis_anterior_tilt_gait``, ``foot_progression_out_toeing`` (or in-toeing),
        ``lumbar_extension_gait`` — each present or not, with its value and band.
    """
    out: list[Finding] = []
    for side in _SIDES:
        table = chain.get(side) or {}
        if not table:
            continue
        df = table.get("peak_stance_dorsiflexion")
        if df and _f(df.get("mean")) is not None:
            v = float(df["mean"])
            severity = (
                "none"
                if v >= PEAK_DF_RESTRICTED_DEG
                else "mild"
                if v >= 5.0
                else "moderate"
                if v >= 0.0
                else "severe"
            )
            out.append(
                Finding(
                    id="ankle_peak_df_restricted",
                    side=side,
                    link="ankle",
                    label="Peak ankle dorsiflexion in stance (gait)",
                    value=v,
                    unit="deg",
                    normal_low=PEAK_DF_RESTRICTED_DEG,
                    normal_high=None,
                    present=v < PEAK_DF_RESTRICTED_DEG,
                    severity=severity,
                    evidence="ankle_df_gait",
                    citation="Rao et al. 2024, Front Neurol (peak stance DF < 10° = restricted)",
                    source="gait",
                    detail=(
                        f"{v:.1f}° peak dorsiflexion in stance "
                        f"({'below' if v < PEAK_DF_RESTRICTED_DEG else 'at or above'} 10°)"
                    ),
                    extra={"z": df.get("z"), "per_stride": df.get("per_stride", [])},
                )
            )
        knee = table.get("knee_flexion_min_stance")
        if knee and _f(knee.get("mean")) is not None:
            v = float(knee["mean"])
            sev = "none" if v >= 0 else "mild" if v > -5 else "moderate" if v > -10 else "severe"
            out.append(
                Finding(
                    id="knee_hyperextension_stance",
                    side=side,
                    link="knee",
                    label="Knee hyperextension in stance (gait)",
                    value=v,
                    unit="deg",
                    normal_low=0.0,
                    normal_high=None,
                    present=v < 0.0,
                    severity=sev,
                    evidence="knee_hyperextension",
                    citation=(
                        "minimum stance knee flexion below 0° = hyperextension; > 5° = genu "
                        "recurvatum flag (Loudon et al. 1998, JOSPT)"
                    ),
                    source="gait",
                    detail=f"minimum knee flexion in stance {v:.1f}°",
                    extra={"z": knee.get("z"), "per_stride": knee.get("per_stride", [])},
                )
            )
        for spec in _Z_FINDINGS:
            entry = table.get(spec.measure)
            if entry and _f(entry.get("mean")) is not None:
                out.append(_z_finding(spec, side, entry, norms))
    return out


@dataclass(frozen=True)
class _ZSpec:
    """A gait finding judged by its z-score against the normative set."""

    measure: str
    id: str
    link: str
    label: str
    evidence: str
    direction: int  # +1: present when z ≥ 2; −1: present when z ≤ −2
    text: str  # detail, formatted with the value


_Z_FINDINGS = (
    _ZSpec(
        "pelvic_tilt_mean",
        "pelvis_anterior_tilt_gait",
        "pelvis",
        "Anterior pelvic tilt, mean over the gait cycle",
        "pelvic_tilt",
        +1,
        "mean pelvic tilt {v:.1f}° anterior",
    ),
    _ZSpec(
        "foot_progression_mean_stance",
        "foot_out_toeing_gait",
        "foot",
        "Foot progression in stance (out-toeing when negative)",
        "foot_pronation",
        -1,
        "foot progression {v:.1f}° (+ internal)",
    ),
    _ZSpec(
        "trunk_extension_mean",
        "lumbar_extension_gait",
        "lumbar",
        "Trunk extension relative to the pelvis, mean over the cycle",
        "lumbar_extension",
        +1,
        "trunk extended {v:.1f}° relative to the pelvis",
    ),
)


def _z_finding(spec: _ZSpec, side: str, entry: Mapping[str, Any], norms: str) -> Finding:
    v = float(entry["mean"])
    lo, hi = _band(entry)
    z = _f(entry.get("z"))
    present = z is not None and spec.direction * z >= 2.0
    detail = spec.text.format(v=v) + (
        f" (z = {z:+.1f})" if z is not None else "; no normative value for this measure"
    )
    return Finding(
        id=spec.id,
        side=side,
        link=spec.link,
        label=spec.label,
        value=v,
        unit="deg",
        normal_low=lo,
        normal_high=hi,
        present=present,
        severity=_z_severity(z) if present else "none",
        evidence=spec.evidence,
        citation=_gait_citation(norms) if z is not None else "no normative value",
        source="gait",
        detail=detail,
        extra={"z": z, "per_stride": entry.get("per_stride", [])},
    )


@dataclass(frozen=True)
class Association:
    """Stride-by-stride association between the ankle deficit and a change above it.

    ``r`` is Pearson's correlation between peak stance dorsiflexion and the other measure over
    strides; ``ci`` its 95 % interval (Fisher z). ``expected_sign`` is the sign the chain
    predicts (less dorsiflexion going with more hyperextension means a positive r with minimum
    knee flexion; with more anterior tilt or more lumbar extension, a negative r).
    ``verdict``: ``supported`` (CI excludes 0 on the predicted side), ``contradicted`` (CI
    excludes 0 on the other side), ``not_supported`` (CI includes 0) or ``too_few_strides``.
    """

    side: str
    target: str
    link: str
    n: int
    r: float | None
    ci: tuple[float, float] | None
    expected_sign: int
    verdict: str
    statement: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "target": self.target,
            "link": self.link,
            "n_strides": self.n,
            "r": self.r,
            "ci95": list(self.ci) if self.ci else None,
            "expected_sign": self.expected_sign,
            "verdict": self.verdict,
            "statement": self.statement,
        }


#: (measure, link, label, sign the chain predicts for r with peak stance dorsiflexion).
ASSOCIATIONS: tuple[tuple[str, str, str, int], ...] = (
    ("knee_flexion_min_stance", "knee", "knee hyperextension", +1),
    ("pelvic_tilt_mean", "pelvis", "anterior pelvic tilt", -1),
    ("trunk_extension_mean", "lumbar", "lumbar extension", -1),
)


def _pearson_ci(x: np.ndarray, y: np.ndarray) -> tuple[float, tuple[float, float]]:
    r = float(np.corrcoef(x, y)[0, 1])
    r_c = min(max(r, -0.999999), 0.999999)
    z = math.atanh(r_c)
    half = 1.959963984540054 / math.sqrt(x.size - 3)
    return r, (math.tanh(z - half), math.tanh(z + half))


def stride_associations(
    chain: Mapping[str, Any], *, min_strides: int = MIN_STRIDES_FOR_ASSOCIATION
) -> list[Association]:
    """Test the chain in this person: does less dorsiflexion go with the changes above it?

    For each side and each of :data:`ASSOCIATIONS`, correlate the per-stride peak stance
    dorsiflexion with the per-stride measure (strides where both exist).

    Parameters
    ----------
    chain : mapping
        The gait analysis' chain table (with ``per_stride`` lists).
    min_strides : int
        Below this many paired strides the link is not tested (``too_few_strides``).

    Returns
    -------
    list of Association
    """
    out: list[Association] = []
    for side in _SIDES:
        table = chain.get(side) or {}
        df = np.asarray(
            [
                np.nan if v is None else v
                for v in (table.get("peak_stance_dorsiflexion") or {}).get("per_stride", [])
            ],
            dtype=np.float64,
        )
        for key, link, label, sign in ASSOCIATIONS:
            values: Sequence[Any] = (table.get(key) or {}).get("per_stride", [])
            y = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
            n_pair = min(df.size, y.size)
            ok = np.isfinite(df[:n_pair]) & np.isfinite(y[:n_pair])
            x_ok, y_ok = df[:n_pair][ok], y[:n_pair][ok]
            n = int(ok.sum())
            if n < max(min_strides, 4) or np.std(x_ok) == 0 or np.std(y_ok) == 0:
                out.append(
                    Association(
                        side,
                        key,
                        link,
                        n,
                        None,
                        None,
                        sign,
                        "too_few_strides",
                        f"{side}: {n} stride(s) with both values — too few to test whether "
                        f"less dorsiflexion goes with more {label} in this person "
                        f"(needs {max(min_strides, 4)}).",
                    )
                )
                continue
            r, ci = _pearson_ci(x_ok, y_ok)
            if ci[0] > 0 or ci[1] < 0:
                agrees = (ci[0] > 0) == (sign > 0)
                verdict = "supported" if agrees else "contradicted"
            else:
                verdict = "not_supported"
            text = {
                "supported": f"strides with less dorsiflexion had more {label}",
                "contradicted": f"strides with less dorsiflexion had less {label}, "
                "the opposite of the chain",
                "not_supported": f"the data do not show that less dorsiflexion goes with more "
                f"{label}",
            }[verdict]
            out.append(
                Association(
                    side,
                    key,
                    link,
                    n,
                    r,
                    ci,
                    sign,
                    verdict,
                    f"{side}: {text} (r = {r:+.2f}, 95 % CI {ci[0]:+.2f} to {ci[1]:+.2f}, "
                    f"{n} strides).",
                )
            )
    return out
