"""Static, top-down L5/S1 load and the single-equivalent-extensor model (3DSSPP-style).

Upper-body weight ``W`` acts at a centre of mass a lever ``L`` above L5/S1 and ``d0`` in front
of it when upright; with the trunk flexed by ``θ`` the moment about L5/S1 is

    M = W · (L · sin θ + d0 · cos θ)

and one extensor with moment arm ``d`` balances it: ``F = |M| / d``. With the disc normal
inclined forward by ``δ`` from the vertical, compression and anterior shear are

    C = W · cos δ + F,        S = W · sin δ.

The disc follows the pelvis (the sacrum): ``δ = α + (τ − τ_ref)``, ``τ`` the pelvic tilt,
``τ_ref`` a reference tilt at which the disc plane is horizontal, ``α`` an extra inclination
(default 0). When the pelvic tilt is not given the pelvis is taken to turn with the trunk,
``τ = τ_ref + θ``, so ``δ = θ + α``.

Defaults reproduce the illustration of the reference sheet (``clinical.md`` §6c, derived from
3DSSPP's method): 55 % of body weight above L5/S1, L = 0.22 m and d0 = 0.02 m for a 1.75 m
adult (scaled with height), d = 0.05 m (classic erector spinae moment arm) — 70 kg upright gives
≈ 530 N compression. Compression is compared with the NIOSH action limit (3400 N) and maximum
permissible limit (6400 N) (NIOSH 1981), shear with 1000 N (Arjmand et al. 2015). Beyond about
45–60° of flexion the model is unreliable (passive tissues take over).

The same single-equivalent-muscle decomposition (:func:`single_equivalent_muscle`) turns the
bottom-up gait moments and forces of :func:`kinechain.load.lumbar_load` into compression and
shear.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "EXTENSOR_MOMENT_ARM_M",
    "NIOSH_ACTION_LIMIT_N",
    "NIOSH_MAX_LIMIT_N",
    "REFERENCE_PELVIC_TILT_GAIT_DEG",
    "REFERENCE_PELVIC_TILT_STANDING_DEG",
    "SHEAR_LIMIT_N",
    "UPPER_BODY_FRACTION",
    "StaticLoad",
    "limits_dict",
    "niosh_band",
    "single_equivalent_muscle",
    "static_lumbar_load",
]

G = 9.81
#: NIOSH 1981 action limit and maximum permissible limit for L5/S1 compression, N (the action
#: limit is kept by the 1991 revised equation; in load terms MPL = 3 × AL).
NIOSH_ACTION_LIMIT_N = 3400.0
NIOSH_MAX_LIMIT_N = 6400.0
#: Suggested L5/S1 shear limit, N (Arjmand et al. 2015, Int J Ind Ergon).
SHEAR_LIMIT_N = 1000.0
#: Share of body weight above L5/S1 (reference sheet §6b–c: 50–60 %; 55 % in its example;
#: de Leva's segments give 54.7 % for men and 52.0 % for women,
#: :func:`kinechain.load.upper_body`).
UPPER_BODY_FRACTION = 0.55
#: Single-equivalent extensor moment arm, m (classic 5 cm; Jorgensen et al. 2001, Clin
#: Biomech 16:182, give sex-specific MRI values — pass your own).
EXTENSOR_MOMENT_ARM_M = 0.05
#: Upper-body CoM lever above L5/S1 and its anterior offset upright, per metre of stature
#: (0.22 m and 0.02 m for 1.75 m, reference sheet §6c).
LEVER_PER_HEIGHT = 0.22 / 1.75
OFFSET_PER_HEIGHT = 0.02 / 1.75
#: Reference standing pelvic tilt (ASIS–PSIS inclination), deg: bone shape alone gives
#: 13 ± 5° (Preece et al. 2008, J Man Manip Ther; ``clinical.md`` §3).
REFERENCE_PELVIC_TILT_STANDING_DEG = 13.0
#: Reference pelvic tilt of walking (Plug-in Gait, mean over the cycle), deg: Schwartz et al.
#: 2008 (J Biomech 41:1639), free speed, 11.6° anterior (``clinical.md`` §2a).
REFERENCE_PELVIC_TILT_GAIT_DEG = 11.6


def single_equivalent_muscle(
    extension_moment_nm: ArrayLike,
    normal_force_n: ArrayLike,
    plane_force_n: ArrayLike,
    moment_arm_m: float = EXTENSOR_MOMENT_ARM_M,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Muscle force, compression and shear of a single-equivalent-muscle model.

    The net moment is carried by one muscle acting along the disc normal with moment arm
    ``d``; a net flexion moment goes to an equivalent flexor with the same arm (conservative:
    the abdominals' real arm is longer).

    Parameters
    ----------
    extension_moment_nm : array_like
        Net moment on the upper body about the disc's medio-lateral axis, extension positive.
    normal_force_n : array_like
        Net force on the upper body (from the pelvis) along the disc normal, superior
        positive (the upper body's weight gives a positive value).
    plane_force_n : array_like
        Net force on the upper body along the disc plane, anterior positive.
    moment_arm_m : float
        Moment arm of the equivalent muscle about the disc centre, m.

    Returns
    -------
    muscle_force_n, compression_n, anterior_shear_n : arrays
        ``|M| / d``; ``|M| / d + normal force``; ``− plane force`` (positive when the upper
        vertebra is pushed forward on the lower one; the muscle, along the normal, adds none).
    """
    if not moment_arm_m > 0.0:
        raise ValueError(f"moment arm must be positive, not {moment_arm_m}")
    m = np.asarray(extension_moment_nm, dtype=np.float64)
    muscle = np.abs(m) / moment_arm_m
    compression = muscle + np.asarray(normal_force_n, dtype=np.float64)
    shear = -np.asarray(plane_force_n, dtype=np.float64)
    return muscle, compression, shear


def limits_dict() -> dict[str, float]:
    """The limits every load is compared with (N), with the keys the reports use."""
    return {
        "niosh_action_limit_n": NIOSH_ACTION_LIMIT_N,
        "niosh_max_limit_n": NIOSH_MAX_LIMIT_N,
        "shear_limit_n": SHEAR_LIMIT_N,
    }


def niosh_band(compression_n: float) -> str:
    """Where a compression lies against the NIOSH limits, in words."""
    if not np.isfinite(compression_n):
        return "unknown"
    if compression_n > NIOSH_MAX_LIMIT_N:
        return "above the NIOSH maximum permissible limit (6400 N)"
    if compression_n > NIOSH_ACTION_LIMIT_N:
        return "above the NIOSH action limit (3400 N)"
    return "below the NIOSH action limit (3400 N)"


@dataclass(frozen=True)
class StaticLoad:
    """L5/S1 load in a static posture (N, N·m, degrees).

    Attributes
    ----------
    trunk_flexion_deg : float
        Forward inclination of the upper body from upright.
    disc_extra_inclination_deg : float
        ``α``, added to the disc inclination.
    upper_body_weight_n : float
    moment_nm : float
        L5/S1 extension moment.
    extensor_force_n : float
        Single-equivalent extensor force ``|M| / d``.
    compression_n, shear_n : float
        Compression and anterior shear.
    disc_inclination_deg : float
        ``δ``, forward inclination of the disc normal from the vertical.
    lever_m : float
        Horizontal distance of the upper-body CoM in front of L5/S1.
    inputs : dict
        Every parameter used (for the record and for :func:`kinechain.load.counterfactual`).
    assumptions : list of str
    """

    trunk_flexion_deg: float
    disc_extra_inclination_deg: float
    upper_body_weight_n: float
    moment_nm: float
    extensor_force_n: float
    compression_n: float
    shear_n: float
    disc_inclination_deg: float = 0.0
    lever_m: float = 0.0
    inputs: dict[str, Any] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, the limits and how the compression compares with them."""
        out = asdict(self)
        out.update(limits_dict())
        out["compression_share_of_action_limit"] = self.compression_n / NIOSH_ACTION_LIMIT_N
        out["niosh"] = niosh_band(self.compression_n)
        out["exceeds_shear_limit"] = bool(abs(self.shear_n) > SHEAR_LIMIT_N)
        return out


def static_lumbar_load(
    trunk_flexion_deg: float,
    body_mass_kg: float,
    *,
    height_m: float = 1.75,
    upper_body_fraction: float = UPPER_BODY_FRACTION,
    moment_arm_m: float = EXTENSOR_MOMENT_ARM_M,
    disc_extra_inclination_deg: float = 0.0,
    com_height_m: float | None = None,
    com_anterior_m: float | None = None,
    pelvic_tilt_deg: float | None = None,
    reference_pelvic_tilt_deg: float = REFERENCE_PELVIC_TILT_STANDING_DEG,
    sex: str | None = None,
) -> StaticLoad:
    """L5/S1 moment, extensor force, compression and shear in a static posture.

    Parameters
    ----------
    trunk_flexion_deg : float
        Forward inclination of the upper body from upright, deg.
    body_mass_kg : float
    height_m : float
        Stature; scales the CoM lever (0.22 m) and offset (0.02 m) given for 1.75 m.
    upper_body_fraction : float
        Mass above L5/S1 / body mass (default 0.55).
    moment_arm_m : float
        Single-equivalent extensor moment arm, m (default 0.05).
    disc_extra_inclination_deg : float
        ``α``, extra forward inclination of the disc, deg.
    com_height_m, com_anterior_m : float, optional
        Override the scaled CoM lever above and offset in front of L5/S1 (upright), m.
    pelvic_tilt_deg : float, optional
        Measured pelvic tilt (ASIS–PSIS, anterior positive) in this posture. Default: the
        pelvis turns with the trunk.
    reference_pelvic_tilt_deg : float
        Tilt at which the disc plane is horizontal (default 13°, the bone-shape mean).
    sex : str, optional
        Recorded with the inputs only (the defaults are the reference sheet's).

    Returns
    -------
    StaticLoad

    Examples
    --------
    Upper body 378 N (the reference sheet's 70 kg example): upright ≈ 530 N.

    >>> round(static_lumbar_load(0.0, 378 / (0.55 * 9.81)).compression_n)
    529
    """
    if body_mass_kg <= 0 or height_m <= 0 or moment_arm_m <= 0:
        raise ValueError("body mass, height and moment arm must be positive")
    if not 0.0 < upper_body_fraction < 1.0:
        raise ValueError(f"upper_body_fraction must lie in (0, 1), not {upper_body_fraction}")
    w = upper_body_fraction * body_mass_kg * G
    lever = LEVER_PER_HEIGHT * height_m if com_height_m is None else float(com_height_m)
    offset = OFFSET_PER_HEIGHT * height_m if com_anterior_m is None else float(com_anterior_m)
    th = math.radians(trunk_flexion_deg)
    horizontal = lever * math.sin(th) + offset * math.cos(th)
    moment = w * horizontal
    tilt = (
        reference_pelvic_tilt_deg + trunk_flexion_deg
        if pelvic_tilt_deg is None
        else pelvic_tilt_deg
    )
    delta = disc_extra_inclination_deg + tilt - reference_pelvic_tilt_deg
    dr = math.radians(delta)
    muscle, compression, shear = single_equivalent_muscle(
        moment, w * math.cos(dr), -w * math.sin(dr), moment_arm_m
    )
    inputs: dict[str, Any] = {
        "body_mass_kg": float(body_mass_kg),
        "height_m": float(height_m),
        "sex": sex,
        "upper_body_fraction": float(upper_body_fraction),
        "com_height_m": lever,
        "com_anterior_m": offset,
        "moment_arm_m": float(moment_arm_m),
        "pelvic_tilt_deg": None if pelvic_tilt_deg is None else float(pelvic_tilt_deg),
        "reference_pelvic_tilt_deg": float(reference_pelvic_tilt_deg),
        "disc_extra_inclination_deg": float(disc_extra_inclination_deg),
    }
    assumptions = [
        f"{upper_body_fraction:.0%} of body weight above L5/S1, one rigid body (de Leva 1996 "
        "segments; reference sheet 50–60 %)",
        f"extensor moment arm {moment_arm_m * 100:.0f} cm; upper-body centre of mass "
        f"{lever:.2f} m above and {offset * 100:.1f} cm in front of L5/S1 when upright",
        "disc plane horizontal at the reference pelvic tilt "
        f"({reference_pelvic_tilt_deg:g}°) and turning with the pelvis"
        + ("; pelvis assumed to turn with the trunk" if pelvic_tilt_deg is None else ""),
        "static posture, no co-contraction or abdominal pressure: compression is a lower "
        "estimate (3DSSPP-style); unreliable beyond ~45–60° of flexion",
    ]
    return StaticLoad(
        trunk_flexion_deg=float(trunk_flexion_deg),
        disc_extra_inclination_deg=float(disc_extra_inclination_deg),
        upper_body_weight_n=w,
        moment_nm=moment,
        extensor_force_n=float(muscle),
        compression_n=float(compression),
        shear_n=float(shear),
        disc_inclination_deg=float(delta),
        lever_m=horizontal,
        inputs=inputs,
        assumptions=assumptions,
    )
