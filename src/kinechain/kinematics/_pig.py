"""Plug-in-Gait-compatible (Conventional Gait Model 1) lower body and trunk kinematics.

:func:`compute_pig` turns the markers of a :class:`~kinechain.trial.Trial` (and, optionally,
a static standing trial for calibration) into joint angles with Plug-in Gait's names and sign
conventions, joint centres and segment frames. The model is an independent implementation of
the published method (Davis et al. 1991; Kadaba et al. 1990; Baker, Leboeuf, Reay & Sangeux
2018, and Vicon's Plug-in Gait reference guide); see ``docs/kinematics.md`` for the method,
every sign convention and the validation against Vicon's own output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kinechain.kinematics._geometry import cardan_yxz, normalize, relative_rotation
from kinechain.kinematics._pig_calibration import calibrate
from kinechain.kinematics._pig_model import (
    PREFIX,
    SIGN,
    FloatArray,
    PigCalibration,
    Pose,
    lower_body_pose,
)
from kinechain.trial import SIDES, Trial

__all__ = ["PigResult", "SegmentPose", "compute_pig", "progression_frame"]

#: Pelvis displacement (m) above which the direction of progression is taken from the walk
#: itself rather than from the way the pelvis faces (as Plug-in Gait and pyCGM2 do).
PROGRESSION_MIN_DISPLACEMENT_M = 0.8


@dataclass(frozen=True)
class SegmentPose:
    """Position and orientation of one segment over the trial.

    Attributes
    ----------
    origin : (n, 3) array, m
        Segment origin in the lab frame.
    rotation : (n, 3, 3) array
        Columns are the segment's x (anterior), y (left) and z (up / proximal) axes in the
        lab frame.
    """

    origin: FloatArray
    rotation: FloatArray


@dataclass(frozen=True)
class PigResult:
    """Output of :func:`compute_pig`.

    Attributes
    ----------
    angles_deg : dict of str to (n,) arrays
        ``{side}_{angle}`` in degrees, Plug-in Gait conventions (see module docs).
    joint_centres : dict of str to (n, 3) arrays, m
        ``{side}_hip``, ``{side}_knee``, ``{side}_ankle``, ``{side}_toe`` (the toe marker)
        and ``{side}_heel`` (the heel marker, when present), lab frame.
    segments : dict of str to SegmentPose
        ``pelvis`` (origin midway between the hip centres), ``{side}_thigh`` (origin knee
        centre), ``{side}_shank`` (untorsioned tibia, y along the knee flexion axis; origin
        ankle centre), ``{side}_shank_torsioned`` (y along the ankle flexion axis),
        ``{side}_foot`` (origin ankle centre; x from heel to toe, y left, z up) and ``thorax``
        (origin CLAV) when the trunk markers are there. All frames have x anterior, y left and
        z up in the anatomical position.
    calibration : dict of str to float
        Subject measurements and static offsets used (metres, degrees), Plug-in Gait signs.
    warnings : list of str
        Everything the caller should know about the result (missing static trial, defaults).
    progression : (3, 3) array
        Columns: the progression axes (forward, left, up) in the lab frame.
    """

    angles_deg: dict[str, FloatArray]
    joint_centres: dict[str, FloatArray]
    segments: dict[str, SegmentPose]
    calibration: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    progression: FloatArray = field(default_factory=lambda: np.eye(3))


def _snap_to_lab_axis(direction: FloatArray, up: FloatArray) -> FloatArray:
    """The signed lab axis, perpendicular to ``up``, closest to ``direction``."""
    best, best_dot = np.zeros(3), -np.inf
    for axis in np.vstack([np.eye(3), -np.eye(3)]):
        if abs(float(axis @ up)) > 0.5:
            continue
        d = float(axis @ direction)
        if d > best_dot:
            best, best_dot = axis, d
    return best


def progression_frame(
    trial: Trial, pelvis_origin: FloatArray, pelvis: FloatArray
) -> tuple[FloatArray, str]:
    """Plug-in Gait's progression frame: forward, left and up axes as matrix columns.

    Forward is the lab axis (perpendicular to the vertical) closest to: ``trial.walking``
    when the reader set it; else the pelvis displacement from the first to the last frame
    where it is seen, when longer than :data:`PROGRESSION_MIN_DISPLACEMENT_M`; else the mean
    direction the pelvis faces. Snapping to a lab axis is what Plug-in Gait does; walking
    along -X, say, simply gives a forward axis of -X.

    Returns
    -------
    frame : (3, 3) array
    how : str
        Which of the three rules was used.
    """
    up = normalize(np.asarray(trial.vertical, dtype=np.float64))
    direction: FloatArray | None = None
    how = ""
    if trial.walking is not None and np.all(np.isfinite(trial.walking)):
        direction, how = np.asarray(trial.walking, dtype=np.float64), "walking direction"
    else:
        seen = np.flatnonzero(np.isfinite(pelvis_origin).all(axis=-1))
        if seen.size >= 2:
            disp = pelvis_origin[seen[-1]] - pelvis_origin[seen[0]]
            disp = disp - (disp @ up) * up
            if np.linalg.norm(disp) > PROGRESSION_MIN_DISPLACEMENT_M:
                direction, how = disp, "pelvis displacement"
        if direction is None:
            facing = pelvis[..., :, 0]
            facing = facing[np.isfinite(facing).all(axis=-1)]
            if facing.size:
                direction, how = facing.mean(axis=0), "pelvis orientation"
    if direction is None:
        direction, how = np.eye(3)[int(np.argmin(np.abs(up)))], "lab axis"
    fwd = _snap_to_lab_axis(direction - (direction @ up) * up, up)
    fwd = normalize(fwd - (fwd @ up) * up)
    return np.stack([fwd, np.cross(up, fwd), up], axis=-1) + 0.0, how


def _cardan_deg(parent: FloatArray, child: FloatArray) -> FloatArray:
    """YXZ Cardan angles of ``child`` in ``parent``, degrees, columns (x, y, z) rotations."""
    return np.degrees(cardan_yxz(relative_rotation(parent, child)))


def _wrap180(a: FloatArray) -> FloatArray:
    return np.asarray((a + 180.0) % 360.0 - 180.0, dtype=np.float64)


def _pig_foot_to_uniform(foot: FloatArray) -> FloatArray:
    """PiG foot axes (x up, y left, z backwards) to x forward (heel to toe), y left, z up."""
    return np.stack([-foot[..., :, 2], foot[..., :, 1], foot[..., :, 0]], axis=-1)


def _angles(pose: Pose, prog: FloatArray) -> dict[str, FloatArray]:
    """All joint angles with Plug-in Gait's conventions (see docs/kinematics.md)."""
    n = pose.pelvis.shape[0]
    progression = np.broadcast_to(prog, (n, 3, 3))
    pel = _cardan_deg(progression, pose.pelvis)
    thorax = None if pose.thorax is None else _cardan_deg(progression, pose.thorax)
    # PiG's spine joint has the thorax as parent and the pelvis as child.
    spine = None if pose.thorax is None else _cardan_deg(pose.thorax, pose.pelvis)
    out: dict[str, FloatArray] = {}
    for side in SIDES:
        s = SIGN[side]
        leg = pose.legs[side]
        out[f"{side}_pelvic_tilt"] = pel[:, 1].copy()
        out[f"{side}_pelvic_obliquity"] = s * pel[:, 0]
        out[f"{side}_pelvic_rotation"] = -s * pel[:, 2]
        hip = _cardan_deg(pose.pelvis, leg.thigh)
        out[f"{side}_hip_flexion"] = -hip[:, 1]
        out[f"{side}_hip_adduction"] = -s * hip[:, 0]
        out[f"{side}_hip_internal_rotation"] = -s * hip[:, 2]
        knee = _cardan_deg(leg.thigh, leg.shank)
        out[f"{side}_knee_flexion"] = knee[:, 1]
        out[f"{side}_knee_adduction"] = -s * knee[:, 0]
        out[f"{side}_knee_internal_rotation"] = -s * knee[:, 2]
        ankle = _cardan_deg(leg.shank_torsioned, leg.foot)
        out[f"{side}_ankle_dorsiflexion"] = _wrap180(-(ankle[:, 1] + 90.0))
        out[f"{side}_ankle_inversion"] = -s * ankle[:, 2]
        out[f"{side}_ankle_internal_rotation"] = -s * ankle[:, 0]
        foot = _cardan_deg(progression, leg.foot)
        out[f"{side}_foot_progression"] = -s * foot[:, 0]
        out[f"{side}_foot_tilt"] = _wrap180(-(foot[:, 1] + 90.0))
        if thorax is not None and spine is not None:
            out[f"{side}_thorax_tilt"] = thorax[:, 1].copy()
            out[f"{side}_thorax_obliquity"] = s * thorax[:, 0]
            out[f"{side}_thorax_rotation"] = -s * thorax[:, 2]
            out[f"{side}_spine_flexion"] = -spine[:, 1]
            out[f"{side}_spine_lateral_flexion"] = s * spine[:, 0]
            out[f"{side}_spine_rotation"] = -s * spine[:, 2]
    return out


def _outputs(
    trial: Trial, pose: Pose, cal: PigCalibration
) -> tuple[dict[str, FloatArray], dict[str, SegmentPose]]:
    centres: dict[str, FloatArray] = {}
    segments: dict[str, SegmentPose] = {}
    mid_hip = 0.5 * (pose.legs["left"].hip + pose.legs["right"].hip)
    segments["pelvis"] = SegmentPose(mid_hip, pose.pelvis)
    for side in SIDES:
        leg = pose.legs[side]
        centres[f"{side}_hip"] = leg.hip
        centres[f"{side}_knee"] = leg.knee
        centres[f"{side}_ankle"] = leg.ankle
        centres[f"{side}_toe"] = leg.toe
        heel = trial.markers.get(f"{PREFIX[side]}HEE")
        if heel is not None:
            centres[f"{side}_heel"] = np.asarray(heel, dtype=np.float64)
        segments[f"{side}_thigh"] = SegmentPose(leg.knee, leg.thigh)
        segments[f"{side}_shank"] = SegmentPose(leg.ankle, leg.shank)
        segments[f"{side}_shank_torsioned"] = SegmentPose(leg.ankle, leg.shank_torsioned)
        segments[f"{side}_foot"] = SegmentPose(leg.ankle, _pig_foot_to_uniform(leg.foot))
    if pose.thorax is not None and pose.thorax_origin is not None:
        # PiG puts the thorax origin one marker radius behind CLAV.
        origin = pose.thorax_origin - cal.marker_radius_m * pose.thorax[..., :, 0]
        segments["thorax"] = SegmentPose(origin, pose.thorax)
    return centres, segments


def compute_pig(trial: Trial, static: Trial | None = None, *, flat_foot: bool = False) -> PigResult:
    """Plug-in-Gait-compatible lower body and trunk kinematics of ``trial``.

    Parameters
    ----------
    trial : Trial
        The dynamic trial: markers in metres (lab frame, NaN gaps), PiG marker names
        (LASI, RASI, SACR or LPSI+RPSI, {L,R}THI, KNE, TIB, ANK, TOE; optionally C7, T10, CLAV
        and STRN for the trunk) and the subject's leg lengths, knee and ankle widths.
    static : Trial, optional
        Static standing trial of the same subject and marker placement (also with the heel
        markers, and with medial malleolus markers if the lab uses them). Without it the
        static offsets are zero and :attr:`PigResult.warnings` says so.
    flat_foot : bool
        Plug-in Gait's "foot flat" option: the soles were flat on the floor in the static
        trial, so the foot's long axis is calibrated parallel to the floor.

    Returns
    -------
    PigResult

    Raises
    ------
    MarkerSetError
        A marker the model needs is missing (or never seen) in ``trial`` or ``static``; the
        message names the file, the marker and the model.
    CalibrationError
        A subject measurement the model needs is missing, or the static trial has no usable
        frame.

    Notes
    -----
    Frames where a needed marker is missing come out as NaN; nothing is interpolated.
    """
    cal, warnings = calibrate(trial, static, flat_foot=flat_foot)
    pose = lower_body_pose(trial, cal)
    prog, how = progression_frame(trial, pose.pelvis_origin, pose.pelvis)
    if how in ("pelvis orientation", "lab axis"):
        warnings.append(
            f"direction of progression taken from the {how} (the pelvis moved less than "
            f"{PROGRESSION_MIN_DISPLACEMENT_M} m); pelvis, thorax and foot progression "
            "angles are relative to it"
        )
    if pose.thorax is None:
        warnings.append(
            "no trunk markers (C7, T10, CLAV, STRN): spine and thorax angles not computed"
        )
    centres, segments = _outputs(trial, pose, cal)
    return PigResult(
        angles_deg=_angles(pose, prog),
        joint_centres=centres,
        segments=segments,
        calibration=cal.as_dict(),
        warnings=warnings,
        progression=prog,
    )
