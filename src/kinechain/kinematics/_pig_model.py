"""Plug-in Gait (Conventional Gait Model 1) segment geometry, shared by calibration and motion.

Everything here works on whole trajectories, ``(n, 3)`` marker arrays in metres, lab frame;
no loop runs over frames. Segment rotation matrices have the segment's x, y, z axes as
columns, expressed in the lab frame. The conventions are those of Plug-in Gait (Vicon
Motion Systems), i.e. of the Conventional Gait Model (Davis et al. 1991; Kadaba et al.
1990; Baker et al. 2018):

* pelvis, thigh and shank: x anterior, y to the subject's left, z proximal (up);
* PiG foot: z along the foot from the toe marker backwards, y to the left, x = y × z (up);
* thorax: x anterior, y left, z up (PiG's own thorax axes point down and right; the angles
  computed from either are identical, see ``_pig.py``).

See ``docs/kinematics.md`` for the method, sign conventions and sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import MarkerSetError
from kinechain.kinematics._geometry import chord_joint_centre, normalize, rotation_about
from kinechain.trial import SIDES, Side, Trial

FloatArray = NDArray[np.float64]

MODEL = "Plug-in Gait (CGM1)"

#: Marker name prefix of each side.
PREFIX: dict[Side, str] = {"left": "L", "right": "R"}
#: +1 for the left side, -1 for the right: segment y axes point left, i.e. lateral on the left
#: and medial on the right; left/right mirror angles use it too.
SIGN: dict[Side, float] = {"left": 1.0, "right": -1.0}

#: Plug-in Gait's default marker diameter, used when the file gives none.
DEFAULT_MARKER_DIAMETER_M = 0.014

#: Davis et al. (1991) hip joint centre regression, with the angles Plug-in Gait uses:
#: theta = 0.5 rad (28.6 deg), beta = 0.314 rad (18 deg); C = 0.115 * leg length - 15.3 mm.
HJC_THETA = 0.5
HJC_BETA = 0.314
HJC_C_SLOPE = 0.115
HJC_C_INTERCEPT_M = 0.0153
#: ASIS to greater trochanter distance from leg length (Davis et al. 1991, as used by PiG):
#: 0.1288 * leg length - 48.56 mm.
ASIS_TROCHANTER_SLOPE = 0.1288
ASIS_TROCHANTER_INTERCEPT_M = 0.04856

#: Medial malleolus marker names accepted in a static trial (PiG ``LMED``; the Oxford Foot
#: Model's ``LMMA``).
MEDIAL_MALLEOLUS = ("MED", "MMA")

THORAX_MARKERS = ("C7", "T10", "CLAV", "STRN")


def leg_markers(side: Side) -> tuple[str, ...]:
    """Markers the dynamic model needs on one leg, in PiG names."""
    p = PREFIX[side]
    return (f"{p}THI", f"{p}KNE", f"{p}TIB", f"{p}ANK", f"{p}TOE")


@dataclass(frozen=True)
class SideCalibration:
    """Subject measurements and static offsets of one leg (SI units, radians).

    Angles follow the Plug-in Gait sign conventions of the values Vicon writes in the C3D
    PROCESSING group (``LShankRotation``, ``LTibialTorsion``, ``LStaticPlantFlex``...), so they
    can be compared with them directly.
    """

    leg_length_m: float
    asis_trochanter_m: float
    knee_width_m: float
    ankle_width_m: float
    thigh_rotation_rad: float = 0.0
    shank_rotation_rad: float = 0.0
    tibial_torsion_rad: float = 0.0
    static_plantarflexion_rad: float = 0.0
    static_rotation_offset_rad: float = 0.0


@dataclass(frozen=True)
class PigCalibration:
    """Everything the dynamic model needs besides the markers.

    Attributes
    ----------
    inter_asis_m : float
        Distance between the ASIS, m.
    marker_radius_m : float
        Half the marker diameter, m.
    left, right : SideCalibration
    """

    inter_asis_m: float
    marker_radius_m: float
    left: SideCalibration
    right: SideCalibration

    def side(self, side: Side) -> SideCalibration:
        """The calibration of one leg."""
        return self.left if side == "left" else self.right

    @property
    def mean_leg_length_m(self) -> float:
        """Mean of both leg lengths (the Davis regression uses it), m."""
        return 0.5 * (self.left.leg_length_m + self.right.leg_length_m)

    def as_dict(self) -> dict[str, float]:
        """Flat ``name -> value`` view: lengths in metres, angles in degrees."""
        out = {
            "inter_asis_m": self.inter_asis_m,
            "marker_radius_m": self.marker_radius_m,
            "mean_leg_length_m": self.mean_leg_length_m,
        }
        for side in SIDES:
            c = self.side(side)
            out.update(
                {
                    f"{side}_leg_length_m": c.leg_length_m,
                    f"{side}_asis_trochanter_m": c.asis_trochanter_m,
                    f"{side}_knee_width_m": c.knee_width_m,
                    f"{side}_ankle_width_m": c.ankle_width_m,
                    f"{side}_thigh_rotation_deg": float(np.degrees(c.thigh_rotation_rad)),
                    f"{side}_shank_rotation_deg": float(np.degrees(c.shank_rotation_rad)),
                    f"{side}_tibial_torsion_deg": float(np.degrees(c.tibial_torsion_rad)),
                    f"{side}_static_plantarflexion_deg": float(
                        np.degrees(c.static_plantarflexion_rad)
                    ),
                    f"{side}_static_rotation_offset_deg": float(
                        np.degrees(c.static_rotation_offset_rad)
                    ),
                }
            )
        return out


def marker(trial: Trial, name: str, purpose: str) -> FloatArray:
    """A required marker; :class:`MarkerSetError` naming file, marker and model if unusable."""
    xyz = trial.markers.get(name)
    if xyz is None:
        raise MarkerSetError(
            trial.source,
            f"marker {name} is missing; the {MODEL} model needs it for {purpose}",
            field=name,
        )
    if not np.any(np.isfinite(xyz).all(axis=-1)):
        raise MarkerSetError(
            trial.source,
            f"marker {name} has no valid frame; the {MODEL} model needs it for {purpose}",
            field=name,
        )
    return np.asarray(xyz, dtype=np.float64)


def sacrum(trial: Trial) -> FloatArray:
    """SACR, or the midpoint of LPSI and RPSI (also filling SACR's gaps when both exist)."""
    has_psi = trial.has_markers("LPSI", "RPSI")
    if "SACR" in trial.markers:
        sacr = trial.markers["SACR"]
        if has_psi:
            mid = 0.5 * (trial.markers["LPSI"] + trial.markers["RPSI"])
            sacr = np.where(np.isfinite(sacr), sacr, mid)
        if np.any(np.isfinite(sacr).all(axis=-1)):
            return np.asarray(sacr, dtype=np.float64)
    if has_psi or "SACR" not in trial.markers:
        purpose = "the pelvis (SACR, or both LPSI and RPSI)"
        lpsi = marker(trial, "LPSI", purpose)
        rpsi = marker(trial, "RPSI", purpose)
        return np.asarray(0.5 * (lpsi + rpsi), dtype=np.float64)
    return marker(trial, "SACR", "the pelvis (SACR, or both LPSI and RPSI)")


def frame_zy(z: FloatArray, y: FloatArray) -> FloatArray:
    """Right-handed frames with z along ``z`` and y in the plane of ``z`` and ``y``."""
    zz = normalize(z)
    xx = normalize(np.cross(y, zz))
    yy = np.cross(zz, xx)
    return np.stack([xx, yy, zz], axis=-1)


def pelvis_frame(lasi: FloatArray, rasi: FloatArray, sacr: FloatArray) -> FloatArray:
    """PiG pelvis: y from RASI to LASI, x from the sacrum to mid-ASIS (orthogonalised)."""
    y = normalize(lasi - rasi)
    fwd = 0.5 * (lasi + rasi) - sacr
    x = normalize(fwd - np.sum(fwd * y, axis=-1, keepdims=True) * y)
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=-1)


def hip_centre_local(cal: PigCalibration, side: Side) -> FloatArray:
    """Hip joint centre in the pelvis frame, origin mid-ASIS (Davis et al. 1991), metres."""
    c = cal.side(side)
    big_c = HJC_C_SLOPE * cal.mean_leg_length_m - HJC_C_INTERCEPT_M
    reach = c.asis_trochanter_m + cal.marker_radius_m
    x = big_c * np.cos(HJC_THETA) * np.sin(HJC_BETA) - reach * np.cos(HJC_BETA)
    y = SIGN[side] * (0.5 * cal.inter_asis_m - big_c * np.sin(HJC_THETA))
    z = -big_c * np.cos(HJC_THETA) * np.cos(HJC_BETA) - reach * np.sin(HJC_BETA)
    return np.array([x, y, z])


@dataclass(frozen=True)
class LegPose:
    """Joint centres (n, 3) and segment frames (n, 3, 3) of one leg."""

    hip: FloatArray
    knee: FloatArray
    ankle: FloatArray
    toe: FloatArray
    thigh: FloatArray
    shank: FloatArray  # untorsioned tibia: y along the knee flexion axis (knee angles)
    shank_torsioned: FloatArray  # y along the ankle flexion axis (ankle angles)
    foot_uncorrected: FloatArray  # PiG axes, z from the toe marker to the ankle centre
    foot: FloatArray  # PiG axes after the static offsets


@dataclass(frozen=True)
class Pose:
    """Dynamic pose: pelvis (origin mid-ASIS), both legs, thorax (None without markers)."""

    pelvis_origin: FloatArray  # mid-ASIS
    pelvis: FloatArray
    legs: dict[Side, LegPose]
    thorax_origin: FloatArray | None
    thorax: FloatArray | None


def thigh_and_knee(
    thi: FloatArray, kne: FloatArray, hjc: FloatArray, side: Side, cal: PigCalibration
) -> tuple[FloatArray, FloatArray]:
    """Knee joint centre (chord) and the thigh frame."""
    c = cal.side(side)
    kjc = chord_joint_centre(
        thi,
        hjc,
        kne,
        0.5 * c.knee_width_m + cal.marker_radius_m,
        SIGN[side] * c.thigh_rotation_rad,
    )
    return kjc, frame_zy(hjc - kjc, SIGN[side] * (kne - kjc))


def shank_frames(
    kjc: FloatArray, ajc: FloatArray, ank: FloatArray, side: Side, tibial_torsion: float
) -> tuple[FloatArray, FloatArray]:
    """Torsioned (ankle axis through ANK) and untorsioned (knee axis) tibia frames."""
    torsioned = frame_zy(kjc - ajc, SIGN[side] * (ank - ajc))
    untorsioned = torsioned @ rotation_about("z", SIGN[side] * tibial_torsion)
    return torsioned, untorsioned


def uncorrected_foot(ajc: FloatArray, toe: FloatArray, shank_y: FloatArray) -> FloatArray:
    """PiG foot before the static offsets: z from the toe marker to the ankle centre."""
    return frame_zy(ajc - toe, shank_y)


def foot_offset_rotation(c: SideCalibration, side: Side) -> FloatArray:
    """Rotation from the uncorrected to the corrected foot frame (y then x, PiG order)."""
    return np.asarray(
        rotation_about("y", -c.static_plantarflexion_rad)
        @ rotation_about("x", -SIGN[side] * c.static_rotation_offset_rad),
        dtype=np.float64,
    )


def thorax_frame(trial: Trial) -> tuple[FloatArray, FloatArray] | None:
    """PiG thorax (origin at CLAV moved back by a marker radius is left to the caller)."""
    if not any(name in trial.markers for name in THORAX_MARKERS):
        return None
    m = {name: marker(trial, name, "the thorax") for name in THORAX_MARKERS}
    upper = 0.5 * (m["CLAV"] + m["C7"])
    lower = 0.5 * (m["STRN"] + m["T10"])
    front = 0.5 * (m["CLAV"] + m["STRN"])
    back = 0.5 * (m["C7"] + m["T10"])
    z = normalize(upper - lower)
    fwd = front - back
    x = normalize(fwd - np.sum(fwd * z, axis=-1, keepdims=True) * z)
    y = np.cross(z, x)
    return m["CLAV"], np.stack([x, y, z], axis=-1)


def lower_body_pose(trial: Trial, cal: PigCalibration) -> Pose:
    """Dynamic Plug-in Gait pose of the pelvis, legs and thorax, vectorised over frames."""
    lasi = marker(trial, "LASI", "the pelvis")
    rasi = marker(trial, "RASI", "the pelvis")
    sacr = sacrum(trial)
    origin = 0.5 * (lasi + rasi)
    pelvis = pelvis_frame(lasi, rasi, sacr)
    legs: dict[Side, LegPose] = {}
    for side in SIDES:
        thi, kne, tib, ank, toe = (marker(trial, n, f"the {side} leg") for n in leg_markers(side))
        c = cal.side(side)
        hjc = origin + pelvis @ hip_centre_local(cal, side)
        kjc, thigh = thigh_and_knee(thi, kne, hjc, side, cal)
        ajc = chord_joint_centre(
            tib,
            kjc,
            ank,
            0.5 * c.ankle_width_m + cal.marker_radius_m,
            SIGN[side] * c.shank_rotation_rad,
        )
        torsioned, untorsioned = shank_frames(kjc, ajc, ank, side, c.tibial_torsion_rad)
        foot_u = uncorrected_foot(ajc, toe, untorsioned[..., :, 1])
        legs[side] = LegPose(
            hip=hjc,
            knee=kjc,
            ankle=ajc,
            toe=toe,
            thigh=thigh,
            shank=untorsioned,
            shank_torsioned=torsioned,
            foot_uncorrected=foot_u,
            foot=np.asarray(foot_u @ foot_offset_rotation(c, side), dtype=np.float64),
        )
    thorax = thorax_frame(trial)
    return Pose(
        pelvis_origin=origin,
        pelvis=pelvis,
        legs=legs,
        thorax_origin=None if thorax is None else thorax[0],
        thorax=None if thorax is None else thorax[1],
    )


def nanmean(values: FloatArray) -> float:
    """Mean over finite values; NaN when there is none (without a RuntimeWarning)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")
