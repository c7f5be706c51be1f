"""End to end: the `kinechain` command on real files, as a user runs it (a real subprocess)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import shared

REQUIRED = [
    "left_ankle_dorsiflexion",
    "right_ankle_dorsiflexion",
    "left_knee_flexion",
    "right_knee_flexion",
    "left_hip_flexion",
    "right_hip_flexion",
    "left_pelvic_tilt",
    "right_pelvic_tilt",
]


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kinechain.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def hc032_out(
    tmp_path_factory: pytest.TempPathFactory, hc032_walk_raw: Path, hc032_static_raw: Path
) -> Path:
    out = tmp_path_factory.mktemp("cli") / "results"
    proc = run_cli(
        "analyze", hc032_walk_raw, "--static", hc032_static_raw, "--flat-foot", "--out", out
    )
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout
    return out


def read_angles(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open() as f:
        header = next(csv.reader(f))
    data = np.genfromtxt(path, delimiter=",", skip_header=1)
    return header, data


def test_outputs_follow_the_contract(hc032_out: Path) -> None:
    assert sorted(p.name for p in hc032_out.iterdir()) == [
        "angles.csv",
        "events.csv",
        "metrics.json",
        "report.html",
    ]
    header, data = read_angles(hc032_out / "angles.csv")
    assert header[0] == "time_s"
    assert header[1:9] == REQUIRED
    # the file's own clock: first frame 141 at 100 Hz → 1.40 s
    assert data[0, 0] == pytest.approx(1.40, abs=1e-6)
    assert np.diff(data[:, 0]) == pytest.approx(np.full(data.shape[0] - 1, 0.01), abs=1e-6)
    assert data.shape == (211, len(header))
    with (hc032_out / "events.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert rows and set(rows[0]) == {"side", "event", "time_s", "source"}
    assert {r["event"] for r in rows} == {"foot_strike", "foot_off"}
    assert {r["source"] for r in rows} <= {"force_plate", "kinematics"}  # EVENT group stripped
    metrics = json.loads((hc032_out / "metrics.json").read_text())
    assert metrics["model"] == "plug_in_gait"
    peak = metrics["chain"]["left"]["peak_stance_dorsiflexion"]
    assert peak["unit"] == "deg" and len(peak["per_stride"]) >= 1
    assert metrics["spatiotemporal"]["overall"]["cadence"]["unit"]
    # L5/S1 by inverse dynamics: HC032A (60.3 kg child) peaks near 1.25 body weights
    load = metrics["lumbar_load"]
    assert 0.9 < load["peak_compression_n"] / (60.3 * 9.81) < 1.6
    assert load["niosh_action_limit_n"] == 3400.0 and load["exceeds_action_limit"] is False
    html = (hc032_out / "report.html").read_text()
    assert html.count("<svg") >= 6
    assert "<script" not in html and 'src="http' not in html and "<link" not in html


def test_angles_csv_matches_vicon_plug_in_gait(hc032_out: Path) -> None:
    """The CLI's sagittal angles agree with Vicon's own PiG outputs (1.0° RMSE)."""
    import ezc3d

    c = ezc3d.c3d(str(shared("c3d", "biomechzoo", "HC032A03.c3d")))
    labels = list(c["parameters"]["POINT"]["LABELS"]["value"])
    labels += list(c["parameters"]["POINT"]["LABELS2"]["value"])
    points = c["data"]["points"]
    header, data = read_angles(hc032_out / "angles.csv")
    pairs = {
        "ankle_dorsiflexion": "AnkleAngles",
        "knee_flexion": "KneeAngles",
        "hip_flexion": "HipAngles",
        "pelvic_tilt": "PelvisAngles",
    }
    for side, letter in (("left", "L"), ("right", "R")):
        for ours, theirs in pairs.items():
            ref = points[0, labels.index(letter + theirs), :]
            mine = data[:, header.index(f"{side}_{ours}")]
            ok = np.isfinite(mine) & (ref != 0)
            rmse = float(np.sqrt(np.mean((mine[ok] - ref[ok]) ** 2)))
            assert ok.sum() > 150
            assert rmse < 1.0, f"{side}_{ours}: RMSE {rmse:.2f} deg"


def test_truncated_file_gives_one_line_and_no_output(tmp_path: Path) -> None:
    src = shared("c3d", "biomechzoo", "HC032A03.c3d").read_bytes()
    bad = tmp_path / "cut.c3d"
    bad.write_bytes(src[: len(src) // 2])
    out = tmp_path / "out"
    proc = run_cli("analyze", bad, "--out", out)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cut.c3d" in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_missing_and_unknown_files(tmp_path: Path) -> None:
    proc = run_cli("analyze", tmp_path / "nope.c3d", "--out", tmp_path / "o")
    assert proc.returncode == 2 and "nope.c3d" in proc.stderr and "Traceback" not in proc.stderr
    odd = tmp_path / "walk.xyz"
    odd.write_text("1 2 3\n")
    proc = run_cli("analyze", odd, "--out", tmp_path / "o")
    assert proc.returncode == 2 and "walk.xyz" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_batch_continues_past_a_bad_file(tmp_path: Path, hc032_walk_raw: Path) -> None:
    bad = tmp_path / "garbage.c3d"
    bad.write_bytes(b"\x02P" + bytes(range(256)) * 4)
    out = tmp_path / "cohort"
    proc = run_cli("analyze", bad, hc032_walk_raw, "--out", out)
    assert proc.returncode == 1
    assert "garbage.c3d" in proc.stderr
    assert (out / hc032_walk_raw.stem / "metrics.json").is_file()
    assert not (out / "garbage").exists()


def test_static_from_another_subject_is_refused(
    tmp_path: Path, hc032_walk_raw: Path, pycgm_static_raw: Path
) -> None:
    out = tmp_path / "o"
    proc = run_cli("analyze", hc032_walk_raw, "--static", pycgm_static_raw, "--out", out)
    assert proc.returncode == 2
    assert pycgm_static_raw.name in proc.stderr and "subject" in proc.stderr
    assert not out.exists()


def test_existing_output_needs_overwrite(tmp_path: Path, hc032_walk_raw: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = run_cli("analyze", hc032_walk_raw, "--out", out, "--no-report")
    assert proc.returncode == 2 and "--overwrite" in proc.stderr
    assert (out / "keep.txt").read_text() == "mine"
    proc = run_cli("analyze", hc032_walk_raw, "--out", out, "--no-report", "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["angles.csv", "events.csv", "metrics.json"]


def test_unknown_marker_set_still_gives_events_and_spatiotemporal(tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = run_cli("analyze", shared("c3d", "c3d-org", "Eb015pr.c3d"), "--out", out)
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] is None and "Eb015pr.c3d" in metrics["model_note"]
    assert any(e["source"] == "force_plate" for e in metrics["events"])
    header, _ = read_angles(out / "angles.csv")
    assert header == ["time_s"]


def test_opensim_mot_input(tmp_path: Path) -> None:
    out = tmp_path / "o"
    mot = shared("opensim", "ik-test", "std_subject01_walk1_ik.mot")
    proc = run_cli("analyze", mot, "--out", out)
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "precomputed"
    header, data = read_angles(out / "angles.csv")
    knee = data[:, header.index("right_knee_flexion")]
    assert np.nanmax(knee) > 30  # flexion positive after the sign mapping
