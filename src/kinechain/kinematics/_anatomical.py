"""Lower-limb kinematics from anatomical landmarks (ISB segment frames), any marker set.

:func:`compute_anatomical` builds pelvis, femur, tibia and foot frames from the landmarks a
:class:`~kinechain.kinematics._markersets.MarkerMapping` names, and reports joint angles under
the names and sign conventions of Plug-in Gait, so that its curves can stand in for PiG's when a
file does not carry the PiG marker set.

Methods (``docs/markersets.md`` has the detail)
------------------------------------------------
Segment axes, every segment, both sides: x anterior, y to the subject's left, z superior (for
the foot: x along the foot towards the toes, z up from the sole). In ISB terms
(Wu et al. 2002, J Biomech 35:543) x = X, y = -Z, z = Y.

* Pelvis: origin midway between the ASIS; y along RASIS->LASIS; x in the plane of the ASIS and
  the mid-PSIS (or the sacrum marker), anterior (Wu et al. 2002).
* Hip joint centre: Harrington et al. (2007, J Biomech 40:595) regression on pelvis width and
  depth (default), or Bell et al. (1990, J Biomech 23:617) on pelvis width.
* Femur: z from the knee joint centre (KJC) to the hip joint centre (HJC); the medio-lateral
  axis from the femoral epicondyles (KJC at their midpoint). With the lateral epicondyle only,
  the KJC is placed by the Davis et al. (1991, Hum Mov Sci 10:575) chord: (knee width +
  marker diameter)/2 medial of the marker, at right angles to the HJC, in the plane of the
  lateral thigh marker. When no lateral thigh marker is usable but the shank carries three or
  more markers, that plane comes from the functional knee flexion axis: the normal of the
  plane swept by the thigh direction in the shank's technical frame (Gamage & Lasenby 2002,
  J Biomech 35:87; Ehrig et al. 2007, J Biomech 40:2150).
* Tibia: z from the ankle joint centre (AJC) to the KJC; medio-lateral axis from the malleoli
  (AJC at their midpoint), or the chord on the lateral malleolus with the ankle width in the
  plane of the shank marker. Without a malleolus marker but with a shank cluster, the AJC is
  the functional centre of rotation of the heel and forefoot markers relative to the shank
  (Gamage & Lasenby 2002 sphere fit).
* Foot: x from the heel to the forefoot (toe marker, 2nd metatarsal head, midpoint of the 1st
  and 5th, or the 5th alone); y from the 5th to the 1st metatarsal head when both exist,
  otherwise from the tibia.
* Landmarks present in a static trial but not in the walk (medial malleoli, epicondyles...) are
  carried into the walk through the technical frame of three or more markers on the same
  segment (CAST anatomical calibration, Cappozzo et al. 1995, Clin Biomech 10:171; rigid fit of
  Soderkvist & Wedin 1993, J Biomech 26:1473).
* Joint angles: Cardan sequence flexion (about the proximal y), ab/adduction (floating axis),
  rotation (about the distal z), equivalent to the joint coordinate system of Grood & Suntay
  (1983, J Biomech Eng 105:136) and to Plug-in Gait's YXZ. Pelvis angles are the same sequence
  of the pelvis against the progression frame (walking direction, vertical). Signs follow
  Plug-in Gait: flexion, dorsiflexion, anterior tilt, adduction (varus), inversion, internal
  rotation, pelvis up and forward on that side positive.
* Static trial: the foot axis is corrected for its pitch in standing, so that a flat foot is
  horizontal (Plug-in Gait's "foot flat" static option); its median is subtracted from
  ankle dorsiflexion.

Nothing here assumes a Z-up laboratory: ``trial.vertical`` and the walking direction define
the progression frame, and every result is unchanged by a rotation of the laboratory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import CalibrationError, MarkerSetError
from kinechain.kinematics._geometry import cardan_yxz, normalize, relative_rotation
from kinechain.kinematics._markersets import (
    MARKER_SETS,
    MarkerMapping,
    capabilities,
    match_markerset,
)
from kinechain.trial import SIDES, Trial

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

__all__ = [
    "DEFAULT_ANKLE_WIDTH_M",
    "DEFAULT_KNEE_WIDTH_M",
    "DEFAULT_MARKER_DIAMETER_M",
    "AnatomicalResult",
    "Segment",
    "compute_anatomical",
]

#: Used when the trial has no subject value; adult means, reported in ``warnings``.
DEFAULT_KNEE_WIDTH_M = 0.100
DEFAULT_ANKLE_WIDTH_M = 0.070
DEFAULT_MARKER_DIAMETER_M = 0.014

#: A usable lateral thigh/shank marker lies within this angle of the pelvis' lateral direction
#: as seen from the segment's long axis (median over frames).
MAX_WAND_ANGLE_DEG = 60.0
#: Least knee (ankle) motion, degrees, for a functional axis (centre) to be fitted.
MIN_KNEE_ARC_DEG = 25.0
MIN_ANKLE_ARC_DEG = 15.0
#: A cluster marker further than this from the rigid fit is treated as mislabelled (m).
CLUSTER_TOLERANCE_M = 0.010

_THIGH_GROUP = (
    "thigh",
    "thigh_1",
    "thigh_2",
    "thigh_3",
    "thigh_4",
    "greater_trochanter",
    "lateral_epicondyle",
    "medial_epicondyle",
)
_SHANK_GROUP = (
    "tibial_tuberosity",
    "fibula_head",
    "tibia",
    "shank_1",
    "shank_2",
    "shank_3",
    "shank_4",
    "lateral_malleolus",
    "medial_malleolus",
)
_FOOT_GROUP = ("heel", "toe", "first_metatarsal", "second_metatarsal", "fifth_metatarsal")

_COMPONENTS = {
    "hip": ("hip_flexion", "hip_adduction", "hip_internal_rotation"),
    "knee": ("knee_flexion", "knee_adduction", "knee_internal_rotation"),
    "ankle": ("ankle_dorsiflexion", "ankle_inversion", "ankle_internal_rotation"),
}


@dataclass(frozen=True)
class Segment:
    """Pose of one segment over frames.

    Attributes
    ----------
    rotation : (n, 3, 3) array
        Columns are the segment's x (anterior), y (left), z (superior) axes in the lab frame.
    origin : (n, 3) array, m
        Origin in the lab frame (pelvis: mid-ASIS; femur: KJC; tibia and foot: AJC).
    """

    rotation: FloatArray
    origin: FloatArray


@dataclass(frozen=True)
class AnatomicalResult:
    """Output of :func:`compute_anatomical`.

    Attributes
    ----------
    angles_deg : dict of str to (n,) arrays
        ``{side}_pelvic_tilt`` ... ``{side}_foot_progression`` with Plug-in Gait names and
        signs. A key is present when its joint could be computed; a component the marker set
        cannot measure is NaN and explained in ``warnings``.
    joint_centres : dict of str to (n, 3) arrays, m
        ``{side}_hip``, ``{side}_knee``, ``{side}_ankle`` in the lab frame.
    segments : dict of str to Segment
        ``pelvis``, ``{side}_femur``, ``{side}_tibia``, ``{side}_foot``.
    methods : dict of str to str
        How each joint centre and axis was obtained (e.g. ``"left_knee": "chord on lateral
        epicondyle, thigh marker plane"``).
    calibration : dict of str to float
        Values the model used: pelvis width and depth (m), knee and ankle widths (m), static
        foot pitch offsets (deg), functional-fit spans (deg) and residuals (m).
    warnings : tuple of str
        Assumptions and fallbacks that limit the result.
    """

    angles_deg: dict[str, FloatArray]
    joint_centres: dict[str, FloatArray]
    segments: dict[str, Segment]
    methods: dict[str, str] = field(default_factory=dict)
    calibration: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# small vectorised helpers
# --------------------------------------------------------------------------------------------


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.asarray(np.einsum("...i,...i->...", a, b), dtype=np.float64)


def _perp(v: FloatArray, u: FloatArray) -> FloatArray:
    """Component of ``v`` orthogonal to unit ``u``."""
    return np.asarray(v - _dot(v, u)[..., None] * u, dtype=np.float64)


def _frame(primary: FloatArray, hint: FloatArray, order: str) -> FloatArray:
    """Orthonormal frames, columns x, y, z.

    ``order="zy"``: z along ``primary``, y from ``hint``; ``"yx"``: y along ``primary``, x from
    ``hint``; ``"xy"``: x along ``primary``, y from ``hint``.
    """
    p = normalize(primary)
    if order == "zy":
        x = normalize(np.cross(hint, p))
        y = np.cross(p, x)
        cols = (x, y, p)
    elif order == "yx":
        z = normalize(np.cross(hint, p))
        x = np.cross(p, z)
        cols = (x, p, z)
    elif order == "xy":
        z = normalize(np.cross(p, hint))
        y = np.cross(z, p)
        cols = (p, y, z)
    else:  # pragma: no cover - internal
        raise ValueError(order)
    return np.asarray(np.stack(cols, axis=-1), dtype=np.float64)


def _rot_y(angle: float) -> FloatArray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _median(x: FloatArray) -> float:
    """Median over finite values; NaN when there are none (without a warning)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _valid(p: FloatArray) -> BoolArray:
    return np.asarray(np.isfinite(p).all(axis=-1), dtype=np.bool_)


def _chord(
    proximal: FloatArray, marker: FloatArray, lateral: FloatArray, offset: float
) -> FloatArray:
    """Joint centre ``offset`` medial of a lateral ``marker`` (Davis et al. 1991 chord).

    The centre C lies in the plane of ``proximal``, ``marker`` and the ``lateral`` direction,
    on the medial side, with ``|C - marker| = offset`` and a right angle at C between
    ``proximal - C`` and ``marker - C``.
    """
    v = marker - proximal
    length = np.linalg.norm(v, axis=-1, keepdims=True)
    u = v / length
    med = -normalize(_perp(lateral, u))
    sin_t = np.clip(offset / length, 0.0, 1.0)
    cos_t = np.sqrt(1.0 - sin_t**2)
    reach = np.sqrt(np.clip(length**2 - offset**2, 0.0, None))
    return np.asarray(proximal + reach * (cos_t * u + sin_t * med), dtype=np.float64)


def _rigid_frames(
    points: FloatArray, ref: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """Least-squares rigid pose of a marker cluster in every frame (Soderkvist & Wedin 1993).

    Parameters
    ----------
    points : (n, k, 3) array
        Cluster markers, NaN where missing; frames with fewer than three markers give NaN.
    ref : (k, 3) array, optional
        Local shape of the cluster; by default the frame (with all markers) whose inter-marker
        distances are closest to their medians, centred.

    Returns
    -------
    (rotation (n, 3, 3), origin (n, 3), ref (k, 3)) or None when no frame shows all markers.
    A local point q is at ``rotation @ q + origin`` in the lab.
    """
    valid = _valid(points)
    if ref is None:
        full = np.flatnonzero(valid.all(axis=1))
        if full.size == 0:
            return None
        sub = points[full]
        d = np.linalg.norm(sub[:, :, None, :] - sub[:, None, :, :], axis=-1)
        pick = full[int(np.argmin(np.abs(d - np.median(d, axis=0)).sum(axis=(1, 2))))]
        ref = points[pick] - points[pick].mean(axis=0)
    rot, origin = _kabsch(points, valid, ref)
    # a mislabelled or swapped marker: drop the worst one where it sits off the cluster
    resid = np.linalg.norm(np.einsum("nij,kj->nki", rot, ref) + origin[:, None] - points, axis=-1)
    resid = np.where(valid, resid, -1.0)
    worst = np.argmax(resid, axis=1)
    bad = resid[np.arange(len(resid)), worst] > CLUSTER_TOLERANCE_M
    if bad.any():
        valid = valid.copy()
        valid[np.flatnonzero(bad), worst[bad]] = False
        rot, origin = _kabsch(points, valid, ref)
        resid = np.linalg.norm(
            np.einsum("nij,kj->nki", rot, ref) + origin[:, None] - points, axis=-1
        )
        still = (np.where(valid, resid, 0.0) > CLUSTER_TOLERANCE_M).any(axis=1)
        rot[still] = np.nan
        origin[still] = np.nan
    return rot, origin, np.asarray(ref)


def _kabsch(points: FloatArray, valid: BoolArray, ref: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weighted Kabsch fit of ``ref`` onto the valid ``points`` of every frame."""
    w = valid.astype(np.float64)
    count = w.sum(axis=1)
    ok = count >= 3
    wn = w / np.where(ok, count, 1.0)[:, None]
    pz = np.where(valid[..., None], points, 0.0)
    c = np.einsum("nk,nki->ni", wn, pz)
    cr = np.einsum("nk,ki->ni", wn, ref)
    a = ref[None, :, :] - cr[:, None, :]
    b = pz - c[:, None, :]
    h = np.einsum("nk,nki,nkj->nij", w, a, b)
    h[~ok] = np.eye(3)
    u, s, vt = np.linalg.svd(h)
    ok &= s[:, 1] > 1e-8
    d = np.sign(np.linalg.det(np.einsum("nji,nkj->nik", vt, u)))
    dm = np.zeros((len(d), 3, 3))
    dm[:, 0, 0] = 1.0
    dm[:, 1, 1] = 1.0
    dm[:, 2, 2] = d
    rot = np.einsum("nji,njk,nlk->nil", vt, dm, u)
    origin = c - np.einsum("nij,nj->ni", rot, cr)
    rot[~ok] = np.nan
    origin[~ok] = np.nan
    return np.asarray(rot), np.asarray(origin)


def _to_local(rot: FloatArray, origin: FloatArray, p: FloatArray) -> FloatArray:
    return np.asarray(np.einsum("nji,nj->ni", rot, p - origin), dtype=np.float64)


def _to_lab(rot: FloatArray, origin: FloatArray, q: FloatArray) -> FloatArray:
    return np.asarray(np.einsum("nij,...j->ni", rot, q) + origin, dtype=np.float64)


def _plane_normal(d: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Plane through the origin that best contains the directions ``d`` (m, 3).

    Returns the unit normal (the axis the directions swing about when they are
    perpendicular to it) and the singular values of ``d``.
    """
    _, s, vt = np.linalg.svd(d, full_matrices=False)
    return np.asarray(vt[2]), np.asarray(s)


def _arc_deg(d: FloatArray, normal: FloatArray) -> float:
    """Angular range (deg) of unit directions ``d`` about ``normal``."""
    e1 = normalize(_perp(d.mean(axis=0), normal))
    e2 = np.cross(normal, e1)
    ang = np.degrees(np.arctan2(d @ e2, d @ e1))
    return float(ang.max() - ang.min())


def _sphere_centre(
    tracks: list[FloatArray],
) -> tuple[FloatArray, FloatArray, float]:
    """Common centre of rotation of several markers (Gamage & Lasenby 2002, linear form).

    Solves ``|p|^2 = 2 p.c + k_j`` in least squares for the centre ``c`` and one constant per
    marker. Returns (centre (3,), radii (m,), rms residual in m).
    """
    allp = np.concatenate(tracks, axis=0)
    mu = allp.mean(axis=0)
    rows, rhs = [], []
    for j, t in enumerate(tracks):
        p = t - mu
        ind = np.zeros((len(p), len(tracks)))
        ind[:, j] = 1.0
        rows.append(np.hstack([2.0 * p, ind]))
        rhs.append((p**2).sum(axis=1))
    a = np.vstack(rows)
    b = np.concatenate(rhs)
    keep = np.ones(len(b), dtype=bool)
    for _ in range(3):  # refit without outliers (mislabelled frames)
        sol = np.linalg.lstsq(a[keep], b[keep], rcond=None)[0]
        c = sol[:3]
        radii = np.sqrt(np.clip(sol[3:] + c @ c, 0.0, None))
        resid = np.concatenate(
            [np.linalg.norm(t - mu - c, axis=1) - r for t, r in zip(tracks, radii, strict=True)]
        )
        rms = float(np.sqrt(np.mean(resid[keep] ** 2)))
        new_keep = np.abs(resid) <= max(3.0 * rms, 0.005)
        if (new_keep == keep).all():
            break
        keep = new_keep
    return np.asarray(c + mu), np.asarray(radii), rms


# --------------------------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------------------------


class _Model:
    """Working state of one :func:`compute_anatomical` call."""

    def __init__(self, trial: Trial, pts: dict[str, FloatArray]) -> None:
        self.trial = trial
        self.pts = pts
        self.n = trial.n_frames
        self.warnings: list[str] = []
        self.methods: dict[str, str] = {}
        self.calibration: dict[str, float] = {}
        self.segments: dict[str, Segment] = {}
        self.centres: dict[str, FloatArray] = {}
        self.knee_axis: dict[str, FloatArray] = {}
        self.foot_has_width: dict[str, bool] = {}
        self.shank_cluster: dict[str, tuple[FloatArray, FloatArray]] = {}

    def has(self, role: str) -> bool:
        return role in self.pts

    def p(self, role: str) -> FloatArray:
        return self.pts[role]

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    # -- subject values ---------------------------------------------------------------------
    def marker_diameter(self) -> float:
        md = self.trial.subject.marker_diameter_m
        if md is None or not np.isfinite(md) or md <= 0:
            self.warn(f"marker diameter unknown: {DEFAULT_MARKER_DIAMETER_M * 1000:.0f} mm assumed")
            return DEFAULT_MARKER_DIAMETER_M
        return float(md)

    def width(self, kind: Literal["knee", "ankle"], side: str) -> float:
        table = (
            self.trial.subject.knee_width_m if kind == "knee" else self.trial.subject.ankle_width_m
        )
        w = table.get(side)
        if w is None or not np.isfinite(w) or w <= 0:
            default = DEFAULT_KNEE_WIDTH_M if kind == "knee" else DEFAULT_ANKLE_WIDTH_M
            self.warn(
                f"{side} {kind} width unknown: {default * 1000:.0f} mm (adult mean) assumed; "
                f"frontal-plane angles near the {kind} carry an offset if the subject differs"
            )
            return default
        return float(w)

    # -- pelvis -----------------------------------------------------------------------------
    def pelvis(self, hip_regression: str) -> FloatArray:
        la, ra = self.p("left_asis"), self.p("right_asis")
        if self.has("left_psis") and self.has("right_psis"):
            back = (self.p("left_psis") + self.p("right_psis")) / 2
            self.methods["pelvis"] = "ASIS and mid-PSIS (Wu et al. 2002)"
        else:
            back = self.p("sacrum")
            self.methods["pelvis"] = "ASIS and sacrum marker as mid-PSIS (Wu et al. 2002)"
        origin = (la + ra) / 2
        rot = _frame(la - ra, origin - back, "yx")
        self.segments["pelvis"] = Segment(rot, origin)
        width = _median(np.linalg.norm(la - ra, axis=-1))
        depth = _median(np.linalg.norm(origin - back, axis=-1))
        if not (np.isfinite(width) and np.isfinite(depth)):
            raise MarkerSetError(
                self.trial.source, "pelvis markers have no frame in common", field="pelvis"
            )
        self.calibration["pelvis_width_m"] = width
        self.calibration["pelvis_depth_m"] = depth
        pw, pd = width * 1000.0, depth * 1000.0
        for side in SIDES:
            sgn = 1.0 if side == "left" else -1.0
            if hip_regression == "harrington":
                local = np.array([-0.24 * pd - 9.9, sgn * (0.33 * pw + 7.3), -0.30 * pw - 10.9])
                self.methods[f"{side}_hip"] = "Harrington et al. 2007 (pelvis width and depth)"
            else:
                local = np.array([-0.19 * pw, sgn * 0.36 * pw, -0.30 * pw])
                self.methods[f"{side}_hip"] = "Bell et al. 1990 (pelvis width)"
            self.centres[f"{side}_hip"] = origin + rot @ (local / 1000.0)
        return rot

    def lateral_ref(self, side: str) -> FloatArray:
        """Lateral direction of ``side`` from the pelvis, per frame."""
        y = self.segments["pelvis"].rotation[..., :, 1]
        return y if side == "left" else -y

    def wand_ok(self, side: str, prox: FloatArray, distal: FloatArray, wand: FloatArray) -> bool:
        """Is ``wand`` on the lateral side of the segment line prox->distal?"""
        u = normalize(distal - prox)
        a = normalize(_perp(wand - prox, u))
        b = normalize(_perp(self.lateral_ref(side), u))
        ang = _median(np.degrees(np.arccos(np.clip(_dot(a, b), -1.0, 1.0))))
        return bool(np.isfinite(ang) and ang <= MAX_WAND_ANGLE_DEG)

    # -- functional fits on a shank cluster -------------------------------------------------
    def cluster(self, side: str) -> tuple[FloatArray, FloatArray] | None:
        if side in self.shank_cluster:
            return self.shank_cluster[side]
        roles = [f"{side}_{r}" for r in _SHANK_GROUP if self.has(f"{side}_{r}")]
        if len(roles) < 3:
            return None
        fit = _rigid_frames(np.stack([self.p(r) for r in roles], axis=1))
        if fit is None:
            return None
        self.shank_cluster[side] = (fit[0], fit[1])
        return self.shank_cluster[side]

    def functional_knee_axis(self, side: str, hjc: FloatArray, le: FloatArray) -> FloatArray | None:
        """Knee flexion axis (lab, lateral-pointing, per frame) fitted in the shank frame."""
        cl = self.cluster(side)
        if cl is None:
            return None
        rot, origin = cl
        q = _to_local(rot, origin, hjc) - _to_local(rot, origin, le)
        d = normalize(q)
        d = d[_valid(d)]
        if len(d) < 20:
            return None
        normal, s = _plane_normal(d)
        arc = _arc_deg(d, normal)
        self.calibration[f"{side}_knee_axis_arc_deg"] = arc
        self.calibration[f"{side}_knee_axis_planarity"] = float(s[2] / s[1])
        if arc < MIN_KNEE_ARC_DEG:
            self.warn(
                f"{side} knee moved through {arc:.0f} deg only: too little for a functional "
                f"knee axis (needs {MIN_KNEE_ARC_DEG:.0f})"
            )
            return None
        axis = _to_lab(rot, np.zeros_like(origin), normal)
        if _median(_dot(axis, self.lateral_ref(side))) < 0:
            axis = -axis
        return axis

    def functional_ajc(self, side: str, heel: FloatArray, fore: FloatArray) -> FloatArray | None:
        """Ankle centre (lab, per frame): centre of rotation of heel and forefoot about the
        shank cluster."""
        cl = self.cluster(side)
        if cl is None:
            return None
        rot, origin = cl
        tracks = [_to_local(rot, origin, heel), _to_local(rot, origin, fore)]
        tracks = [t[_valid(t)] for t in tracks]
        if min(len(t) for t in tracks) < 20:
            return None
        centre, radii, rms = _sphere_centre(tracks)
        d = normalize(tracks[0] - centre)
        normal, _ = _plane_normal(d)
        arc = _arc_deg(d, normal)
        self.calibration[f"{side}_ankle_centre_arc_deg"] = arc
        self.calibration[f"{side}_ankle_centre_rms_m"] = rms
        self.calibration[f"{side}_ankle_centre_heel_radius_m"] = float(radii[0])
        if arc < MIN_ANKLE_ARC_DEG or not (0.02 <= radii.min() and radii.max() <= 0.25):
            self.warn(
                f"{side} ankle: functional centre not reliable (heel arc {arc:.0f} deg, radii "
                f"{radii[0] * 1000:.0f}/{radii[1] * 1000:.0f} mm)"
            )
            return None
        return _to_lab(rot, origin, centre)

    # -- femur, tibia, foot -----------------------------------------------------------------
    def femur(self, side: str) -> bool:
        r = f"{side}_"
        if "pelvis" not in self.segments or not self.has(r + "lateral_epicondyle"):
            return False
        sgn = 1.0 if side == "left" else -1.0
        hjc = self.centres[f"{side}_hip"]
        le = self.p(r + "lateral_epicondyle")
        if self.has(r + "medial_epicondyle"):
            me = self.p(r + "medial_epicondyle")
            kjc = (le + me) / 2
            ml = le - me
            self.methods[f"{side}_knee"] = "midpoint of the femoral epicondyles"
        else:
            lateral = None
            if self.has(r + "thigh") and self.wand_ok(side, hjc, le, self.p(r + "thigh")):
                lateral = self.p(r + "thigh") - hjc
                how = "plane of the lateral thigh marker"
            else:
                if self.has(r + "thigh"):
                    self.warn(
                        f"{side} thigh marker is not on the lateral thigh (more than "
                        f"{MAX_WAND_ANGLE_DEG:.0f} deg from the pelvis' lateral direction): "
                        "not used for femur rotation"
                    )
                axis = self.functional_knee_axis(side, hjc, le)
                if axis is not None:
                    self.knee_axis[side] = axis
                    lateral = axis
                    how = "functional knee axis (shank cluster)"
                    self.warn(
                        f"{side} femur rotation from the functional knee axis: hip internal "
                        "rotation includes any knee rotation, and knee rotation is not measured"
                    )
            if lateral is None:
                self.warn(
                    f"{side} femur: no medial epicondyle, usable thigh marker or shank "
                    "cluster to orient it; hip and knee not computed"
                )
                return False
            offset = (self.width("knee", side) + self.marker_diameter()) / 2
            self.calibration[f"{side}_knee_offset_m"] = offset
            kjc = _chord(hjc, le, lateral, offset)
            ml = le - kjc
            self.methods[f"{side}_knee"] = f"chord on the lateral epicondyle, {how}"
        rot = _frame(hjc - kjc, sgn * ml, "zy")
        self.centres[f"{side}_knee"] = kjc
        self.segments[f"{side}_femur"] = Segment(rot, kjc)
        return True

    def forefoot(self, side: str) -> tuple[FloatArray, str] | None:
        r = f"{side}_"
        if self.has(r + "toe"):
            return self.p(r + "toe"), "toe marker"
        if self.has(r + "second_metatarsal"):
            return self.p(r + "second_metatarsal"), "second metatarsal head"
        if self.has(r + "first_metatarsal") and self.has(r + "fifth_metatarsal"):
            mid = (self.p(r + "first_metatarsal") + self.p(r + "fifth_metatarsal")) / 2
            return mid, "midpoint of the first and fifth metatarsal heads"
        if self.has(r + "fifth_metatarsal"):
            self.warn(
                f"{side} foot axis heel->fifth metatarsal head runs lateral of the foot's long "
                "axis: foot progression and ankle rotation read more external"
            )
            return self.p(r + "fifth_metatarsal"), "fifth metatarsal head"
        if self.has(r + "first_metatarsal"):
            return self.p(r + "first_metatarsal"), "first metatarsal head"
        return None

    def tibia(self, side: str) -> bool:
        r = f"{side}_"
        if f"{side}_femur" not in self.segments:
            return False
        sgn = 1.0 if side == "left" else -1.0
        kjc = self.centres[f"{side}_knee"]
        femur_ml = sgn * self.segments[f"{side}_femur"].rotation[..., :, 1]
        if self.has(r + "lateral_malleolus") and self.has(r + "medial_malleolus"):
            lm, mm = self.p(r + "lateral_malleolus"), self.p(r + "medial_malleolus")
            ajc = (lm + mm) / 2
            ml = lm - mm
            self.methods[f"{side}_ankle"] = "midpoint of the malleoli"
        elif self.has(r + "lateral_malleolus"):
            lm = self.p(r + "lateral_malleolus")
            if self.has(r + "tibia") and self.wand_ok(side, kjc, lm, self.p(r + "tibia")):
                lateral = self.p(r + "tibia") - kjc
                how = "plane of the lateral shank marker"
            elif side in self.knee_axis:
                lateral = self.knee_axis[side]
                how = "functional knee axis"
            else:
                lateral = femur_ml
                how = "femur's medio-lateral axis"
                self.warn(
                    f"{side} shank has no usable lateral marker: tibial torsion taken as zero"
                )
            offset = (self.width("ankle", side) + self.marker_diameter()) / 2
            self.calibration[f"{side}_ankle_offset_m"] = offset
            ajc = _chord(kjc, lm, lateral, offset)
            ml = lm - ajc
            self.methods[f"{side}_ankle"] = f"chord on the lateral malleolus, {how}"
        else:
            ff = self.forefoot(side)
            ajc_f = None
            if self.has(r + "heel") and ff is not None:
                ajc_f = self.functional_ajc(side, self.p(r + "heel"), ff[0])
            if ajc_f is None:
                self.warn(f"{side} ankle centre: no malleolus marker; knee and ankle not computed")
                return False
            ajc = ajc_f
            ml = self.knee_axis.get(side, femur_ml)
            self.methods[f"{side}_ankle"] = (
                "functional centre of rotation of heel and forefoot (Gamage & Lasenby 2002)"
            )
            self.warn(
                f"{side} ankle centre estimated functionally (no malleolus marker); the tibia's "
                "medio-lateral axis is the knee axis, so tibial torsion is not accounted for"
            )
        rot = _frame(kjc - ajc, sgn * ml, "zy")
        self.centres[f"{side}_ankle"] = ajc
        self.segments[f"{side}_tibia"] = Segment(rot, ajc)
        return True

    def foot_frame(self, side: str) -> FloatArray | None:
        """Foot rotation (not pitch-corrected), or None."""
        r = f"{side}_"
        ff = self.forefoot(side)
        if ff is None or not self.has(r + "heel"):
            return None
        sgn = 1.0 if side == "left" else -1.0
        heel = self.p(r + "heel")
        self.methods[f"{side}_foot"] = f"heel to {ff[1]}"
        if self.has(r + "first_metatarsal") and self.has(r + "fifth_metatarsal"):
            hint = sgn * (self.p(r + "fifth_metatarsal") - self.p(r + "first_metatarsal"))
            self.foot_has_width[side] = True
            self.methods[f"{side}_foot"] += "; medio-lateral from the 1st and 5th metatarsals"
        elif f"{side}_tibia" in self.segments:
            hint = self.segments[f"{side}_tibia"].rotation[..., :, 1]
            self.foot_has_width[side] = False
        else:
            return None
        return _frame(ff[0] - heel, hint, "xy")


def _median_distances(pts: dict[str, FloatArray], roles: list[str]) -> FloatArray:
    stack = np.stack([pts[r] for r in roles], axis=1)
    d = np.linalg.norm(stack[:, :, None, :] - stack[:, None, :, :], axis=-1)
    d = np.where(np.isfinite(d), d, np.inf)
    med = np.median(d, axis=0)  # frames with a gap sort last
    return np.asarray(np.where(np.isfinite(med), med, np.nan), dtype=np.float64)


def _consistent(
    pts: dict[str, FloatArray], static_pts: dict[str, FloatArray], roles: list[str]
) -> tuple[list[str], list[str]]:
    """Split cluster markers into those whose spacing agrees between static and walk and
    those that do not (swapped labels, a marker moved between trials)."""
    keep = list(roles)
    dropped: list[str] = []
    while len(keep) >= 3:
        err = np.abs(_median_distances(pts, keep) - _median_distances(static_pts, keep))
        err = np.where(np.isfinite(err), err, np.inf)
        if err.max() <= CLUSTER_TOLERANCE_M:
            break
        worst = int(np.argmax((err > CLUSTER_TOLERANCE_M).sum(axis=1) + err.sum(axis=1) * 1e-6))
        dropped.append(keep.pop(worst))
    return keep, dropped


def _calibrate_from_static(
    pts: dict[str, FloatArray],
    static_pts: dict[str, FloatArray],
    methods: dict[str, str],
    warnings: list[str],
    labels: dict[str, str],
) -> None:
    """Carry landmarks seen only in the static into the walk (CAST anatomical calibration)."""
    for side in SIDES:
        for group in (_THIGH_GROUP, _SHANK_GROUP, _FOOT_GROUP):
            roles = [f"{side}_{r}" for r in group]
            targets = [r for r in roles if r in static_pts and r not in pts]
            trackers = [r for r in roles if r in static_pts and r in pts]
            if not targets or len(trackers) < 3:
                continue
            trackers, dropped = _consistent(pts, static_pts, trackers)
            if dropped:
                warnings.append(
                    "markers "
                    + ", ".join(labels.get(r, r) for r in dropped)
                    + " are spaced differently in the static and the walk (swapped labels or "
                    "moved markers): not used to carry static landmarks"
                )
            if len(trackers) < 3:
                continue
            fit_s = _rigid_frames(np.stack([static_pts[r] for r in trackers], axis=1))
            if fit_s is None:
                continue
            rot_s, org_s, ref = fit_s
            fit_w = _rigid_frames(np.stack([pts[r] for r in trackers], axis=1), ref)
            if fit_w is None:  # pragma: no cover - ref given, never None
                continue
            for t in targets:
                q = _to_local(rot_s, org_s, static_pts[t])
                q = q[_valid(q)]
                if not len(q):
                    continue
                pts[t] = _to_lab(fit_w[0], fit_w[1], np.median(q, axis=0))
                methods[t] = "from the static trial through " + ", ".join(trackers)


def _points(trial: Trial, mapping: MarkerMapping) -> dict[str, FloatArray]:
    bound = mapping.bind(trial.markers)
    out: dict[str, FloatArray] = {}
    for role, label in bound.markers.items():
        arr = np.asarray(trial.markers[label], dtype=np.float64)
        if arr.shape != (trial.n_frames, 3):
            raise MarkerSetError(
                trial.source,
                f"marker has shape {arr.shape}, expected ({trial.n_frames}, 3)",
                field=label,
            )
        if _valid(arr).any():
            out[role] = arr
    return out


def _progression_frame(trial: Trial, pelvis: Segment) -> FloatArray:
    """Columns: walking direction, left, up (lab coordinates)."""
    up = normalize(np.asarray(trial.vertical, dtype=np.float64))
    walk = None if trial.walking is None else np.asarray(trial.walking, dtype=np.float64)
    if walk is None:
        o = pelvis.origin
        ok = np.flatnonzero(_valid(o))
        if ok.size >= 2:
            disp = _perp(o[ok[-1]] - o[ok[0]], up)
            if np.linalg.norm(disp) > 0.2:
                walk = disp
        if walk is None:
            fwd = pelvis.rotation[..., :, 0]
            fwd = fwd[_valid(fwd)]
            walk = _perp(np.median(fwd, axis=0), up) if len(fwd) else None
    if walk is None or not np.isfinite(walk).all() or np.linalg.norm(_perp(walk, up)) < 1e-9:
        raise MarkerSetError(trial.source, "walking direction cannot be determined")
    x = normalize(_perp(walk, up))
    y = np.cross(up, x)
    return np.stack([x, y, up], axis=-1)


def compute_anatomical(
    trial: Trial,
    mapping: MarkerMapping,
    static: Trial | None = None,
    *,
    hip_regression: Literal["harrington", "bell"] = "harrington",
    foot_flat: bool = True,
) -> AnatomicalResult:
    """Joint angles from anatomical landmarks, reported like Plug-in Gait.

    Parameters
    ----------
    trial : Trial
        Walking trial; markers in metres, lab frame, any vertical axis.
    mapping : MarkerMapping
        Which marker is which landmark (from
        :func:`~kinechain.kinematics._markersets.detect_markerset` or a custom mapping).
    static : Trial, optional
        Standing trial of the same session. Landmarks it has and the walk lacks are carried
        into the walk through segment clusters; with ``foot_flat`` it also sets the foot's
        pitch offset.
    hip_regression : {"harrington", "bell"}
        Hip joint centre regression.
    foot_flat : bool
        With a static trial, make the standing foot axis horizontal (Plug-in Gait "foot flat").

    Returns
    -------
    AnatomicalResult

    Raises
    ------
    MarkerSetError
        When the pelvis landmarks (both ASIS and both PSIS or the sacrum) are missing.
    CalibrationError
        When the static trial lacks the foot markers needed for the foot offset.
    """
    if hip_regression not in ("harrington", "bell"):
        raise ValueError(f"hip_regression must be 'harrington' or 'bell', not {hip_regression!r}")
    pts = _points(trial, mapping)
    methods: dict[str, str] = {}
    static_pts = None
    calib_warnings: list[str] = []
    if static is not None:
        # a mapping bound to the walk lacks the landmarks only the static has
        if mapping.name in MARKER_SETS:
            static_map = match_markerset(mapping.name, static.markers)
        else:
            static_map = MarkerMapping(
                mapping.name, mapping.requested or mapping.markers, mapping.model, mapping.source
            )
        static_pts = _points(static, static_map)
        _calibrate_from_static(
            pts, static_pts, methods, calib_warnings, dict(mapping.bind(trial.markers).markers)
        )
    computable, missing = capabilities(pts)
    if "pelvis" not in computable:
        raise MarkerSetError(
            trial.source,
            "the anatomical model needs the pelvis landmarks; missing: "
            + ", ".join(r for r in missing["anatomical"] if "asis" in r or "psis" in r)
            + f" (marker set: {mapping.name})",
        )
    model = _Model(trial, pts)
    model.methods.update(methods)
    model.warnings.extend(calib_warnings)
    model.pelvis(hip_regression)
    for side in SIDES:
        if model.femur(side):
            model.tibia(side)

    prog = _progression_frame(trial, model.segments["pelvis"])
    angles: dict[str, FloatArray] = {}
    pel = np.einsum("ji,njk->nik", prog, model.segments["pelvis"].rotation)
    a, b, g = np.degrees(cardan_yxz(pel)).T
    for side in SIDES:
        sgn = 1.0 if side == "left" else -1.0
        angles[f"{side}_pelvic_tilt"] = b.copy()
        angles[f"{side}_pelvic_obliquity"] = sgn * a
        angles[f"{side}_pelvic_rotation"] = -sgn * g

    for side in SIDES:
        sgn = 1.0 if side == "left" else -1.0
        foot = model.foot_frame(side)
        if foot is not None and static is not None and static_pts is not None and foot_flat:
            foot = _foot_flat(model, side, foot, static, static_pts)
        if foot is not None:
            origin = model.centres.get(f"{side}_ankle", model.p(f"{side}_heel"))
            model.segments[f"{side}_foot"] = Segment(foot, origin)
            absolute = np.einsum("ji,njk->nik", prog, foot)
            angles[f"{side}_foot_progression"] = -sgn * np.degrees(cardan_yxz(absolute)[..., 2])
        chain = (
            ("hip", "pelvis", f"{side}_femur", -1.0),
            ("knee", f"{side}_femur", f"{side}_tibia", 1.0),
            ("ankle", f"{side}_tibia", f"{side}_foot", -1.0),
        )
        for joint, prox, dist, flex_sign in chain:
            if prox not in model.segments or dist not in model.segments:
                continue
            rel = relative_rotation(model.segments[prox].rotation, model.segments[dist].rotation)
            a, b, g = np.degrees(cardan_yxz(rel)).T
            names = _COMPONENTS[joint]
            angles[f"{side}_{names[0]}"] = flex_sign * b
            angles[f"{side}_{names[1]}"] = -sgn * a
            angles[f"{side}_{names[2]}"] = -sgn * g
        if f"{side}_knee_internal_rotation" in angles and side in model.knee_axis:
            angles[f"{side}_knee_internal_rotation"] = np.full(trial.n_frames, np.nan)
        if f"{side}_ankle_inversion" in angles and not model.foot_has_width.get(side, False):
            angles[f"{side}_ankle_inversion"] = np.full(trial.n_frames, np.nan)
            model.warn(
                f"{side} ankle inversion not measured: the foot has no first and fifth "
                "metatarsal markers to give it a frontal plane"
            )
    for side in SIDES:
        for joint in ("hip", "knee", "ankle"):
            if f"{side}_{_COMPONENTS[joint][0]}" not in angles:
                model.warn(f"{side} {joint} angles not computed (landmarks missing)")
    joint_centres = {k: v for k, v in model.centres.items()}
    return AnatomicalResult(
        angles_deg=angles,
        joint_centres=joint_centres,
        segments=dict(model.segments),
        methods=dict(model.methods),
        calibration=dict(model.calibration),
        warnings=tuple(model.warnings),
    )


def _foot_flat(
    model: _Model, side: str, foot: FloatArray, static: Trial, static_pts: dict[str, FloatArray]
) -> FloatArray:
    """Rotate the foot frame about its y axis so that the static foot axis is horizontal."""
    r = f"{side}_"
    sm = _Model(static, static_pts)
    ff = sm.forefoot(side)
    if ff is None or not sm.has(r + "heel"):
        raise CalibrationError(
            static.source,
            f"static trial lacks the {side} heel or forefoot marker needed for the foot offset",
            field=f"{side}_heel",
        )
    axis = normalize(ff[0] - sm.p(r + "heel"))
    up = normalize(np.asarray(static.vertical, dtype=np.float64))
    pitch = _median(np.arcsin(np.clip(axis @ up, -1.0, 1.0)))
    if not np.isfinite(pitch):
        raise CalibrationError(
            static.source, f"{side} foot markers have no frame in common", field=f"{side}_heel"
        )
    model.calibration[f"{side}_static_foot_pitch_deg"] = float(np.degrees(pitch))
    model.methods[f"{side}_foot"] = (
        model.methods.get(f"{side}_foot", "") + "; pitch set horizontal in the static trial"
    )
    return np.asarray(foot @ _rot_y(pitch), dtype=np.float64)
