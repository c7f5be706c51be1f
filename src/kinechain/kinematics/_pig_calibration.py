"""Plug-in Gait static calibration: subject measurements and static offsets.

What the static (standing) trial gives Plug-in Gait, and how it is computed here (the frames
of the static trial are processed together, vectorised, and the per-frame results averaged):

* inter-ASIS distance, when the subject record has none: mean LASI-RASI distance;
* ankle joint centre, shank rotation offset and tibial torsion, when medial malleolus
  markers (``LMED``/``RMED``, or the Oxford Foot Model's ``LMMA``/``RMMA``) are present:
  the ankle centre is the midpoint of the malleoli, the shank rotation offset is the angle,
  about the tibia's long axis, between the ankle marker and the tibia wand as seen from that
  centre (so that the dynamic chord construction finds the same centre), and the tibial
  torsion is the angle between the knee flexion axis (thigh y axis) and the malleolar axis.
  Without medial markers both are zero and the chord gives the ankle centre;
* the static plantarflexion and rotation offsets of the foot: the foot as the dynamic model
  builds it (z from the toe marker to the ankle centre, the "uncorrected" foot) against the
  foot whose long axis runs from the toe to the heel marker, in the y-then-x Cardan order
  (the rotation about the long axis is dropped, as PiG does). With ``flat_foot`` the heel
  marker is first lowered to the height of the toe marker.

No knee alignment device (KAD) calibration is done: the thigh rotation offset is zero, as in
Plug-in Gait without a KAD.
"""

from __future__ import annotations

import numpy as np

from kinechain.errors import CalibrationError
from kinechain.kinematics._geometry import (
    cardan_yxz,
    chord_joint_centre,
    normalize,
    relative_rotation,
    signed_angle_about,
)
from kinechain.kinematics._pig_model import (
    ASIS_TROCHANTER_INTERCEPT_M,
    ASIS_TROCHANTER_SLOPE,
    DEFAULT_MARKER_DIAMETER_M,
    MEDIAL_MALLEOLUS,
    MODEL,
    PREFIX,
    SIGN,
    FloatArray,
    PigCalibration,
    SideCalibration,
    frame_zy,
    hip_centre_local,
    leg_markers,
    marker,
    nanmean,
    pelvis_frame,
    sacrum,
    shank_frames,
    thigh_and_knee,
    uncorrected_foot,
)
from kinechain.trial import SIDES, Side, Subject, Trial

__all__ = ["calibrate"]


def _positive(value: float | None) -> float | None:
    return float(value) if value is not None and np.isfinite(value) and value > 0 else None


def _side_value(walk: Subject, static: Subject | None, attr: str, side: Side) -> float | None:
    for subject in (walk, static):
        if subject is None:
            continue
        value = _positive(getattr(subject, attr).get(side))
        if value is not None:
            return value
    return None


def _scalar_value(walk: Subject, static: Subject | None, attr: str) -> float | None:
    for subject in (walk, static):
        if subject is None:
            continue
        value = _positive(getattr(subject, attr))
        if value is not None:
            return value
    return None


_C3D_NAMES = {
    "leg_length_m": "LegLength",
    "knee_width_m": "KneeWidth",
    "ankle_width_m": "AnkleWidth",
}


def _measurements(
    walk: Trial, static: Trial | None, warnings: list[str]
) -> tuple[float | None, float, dict[Side, SideCalibration]]:
    """Subject values (walk first, then static), the marker radius and per-side records."""
    ss = None if static is None else static.subject
    sides: dict[Side, SideCalibration] = {}
    for side in SIDES:
        values: dict[str, float] = {}
        for attr, c3d_name in _C3D_NAMES.items():
            value = _side_value(walk.subject, ss, attr, side)
            if value is None:
                raise CalibrationError(
                    walk.source,
                    f"the subject's {side} {c3d_name} is missing or not positive; the {MODEL} "
                    "model needs leg length, knee width and ankle width of both legs",
                    field=f"PROCESSING:{PREFIX[side]}{c3d_name}",
                )
            values[attr] = value
        troch = _side_value(walk.subject, ss, "asis_trochanter_m", side)
        if troch is None:
            troch = ASIS_TROCHANTER_SLOPE * values["leg_length_m"] - ASIS_TROCHANTER_INTERCEPT_M
        sides[side] = SideCalibration(
            leg_length_m=values["leg_length_m"],
            asis_trochanter_m=troch,
            knee_width_m=values["knee_width_m"],
            ankle_width_m=values["ankle_width_m"],
        )
    diameter = _scalar_value(walk.subject, ss, "marker_diameter_m")
    if diameter is None:
        diameter = DEFAULT_MARKER_DIAMETER_M
        warnings.append(
            f"marker diameter not given; the Plug-in Gait default of "
            f"{DEFAULT_MARKER_DIAMETER_M * 1000:.0f} mm was used"
        )
    inter_asis = _scalar_value(walk.subject, ss, "inter_asis_m")
    return inter_asis, 0.5 * diameter, sides


def _inter_asis_from_markers(trial: Trial) -> float:
    lasi = marker(trial, "LASI", "the inter-ASIS distance")
    rasi = marker(trial, "RASI", "the inter-ASIS distance")
    return nanmean(np.linalg.norm(lasi - rasi, axis=-1))


def _medial_malleolus(static: Trial, side: Side) -> FloatArray | None:
    for suffix in MEDIAL_MALLEOLUS:
        xyz = static.markers.get(PREFIX[side] + suffix)
        if xyz is not None and np.any(np.isfinite(xyz).all(axis=-1)):
            return np.asarray(xyz, dtype=np.float64)
    return None


def _mean_or_fail(values: FloatArray, static: Trial, what: str) -> float:
    value = nanmean(values)
    if not np.isfinite(value):
        raise CalibrationError(
            static.source,
            f"no frame of the static trial has all the markers needed for the {what}",
        )
    return value


def _static_side(
    static: Trial,
    side: Side,
    cal: PigCalibration,
    origin: FloatArray,
    pelvis: FloatArray,
    flat_foot: bool,
) -> SideCalibration:
    c = cal.side(side)
    sign = SIGN[side]
    p = PREFIX[side]
    thi, kne, tib, ank, toe = (
        marker(static, n, f"the {side} leg in the static calibration") for n in leg_markers(side)
    )
    hee = marker(static, f"{p}HEE", f"the {side} static foot offsets")
    hjc = origin + pelvis @ hip_centre_local(cal, side)
    kjc, thigh = thigh_and_knee(thi, kne, hjc, side, cal)
    med = _medial_malleolus(static, side)
    if med is not None:
        ajc = 0.5 * (ank + med)
        axis = kjc - ajc
        shank_rotation = sign * _mean_or_fail(
            signed_angle_about(axis, ank - ajc, tib - ajc), static, f"{side} shank rotation"
        )
        torsion = -sign * _mean_or_fail(
            signed_angle_about(axis, thigh[..., :, 1], sign * (ank - med)),
            static,
            f"{side} tibial torsion",
        )
    else:
        shank_rotation = torsion = 0.0
    # The foot offsets compare the foot exactly as the dynamic model will build it: ankle
    # centre from the chord with the shank rotation offset, y from the untorsioned tibia.
    ajc_dynamic = chord_joint_centre(
        tib, kjc, ank, 0.5 * c.ankle_width_m + cal.marker_radius_m, sign * shank_rotation
    )
    _, untorsioned = shank_frames(kjc, ajc_dynamic, ank, side, torsion)
    shank_y = untorsioned[..., :, 1]
    if flat_foot:
        up = normalize(static.vertical)
        hee = hee + np.sum((toe - hee) * up, axis=-1, keepdims=True) * up
    foot_u = uncorrected_foot(ajc_dynamic, toe, shank_y)
    foot_c = frame_zy(hee - toe, shank_y)
    offsets = cardan_yxz(relative_rotation(foot_u, foot_c))
    plantarflexion = -_mean_or_fail(offsets[..., 1], static, f"{side} foot offsets")
    rotation = -sign * _mean_or_fail(offsets[..., 0], static, f"{side} foot offsets")
    return SideCalibration(
        leg_length_m=c.leg_length_m,
        asis_trochanter_m=c.asis_trochanter_m,
        knee_width_m=c.knee_width_m,
        ankle_width_m=c.ankle_width_m,
        thigh_rotation_rad=0.0,
        shank_rotation_rad=shank_rotation,
        tibial_torsion_rad=torsion,
        static_plantarflexion_rad=plantarflexion,
        static_rotation_offset_rad=rotation,
    )


def calibrate(
    walk: Trial, static: Trial | None, *, flat_foot: bool = False
) -> tuple[PigCalibration, list[str]]:
    """Calibrate Plug-in Gait for ``walk`` from ``static`` (or from subject values alone).

    Parameters
    ----------
    walk : Trial
        The dynamic trial; its subject measurements come first.
    static : Trial or None
        The static standing trial. Without it the static offsets are zero and a warning
        says so.
    flat_foot : bool
        PiG's "foot flat" option: the sole was flat on the floor in the static trial.

    Returns
    -------
    calibration : PigCalibration
    warnings : list of str
    """
    warnings: list[str] = []
    inter_asis, radius, sides = _measurements(walk, static, warnings)
    if inter_asis is None:
        inter_asis = _inter_asis_from_markers(static if static is not None else walk)
        warnings.append(
            f"InterAsisDistance not given; {inter_asis * 1000:.0f} mm measured between the "
            f"ASIS markers of {(static or walk).source} was used"
        )
    cal = PigCalibration(
        inter_asis_m=inter_asis, marker_radius_m=radius, left=sides["left"], right=sides["right"]
    )
    if static is None:
        warnings.append(
            f"no static trial: the {MODEL} foot offsets (static plantarflexion and rotation), "
            "shank rotation and tibial torsion are zero, so ankle and foot angles carry the "
            "foot marker placement as an offset"
        )
        return cal, warnings
    lasi = marker(static, "LASI", "the pelvis in the static calibration")
    rasi = marker(static, "RASI", "the pelvis in the static calibration")
    origin = 0.5 * (lasi + rasi)
    pelvis = pelvis_frame(lasi, rasi, sacrum(static))
    left = _static_side(static, "left", cal, origin, pelvis, flat_foot)
    right = _static_side(static, "right", cal, origin, pelvis, flat_foot)
    if any(f"{p}KD1" in static.markers for p in PREFIX.values()):
        warnings.append(
            "knee alignment device (KAD) markers found in the static trial, but the KAD "
            "calibration is not implemented: thigh rotation offsets are zero"
        )
    return (
        PigCalibration(inter_asis_m=inter_asis, marker_radius_m=radius, left=left, right=right),
        warnings,
    )
