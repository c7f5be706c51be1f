"""Static, top-down L5/S1 load: a single-equivalent-extensor model (3DSSPP-style).

Upper-body weight ``W`` acts at a centre of mass a lever ``L`` above L5/S1 and ``d0`` in front
of it when upright; with the trunk flexed by ``θ`` the moment about L5/S1 is

    M = W · (L · sin θ + d0 · cos θ)

and one extensor with moment arm ``d`` balances it: ``F = M / d``. With the disc plane tilted by
``θ + α`` from horizontal (``α``: extra inclination of the L5/S1 disc, e.g. from more anterior
pelvic tilt and lordosis), compression and shear are

    C = W · cos(θ + α) + F,        S = W · sin(θ + α).

Defaults reproduce the illustration of the reference sheet (clinical.md §6c, derived from
3DSSPP's method): 55 % of body weight above L5/S1, L = 0.22 m and d0 = 0.02 m for a 1.75 m
adult (scaled with height), d = 0.05 m (classic erector spinae moment arm) — 70 kg upright gives
≈ 530 N compression. Compression is compared with the NIOSH action limit (3400 N) and maximum
permissible limit (6400 N) (NIOSH 1981), shear with 1000 N (Arjmand et al. 2015). Beyond about
45–60° of flexion the model is unreliable (passive tissues take over).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "EXTENSOR_MOMENT_ARM_M",
    "NIOSH_ACTION_LIMIT_N",
    "NIOSH_MAX_LIMIT_N",
    "SHEAR_LIMIT_N",
    "UPPER_BODY_FRACTION",
    "StaticLoad",
    "standing_lumbar_summary",
    "static_lumbar_load",
]

G = 9.81
#: NIOSH 1981 action limit and maximum permissible limit for L5/S1 compression, N.
NIOSH_ACTION_LIMIT_N = 3400.0
NIOSH_MAX_LIMIT_N = 6400.0
#: Suggested L5/S1 shear limit, N (Arjmand et al. 2015, Int J Ind Ergon).
SHEAR_LIMIT_N = 1000.0
#: Share of body weight above L5/S1 (reference sheet §6b–c: 50–60 %; 55 % in its example).
UPPER_BODY_FRACTION = 0.55
#: Single-equivalent extensor moment arm, m (classic 5 cm; Jorgensen et al. 2001 give
#: sex-specific MRI values).
EXTENSOR_MOMENT_ARM_M = 0.05
#: Upper-body CoM lever above L5/S1 and its anterior offset upright, per metre of stature
#: (0.22 m and 0.02 m for 1.75 m, reference sheet §6c).
LEVER_PER_HEIGHT = 0.22 / 1.75
OFFSET_PER_HEIGHT = 0.02 / 1.75
#: Counterfactual coupling: degrees of extra disc inclination per degree of dorsiflexion
#: deficit — an assumption (no study measured it), central value and range.
COUPLING_CENTRAL, COUPLING_LOW, COUPLING_HIGH = 0.25, 0.0, 0.5
#: Dorsiflexion the counterfactual "normal ankle" is given, deg (peak stance DF, Rao 2024).
NORMAL_PEAK_DF_DEG = 10.0


@dataclass(frozen=True)
class StaticLoad:
    """L5/S1 load in a static posture (N, N·m, degrees)."""

    trunk_flexion_deg: float
    disc_extra_inclination_deg: float
    upper_body_weight_n: float
    moment_nm: float
    extensor_force_n: float
    compression_n: float
    shear_n: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def static_lumbar_load(
    trunk_flexion_deg: float,
    body_mass_kg: float,
    *,
    height_m: float = 1.75,
    upper_body_fraction: float = UPPER_BODY_FRACTION,
    moment_arm_m: float = EXTENSOR_MOMENT_ARM_M,
    disc_extra_inclination_deg: float = 0.0,
) -> StaticLoad:
    """L5/S1 moment, extensor force, compression and shear in a static posture.

    Examples
    --------
    Upper body 378 N (the reference sheet's 70 kg example): upright ≈ 530 N.

    >>> round(static_lumbar_load(0.0, 378 / (0.55 * 9.81)).compression_n)
    529
    """
    if body_mass_kg <= 0 or height_m <= 0 or moment_arm_m <= 0:
        raise ValueError("body mass, height and moment arm must be positive")
    w = upper_body_fraction * body_mass_kg * G
    th = math.radians(trunk_flexion_deg)
    lever, offset = LEVER_PER_HEIGHT * height_m, OFFSET_PER_HEIGHT * height_m
    moment = w * (lever * math.sin(th) + offset * math.cos(th))
    force = moment / moment_arm_m
    tilt = th + math.radians(disc_extra_inclination_deg)
    return StaticLoad(
        trunk_flexion_deg=trunk_flexion_deg,
        disc_extra_inclination_deg=disc_extra_inclination_deg,
        upper_body_weight_n=w,
        moment_nm=moment,
        extensor_force_n=force,
        compression_n=w * math.cos(tilt) + force,
        shear_n=w * math.sin(tilt),
    )


def _df_deficit(findings: Iterable[Any]) -> float | None:
    """Largest dorsiflexion deficit below :data:`NORMAL_PEAK_DF_DEG` among the findings."""
    worst: float | None = None
    for f in findings:
        fid = getattr(f, "id", None) or (f.get("id") if isinstance(f, dict) else None)
        value = getattr(f, "value", None) if not isinstance(f, dict) else f.get("value")
        if (
            fid
            in (
                "ankle_peak_df_restricted",
                "calf_gastrocnemius_tight",
                "calf_soleus_or_joint_restricted",
            )
            and value is not None
        ):
            deficit = max(0.0, NORMAL_PEAK_DF_DEG - float(value))
            worst = deficit if worst is None else max(worst, deficit)
    return worst


def standing_lumbar_summary(
    *,
    body_mass_kg: float,
    sex: str | None = None,
    height_m: float | None = None,
    findings: Iterable[Any] = (),
) -> dict[str, Any]:
    """Standing L5/S1 load, its NIOSH comparison, and the calf-compensation counterfactual.

    The counterfactual is a model estimate: it assumes the dorsiflexion deficit (below 10°)
    tilts the L5/S1 disc by ``coupling × deficit`` degrees through more anterior pelvic tilt
    and lordosis, and removes that tilt ("the same person with a normal ankle"). The share of
    the shear attributable to the compensation is given for the central coupling and its range.
    """
    h = height_m or 1.75
    actual = static_lumbar_load(0.0, body_mass_kg, height_m=h)
    out: dict[str, Any] = {
        "model": "static single-equivalent extensor, upright standing (3DSSPP-style)",
        "posture": "upright standing",
        "upper_body_weight_n": actual.upper_body_weight_n,
        "moment_nm": actual.moment_nm,
        "extensor_force_n": actual.extensor_force_n,
        "compression_n": actual.compression_n,
        "shear_n": actual.shear_n,
        "niosh_action_limit_n": NIOSH_ACTION_LIMIT_N,
        "niosh_max_limit_n": NIOSH_MAX_LIMIT_N,
        "compression_share_of_action_limit": actual.compression_n / NIOSH_ACTION_LIMIT_N,
        "shear_limit_n": SHEAR_LIMIT_N,
        "assumptions": [
            f"{UPPER_BODY_FRACTION:.0%} of body weight above L5/S1 (de Leva 1996 segments; "
            "reference sheet 50–60 %)",
            f"extensor moment arm {EXTENSOR_MOMENT_ARM_M * 100:.0f} cm; upper-body centre of "
            f"mass {LEVER_PER_HEIGHT * h:.2f} m above and {OFFSET_PER_HEIGHT * h * 100:.1f} cm "
            "in front of L5/S1" + ("" if height_m else " (height not given: 1.75 m assumed)"),
            "static posture, no co-contraction or abdominal pressure: compression is a lower "
            "estimate (3DSSPP-style)",
        ],
        "sex": sex,
    }
    deficit = _df_deficit(findings)
    if deficit:
        shares = {}
        for name, c in (
            ("low", COUPLING_LOW),
            ("central", COUPLING_CENTRAL),
            ("high", COUPLING_HIGH),
        ):
            comp = static_lumbar_load(
                0.0, body_mass_kg, height_m=h, disc_extra_inclination_deg=c * deficit
            )
            shares[name] = {
                "extra_disc_inclination_deg": c * deficit,
                "shear_n": comp.shear_n,
                "compression_n": comp.compression_n,
                "shear_share_from_compensation": (comp.shear_n - actual.shear_n) / comp.shear_n
                if comp.shear_n
                else 0.0,
            }
        out["counterfactual"] = {
            "dorsiflexion_deficit_deg": deficit,
            "estimates": shares,
            "statement": (
                "Model estimate, not a measurement: if the ankle's missing "
                f"{deficit:.0f}° of dorsiflexion were made up by more anterior pelvic tilt and "
                f"lordosis ({COUPLING_CENTRAL:g}° of disc tilt per degree, range "
                f"{COUPLING_LOW:g}–{COUPLING_HIGH:g}), about "
                f"{shares['central']['shear_share_from_compensation']:.0%} of the standing "
                "L5/S1 shear would come from that compensation. No study has measured this "
                "coupling; the calf-to-back link is a hypothesis."
            ),
        }
    return out
