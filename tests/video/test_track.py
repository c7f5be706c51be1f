"""Following the walking subject in the real demo video; left/right swap repair on exact cases."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from videokit import demo, write_frames, write_pattern

from kinechain.errors import InputError
from kinechain.video._decode import frames
from kinechain.video._track import LR_PAIRS, _square, _tiles, resolve_swaps, track_subject
from kinechain.video._types import KEYPOINTS, KP, PoseTrack

W, H, N = 1768, 994, 230


def _hips(track: PoseTrack) -> np.ndarray:
    return (track.point("left_hip") + track.point("right_hip")) / 2


@pytest.fixture(scope="session")
def demo_tracks() -> tuple[PoseTrack, PoseTrack, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    first = track_subject(demo(), progress=lambda done, total: calls.append((done, total)))
    second = track_subject(demo())
    print(
        f"\ndemo: subject found in {first.meta['frames_found']}/{first.n_frames} frames, "
        f"{first.swaps} swapped frames undone {first.meta['swapped_frames']}"
    )
    return first, second, calls


def test_demo_subject_is_the_walking_woman(demo_tracks: tuple[PoseTrack, ...]) -> None:
    track = demo_tracks[0]
    assert track.n_frames == N and track.info.n_frames == N
    assert track.xy.shape == (N, len(KEYPOINTS), 2) and track.conf.shape == (N, len(KEYPOINTS))
    np.testing.assert_allclose(track.time, np.arange(N) / 30.0)
    hips = _hips(track)
    found = np.isfinite(hips[:, 0])
    n_found = int(found.sum())
    # She enters from the right at about frame 38 and leaves on the left at about 200;
    # before and after, the man (jumping jacks, flip, running) is the only person.
    assert 150 <= n_found <= 175
    assert n_found == track.meta["frames_found"]
    first, last = np.flatnonzero(found)[[0, -1]]
    assert 33 <= first <= 45 and 195 <= last <= 205
    assert found[first : last + 1].all()  # never lost while in view
    # Every frame where found: her hips, low in the frame, moving right to left.
    y = hips[found, 1]
    assert y.min() > 0.55 * H and y.mean() > 0.65 * H
    travel = hips[first, 0] - hips[last, 0]
    assert travel > 0.5 * W
    assert (np.diff(hips[found, 0]) < 25).all()  # never a jump to someone else
    # Missing frames are empty, not somebody else's keypoints.
    assert np.isnan(track.xy[~found]).all() and (track.conf[~found] == 0).all()
    assert np.isnan(track.box[~found]).all() and np.isfinite(track.box[found]).all()
    # Why she was chosen is recorded, with the man as the other candidate.
    meta = track.meta
    assert len(meta["tiles"]) == 4 and meta["tiles"][0] == [0, 0, W, H]
    travels = sorted(c["travel_body_heights"] for c in meta["candidates"])
    assert len(travels) >= 2 and travels[0] < 0.1 and travels[-1] > 0.3
    assert meta["chosen"]["travel_body_heights"] == travels[-1]
    assert meta["chosen"]["hip_start_px"][0] > 0.8 * W  # found as she entered on the right
    assert "horizontal travel" in meta["reason"]


def test_demo_two_runs_identical(demo_tracks: tuple[PoseTrack, ...]) -> None:
    a, b = demo_tracks[0], demo_tracks[1]
    np.testing.assert_array_equal(a.xy, b.xy)
    np.testing.assert_array_equal(a.conf, b.conf)
    np.testing.assert_array_equal(a.box, b.box)
    assert a.swaps == b.swaps


def test_demo_swaps_counted_and_legs_continuous(demo_tracks: tuple[PoseTrack, ...]) -> None:
    track = demo_tracks[0]
    assert track.swaps == len(track.meta["swapped_frames"])
    assert 0 < track.swaps <= 20  # MediaPipe mislabels a few side-view frames
    # After the repair each ankle moves continuously: no frame-to-frame jump of more than
    # half the hip-ankle distance relative to the hip (a label swap jumps ~the step length).
    hips = _hips(track)
    # Frames with her well inside the picture (at the edges the model guesses feet that
    # are out of view, or behind the tree trunk on the right).
    inner = np.flatnonzero((hips[:, 0] > 0.12 * W) & (hips[:, 0] < 0.8 * W))
    assert len(inner) > 110 and (np.diff(inner) == 1).all()
    for side in ("left", "right"):
        rel = track.point(f"{side}_ankle")[inner] - hips[inner]
        jumps = np.abs(np.diff(rel[:, 0]))
        assert np.median(jumps) < 15 and jumps.max() < 60, side


def test_progress_called_with_increasing_counts(demo_tracks: tuple[PoseTrack, ...]) -> None:
    calls = demo_tracks[2]
    done = [d for d, _ in calls]
    assert done == list(range(1, N + 1))
    assert all(total == N for _, total in calls)


def test_one_walker_video_gives_the_same_subject(
    tmp_path: Path, demo_tracks: tuple[PoseTrack, ...]
) -> None:
    """The demo cut to its lower part (the man on the box excluded) and to the frames before
    he lands in view, at half size, written as VP8 WebM: the same woman, same hips."""
    top, n = 477, 186
    clip = [
        cv2.resize(rgb[top:], (W // 2, (H - top) // 2), interpolation=cv2.INTER_AREA)
        for i, _, rgb in frames(demo())
        if i < n
    ]
    path = write_frames(tmp_path / "one_walker.webm", clip, 30.0)
    track = track_subject(path)
    assert track.n_frames == n
    hips = _hips(track) * 2 + [0, top]
    ref = _hips(demo_tracks[0])[:n]
    both = np.isfinite(hips[:, 0]) & np.isfinite(ref[:, 0])
    assert both.sum() >= 140
    assert np.isfinite(hips[:, 0]).sum() - both.sum() <= 5
    dist = np.hypot(*(hips[both] - ref[both]).T)
    assert np.median(dist) < 6 and dist.max() < 30  # px in the full-size frame


def test_video_with_nobody_is_a_clear_error(tmp_path: Path) -> None:
    path = write_pattern(tmp_path / "empty.mp4", 30.0, 45, size=(320, 240))
    with pytest.raises(InputError, match=r"empty\.mp4: no person found in the video"):
        track_subject(path)


# --------------------------------------------------------------------------- swaps


def _walk(n: int = 120, seed: int = 3) -> np.ndarray:
    """Synthetic side-view walk: hips move left 4 px/frame; the legs swing in anti-phase
    (crossing twice a stride); the swinging foot lifts. Exact labels, small noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    xy = np.zeros((n, len(KEYPOINTS), 2))
    hip = np.stack([1500 - 4.0 * t, np.full(n, 700.0)], axis=1)
    xy[:, KP["nose"]] = hip + np.array([-10, -300])
    for side, phase in (("left", 0.0), ("right", np.pi)):
        a = 2 * np.pi * t / 36 + phase
        swing = np.sin(a)
        lift = 25 * np.clip(np.cos(a), 0, None)
        ankle = hip + np.stack([-90 * swing, 180 - lift], axis=1)
        xy[:, KP[f"{side}_hip"]] = hip + np.array([0, 0])
        xy[:, KP[f"{side}_shoulder"]] = hip + np.array([-5, -230])
        xy[:, KP[f"{side}_knee"]] = (hip + ankle) / 2 + np.array([-15, 0])
        xy[:, KP[f"{side}_ankle"]] = ankle
        xy[:, KP[f"{side}_heel"]] = ankle + np.array([12, 10])
        xy[:, KP[f"{side}_toe"]] = ankle + np.array([-35, 15])
    return xy + rng.normal(0, 1.0, xy.shape)


def _swap(xy: np.ndarray, frames_: list[int]) -> np.ndarray:
    out = xy.copy()
    for a, b in LR_PAIRS:
        out[frames_, a], out[frames_, b] = xy[frames_, b], xy[frames_, a]
    return out


def test_resolve_swaps_exact() -> None:
    truth = _walk()
    conf = np.tile(np.linspace(0.5, 1.0, len(KEYPOINTS)), (len(truth), 1))
    # No swaps in the truth: nothing changed, even where the legs cross (every 18 frames).
    fixed, _, mask = resolve_swaps(truth, conf)
    assert not mask.any()
    np.testing.assert_array_equal(fixed, truth)
    # Single frames and runs of frames swapped, away from the crossings (frames 0, 18, 36…).
    injected = [5, 6, 27, 44, 45, 46, 47, 48, 63, 80, 81, 100, 115]
    raw = _swap(truth, injected)
    raw_conf = conf.copy()
    for a, b in LR_PAIRS:
        raw_conf[injected, a], raw_conf[injected, b] = conf[injected, b], conf[injected, a]
    fixed, fixed_conf, mask = resolve_swaps(raw, raw_conf)
    assert np.flatnonzero(mask).tolist() == injected
    np.testing.assert_array_equal(fixed, truth)
    np.testing.assert_array_equal(fixed_conf, conf)


def test_resolve_swaps_with_gaps() -> None:
    truth = _walk()
    raw = _swap(truth, [30, 31, 70])
    raw[[10, 11, 12, 50, 51]] = np.nan  # frames where the subject was not found
    fixed, _, mask = resolve_swaps(raw, np.ones(raw.shape[:2]))
    assert np.flatnonzero(mask).tolist() == [30, 31, 70]
    ok = np.isfinite(raw[:, 0, 0])
    np.testing.assert_array_equal(fixed[ok], truth[ok])
    assert np.isnan(fixed[~ok]).all()


# --------------------------------------------------------------------------- geometry


def test_regions_stay_inside_the_frame() -> None:
    assert _square(np.array([100.0, 500.0]), 400, W, H) == (0, 300, 400, 700)
    assert _square(np.array([1700.0, 950.0]), 400, W, H) == (W - 400, H - 400, W, H)
    assert _square(np.array([800.0, 500.0]), 5000, W, H) == (0, 0, W, H)
    tiles = _tiles(W, H)
    assert tiles[0] == (0, 0, W, H)
    cols = tiles[1:]
    assert [c[0] for c in cols] == [0, 387, 774] and all(c[2] - c[0] == 994 for c in cols)
    assert _tiles(720, 1280)[0] == (0, 0, 720, 1280) and len(_tiles(720, 1280)) == 4


def test_tiles_searched_in_parallel_give_the_same_sightings() -> None:
    """Two still-image searchers in two threads find exactly what one finds alone."""
    from concurrent.futures import ThreadPoolExecutor

    from kinechain.video._backends import make_backend
    from kinechain.video._track import _sightings

    rgb = next(rgb for i, _, rgb in frames(demo(), step=5) if i == 50)
    tiles = _tiles(W, H)
    one = make_backend("mediapipe", still=True)
    two = [make_backend("mediapipe", still=True), make_backend("mediapipe", still=True)]
    try:
        alone = _sightings([one], rgb, 50, tiles)
        with ThreadPoolExecutor(2) as pool:
            both = _sightings(two, rgb, 50, tiles, pool)
    finally:
        for backend in (one, *two):
            backend.close()
    assert len(alone) >= 2  # the woman (entering on the right) and the man on the box
    assert len(both) == len(alone)
    for x, y in zip(alone, both, strict=True):
        np.testing.assert_array_equal(x.hip, y.hip)
        np.testing.assert_array_equal(x.box, y.box)
        assert x.score == y.score
