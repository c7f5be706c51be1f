"""Pose backends: ONNX decoding checked with constructed models, MediaPipe on the real demo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from videokit import demo, heatmap_constant, heatmap_from_input, simcc_from_input

from kinechain.errors import InputError, KinechainError, MissingDependencyError
from kinechain.video._backends import (
    MEDIAPIPE_INDEX,
    MediaPipeBackend,
    OnnxPoseBackend,
    PoseBackend,
    decode_simcc,
    layout_for,
    letterbox,
    make_backend,
)
from kinechain.video._decode import frames
from kinechain.video._types import KEYPOINTS, KP


def _dot_image(w: int, h: int, u: int, v: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[v, u] = 255
    return img


# --------------------------------------------------------------------------- ONNX


@pytest.mark.parametrize(("k", "layout"), [(17, "coco17"), (26, "halpe26"), (133, "wholebody133")])
def test_simcc_peaks_map_back_through_letterbox(tmp_path: Path, k: int, layout: str) -> None:
    """Input-derived SimCC: the peak is the bright pixel; 64×64 into 192×256 is scale 3 with
    32 px of padding above and below, so the dot must come back exactly where it was."""
    model = simcc_from_input(tmp_path / "simcc.onnx", k)
    be = OnnxPoseBackend(model)
    assert be.input_wh == (192, 256) and be.kind == "simcc"
    for u, v in [(10, 50), (0, 0), (63, 63), (31, 7)]:
        det = be.detect(_dot_image(64, 64, u, v))
        assert det is not None
        xy, conf = det
        assert be.layout == layout
        has_feet = k != 17
        feet = [KP[n] for n in ("left_heel", "right_heel", "left_toe", "right_toe")]
        body = [i for i in range(len(KEYPOINTS)) if i not in feet]
        np.testing.assert_allclose(xy[body], np.tile([u, v], (len(body), 1)), atol=1e-9)
        np.testing.assert_array_equal(conf[body], 1.0)
        if has_feet:
            np.testing.assert_allclose(xy[feet], np.tile([u, v], (4, 1)), atol=1e-9)
        else:
            assert np.isnan(xy[feet]).all() and (conf[feet] == 0).all()
    # A black image: every SimCC maximum is the normalised black level (< 0) → nobody.
    assert be.detect(np.zeros((64, 64, 3), np.uint8)) is None
    be.close()


def test_simcc_wide_image_padding_left_right(tmp_path: Path) -> None:
    # 128 wide × 64 tall into 192×256: scale 1.5 (width-bound), 80 px padding top/bottom.
    be = OnnxPoseBackend(simcc_from_input(tmp_path / "m.onnx", 17))
    for u, v in [(2, 2), (100, 40), (126, 62)]:
        det = be.detect(_dot_image(128, 64, u, v))
        assert det is not None
        # Scale 1.5 puts the dot between input pixels: within half an input pixel (1/3 px).
        np.testing.assert_allclose(det[0][KP["left_knee"]], [u, v], atol=0.5 / 1.5 + 1e-9)


def test_heatmap_full_resolution_from_input(tmp_path: Path) -> None:
    be = OnnxPoseBackend(heatmap_from_input(tmp_path / "hm.onnx", 26))
    assert be.kind == "heatmap"
    det = be.detect(_dot_image(64, 64, 17, 45))
    assert det is not None
    np.testing.assert_allclose(det[0], np.tile([17, 45], (13, 1)), atol=1e-9)


def test_heatmap_stride4_constant_peaks(tmp_path: Path) -> None:
    """A model that ignores the image: keypoint j peaks at heatmap cell peaks[j]; decoded
    input pixel = cell × 4; image pixel = (input - padding offset) / scale."""
    rng = np.random.default_rng(7)
    peaks = np.stack([rng.integers(0, 48, 133), rng.integers(0, 64, 133)], axis=1)
    be = OnnxPoseBackend(heatmap_constant(tmp_path / "c.onnx", peaks))
    det = be.detect(np.full((64, 64, 3), 90, np.uint8))
    assert det is not None
    xy, conf = det
    _, idx = layout_for(133)
    # letterbox: scale 3, centred vertically by 32 px, pixel-centre shift (scale-1)/2 = 1
    expected = (peaks[idx] * 4.0 - np.array([1.0, 33.0])) / 3.0
    np.testing.assert_allclose(xy, expected, atol=1e-9)
    np.testing.assert_allclose(conf, 0.9, atol=1e-6)


def test_letterbox_geometry_and_normalisation() -> None:
    img = np.zeros((64, 64, 3), np.uint8)
    img[:] = (124, 116, 104)
    tensor, scale, (ox, oy) = letterbox(img, (192, 256))
    assert tensor.shape == (1, 3, 256, 192) and tensor.dtype == np.float32
    assert scale == 3.0 and (ox, oy) == (1.0, 33.0)
    # Inside: (value - mean)/std of RTMPose; padding: the normalised black.
    np.testing.assert_allclose(tensor[0, :, 128, 96], [0.00556, -0.00490, 0.00819], atol=1e-4)
    np.testing.assert_allclose(
        tensor[0, :, 0, 96], [-123.675 / 58.395, -116.28 / 57.12, -103.53 / 57.375], rtol=1e-6
    )


def test_decode_simcc_ratio_and_confidence() -> None:
    sx = np.zeros((2, 20))
    sy = np.zeros((2, 30))
    sx[0, 7], sy[0, 12] = 0.8, 0.6
    sx[1, 19], sy[1, 0] = 2.0, 1.5
    xy, conf = decode_simcc(sx, sy, 2.0)
    np.testing.assert_allclose(xy, [[3.5, 6.0], [9.5, 0.0]])
    np.testing.assert_allclose(conf, [0.6, 1.0])


def test_missing_or_bad_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"rtm\.onnx: pose model file not found; RTMPose ONNX"):
        OnnxPoseBackend(tmp_path / "rtm.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_text("not a model")
    with pytest.raises(InputError, match=r"junk\.onnx: not an ONNX model.*RTMPose ONNX weights"):
        OnnxPoseBackend(junk)
    with pytest.raises(InputError, match="needs --pose-model"):
        make_backend("onnx")
    with pytest.raises(InputError, match="unknown pose backend"):
        make_backend("openpose")
    with pytest.raises(KinechainError, match="COCO-17, Halpe-26"):
        layout_for(21)


def test_missing_dependency_message() -> None:
    from kinechain.video._backends import _missing

    err = _missing("mediapipe", "The MediaPipe pose backend")
    assert isinstance(err, MissingDependencyError) and isinstance(err, ImportError)
    msg = str(err)
    assert "pip install 'kinechain[video]'" in msg
    assert "pip install --no-deps mediapipe==0.10.21" in msg


# --------------------------------------------------------------------------- MediaPipe


@pytest.fixture(scope="module")
def demo_frames() -> list[np.ndarray]:
    return [rgb for i, _, rgb in frames(demo(), step=4) if 80 <= i < 160]


def test_mediapipe_mapping_on_the_walking_woman(demo_frames: list[np.ndarray]) -> None:
    """Run on a crop of the lower right of frame 80 (the woman, not the man on the box)."""
    assert MEDIAPIPE_INDEX[KP["left_hip"]] == 23 and MEDIAPIPE_INDEX[KP["right_toe"]] == 32
    be = make_backend("mediapipe", still=True)
    assert isinstance(be, PoseBackend) and be.name == "mediapipe"
    crop = demo_frames[0][450:994, 1000:1544]
    det = be.detect(crop)
    assert det is not None
    xy, conf = det
    assert xy.shape == (13, 2) and conf.shape == (13,)
    assert ((conf >= 0) & (conf <= 1)).all()
    # Pixel coordinates in the crop: hips above knees above ankles, feet at the bottom.
    y = xy[:, 1]
    assert y[KP["nose"]] < y[KP["left_hip"]] < y[KP["left_knee"]] < y[KP["left_ankle"]]
    assert y[KP["nose"]] < y[KP["right_hip"]] < y[KP["right_knee"]] < y[KP["right_ankle"]]
    assert 0 < xy[:, 0].min() and xy[:, 0].max() < crop.shape[1]
    assert conf[[KP["left_hip"], KP["right_hip"]]].min() > 0.9
    be.close()


def test_mediapipe_is_deterministic(demo_frames: list[np.ndarray]) -> None:
    def run() -> tuple[np.ndarray, np.ndarray]:
        be = MediaPipeBackend()  # video (tracking) mode
        out = [be.detect(f) for f in demo_frames]
        be.close()
        assert all(d is not None for d in out)
        return np.stack([d[0] for d in out if d]), np.stack([d[1] for d in out if d])

    a = run()
    b = run()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    # reset() gives a fresh tracking state: the same frames again give the same arrays.
    be = MediaPipeBackend()
    first = [be.detect(f) for f in demo_frames[:5]]
    be.reset()
    again = [be.detect(f) for f in demo_frames[:5]]
    be.close()
    for x, y in zip(first, again, strict=True):
        assert x is not None and y is not None
        np.testing.assert_array_equal(x[0], y[0])
