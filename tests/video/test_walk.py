"""Walking analysis from video: synthetic tracks (exact events) and the real demo video."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from gaitkit import gait_curves, stick_figure
from typer.testing import CliRunner

from kinechain.errors import InputError
from kinechain.video._types import KP, PoseTrack, VideoInfo
from kinechain.video._walk import analyze_track, analyze_video, is_video, write_video_results

DEMO = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "video"
    / "sports2d"
    / "demo.mp4"
)
FPS = 30.0
PERIOD = 36  # frames per stride: 1.2 s, cadence 100 steps/min
STRIKES = {"left": 20, "right": 38}
OFF_AFTER = 22  # foot off 22 frames after the strike (61 % stance)


def _periodic_walk(n: int = 200, direction: int = 1) -> PoseTrack:
    """Heel and toe ahead of the hip centre as cosines with extremes at known frames."""
    i = np.arange(n, dtype=np.float64)
    hip_u = 200.0 + 4.0 * i  # 120 px/s forwards
    u = np.full((n, len(KP)), np.nan)
    v = np.full((n, len(KP)), np.nan)
    for side in ("left", "right"):
        fs = STRIKES[side]
        heel = hip_u + 90.0 * np.cos(2 * np.pi * (i - fs) / PERIOD)  # max at strikes
        toe = hip_u + 110.0 * np.cos(2 * np.pi * (i - fs - OFF_AFTER) / PERIOD + np.pi)
        u[:, KP[f"{side}_heel"]] = heel
        u[:, KP[f"{side}_toe"]] = toe
        u[:, KP[f"{side}_ankle"]] = heel + 10.0
        u[:, KP[f"{side}_knee"]] = 0.5 * (hip_u + heel) + 15.0
        u[:, KP[f"{side}_hip"]] = hip_u
        u[:, KP[f"{side}_shoulder"]] = hip_u + 10.0
        v[:, KP[f"{side}_heel"]] = 10.0
        v[:, KP[f"{side}_toe"]] = 5.0
        v[:, KP[f"{side}_ankle"]] = 30.0
        v[:, KP[f"{side}_knee"]] = 140.0
        v[:, KP[f"{side}_hip"]] = 260.0
        v[:, KP[f"{side}_shoulder"]] = 420.0
    u[:, KP["nose"]] = hip_u + 25.0
    v[:, KP["nose"]] = 470.0
    width, height = 1920, 1080
    xy = np.stack([u if direction > 0 else width - u, height - v], axis=-1)
    info = VideoInfo("walk.mp4", FPS, n, width, height, 0)
    return PoseTrack(
        info=info,
        backend="synthetic",
        xy=xy,
        conf=np.full((n, len(KP)), 0.9),
        time=i / FPS,
        box=np.full((n, 4), np.nan),
    )


@pytest.mark.parametrize("direction", [1, -1])
def test_zeni_events_at_known_frames(direction: int) -> None:
    result = analyze_track(_periodic_walk(direction=direction), height_m=1.70)
    events = result.analysis.events
    for side in ("left", "right"):
        strikes = np.array([e.time_s for e in events if e.side == side and e.kind == "foot_strike"])
        offs = np.array([e.time_s for e in events if e.side == side and e.kind == "foot_off"])
        fs = STRIKES[side]
        # extremes closer than 10 frames to either end lack the prominence Zeni's rule needs
        want_fs = np.array([f for f in range(fs, 200, PERIOD) if 10 <= f < 190])
        want_fo = np.array(
            [f for f in range(fs + OFF_AFTER - PERIOD, 200, PERIOD) if 10 <= f < 190]
        )
        assert strikes.size == want_fs.size and offs.size == want_fo.size
        assert np.abs(strikes * FPS - want_fs).max() <= 1.0
        assert np.abs(offs * FPS - want_fo).max() <= 1.0
    st = result.analysis.spatiotemporal["overall"]
    assert st["cadence"]["mean"] == pytest.approx(100.0, abs=1.5)
    assert st["stride_time"]["mean"] == pytest.approx(1.2, abs=0.04)


def test_not_measured_reported_and_files_written(tmp_path: Path) -> None:
    left = gait_curves(180, FPS)
    right = gait_curves(180, FPS, phase=np.pi)
    track = stick_figure(n=180, fps=FPS, direction=-1, left=left, right=right)
    result = analyze_track(track)  # no scale
    target = write_video_results(result, tmp_path / "out", video=False)
    names = sorted(p.name for p in target.iterdir())
    assert names == ["angles.csv", "events.csv", "metrics.json", "quality.csv", "report.html"]
    metrics = json.loads((target / "metrics.json").read_text())
    measures = {m["measure"]: m["reason"] for m in metrics["not_measured"]}
    for key in ("pelvic_tilt", "foot_pronation", "hip_adduction", "lumbar_load", "stride_length"):
        assert key in measures
    assert "trunk inclination" in measures["pelvic_tilt"]
    assert metrics["video"]["walking_direction"] == "right_to_left"
    assert metrics["video"]["ankle_neutral"]["source"] == "not corrected"
    assert metrics["video"]["scale_m_per_px"] is None
    assert metrics["spatiotemporal"]["overall"]["stride_length"]["mean"] is None
    header = (target / "angles.csv").read_text().splitlines()[0].split(",")
    assert "left_ankle_dorsiflexion" in header and "left_knee_flexion" in header
    assert not any("pelvic" in c or "adduction" in c for c in header)
    report = (target / "report.html").read_text()
    assert "not measured: pelvic_tilt" in report
    quality = (target / "quality.csv").read_text().splitlines()
    assert len(quality) == 181 and quality[0].startswith("frame,time_s,subject_found")
    # an existing non-empty folder is refused and left alone
    with pytest.raises(InputError, match="not empty"):
        write_video_results(result, target, video=False)


def test_nobody_in_the_video_is_a_clear_error() -> None:
    track = _periodic_walk()
    empty = replace(track, conf=np.zeros_like(track.conf), xy=np.full_like(track.xy, np.nan))
    with pytest.raises(InputError, match="person was found in only 0 of 200 frames"):
        analyze_track(empty)


def test_is_video(tmp_path: Path) -> None:
    assert is_video(DEMO)
    assert is_video(tmp_path / "x.MOV")
    assert not is_video(tmp_path / "walk.c3d")
    junk = tmp_path / "notes.bin"
    junk.write_bytes(b"not a video at all")
    assert not is_video(junk)


# --------------------------------------------------------------------------- the real demo


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path, float]:
    t0 = time.perf_counter()
    result = analyze_video(DEMO, height_m=1.65)
    elapsed = time.perf_counter() - t0
    out = write_video_results(result, tmp_path_factory.mktemp("demo") / "out")
    return result, out, elapsed


def test_demo_walk(demo: tuple[object, Path, float]) -> None:
    result, _, elapsed = demo
    metrics = result.metrics()  # type: ignore[attr-defined]
    assert metrics["video"]["walking_direction"] == "right_to_left"
    # walking right-to-left, the subject's left side faces the camera
    assert metrics["strides"]["left"] >= 2
    cadence = metrics["spatiotemporal"]["overall"]["cadence"]["mean"]
    assert 90.0 <= cadence <= 130.0
    stride = metrics["spatiotemporal"]["left"]["stride_length"]["mean"]
    assert 1.0 <= stride <= 1.9
    assert metrics["video"]["flips_total"] == 0
    assert result.sagittal.total_flips == 0  # type: ignore[attr-defined]
    cycles = result.analysis.cycles["left"]["knee_flexion"]  # type: ignore[attr-defined]
    peaks = np.nanmax(cycles, axis=1)
    assert 50.0 <= float(np.median(peaks)) <= 80.0  # swing peak of a normal walk
    assert elapsed < 60.0


def test_demo_outputs(demo: tuple[object, Path, float]) -> None:
    import cv2

    result, out, _ = demo
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "angles.csv",
        "annotated.webm",
        "events.csv",
        "metrics.json",
        "quality.csv",
        "report.html",
    ]
    cap = cv2.VideoCapture(str(out / "annotated.webm"))
    count = 0
    while cap.read()[0]:
        count += 1
    cap.release()
    assert count == result.track.n_frames == 230  # type: ignore[attr-defined]
    quality = (out / "quality.csv").read_text().splitlines()
    assert len(quality) == 231


def test_cli_on_the_demo_is_byte_identical(
    demo: tuple[object, Path, float], tmp_path: Path
) -> None:
    from kinechain.cli import app

    _, first, _ = demo
    target = tmp_path / "cli"
    res = CliRunner().invoke(app, ["analyze", str(DEMO), "--height", "1.65", "--out", str(target)])
    assert res.exit_code == 0, res.output
    for name in ("angles.csv", "events.csv", "metrics.json", "quality.csv"):
        assert (target / name).read_bytes() == (first / name).read_bytes(), name
    assert (target / "annotated.webm").stat().st_size > 0


def test_cli_without_annotated_video_or_report(
    demo: tuple[object, Path, float], tmp_path: Path
) -> None:
    from kinechain.cli import app

    _, first, _ = demo
    target = tmp_path / "lean"
    res = CliRunner().invoke(
        app,
        [
            "analyze",
            str(DEMO),
            "--height",
            "1.65",
            "--no-annotated",
            "--no-report",
            "--out",
            str(target),
        ],
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in target.iterdir()) == [
        "angles.csv",
        "events.csv",
        "metrics.json",
        "quality.csv",
    ]
    assert (target / "metrics.json").read_bytes() == (first / "metrics.json").read_bytes()


def test_cli_bad_distance_is_one_line(tmp_path: Path) -> None:
    from kinechain.cli import app

    res = CliRunner().invoke(
        app, ["analyze", str(DEMO), "--distance", "1,2,3", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    assert "--distance" in res.output and not (tmp_path / "o").exists()


def test_annotated_video_frames_decoded_as_bgr_match_the_rgb_route() -> None:
    """The annotated video decodes straight to BGR in a background thread and scales there;
    the pictures are exactly those of the RGB frames converted and scaled as before."""
    import itertools

    import cv2

    from kinechain.video._decode import frames, prefetched
    from kinechain.video._draw import _scaled

    n = 4
    rgb = list(itertools.islice(frames(DEMO), n))
    fast = prefetched(_scaled(cv2, frames(DEMO, bgr=True), 640, 360), 2)
    got = list(itertools.islice(fast, n))
    fast.close()
    for (i, t, a), (j, u, b) in zip(rgb, got, strict=True):
        assert (i, t) == (j, u) and b.shape == (360, 640, 3)
        ref = cv2.resize(
            cv2.cvtColor(a, cv2.COLOR_RGB2BGR), (640, 360), interpolation=cv2.INTER_AREA
        )
        np.testing.assert_array_equal(b, ref)
