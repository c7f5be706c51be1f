"""Reading videos and photos with OpenCV: frames come out RGB and upright, exactly once.

Phones store portrait video as landscape frames plus a rotation flag in the container
(the MP4 ``tkhd`` display matrix). OpenCV's FFmpeg backend reads that flag as
``CAP_PROP_ORIENTATION_META`` (degrees clockwise to turn the stored frame upright) and, by
default, rotates the frames itself (``CAP_PROP_ORIENTATION_AUTO``). Here the automatic
rotation is switched off where OpenCV allows it and the rotation is applied once in this
module; where it cannot be switched off, the frames are taken as OpenCV already rotated them.
"""

from __future__ import annotations

import math
import queue
import threading
import warnings
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import DataFormatError, InputError, MissingDependencyError
from kinechain.video._types import VideoInfo

__all__ = ["frames", "prefetched", "probe", "read_image"]

_T = TypeVar("_T")

#: Frame rates accepted without comment (phones record 24-240 fps).
FPS_NORMAL = (24.0, 240.0)
#: Frame rates refused: a container claiming these is broken or not a camera recording.
FPS_LIMITS = (1.0, 1000.0)

_ROTATE_CODES = {90: "ROTATE_90_CLOCKWISE", 180: "ROTATE_180", 270: "ROTATE_90_COUNTERCLOCKWISE"}


def _cv2() -> Any:
    try:
        import cv2
    except ImportError:  # pragma: no cover - the video extra is installed in development
        raise MissingDependencyError(
            "opencv-python-headless", "video", "Reading videos and photos"
        ) from None
    return cv2


def _check_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(p, "file not found")
    if not p.is_file():
        raise InputError(p, "is not a file")
    return p


class _Capture:
    """An open ``cv2.VideoCapture`` with the rotation decided once."""

    def __init__(self, path: Path) -> None:
        cv2 = _cv2()
        self.cv2 = cv2
        self.path = path
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise DataFormatError(path, "not a video OpenCV can decode")
        self.cap = cap
        meta = cap.get(cv2.CAP_PROP_ORIENTATION_META)
        rot = 0 if not math.isfinite(meta) else round(meta) % 360
        if rot not in (0, 90, 180, 270):
            self.release()
            raise DataFormatError(
                path, f"rotation flag of {meta:g} degrees; only multiples of 90 are supported"
            )
        self.rotation = rot
        # Ask OpenCV not to rotate; if it insists, its frames are already upright.
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        self.manual = rot != 0 and cap.get(cv2.CAP_PROP_ORIENTATION_AUTO) == 0
        self._rotate_code = getattr(cv2, _ROTATE_CODES[rot]) if self.manual else None
        self.fps = float(cap.get(cv2.CAP_PROP_FPS))
        self.header_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        fourcc = int(cap.get(cv2.CAP_PROP_FOURCC) or 0)
        self.codec = "".join(chr((fourcc >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00 ")

    def read(self, *, bgr: bool = False) -> NDArray[np.uint8] | None:
        """Next frame, RGB (or OpenCV's BGR), upright; None at the end."""
        ok, img = self.cap.read()
        if not ok or img is None:
            return None
        if self._rotate_code is not None:
            img = self.cv2.rotate(img, self._rotate_code)
        if bgr:
            return np.asarray(img, dtype=np.uint8)
        rgb: NDArray[np.uint8] = self.cv2.cvtColor(img, self.cv2.COLOR_BGR2RGB)
        return rgb

    def grab(self) -> bool:
        return bool(self.cap.grab())

    def release(self) -> None:
        self.cap.release()


def _check_fps(path: Path, fps: float, *, warn: bool = True) -> None:
    if not math.isfinite(fps) or not FPS_LIMITS[0] <= fps <= FPS_LIMITS[1]:
        raise DataFormatError(
            path,
            f"frame rate {fps:g} fps is outside {FPS_LIMITS[0]:g}-{FPS_LIMITS[1]:g} fps; "
            "the container's timing is broken",
            field="fps",
        )
    if warn and not FPS_NORMAL[0] <= fps <= FPS_NORMAL[1]:
        warnings.warn(
            f"{path}: frame rate {fps:g} fps is outside the usual {FPS_NORMAL[0]:g}-"
            f"{FPS_NORMAL[1]:g} fps; gait timing will be coarse",
            UserWarning,
            stacklevel=3,
        )


def probe(path: str | Path, *, count_frames: bool = False) -> VideoInfo:
    """What is in a video: frame rate, frame count, upright size and rotation.

    Parameters
    ----------
    path : str or Path
        Any container/codec OpenCV's FFmpeg can decode (mp4, mov, webm, avi, mkv...); the
        content decides, not the extension.
    count_frames : bool
        Count the frames by decoding them all (headers can be wrong). Without it the header's
        count is used unless the header has none. :func:`frames` always yields what decodes.

    Raises
    ------
    InputError
        The file does not exist.
    DataFormatError
        Not a video OpenCV can decode, no frame decodes, or a frame rate outside 1-1000 fps.
    """
    p = _check_file(path)
    cap = _Capture(p)
    try:
        first = cap.read()
        if first is None:
            raise DataFormatError(p, "not a video OpenCV can decode (no frame decodes)")
        _check_fps(p, cap.fps)
        n = cap.header_frames
        if count_frames or n <= 0:
            n = 1
            while cap.grab():
                n += 1
        if n < 2:
            raise DataFormatError(p, "holds a single image, not a video")
        h, w = first.shape[:2]
        return VideoInfo(
            path=str(p),
            fps=cap.fps,
            n_frames=n,
            width=int(w),
            height=int(h),
            rotation=cap.rotation,
            codec=cap.codec,
        )
    finally:
        cap.release()


def frames(
    path: str | Path, *, step: int = 1, prefetch: int = 0, bgr: bool = False
) -> Generator[tuple[int, float, NDArray[np.uint8]], None, None]:
    """Decode a video: ``(index, time_s, rgb)`` for every ``step``-th frame.

    ``rgb`` is H×W×3 uint8, already rotated upright; ``time_s = index / fps``. Frames that are
    skipped are grabbed, not converted. The count is whatever decodes, whatever the header says.

    ``prefetch`` > 0 decodes in a background thread, at most that many frames ahead (OpenCV
    releases the GIL while decoding, so decoding overlaps the caller's work on another core);
    the frames and their order are the same. ``bgr`` gives OpenCV's BGR channel order instead
    of RGB (saves a colour conversion when the frames go back to OpenCV).
    """
    if step < 1:
        raise ValueError("step must be >= 1")
    source = _decode(path, step, bgr)
    if prefetch > 0:
        yield from prefetched(source, prefetch)
    else:
        yield from source


def _decode(
    path: str | Path, step: int, bgr: bool
) -> Generator[tuple[int, float, NDArray[np.uint8]], None, None]:
    p = _check_file(path)
    cap = _Capture(p)
    try:
        _check_fps(p, cap.fps, warn=False)  # probe() warns; iterating only refuses
        i = 0
        while True:
            if i % step:
                if not cap.grab():
                    return
            else:
                img = cap.read(bgr=bgr)
                if img is None:
                    return
                yield i, i / cap.fps, img
            i += 1
    finally:
        cap.release()


def prefetched(source: Iterator[_T], depth: int = 4) -> Generator[_T, None, None]:
    """The items of ``source``, produced by a background thread at most ``depth`` ahead.

    Order and items are unchanged; an exception raised by ``source`` is raised here, at the
    item where it happened. Closing this generator early (``break``) stops the thread and
    closes ``source`` (releasing a video file, for one) before returning.
    """
    slots: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(kind: int, value: Any) -> bool:
        while not stop.is_set():
            try:
                slots.put((kind, value), timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for item in source:
                if not put(0, item):
                    return
            put(1, None)
        except BaseException as exc:  # handed to the consumer, raised there
            put(2, exc)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="kinechain-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == 0:
                yield value
            elif kind == 1:
                return
            else:
                raise value
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(0.01)


def read_image(path: str | Path) -> NDArray[np.uint8]:
    """A photo (JPEG, PNG, ...) as RGB uint8, with its EXIF orientation applied.

    OpenCV's ``imread`` with ``IMREAD_COLOR`` turns the image by its EXIF Orientation tag
    (``IMREAD_IGNORE_ORIENTATION`` would switch that off), so the result is upright.
    """
    cv2 = _cv2()
    p = _check_file(path)
    data = np.fromfile(p, dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise DataFormatError(p, "not an image OpenCV can decode")
    rgb: NDArray[np.uint8] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return rgb
