"""Test helpers of the video gait analysis: exact stick figures and a MediaPipe adapter.

``stick_figure`` builds a :class:`PoseTrack` by planar forward kinematics from joint-angle
curves chosen by the test, so the angles the analysis must recover are known exactly.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kinechain.video._types import KP, PoseTrack, VideoInfo

FloatArray = NDArray[np.float64]

# Segment lengths as fractions of body height (Winter 2009, Fig. 4.1, after Drillis & Contini).
THIGH, SHANK, TRUNK = 0.245, 0.246, 0.288


@dataclass
class Curves:
    """Joint angles (deg) per frame for one side, Plug-in-Gait signs."""

    hip: FloatArray
    knee: FloatArray
    ankle: FloatArray


def _unit(angle_rad: FloatArray) -> FloatArray:
    return np.stack([np.cos(angle_rad), np.sin(angle_rad)], axis=-1)


def stick_figure(
    *,
    n: int,
    fps: float = 30.0,
    direction: int = 1,
    trunk_deg: FloatArray | float = 5.0,
    left: Curves,
    right: Curves,
    height_px: float = 500.0,
    speed_px_s: float = 150.0,
    hip_height_px: float | None = None,
    width: int = 1920,
    height: int = 1080,
    conf: float = 0.95,
) -> PoseTrack:
    """A walking stick figure with exactly the given angles, as image keypoints.

    Points are built in the sagittal frame (u forward, v up), then mapped to image pixels
    (x = u for ``direction`` +1, x = width − u for −1; y = height − v). Segment lengths follow
    Winter's proportions of ``height_px``. Both hips share the hip centre and both shoulders
    the shoulder centre, offset by ±2 px so that the centres are exact means.
    """
    t = np.arange(n) / fps
    trunk = np.broadcast_to(np.asarray(trunk_deg, dtype=np.float64), (n,))
    hip_v = hip_height_px if hip_height_px is not None else 0.53 * height_px + 40.0
    hc = np.stack([100.0 + speed_px_s * t, np.full(n, hip_v)], axis=1)
    trunk_up = _unit(np.radians(90.0 - trunk))  # angle from +u; 0 tilt = straight up
    sc = hc + TRUNK * height_px * trunk_up
    p = np.full((n, len(KP), 2), np.nan)
    off = np.array([2.0, 0.0])
    p[:, KP["left_hip"]] = hc + off
    p[:, KP["right_hip"]] = hc - off
    p[:, KP["left_shoulder"]] = sc + off
    p[:, KP["right_shoulder"]] = sc - off
    p[:, KP["nose"]] = sc + np.array([0.05, 0.14]) * height_px
    down = np.arctan2(-trunk_up[:, 1], -trunk_up[:, 0])  # direction of −trunk axis
    for side, c in (("left", left), ("right", right)):
        hip = p[:, KP[f"{side}_hip"]]
        phi_thigh = down + np.radians(c.hip)
        knee = hip + THIGH * height_px * _unit(phi_thigh)
        phi_shank = phi_thigh - np.radians(c.knee)
        ankle = knee + SHANK * height_px * _unit(phi_shank)
        phi_foot = phi_shank + np.radians(c.ankle + 90.0)
        foot = _unit(phi_foot)
        heel = ankle - 0.045 * height_px * foot + 0.02 * height_px * _unit(phi_shank)
        toe = heel + 0.15 * height_px * foot
        p[:, KP[f"{side}_knee"]] = knee
        p[:, KP[f"{side}_ankle"]] = ankle
        p[:, KP[f"{side}_heel"]] = heel
        p[:, KP[f"{side}_toe"]] = toe
    xy = np.empty_like(p)
    xy[..., 0] = p[..., 0] if direction > 0 else width - p[..., 0]
    xy[..., 1] = height - p[..., 1]
    info = VideoInfo(path="stick.mp4", fps=fps, n_frames=n, width=width, height=height, rotation=0)
    return PoseTrack(
        info=info,
        backend="synthetic",
        xy=xy,
        conf=np.full((n, len(KP)), conf),
        time=t,
        box=np.full((n, 4), np.nan),
    )


def gait_curves(n: int, fps: float, *, cadence_spm: float = 110.0, phase: float = 0.0) -> Curves:
    """Smooth, plausible periodic hip/knee/ankle curves (deg) with a given cadence."""
    f = cadence_spm / 120.0  # strides per second
    w = 2.0 * np.pi * f * np.arange(n) / fps + phase
    hip = 10.0 + 25.0 * np.cos(w)
    knee = 30.0 - 25.0 * np.cos(2.0 * w - 0.6) + 10.0 * np.sin(w)
    ankle = 2.0 + 10.0 * np.sin(w - 0.5)
    return Curves(hip=hip, knee=knee, ankle=ankle)


def mediapipe_track(npz: Path, video: Path) -> PoseTrack:
    """A PoseTrack from a saved MediaPipe run (xy, conf, fps, width, height arrays)."""
    d = np.load(npz)
    xy = np.asarray(d["xy"], dtype=np.float64)
    conf = np.asarray(d["conf"], dtype=np.float64)
    fps = float(d["fps"])
    n = xy.shape[0]
    # Single-person MediaPipe jumps to whoever is in view after the subject leaves: keep the
    # frames before the first jump of the hip centre by more than 200 px.
    hx = xy[:, [KP["left_hip"], KP["right_hip"]], 0].mean(axis=1)
    jumps = np.flatnonzero(np.abs(np.diff(hx)) > 200.0)
    gone = np.isnan(hx)
    seen = np.flatnonzero(~gone)
    if seen.size:
        # a gap followed by a re-appearance far away also counts
        for a, b in itertools.pairwise(seen):
            if b - a > 1 and abs(hx[b] - hx[a]) > 200.0:
                jumps = np.append(jumps, a)
    if jumps.size:
        cut = int(jumps.min()) + 1
        xy[cut:] = np.nan
        conf[cut:] = 0.0
    info = VideoInfo(
        path=str(video),
        fps=fps,
        n_frames=n,
        width=int(d["width"]),
        height=int(d["height"]),
        rotation=0,
    )
    return PoseTrack(
        info=info,
        backend="mediapipe",
        xy=xy,
        conf=conf,
        time=np.arange(n) / fps,
        box=np.full((n, 4), np.nan),
    )
