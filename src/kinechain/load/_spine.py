"""The single-equivalent-muscle model of L5/S1, the NIOSH limits, and the static top-down model.

Compression and shear at L5/S1 from the net moment and force (3DSSPP-style, Chaffin's
single-equivalent-muscle model; NIOSH 1981; McGill 2016):

* the net extension moment ``M`` is carried by one equivalent extensor muscle acting along the
  disc normal with moment arm ``d`` (5 cm by default), so it pulls with ``F_m = |M| / d`` (a
  net flexion moment is given to an equivalent flexor with the same arm: conservative, the
  abdominals' real arm is longer);
* compression ``C = F_m + F·n``: the muscle force plus the component of the net force on the
  upper body along the disc normal ``n``;
* anterior shear ``S = −F·s``: the component of that net force along the disc plane, ``s``
  pointing anteriorly (the muscle, along ``n``, adds none).

The disc normal follows the sacrum: it is inclined forward from the vertical by
``δ = δ0 + (τ − τ_ref)``, ``τ`` the pelvic tilt, ``τ_ref`` a reference (normative) tilt at which
the disc plane is taken as horizontal (``δ0 = 0``). Only deviations of the pelvis from the
reference therefore turn load into shear; lumbar flexion above L5/S1 does not tilt the disc.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kinechain.load._bsp import reference_stature_m, upper_body

FloatArray = NDArray[np.float64]

__all__ = [
    "DEFAULT_EXTENSOR_MOMENT_ARM_M",
    "NIOSH_ACTION_LIMIT_N",
    "NIOSH_MAXIMUM_N",
    "REFERENCE_PELVIC_TILT_GAIT_DEG",
    "REFERENCE_PELVIC_TILT_STANDING_DEG",
    "SHEAR_LIMIT_N",
    "StaticLumbarLoad",
    "limits_dict",
    "single_equivalent_muscle",
    "static_lumbar_load",
]

#: NIOSH (1981) action limit for L5/S1 compression, N (kept by the 1991 revised equation).
NIOSH_ACTION_LIMIT_N = 3400.0
#: NIOSH (1981) maximum permissible limit for L5/S1 compression, N (3 × the action limit in
#: load terms).
NIOSH_MAXIMUM_N = 6400.0
#: Suggested limit for L5/S1 shear, N (Arjmand et al. 2015, Int J Ind Ergon).
SHEAR_LIMIT_N = 1000.0
#: Moment arm of the single equivalent extensor at L5/S1, m (classic 5 cm; sex-specific MRI
#: values: Jorgensen et al. 2001, Clin Biomech 16:182 — pass your own).
DEFAULT_EXTENSOR_MOMENT_ARM_M = 0.05
#: Reference pelvic tilt of walking (Plug-in Gait, mean over the cycle), deg: Schwartz et al.
#: 2008 (J Biomech 41:1639), free speed, 11.6° anterior (``clinical.md`` §2a).
REFERENCE_PELVIC_TILT_GAIT_DEG = 11.6
#: Reference standing pelvic tilt (ASIS–PSIS inclination), deg: bone shape alone gives
#: 13 ± 5° (Preece et al. 2008, J Man Manip Ther; ``clinical.md`` §3).
REFERENCE_PELVIC_TILT_STANDING_DEG = 13.0
#: Anterior offset of the upper-body CoM from L5/S1 standing upright, m (the ``clinical.md``
#: §6c illustration; derived, not validated).
DEFAULT_COM_ANTERIOR_M = 0.02
GRAVITY = 9.81


def single_equivalent_muscle(
    extension_moment_nm: ArrayLike,
    normal_force_n: ArrayLike,
    plane_force_n: ArrayLike,
    moment_arm_m: float = DEFAULT_EXTENSOR_MOMENT_ARM_M,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Muscle force, compression and shear of a single-equivalent-muscle model.

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
        vertebra is pushed forward on the lower one).
    """
    if not moment_arm_m > 0.0:
        raise ValueError(f"moment arm must be positive, not {moment_arm_m}")
    m = np.asarray(extension_moment_nm, dtype=np.float64)
    muscle = np.abs(m) / moment_arm_m
    compression = muscle + np.asarray(normal_force_n, dtype=np.float64)
    shear = -np.asarray(plane_force_n, dtype=np.float64)
    return muscle, compression, shear


def limits_dict() -> dict[str, float]:
    """The limits every load is compared with (N)."""
    return {
        "niosh_action_limit_n": NIOSH_ACTION_LIMIT_N,
        "niosh_maximum_n": NIOSH_MAXIMUM_N,
        "shear_limit_n": SHEAR_LIMIT_N,
    }


def _band(compression: float) -> str:
    if not np.isfinite(compression):
        return "unknown"
    if compression > NIOSH_MAXIMUM_N:
        return "above the NIOSH maximum (6400 N)"
    if compression > NIOSH_ACTION_LIMIT_N:
        return "above the NIOSH action limit (3400 N)"
    return "below the NIOSH action limit (3400 N)"


@dataclass(frozen=True)
class StaticLumbarLoad:
    """Quasi-static top-down L5/S1 load for one or more trunk postures.

    Arrays have the shape of ``trunk_flexion_deg``.

    Attributes
    ----------
    trunk_flexion_deg : array
        Forward inclination of the upper body from upright, deg.
    disc_inclination_deg : array
        Forward inclination of the disc normal from the vertical, deg.
    upper_body_weight_n : float
    lever_m : array
        Horizontal distance from L5/S1 to the upper-body CoM (positive anterior), m.
    extension_moment_nm : array
    muscle_force_n : array
    compression_n : array
    shear_n : array
        Anterior shear, N.
    inputs : dict
        Every parameter used (for the record and for :func:`counterfactual`).
    assumptions : list of str
    """

    trunk_flexion_deg: FloatArray
    disc_inclination_deg: FloatArray
    upper_body_weight_n: float
    lever_m: FloatArray
    extension_moment_nm: FloatArray
    muscle_force_n: FloatArray
    compression_n: FloatArray
    shear_n: FloatArray
    inputs: dict[str, Any] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (scalars when one posture was given, lists otherwise)."""

        def v(x: FloatArray) -> Any:
            return float(x) if x.ndim == 0 else [float(a) for a in x.ravel()]

        peak = float(np.nanmax(self.compression_n))
        return {
            "method": "top-down quasi-static, single equivalent extensor (3DSSPP-style)",
            "trunk_flexion_deg": v(self.trunk_flexion_deg),
            "disc_inclination_deg": v(self.disc_inclination_deg),
            "upper_body_weight_n": self.upper_body_weight_n,
            "lever_m": v(self.lever_m),
            "extension_moment_nm": v(self.extension_moment_nm),
            "extensor_force_n": v(self.muscle_force_n),
            "compression_n": v(self.compression_n),
            "shear_n": v(self.shear_n),
            **limits_dict(),
            "compression_vs_action_limit": peak / NIOSH_ACTION_LIMIT_N,
            "niosh": _band(peak),
            "exceeds_shear_limit": bool(np.nanmax(np.abs(self.shear_n)) > SHEAR_LIMIT_N),
            "inputs": dict(self.inputs),
            "assumptions": list(self.assumptions),
        }


def static_lumbar_load(
    trunk_flexion_deg: ArrayLike,
    body_mass_kg: float,
    *,
    sex: str | None = None,
    stature_m: float | None = None,
    upper_body_fraction: float | None = None,
    com_height_m: float | None = None,
    com_anterior_m: float = DEFAULT_COM_ANTERIOR_M,
    extensor_moment_arm_m: float = DEFAULT_EXTENSOR_MOMENT_ARM_M,
    pelvic_tilt_deg: ArrayLike | None = None,
    reference_pelvic_tilt_deg: float = REFERENCE_PELVIC_TILT_STANDING_DEG,
    disc_offset_deg: float = 0.0,
) -> StaticLumbarLoad:
    """Top-down quasi-static L5/S1 moment, compression and shear (3DSSPP-style).

    The body above L5/S1 is one rigid body of weight ``W = f·m·g`` whose CoM sits ``h`` above
    and ``a`` in front of L5/S1 when upright; flexing the trunk by ``θ`` turns that offset about
    L5/S1, so the lever is ``a cos θ + h sin θ`` and the extension moment ``M = W (a cos θ +
    h sin θ)``. With the disc normal inclined by ``δ``: compression ``C = M/d + W cos δ`` and
    anterior shear ``S = W sin δ``.

    Parameters
    ----------
    trunk_flexion_deg : array_like
        Forward inclination of the upper body from upright, deg (any shape).
    body_mass_kg : float
    sex : {"male", "female"} or None
        For the de Leva defaults of ``upper_body_fraction`` and ``com_height_m``.
    stature_m : float, optional
        Scales the default CoM height; default de Leva's mean stature.
    upper_body_fraction : float, optional
        Mass above L5/S1 / body mass; default from de Leva (≈ 0.55 men, 0.52 women;
        :func:`kinechain.load.upper_body`).
    com_height_m : float, optional
        CoM height above L5/S1 along the trunk, upright; default from de Leva (≈ 0.17 ×
        stature).
    com_anterior_m : float
        CoM offset in front of L5/S1 when upright, m (default 0.02).
    extensor_moment_arm_m : float
        Single equivalent extensor moment arm, m (default 0.05).
    pelvic_tilt_deg : array_like, optional
        Measured pelvic tilt (ASIS–PSIS, anterior positive) in that posture. Default: the
        pelvis turns with the trunk, ``τ = τ_ref + θ``, so the disc inclination equals the
        trunk flexion.
    reference_pelvic_tilt_deg : float
        Tilt at which the disc plane is horizontal (default 13°, the bone-shape mean).
    disc_offset_deg : float
        Disc inclination at the reference tilt, deg (default 0).

    Returns
    -------
    StaticLumbarLoad

    Examples
    --------
    The ``clinical.md`` §6c illustration (70 kg, 55 % above L5/S1, CoM 0.22 m up and 0.02 m
    forward, d = 5 cm), upright:

    >>> r = static_lumbar_load(0.0, 70.0, upper_body_fraction=0.55, com_height_m=0.22)
    >>> round(float(r.compression_n))
    529
    """
    if not 10.0 <= body_mass_kg <= 400.0:
        raise ValueError(f"body mass {body_mass_kg} kg is implausible (10–400 kg)")
    theta = np.asarray(trunk_flexion_deg, dtype=np.float64)
    ub = upper_body(sex)
    frac = ub.mass_fraction if upper_body_fraction is None else float(upper_body_fraction)
    if not 0.0 < frac < 1.0:
        raise ValueError(f"upper_body_fraction must lie in (0, 1), not {frac}")
    stature = reference_stature_m(sex) if stature_m is None else float(stature_m)
    h = ub.com_height_m(stature) if com_height_m is None else float(com_height_m)
    weight = frac * body_mass_kg * GRAVITY
    th = np.radians(theta)
    lever = com_anterior_m * np.cos(th) + h * np.sin(th)
    moment = weight * lever
    if pelvic_tilt_deg is None:
        tilt = reference_pelvic_tilt_deg + theta
    else:
        tilt = np.asarray(pelvic_tilt_deg, dtype=np.float64) + 0.0 * theta
    delta = disc_offset_deg + tilt - reference_pelvic_tilt_deg
    dr = np.radians(delta)
    muscle, compression, shear = single_equivalent_muscle(
        moment, weight * np.cos(dr), -weight * np.sin(dr), extensor_moment_arm_m
    )
    inputs: dict[str, Any] = {
        "body_mass_kg": float(body_mass_kg),
        "sex": sex,
        "stature_m": stature,
        "upper_body_fraction": frac,
        "com_height_m": h,
        "com_anterior_m": float(com_anterior_m),
        "extensor_moment_arm_m": float(extensor_moment_arm_m),
        "pelvic_tilt_deg": None if pelvic_tilt_deg is None else np.asarray(tilt).tolist(),
        "reference_pelvic_tilt_deg": float(reference_pelvic_tilt_deg),
        "disc_offset_deg": float(disc_offset_deg),
    }
    assumptions = [
        "quasi-static: no accelerations, nothing held in the hands",
        f"body above L5/S1 = {100 * frac:.1f} % of body mass, one rigid body"
        + (
            " (de Leva 1996 head, arms, upper and middle trunk, half the lower trunk)"
            if upper_body_fraction is None
            else ""
        ),
        f"its CoM {h:.3f} m above and {com_anterior_m:.3f} m in front of L5/S1 when upright",
        f"single equivalent extensor, moment arm {extensor_moment_arm_m * 100:.1f} cm, "
        "acting along the disc normal",
        "disc normal follows the pelvis: horizontal disc plane at the reference pelvic tilt "
        f"({reference_pelvic_tilt_deg:g}°)"
        + ("; pelvis assumed to turn with the trunk" if pelvic_tilt_deg is None else ""),
        "no intra-abdominal pressure, no passive tissues (unreliable beyond ~45–60° flexion)",
    ]
    return StaticLumbarLoad(
        trunk_flexion_deg=theta,
        disc_inclination_deg=np.asarray(delta, dtype=np.float64),
        upper_body_weight_n=weight,
        lever_m=np.asarray(lever, dtype=np.float64),
        extension_moment_nm=np.asarray(moment, dtype=np.float64),
        muscle_force_n=muscle,
        compression_n=compression,
        shear_n=shear,
        inputs=inputs,
        assumptions=assumptions,
    )
