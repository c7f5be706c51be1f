"""Markerless analysis from one phone video: walking (sagittal) and the weight-bearing lunge.

Needs the ``video`` extra and ``pip install --no-deps mediapipe==0.10.21``.
"""

from kinechain.video._types import KEYPOINTS, PoseTrack, VideoInfo

__all__ = ["KEYPOINTS", "PoseTrack", "VideoInfo"]
