"""The weight-bearing lunge test (WBLT) from one side-view photo or a short clip.

The patient faces a wall with the tested foot forward and lunges the knee toward the wall with
the heel kept down. The test records the tibial inclination from vertical (inclinometer on the
anterior tibia) or the big-toe-to-wall distance in cm (``reference/clinical.md`` §1a); the
knee-straight and knee-bent variants separate the gastrocnemius from the soleus/ankle joint.

This module measures the same quantities from 2D keypoints:

* **tibial inclination**: the angle of the shank (ankle → knee) from the vertical, degrees,
  positive when the knee is forward of the ankle (toward the toes). The vertical is the image
  vertical (a level camera) unless a plumb line / door frame is given (``vertical``).
* **heel lift**: ``yes`` / ``no`` / ``not_determinable`` with the measured value. From a clip:
  the heel's rise above its position in the reference frame (the first frame where the foot is
  visible), as a fraction of the foot length (heel–toe keypoint distance) in that frame;
  lifted when > :data:`HEEL_RISE_LIFTED_FRACTION`. From one photo there is no reference, so
  the foot pitch (the heel→toe keypoint line against the horizontal, + heel higher) is used:
  ``no`` at ≤ :data:`PHOTO_PITCH_FLAT_MAX_DEG`, ``yes`` at ≥ :data:`PHOTO_PITCH_LIFTED_MIN_DEG`,
  ``not_determinable`` between (see the constants for how they were set and their limits).
* **toe-to-wall distance** (the WBLT distance, cm): only when the wall line and a scale are
  given; the horizontal distance from the toe keypoint to the wall line.

The geometry (``tibial_inclination`` … ``classify_lunge``) is pure and vectorised; the thin
I/O layer at the bottom reads the image/clip, runs the pose backend and writes ``lunge.json``
and ``annotated.png`` atomically.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import DataFormatError, InputError, MissingDependencyError
from kinechain.video._types import KP, FloatArray

__all__ = [
    "CONF_GATE",
    "HEEL_RISE_LIFTED_FRACTION",
    "IMAGE_SUFFIXES",
    "MAX_VERTICAL_TILT_DEG",
    "PHOTO_PITCH_FLAT_MAX_DEG",
    "PHOTO_PITCH_LIFTED_MIN_DEG",
    "SCHEMA",
    "VIDEO_SUFFIXES",
    "HeelLift",
    "LungeClassification",
    "LungeResult",
    "WallDistance",
    "choose_side",
    "classify_lunge",
    "foot_pitch_deg",
    "forward_sign",
    "heel_lift_clip",
    "heel_lift_photo",
    "lunge_report",
    "make_detector",
    "measure_file",
    "measure_keypoints",
    "measure_rgb",
    "parse_distance",
    "parse_line",
    "render_annotated",
    "scale_from_distance",
    "tibial_inclination",
    "toe_to_wall_px",
    "up_vector",
    "write_lunge",
]

SCHEMA = "kinechain.lunge/1"

Side = Literal["left", "right"]
Variant = Literal["straight", "bent"]
HeelState = Literal["yes", "no", "not_determinable"]
Line = tuple[float, float, float, float]

#: A keypoint with a backend confidence below this is not used (MediaPipe "visibility").
CONF_GATE = 0.5
#: The heel→toe keypoint distance must be at least this long (px) to judge the foot.
MIN_FOOT_PX = 15.0
#: A ``--vertical`` reference tilted more than this from the image vertical is refused.
MAX_VERTICAL_TILT_DEG = 30.0
#: Clip: heel lifted when it rose by more than this fraction of the foot length above its
#: position in the reference frame (0.10 ≈ 2.5 cm on a 25 cm foot). kinechain convention:
#: larger than the frame-to-frame jitter of the heel keypoint (≈ 2–3 px on a 50 px foot in
#: the project's demo video, i.e. ≈ 0.05), smaller than a visible heel rise.
HEEL_RISE_LIFTED_FRACTION = 0.10
#: Photo: the heel is taken as down when the foot pitch (heel→toe keypoint line, + heel
#: higher) is ≤ 30°, lifted when ≥ 45°, and not determinable in between. kinechain
#: convention set on MediaPipe keypoints of ``demo.mp4`` (walking, side view, feet ≈ 50 px):
#: with the foot flat (mid stance) the pitch was about 16° (median; MediaPipe's heel point
#: sits on the back of the heel, above the sole), 90 % of values ≤ 37°; with the heel well
#: off the ground (shank > 45° forward) 59–88°. The foot keypoints are noisy, so one photo
#: cannot detect a small heel rise: use a clip (relative rise) when it matters.
PHOTO_PITCH_FLAT_MAX_DEG = 30.0
PHOTO_PITCH_LIFTED_MIN_DEG = 45.0

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".avi", ".mkv", ".m4v"})

_LEG = ("hip", "knee", "ankle", "heel", "toe")


# ---------------------------------------------------------------------------------------
# Pure geometry
# ---------------------------------------------------------------------------------------


def _as(a: Any) -> FloatArray:
    return np.asarray(a, dtype=np.float64)


def up_vector(vertical: Line | None = None) -> FloatArray:
    """Unit "up" direction in image coordinates (x right, y down).

    Parameters
    ----------
    vertical : (x1, y1, x2, y2) or None
        Two points on a true vertical (plumb line, door frame); None: the image vertical.

    Returns
    -------
    (2,) array
        ``(0, -1)`` for the image vertical; otherwise the line's direction pointing up.

    Raises
    ------
    InputError
        The two points coincide or the line is tilted > :data:`MAX_VERTICAL_TILT_DEG` from
        the image vertical (not a plausible vertical reference).
    """
    if vertical is None:
        return np.array([0.0, -1.0])
    x1, y1, x2, y2 = (float(v) for v in vertical)
    d = np.array([x2 - x1, y2 - y1])
    n = float(np.hypot(d[0], d[1]))
    if not np.isfinite(n) or n < 1.0:
        raise InputError(None, "the two points are the same", field="--vertical")
    d = d / n
    if d[1] > 0:  # make it point up (image y grows downward)
        d = -d
    tilt = math.degrees(math.atan2(abs(d[0]), -d[1]))
    if tilt > MAX_VERTICAL_TILT_DEG:
        raise InputError(
            None,
            f"the line is {tilt:.1f}° from the image vertical (> {MAX_VERTICAL_TILT_DEG:g}°): "
            "give two points on a plumb line or a door frame",
            field="--vertical",
        )
    return d


def _horizontal(up: FloatArray) -> FloatArray:
    """The horizontal unit vector that points to image-right when ``up`` is (0, -1)."""
    return np.array([-up[1], up[0]])


def forward_sign(heel: Any, toe: Any, up: FloatArray | None = None) -> float:
    """+1 when the toes point to image-right (along the horizontal), −1 to image-left, 0 when
    the foot is vertical or not finite."""
    u = up_vector() if up is None else up
    d = float(np.dot(_as(toe) - _as(heel), _horizontal(u)))
    if not np.isfinite(d) or d == 0.0:
        return 0.0
    return 1.0 if d > 0 else -1.0


def tibial_inclination(
    knee: Any, ankle: Any, *, forward: float, up: FloatArray | None = None
) -> FloatArray:
    """Angle of the shank (ankle → knee) from the vertical, degrees, + toward the toes.

    Parameters
    ----------
    knee, ankle : (..., 2) arrays, px
        Image points (x right, y down); leading dimensions (frames) broadcast.
    forward : +1 or −1
        The direction the toes point along the horizontal (:func:`forward_sign`).
    up : (2,) array, optional
        The true up direction in the image (:func:`up_vector`); default the image vertical.

    Returns
    -------
    array, deg
        ``atan2(s·f, s·up)`` with ``s = knee − ankle`` and ``f`` the forward horizontal: 0 with
        the shank vertical, + with the knee forward of the ankle, ±180 upside down.
    """
    if forward not in (1.0, -1.0):
        raise ValueError("forward must be +1 or -1")
    u = up_vector() if up is None else up
    s = _as(knee) - _as(ankle)
    f = forward * _horizontal(u)
    return np.degrees(np.arctan2(s @ f, s @ u))


def foot_pitch_deg(heel: Any, toe: Any, up: FloatArray | None = None) -> FloatArray:
    """Angle of the heel→toe keypoint line against the horizontal, deg, + when the heel is
    higher than the toe (whichever way the foot points)."""
    u = up_vector() if up is None else up
    d = _as(heel) - _as(toe)
    return np.degrees(np.arctan2(d @ u, np.abs(d @ _horizontal(u))))


@dataclass(frozen=True)
class HeelLift:
    """Whether the heel left the floor.

    Attributes
    ----------
    state : {"yes", "no", "not_determinable"}
    value : float or None
        The measured value (``unit``).
    unit : str
        ``"deg"`` (photo: foot pitch) or ``"fraction_of_foot_length"`` (clip: heel rise).
    method : str
        How it was judged, with the thresholds.
    reason : str
        Why it is not determinable (empty otherwise).
    """

    state: HeelState
    value: float | None
    unit: str
    method: str
    reason: str = ""


_PHOTO_METHOD = (
    "one photo: foot pitch = heel→toe keypoint line vs the horizontal (+ heel higher); "
    f"≤ {PHOTO_PITCH_FLAT_MAX_DEG:g}° heel down, ≥ {PHOTO_PITCH_LIFTED_MIN_DEG:g}° lifted, "
    "between: not determinable (kinechain convention; MediaPipe's heel point sits above the "
    "sole, so a flat foot reads about 16°)"
)
_CLIP_METHOD = (
    "clip: heel rise above its position in the reference frame, as a fraction of the foot "
    f"length; > {HEEL_RISE_LIFTED_FRACTION:g} lifted (kinechain convention, ≈ 2.5 cm on a "
    "25 cm foot)"
)


def heel_lift_photo(
    heel: Any, toe: Any, *, conf: tuple[float, float] = (1.0, 1.0), up: FloatArray | None = None
) -> HeelLift:
    """Heel lift from one photo (foot pitch; see the module notes and the thresholds)."""
    if min(conf) < CONF_GATE:
        return HeelLift(
            "not_determinable",
            None,
            "deg",
            _PHOTO_METHOD,
            f"heel/toe not visible enough (confidence {min(conf):.2f} < {CONF_GATE:g})",
        )
    length = float(np.hypot(*(_as(toe) - _as(heel))))
    if not np.isfinite(length) or length < MIN_FOOT_PX:
        return HeelLift(
            "not_determinable",
            None,
            "deg",
            _PHOTO_METHOD,
            f"the foot is too small in the image ({length:.0f} px < {MIN_FOOT_PX:g} px)",
        )
    pitch = float(foot_pitch_deg(heel, toe, up))
    if pitch <= PHOTO_PITCH_FLAT_MAX_DEG:
        return HeelLift("no", round(pitch, 2), "deg", _PHOTO_METHOD)
    if pitch >= PHOTO_PITCH_LIFTED_MIN_DEG:
        return HeelLift("yes", round(pitch, 2), "deg", _PHOTO_METHOD)
    return HeelLift(
        "not_determinable",
        round(pitch, 2),
        "deg",
        _PHOTO_METHOD,
        "the foot pitch is between the heel-down and heel-lifted thresholds",
    )


def heel_lift_clip(
    heel: Any,
    toe: Any,
    ref: int,
    *,
    conf: Any | None = None,
    up: FloatArray | None = None,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Heel rise over a clip relative to the reference frame ``ref``.

    Parameters
    ----------
    heel, toe : (n, 2) arrays, px
    ref : int
        Reference frame (heel down, foot visible).
    conf : (n, 2) array, optional
        Heel and toe confidences; frames below :data:`CONF_GATE` give NaN.

    Returns
    -------
    rise : (n,) array
        Heel rise above its reference position along ``up``, as a fraction of the reference
        foot length (NaN where not measurable).
    lifted : (n,) bool array
        ``rise > HEEL_RISE_LIFTED_FRACTION``.
    """
    h, t = _as(heel), _as(toe)
    u = up_vector() if up is None else up
    length = float(np.hypot(*(t[ref] - h[ref])))
    rise: FloatArray = (
        ((h - h[ref]) @ u) / length if length >= MIN_FOOT_PX else np.full(len(h), np.nan)
    )
    if conf is not None:
        c = _as(conf)
        rise = np.where(np.min(c, axis=1) >= CONF_GATE, rise, np.nan)
    lifted: NDArray[np.bool_] = rise > HEEL_RISE_LIFTED_FRACTION
    return rise, lifted


def parse_line(text: str, *, option: str, n: int = 4) -> tuple[float, ...]:
    """Parse ``"x1,y1,x2,y2"`` (or ``n`` numbers) given to a CLI option."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != n or not all(math.isfinite(v) for v in values):
        shape = "x1,y1,x2,y2" if n == 4 else "x1,y1,x2,y2,cm"
        raise InputError(None, f"expected {n} numbers '{shape}', got {text!r}", field=option)
    return values


def parse_distance(text: str) -> tuple[Line, float]:
    """Parse ``--distance "x1,y1,x2,y2,cm"``: two image points a known distance apart."""
    x1, y1, x2, y2, cm = parse_line(text, option="--distance", n=5)
    if cm <= 0:
        raise InputError(None, f"the distance must be > 0 cm, got {cm:g}", field="--distance")
    return (x1, y1, x2, y2), cm


def scale_from_distance(line: Line, cm: float) -> float:
    """Pixels per cm from two image points ``cm`` apart (in the plane of the leg)."""
    px = math.hypot(line[2] - line[0], line[3] - line[1])
    if px < 1.0:
        raise InputError(None, "the two points are the same", field="--distance")
    return px / cm


def toe_to_wall_px(toe: Any, wall: Line, *, forward: float, up: FloatArray | None = None) -> float:
    """Horizontal distance from the toe to the wall line, px, + when the wall is in front.

    The horizontal through the toe (perpendicular to ``up``) is intersected with the wall line;
    the result is signed along the direction the toes point, so a negative value means the
    wall line is behind the toes.
    """
    u = up_vector() if up is None else up
    p = _as(toe)
    a = np.array(wall[:2], dtype=np.float64)
    d = np.array(wall[2:], dtype=np.float64) - a
    if float(np.hypot(d[0], d[1])) < 1.0:
        raise InputError(None, "the two points are the same", field="--wall")
    h = forward * _horizontal(u)
    denom = h[0] * d[1] - h[1] * d[0]
    if abs(denom) < 1e-9 * float(np.hypot(d[0], d[1])):
        raise InputError(None, "the wall line is horizontal", field="--wall")
    w = a - p
    return float((w[0] * d[1] - w[1] * d[0]) / denom)


def choose_side(xy: Any, conf: Any, *, forward: float, up: FloatArray | None = None) -> Side:
    """The tested (front) leg: the leg whose knee is more forward along the toes' direction.

    A knee below :data:`CONF_GATE` loses to a visible one.
    """
    u = up_vector() if up is None else up
    f = forward * _horizontal(u)
    p, c = _as(xy), _as(conf)
    score = {}
    for side in ("left", "right"):
        k = KP[f"{side}_knee"]
        visible = c[k] >= CONF_GATE and bool(np.all(np.isfinite(p[k])))
        score[side] = float(p[k] @ f) if visible else -np.inf
    return "left" if score["left"] >= score["right"] else "right"


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WallDistance:
    """The WBLT toe-to-wall distance.

    Attributes
    ----------
    cm : float or None
        Toe keypoint to the wall, horizontal, cm (None when not measured).
    reason : str
        Why it was not measured (empty when measured).
    knee_centre_to_wall_cm : float or None
        The knee keypoint (joint centre, not the skin) to the wall: with the knee touching the
        wall it is about half the knee's depth, a check that the knee reached the wall.
    px_per_cm : float or None
    """

    cm: float | None
    reason: str = ""
    knee_centre_to_wall_cm: float | None = None
    px_per_cm: float | None = None


@dataclass(frozen=True)
class LungeResult:
    """One lunge measurement (one photo, or the chosen frame of a clip)."""

    source: str
    variant: Variant | None
    side: Side
    side_source: Literal["given", "auto"]
    tibial_inclination_deg: float
    heel: HeelLift
    wall: WallDistance
    up: tuple[float, float]
    vertical_source: Literal["image", "given"]
    confidence: dict[str, float]
    keypoints_px: dict[str, tuple[float, float]]
    image_size: tuple[int, int]
    backend: str = ""
    frame: int | None = None
    time_s: float | None = None
    n_frames: int | None = None
    warnings: tuple[str, ...] = ()
    seconds: float | None = None
    clip: dict[str, Any] = field(default_factory=dict)
    wall_line: Line | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (one entry of ``lunge.json``'s ``results``)."""
        from kinechain.clinic._exam import wblt_side

        tilt = math.degrees(math.atan2(self.up[0], -self.up[1]))
        incl = round(self.tibial_inclination_deg, 2)
        wb = wblt_side(self.wall.cm, incl)
        wall: dict[str, Any] = {
            "knee_to_wall_cm": self.wall.cm,
            "measured": self.wall.cm is not None,
        }
        if self.wall.cm is None:
            wall["not_measured"] = self.wall.reason
        else:
            wall["what"] = "toe keypoint to the wall line, horizontal (the WBLT distance)"
            wall["knee_centre_to_wall_cm"] = self.wall.knee_centre_to_wall_cm
            wall["px_per_cm"] = round(self.wall.px_per_cm or 0.0, 4)
        out: dict[str, Any] = {
            "source": self.source,
            "variant": self.variant,
            "side": self.side,
            "side_source": self.side_source,
            "frame": self.frame,
            "time_s": self.time_s,
            "tibial_inclination_deg": incl,
            "tibial_inclination": (
                "angle of the shank (ankle → knee keypoints) from the vertical, + knee "
                "forward of the ankle (toward the toes)"
            ),
            "heel_lifted": self.heel.state,
            "heel": {
                "value": self.heel.value,
                "unit": self.heel.unit,
                "method": self.heel.method,
                "reason": self.heel.reason,
            },
            **wall,
            "vertical": {
                "source": self.vertical_source,
                "tilt_from_image_vertical_deg": round(tilt, 2),
                "note": (
                    "the image vertical is assumed to be the true vertical (camera held "
                    "level); give --vertical x1,y1,x2,y2 on a plumb line or door frame to "
                    "correct a tilted camera"
                    if self.vertical_source == "image"
                    else "the vertical is the given reference line"
                ),
            },
            "confidence": {k: round(v, 3) for k, v in self.confidence.items()},
            "confidence_gate": CONF_GATE,
            "keypoints_px": {
                k: [round(v[0], 2), round(v[1], 2)] for k, v in self.keypoints_px.items()
            },
            "image_size_px": list(self.image_size),
            "backend": self.backend,
            "valid_test": self.heel.state != "yes",
            "normative": _normative(wb, self.variant, self.heel.state),
            "warnings": list(self.warnings),
        }
        if self.clip:
            out["clip"] = self.clip
        if self.seconds is not None:
            out["seconds"] = round(self.seconds, 3)
        return out


def _normative(wb: Any, variant: Variant | None, heel: HeelState) -> dict[str, Any]:
    from kinechain.clinic import _thresholds as T

    notes = []
    if heel == "yes":
        notes.append(
            "the heel lifted: the lunge test counts only with the heel down, so this angle "
            "overstates dorsiflexion; repeat with the heel on the floor"
        )
    if variant == "straight":
        notes.append(
            "the WBLT norms are for the standard knee-bent lunge; with the knee straight the "
            "angle is normally about 10° lower (Baumbach et al. 2016), so 'restricted' "
            "over-calls here"
        )
    note = "; ".join(notes)
    return {
        "restricted": wb.restricted,
        "restricted_rule": (
            f"toe-to-wall < {T.WBLT_RESTRICTED_BELOW_CM:g} cm (healthy "
            f"{T.WBLT_HEALTHY_MEAN_CM:g} ± {T.WBLT_HEALTHY_SD_CM:g} cm, mean − 1 SD; "
            f"{T.CITATIONS['hoch2011']}); with the angle only, cm = deg ÷ "
            f"{T.WBLT_CM_TO_DEG:g} ({T.CITATIONS['bennell1998']}), i.e. < "
            f"{T.WBLT_RESTRICTED_BELOW_CM * T.WBLT_CM_TO_DEG:.1f}°"
        ),
        "cm_used": wb.cm,
        "deg_used": wb.deg,
        "measured": wb.measured,
        "below_risk_angle": wb.below_risk_angle,
        "risk_angle_rule": (
            f"< {T.WBLT_RISK_BELOW_DEG:g}°: higher one-year risk of patellar tendinopathy "
            f"({T.CITATIONS['backman2011']}); reported only"
        ),
        "mdc": (
            f"a change is real only beyond the MDC {T.WBLT_MDC_INTER_DEG:g}–"
            f"{T.WBLT_MDC_INTRA_DEG:g}° / {T.WBLT_MDC_INTER_CM:g}–{T.WBLT_MDC_INTRA_CM:g} cm "
            f"({T.CITATIONS['powden2015']})"
        ),
        "note": note,
    }


@dataclass(frozen=True)
class LungeClassification:
    """Knee-straight vs knee-bent lunge of one side (Silfverskiöld logic on the lunge)."""

    classification: Literal["normal", "gastrocnemius", "soleus_or_joint"] | None
    straight_deg: float
    bent_deg: float
    gap_deg: float
    reason: str
    criteria: tuple[str, ...]


def classify_lunge(straight_deg: float, bent_deg: float) -> LungeClassification:
    """Classify the calf from the knee-straight and knee-bent lunge angles.

    Uses the library's lunge thresholds (``kinechain.clinic``): the knee-bent lunge is
    restricted when :func:`~kinechain.clinic.wblt_side` says so (< 9.2 cm ≈ 33.1°); the
    bent − straight gap is large above ``DF_LARGE_GAIN_DEG`` (13°: beyond 2 SD of the lunge gap
    in controls, Bone Joint J 2018) and contradictory below −``DF_CONTRADICTION_TOLERANCE_DEG``.

    * knee-bent restricted → ``soleus_or_joint`` (still limited with the gastrocnemius slack;
      a large gap adds that the gastrocnemius contributes too);
    * knee-bent not restricted and a large gap → ``gastrocnemius``;
    * otherwise ``normal``.

    The library's :func:`~kinechain.clinic.classify_calf` is not used because its 10° limit
    is for non-weight-bearing goniometry, not for lunge angles (≈ 33–45°).
    """
    from kinechain.clinic import _thresholds as T
    from kinechain.clinic._exam import wblt_side

    gap = bent_deg - straight_deg
    bent = wblt_side(None, bent_deg)
    large = gap > T.DF_LARGE_GAIN_DEG
    lim = T.WBLT_RESTRICTED_BELOW_CM * T.WBLT_CM_TO_DEG
    criteria = (
        f"knee-bent lunge < {lim:.1f}° (< {T.WBLT_RESTRICTED_BELOW_CM:g} cm, "
        f"{T.CITATIONS['hoch2011']}) → restricted with the gastrocnemius slack",
        f"bent − straight > {T.DF_LARGE_GAIN_DEG:g}° → large gap ({T.CITATIONS['bjj2018']})",
        f"bent − straight < −{T.DF_CONTRADICTION_TOLERANCE_DEG:g}° → contradictory",
    )
    cls: Literal["normal", "gastrocnemius", "soleus_or_joint"] | None
    if gap < -T.DF_CONTRADICTION_TOLERANCE_DEG:
        cls = None
        reason = (
            f"the knee-bent angle ({bent_deg:.1f}°) is lower than the knee-straight one "
            f"({straight_deg:.1f}°) by more than {T.DF_CONTRADICTION_TOLERANCE_DEG:g}°: "
            "bending the knee can only add dorsiflexion; repeat the test"
        )
    elif bent.restricted:
        cls = "soleus_or_joint"
        reason = (
            f"restricted with the knee bent ({bent_deg:.1f}° < {lim:.1f}°): the soleus or the "
            "ankle joint limits dorsiflexion"
        )
        if large:
            reason += (
                f"; the gap of {gap:.1f}° (> {T.DF_LARGE_GAIN_DEG:g}°) suggests the "
                "gastrocnemius contributes too"
            )
    elif large:
        cls = "gastrocnemius"
        reason = (
            f"not restricted with the knee bent ({bent_deg:.1f}°) but {gap:.1f}° lower with it "
            f"straight (> {T.DF_LARGE_GAIN_DEG:g}°): the gastrocnemius limits dorsiflexion"
        )
    else:
        cls = "normal"
        reason = (
            f"not restricted with the knee bent ({bent_deg:.1f}° ≥ {lim:.1f}°) and a usual "
            f"gap of {gap:.1f}° (≤ {T.DF_LARGE_GAIN_DEG:g}°)"
        )
    return LungeClassification(
        cls, round(straight_deg, 2), round(bent_deg, 2), round(gap, 2), reason, criteria
    )


def measure_keypoints(
    xy: Any,
    conf: Any,
    *,
    side: Side | None = None,
    vertical: Line | None = None,
    wall: Line | None = None,
    px_per_cm: float | None = None,
    source: str = "<image>",
    variant: Variant | None = None,
    image_size: tuple[int, int] = (0, 0),
    backend: str = "",
) -> LungeResult:
    """Measure the lunge from one set of keypoints (13 × 2 px, KEYPOINTS order).

    Raises
    ------
    InputError
        The knee or ankle of the tested leg is below the confidence gate, or the direction
        the person faces cannot be told, or the wall is behind the toes.
    """
    p, c = _as(xy), _as(conf)
    c = np.where(np.all(np.isfinite(p), axis=1), c, 0.0)
    up = up_vector(vertical)
    warnings: list[str] = []
    fwd, how = _facing(p, c, up)
    if fwd == 0.0:
        raise InputError(
            source, "cannot tell which way the person faces (feet and face not visible enough)"
        )
    if how != "feet":
        warnings.append(f"facing direction taken from the {how}")
    auto = choose_side(p, c, forward=fwd, up=up)
    if side is None:
        chosen: Side = auto
    else:
        chosen = side
        if auto != side:
            warnings.append(
                f"the {side} knee is behind the {auto} knee in the image: pose models can swap "
                "left and right in a side view; check annotated.png"
            )
    idx = {n: KP[f"{chosen}_{n}"] for n in _LEG}
    kc, ac = float(c[idx["knee"]]), float(c[idx["ankle"]])
    if min(kc, ac) < CONF_GATE:
        raise InputError(
            source,
            f"the {chosen} knee/ankle is not visible enough (confidence knee {kc:.2f}, ankle "
            f"{ac:.2f} < {CONF_GATE:g}); photograph the whole leg from the side",
        )
    knee, ankle = p[idx["knee"]], p[idx["ankle"]]
    incl = float(tibial_inclination(knee, ankle, forward=fwd, up=up))
    heel = heel_lift_photo(
        p[idx["heel"]],
        p[idx["toe"]],
        conf=(float(c[idx["heel"]]), float(c[idx["toe"]])),
        up=up,
    )
    wd = _wall_distance(p[idx["toe"]], knee, float(c[idx["toe"]]), wall, px_per_cm, fwd, up)
    keypoints = {n: (float(p[i, 0]), float(p[i, 1])) for n, i in idx.items()}
    return LungeResult(
        source=source,
        variant=variant,
        side=chosen,
        side_source="auto" if side is None else "given",
        tibial_inclination_deg=incl,
        heel=heel,
        wall=wd,
        up=(float(up[0]), float(up[1])),
        vertical_source="image" if vertical is None else "given",
        confidence={n: float(c[i]) for n, i in idx.items()},
        keypoints_px=keypoints,
        image_size=image_size,
        backend=backend,
        warnings=tuple(warnings),
        wall_line=wall,
    )


def _facing(p: FloatArray, c: FloatArray, up: FloatArray) -> tuple[float, str]:
    """Which way the toes point: from the feet (longest visible foot first), else the face."""
    feet = []
    for side in ("left", "right"):
        h, t = KP[f"{side}_heel"], KP[f"{side}_toe"]
        if min(c[h], c[t]) >= CONF_GATE:
            d = float((p[t] - p[h]) @ _horizontal(up))
            if abs(d) >= MIN_FOOT_PX / 2:
                feet.append(d)
    if feet:
        total = sum(feet)
        if total != 0.0:
            return (1.0 if total > 0 else -1.0), "feet"
    nose = KP["nose"]
    sh = [KP["left_shoulder"], KP["right_shoulder"]]
    if c[nose] >= CONF_GATE and all(c[i] >= CONF_GATE for i in sh):
        d = float((p[nose] - p[sh].mean(axis=0)) @ _horizontal(up))
        if d != 0.0:
            return (1.0 if d > 0 else -1.0), "face (nose ahead of the shoulders)"
    return 0.0, ""


def _wall_distance(
    toe: FloatArray,
    knee: FloatArray,
    toe_conf: float,
    wall: Line | None,
    px_per_cm: float | None,
    fwd: float,
    up: FloatArray,
) -> WallDistance:
    if wall is None and px_per_cm is None:
        return WallDistance(None, "not measured: wall/scale not given")
    if wall is None:
        return WallDistance(None, "not measured: wall not given (--wall-x or --wall)")
    if px_per_cm is None:
        return WallDistance(None, "not measured: scale not given (--scale or --distance)")
    if px_per_cm <= 0 or not math.isfinite(px_per_cm):
        raise InputError(None, f"the scale must be > 0 px/cm, got {px_per_cm:g}", field="--scale")
    if toe_conf < CONF_GATE:
        return WallDistance(
            None,
            f"not measured: the toe is not visible enough (confidence {toe_conf:.2f} < "
            f"{CONF_GATE:g})",
        )
    px = toe_to_wall_px(toe, wall, forward=fwd, up=up)
    if px < 0:
        raise InputError(
            None,
            f"the wall line is {-px:.0f} px behind the toes; the wall must be in front of the "
            "tested foot",
            field="--wall",
        )
    knee_px = toe_to_wall_px(knee, wall, forward=fwd, up=up)
    return WallDistance(
        round(px / px_per_cm, 2),
        "",
        round(knee_px / px_per_cm, 2),
        px_per_cm,
    )


# ---------------------------------------------------------------------------------------
# I/O layer: images, clips, pose backend, outputs
# ---------------------------------------------------------------------------------------


def _cv2() -> Any:
    try:
        import cv2
    except ImportError:  # pragma: no cover - depends on the install
        raise MissingDependencyError(
            "opencv-python-headless", "video", "The lunge test from a photo"
        ) from None
    return cv2


def make_detector(
    backend: str = "mediapipe", model: Path | None = None, *, still: bool = True
) -> Any:
    """The pose backend (``kinechain.video._backends``); ``still`` for independent photos."""
    from kinechain.video._backends import make_backend

    return make_backend(backend, model, still=still)


def measure_rgb(
    rgb: NDArray[np.uint8],
    detector: Any,
    *,
    source: str = "<image>",
    side: Side | None = None,
    vertical: Line | None = None,
    wall: Line | None = None,
    px_per_cm: float | None = None,
    variant: Variant | None = None,
) -> LungeResult:
    """Run the pose backend on one RGB image and measure the lunge."""
    t0 = time.perf_counter()
    found = detector.detect(rgb)
    if found is None:
        raise InputError(source, "no person found in the image")
    xy, conf = found
    res = measure_keypoints(
        xy,
        conf,
        side=side,
        vertical=vertical,
        wall=wall,
        px_per_cm=px_per_cm,
        source=source,
        variant=variant,
        image_size=(int(rgb.shape[1]), int(rgb.shape[0])),
        backend=str(getattr(detector, "name", "")),
    )
    return _with(res, seconds=time.perf_counter() - t0)


def _with(res: LungeResult, **changes: Any) -> LungeResult:
    from dataclasses import replace

    return replace(res, **changes)


def measure_clip(
    path: Path,
    detector: Any,
    *,
    side: Side | None = None,
    vertical: Line | None = None,
    wall: Line | None = None,
    px_per_cm: float | None = None,
    variant: Variant | None = None,
    max_frames: int = 3000,
) -> tuple[LungeResult, NDArray[np.uint8]]:
    """Measure a short clip: the frame of maximal tibial inclination with the heel down.

    Returns the result and the chosen frame (for the annotated image).
    """
    t0 = time.perf_counter()
    xs: list[FloatArray] = []
    cs: list[FloatArray] = []
    times: list[float] = []
    size = (0, 0)
    nan = np.full((len(KP), 2), np.nan)
    from kinechain.video._decode import frames as decode_frames

    for i, t, rgb in decode_frames(path):
        if i >= max_frames:
            raise InputError(path, f"the clip is longer than {max_frames} frames; trim it")
        size = (int(rgb.shape[1]), int(rgb.shape[0]))
        found = detector.detect(rgb)
        xy, conf = found if found is not None else (nan, np.zeros(len(KP)))
        xs.append(np.asarray(xy, dtype=np.float64))
        cs.append(np.asarray(conf, dtype=np.float64))
        times.append(float(t))
    if not xs:
        raise DataFormatError(path, "the video has no frames")
    p, c = np.stack(xs), np.stack(cs)
    c = np.where(np.all(np.isfinite(p), axis=2), c, 0.0)
    up = up_vector(vertical)
    med_p, med_c = np.nanmedian(np.where(c[..., None] > 0, p, np.nan), axis=0), np.median(c, axis=0)
    med_p = np.where(np.isfinite(med_p), med_p, 0.0)
    fwd, _ = _facing(med_p, med_c, up)
    if fwd == 0.0:
        raise InputError(path, "no person found whose feet or face are visible in the clip")
    chosen: Side = side if side is not None else choose_side(med_p, med_c, forward=fwd, up=up)
    k, a = KP[f"{chosen}_knee"], KP[f"{chosen}_ankle"]
    h, toe = KP[f"{chosen}_heel"], KP[f"{chosen}_toe"]
    ok_leg = (c[:, k] >= CONF_GATE) & (c[:, a] >= CONF_GATE)
    if not ok_leg.any():
        raise InputError(
            path, f"the {chosen} knee/ankle is not visible enough in any frame (gate {CONF_GATE:g})"
        )
    incl = np.where(ok_leg, tibial_inclination(p[:, k], p[:, a], forward=fwd, up=up), np.nan)
    foot_ok = (np.minimum(c[:, h], c[:, toe]) >= CONF_GATE) & (
        np.hypot(*(p[:, toe] - p[:, h]).T) >= MIN_FOOT_PX
    )
    heel_known = False
    if foot_ok.any():
        ref = int(np.argmax(foot_ok))
        rise, lifted = heel_lift_clip(p[:, h], p[:, toe], ref, conf=c[:, [h, toe]], up=up)
        heel_known = True
        candidates = ok_leg & np.isfinite(rise) & np.logical_not(lifted)
    else:
        ref = -1
        rise = np.full(len(p), np.nan)
        candidates = ok_leg
    if not candidates.any():
        candidates = ok_leg
    best = int(np.nanargmax(np.where(candidates, incl, -np.inf)))
    res = measure_keypoints(
        p[best],
        c[best],
        side=chosen,
        vertical=vertical,
        wall=wall,
        px_per_cm=px_per_cm,
        source=str(path),
        variant=variant,
        image_size=size,
        backend=str(getattr(detector, "name", "")),
    )
    if heel_known and np.isfinite(rise[best]):
        heel = HeelLift(
            "yes" if rise[best] > HEEL_RISE_LIFTED_FRACTION else "no",
            round(float(rise[best]), 4),
            "fraction_of_foot_length",
            _CLIP_METHOD,
        )
    else:
        heel = HeelLift(
            "not_determinable",
            None,
            "fraction_of_foot_length",
            _CLIP_METHOD,
            "the heel/toe were not visible enough in the clip",
        )
    finite = incl[np.isfinite(incl)]
    clip = {
        "frames": len(p),
        "frames_leg_visible": int(ok_leg.sum()),
        "reference_frame": ref if ref >= 0 else None,
        "max_inclination_any_frame_deg": round(float(finite.max()), 2),
        "rule": "the frame of maximal tibial inclination among frames with the heel down",
    }
    res = _with(
        res,
        side_source="given" if side is not None else "auto",
        heel=heel,
        frame=best,
        time_s=round(times[best], 4),
        n_frames=len(p),
        clip=clip,
        seconds=time.perf_counter() - t0,
    )
    # decode the chosen frame again rather than keeping every frame in memory
    picture = next(rgb for i, _, rgb in decode_frames(path) if i == best)
    return res, picture


def measure_file(
    path: Path | str,
    detector: Any,
    *,
    side: Side | None = None,
    vertical: Line | None = None,
    wall: Line | None = None,
    px_per_cm: float | None = None,
    variant: Variant | None = None,
) -> tuple[LungeResult, NDArray[np.uint8]]:
    """Measure a photo or a clip (by its suffix); returns the result and the image used."""
    p = Path(path)
    if not p.is_file():
        raise InputError(p, "file not found")
    kw: dict[str, Any] = {
        "side": side,
        "vertical": vertical,
        "wall": wall,
        "px_per_cm": px_per_cm,
        "variant": variant,
    }
    suffix = p.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return measure_clip(p, detector, **kw)
    if suffix not in IMAGE_SUFFIXES:
        raise DataFormatError(
            p, f"unsupported file type {suffix or '(none)'}: give a JPEG/PNG photo or a clip"
        )
    from kinechain.video._decode import read_image

    rgb = read_image(p)
    return measure_rgb(rgb, detector, source=str(p), **kw), rgb


def lunge_report(results: Sequence[LungeResult]) -> dict[str, Any]:
    """``lunge.json``: every measurement, and the classification when both variants exist."""
    from kinechain import __version__
    from kinechain.clinic import EVIDENCE

    ev = EVIDENCE["wblt_reliability"]
    classification: dict[str, Any] | None = None
    by_variant: dict[str, LungeResult] = {r.variant: r for r in results if r.variant is not None}
    if "straight" in by_variant and "bent" in by_variant:
        s, b = by_variant["straight"], by_variant["bent"]
        if s.side != b.side:
            classification = {
                "classification": None,
                "reason": f"the two photos show different legs ({s.side} straight, {b.side} "
                "bent); give --side",
            }
        else:
            lc = classify_lunge(s.tibial_inclination_deg, b.tibial_inclination_deg)
            classification = {
                "side": s.side,
                "classification": lc.classification,
                "knee_straight_deg": lc.straight_deg,
                "knee_bent_deg": lc.bent_deg,
                "gap_deg": lc.gap_deg,
                "reason": lc.reason,
                "criteria": list(lc.criteria),
                "heel_down_in_both": s.heel.state == "no" and b.heel.state == "no",
            }
    return {
        "schema": SCHEMA,
        "kinechain_version": __version__,
        "results": [r.to_dict() for r in results],
        "classification": classification,
        "evidence": {
            "grade": ev.grade,
            "statement": ev.statement,
            "citations": list(ev.citations),
            "applies_to": "the clinical lunge test with an inclinometer or tape; the video "
            "measurement is checked in kinechain's tests against hand-annotated frames "
            "(docs/lunge.md), not against an inclinometer",
        },
        "limits": [
            "2D side view: the camera must look at the leg from the side, level, at shank "
            "height; a camera in front of or behind the leg shortens the shank and changes "
            "the angle",
            "the angle is that of the knee and ankle joint centres (keypoints), not of the "
            "anterior tibial surface an inclinometer sits on; the two differ by a few degrees",
            "the toe-to-wall distance needs a scale in the plane of the foot (a ruler on the "
            "floor along the foot) and the wall seen edge-on",
            "it measures, it does not diagnose",
        ],
    }


def render_annotated(rgb: NDArray[np.uint8], result: LungeResult) -> bytes:
    """PNG bytes: the tested leg, the vertical through the ankle and the angle."""
    cv2 = _cv2()
    img = np.ascontiguousarray(rgb[:, :, ::-1]).copy()
    kp = {n: np.array(v) for n, v in result.keypoints_px.items()}
    scale = max(1.0, max(img.shape[:2]) / 800.0)
    thick = max(1, round(2 * scale))

    def pt(v: FloatArray) -> tuple[int, int]:
        return round(float(v[0])), round(float(v[1]))

    def ok(n: str) -> bool:
        return bool(np.all(np.isfinite(kp[n]))) and result.confidence.get(n, 0.0) >= CONF_GATE

    segs = (
        ("hip", "knee", (255, 200, 0)),
        ("ankle", "heel", (0, 200, 255)),
        ("heel", "toe", (0, 200, 255)),
    )
    for a, b, col in segs:
        if ok(a) and ok(b):
            cv2.line(img, pt(kp[a]), pt(kp[b]), col, thick, cv2.LINE_AA)
    if result.wall_line is not None:  # the wall, extended over the image height
        x1, y1, x2, y2 = result.wall_line
        t = np.array([-1e4, 1e4])
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        ends = [(x1 + dx / norm * v, y1 + dy / norm * v) for v in t]
        cv2.line(img, pt(np.array(ends[0])), pt(np.array(ends[1])), (0, 255, 0), thick)
    knee, ankle = kp["knee"], kp["ankle"]
    cv2.line(img, pt(ankle), pt(knee), (0, 0, 255), thick + 1, cv2.LINE_AA)
    up = np.array(result.up)
    length = float(np.hypot(*(knee - ankle)))
    top = ankle + up * length
    cv2.line(img, pt(ankle), pt(top), (255, 255, 255), thick, cv2.LINE_AA)
    # Arc from the vertical to the shank, drawn as a polyline (exact angles).
    a0 = math.atan2(up[1], up[0])
    a1 = math.atan2(float(knee[1] - ankle[1]), float(knee[0] - ankle[0]))
    da = (a1 - a0 + math.pi) % (2 * math.pi) - math.pi
    r = 0.35 * length
    ang = a0 + np.linspace(0.0, da, 32)
    arc = np.stack([ankle[0] + r * np.cos(ang), ankle[1] + r * np.sin(ang)], axis=1)
    cv2.polylines(img, [np.round(arc).astype(np.int32)], False, (0, 255, 255), thick, cv2.LINE_AA)
    for n in ("knee", "ankle", "heel", "toe", "hip"):
        if ok(n):
            cv2.circle(img, pt(kp[n]), thick + 2, (0, 0, 255), -1, cv2.LINE_AA)
    lines = [
        f"{result.side} tibial inclination {result.tibial_inclination_deg:.1f} deg",
        f"heel lifted: {result.heel.state}",
    ]
    if result.wall.cm is not None:
        lines.append(f"toe-to-wall {result.wall.cm:.1f} cm")
    if result.variant:
        lines.append(f"knee {result.variant}")
    fs = 0.6 * scale
    for i, text in enumerate(lines):
        y = int(30 * scale * (i + 1))
        cv2.putText(
            img, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, fs, (0, 0, 0), thick + 2, cv2.LINE_AA
        )
        cv2.putText(
            img, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, fs, (255, 255, 255), thick, cv2.LINE_AA
        )
    ok_enc, buf = cv2.imencode(".png", img)
    if not ok_enc:  # pragma: no cover - OpenCV failure
        raise RuntimeError("PNG encoding failed")
    return bytes(buf.tobytes())


def write_lunge(
    results: Sequence[LungeResult],
    images: Sequence[NDArray[np.uint8]],
    out_dir: Path | str,
    *,
    overwrite: bool = False,
) -> Path:
    """Write ``lunge.json`` and the annotated image(s) into ``out_dir``, all or nothing.

    One measurement → ``annotated.png``; several → ``annotated_<variant or n>.png``.
    """
    from kinechain.io._results import check_output_folder, clean_json, write_folder

    check_output_folder(out_dir, overwrite=overwrite)
    report = lunge_report(results)
    files: dict[str, str | bytes] = {}
    names: list[str] = []
    for n, (res, img) in enumerate(zip(results, images, strict=True), start=1):
        if len(results) == 1:
            name = "annotated.png"
        else:
            tag = (
                res.variant
                if res.variant and sum(r.variant == res.variant for r in results) == 1
                else str(n)
            )
            name = f"annotated_{tag}.png"
        files[name] = render_annotated(img, res)
        names.append(name)
    for entry, name in zip(report["results"], names, strict=True):
        entry["annotated"] = name
    files["lunge.json"] = json.dumps(clean_json(report), indent=2, ensure_ascii=False) + "\n"
    return write_folder(files, out_dir, overwrite=overwrite)
