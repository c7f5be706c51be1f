"""Test helpers for kinechain.video: small real videos, container patches, tiny ONNX models."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT.parent / "shared" / "data" / "video" / "sports2d" / "demo.mp4"


def demo() -> Path:
    if not DEMO.exists():
        raise FileNotFoundError(f"shared data missing: {DEMO} (expected ../shared/data)")
    return DEMO


# --------------------------------------------------------------------------- videos

SQUARE = 8  # side of the moving white square, px


def pattern_frame(i: int, width: int = 96, height: int = 64) -> NDArray[np.uint8]:
    """BGR frame i of the test pattern: a white square moving right 2 px a frame, a red bar
    fixed in the top-left corner (to see rotations)."""
    f = np.full((height, width, 3), 40, np.uint8)
    f[2:6, 2:30] = (0, 0, 255)
    x = 4 + (2 * i) % (width - SQUARE - 8)
    f[height // 2 : height // 2 + SQUARE, x : x + SQUARE] = 255
    return f


def square_x(i: int, width: int = 96) -> float:
    """Centre x of the white square in frame i (pixel-centre coordinates)."""
    return 4 + (2 * i) % (width - SQUARE - 8) + (SQUARE - 1) / 2


def write_pattern(
    path: Path, fps: float, n: int, *, fourcc: str = "mp4v", size: tuple[int, int] = (96, 64)
) -> Path:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert w.isOpened(), f"cannot write {path} with {fourcc}"
    for i in range(n):
        w.write(pattern_frame(i, *size))
    w.release()
    return path


def write_frames(path: Path, frames: list[NDArray[np.uint8]], fps: float) -> Path:
    """Write RGB frames as VP8 WebM."""
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), fps, (w, h))
    assert out.isOpened()
    for f in frames:
        out.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    out.release()
    return path


_IDENTITY = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def set_mp4_rotation(src: Path, dst: Path, degrees: int) -> Path:
    """Copy an MP4 with the video track's display matrix (``tkhd``) set to a rotation.

    ISO/IEC 14496-12 §8.3.2: the matrix {a b u; c d v; x y w} in 16.16 fixed point;
    a rotation by θ is a = cos θ, b = sin θ, c = -sin θ, d = cos θ. This is where phones
    store their orientation; OpenCV reports it as CAP_PROP_ORIENTATION_META.
    """
    data = src.read_bytes()
    k = data.find(b"tkhd")
    j = data.find(_IDENTITY, k)
    assert k > 0 and j > k, "no identity matrix in tkhd"
    t = np.deg2rad(degrees)
    cos, sin = round(np.cos(t)), round(np.sin(t))
    vals = [cos << 16, sin << 16, 0, (-sin) << 16, cos << 16, 0, 0, 0, 0x40000000]
    matrix = struct.pack(">9I", *(v & 0xFFFFFFFF for v in vals))
    dst.write_bytes(data[:j] + matrix + data[j + len(_IDENTITY) :])
    return dst


def set_avi_frame_count(src: Path, dst: Path, count: int) -> Path:
    """Copy an AVI whose headers (avih dwTotalFrames, strh dwLength) claim ``count`` frames."""
    b = bytearray(src.read_bytes())
    k = b.find(b"avih")
    b[k + 24 : k + 28] = struct.pack("<I", count)
    k = b.find(b"strh")
    b[k + 40 : k + 44] = struct.pack("<I", count)
    dst.write_bytes(bytes(b))
    return dst


def jpeg_with_orientation(path: Path, bgr: NDArray[np.uint8], orientation: int) -> Path:
    """Write a JPEG carrying an EXIF APP1 segment with one tag: Orientation (0x0112)."""
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    jpg = buf.tobytes()
    ifd = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    path.write_bytes(jpg[:2] + app1 + jpg[2:])
    return path


# --------------------------------------------------------------------------- ONNX models


def _save(graph: object, path: Path) -> Path:
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def simcc_from_input(path: Path, k: int, h: int = 256, w: int = 192, ratio: int = 2) -> Path:
    """SimCC model whose peaks are the brightest column/row of its input, for all k keypoints.

    input (1,3,h,w) → max over channels → max over rows = simcc_x (1,1,w), over columns =
    simcc_y (1,1,h) → each value repeated ``ratio`` times → (1,k,w·ratio), (1,k,h·ratio).
    """
    from onnx import TensorProto, helper

    def spread(src: str, n: int, name: str) -> list[object]:
        return [
            helper.make_node("Unsqueeze", [src, "ax3"], [f"{name}_u"]),  # (1,1,n,1)
            helper.make_node("Expand", [f"{name}_u", f"{name}_rep"], [f"{name}_e"]),
            helper.make_node("Reshape", [f"{name}_e", f"{name}_flat"], [f"{name}_r"]),
            helper.make_node("Expand", [f"{name}_r", f"{name}_k"], [name]),
        ]

    inits = [
        helper.make_tensor("ax1", TensorProto.INT64, [1], [1]),
        helper.make_tensor("ax2", TensorProto.INT64, [1], [2]),
        helper.make_tensor("ax3", TensorProto.INT64, [1], [3]),
        helper.make_tensor("simcc_x_rep", TensorProto.INT64, [4], [1, 1, w, ratio]),
        helper.make_tensor("simcc_x_flat", TensorProto.INT64, [3], [1, 1, w * ratio]),
        helper.make_tensor("simcc_x_k", TensorProto.INT64, [3], [1, k, w * ratio]),
        helper.make_tensor("simcc_y_rep", TensorProto.INT64, [4], [1, 1, h, ratio]),
        helper.make_tensor("simcc_y_flat", TensorProto.INT64, [3], [1, 1, h * ratio]),
        helper.make_tensor("simcc_y_k", TensorProto.INT64, [3], [1, k, h * ratio]),
    ]
    nodes = [
        helper.make_node("ReduceMax", ["input", "ax1"], ["gray"], keepdims=0),  # (1,h,w)
        helper.make_node("ReduceMax", ["gray", "ax1"], ["colmax"], keepdims=1),  # (1,1,w)
        helper.make_node("ReduceMax", ["gray", "ax2"], ["rowmax4"], keepdims=1),  # (1,h,1)
        helper.make_node("Transpose", ["rowmax4"], ["rowmax"], perm=[0, 2, 1]),  # (1,1,h)
        *spread("colmax", w, "simcc_x"),
        *spread("rowmax", h, "simcc_y"),
    ]
    graph = helper.make_graph(
        nodes,
        "simcc_from_input",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, h, w])],
        [
            helper.make_tensor_value_info("simcc_x", TensorProto.FLOAT, [1, k, w * ratio]),
            helper.make_tensor_value_info("simcc_y", TensorProto.FLOAT, [1, k, h * ratio]),
        ],
        inits,
    )
    return _save(graph, path)


def heatmap_from_input(path: Path, k: int, h: int = 256, w: int = 192) -> Path:
    """Heatmap model at input resolution: every keypoint's heatmap is the input's channel max."""
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [
            helper.make_node("ReduceMax", ["input", "ax1"], ["gray"], keepdims=1),
            helper.make_node("Expand", ["gray", "shape"], ["heatmaps"]),
        ],
        "heatmap_from_input",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, h, w])],
        [helper.make_tensor_value_info("heatmaps", TensorProto.FLOAT, [1, k, h, w])],
        [
            helper.make_tensor("ax1", TensorProto.INT64, [1], [1]),
            helper.make_tensor("shape", TensorProto.INT64, [4], [1, k, h, w]),
        ],
    )
    return _save(graph, path)


def heatmap_constant(
    path: Path, peaks: NDArray[np.int64], *, h: int = 256, w: int = 192, stride: int = 4
) -> Path:
    """Heatmaps (1,K,h/stride,w/stride) that ignore the image: keypoint j peaks (value 0.9)
    at heatmap cell ``peaks[j] = (col, row)``; the input only enters through ``0 × mean``."""
    from onnx import TensorProto, helper, numpy_helper

    k = len(peaks)
    hm = np.zeros((1, k, h // stride, w // stride), np.float32)
    for j, (c, r) in enumerate(peaks):
        hm[0, j, r, c] = 0.9
        hm[0, j, r, (c + 1) % hm.shape[3]] = 0.3  # a weaker neighbour, not a second peak
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["input"], ["m"], keepdims=1),
            helper.make_node("Mul", ["m", "zero"], ["z"]),
            helper.make_node("Add", ["hm", "z"], ["heatmaps"]),
        ],
        "heatmap_constant",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, h, w])],
        [helper.make_tensor_value_info("heatmaps", TensorProto.FLOAT, list(hm.shape))],
        [
            numpy_helper.from_array(hm, "hm"),
            numpy_helper.from_array(np.zeros(1, np.float32), "zero"),
        ],
    )
    return _save(graph, path)
