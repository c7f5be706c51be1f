"""Sagittal angles from 2D keypoints on exact constructed figures."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from gaitkit import Curves, gait_curves, stick_figure

from kinechain.video._sagittal import (
    NOSE_FRACTION,
    compute_angles,
    count_flips,
    gate_keypoints,
    lowpass_gaps,
    sagittal,
    scale_from_distance,
    scale_from_height,
    to_sagittal_frame,
    unwrap_deg,
    walking_sign,
)
from kinechain.video._types import KP

N, FPS = 150, 30.0


def _figure(direction: int, trunk: np.ndarray | float = 6.0):
    left = gait_curves(N, FPS)
    right = gait_curves(N, FPS, phase=np.pi)
    return (
        stick_figure(n=N, fps=FPS, direction=direction, left=left, right=right, trunk_deg=trunk),
        left,
        right,
    )


@pytest.mark.parametrize("direction", [1, -1])
def test_known_angles_recovered_exactly_both_directions(direction: int) -> None:
    trunk = np.linspace(2.0, 9.0, N)
    track, left, right = _figure(direction, trunk)
    sag = sagittal(track)
    assert sag.direction == direction
    for side, c in (("left", left), ("right", right)):
        np.testing.assert_allclose(sag.raw[f"{side}_hip_flexion"], c.hip, atol=1e-9, rtol=0)
        np.testing.assert_allclose(sag.raw[f"{side}_knee_flexion"], c.knee, atol=1e-9, rtol=0)
        np.testing.assert_allclose(
            sag.raw[f"{side}_ankle_dorsiflexion"], c.ankle, atol=1e-9, rtol=0
        )
        np.testing.assert_allclose(sag.raw[f"{side}_thorax_tilt"], trunk, atol=1e-9, rtol=0)
    assert sag.total_flips == 0
    assert not any(sag.gated_reason)
    # the filtered angles follow the curves closely (6 Hz cut-off, ~1.8 Hz gait)
    assert np.nanmax(np.abs(sag.angles["left_hip_flexion"] - left.hip)) < 0.5


def test_mirrored_walks_give_identical_angles() -> None:
    a = sagittal(_figure(1)[0])
    b = sagittal(_figure(-1)[0])
    for name in a.raw:
        np.testing.assert_allclose(a.raw[name], b.raw[name], atol=1e-9, rtol=0)


def test_signs_follow_plug_in_gait() -> None:
    """Knee forward of the trunk = hip flexion; shank behind the thigh = knee flexion;
    toe raised towards the shin = dorsiflexion; leaning forward = positive trunk tilt."""
    flexed = Curves(hip=np.full(3, 30.0), knee=np.full(3, 40.0), ankle=np.full(3, 15.0))
    track = stick_figure(n=3, direction=-1, left=flexed, right=flexed, trunk_deg=10.0)
    p = to_sagittal_frame(track.xy, -1)
    hip, knee = p[0, KP["left_hip"]], p[0, KP["left_knee"]]
    ankle, toe = p[0, KP["left_ankle"]], p[0, KP["left_toe"]]
    assert knee[0] > hip[0]  # knee ahead of the hip when the hip is flexed 30°
    sh = p[0, KP["left_shoulder"]]
    assert sh[0] > hip[0]  # shoulders ahead: leaning forward
    assert toe[0] > ankle[0]
    angles, _ = compute_angles(p, gate_keypoints(track.xy, track.conf))
    assert angles["left_hip_flexion"][0] == pytest.approx(30.0, abs=1e-9)
    assert angles["left_knee_flexion"][0] == pytest.approx(40.0, abs=1e-9)
    assert angles["left_ankle_dorsiflexion"][0] == pytest.approx(15.0, abs=1e-9)
    assert angles["left_thorax_tilt"][0] == pytest.approx(10.0, abs=1e-9)


def test_neutral_offset_is_subtracted() -> None:
    track, left, _ = _figure(1)
    sag = sagittal(track, neutral_deg=4.0)
    np.testing.assert_allclose(sag.raw["left_ankle_dorsiflexion"], left.ankle - 4.0, atol=1e-9)
    assert sag.neutral_deg == 4.0


def test_unwrap_keeps_a_170_to_190_crossing_continuous() -> None:
    knee = np.linspace(170.0, 190.0, 41)
    c = Curves(hip=np.zeros(41), knee=knee, ankle=np.zeros(41))
    track = stick_figure(n=41, left=c, right=c)
    sag = sagittal(track)
    wrapped, _ = compute_angles(
        to_sagittal_frame(track.xy, 1), gate_keypoints(track.xy, track.conf)
    )
    # atan2 alone jumps from +180 to −180 ...
    assert count_flips(wrapped["left_knee_flexion"]) == 1
    # ... the unwrapped series does not
    np.testing.assert_allclose(sag.raw["left_knee_flexion"], knee, atol=1e-9)
    assert sag.flips["left_knee_flexion"] == 0
    # a whole-turn offset goes back into the plausible range
    np.testing.assert_allclose(unwrap_deg(np.array([370.0, 375.0, 380.0])), [10.0, 15.0, 20.0])


def test_confidence_gate_marks_exactly_the_lowered_frames() -> None:
    track, _, _ = _figure(1)
    conf = track.conf.copy()
    lowered = [10, 11, 57, 90]
    conf[lowered, KP["right_ankle"]] = 0.3
    sag = sagittal(replace(track, conf=conf))
    invalid = np.flatnonzero(~sag.valid["right_knee_flexion"])
    assert invalid.tolist() == lowered
    assert np.flatnonzero(~sag.valid["right_ankle_dorsiflexion"]).tolist() == lowered
    assert sag.valid["left_knee_flexion"].all() and sag.valid["right_hip_flexion"].all()
    reasons = [i for i, r in enumerate(sag.gated_reason) if r]
    assert reasons == lowered
    assert "right_ankle 0.30" in sag.gated_reason[57]
    assert np.isnan(sag.raw["right_knee_flexion"][lowered]).all()


def test_gaps_short_filled_long_left_nan() -> None:
    track, left, _ = _figure(1)
    conf = track.conf.copy()
    conf[40:43, KP["left_knee"]] = 0.0  # 3 frames (≤ 0.1 s at 30 fps)
    conf[80:110, KP["left_knee"]] = 0.0  # 30 frames
    sag = sagittal(replace(track, conf=conf))
    knee = sag.angles["left_knee_flexion"]
    assert np.isfinite(knee[40:43]).all()
    assert sag.filled["left_knee_flexion"][40:43].all()
    assert np.isnan(knee[80:110]).all()
    assert not sag.filled["left_knee_flexion"][80:110].any()
    assert sag.long_gaps >= 1
    assert all("left_knee" in r for r in sag.gated_reason[80:110])
    # a straight line across 3 frames near the swing peak of the knee cuts the curve by a few
    # degrees; outside the bridged frames the filtered curve stays close
    assert np.nanmax(np.abs(knee[40:43] - left.knee[40:43])) < 8.0
    assert np.nanmax(np.abs(knee[20:35] - left.knee[20:35])) < 1.0


def test_lowpass_gaps_short_runs_unfiltered_and_constant_kept() -> None:
    x = np.full(60, 3.0)
    x[20:52] = np.nan  # a 32-sample gap; the last run has 8 samples
    y, filled, unfiltered, long_gaps = lowpass_gaps(x, 30.0)
    np.testing.assert_allclose(y[:20], 3.0, atol=1e-12)
    assert unfiltered == 1 and long_gaps == 1 and not filled.any()


def test_outlier_keypoints_are_rejected_and_reported() -> None:
    track, _, _ = _figure(1)
    xy = track.xy.copy()
    xy[70, KP["left_toe"]] += np.array([0.0, -120.0])  # a one-frame jump of the toe
    sag = sagittal(replace(track, xy=xy))
    assert sag.outliers[70, KP["left_toe"]] and int(sag.outliers.sum()) == 1
    assert "outlier: left_toe" in sag.gated_reason[70]
    assert np.isnan(sag.raw["left_ankle_dorsiflexion"][70])
    assert np.isfinite(sag.angles["left_ankle_dorsiflexion"][70])  # bridged
    assert sag.total_flips == 0


def test_walking_direction_from_hips() -> None:
    for d in (1, -1):
        track, _, _ = _figure(d)
        assert walking_sign(track.xy, gate_keypoints(track.xy, track.conf)) == d


def test_scale_from_height_on_an_exact_figure() -> None:
    track, _, _ = _figure(1)
    xy = track.xy.copy()
    height_px = 480.0
    feet = [KP[n] for n in ("left_heel", "right_heel", "left_toe", "right_toe")]
    floor = xy[:, feet, 1].max(axis=1)
    xy[:, KP["nose"], 1] = floor - NOSE_FRACTION * height_px
    ok = gate_keypoints(xy, track.conf)
    scale, note = scale_from_height(xy, ok, 1.70)
    assert scale == pytest.approx(1.70 / height_px, rel=1e-12)
    assert "0.903 H" in note


def test_scale_from_distance() -> None:
    scale, _ = scale_from_distance((100.0, 500.0, 400.0, 900.0, 2.5))
    assert scale == pytest.approx(2.5 / 500.0, rel=1e-12)
    assert np.isnan(scale_from_distance((1.0, 1.0, 1.0, 1.0, 2.0))[0])
