"""Decoding with OpenCV: counts, frame rates, times, rotation flags, bad files, EXIF photos."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from videokit import (
    demo,
    jpeg_with_orientation,
    pattern_frame,
    set_avi_frame_count,
    set_mp4_rotation,
    square_x,
    write_pattern,
)

from kinechain.errors import DataFormatError, InputError
from kinechain.video._decode import frames, prefetched, probe, read_image


def _square_centre_x(rgb: np.ndarray) -> float:
    white = (rgb.min(axis=2) > 200).astype(float)
    cols = white.sum(axis=0)
    return float((cols * np.arange(rgb.shape[1])).sum() / cols.sum())


@pytest.mark.parametrize(
    ("fourcc", "ext", "fps"),
    [
        ("VP80", "webm", 24.0),
        ("mp4v", "mp4", 24.0),
        ("VP80", "webm", 60.0),
        ("mp4v", "mov", 60.0),
        ("mp4v", "mp4", 240.0),
        ("VP80", "mkv", 240.0),
        ("MJPG", "avi", 30.0),
    ],
)
def test_counts_fps_times_and_motion(tmp_path: Path, fourcc: str, ext: str, fps: float) -> None:
    n = 37
    path = write_pattern(tmp_path / f"pattern.{ext}", fps, n, fourcc=fourcc)
    info = probe(path, count_frames=True)
    assert info.fps == pytest.approx(fps, rel=1e-6)
    assert info.n_frames == n
    assert (info.width, info.height, info.rotation) == (96, 64, 0)
    got = list(frames(path))
    assert [i for i, _, _ in got] == list(range(n))
    np.testing.assert_allclose([t for _, t, _ in got], np.arange(n) / fps)
    # The known pattern moves 2 px a frame; lossy codecs keep its centre within 1 px.
    xs = np.array([_square_centre_x(rgb) for _, _, rgb in got])
    np.testing.assert_allclose(xs, [square_x(i) for i in range(n)], atol=1.0)
    # RGB order: the fixed bar is red.
    bar = got[0][2][3, 10].astype(int)
    assert bar[0] > 150 and bar[2] < 100


def test_step_skips_frames(tmp_path: Path) -> None:
    path = write_pattern(tmp_path / "p.mp4", 30.0, 20)
    got = list(frames(path, step=3))
    assert [i for i, _, _ in got] == list(range(0, 20, 3))
    xs = [_square_centre_x(rgb) for _, _, rgb in got]
    np.testing.assert_allclose(xs, [square_x(i) for i in range(0, 20, 3)], atol=1.0)


def test_header_count_wrong_decoded_count_wins(tmp_path: Path) -> None:
    src = write_pattern(tmp_path / "p.avi", 30.0, 30, fourcc="MJPG")
    liar = set_avi_frame_count(src, tmp_path / "liar.avi", 999)
    assert probe(liar).n_frames == 999  # what the header says
    assert probe(liar, count_frames=True).n_frames == 30  # what decodes
    assert sum(1 for _ in frames(liar)) == 30


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotation_flag_applied_exactly_once(tmp_path: Path, degrees: int) -> None:
    """A real MP4 whose tkhd display matrix carries a rotation (as phones write it)."""
    src = write_pattern(tmp_path / "p.mp4", 30.0, 12)
    rotated = set_mp4_rotation(src, tmp_path / f"r{degrees}.mp4", degrees)
    info = probe(rotated)
    assert info.rotation == degrees
    if degrees == 180:
        assert (info.width, info.height) == (96, 64)
    else:
        assert (info.width, info.height) == (64, 96)
    code = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }[degrees]
    plain = [rgb for _, _, rgb in frames(src)]
    turned = [rgb for _, _, rgb in frames(rotated)]
    assert len(turned) == len(plain) == 12
    for a, b in zip(plain, turned, strict=True):
        np.testing.assert_array_equal(cv2.rotate(a, code), b)
    # Upright means the red corner bar of the pattern went where the flag says (clockwise).
    red = (turned[0][..., 0] > 150) & (turned[0][..., 2] < 100)
    ys, xs = np.nonzero(red)
    h, w = turned[0].shape[:2]
    corner = {90: (0, w - 1), 180: (h - 1, w - 1), 270: (h - 1, 0)}[degrees]
    assert min(abs(ys - corner[0])) <= 3 and min(abs(xs - corner[1])) <= 3


def test_demo_video_probe() -> None:
    info = probe(demo())
    assert (info.width, info.height, info.rotation) == (1768, 994, 0)
    assert info.fps == pytest.approx(30.0)
    assert info.n_frames == 230


def test_text_file_named_mp4_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "walk.mp4"
    fake.write_text("this is not a video\n" * 200)
    with pytest.raises(DataFormatError, match=r"walk\.mp4: not a video OpenCV can decode"):
        probe(fake)
    with pytest.raises(DataFormatError, match="not a video OpenCV can decode"):
        list(frames(fake))


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found") as err:
        probe(tmp_path / "nope.mp4")
    assert not isinstance(err.value, DataFormatError)
    with pytest.raises(InputError, match="file not found"):
        read_image(tmp_path / "nope.jpg")


def test_single_image_is_not_a_video(tmp_path: Path) -> None:
    still = tmp_path / "still.png"
    cv2.imwrite(str(still), pattern_frame(0))
    with pytest.raises(DataFormatError):
        probe(still)


def test_frame_rate_limits(tmp_path: Path) -> None:
    too_fast = write_pattern(tmp_path / "fast.mp4", 1500.0, 5)
    with pytest.raises(DataFormatError, match=r"fps: frame rate 1500 fps is outside 1-1000"):
        probe(too_fast)
    too_slow = write_pattern(tmp_path / "slow.mp4", 0.5, 5)
    with pytest.raises(DataFormatError, match="outside 1-1000"):
        probe(too_slow)
    slow = write_pattern(tmp_path / "ten.mp4", 10.0, 5)
    with pytest.warns(UserWarning, match="10 fps is outside the usual 24-240"):
        assert probe(slow).fps == pytest.approx(10.0)
    usual = write_pattern(tmp_path / "usual.mp4", 240.0, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probe(usual)


def test_read_image_applies_exif_orientation(tmp_path: Path) -> None:
    bgr = pattern_frame(0)  # 96×64, red bar top-left
    plain = tmp_path / "plain.png"
    cv2.imwrite(str(plain), bgr)
    rgb = read_image(plain)
    np.testing.assert_array_equal(rgb, bgr[..., ::-1])
    # EXIF Orientation 6 = "rotate 90° clockwise to display".
    photo = jpeg_with_orientation(tmp_path / "phone.jpg", bgr, 6)
    up = read_image(photo)
    assert up.shape == (96, 64, 3)
    expected = cv2.rotate(bgr[..., ::-1], cv2.ROTATE_90_CLOCKWISE)
    assert np.abs(up.astype(int) - expected.astype(int)).mean() < 3.0
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(DataFormatError, match="not an image OpenCV can decode"):
        read_image(bad)


def test_prefetch_and_bgr_give_the_same_frames(tmp_path: Path) -> None:
    path = write_pattern(tmp_path / "p.webm", 30.0, 25, fourcc="VP80")
    plain = list(frames(path, step=2))
    ahead = list(frames(path, step=2, prefetch=3))
    assert [(i, t) for i, t, _ in ahead] == [(i, t) for i, t, _ in plain]
    for (_, _, a), (_, _, b) in zip(plain, ahead, strict=True):
        np.testing.assert_array_equal(a, b)
    bgr = list(frames(path, step=2, bgr=True))
    for (_, _, a), (_, _, b) in zip(plain, bgr, strict=True):
        np.testing.assert_array_equal(a, b[..., ::-1])


def test_prefetch_stops_early_and_forwards_errors(tmp_path: Path) -> None:
    import threading

    before = threading.active_count()
    path = write_pattern(tmp_path / "p.mp4", 30.0, 40)
    it = frames(path, prefetch=2)
    assert [next(it)[0] for _ in range(3)] == [0, 1, 2]
    it.close()  # the decoding thread ends and the file is released
    assert threading.active_count() == before
    fake = tmp_path / "walk.mp4"
    fake.write_text("this is not a video\n" * 200)
    with pytest.raises(DataFormatError, match="not a video OpenCV can decode"):
        list(frames(fake, prefetch=2))
    with pytest.raises(InputError, match="file not found"):
        list(frames(tmp_path / "nope.mp4", prefetch=2))
    assert threading.active_count() == before

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("broken at the second item")

    got = prefetched(failing(), 1)
    assert next(got) == 1
    with pytest.raises(ValueError, match="second item"):
        next(got)
