"""read_trc / read_mot on OpenSim's own test data, and the name/sign mapping.

The signs of the mapped OpenSim coordinates are checked against the markers the IK result
was computed from (``subject01_synthetic_marker_data.trc``): each mapped angle must rise
and fall with the same angle measured directly on the markers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from io_data import data_path

from kinechain.io import read, read_mot, read_trc
from kinechain.trial import Trial

IK = "opensim/ik-test/std_subject01_walk1_ik.mot"
TRC = "opensim/ik-test/subject01_synthetic_marker_data.trc"
GRF = "opensim/id-test/subject01_walk1_grf.mot"
ID = "opensim/id-test/std_subject01_InverseDynamics.sto"


@pytest.fixture(scope="module")
def ik() -> Trial:
    return read_mot(data_path(IK))


@pytest.fixture(scope="module")
def trc() -> Trial:
    return read_trc(data_path(TRC))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_trc_header_clock_units(trc: Trial) -> None:
    assert len(trc.markers) == 31 and trc.n_frames == 73
    assert trc.point_rate == 60.0
    assert trc.first_frame == 25 and trc.time[0] == pytest.approx(0.4)
    assert trc.meta["point_units"] == "m"
    m = trc.markers
    asis = np.linalg.norm(m["R.ASIS"] - m["L.ASIS"], axis=1).mean()
    assert 0.2 < asis < 0.3
    assert m["Top.Head"][:, 1].mean() > 1.6  # metres, Y up
    np.testing.assert_array_equal(trc.vertical, [0, 1, 0])
    assert trc.meta["vertical_source"] == "markers"


def test_trc_in_mm_gives_the_same_metres(trc: Trial, tmp_path: Path) -> None:
    lines = data_path(TRC).read_text().splitlines()
    lines[2] = lines[2].replace("\tm\t", "\tmm\t")
    out = lines[:5]
    for ln in lines[5:]:
        cells = ln.split("\t")
        if len(cells) > 2:
            cells[2:] = [f"{float(c) * 1000:.6f}" if c.strip() else c for c in cells[2:]]
        out.append("\t".join(cells))
    path = tmp_path / "mm.trc"
    path.write_text("\n".join(out) + "\n")
    t = read_trc(path)
    assert t.meta["point_units"] == "mm"
    for name in trc.markers:
        np.testing.assert_allclose(t.markers[name], trc.markers[name], atol=1e-9)


def test_trc_blank_cells_are_gaps(tmp_path: Path) -> None:
    lines = data_path(TRC).read_text().splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.startswith("2\t"))  # frame 2
    cells = lines[k].split("\t")
    cells[2:5] = ["", "", ""]  # Sternum missing in the second frame
    lines[k] = "\t".join(cells)
    path = tmp_path / "gap.trc"
    path.write_text("\n".join(lines) + "\n")
    t = read_trc(path)
    assert np.isnan(t.markers["Sternum"][1]).all()
    assert np.isfinite(t.markers["Sternum"][[0, 2]]).all()
    assert np.isfinite(t.markers["R.Acromium"][1]).all()


def test_ik_clock_and_names(ik: Trial) -> None:
    assert ik.n_frames == 73 and ik.point_rate == 60.0
    assert ik.first_frame == 25 and ik.time[0] == pytest.approx(0.4)
    assert "time_offset_s" not in ik.meta
    expected = {
        f"{s}_{v}"
        for s in ("left", "right")
        for v in (
            "ankle_dorsiflexion",
            "knee_flexion",
            "hip_flexion",
            "hip_adduction",
            "hip_internal_rotation",
            "pelvic_tilt",
            "pelvic_obliquity",
            "pelvic_rotation",
            "subtalar_inversion",
            "spine_flexion",
        )
    }
    assert set(ik.angles_deg) == expected
    cols = ik.meta["columns"]
    np.testing.assert_array_equal(ik.angles_deg["right_knee_flexion"], -cols["knee_angle_r"])  # type: ignore[index]
    np.testing.assert_array_equal(ik.angles_deg["left_spine_flexion"], -cols["lumbar_extension"])  # type: ignore[index]
    np.testing.assert_array_equal(ik.angles_deg["left_pelvic_tilt"], -cols["pelvis_tilt"])  # type: ignore[index]
    np.testing.assert_array_equal(ik.vertical, [0, 1, 0])


def test_ik_gait_values_are_physiological(ik: Trial) -> None:
    a = ik.angles_deg
    for side in ("left", "right"):
        knee = a[f"{side}_knee_flexion"]
        assert 60 < knee.max() < 75  # swing peak, flexion positive
        assert -3 < knee.min() < 5  # near full extension in stance
        ankle = a[f"{side}_ankle_dorsiflexion"]
        assert 8 < ankle.max() < 20 and -15 < ankle.min() < 0
        hip = a[f"{side}_hip_flexion"]
        assert 15 < hip.max() < 35 and -30 < hip.min() < -10
        # knee flexion peaks in swing, while the same hip is flexing forward
        k = int(np.argmax(knee))
        assert hip[k] > hip.min() + 10


def test_ik_signs_against_the_markers(ik: Trial, trc: Trial) -> None:
    """Each mapped angle correlates positively with the same angle measured on markers."""
    m = trc.markers
    assert np.allclose(trc.time, ik.time)
    r_asis, l_asis, sacral = m["R.ASIS"], m["L.ASIS"], m["V.Sacral"]
    # X forward, Y up, Z right in this lab (OpenSim ground)
    v = (r_asis + l_asis) / 2 - sacral
    anterior_tilt = np.degrees(np.arctan2(-v[:, 1], v[:, 0]))  # ASIS below the sacrum: +
    width = np.linalg.norm(l_asis - r_asis, axis=1)
    left_up = np.degrees(np.arcsin((l_asis[:, 1] - r_asis[:, 1]) / width))
    right_forward = np.degrees(np.arcsin((r_asis[:, 0] - l_asis[:, 0]) / width))
    a = ik.angles_deg
    assert _corr(a["left_pelvic_tilt"], anterior_tilt) > 0.95
    assert _corr(a["left_pelvic_obliquity"], left_up) > 0.95
    assert _corr(a["right_pelvic_obliquity"], -left_up) > 0.95
    assert _corr(a["right_pelvic_rotation"], right_forward) > 0.95
    assert _corr(a["left_pelvic_rotation"], -right_forward) > 0.95
    # this synthetic subject's pelvis is tilted slightly backwards on the markers too
    assert anterior_tilt.mean() < 0 and a["left_pelvic_tilt"].mean() < 0
    for s, side in (("R", "right"), ("L", "left")):
        thigh = m[f"{s}.Shank.Upper"] - m[f"{s}.ASIS"]
        thigh_fwd = np.degrees(np.arctan2(thigh[:, 0], -thigh[:, 1]))
        assert _corr(a[f"{side}_hip_flexion"], thigh_fwd) > 0.95
        shank = m[f"{s}.Shank.Upper"] - m[f"{s}.Heel"]
        foot = m[f"{s}.Toe.Tip"] - m[f"{s}.Heel"]
        dorsi = np.degrees(
            np.arctan2(shank[:, 0], shank[:, 1]) - np.arctan2(foot[:, 0], foot[:, 1])
        )
        assert _corr(a[f"{side}_ankle_dorsiflexion"], dorsi) > 0.95
        upper = m[f"{s}.Thigh.Upper"] - m[f"{s}.Shank.Upper"]
        lower = m[f"{s}.Heel"] - m[f"{s}.Shank.Upper"]
        cos = (
            (upper * lower).sum(axis=1)
            / np.linalg.norm(upper, axis=1)
            / np.linalg.norm(lower, axis=1)
        )
        knee_markers = 180 - np.degrees(np.arccos(cos))
        assert _corr(a[f"{side}_knee_flexion"], knee_markers) > 0.95


def _rewrite(src: Path, dst: Path, fn: object) -> Path:
    text = src.read_text()
    dst.write_text(fn(text))  # type: ignore[operator]
    return dst


def test_radians_and_positive_knee_models(ik: Trial, tmp_path: Path) -> None:
    """inDegrees=no is converted; a Rajagopal-style positive knee keeps its sign."""
    lines = [ln.strip() for ln in data_path(IK).read_text().splitlines()]
    end = lines.index("endheader")
    cols = lines[end + 1].split("\t")
    ki = [cols.index("knee_angle_r"), cols.index("knee_angle_l")]
    linear = {cols.index(c) for c in ("time", "pelvis_tx", "pelvis_ty", "pelvis_tz")}
    body = []
    for ln in lines[end + 2 :]:
        v = [float(x) for x in ln.split()]
        v = [x if j in linear else np.radians(x) for j, x in enumerate(v)]
        for j in ki:
            v[j] = -v[j]
        body.append("\t".join(f"{x:.10f}" for x in v))
    header = [ln for ln in lines[:end] if not ln.startswith("nRows")] + ["inDegrees=no"]
    path = tmp_path / "rad.mot"
    path.write_text("\n".join([*header, "endheader", lines[end + 1], *body]) + "\n")
    t = read_mot(path)
    assert t.meta["in_degrees"] is False
    for name in ik.angles_deg:
        np.testing.assert_allclose(t.angles_deg[name], ik.angles_deg[name], atol=1e-6)
    assert t.meta["angle_sources"]["right_knee_flexion"] == "+knee_angle_r"  # type: ignore[index]
    forced = read_mot(path, knee_flexion_negative=True)
    np.testing.assert_allclose(
        forced.angles_deg["right_knee_flexion"], -ik.angles_deg["right_knee_flexion"], atol=1e-6
    )


def test_grf_mot(tmp_path: Path) -> None:
    t = read(data_path(GRF))
    assert t.n_frames == 9009 and t.point_rate == 600.0 and t.analog_rate == 600.0
    assert t.first_frame == 1 and t.time[0] == 0.0
    assert {"ground_force_vy", "l_ground_force_px", "ground_torque_y"} <= set(t.analogs)
    assert len(t.force_plates) == 2
    for p in t.force_plates:
        fy = p.force[:, 1]
        assert 600 < fy.max() < 1200  # vertical (Y) force of one foot, N
        unloaded = np.abs(fy) < 20
        assert unloaded.any() and (~unloaded).any()
        assert np.isnan(p.cop[unloaded]).all()
        assert np.isfinite(p.cop[~unloaded]).all()
    np.testing.assert_array_equal(t.force_plates[0].force[:, 0], t.analogs["ground_force_vx"])
    assert t.angles_deg == {}


def test_inverse_dynamics_sto() -> None:
    t = read(data_path(ID))
    assert t.meta["format"] == "sto"
    assert t.n_frames == 73 and t.point_rate == 60.0 and t.first_frame == 25
    assert "lumbar_extension_moment" in t.meta["columns"]  # type: ignore[operator]
    assert t.angles_deg == {}  # moments are not angles


def _mot(path: Path, columns: list[str], rows: np.ndarray, header: str = "") -> Path:
    text = f"{header}nRows={len(rows)}\nnColumns={len(columns)}\ninDegrees=yes\nendheader\n"
    text += "\t".join(columns) + "\n"
    text += "\n".join("\t".join(f"{x:.6f}" for x in r) for r in rows) + "\n"
    path.write_text(text)
    return path


def test_sports2d_names(tmp_path: Path) -> None:
    t = np.arange(10) / 30
    rows = np.column_stack([t, t * 10, t * 20, -t * 5, t * 30, t])
    cols = ["time", "right ankle", "Right knee", "left_hip_angle", "left knee", "trunk"]
    tr = read_mot(_mot(tmp_path / "s2d.mot", cols, rows, "Coordinates\nversion=1\n"))
    assert set(tr.angles_deg) == {
        "right_ankle_dorsiflexion",
        "right_knee_flexion",
        "left_hip_flexion",
        "left_knee_flexion",
    }
    np.testing.assert_allclose(tr.angles_deg["right_knee_flexion"], rows[:, 2], atol=1e-6)
    np.testing.assert_allclose(tr.angles_deg["left_hip_flexion"], rows[:, 3], atol=1e-6)
    assert tr.point_rate == 30.0
    assert "trunk" in tr.meta["columns"]  # type: ignore[operator]


def test_myogait_flavour(tmp_path: Path) -> None:
    t = np.arange(12) / 30
    cols = [
        "time",
        "hip_flexion_l",
        "hip_flexion_r",
        "knee_angle_l",
        "knee_angle_r",
        "ankle_angle_l",
        "ankle_angle_r",
        "lumbar_extension",
        "pelvis_tilt",
    ]
    rows = np.column_stack([t] + [np.full_like(t, -5.0 + k) for k in range(8)])
    tr = read_mot(_mot(tmp_path / "myo.mot", cols, rows, "walk\nversion=1\n"))
    assert tr.meta["flavour"] == "myogait"
    # knee flexion stays as written (ISB, flexion positive), even when negative
    np.testing.assert_allclose(tr.angles_deg["left_knee_flexion"], -3.0)
    assert not any("pelvic" in k or "spine" in k for k in tr.angles_deg)


def test_time_offset_off_the_frame_grid(tmp_path: Path) -> None:
    t = 0.0125 + np.arange(20) / 100
    rows = np.column_stack([t, np.linspace(0, 40, 20)])
    tr = read_mot(_mot(tmp_path / "off.mot", ["time", "knee_angle_r"], rows))
    assert tr.point_rate == 100.0
    assert tr.first_frame == 2  # round(0.0125 * 100) + 1
    assert tr.meta["time_offset_s"] == pytest.approx(0.0025)
    np.testing.assert_allclose(tr.time + tr.meta["time_offset_s"], t, atol=1e-9)  # type: ignore[operator]
