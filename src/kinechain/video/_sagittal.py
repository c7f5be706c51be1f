"""Sagittal-plane kinematics from 2D keypoints: angles, gating, unwrapping, filtering, scale.

Pure NumPy, vectorised over frames; no I/O. Conventions (see ``docs/video.md``):

* Points are first put into a *sagittal frame*: ``u`` forward along the walking direction
  (image x, mirrored when the subject walks right-to-left), ``v`` up (minus image y). The
  image vertical is taken as the true vertical (a level camera).
* Every joint angle is the signed angle between two segment vectors,
  ``atan2(a × b, a · b)`` (no ``acos``), so it is exact and defined over a full turn; the
  signs are chosen so that, as in Plug-in Gait (Davis et al. 1991; Kadaba et al. 1990), hip
  flexion, knee flexion and ankle dorsiflexion are positive whichever way the subject walks.

  ===================  ==================================================  ==================
  angle                segments                                            zero when
  ===================  ==================================================  ==================
  hip_flexion          trunk axis (shoulder centre → hip centre) → thigh    thigh in line with
                       (hip → knee); + when the knee is forward             the trunk
  knee_flexion         thigh (hip → knee) → shank (knee → ankle);           leg straight
                       + when the shank is behind the thigh line
  ankle_dorsiflexion   shank (knee → ankle) → foot (heel → toe), − 90°,     foot at 90° to the
                       − the neutral offset; + toe up                       shank
  thorax_tilt          trunk axis (hip centre → shoulder centre) vs the     trunk vertical
                       vertical; + leaning forward (trunk inclination)
  foot_pitch           foot (heel → toe) vs the image horizontal; + toe up  foot level
  ===================  ==================================================  ==================

  The video "hip flexion" is thigh on trunk: Plug-in Gait's is thigh on pelvis. The two differ
  by the pelvis-to-trunk (lumbar) angle, which one side view cannot measure.
* Each series is unwrapped over each run of valid frames and shifted by whole turns into a
  plausible range, so no angle jumps by 180–360°; remaining jumps larger than
  :data:`FLIP_DEG` between neighbouring valid frames are counted as *flips*.
* A frame's angle is valid only when every keypoint it uses has a confidence of at least the
  gate (default :data:`GATE`) and is not an outlier (a jump away from its 5-frame running
  median by more than a quarter of the leg length); the others are NaN and listed with the
  reason.
* Gaps up to :data:`MAX_FILL_S` are bridged linearly; each run of valid samples is then
  low-pass filtered with a zero-lag 2nd-order Butterworth (:data:`CUTOFF_HZ`, Winter 2009
  §3.4); runs shorter than :data:`MIN_FILTER_RUN` samples are left unfiltered and counted.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from kinechain._dsp import butter2_lowpass, filtfilt2
from kinechain.video._types import KP, FloatArray, PoseTrack

__all__ = [
    "ANGLE_NAMES",
    "CUTOFF_HZ",
    "FLIP_DEG",
    "GATE",
    "LEG_FRACTION",
    "MAX_FILL_S",
    "NOSE_FRACTION",
    "Sagittal",
    "compute_angles",
    "count_flips",
    "gate_keypoints",
    "leg_length_px",
    "lowpass_gaps",
    "outlier_keypoints",
    "sagittal",
    "scale_from_distance",
    "scale_from_height",
    "stature_px",
    "to_sagittal_frame",
    "unwrap_deg",
    "walking_sign",
]

BoolArray = NDArray[np.bool_]

#: Default confidence gate: a keypoint below it is not used.
GATE = 0.5
#: Low-pass cut-off of the angles and keypoints, Hz (Winter 2009, §3.4: 6 Hz for walking).
CUTOFF_HZ = 6.0
#: Longest gap bridged by linear interpolation, s.
MAX_FILL_S = 0.1
#: A change larger than this between neighbouring valid frames is a flip, deg.
FLIP_DEG = 60.0
#: filtfilt's usual pad length for a 2nd-order filter (3 × max(len(a), len(b))).
PADLEN = 9
#: Shortest run that is filtered (padlen + 1 samples); shorter runs stay unfiltered.
MIN_FILTER_RUN = PADLEN + 1
#: A keypoint further than this fraction of the leg length (thigh + shank, px) from the
#: median of its position over :data:`OUTLIER_WINDOW` frames is an outlier (a one- or
#: two-frame jump of the backend: a leg label swap, a heel taken for a toe).
OUTLIER_FRACTION = 0.25
#: Frames in the running-median window (centred).
OUTLIER_WINDOW = 5
#: Nose height as a fraction of body height: midway between the eye (0.936 H) and chin
#: (0.870 H) levels of Drillis & Contini (1966), as drawn in Winter 2009, Fig. 4.1; the
#: midpoint is kinechain's interpolation (the figure gives no nose level).
NOSE_FRACTION = (0.936 + 0.870) / 2.0
#: Thigh (hip–knee) plus shank (knee–ankle) length as a fraction of body height: 0.245 H +
#: 0.246 H (Drillis & Contini 1966, as given in Winter 2009, Fig. 4.1).
LEG_FRACTION = 0.245 + 0.246

SIDE_NAMES = ("left", "right")
#: Angle columns, kinechain names (``_pipeline.CYCLE_VARIABLES`` plus the foot pitch).
ANGLE_NAMES: tuple[str, ...] = tuple(
    f"{s}_{a}"
    for s in SIDE_NAMES
    for a in ("hip_flexion", "knee_flexion", "ankle_dorsiflexion", "thorax_tilt", "foot_pitch")
)
#: Centre of the plausible range of each angle (the range is centre ± 180°), deg.
_CENTRE = {
    "hip_flexion": 0.0,
    "knee_flexion": 45.0,
    "ankle_dorsiflexion": 0.0,
    "thorax_tilt": 0.0,
    "foot_pitch": 0.0,
}
_TRUNK = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")


def _uses(name: str) -> tuple[str, ...]:
    """Keypoints an angle uses (the trunk needs one shoulder and one hip, see gate)."""
    side, kind = name.split("_", 1)
    if kind == "hip_flexion":
        return (*_TRUNK, f"{side}_knee")
    if kind == "knee_flexion":
        return (f"{side}_hip", f"{side}_knee", f"{side}_ankle")
    if kind == "ankle_dorsiflexion":
        return (f"{side}_knee", f"{side}_ankle", f"{side}_heel", f"{side}_toe")
    if kind == "thorax_tilt":
        return _TRUNK
    return (f"{side}_heel", f"{side}_toe")


@dataclass(frozen=True)
class Sagittal:
    """Sagittal angles of one video and how they were obtained.

    Attributes
    ----------
    time : (n,) array, s
    direction : int
        +1 walking towards image right, −1 towards image left.
    raw : dict name → (n,) array, deg
        Gated, unwrapped, unfiltered angles (NaN where gated).
    angles : dict name → (n,) array, deg
        ``raw`` with short gaps bridged and low-pass filtered.
    valid : dict name → (n,) bool array
        The confidence gate per angle and frame (before gap bridging).
    filled : dict name → (n,) bool array
        Samples bridged by interpolation.
    gated_reason : list of str
        Per frame, the keypoints below the gate (``""`` when none).
    ok : (n, 13) bool array
        Keypoints used: above the gate and not outliers.
    outliers : (n, 13) bool array
        Keypoints above the gate rejected by :func:`outlier_keypoints`.
    flips : dict name → int
        Jumps > :data:`FLIP_DEG` left after unwrapping, per angle.
    neutral_deg : float or None
        Ankle neutral offset subtracted (None: not corrected).
    unfiltered_runs : int
        Runs of valid samples too short to filter (left unfiltered).
    long_gaps : int
        Gaps longer than :data:`MAX_FILL_S` left NaN (over all angles).
    """

    time: FloatArray
    direction: int
    raw: dict[str, FloatArray]
    angles: dict[str, FloatArray]
    valid: dict[str, BoolArray]
    filled: dict[str, BoolArray]
    gated_reason: list[str]
    flips: dict[str, int]
    neutral_deg: float | None
    gate: float
    cutoff_hz: float
    ok: BoolArray
    outliers: BoolArray
    unfiltered_runs: int = 0
    long_gaps: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total_flips(self) -> int:
        return int(sum(self.flips.values()))


# --------------------------------------------------------------------------- geometry


def gate_keypoints(xy: FloatArray, conf: FloatArray, gate: float = GATE) -> BoolArray:
    """(n, k) mask of the keypoints that are finite and at least ``gate`` confident."""
    return np.asarray(np.isfinite(xy).all(axis=2) & (conf >= gate), dtype=np.bool_)


def leg_length_px(xy: FloatArray, ok: BoolArray) -> float:
    """Median thigh + shank pixel length, averaged over the sides seen (NaN if none)."""
    lengths = []
    for side in SIDE_NAMES:
        h, k, a = (KP[f"{side}_{j}"] for j in ("hip", "knee", "ankle"))
        good = ok[:, [h, k, a]].all(axis=1)
        if not good.any():
            continue
        thigh = np.linalg.norm(xy[good, k] - xy[good, h], axis=1)
        shank = np.linalg.norm(xy[good, a] - xy[good, k], axis=1)
        lengths.append(float(np.median(thigh + shank)))
    return float(np.mean(lengths)) if lengths else float("nan")


def outlier_keypoints(
    xy: FloatArray, ok: BoolArray, *, fraction: float = OUTLIER_FRACTION
) -> BoolArray:
    """(n, k) mask of gated keypoints that jump away from their running median.

    A Hampel-type test on positions: the distance from each keypoint to the per-coordinate
    median of its valid positions over :data:`OUTLIER_WINDOW` centred frames, against
    ``fraction`` × the leg length in pixels. Smooth motion (even at swing speed) stays close
    to its running median; one- or two-frame label swaps and misplaced feet do not.
    """
    leg = leg_length_px(xy, ok)
    if not np.isfinite(leg) or xy.shape[0] < OUTLIER_WINDOW:
        return np.zeros(ok.shape, dtype=np.bool_)
    half = OUTLIER_WINDOW // 2
    pts = np.where(ok[..., None], xy, np.nan)
    pad = np.pad(pts, ((half, half), (0, 0), (0, 0)), constant_values=np.nan)
    win = np.lib.stride_tricks.sliding_window_view(pad, OUTLIER_WINDOW, axis=0)
    # need at least 3 valid samples in the window to judge
    count = np.isfinite(win[..., 0, :]).sum(axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN
        med = np.nanmedian(win, axis=-1)
    dist = np.linalg.norm(pts - med, axis=-1)
    out = ok & (count >= 3) & (dist > fraction * leg)
    return np.asarray(out, dtype=np.bool_)


def walking_sign(xy: FloatArray, ok: BoolArray) -> int:
    """+1 when the hip centre moves to image right, −1 to the left, 0 when it cannot be told.

    The median of the frame-to-frame x velocity of the hip centre over frames where it is
    seen in both frames of the pair.
    """
    hips = [KP["left_hip"], KP["right_hip"]]
    both = ok[:, hips].all(axis=1)
    hx = np.where(both, xy[:, hips, 0].mean(axis=1), np.nan)
    v = np.diff(hx)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0
    med = float(np.median(v))
    return 0 if med == 0.0 else (1 if med > 0 else -1)


def to_sagittal_frame(xy: FloatArray, direction: int) -> FloatArray:
    """Image pixels (x right, y down) → (u forward, v up) pixels for ``direction`` ±1."""
    out = np.empty_like(xy, dtype=np.float64)
    out[..., 0] = direction * xy[..., 0]
    out[..., 1] = -xy[..., 1]
    return out


def _centre(p: FloatArray, ok: BoolArray, names: tuple[str, str]) -> FloatArray:
    """Mean of the valid points among ``names`` per frame (NaN where none is valid)."""
    idx = [KP[n] for n in names]
    w = ok[:, idx].astype(np.float64)  # (n, 2)
    pts = np.where(w[..., None] > 0, p[:, idx, :], 0.0)
    den = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = pts.sum(axis=1) / den[:, None]
    c[den == 0] = np.nan
    return np.asarray(c, dtype=np.float64)


def _signed_deg(a: FloatArray, b: FloatArray) -> FloatArray:
    """Signed angle from ``a`` to ``b`` (counter-clockwise positive), deg, in (−180, 180]."""
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    dot = a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1]
    return np.asarray(np.degrees(np.arctan2(cross, dot)), dtype=np.float64)


def compute_angles(
    p: FloatArray, ok: BoolArray, neutral_deg: float | None = None
) -> tuple[dict[str, FloatArray], dict[str, BoolArray]]:
    """Gated, wrapped angles (deg, in (−180, 180] before any shift) from sagittal-frame points.

    Parameters
    ----------
    p : (n, 13, 2) array
        Keypoints in the sagittal frame (:func:`to_sagittal_frame`).
    ok : (n, 13) bool array
        Keypoints that passed the gate.
    neutral_deg : float, optional
        Subtracted from the ankle dorsiflexion.

    Returns
    -------
    angles, valid : dicts name → (n,) arrays
        NaN where invalid.
    """
    sh = _centre(p, ok, ("left_shoulder", "right_shoulder"))
    hc = _centre(p, ok, ("left_hip", "right_hip"))
    trunk_up = sh - hc
    trunk_ok = np.isfinite(trunk_up).all(axis=1)
    angles: dict[str, FloatArray] = {}
    valid: dict[str, BoolArray] = {}
    off = 0.0 if neutral_deg is None else float(neutral_deg)
    for side in SIDE_NAMES:
        hip, knee = p[:, KP[f"{side}_hip"]], p[:, KP[f"{side}_knee"]]
        ankle = p[:, KP[f"{side}_ankle"]]
        heel, toe = p[:, KP[f"{side}_heel"]], p[:, KP[f"{side}_toe"]]
        thigh, shank, foot = knee - hip, ankle - knee, toe - heel

        def okall(*names: str) -> BoolArray:
            return np.asarray(ok[:, [KP[n] for n in names]].all(axis=1), dtype=np.bool_)

        vals = {
            "hip_flexion": (_signed_deg(-trunk_up, thigh), trunk_ok & okall(f"{side}_knee")),
            "knee_flexion": (
                -_signed_deg(thigh, shank),
                okall(f"{side}_hip", f"{side}_knee", f"{side}_ankle"),
            ),
            "ankle_dorsiflexion": (
                _signed_deg(shank, foot) - 90.0 - off,
                okall(f"{side}_knee", f"{side}_ankle", f"{side}_heel", f"{side}_toe"),
            ),
            "thorax_tilt": (
                np.degrees(np.arctan2(trunk_up[:, 0], trunk_up[:, 1])),
                trunk_ok,
            ),
            "foot_pitch": (
                np.degrees(np.arctan2(foot[:, 1], foot[:, 0])),
                okall(f"{side}_heel", f"{side}_toe"),
            ),
        }
        # hip flexion also needs the side's own hip as the thigh's origin
        h_ang, h_ok = vals["hip_flexion"]
        vals["hip_flexion"] = (h_ang, h_ok & okall(f"{side}_hip"))
        for kind, (ang, good) in vals.items():
            name = f"{side}_{kind}"
            good = good & np.isfinite(ang)
            angles[name] = np.where(good, ang, np.nan).astype(np.float64)
            valid[name] = np.asarray(good, dtype=np.bool_)
    return angles, valid


def _runs(mask: BoolArray) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(padded)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def unwrap_deg(x: FloatArray, centre: float = 0.0) -> FloatArray:
    """Unwrap each run of finite samples and shift it by whole turns near ``centre``.

    Within a run no step exceeds 180°; the run is then moved by a multiple of 360° so that
    its median lies within ``centre ± 180°``. NaN samples stay NaN.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.full_like(x, np.nan)
    starts, ends = _runs(np.isfinite(x))
    for s, e in zip(starts, ends, strict=True):
        seg = np.degrees(np.unwrap(np.radians(x[s:e])))
        k = np.round((centre - float(np.median(seg))) / 360.0)
        out[s:e] = seg + 360.0 * k
    return out


def count_flips(x: FloatArray, limit: float = FLIP_DEG) -> int:
    """Jumps larger than ``limit`` between neighbouring frames that are both finite."""
    d = np.abs(np.diff(np.asarray(x, dtype=np.float64)))
    return int(np.count_nonzero(d[np.isfinite(d)] > limit))


def lowpass_gaps(
    x: FloatArray, fps: float, *, cutoff_hz: float = CUTOFF_HZ, max_fill_s: float = MAX_FILL_S
) -> tuple[FloatArray, BoolArray, int, int]:
    """Bridge short gaps, then zero-lag low-pass each run of valid samples (axis 0).

    Parameters
    ----------
    x : (n,) or (n, d) array
        NaN where missing (a row is missing when any of its values is).
    fps : float
        Sampling rate, Hz.
    cutoff_hz : float
        Butterworth cut-off; no filtering when it is at or above Nyquist.
    max_fill_s : float
        Interior gaps of at most ``round(max_fill_s * fps)`` samples are filled linearly.

    Returns
    -------
    y : array like ``x``
        Filtered; longer gaps stay NaN.
    filled : (n,) bool array
        Samples that were bridged.
    unfiltered_runs : int
        Runs shorter than :data:`MIN_FILTER_RUN` left unfiltered.
    long_gaps : int
        Interior gaps too long to bridge.
    """
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(x.shape[0], -1).copy()
    n = flat.shape[0]
    good: BoolArray = np.asarray(np.isfinite(flat).all(axis=1), dtype=np.bool_)
    flat[~good] = np.nan
    filled = np.zeros(n, dtype=np.bool_)
    max_gap = round(max_fill_s * fps)
    g_starts, g_ends = _runs(~good)
    long_gaps = 0
    if good.any():
        idx = np.arange(n)
        gi = idx[good]
        for s, e in zip(g_starts, g_ends, strict=True):
            if s == 0 or e == n:
                continue
            if e - s <= max_gap:
                for c in range(flat.shape[1]):
                    flat[s:e, c] = np.interp(idx[s:e], gi, flat[good, c])
                filled[s:e] = True
            else:
                long_gaps += 1
    ok: BoolArray = np.asarray(np.isfinite(flat).all(axis=1), dtype=np.bool_)
    wn = cutoff_hz / (fps / 2.0)
    unfiltered = 0
    if 0.0 < wn < 1.0:
        b, a = butter2_lowpass(wn)
        starts, ends = _runs(ok)
        for s, e in zip(starts, ends, strict=True):
            if e - s < MIN_FILTER_RUN:
                unfiltered += 1
                continue
            flat[s:e] = filtfilt2(b, a, flat[s:e], PADLEN)
    return flat.reshape(x.shape), filled, unfiltered, long_gaps


# --------------------------------------------------------------------------- scale


def stature_px(xy: FloatArray, ok: BoolArray) -> float:
    """Nose height above the floor contact, px: the 90th percentile over frames.

    Per frame, the vertical image distance from the nose to the lowest valid heel or toe
    (the sole on the floor); the 90th percentile takes the frames where the subject stands
    tallest (mid-stance, legs straight) and not the dips of double support. NaN when the
    nose and a foot are never seen together.
    """
    nose = KP["nose"]
    feet = [KP[n] for n in ("left_heel", "right_heel", "left_toe", "right_toe")]
    foot_y = np.where(ok[:, feet], xy[:, feet, 1], -np.inf).max(axis=1)
    good = ok[:, nose] & np.isfinite(foot_y)
    if not good.any():
        return float("nan")
    return float(np.percentile(foot_y[good] - xy[good, nose, 1], 90))


def scale_from_height(xy: FloatArray, ok: BoolArray, height_m: float) -> tuple[float, str]:
    """Metres per pixel from the subject's height and their nose height in the image.

    The nose-to-floor distance in pixels (:func:`stature_px`) is taken as
    :data:`NOSE_FRACTION` × height. The leg segments give a second estimate (thigh + shank
    = :data:`LEG_FRACTION` × height, :func:`leg_length_px`), reported in the note as a
    check: it depends on where the backend puts the hip, which differs between models.

    Returns
    -------
    scale : float
        m/px (NaN when the nose and a foot are never seen together).
    note : str
    """
    px = stature_px(xy, ok)
    if not np.isfinite(px) or px <= 0:
        return float("nan"), "the nose and the feet are never seen together: no scale"
    scale = NOSE_FRACTION * float(height_m) / px
    note = (
        f"scale {scale * 1000:.3f} mm/px from height {height_m:.3f} m: nose {px:.1f} px "
        f"above the floor = {NOSE_FRACTION:.3f} H (Drillis & Contini 1966; Winter 2009)"
    )
    leg = leg_length_px(xy, ok)
    if np.isfinite(leg) and leg > 0:
        check = LEG_FRACTION * float(height_m) / leg
        note += (
            f"; check: thigh + shank ({LEG_FRACTION:.3f} H) give {check * 1000:.3f} mm/px "
            f"({100.0 * (check / scale - 1.0):+.1f} %)"
        )
    return scale, note


def scale_from_distance(distance: tuple[float, ...]) -> tuple[float, str]:
    """Metres per pixel from two image points ``(x1, y1, x2, y2, metres)``."""
    x1, y1, x2, y2, metres = (float(v) for v in distance)
    px = float(np.hypot(x2 - x1, y2 - y1))
    if not px > 0 or not metres > 0:
        return float("nan"), "known distance of zero length: no scale"
    scale = metres / px
    return scale, (
        f"scale {scale * 1000:.3f} mm/px from a known distance of {metres:.3f} m over {px:.1f} px"
    )


# --------------------------------------------------------------------------- all together


def _reasons(
    conf: FloatArray, xy: FloatArray, ok: BoolArray, outliers: BoolArray, gate: float
) -> list[str]:
    """Per frame: ``"no subject"``, the keypoints below the gate (with their confidence) and
    the outlier keypoints."""
    from kinechain.video._types import KEYPOINTS

    found = np.asarray(
        np.any(np.all(np.isfinite(xy), axis=2), axis=1) & np.any(conf > 0, axis=1), dtype=np.bool_
    )
    out: list[str] = []
    used = np.ones(ok.shape[1], dtype=np.bool_)
    used[KP["nose"]] = False  # no angle uses the nose
    low_mask: BoolArray = np.asarray(~ok & used[None, :], dtype=np.bool_)
    bad_rows: BoolArray = np.asarray(
        np.logical_or(low_mask.any(axis=1), outliers.any(axis=1)), dtype=np.bool_
    )
    for i in range(conf.shape[0]):
        if not found[i]:
            out.append("no subject")
        elif bad_rows[i]:
            parts = []
            low = [f"{KEYPOINTS[k]} {conf[i, k]:.2f}" for k in np.flatnonzero(low_mask[i]).tolist()]
            if low:
                parts.append(f"below gate {gate:g}: " + ", ".join(low))
            jumps = [KEYPOINTS[k] for k in np.flatnonzero(outliers[i]).tolist()]
            if jumps:
                parts.append("outlier: " + ", ".join(jumps))
            out.append("; ".join(parts))
        else:
            out.append("")
    return out


def sagittal(
    track: PoseTrack,
    *,
    gate: float = GATE,
    neutral_deg: float | None = None,
    cutoff_hz: float = CUTOFF_HZ,
    max_fill_s: float = MAX_FILL_S,
    direction: int | None = None,
) -> Sagittal:
    """Sagittal angles of a pose track: gate, angles, unwrap, flips, gap-aware filter.

    Parameters
    ----------
    track : PoseTrack
    gate : float
        Confidence gate.
    neutral_deg : float, optional
        Ankle angle of the subject's neutral standing posture, subtracted from the ankle
        dorsiflexion (None: not corrected, stated in the results).
    cutoff_hz, max_fill_s : float
        Filter cut-off and longest bridged gap.
    direction : int, optional
        ±1 to force the walking direction; detected from the hip centre by default.

    Returns
    -------
    Sagittal
        ``direction`` is 0 when it could not be told (angles then assume left-to-right).
    """
    fps = float(track.info.fps)
    gated = gate_keypoints(track.xy, track.conf, gate)
    outliers = outlier_keypoints(track.xy, gated)
    ok = gated & ~outliers
    sign = walking_sign(track.xy, ok) if direction is None else int(direction)
    notes: list[str] = []
    if sign == 0:
        notes.append("walking direction not found (the hips do not move): left-to-right assumed")
    p = to_sagittal_frame(track.xy, sign or 1)
    wrapped, valid = compute_angles(p, ok, neutral_deg)
    raw: dict[str, FloatArray] = {}
    angles: dict[str, FloatArray] = {}
    filled: dict[str, BoolArray] = {}
    flips: dict[str, int] = {}
    unfiltered = long_gaps = 0
    for name, series in wrapped.items():
        kind = name.split("_", 1)[1]
        un = unwrap_deg(series, _CENTRE[kind])
        raw[name] = un
        flips[name] = count_flips(un)
        y, f, nu, ng = lowpass_gaps(un, fps, cutoff_hz=cutoff_hz, max_fill_s=max_fill_s)
        angles[name] = y
        filled[name] = f
        unfiltered += nu
        long_gaps += ng
    if unfiltered:
        notes.append(
            f"{unfiltered} run(s) of valid angle samples shorter than {MIN_FILTER_RUN} frames "
            "were left unfiltered"
        )
    return Sagittal(
        time=np.asarray(track.time, dtype=np.float64),
        direction=sign,
        raw=raw,
        angles=angles,
        valid=valid,
        filled=filled,
        gated_reason=_reasons(track.conf, track.xy, gated, outliers, gate),
        flips=flips,
        neutral_deg=neutral_deg,
        gate=gate,
        cutoff_hz=cutoff_hz,
        ok=ok,
        outliers=outliers,
        unfiltered_runs=unfiltered,
        long_gaps=long_gaps,
        notes=notes,
    )
