"""The same person with a normal ankle: how much of the L5/S1 load the compensation explains.

A model estimate, not a measurement. The clinical hypothesis (``clinical.md`` §2b, §4a: weak,
inconsistent evidence) is that a dorsiflexion deficit is made up for higher in the chain by
more anterior pelvic tilt and more lumbar extension. The model:

1. **Deficit** ``D``: how far the measured peak stance dorsiflexion falls short of a
   non-restricted ankle (10°, the threshold of Rao et al. 2024; never negative), on the worse
   side.
2. **Compensation**: ``ΔT = k·D`` degrees of extra anterior pelvic tilt, ``k`` the coupling
   (deg of tilt per deg of deficit). No study quantifies ``k``; the scenarios are 0 (low: no
   coupling, which the literature cannot rule out), 0.25 (central) and 0.5 (high).
3. **Posture**: a share ``λ`` of ``ΔT`` is absorbed by extra lumbar extension (the trunk stays
   upright); the rest, ``(1 − λ)ΔT``, leans the trunk forward with the pelvis. Default
   ``λ = 1`` (trunk upright, the usual description of the compensation).
4. **Counterfactual**: the pelvis (and with it the L5/S1 disc, which follows the sacrum) is
   turned back by ``ΔT``; the upper body's CoM is turned back about L5/S1 by ``(1 − λ)ΔT``,
   which changes the gravitational moment by ``W × Δlever``. Net force, accelerations and the
   inertial part of the moment are unchanged. Compression and shear are recomputed with the
   same single-equivalent-extensor model, and the share attributable to the compensation is
   ``(measured − counterfactual) / measured``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kinechain.load._lumbar import LumbarLoad, _rot_about
from kinechain.load._static import (
    REFERENCE_PELVIC_TILT_STANDING_DEG,
    StaticLoad,
    single_equivalent_muscle,
    static_lumbar_load,
)

FloatArray = NDArray[np.float64]

__all__ = [
    "COUPLING_SCENARIOS",
    "DEFAULT_LUMBAR_SHARE",
    "DORSIFLEXION_FINDINGS",
    "NORM_PEAK_DORSIFLEXION_DEG",
    "Counterfactual",
    "CounterfactualScenario",
    "counterfactual",
    "gait_lumbar_summary",
    "standing_lumbar_summary",
]

#: Peak stance dorsiflexion of a "normal" (non-restricted) ankle, deg: below 10° was used to
#: define restricted dorsiflexion (Rao et al. 2024, Front Neurol; ``clinical.md`` §2a; the
#: Schwartz 2008 mean is 11.8 ± 4.9°).
NORM_PEAK_DORSIFLEXION_DEG = 10.0
#: Extra anterior pelvic tilt (and L5/S1 disc inclination) per degree of dorsiflexion deficit:
#: an assumption, no study has measured it.
COUPLING_SCENARIOS: dict[str, float] = {"low": 0.0, "central": 0.25, "high": 0.5}
#: Share of the extra pelvic tilt absorbed by lumbar extension (1: the trunk stays upright).
DEFAULT_LUMBAR_SHARE = 1.0


@dataclass(frozen=True)
class CounterfactualScenario:
    """L5/S1 load with the compensation removed, for one coupling value.

    Attributes
    ----------
    name : str
    coupling : float
        Degrees of pelvic tilt per degree of dorsiflexion deficit.
    pelvic_tilt_change_deg, trunk_change_deg : float
        How far the pelvis and the trunk are turned back (posteriorly), deg.
    peak_compression_n, mean_compression_n, peak_shear_n, mean_shear_n : float
        Counterfactual values (anterior shear; the mean is of its magnitude).
    share : dict of str to float
        ``(measured − counterfactual) / measured`` for each of those four values.
    compression_n : array or None
        Per-frame counterfactual compression (gait only).
    """

    name: str
    coupling: float
    pelvic_tilt_change_deg: float
    trunk_change_deg: float
    peak_compression_n: float
    mean_compression_n: float
    peak_shear_n: float
    mean_shear_n: float
    share: dict[str, float]
    compression_n: FloatArray | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (no per-frame arrays)."""
        return {
            "coupling_deg_per_deg": self.coupling,
            "pelvic_tilt_change_deg": self.pelvic_tilt_change_deg,
            "trunk_change_deg": self.trunk_change_deg,
            "peak_compression_n": self.peak_compression_n,
            "mean_compression_n": self.mean_compression_n,
            "peak_shear_n": self.peak_shear_n,
            "mean_shear_n": self.mean_shear_n,
            "share_attributable": dict(self.share),
        }


@dataclass(frozen=True)
class Counterfactual:
    """Share of the L5/S1 load attributable to the compensation of a dorsiflexion deficit.

    Attributes
    ----------
    label : str
        Always "model estimate": the numbers come from stated assumptions, not measurement.
    peak_dorsiflexion_deg : dict of str to float
        Measured peak stance dorsiflexion per side.
    norm_peak_dorsiflexion_deg : float
    deficit_deg : float
        Mean over the sides of ``max(0, norm − measured)``.
    lumbar_share : float
    measured : dict of str to float
        Measured peak/mean compression and shear the shares are relative to.
    scenarios : dict of str to CounterfactualScenario
        ``low``, ``central``, ``high`` coupling (or the caller's).
    assumptions : list of str
    """

    label: str
    peak_dorsiflexion_deg: dict[str, float]
    norm_peak_dorsiflexion_deg: float
    deficit_deg: float
    lumbar_share: float
    measured: dict[str, float]
    scenarios: dict[str, CounterfactualScenario]
    assumptions: list[str] = field(default_factory=list)

    def statement(self) -> str:
        """One paragraph a clinician can read: what the model says and how far to trust it."""
        if self.deficit_deg <= 0.0:
            return (
                "Model estimate: no dorsiflexion deficit against "
                f"{self.norm_peak_dorsiflexion_deg:g}°, so no share of the L5/S1 load is "
                "attributed to a calf compensation."
            )
        return (
            "Model estimate, not a measurement: if the ankle's missing "
            f"{self.deficit_deg:.1f}° of dorsiflexion were made up by more anterior pelvic tilt "
            "and lumbar extension, the compensation would account for "
            f"{_pct_range(*self.share_range('peak_shear'))} of the peak L5/S1 shear and "
            f"{_pct_range(*self.share_range('peak_compression'))} of the peak compression "
            "(coupling "
            + ", ".join(f"{s.coupling:g}" for s in self.scenarios.values())
            + " degrees of tilt per degree of deficit). No study has measured this coupling; "
            "the calf-to-back link is a hypothesis with weak evidence."
        )

    def share_range(self, key: str = "peak_compression") -> tuple[float, float]:
        """Lowest and highest attributable share of ``key`` over the scenarios."""
        vals = [s.share[key] for s in self.scenarios.values()]
        return float(min(vals)), float(max(vals))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        lo, hi = self.share_range("peak_compression")
        central = self.scenarios.get("central")
        return {
            "label": self.label,
            "statement": self.statement(),
            "question": "the same person with a normal ankle",
            "peak_dorsiflexion_deg": {
                k: (None if not np.isfinite(v) else float(v))
                for k, v in self.peak_dorsiflexion_deg.items()
            },
            "norm_peak_dorsiflexion_deg": self.norm_peak_dorsiflexion_deg,
            "deficit_deg": self.deficit_deg,
            "lumbar_share": self.lumbar_share,
            "measured": dict(self.measured),
            "share_of_peak_compression": None
            if central is None
            else central.share["peak_compression"],
            "share_of_peak_compression_range": [lo, hi],
            "share_of_peak_shear_range": list(self.share_range("peak_shear")),
            "scenarios": {k: v.to_dict() for k, v in self.scenarios.items()},
            "assumptions": list(self.assumptions),
        }


def _pct_range(lo: float, hi: float) -> str:
    """A share range in words: "12–30 %", "less than 1 %"."""
    if max(abs(lo), abs(hi)) < 0.005:
        return "less than 1 %"
    if abs(hi - lo) < 0.005:
        return f"{100 * hi:.0f} %"
    return f"{100 * lo:.0f} to {100 * hi:.0f} %"


def _share(measured: float, cf: float) -> float:
    if not np.isfinite(measured) or abs(measured) < 1e-9:
        return 0.0
    return float((measured - cf) / measured)


def _stats(compression: FloatArray, shear: FloatArray) -> dict[str, float]:
    ok = np.isfinite(compression) & np.isfinite(shear)
    if not ok.any():
        nan = float("nan")
        return {
            "peak_compression": nan,
            "mean_compression": nan,
            "peak_shear": nan,
            "mean_shear": nan,
        }
    return {
        "peak_compression": float(np.max(compression[ok])),
        "mean_compression": float(np.mean(compression[ok])),
        "peak_shear": float(np.max(shear[ok])),
        "mean_shear": float(np.mean(np.abs(shear[ok]))),
    }


def _gait_counterfactual(
    load: LumbarLoad, tilt_deg: float, trunk_deg: float
) -> tuple[FloatArray, FloatArray]:
    """Per-frame compression and anterior shear with the posture turned back."""
    n = load.time.shape[0]
    r_c = load.upper_body_com - load.l5s1
    turn_trunk = _rot_about(load.left, np.full(n, -np.radians(trunk_deg)))
    r_cf = np.einsum("nij,nj->ni", turn_trunk, r_c)
    weight_up = load.upper_body_weight_n * load.up
    moment = load.moment + np.cross(r_cf - r_c, weight_up)
    disc = _rot_about(load.left, np.full(n, -np.radians(tilt_deg))) @ load.disc_axes
    f_disc = np.einsum("nji,nj->ni", disc, load.force)
    m_disc = np.einsum("nji,nj->ni", disc, moment)
    _, compression, shear = single_equivalent_muscle(
        -m_disc[:, 1], f_disc[:, 2], f_disc[:, 0], load.extensor_moment_arm_m
    )
    return compression, shear


def _static_counterfactual(load: StaticLoad, tilt_deg: float, trunk_deg: float) -> StaticLoad:
    """The static posture with the pelvis turned back by ``tilt_deg`` and the trunk by
    ``trunk_deg``."""
    inp = load.inputs
    theta = load.trunk_flexion_deg
    ref = float(inp.get("reference_pelvic_tilt_deg", REFERENCE_PELVIC_TILT_STANDING_DEG))
    tilt = ref + theta if inp.get("pelvic_tilt_deg") is None else float(inp["pelvic_tilt_deg"])
    return static_lumbar_load(
        theta - trunk_deg,
        float(inp["body_mass_kg"]),
        height_m=float(inp["height_m"]),
        upper_body_fraction=float(inp["upper_body_fraction"]),
        moment_arm_m=float(inp["moment_arm_m"]),
        disc_extra_inclination_deg=float(inp["disc_extra_inclination_deg"]),
        com_height_m=float(inp["com_height_m"]),
        com_anterior_m=float(inp["com_anterior_m"]),
        pelvic_tilt_deg=tilt - tilt_deg,
        reference_pelvic_tilt_deg=ref,
    )


def counterfactual(
    load: LumbarLoad | StaticLoad,
    *,
    peak_dorsiflexion_deg: float | Mapping[str, float] | None = None,
    norm_peak_dorsiflexion_deg: float = NORM_PEAK_DORSIFLEXION_DEG,
    coupling: Mapping[str, float] | None = None,
    lumbar_share: float = DEFAULT_LUMBAR_SHARE,
) -> Counterfactual:
    """L5/S1 load of the same person with a normal ankle (a documented model estimate).

    Parameters
    ----------
    load : LumbarLoad or StaticLoad
        The measured (gait) or static load.
    peak_dorsiflexion_deg : float or mapping of side to float, optional
        Measured peak stance dorsiflexion (deg). Default: the per-side means over the strides
        that :func:`lumbar_load` found; required for a static load.
    norm_peak_dorsiflexion_deg : float
        Dorsiflexion of a normal ankle (default 10°, Rao et al. 2024).
    coupling : mapping of str to float, optional
        Scenario name → degrees of extra pelvic tilt per degree of deficit. Default
        :data:`COUPLING_SCENARIOS` (low 0, central 0.25, high 0.5).
    lumbar_share : float
        Share of the extra tilt absorbed by lumbar extension, 0–1 (default 1: the trunk stays
        upright).

    Returns
    -------
    Counterfactual

    Raises
    ------
    ValueError
        No dorsiflexion value is known, or ``lumbar_share`` is outside 0–1.
    """
    if not 0.0 <= lumbar_share <= 1.0:
        raise ValueError(f"lumbar_share must lie in [0, 1], not {lumbar_share}")
    if peak_dorsiflexion_deg is None:
        if isinstance(load, LumbarLoad):
            df = dict(load.peak_stance_dorsiflexion_deg)
        else:
            df = {}
    elif isinstance(peak_dorsiflexion_deg, Mapping):
        df = {str(k): float(v) for k, v in peak_dorsiflexion_deg.items()}
    else:
        df = {"both": float(peak_dorsiflexion_deg)}
    known = [v for v in df.values() if np.isfinite(v)]
    if not known:
        raise ValueError(
            "peak stance dorsiflexion unknown (no complete stride): pass peak_dorsiflexion_deg"
        )
    deficit = float(max(max(0.0, norm_peak_dorsiflexion_deg - v) for v in known))
    scenarios_in = dict(COUPLING_SCENARIOS if coupling is None else coupling)

    if isinstance(load, LumbarLoad):
        ok = load.valid
        measured = _stats(
            np.where(ok, load.compression_n, np.nan), np.where(ok, load.shear_n, np.nan)
        )
    else:
        measured = _stats(np.array([load.compression_n]), np.array([load.shear_n]))

    scenarios: dict[str, CounterfactualScenario] = {}
    for name, k in scenarios_in.items():
        tilt = float(k) * deficit
        trunk = (1.0 - lumbar_share) * tilt
        if isinstance(load, LumbarLoad):
            comp, shear = _gait_counterfactual(load, tilt, trunk)
            comp = np.where(load.valid, comp, np.nan)
            shear = np.where(load.valid, shear, np.nan)
            per_frame: FloatArray | None = comp
        else:
            cf_load = _static_counterfactual(load, tilt, trunk)
            comp, shear = np.array([cf_load.compression_n]), np.array([cf_load.shear_n])
            per_frame = None
        st = _stats(comp, shear)
        scenarios[name] = CounterfactualScenario(
            name=name,
            coupling=float(k),
            pelvic_tilt_change_deg=0.0 - tilt,
            trunk_change_deg=0.0 - trunk,
            peak_compression_n=st["peak_compression"],
            mean_compression_n=st["mean_compression"],
            peak_shear_n=st["peak_shear"],
            mean_shear_n=st["mean_shear"],
            share={key: _share(measured[key], st[key]) for key in measured},
            compression_n=per_frame,
        )
    assumptions = [
        "MODEL ESTIMATE: no study has measured how much pelvic tilt a dorsiflexion deficit "
        "causes; the calf-to-back chain is a clinical hypothesis with weak evidence",
        f"deficit = max(0, {norm_peak_dorsiflexion_deg:g}° − peak stance dorsiflexion) on the "
        f"worse side = {deficit:.1f}° (10°: threshold of restricted dorsiflexion, Rao et al. "
        "2024)",
        "compensation = extra anterior pelvic tilt of k × deficit; scenarios k = "
        + ", ".join(f"{v:g} ({n})" for n, v in scenarios_in.items())
        + " deg/deg; k = 0 (no coupling) makes nothing attributable",
        f"{100 * lumbar_share:.0f} % of that tilt taken up by lumbar extension (trunk upright), "
        f"{100 * (1 - lumbar_share):.0f} % leaning the trunk forward",
        "with a normal ankle the pelvis and the L5/S1 disc turn back by the extra tilt and the "
        "upper body by its forward lean; forces, accelerations and the inertial moment stay",
        "compression and shear from the same single-equivalent-extensor model",
    ]
    if deficit == 0.0:
        assumptions.append("no dorsiflexion deficit against the norm: nothing is attributable")
    return Counterfactual(
        label="model estimate",
        peak_dorsiflexion_deg=df,
        norm_peak_dorsiflexion_deg=norm_peak_dorsiflexion_deg,
        deficit_deg=deficit,
        lumbar_share=lumbar_share,
        measured=measured,
        scenarios=scenarios,
        assumptions=assumptions,
    )


def _finding_get(f: Any, key: str) -> Any:
    return f.get(key) if isinstance(f, Mapping) else getattr(f, key, None)


#: Findings whose value is an ankle dorsiflexion (deg) the counterfactual can use: gait peak
#: stance dorsiflexion, or the clinic's knee-extended / knee-flexed dorsiflexion.
DORSIFLEXION_FINDINGS = (
    "ankle_peak_df_restricted",
    "calf_gastrocnemius_tight",
    "calf_soleus_or_joint_restricted",
)


def standing_lumbar_summary(
    *,
    body_mass_kg: float,
    sex: str | None = None,
    height_m: float | None = None,
    findings: Any = (),
) -> dict[str, Any]:
    """Standing L5/S1 load, its NIOSH comparison, and the calf-compensation counterfactual.

    Parameters
    ----------
    body_mass_kg : float
    sex : str, optional
    height_m : float, optional
        Stature (1.75 m assumed when not given, and said so).
    findings : iterable of Finding (or dicts)
        ``pelvis_anterior_tilt`` (standing pelvic tilt, deg) sets the disc inclination; the
        lowest dorsiflexion among :data:`DORSIFLEXION_FINDINGS` sets the deficit.

    Returns
    -------
    dict
        The upright standing load (:meth:`StaticLoad.to_dict` keys plus ``model``,
        ``posture``, ``sex``) and, when there is a dorsiflexion deficit, ``counterfactual``:
        for each coupling scenario the load *with* the compensation (the measured standing
        tilt when given, else the reference tilt plus ``k × deficit``) and the share of it
        the compensation accounts for, with a plain-language ``statement``.
    """
    h = height_m or 1.75
    tilt: float | None = None
    df: list[float] = []
    for f in findings or ():
        fid, value = _finding_get(f, "id"), _finding_get(f, "value")
        if value is None or not np.isfinite(float(value)):
            continue
        if fid == "pelvis_anterior_tilt":
            tilt = float(value) if tilt is None else max(tilt, float(value))
        elif fid in DORSIFLEXION_FINDINGS:
            df.append(float(value))
    actual = static_lumbar_load(0.0, body_mass_kg, height_m=h, pelvic_tilt_deg=tilt, sex=sex)
    out: dict[str, Any] = {
        "model": "static single-equivalent extensor, upright standing (3DSSPP-style)",
        "posture": "upright standing",
        **actual.to_dict(),
        "sex": sex,
    }
    out.pop("inputs", None)
    if not height_m:
        out["assumptions"] = [*out["assumptions"], "height not given: 1.75 m assumed"]
    deficit = max((max(0.0, NORM_PEAK_DORSIFLEXION_DEG - v) for v in df), default=0.0)
    if deficit > 0.0:
        ref = REFERENCE_PELVIC_TILT_STANDING_DEG
        estimates: dict[str, Any] = {}
        shares: dict[str, CounterfactualScenario] = {}
        for name, k in COUPLING_SCENARIOS.items():
            with_tilt = tilt if tilt is not None else ref + k * deficit
            with_comp = static_lumbar_load(0.0, body_mass_kg, height_m=h, pelvic_tilt_deg=with_tilt)
            cf = counterfactual(
                with_comp,
                peak_dorsiflexion_deg=NORM_PEAK_DORSIFLEXION_DEG - deficit,
                coupling={name: k},
            )
            sc = shares[name] = cf.scenarios[name]
            estimates[name] = {
                "extra_disc_inclination_deg": k * deficit,
                "shear_n": with_comp.shear_n,
                "compression_n": with_comp.compression_n,
                "shear_without_compensation_n": sc.peak_shear_n,
                "compression_without_compensation_n": sc.peak_compression_n,
                "shear_share_from_compensation": sc.share["peak_shear"],
                "compression_share_from_compensation": sc.share["peak_compression"],
            }
        summary = Counterfactual(
            label="model estimate",
            peak_dorsiflexion_deg={"worst": NORM_PEAK_DORSIFLEXION_DEG - deficit},
            norm_peak_dorsiflexion_deg=NORM_PEAK_DORSIFLEXION_DEG,
            deficit_deg=deficit,
            lumbar_share=DEFAULT_LUMBAR_SHARE,
            measured={},
            scenarios=shares,
            assumptions=cf.assumptions,
        )
        out["counterfactual"] = {
            "label": "model estimate",
            "dorsiflexion_deficit_deg": deficit,
            "measured_standing_pelvic_tilt": tilt is not None,
            "estimates": estimates,
            "statement": summary.statement(),
            "assumptions": list(cf.assumptions),
        }
    return out


def gait_lumbar_summary(load: LumbarLoad) -> dict[str, Any]:
    """:meth:`LumbarLoad.to_dict` plus the counterfactual, ready for ``metrics.json``.

    The ``counterfactual`` key holds :meth:`Counterfactual.to_dict` (with its ``statement``)
    when a peak stance dorsiflexion is known, else a note saying why there is none.
    """
    out = load.to_dict()
    try:
        out["counterfactual"] = counterfactual(load).to_dict()
    except ValueError as err:
        out["counterfactual"] = {"label": "model estimate", "statement": f"not computed: {err}"}
    return out
