"""The annotated video: the chosen subject's skeleton and the current angles on every frame.

Written as VP8 WebM with OpenCV (plays in browsers; H.264 is not available in the
opencv-python wheels). The video is decoded again with :func:`kinechain.video._decode.frames`,
so frames come out upright as they were analysed. Frames wider than ``max_width`` are
scaled down (keypoints with them). Left side red, right side green (as in the report);
keypoints rejected by the confidence gate or as outliers are drawn as grey crosses, and a
frame with any rejected keypoint gets a red border and the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import DataFormatError, MissingDependencyError
from kinechain.video._types import KP

if TYPE_CHECKING:
    from kinechain.video._walk import VideoAnalysis

__all__ = ["render_annotated"]

#: BGR colours: left red, right green (the report's), trunk blue, rejected grey.
COLOURS = {
    "left": (40, 39, 214),
    "right": (44, 160, 44),
    "trunk": (180, 119, 31),
    "bad": (150, 150, 150),
}
_LEG = ("hip", "knee", "ankle", "heel", "toe", "ankle")


def _cv2() -> Any:
    try:
        import cv2
    except ImportError:  # pragma: no cover - the video extra is installed in development
        raise MissingDependencyError(
            "opencv-python-headless", "video", "Writing the annotated video"
        ) from None
    return cv2


def _fmt(v: float) -> str:
    return f"{v:6.1f}" if np.isfinite(v) else "    --"


def _event_labels(result: VideoAnalysis) -> dict[int, list[str]]:
    """Frame index → labels of the gait events nearest to it (``L FS``, ``R FO``...)."""
    fps = float(result.track.info.fps)
    t0 = float(result.track.time[0]) if result.track.n_frames else 0.0
    out: dict[int, list[str]] = {}
    for e in result.analysis.events:
        i = round((e.time_s - t0) * fps)
        tag = f"{e.side[0].upper()} {'FS' if e.kind == 'foot_strike' else 'FO'}"
        for k in range(i, i + max(1, round(0.2 * fps))):  # keep the label up for 0.2 s
            out.setdefault(k, []).append(tag)
    return out


def _draw_frame(
    cv2: Any,
    img: NDArray[np.uint8],
    i: int,
    result: VideoAnalysis,
    scale: float,
    events: dict[int, list[str]],
) -> None:
    track, sag = result.track, result.sagittal
    n = track.n_frames
    h, w = img.shape[:2]
    thick = max(2, round(w / 500))
    font = cv2.FONT_HERSHEY_SIMPLEX
    fs = max(0.5, w / 1600)
    if i < n:
        xy = track.xy[i] * scale
        ok = sag.ok[i]

        def pt(name: str) -> tuple[int, int] | None:
            k = KP[name]
            p = xy[k]
            if not np.isfinite(p).all():
                return None
            return (round(p[0]), round(p[1]))

        def line(a: str, b: str, colour: tuple[int, int, int]) -> None:
            pa, pb = pt(a), pt(b)
            if pa is None or pb is None:
                return
            good = bool(ok[KP[a]] and ok[KP[b]])
            cv2.line(img, pa, pb, colour if good else COLOURS["bad"], thick, cv2.LINE_AA)

        for a, b in (("left_shoulder", "left_hip"), ("right_shoulder", "right_hip")):
            line(a, b, COLOURS["trunk"])
        line("left_shoulder", "right_shoulder", COLOURS["trunk"])
        line("left_hip", "right_hip", COLOURS["trunk"])
        for side in ("right", "left"):  # far side first, typically
            names = [f"{side}_{j}" for j in _LEG]
            for a, b in itertools.pairwise(names):
                line(a, b, COLOURS[side])
        for name, k in KP.items():
            p = pt(name)
            if p is None:
                continue
            if ok[k]:
                side = "left" if name.startswith("left") else "right"
                colour = COLOURS[side] if name != "nose" else COLOURS["trunk"]
                cv2.circle(img, p, thick + 2, colour, -1, cv2.LINE_AA)
            else:
                r = thick + 3
                cv2.line(img, (p[0] - r, p[1] - r), (p[0] + r, p[1] + r), COLOURS["bad"], thick)
                cv2.line(img, (p[0] - r, p[1] + r), (p[0] + r, p[1] - r), COLOURS["bad"], thick)
        ang = sag.angles
        rows = [
            (
                "L  hip{} knee{} ankle{}".format(
                    _fmt(ang["left_hip_flexion"][i]),
                    _fmt(ang["left_knee_flexion"][i]),
                    _fmt(ang["left_ankle_dorsiflexion"][i]),
                ),
                COLOURS["left"],
            ),
            (
                "R  hip{} knee{} ankle{}".format(
                    _fmt(ang["right_hip_flexion"][i]),
                    _fmt(ang["right_knee_flexion"][i]),
                    _fmt(ang["right_ankle_dorsiflexion"][i]),
                ),
                COLOURS["right"],
            ),
            (f"trunk{_fmt(ang['left_thorax_tilt'][i])} deg (+ forward)", COLOURS["trunk"]),
        ]
        reason = sag.gated_reason[i]
    else:
        rows, reason = [], "no pose for this frame"
    lh = int(32 * fs) + 6
    box_h = lh * (len(rows) + 2)
    cv2.rectangle(img, (0, 0), (int(620 * fs) + 20, box_h), (255, 255, 255), -1)
    t = float(track.time[i]) if i < n else i / float(track.info.fps)
    cv2.putText(img, f"frame {i}  t {t:6.2f} s", (10, lh), font, fs, (0, 0, 0), 1, cv2.LINE_AA)
    for r, (text, colour) in enumerate(rows):
        y = lh * (r + 2)
        cv2.putText(img, text, (10, y), font, fs, colour, max(1, thick // 2), cv2.LINE_AA)
    tags = events.get(i, [])
    if tags:
        cv2.putText(
            img, "  ".join(tags), (10, box_h + lh), font, fs * 1.2, (0, 0, 0), thick, cv2.LINE_AA
        )
    if reason:
        cv2.rectangle(img, (0, 0), (w - 1, h - 1), (0, 0, 255), thick * 3)
        text = ("rejected: " + reason)[:110]
        cv2.putText(img, text, (10, h - lh // 2), font, fs * 0.8, (0, 0, 255), 1, cv2.LINE_AA)


def _scaled(
    cv2: Any, source: Iterable[tuple[int, float, NDArray[np.uint8]]], w: int, h: int
) -> Iterator[tuple[int, float, NDArray[np.uint8]]]:
    """BGR frames scaled to ``w`` × ``h`` (area interpolation), where they differ."""
    for i, t, img in source:
        if img.shape[1] != w or img.shape[0] != h:
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        yield i, t, img


def render_annotated(
    result: VideoAnalysis,
    out_path: Path | str,
    *,
    max_width: int = 640,
    frames: Iterable[tuple[int, float, NDArray[np.uint8]]] | None = None,
) -> int:
    """Write the annotated VP8 WebM of ``result`` to ``out_path``; return the frame count.

    Parameters
    ----------
    result : VideoAnalysis
    out_path : path
        ``.webm`` file to write.
    max_width : int
        Frames wider than this are scaled down.
    frames : iterable of (index, time, RGB frame), optional
        The frames to annotate; by default the video is decoded again from
        ``result.track.info.path``.

    Raises
    ------
    DataFormatError
        OpenCV cannot write VP8 here, or the video yields no frame.
    """
    cv2 = _cv2()
    info = result.track.info
    scale = min(1.0, max_width / float(info.width)) if info.width > 0 else 1.0
    w = round(info.width * scale) // 2 * 2
    h = round(info.height * scale) // 2 * 2
    scale_x = w / float(info.width)
    if frames is None:
        # Decoded straight to BGR and scaled down in a background thread, so that decoding
        # overlaps drawing and VP8 encoding (OpenCV releases the GIL in both).
        from kinechain.video._decode import frames as decode
        from kinechain.video._decode import prefetched

        source: Iterator[tuple[int, float, NDArray[np.uint8]]] = prefetched(
            _scaled(cv2, decode(info.path, bgr=True), w, h), 4
        )
    else:
        source = _scaled(
            cv2, ((i, t, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)) for i, t, rgb in frames), w, h
        )
    writer = cv2.VideoWriter(
        str(out_path), cv2.VideoWriter_fourcc(*"VP80"), float(info.fps), (w, h)
    )
    if not writer.isOpened():
        raise DataFormatError(out_path, "OpenCV cannot write VP8 WebM video here")
    events = _event_labels(result)
    count = 0
    try:
        for i, _, img in source:
            _draw_frame(cv2, img, i, result, scale_x, events)
            writer.write(img)
            count += 1
    finally:
        writer.release()
        close = getattr(source, "close", None)
        if close is not None:
            close()
    if count == 0:
        raise DataFormatError(info.path, "no frame could be decoded for the annotated video")
    return count
