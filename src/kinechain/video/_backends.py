"""Pose backends: one person's 13 keypoints (:data:`KEYPOINTS`) in an RGB image.

Two implementations share :class:`PoseBackend`:

* :class:`MediaPipeBackend` - MediaPipe 0.10.21 legacy ``solutions.pose`` (BlazePose GHUM,
  ``model_complexity=1``), whose model ships inside the wheel and runs offline.
* :class:`OnnxPoseBackend` - ONNX Runtime on an RTMPose-style top-down model whose weights the
  user supplies (nothing is downloaded). The image given to :meth:`detect` is the person crop.

Both are imported lazily; a missing package raises :class:`MissingDependencyError`.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import InputError, KinechainError, MissingDependencyError
from kinechain.video._types import KEYPOINTS

__all__ = [
    "MEDIAPIPE_INDEX",
    "Detection",
    "MediaPipeBackend",
    "OnnxPoseBackend",
    "PoseBackend",
    "decode_heatmap",
    "decode_simcc",
    "layout_for",
    "letterbox",
    "make_backend",
]

Detection = tuple[NDArray[np.float64], NDArray[np.float64]]

_INSTALL = "pip install 'kinechain[video]' and pip install --no-deps mediapipe==0.10.21"


@runtime_checkable
class PoseBackend(Protocol):
    """What the tracker needs from a pose model.

    ``detect`` returns ``(xy, conf)`` for the single most prominent person in ``rgb``:
    ``xy`` (13, 2) pixel coordinates in that image, ``conf`` (13,) in 0..1, in
    :data:`KEYPOINTS` order (NaN / 0 for keypoints the model does not have), or None when
    nobody is found. A backend may keep tracking state between calls (successive frames);
    ``reset`` forgets it so that the next image is treated as unrelated.
    """

    name: str

    def detect(self, rgb: NDArray[np.uint8]) -> Detection | None: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


def _missing(package: str, purpose: str) -> MissingDependencyError:
    err = MissingDependencyError(package, "video", purpose)
    if package.startswith("mediapipe"):
        text = f"{purpose} needs the optional package 'mediapipe': {_INSTALL}"
        err.args = (text,)
        err.msg = text  # ImportError.__str__ prints msg
    return err


# --------------------------------------------------------------------------- MediaPipe


_MP_QUIET = False  # set once MediaPipe has logged its one-off warnings
# File descriptor 2 is process-wide: graphs running in several threads take turns to silence it.
_QUIET_LOCK = threading.Lock()


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a moment: MediaPipe's C++ side logs
    start-up chatter (TFLite delegate, absl pre-init warnings) that GLOG settings miss."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


#: BlazePose landmark index of each of :data:`KEYPOINTS` (Bazarevsky et al. 2020, the
#: 33-landmark topology documented with ``mediapipe.solutions.pose.PoseLandmark``).
MEDIAPIPE_INDEX: tuple[int, ...] = (0, 11, 12, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32)


class MediaPipeBackend:
    """MediaPipe legacy pose (``model_complexity=1``).

    Parameters
    ----------
    still : bool
        ``static_image_mode``: run the person detector on every image (independent photos,
        search tiles). Without it (video mode) MediaPipe tracks the person from the previous
        call's landmarks and runs the detector only when it loses them.
    min_confidence : float
        ``min_detection_confidence`` (and tracking confidence in video mode).

    Landmark smoothing is off: the track is raw and filtered later, with gaps handled.
    A fresh backend given the same images in the same order gives identical output.
    """

    name = "mediapipe"

    def __init__(self, *, still: bool = False, min_confidence: float = 0.5) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")  # silence glog before the import
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        try:
            from mediapipe.python.solutions import pose as mp_pose
        except ImportError:
            raise _missing("mediapipe", "The MediaPipe pose backend") from None
        self._mp_pose: Any = mp_pose
        self.still = still
        self.min_confidence = min_confidence
        self._pose: Any = None
        self._index = np.asarray(MEDIAPIPE_INDEX)

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "model_complexity": 1,
            "static_image_mode": self.still,
            "min_detection_confidence": self.min_confidence,
            "smooth_landmarks": False,
            "enable_segmentation": False,
        }

    def _graph(self) -> Any:
        if self._pose is None:
            self._pose = self._mp_pose.Pose(
                static_image_mode=self.still,
                model_complexity=1,
                smooth_landmarks=False,
                enable_segmentation=False,
                min_detection_confidence=self.min_confidence,
                min_tracking_confidence=self.min_confidence,
            )
        return self._pose

    def detect(self, rgb: NDArray[np.uint8]) -> Detection | None:
        img = np.ascontiguousarray(rgb)
        global _MP_QUIET
        # A new graph logs on creation, and the first pose found in a process logs a
        # warning about non-square regions (harmless: regions are passed in pixels).
        if self._pose is None or not _MP_QUIET:
            with _QUIET_LOCK, _native_stderr_silenced():
                result = self._graph().process(img)
                _MP_QUIET = _MP_QUIET or result.pose_landmarks is not None
        else:
            result = self._pose.process(img)
        marks = result.pose_landmarks
        if marks is None:
            return None
        lm = marks.landmark
        raw = np.array(
            [(lm[i].x, lm[i].y, lm[i].visibility) for i in MEDIAPIPE_INDEX], dtype=np.float64
        )
        h, w = img.shape[:2]
        xy = raw[:, :2] * np.array([w, h], dtype=np.float64)
        conf = np.clip(raw[:, 2], 0.0, 1.0)
        return xy, conf

    def reset(self) -> None:
        if not self.still:  # image mode keeps no state between calls
            self.close()

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None


# --------------------------------------------------------------------------- ONNX / RTMPose

# RTMPose input normalisation (ImageNet statistics on RGB 0-255, as in mmpose's
# PoseDataPreprocessor configs for RTMPose; Jiang et al. 2023, arXiv:2303.07399).
_MEAN = np.array([123.675, 116.28, 103.53], dtype=np.float32)
_STD = np.array([58.395, 57.12, 57.375], dtype=np.float32)

# Index of each of KEYPOINTS in a model's layout, -1 where the layout lacks it.
# COCO-17: nose 0, shoulders 5/6, hips 11/12, knees 13/14, ankles 15/16 (Lin et al. 2014).
# Halpe-26 (Fang et al. 2022, AlphaPose): COCO-17 + 20/21 big toes, 24/25 heels.
# COCO-WholeBody-133 (Jin et al. 2020): COCO-17 + feet 17 L big toe, 19 L heel,
# 20 R big toe, 22 R heel.
_LAYOUTS: dict[int, tuple[str, tuple[int, ...]]] = {
    17: ("coco17", (0, 5, 6, 11, 12, 13, 14, 15, 16, -1, -1, -1, -1)),
    26: ("halpe26", (0, 5, 6, 11, 12, 13, 14, 15, 16, 24, 25, 20, 21)),
    133: ("wholebody133", (0, 5, 6, 11, 12, 13, 14, 15, 16, 19, 22, 17, 20)),
}


def layout_for(n_keypoints: int) -> tuple[str, NDArray[np.intp]]:
    """Name and index map (into the model's keypoints) for a model with ``n_keypoints``."""
    if n_keypoints not in _LAYOUTS:
        raise KinechainError(
            f"pose model has {n_keypoints} keypoints; supported layouts are COCO-17, "
            "Halpe-26 and COCO-WholeBody-133"
        )
    name, idx = _LAYOUTS[n_keypoints]
    return name, np.asarray(idx, dtype=np.intp)


def letterbox(
    rgb: NDArray[np.uint8], size_wh: tuple[int, int]
) -> tuple[NDArray[np.float32], float, tuple[float, float]]:
    """Fit the whole image into ``size_wh`` keeping its aspect ratio, centred, black padding.

    Returns the model input (1, 3, H, W) float32 normalised with the RTMPose mean/std, the
    scale and the offset: a model-input pixel ``u`` is image pixel ``(u - offset) / scale``
    (pixel-centre convention of ``cv2.warpAffine``).
    """
    import cv2

    w_in, h_in = size_wh
    h, w = rgb.shape[:2]
    scale = min(w_in / w, h_in / h)
    ox = (w_in - scale * w) / 2.0
    oy = (h_in - scale * h) / 2.0
    # Affine on pixel centres (dst = scale*src + offset), shifted so that the scaled image
    # is centred: pixel centres map exactly, padding is 0 (black) before normalisation.
    m = np.array([[scale, 0.0, ox + (scale - 1) / 2], [0.0, scale, oy + (scale - 1) / 2]])
    warped = cv2.warpAffine(
        rgb,
        m,
        (w_in, h_in),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    x = (warped.astype(np.float32) - _MEAN) / _STD
    tensor = np.ascontiguousarray(x.transpose(2, 0, 1)[None])
    return tensor, scale, (ox + (scale - 1) / 2, oy + (scale - 1) / 2)


def decode_simcc(
    simcc_x: NDArray[np.floating[Any]], simcc_y: NDArray[np.floating[Any]], ratio: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """SimCC (Li et al. 2022) 1-D classification vectors → input-pixel xy and confidence.

    ``simcc_x`` (K, W·s), ``simcc_y`` (K, H·s); the location is the argmax divided by the
    split ratio ``s``; the confidence is the smaller of the two maxima (as mmpose's
    ``get_simcc_maximum``), clipped to 0..1.
    """
    ix = np.argmax(simcc_x, axis=1)
    iy = np.argmax(simcc_y, axis=1)
    xy = np.stack([ix, iy], axis=1).astype(np.float64) / ratio
    conf = np.minimum(simcc_x.max(axis=1), simcc_y.max(axis=1)).astype(np.float64)
    return xy, np.clip(conf, 0.0, 1.0)


def decode_heatmap(
    heatmaps: NDArray[np.floating[Any]], input_wh: tuple[int, int]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Heatmaps (K, h, w) → input-pixel xy (argmax × input/heatmap size) and peak value."""
    k, h, w = heatmaps.shape
    flat = heatmaps.reshape(k, h * w)
    i = np.argmax(flat, axis=1)
    iy, ix = np.divmod(i, w)
    xy = np.stack([ix * (input_wh[0] / w), iy * (input_wh[1] / h)], axis=1).astype(np.float64)
    conf = np.clip(flat[np.arange(k), i].astype(np.float64), 0.0, 1.0)
    return xy, conf


class OnnxPoseBackend:
    """An RTMPose-style top-down pose model run with ONNX Runtime on the CPU.

    The image passed to :meth:`detect` is the person crop: it is letterboxed into the
    model's input (read from the model, e.g. 1×3×256×192), normalised, run, and the
    keypoints (SimCC pair or heatmaps, layout chosen from the keypoint count) mapped back.
    Stateless: :meth:`reset` does nothing.
    """

    name = "onnx"

    def __init__(self, model_path: str | Path, *, threads: int = 2) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise InputError(
                path,
                "pose model file not found; RTMPose ONNX weights must be supplied by path "
                "(nothing is downloaded)",
            )
        try:
            import onnxruntime as ort
        except ImportError:
            raise _missing("onnxruntime", "The ONNX pose backend") from None
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self._session: Any = ort.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # ORT raises its own exception types for bad files
            raise InputError(
                path,
                "not an ONNX model ONNX Runtime can load; RTMPose ONNX weights must be "
                f"supplied ({type(exc).__name__})",
            ) from None
        self.path = path
        inp = self._session.get_inputs()[0]
        shape = list(inp.shape)
        if len(shape) != 4 or not all(isinstance(s, int) for s in shape[2:]):
            raise InputError(
                path, f"model input {inp.name} has shape {shape}; expected N×3×H×W with fixed H, W"
            )
        self._input_name = str(inp.name)
        self.input_wh = (int(shape[3]), int(shape[2]))
        outs = self._session.get_outputs()
        self._output_names = [str(o.name) for o in outs]
        self.kind = self._output_kind(path, outs)
        self.layout = ""
        self._index: NDArray[np.intp] | None = None

    def _output_kind(self, path: Path, outs: list[Any]) -> str:
        if len(outs) == 2 and all(len(o.shape) == 3 for o in outs):
            names = [str(o.name).lower() for o in outs]
            # simcc_x / simcc_y by name; otherwise in order (x first, as RTMPose exports).
            if names[0].endswith("y") and names[1].endswith("x"):
                self._output_names.reverse()
            return "simcc"
        if len(outs) >= 1 and len(outs[0].shape) == 4:
            self._output_names = self._output_names[:1]
            return "heatmap"
        raise InputError(
            path, "model outputs are neither a SimCC pair (1,K,Wx) (1,K,Hy) nor heatmaps (1,K,h,w)"
        )

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "model": str(self.path),
            "input_wh": list(self.input_wh),
            "output": self.kind,
            "layout": self.layout,
        }

    def detect(self, rgb: NDArray[np.uint8]) -> Detection | None:
        tensor, scale, (ox, oy) = letterbox(rgb, self.input_wh)
        outputs = self._session.run(self._output_names, {self._input_name: tensor})
        if self.kind == "simcc":
            sx = np.asarray(outputs[0])[0]
            sy = np.asarray(outputs[1])[0]
            ratio = sx.shape[1] / self.input_wh[0]
            xy_in, conf_all = decode_simcc(sx, sy, ratio)
        else:
            xy_in, conf_all = decode_heatmap(np.asarray(outputs[0])[0], self.input_wh)
        if self._index is None:
            self.layout, self._index = layout_for(xy_in.shape[0])
        idx = self._index
        have = idx >= 0
        xy = np.full((len(KEYPOINTS), 2), np.nan)
        conf = np.zeros(len(KEYPOINTS))
        xy[have] = (xy_in[idx[have]] - np.array([ox, oy])) / scale
        conf[have] = conf_all[idx[have]]
        if not np.any(conf > 0):
            return None
        return xy, conf

    def reset(self) -> None:
        return None

    def close(self) -> None:
        self._session = None


# --------------------------------------------------------------------------- factory


def make_backend(
    name: str = "mediapipe", model: str | Path | None = None, *, still: bool = False
) -> PoseBackend:
    """A backend by name: ``"mediapipe"`` (default) or ``"onnx"`` (needs ``model``)."""
    key = name.strip().lower()
    if key == "mediapipe":
        return MediaPipeBackend(still=still)
    if key in ("onnx", "rtmpose"):
        if model is None:
            raise InputError(
                None,
                "the onnx backend needs --pose-model PATH: RTMPose ONNX weights must be "
                "supplied (nothing is downloaded)",
                field="pose model",
            )
        return OnnxPoseBackend(model)
    raise InputError(
        None, f"unknown pose backend {name!r}; use 'mediapipe' or 'onnx'", field="backend"
    )
