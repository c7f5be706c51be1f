"""Data passed between the stages of the video pipeline (pure values, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# The keypoints every backend reports (image pixels, x right, y down). Sides are the
# person's anatomical left/right. "toe" is the tip of the foot (MediaPipe foot_index,
# COCO-WholeBody/Halpe big toe).
KEYPOINTS: tuple[str, ...] = (
    "nose",
    "left_shoulder",
    "right_shoulder",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_toe",
    "right_toe",
)
KP = {name: i for i, name in enumerate(KEYPOINTS)}


@dataclass(frozen=True)
class VideoInfo:
    """What the decoder found in a video file."""

    path: str
    fps: float
    n_frames: int
    width: int  # after rotation
    height: int  # after rotation
    rotation: int  # degrees clockwise applied to the stored frames (0, 90, 180, 270)
    codec: str = ""


@dataclass
class PoseTrack:
    """The chosen subject's keypoints over the whole video.

    Attributes
    ----------
    xy : (n_frames, n_keypoints, 2) array, px
        Image coordinates of each keypoint (NaN where the backend found nothing).
    conf : (n_frames, n_keypoints) array
        The backend's confidence/visibility per keypoint, 0..1 (0 where missing).
    time : (n_frames,) array, s
        Frame times (frame index / fps).
    box : (n_frames, 4) array, px
        The subject's box (x0, y0, x1, y1) used for each frame (NaN when lost).
    swaps : int
        Left/right label swaps that were detected and undone.
    meta : dict
        Backend name and settings, subject-selection notes.
    """

    info: VideoInfo
    backend: str
    xy: FloatArray
    conf: FloatArray
    time: FloatArray
    box: FloatArray
    swaps: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return int(self.xy.shape[0])

    def point(self, name: str) -> FloatArray:
        """(n_frames, 2) pixel track of one keypoint."""
        return self.xy[:, KP[name], :]
