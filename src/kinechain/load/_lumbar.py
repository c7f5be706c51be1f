"""L5/S1 load through the gait cycle: bottom-up through the pelvis, and top-down from the trunk.

Bottom-up: the hip loads of :func:`~kinechain.load.inverse_dynamics` act on the pelvis (de Leva's
lower trunk, OMPH→MIDH), whose Newton–Euler equations give the load at L5/S1. Top-down
(quasi-static): the weight of the body above L5/S1 about L5/S1, from the trunk markers. Both are
turned into compression and shear by the single-equivalent-extensor model of
:mod:`kinechain.load._static`.

L5/S1 (the lumbar joint centre, LJC) is placed with the regression of Dumas & Wojtusch (2018;
from Reed et al. 1999): from the mid-point of the ASISs, along the pelvis axes, by a fraction of
the inter-ASIS width ``w``: men −33.5 % w anterior, −3.2 % w superior; women −34.0 %, +4.9 %
(the mean of both when the sex is not known).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import MarkerSetError
from kinechain.gait import strides
from kinechain.load._bsp import (
    LOWER_TRUNK_SHARE_ABOVE_L5S1,
    reference_stature_m,
    segment_parameters,
    upper_body,
)
from kinechain.load._contact import external_loads
from kinechain.load._dynamics import (
    GRAVITY,
    SegmentInertia,
    SegmentModel,
    SegmentState,
    _segment,
    gravity_vector,
    leg_segments,
    resolve_body_mass,
    resolve_events,
    segment_state,
)
from kinechain.load._signal import derivative, finite_runs, lowpass
from kinechain.load._static import (
    EXTENSOR_MOMENT_ARM_M,
    NIOSH_ACTION_LIMIT_N,
    NIOSH_MAX_LIMIT_N,
    REFERENCE_PELVIC_TILT_GAIT_DEG,
    SHEAR_LIMIT_N,
    limits_dict,
    niosh_band,
    single_equivalent_muscle,
)
from kinechain.trial import SIDES, Event, Trial

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

__all__ = ["LJC_REGRESSION", "LumbarLoad", "l5s1_position", "lumbar_load"]

#: Lumbar joint centre from the mid-ASIS point, fractions of the inter-ASIS width, in the
#: pelvis frame (anterior, superior): Dumas & Wojtusch 2018 (after Reed et al. 1999).
LJC_REGRESSION: dict[str, tuple[float, float]] = {
    "male": (-0.335, -0.032),
    "female": (-0.340, 0.049),
}
#: Stature estimated from the Plug-in Gait leg length (ASIS → medial malleolus) when no
#: stature is known: leg length ≈ 0.53 × stature (Winter 2009, Fig. 4.1, hip height).
LEG_LENGTH_FRACTION_OF_STATURE = 0.53
#: Frames whose bottom-up vertical L5/S1 force differs from the upper body's weight and
#: acceleration (from its markers) by more than this fraction of its weight are dropped, with
#: the neighbouring frames above half of it (see :func:`lumbar_load`).
RESIDUAL_LIMIT_FRACTION = 0.2


def _grow(seed: BoolArray, allowed: BoolArray) -> BoolArray:
    """``seed`` grown frame by frame into the runs of ``allowed`` that contain it."""
    out = seed.copy()
    for start, stop in finite_runs(allowed):
        if seed[start:stop].any():
            out[start:stop] = True
    return out


def _ljc_coefficients(sex: str | None) -> tuple[float, float]:
    s = None if sex is None else str(sex).strip().lower()
    if s in ("male", "m", "man"):
        return LJC_REGRESSION["male"]
    if s in ("female", "f", "woman"):
        return LJC_REGRESSION["female"]
    m, f = LJC_REGRESSION["male"], LJC_REGRESSION["female"]
    return 0.5 * (m[0] + f[0]), 0.5 * (m[1] + f[1])


def _marker(trial: Trial, name: str) -> FloatArray:
    m = trial.markers.get(name)
    if m is None or not np.isfinite(m).any():
        raise MarkerSetError(
            trial.source,
            f"marker {name} is needed to place L5/S1 (Dumas & Wojtusch 2018 regression)",
            field=name,
        )
    return np.asarray(m, dtype=np.float64)


def l5s1_position(
    trial: Trial, model: SegmentModel, sex: str | None = None
) -> tuple[FloatArray, float]:
    """L5/S1 joint centre over the trial, lab frame, and the inter-ASIS width used.

    Parameters
    ----------
    trial : Trial
        With the LASI and RASI markers (m).
    model : SegmentModel
        Its ``pelvis`` segment gives the axes (x anterior, y left, z up).
    sex : {"male", "female"} or None

    Returns
    -------
    l5s1 : (n, 3) array, m
    width_m : float
        Inter-ASIS distance (the model's calibration value when it has one, else the median
        marker distance).
    """
    lasi, rasi = _marker(trial, "LASI"), _marker(trial, "RASI")
    rot = _segment(model, "pelvis", trial.source)[1]
    cal = getattr(model, "calibration", {}) or {}
    width = cal.get("inter_asis_m") if isinstance(cal, dict) else None
    if width is None or not np.isfinite(width):
        d = np.linalg.norm(lasi - rasi, axis=1)
        if not np.isfinite(d).any():
            raise MarkerSetError(
                trial.source, "LASI and RASI are never seen together", field="LASI"
            )
        width = float(np.median(d[np.isfinite(d)]))
    ax, sup = _ljc_coefficients(sex)
    mid = 0.5 * (lasi + rasi)
    return mid + width * (ax * rot[:, :, 0] + sup * rot[:, :, 2]), float(width)


def _rot_about(axis: FloatArray, angle_rad: FloatArray) -> FloatArray:
    """Rotation matrices (n, 3, 3) about a fixed unit axis by per-frame angles (Rodrigues)."""
    k = np.asarray(axis, dtype=np.float64)
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    a = np.asarray(angle_rad, dtype=np.float64)[..., None, None]
    return np.asarray(np.eye(3) + np.sin(a) * kx + (1.0 - np.cos(a)) * (kx @ kx))


@dataclass(frozen=True)
class LumbarLoad:
    """L5/S1 loads through a walking trial (output of :func:`lumbar_load`).

    Per-frame arrays have one value per marker frame; NaN where a foot is on the ground but not
    cleanly on a force plate (bottom-up) or trunk markers are missing (top-down).

    Attributes
    ----------
    time : (n,) array, s
    body_mass_kg : float
    l5s1 : (n, 3) array, m
        Estimated L5/S1 joint centre, lab frame.
    force : (n, 3) array, N
        Net force on the upper body from the pelvis at L5/S1, lab frame (bottom-up).
    moment : (n, 3) array, N·m
        Net moment on the upper body from the pelvis about L5/S1, lab frame (bottom-up).
    disc_axes : (n, 3, 3) array
        Columns: anterior (in the disc plane), left, and the disc normal (superior).
    extension_moment_nm, lateral_moment_nm, axial_moment_nm : (n,) arrays
        ``moment`` about the disc's left axis with its sign flipped (extension positive); about
        its anterior axis (positive: lifts the upper body's left side, i.e. bends it to the
        right); about its normal (positive: turns the upper body to the left).
    muscle_force_n, compression_n, shear_n, lateral_shear_n : (n,) arrays
        Single-equivalent-extensor force; compression; anterior shear; lateral shear (positive
        to the left), N.
    top_down_extension_moment_nm, top_down_compression_n, top_down_shear_n : (n,) arrays
        The same from the quasi-static top-down model (weight of the upper body only).
    upper_body_com : (n, 3) array, m
        CoM of the body above L5/S1 used by the top-down model.
    upper_body_weight_n : float
    pelvic_tilt_deg, trunk_flexion_deg, disc_inclination_deg : (n,) arrays
    valid : (n,) bool array
        Both legs' loads known (bottom-up values finite).
    cycles : list of dict
        Per gait cycle of each side: start/end, coverage, peak and mean compression, peak
        shear, peak extension moment.
    peak_stance_dorsiflexion_deg : dict of side to float
        Mean over strides of the peak stance ankle dorsiflexion (for the counterfactual).
    forward, left, up : (3,) arrays
        Progression axes in the lab frame.
    extensor_moment_arm_m : float
    reference_pelvic_tilt_deg, disc_extra_inclination_deg : float
    pelvis : SegmentInertia
    assumptions, warnings : list of str
    """

    time: FloatArray
    body_mass_kg: float
    l5s1: FloatArray
    force: FloatArray
    moment: FloatArray
    disc_axes: FloatArray
    extension_moment_nm: FloatArray
    lateral_moment_nm: FloatArray
    axial_moment_nm: FloatArray
    muscle_force_n: FloatArray
    compression_n: FloatArray
    shear_n: FloatArray
    lateral_shear_n: FloatArray
    top_down_extension_moment_nm: FloatArray
    top_down_compression_n: FloatArray
    top_down_shear_n: FloatArray
    upper_body_com: FloatArray
    upper_body_weight_n: float
    pelvic_tilt_deg: FloatArray
    trunk_flexion_deg: FloatArray
    disc_inclination_deg: FloatArray
    valid: BoolArray
    cycles: list[dict[str, Any]]
    peak_stance_dorsiflexion_deg: dict[str, float]
    forward: FloatArray
    left: FloatArray
    up: FloatArray
    extensor_moment_arm_m: float
    reference_pelvic_tilt_deg: float
    disc_extra_inclination_deg: float
    pelvis: SegmentInertia
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        """Fraction of frames with a bottom-up value."""
        return float(self.valid.mean()) if self.valid.size else 0.0

    def summary(self) -> dict[str, Any]:
        """Scalars over all valid frames: peaks and means, and the limits they are held to."""
        return _summary(
            self.compression_n,
            self.shear_n,
            self.lateral_shear_n,
            self.extension_moment_nm,
            self.valid,
            self.body_mass_kg,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-frame arrays): numbers, cycles, limits, assumptions."""
        s = self.summary()
        td = np.isfinite(self.top_down_compression_n)
        out: dict[str, Any] = {
            "model": (
                "bottom-up Newton-Euler inverse dynamics through the pelvis (force plates, "
                "segment kinematics, de Leva 1996 parameters); single equivalent extensor"
            ),
            "body_mass_kg": self.body_mass_kg,
            "frames": int(self.valid.size),
            "coverage": self.coverage,
            **s,
            "top_down_peak_compression_n": float(np.max(self.top_down_compression_n[td]))
            if td.any()
            else None,
            "top_down_mean_compression_n": float(np.mean(self.top_down_compression_n[td]))
            if td.any()
            else None,
            **limits_dict(),
            "extensor_moment_arm_m": self.extensor_moment_arm_m,
            "upper_body_weight_n": self.upper_body_weight_n,
            "reference_pelvic_tilt_deg": self.reference_pelvic_tilt_deg,
            "peak_stance_dorsiflexion_deg": {
                k: (None if not np.isfinite(v) else float(v))
                for k, v in self.peak_stance_dorsiflexion_deg.items()
            },
            "cycles": [dict(c) for c in self.cycles],
            "assumptions": list(self.assumptions),
            "warnings": list(self.warnings),
        }
        return out


def _summary(
    compression: FloatArray,
    shear: FloatArray,
    lateral_shear: FloatArray,
    extension: FloatArray,
    mask: BoolArray,
    body_mass_kg: float,
) -> dict[str, Any]:
    ok = mask & np.isfinite(compression)
    if not ok.any():
        return {
            "peak_compression_n": None,
            "mean_compression_n": None,
            "peak_compression_bw": None,
            "peak_anterior_shear_n": None,
            "peak_shear_n": None,
            "mean_shear_n": None,
            "peak_extension_moment_nm": None,
            "peak_moment_nm": None,
            "compression_share_of_action_limit": None,
            "niosh": "unknown",
            "exceeds_action_limit": None,
            "exceeds_maximum": None,
            "exceeds_shear_limit": None,
        }
    c = compression[ok]
    total_shear = np.hypot(shear[ok], lateral_shear[ok])
    peak = float(np.max(c))
    return {
        "peak_compression_n": peak,
        "mean_compression_n": float(np.mean(c)),
        "peak_compression_bw": peak / (body_mass_kg * GRAVITY),
        "peak_anterior_shear_n": float(np.max(shear[ok])),
        "peak_shear_n": float(np.max(total_shear)),
        "mean_shear_n": float(np.mean(total_shear)),
        "peak_extension_moment_nm": float(np.max(extension[ok])),
        "peak_moment_nm": float(np.max(np.abs(extension[ok]))),
        "compression_share_of_action_limit": peak / NIOSH_ACTION_LIMIT_N,
        "niosh": niosh_band(peak),
        "exceeds_action_limit": bool(peak > NIOSH_ACTION_LIMIT_N),
        "exceeds_maximum": bool(peak > NIOSH_MAX_LIMIT_N),
        "exceeds_shear_limit": bool(np.max(total_shear) > SHEAR_LIMIT_N),
    }


def _stature(trial: Trial, model: SegmentModel, stature_m: float | None) -> tuple[float, str]:
    if stature_m is not None:
        return float(stature_m), "given"
    if trial.subject.height_m:
        return float(trial.subject.height_m), "subject"
    cal = getattr(model, "calibration", {}) or {}
    leg = cal.get("mean_leg_length_m") if isinstance(cal, dict) else None
    if leg:
        return float(leg) / LEG_LENGTH_FRACTION_OF_STATURE, "leg length"
    return reference_stature_m(None), "de Leva mean"


def _peak_df(
    model: SegmentModel, events: Sequence[Event] | None, time: FloatArray
) -> dict[str, float]:
    out: dict[str, float] = {}
    for side in SIDES:
        angle = model.angles_deg.get(f"{side}_ankle_dorsiflexion")
        peaks: list[float] = []
        if angle is not None and events:
            a = np.asarray(angle, dtype=np.float64)
            for st in strides(events, side):
                sel = (time >= st.start) & (time <= st.foot_off) & np.isfinite(a)
                if sel.sum() >= 3:
                    peaks.append(float(np.max(a[sel])))
        out[side] = float(np.mean(peaks)) if peaks else float("nan")
    return out


def pelvis_state(
    model: SegmentModel,
    mid_hip: FloatArray,
    l5s1: FloatArray,
    body_mass_kg: float,
    sex: str | None,
    stature_m: float,
    rate: float,
    cutoff_hz: float | None,
) -> SegmentState:
    """The pelvis segment: the part of de Leva's lower trunk below L5/S1.

    The rest of the lower trunk belongs to the body above L5/S1 (as in the top-down model);
    the lower trunk's mass is taken as evenly spread, so the pelvis CoM lies midway between the
    mid-hip point and L5/S1. Its radii of gyration are the whole lower trunk's, its length de
    Leva's mean lower-trunk length scaled by stature.
    """
    lpt = segment_parameters("lower_trunk", sex)
    length = lpt.mean_length_m * stature_m / reference_stature_m(sex)
    below = 1.0 - LOWER_TRUNK_SHARE_ABOVE_L5S1
    return segment_state(
        "pelvis",
        replace(lpt, name="pelvis", mass_fraction=below * lpt.mass_fraction),
        body_mass_kg,
        length,
        "stl",
        _segment(model, "pelvis", "<model>")[1],
        0.5 * (mid_hip + l5s1),
        l5s1,
        rate,
        cutoff_hz,
        f"de Leva 1996 lower trunk (OMPH→MIDH), the {below:.0%} below L5/S1",
    )


def lumbar_load(
    trial: Trial,
    model: SegmentModel,
    *,
    body_mass_kg: float | None = None,
    sex: str | None = None,
    stature_m: float | None = None,
    cutoff_hz: float | None = 6.0,
    force_cutoff_hz: float | Literal["kinematics"] | None = "kinematics",
    extensor_moment_arm_m: float = EXTENSOR_MOMENT_ARM_M,
    reference_pelvic_tilt_deg: float = REFERENCE_PELVIC_TILT_GAIT_DEG,
    disc_extra_inclination_deg: float = 0.0,
    events: Sequence[Event] | None = None,
) -> LumbarLoad:
    """Net L5/S1 moment and force, compression and shear through a walking trial.

    Parameters
    ----------
    trial : Trial
        The walk: force plates, markers LASI/RASI (and C7/CLAV for the top-down estimate).
    model : SegmentModel
        E.g. ``compute_pig(trial, static)``: segment poses, joint centres, angles.
    body_mass_kg : float, optional
        Defaults to ``trial.subject.mass_kg``.
    sex : {"male", "female"} or None
        de Leva parameters and the L5/S1 regression (mean of both when None).
    stature_m : float, optional
        Scales the lower-trunk (pelvis) segment and the upper-body CoM height; default the
        subject's height, else leg length / 0.53.
    cutoff_hz : float or None
        Low-pass cut-off for the kinematics (default 6 Hz).
    force_cutoff_hz : float, None or "kinematics"
        Low-pass cut-off for the plate signals; by default the same as the kinematics
        (Kristianslund et al. 2012: unequal filtering makes impact artefacts), None: raw.
    extensor_moment_arm_m : float
        Moment arm of the single equivalent extensor (default 0.05 m).
    reference_pelvic_tilt_deg : float
        Pelvic tilt at which the disc plane is horizontal (default 11.6°, Schwartz 2008).
    disc_extra_inclination_deg : float
        Disc inclination at that tilt (default 0).
    events : sequence of Event, optional
        Gait events; default ``kinechain.gait.detect_events(trial)``.

    Returns
    -------
    LumbarLoad

    Notes
    -----
    Summed over both legs, the recursion foot → shank → thigh → pelvis is the Newton–Euler
    balance of the lower body as one system (feet, shanks, thighs, pelvis), whose only
    external loads are gravity, the ground reaction and the load at L5/S1. That balance is
    what is evaluated: it needs only the *total* ground reaction, so it also holds when both
    feet share a plate or a foot spans two plates, as long as no foot touches the floor off
    the plates.
    """
    mass = resolve_body_mass(trial, body_mass_kg)
    ev = resolve_events(trial, events)
    rate = float(trial.point_rate)
    n = trial.n_frames
    up = np.asarray(trial.vertical, dtype=np.float64)
    up = up / np.linalg.norm(up)
    g = gravity_vector(trial)
    prog = np.asarray(getattr(model, "progression", np.eye(3)), dtype=np.float64)
    forward, left = prog[:, 0], prog[:, 1]
    warnings: list[str] = []
    if ev is None:
        warnings.append(
            "no gait events: a foot counts as measured only while it is over a loaded plate"
        )
    fc = cutoff_hz if force_cutoff_hz == "kinematics" else force_cutoff_hz
    jc_raw = {k: np.asarray(v, dtype=np.float64) for k, v in model.joint_centres.items()}
    loads = external_loads(trial, jc_raw, ev, force_cutoff_hz=fc)

    stature, how = _stature(trial, model, stature_m)
    if how == "leg length":
        warnings.append(
            f"no stature: estimated {stature:.2f} m from the leg length "
            f"(× 1/{LEG_LENGTH_FRACTION_OF_STATURE})"
        )

    def filt(x: FloatArray) -> FloatArray:
        return lowpass(x, rate, cutoff_hz)

    states, centres, more = leg_segments(trial, model, mass, sex, cutoff_hz)
    warnings += more
    l5s1 = filt(l5s1_position(trial, model, sex)[0])

    mid_hip = 0.5 * (centres["left_hip"] + centres["right_hip"])
    pelvis = pelvis_state(model, mid_hip, l5s1, mass, sex, stature, rate, cutoff_hz)

    # Lower body as one system: load from the pelvis on the upper body at L5/S1.
    f_sum = np.zeros((n, 3))
    m_sum = np.zeros((n, 3))
    for st in (*states.values(), pelvis):
        ma, dh = st.dynamics(g)
        f_sum = f_sum + ma
        m_sum = m_sum + dh + np.cross(st.com - l5s1, ma)
    f_grf = loads.total_force
    m_grf = loads.total_moment_origin - np.cross(l5s1, f_grf)
    force = f_grf - f_sum  # −(Σ m(a − g) − F_grf): on the upper body, from the pelvis
    moment = m_grf - m_sum
    valid = (
        loads.measured["left"]
        & loads.measured["right"]
        & np.isfinite(force).all(axis=1)
        & np.isfinite(moment).all(axis=1)
    )

    # Top-down, quasi-static: the weight of the body above L5/S1 about L5/S1.
    ub = upper_body(sex)
    w_ub = ub.mass_fraction * mass * GRAVITY
    top = _trunk_top(trial, model)
    if top is None:
        warnings.append("no C7/CLAV (or thorax) markers: no top-down estimate")
        com_ub = np.full((n, 3), np.nan)
    else:
        u = filt(top) - l5s1
        u = u / np.linalg.norm(u, axis=1, keepdims=True)
        com_ub = l5s1 + ub.com_height_m(stature) * u
    r_c = com_ub - l5s1
    trunk_flex = np.degrees(np.arctan2(r_c @ forward, r_c @ up))

    # Residual check: the bottom-up vertical force on the upper body against m (a − g) of the
    # upper body from its markers. A large gap means a ground contact the plates missed (a
    # foot landing on the floor before the detected strike, a foot off the plate edge...).
    acc_ub = derivative(derivative(com_ub, rate), rate) @ up
    residual = force @ up - (w_ub / GRAVITY) * (acc_ub + GRAVITY)
    if np.isfinite(residual[valid]).any():
        limit = RESIDUAL_LIMIT_FRACTION * w_ub
        with np.errstate(invalid="ignore"):
            bad = _grow(valid & (np.abs(residual) > limit), valid & (np.abs(residual) > limit / 2))
        if bad.any():
            warnings.append(
                f"{int(bad.sum())} frames dropped: the vertical force at L5/S1 differs from the "
                f"upper body's weight and acceleration by more than {limit:.0f} N "
                f"({RESIDUAL_LIMIT_FRACTION:.0%} of its weight): a ground contact the force "
                "plates did not measure"
            )
        valid = valid & ~bad
    elif valid.any():
        warnings.append("no residual check of the ground reaction (no trunk markers)")
    force = np.where(valid[:, None], force, np.nan)
    moment = np.where(valid[:, None], moment, np.nan)

    # Disc frame: the pelvis frame turned about its y axis so that the normal is inclined by
    # δ = δ0 + (τ − τ_ref) (τ = Plug-in Gait pelvic tilt, the pelvis z axis's forward lean).
    turn = np.radians(disc_extra_inclination_deg - reference_pelvic_tilt_deg)
    ry = np.array(
        [[np.cos(turn), 0.0, np.sin(turn)], [0.0, 1.0, 0.0], [-np.sin(turn), 0.0, np.cos(turn)]]
    )
    disc = pelvis.rotation @ ry
    f_disc = np.einsum("nji,nj->ni", disc, force)
    m_disc = np.einsum("nji,nj->ni", disc, moment)
    extension = -m_disc[:, 1]
    muscle, compression, shear = single_equivalent_muscle(
        extension, f_disc[:, 2], f_disc[:, 0], extensor_moment_arm_m
    )
    lateral_shear = -f_disc[:, 1]

    z_pel = pelvis.rotation[:, :, 2]
    tilt = np.degrees(np.arctan2(z_pel @ forward, z_pel @ up))
    normal = disc[:, :, 2]
    delta = np.degrees(np.arctan2(normal @ forward, normal @ up))

    f_td = np.broadcast_to(w_ub * up, (n, 3))
    ftd_disc = np.einsum("nji,nj->ni", disc, f_td)
    mtd_disc = np.einsum("nji,nj->ni", disc, np.cross(r_c, w_ub * up))
    td_ext = -mtd_disc[:, 1]
    _, td_comp, td_shear = single_equivalent_muscle(
        td_ext, ftd_disc[:, 2], ftd_disc[:, 0], extensor_moment_arm_m
    )

    time = trial.time
    cycles = _cycles(ev, time, compression, shear, extension, valid)
    filt_note = (
        f"{cutoff_hz:g} Hz zero-lag Butterworth on the kinematics"
        if cutoff_hz is not None
        else "unfiltered kinematics"
    ) + (f", {fc:g} Hz on the force plates" if fc is not None else ", raw force plates")
    assumptions = [
        "bottom-up: rigid segments, de Leva (1996) parameters"
        + (" (mean of the male and female values)" if sex is None else f" ({sex})")
        + f"; {filt_note}",
        "L5/S1 halfway up de Leva's lower trunk (OMPH→MIDH): its lower half is the pelvis "
        "segment, its upper half belongs to the body above L5/S1",
        "L5/S1 placed by the Dumas & Wojtusch (2018) regression on the ASIS markers",
        f"single equivalent extensor, moment arm {extensor_moment_arm_m * 100:.1f} cm, along "
        "the disc normal; flexion moments given to an equivalent flexor with the same arm",
        "the disc normal follows the pelvis: horizontal disc plane at a pelvic tilt of "
        f"{reference_pelvic_tilt_deg:g}°"
        + (" (Schwartz 2008 normative mean)" if reference_pelvic_tilt_deg == 11.6 else "")
        + "; sacral slope not modelled, so shear is relative to that reference",
        "only the sagittal moment loads the equivalent muscle; lateral bending and twisting "
        "moments are reported, not turned into compression",
        "no intra-abdominal pressure, no co-contraction, no passive tissues",
        f"top-down: body above L5/S1 = {100 * ub.mass_fraction:.1f} % of body mass, CoM "
        f"{ub.com_height_m(stature):.3f} m from L5/S1 on the line L5/S1 → mid(C7, CLAV)",
    ]
    return LumbarLoad(
        time=time,
        body_mass_kg=mass,
        l5s1=l5s1,
        force=force,
        moment=moment,
        disc_axes=disc,
        extension_moment_nm=extension,
        lateral_moment_nm=m_disc[:, 0],
        axial_moment_nm=m_disc[:, 2],
        muscle_force_n=muscle,
        compression_n=compression,
        shear_n=shear,
        lateral_shear_n=lateral_shear,
        top_down_extension_moment_nm=td_ext,
        top_down_compression_n=td_comp,
        top_down_shear_n=td_shear,
        upper_body_com=com_ub,
        upper_body_weight_n=w_ub,
        pelvic_tilt_deg=tilt,
        trunk_flexion_deg=trunk_flex,
        disc_inclination_deg=delta,
        valid=valid,
        cycles=cycles,
        peak_stance_dorsiflexion_deg=_peak_df(model, ev, time),
        forward=forward,
        left=left,
        up=up,
        extensor_moment_arm_m=extensor_moment_arm_m,
        reference_pelvic_tilt_deg=reference_pelvic_tilt_deg,
        disc_extra_inclination_deg=disc_extra_inclination_deg,
        pelvis=pelvis.inertia,
        assumptions=assumptions,
        warnings=warnings,
    )


def _trunk_top(trial: Trial, model: SegmentModel) -> FloatArray | None:
    c7, clav = trial.markers.get("C7"), trial.markers.get("CLAV")
    if c7 is not None and clav is not None and np.isfinite(c7).any() and np.isfinite(clav).any():
        return 0.5 * (np.asarray(c7, dtype=np.float64) + np.asarray(clav, dtype=np.float64))
    thorax = model.segments.get("thorax")
    if thorax is not None:
        return np.asarray(thorax.origin, dtype=np.float64)
    return None


def _cycles(
    events: Sequence[Event] | None,
    time: FloatArray,
    compression: FloatArray,
    shear: FloatArray,
    extension: FloatArray,
    valid: BoolArray,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not events:
        return out
    for side in SIDES:
        for st in strides(events, side):
            sel = (time >= st.start) & (time < st.end)
            if not sel.any():
                continue
            ok = sel & valid
            row: dict[str, Any] = {
                "side": side,
                "start_s": st.start,
                "end_s": st.end,
                "coverage": float(ok.sum() / sel.sum()),
            }
            if ok.any():
                row.update(
                    {
                        "peak_compression_n": float(np.max(compression[ok])),
                        "mean_compression_n": float(np.mean(compression[ok])),
                        "peak_anterior_shear_n": float(np.max(shear[ok])),
                        "peak_extension_moment_nm": float(np.max(extension[ok])),
                        "niosh": niosh_band(float(np.max(compression[ok]))),
                    }
                )
            out.append(row)
    return out
