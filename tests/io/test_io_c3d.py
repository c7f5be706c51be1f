"""What read_c3d makes of the real files: units, axes, events, subject, forces; and the
processor types / data formats no shared file uses, on synthetic files with known values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from c3d_writer import DEC, INTEL, MIPS, C3DSpec, Param, write
from io_data import data_path, trial

from kinechain.io import read, read_c3d

G = 9.81

HC032 = "c3d/biomechzoo/HC032A03.c3d"
BTS = "c3d/ezc3d/BTS.c3d"
EB_R = "c3d/c3d-org/Eb015pr.c3d"
EB_I = "c3d/c3d-org/Eb015pi.c3d"
PYCGM = "c3d/pycgm/Movement_trial.c3d"


def _mean_distance(t: object, a: str, b: str) -> float:
    m = t.markers  # type: ignore[attr-defined]
    return float(np.nanmean(np.linalg.norm(m[a] - m[b], axis=1)))


# ---- HC032A03: Vicon Plug-in Gait walk --------------------------------------------------


def test_hc032_clock_and_sizes() -> None:
    t = trial(HC032)
    assert (t.first_frame, t.n_frames, t.point_rate, t.analog_rate) == (141, 211, 100.0, 1000.0)
    assert t.start_time == pytest.approx(1.40)
    assert len(t.analogs["Fz1"]) == 2110


def test_hc032_markers_in_metres_and_model_outputs_apart() -> None:
    t = trial(HC032)
    assert t.meta["point_units"] == "mm"
    # inter-ASIS marker distance vs the measured InterAsisDistance (228 mm)
    d = _mean_distance(t, "LASI", "RASI")
    assert 0.2 < d < 0.3
    assert d == pytest.approx(t.subject.inter_asis_m, abs=0.03)
    outputs = t.meta["model_outputs"]
    groups = t.meta["model_output_groups"]
    for name in ("LKneeAngles", "LHipMoment", "LAnklePower", "LGroundReactionForce"):
        assert name in outputs and name not in t.markers  # type: ignore[operator]
    assert groups["LKneeAngles"] == "ANGLES"  # type: ignore[index]
    knee = outputs["LKneeAngles"][:, 0]  # type: ignore[index]
    assert 50 < np.nanmax(knee) < 75  # Vicon's own knee flexion peak in swing, degrees


def test_hc032_axes_events_subject() -> None:
    t = trial(HC032)
    np.testing.assert_array_equal(t.vertical, [0, 0, 1])
    assert t.meta["vertical_source"] == "force_plates"
    # the subject walks along +Y: plate 2 (y < 0) is stepped on before plate 1 (y > 0)
    np.testing.assert_array_equal(t.walking, [0, 1, 0])
    assert t.meta["walking_source"] == "pelvis"
    first_load = [np.argmax(np.isfinite(p.cop).all(axis=1)) for p in t.force_plates]
    assert t.force_plates[1].centre[1] < 0 < t.force_plates[0].centre[1]
    assert first_load[1] < first_load[0]
    ev = {(e.side, e.kind): e.time_s for e in t.events}
    assert ev == pytest.approx(
        {
            ("right", "foot_strike"): 1.67,
            ("left", "foot_strike"): 2.19,
            ("right", "foot_off"): 2.28,
            ("left", "foot_off"): 2.82,
        },
        abs=1e-5,
    )
    assert all(e.source == "file" for e in t.events)
    s = t.subject
    assert s.name == "HC032A"
    assert s.mass_kg == pytest.approx(60.3, abs=1e-4)
    assert s.height_m == pytest.approx(1.58)
    assert s.leg_length_m == pytest.approx({"left": 0.805, "right": 0.800})
    assert s.knee_width_m == pytest.approx({"left": 0.124, "right": 0.121})
    assert s.ankle_width_m == pytest.approx({"left": 0.064, "right": 0.065})
    assert s.marker_diameter_m == pytest.approx(0.010)
    assert s.asis_trochanter_m["left"] == pytest.approx(0.055124, abs=1e-6)
    assert s.extra["LFemurLength"] == pytest.approx(341.12, abs=1e-3)  # raw, unconverted


def test_hc032_grf_equals_vicon_plug_in_gait_output() -> None:
    """Vicon's LGroundReactionForce (N/kg, per frame) times the mass is our plate force."""
    t = trial(HC032)
    mass = t.subject.mass_kg
    assert mass is not None
    spf = round(t.analog_rate / t.point_rate)  # type: ignore[operator]
    for side, plate in (("L", t.force_plates[0]), ("R", t.force_plates[1])):
        vicon = t.meta["model_outputs"][f"{side}GroundReactionForce"] * mass  # type: ignore[index]
        ours = plate.force[::spf][: t.n_frames]
        ok = np.isfinite(vicon).all(axis=1) & (vicon[:, 2] > 50)
        assert ok.sum() > 50
        err = np.abs(ours[ok] - vicon[ok])
        assert np.median(err[:, 2]) < 3.0
        assert np.percentile(err, 90) < 10.0


def _weight_checks(t: object, mass: float) -> int:
    """Each loaded plate: peak ≈ 1-1.35 body weight, mid-stance mean ≈ body weight."""
    bw = mass * G
    n = 0
    for plate in t.force_plates:  # type: ignore[attr-defined]
        fz = plate.force @ t.vertical  # type: ignore[attr-defined]
        on = np.flatnonzero(fz > 20)
        if on.size < 0.2 * plate.rate:
            continue
        n += 1
        a, b = on[0], on[-1]
        mid = fz[a + int(0.3 * (b - a)) : a + int(0.7 * (b - a))]
        assert 0.95 * bw < fz.max() < 1.35 * bw
        assert 0.8 * bw < mid.mean() < 1.05 * bw
    return n


def test_hc032_body_weight_on_the_plates() -> None:
    t = trial(HC032)
    assert _weight_checks(t, 60.3) == 2


# ---- BTS: Y up, six plates ---------------------------------------------------------------


def test_bts_y_up_six_plates_three_loaded() -> None:
    t = trial(BTS)
    np.testing.assert_array_equal(t.vertical, [0, 1, 0])
    np.testing.assert_array_equal(t.walking, [1, 0, 0])
    assert t.meta["point_units"] == "mm"
    assert len(t.force_plates) == 6
    peaks = [float(np.max(p.force @ t.vertical)) for p in t.force_plates]
    loaded = [i for i, f in enumerate(peaks) if f > 300]
    assert loaded == [0, 3, 4]
    for i in (1, 2, 5):
        assert np.abs(t.force_plates[i].force).max() < 20
        assert np.isnan(t.force_plates[i].cop).all()
    for i in loaded:
        p = t.force_plates[i]
        cop = p.cop[np.isfinite(p.cop).all(axis=1)]
        # on the plate surface (Y = plate height) and inside its outline
        assert np.abs(cop[:, 1] - p.corners[:, 1].mean()).max() < 0.01
        lo, hi = p.corners.min(axis=0), p.corners.max(axis=0)
        assert (cop[:, [0, 2]] > lo[[0, 2]] - 0.01).all()
        assert (cop[:, [0, 2]] < hi[[0, 2]] + 0.01).all()
    # body weight unknown: a plausible adult from the mid-stance plateau (~1 BW)
    mids = []
    for i in loaded:
        fz = t.force_plates[i].force[:, 1]
        on = np.flatnonzero(fz > 20)
        a, b = on[0], on[-1]
        mids.append(fz[a + int(0.3 * (b - a)) : a + int(0.7 * (b - a))].mean())
    assert 40 < np.mean(mids) / G < 100
    # markers in metres: ASIS distance of an adult
    assert 0.18 < _mean_distance(t, "r asis", "l asis") < 0.32


# ---- c3d.org Eb015: type-2 plates at 200 Hz, float and integer ----------------------------


def test_eb015_float_and_integer_agree() -> None:
    r, i = trial(EB_R), trial(EB_I)
    assert r.meta["c3d_parameters"]["POINT"]["SCALE"].value[0] < 0  # type: ignore[index]
    assert i.meta["c3d_parameters"]["POINT"]["SCALE"].value[0] > 0  # type: ignore[index]
    quantum = 0.0833334 / 1000  # POINT:SCALE in metres
    for name in r.markers:
        np.testing.assert_allclose(i.markers[name], r.markers[name], atol=quantum, equal_nan=True)
    for p, q in zip(r.force_plates, i.force_plates, strict=True):
        np.testing.assert_allclose(p.force, q.force, atol=1e-6)


def test_eb015_plates_subject_events() -> None:
    t = trial(EB_R)
    assert (t.point_rate, t.analog_rate, t.n_frames) == (50.0, 200.0, 450)
    assert [p.plate_type for p in t.force_plates] == [2, 2]
    assert all(p.rate == 200.0 for p in t.force_plates)
    np.testing.assert_array_equal(t.vertical, [0, 0, 1])
    np.testing.assert_array_equal(t.walking, [0, 1, 0])
    s = t.subject
    assert s.name == "elizabeth baumgartner"
    assert s.mass_kg == pytest.approx(82.7, abs=1e-4)
    assert s.height_m == pytest.approx(1.63, abs=1e-6)
    assert _weight_checks(t, 82.7) == 2
    # header events: RIC/RHS are right foot strikes, RTO a right foot off
    assert [(e.side, e.kind) for e in t.events] == [
        ("right", "foot_strike"),
        ("right", "foot_strike"),
        ("right", "foot_off"),
    ]
    assert [e.time_s for e in t.events] == pytest.approx([2.72, 5.40, 7.32], abs=1e-6)


def test_eb015_zero_baseline() -> None:
    raw, zeroed = trial(EB_R, zero=False), trial(EB_R)
    info = zeroed.meta["force_plates_info"]["zeroed"]  # type: ignore[index]
    assert set(info) == {1, 2}
    for p, q in zip(raw.force_plates, zeroed.force_plates, strict=True):
        # FORCE_PLATFORM:ZERO = frames 1-10 = samples 0-39: zero mean after subtraction
        np.testing.assert_allclose(q.force[:40].mean(axis=0), 0.0, atol=1e-6)
        assert np.abs(p.force[:40].mean(axis=0)).max() > 5  # there was an offset


# ---- pyCGM Movement_trial: stairs -------------------------------------------------------


def test_pycgm_movement_trial() -> None:
    t = trial(PYCGM)
    np.testing.assert_array_equal(t.vertical, [0, 0, 1])
    assert (t.first_frame, t.n_frames, t.point_rate) == (695, 323, 120.0)
    # plates at 0, 0.20, 0.39, 0.58 m: a staircase; the pelvis goes down it along -X
    heights = [p.centre[2] for p in t.force_plates]
    assert heights == pytest.approx([0.0, 0.1955, 0.3889, 0.5838], abs=0.002)
    np.testing.assert_array_equal(t.walking, [-1, 0, 0])
    assert 0.25 < _mean_distance(t, "LASI", "RASI") < 0.35
    for p in t.force_plates:
        assert 1.1 * 85 * G < np.max(p.force[:, 2]) < 1.6 * 85 * G
    assert t.events == ()


def test_static_trial_is_not_walking() -> None:
    t = trial("c3d/pycgm/Static_trial.c3d")
    assert t.walking is None
    np.testing.assert_array_equal(t.vertical, [0, 0, 1])
    assert t.meta["vertical_source"] == "markers"  # nobody on the plates


def test_read_dispatches_c3d() -> None:
    t = read(data_path(EB_I), engine="numpy")
    assert t.n_frames == 450


# ---- synthetic files: processor types and data formats ----------------------------------


def _spec(proc: int, integer: bool) -> tuple[C3DSpec, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    nf, npnt = 30, 4
    base = np.array([[0, 0, 1000], [0, 200, 1000], [100, 0, 50], [100, 200, 50]], float)
    walk = np.arange(nf)[:, None, None] * np.array([10.0, 0.0, 0.0])  # 10 mm per frame
    pts = base[None] + rng.normal(0, 5, (nf, npnt, 3)) + walk
    pts = np.round(pts, 1)
    invalid = np.zeros((nf, npnt), bool)
    invalid[5, 1] = True
    raw_an = rng.integers(100, 4000, (3, nf * 5)).astype(float)
    spec = C3DSpec(
        points=pts,
        labels=["LASI", "RASI", "LHEE", "RHEE"],
        invalid=invalid,
        rate=50.0,
        first_frame=11,
        analogs=raw_an,
        analog_labels=["EMG1", "EMG2", "EMG3"],
        analog_rate=250.0,
        analog_scale=[0.5, -2.0, 1.0],
        analog_offset=[2048, 0, 100],
        gen_scale=0.25,
        processor=proc,
        integer=integer,
        labels_per_param=3,  # LABELS + LABELS2
        header_events=[("LHS", 0.3), ("RTO", 0.45)],
        extra=[
            Param("SUBJECTS", "NAMES", ["P01"]),
            Param("PROCESSING", "Bodymass", np.array([71.5])),
            Param("PROCESSING", "Height", np.array([1755.0])),
            Param("PROCESSING", "RLegLength", np.array([905.0])),
            Param("PROCESSING", "MyNumber", np.array([3.5])),
        ],
    )
    expected_an = (raw_an - np.array([2048, 0, 100])[:, None]) * (
        np.array([0.5, -2.0, 1.0]) * 0.25
    )[:, None]
    return spec, pts, expected_an


@pytest.mark.parametrize("proc", [INTEL, DEC, MIPS])
@pytest.mark.parametrize("integer", [False, True])
def test_processor_types_and_formats(tmp_path: Path, proc: int, integer: bool) -> None:
    spec, pts, expected_an = _spec(proc, integer)
    path = write(tmp_path / f"p{proc}_{integer}.c3d", spec)
    t = read_c3d(path)
    assert t.meta["processor"] == {INTEL: "intel", DEC: "dec", MIPS: "mips"}[proc]
    assert (t.first_frame, t.n_frames, t.point_rate, t.analog_rate) == (11, 30, 50.0, 250.0)
    assert list(t.markers) == ["LASI", "RASI", "LHEE", "RHEE"]
    tol = 0.05e-3 + 1e-7 if integer else 1e-7  # half an integer quantum (0.1 mm)
    for k, name in enumerate(t.markers):
        expected = pts[:, k] / 1000
        if name == "RASI":
            expected = expected.copy()
            expected[5] = np.nan
        np.testing.assert_allclose(t.markers[name], expected, atol=tol, equal_nan=True)
    for k, name in enumerate(["EMG1", "EMG2", "EMG3"]):
        np.testing.assert_allclose(t.analogs[name], expected_an[k], rtol=1e-6)
    assert [(e.side, e.kind, round(e.time_s, 5)) for e in t.events] == [
        ("left", "foot_strike", 0.3),
        ("right", "foot_off", 0.45),
    ]
    assert t.subject.name == "P01"
    assert t.subject.mass_kg == pytest.approx(71.5)
    assert t.subject.height_m == pytest.approx(1.755)
    assert t.subject.leg_length_m == pytest.approx({"right": 0.905})
    assert t.subject.extra == pytest.approx({"MyNumber": 3.5})
    np.testing.assert_array_equal(t.vertical, [0, 0, 1])  # ASIS above heels
    np.testing.assert_array_equal(t.walking, [1, 0, 0])  # 10 mm/frame at 50 Hz = 0.5 m/s


def test_unsigned_analog_format(tmp_path: Path) -> None:
    spec, _, _ = _spec(INTEL, True)
    spec.analogs = np.full((3, 150), 40000.0)  # above int16: only valid as unsigned
    spec.analog_offset = [32768, 0, 0]
    spec.analog_format = "UNSIGNED"
    t = read_c3d(write(tmp_path / "u.c3d", spec))
    np.testing.assert_allclose(t.analogs["EMG1"], (40000 - 32768) * 0.5 * 0.25)
    np.testing.assert_allclose(t.analogs["EMG2"], 40000 * -2.0 * 0.25)


def test_zero_points_are_gaps(tmp_path: Path) -> None:
    spec, pts, _ = _spec(INTEL, False)
    spec.points = pts.copy()
    spec.points[7, 2] = 0.0
    t = read_c3d(write(tmp_path / "z.c3d", spec))
    assert np.isnan(t.markers["LHEE"][7]).all()
    assert np.isfinite(t.markers["LHEE"][6]).all()


@pytest.mark.parametrize(("units", "factor"), [("mm", 1e-3), ("cm", 1e-2), ("m", 1.0)])
def test_point_units(tmp_path: Path, units: str, factor: float) -> None:
    spec, pts, _ = _spec(INTEL, False)
    spec.points = pts * 1e-3 / factor
    spec.units = units
    t = read_c3d(write(tmp_path / f"{units}.c3d", spec))
    np.testing.assert_allclose(t.markers["LASI"], pts[:, 0] / 1000, rtol=1e-6)
    assert t.meta["point_units"] == units
