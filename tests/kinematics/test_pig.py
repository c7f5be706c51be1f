"""Plug-in Gait (CGM1) model against Vicon's own Plug-in Gait output.

The model runs on raw-marker copies of the shared Vicon files (no model output, no
Vicon-computed subject value; ``tests/conftest.py``) and is compared with the angles Vicon
stored in the original files, which ``read_c3d`` keeps in ``meta["model_outputs"]``.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pytest

from kinechain.errors import CalibrationError, MarkerSetError
from kinechain.io import read_c3d
from kinechain.kinematics._pig import PigResult, compute_pig
from kinechain.trial import Trial

FloatArray = np.ndarray

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shared data missing: {path} (expected ../shared/data)")
    return path


def _vicon_outputs(*parts: str) -> tuple[dict[str, FloatArray], dict[str, float]]:
    """Vicon's Plug-in Gait angles and its PROCESSING values of an original file."""
    original = read_c3d(shared("c3d", *parts))
    outputs = original.meta["model_outputs"]
    assert isinstance(outputs, dict)
    angles = {
        k: np.asarray(v, dtype=np.float64) for k, v in outputs.items() if k.endswith("Angles")
    }
    params = original.meta["c3d_parameters"]
    assert isinstance(params, dict)
    processing = {
        name.upper(): float(np.ravel(getattr(param, "value", [np.nan]))[0])
        for name, param in params.get("PROCESSING", {}).items()
    }
    return angles, processing


# --------------------------------------------------------------------------- fixtures

HC032 = ("biomechzoo", "HC032A03.c3d")
PYCGM = ("pycgm", "Movement_trial.c3d")


@pytest.fixture(scope="module")
def hc032(hc032_walk_raw: Path, hc032_static_raw: Path) -> tuple[Trial, Trial]:
    return read_c3d(hc032_walk_raw), read_c3d(hc032_static_raw)


@pytest.fixture(scope="module")
def pycgm(pycgm_walk_raw: Path, pycgm_static_raw: Path) -> tuple[Trial, Trial]:
    return read_c3d(pycgm_walk_raw), read_c3d(pycgm_static_raw)


# The HC032 lab calibrated its static trial with Plug-in Gait's "foot flat" option (and
# medial malleolus markers, which the model detects by itself); the pyCGM sample did not.
# See docs/kinematics.md, "Validation".
OPTIONS = {"hc032": {"flat_foot": True}, "pycgm": {"flat_foot": False}}


@pytest.fixture(scope="module")
def results(hc032: tuple[Trial, Trial], pycgm: tuple[Trial, Trial]) -> dict[str, PigResult]:
    return {
        "hc032": compute_pig(*hc032, **OPTIONS["hc032"]),
        "pycgm": compute_pig(*pycgm, **OPTIONS["pycgm"]),
    }


@pytest.fixture(scope="module")
def vicon() -> dict[str, tuple[dict[str, FloatArray], dict[str, float]]]:
    """Vicon's own Plug-in Gait angles and PROCESSING values (reference only)."""
    return {"hc032": _vicon_outputs(*HC032), "pycgm": _vicon_outputs(*PYCGM)}


# --------------------------------------------------------------------------- accuracy

SAGITTAL, OTHER = 1.0, 2.0
#: (Vicon POINT label without side, component, kinechain name, RMSE threshold in degrees)
ANGLES = [
    ("PelvisAngles", 0, "pelvic_tilt", SAGITTAL),
    ("PelvisAngles", 1, "pelvic_obliquity", OTHER),
    ("PelvisAngles", 2, "pelvic_rotation", OTHER),
    ("HipAngles", 0, "hip_flexion", SAGITTAL),
    ("HipAngles", 1, "hip_adduction", OTHER),
    ("HipAngles", 2, "hip_internal_rotation", OTHER),
    ("KneeAngles", 0, "knee_flexion", SAGITTAL),
    ("KneeAngles", 1, "knee_adduction", OTHER),
    ("KneeAngles", 2, "knee_internal_rotation", OTHER),
    ("AnkleAngles", 0, "ankle_dorsiflexion", SAGITTAL),
    ("AnkleAngles", 1, "ankle_inversion", OTHER),
    ("AnkleAngles", 2, "ankle_internal_rotation", OTHER),
    ("FootProgressAngles", 2, "foot_progression", OTHER),
    ("SpineAngles", 0, "spine_flexion", SAGITTAL),
    ("SpineAngles", 1, "spine_lateral_flexion", OTHER),
    ("SpineAngles", 2, "spine_rotation", OTHER),
    ("ThoraxAngles", 0, "thorax_tilt", SAGITTAL),
    ("ThoraxAngles", 1, "thorax_obliquity", OTHER),
    ("ThoraxAngles", 2, "thorax_rotation", OTHER),
]


def _rmse(ours: FloatArray, ref: FloatArray) -> tuple[float, int]:
    d = (ours - ref + 180.0) % 360.0 - 180.0
    ok = np.isfinite(d)
    return float(np.sqrt(np.mean(d[ok] ** 2))), int(ok.sum())


@pytest.mark.parametrize("dataset", ["hc032", "pycgm"])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize(("label", "component", "name", "limit"), ANGLES)
def test_angle_matches_vicon_plug_in_gait(
    results: dict[str, PigResult],
    vicon: dict[str, tuple[dict[str, FloatArray], dict[str, float]]],
    dataset: str,
    side: str,
    label: str,
    component: int,
    name: str,
    limit: float,
) -> None:
    ours = results[dataset].angles_deg[f"{side}_{name}"]
    ref = vicon[dataset][0][f"{side[0].upper()}{label}"][:, component]
    rmse, n = _rmse(ours, ref)
    assert n >= 0.95 * ref.shape[0], f"only {n} comparable frames"
    assert rmse < limit, f"{dataset} {side}_{name}: RMSE {rmse:.2f} deg over {n} frames"


def test_foot_tilt_matches_vicon_foot_progress_x(
    results: dict[str, PigResult],
    vicon: dict[str, tuple[dict[str, FloatArray], dict[str, float]]],
) -> None:
    # PiG's FootProgressAngles X is the foot's tilt with its -90 deg axis offset left in.
    for dataset in ("hc032", "pycgm"):
        for side in ("left", "right"):
            ref = -(vicon[dataset][0][f"{side[0].upper()}FootProgressAngles"][:, 0] + 90.0)
            rmse, _ = _rmse(results[dataset].angles_deg[f"{side}_foot_tilt"], ref)
            assert rmse < SAGITTAL, (dataset, side, rmse)


def test_pycgm_sample_is_reproduced_to_the_hundredth_of_a_degree(
    results: dict[str, PigResult],
    vicon: dict[str, tuple[dict[str, FloatArray], dict[str, float]]],
) -> None:
    """No ambiguity in that file's processing: every angle equals Vicon's."""
    worst = 0.0
    for label, component, name, _ in ANGLES:
        for side in ("left", "right"):
            ours = results["pycgm"].angles_deg[f"{side}_{name}"]
            ref = vicon["pycgm"][0][f"{side[0].upper()}{label}"][:, component]
            d = np.abs((ours - ref + 180.0) % 360.0 - 180.0)
            worst = max(worst, float(np.nanmax(d)))
    assert worst < 0.01, worst


def test_calibration_agrees_with_vicon_static_values(
    results: dict[str, PigResult],
    vicon: dict[str, tuple[dict[str, FloatArray], dict[str, float]]],
) -> None:
    """Our static calibration against the values Vicon's static pipeline wrote (diagnostic)."""
    pairs = {
        "shank_rotation_deg": ("ShankRotation", 0.3),
        "tibial_torsion_deg": ("TibialTorsion", 0.3),
        "static_plantarflexion_deg": ("StaticPlantFlex", 0.1),
        "static_rotation_offset_deg": ("StaticRotOff", 0.1),
    }
    for dataset in ("hc032", "pycgm"):
        cal = results[dataset].calibration
        proc = vicon[dataset][1]
        for side, p in (("left", "L"), ("right", "R")):
            for ours, (theirs, tol) in pairs.items():
                expected = np.degrees(proc[(p + theirs).upper()])
                assert cal[f"{side}_{ours}"] == pytest.approx(expected, abs=tol), (
                    dataset,
                    side,
                    ours,
                )
    hc = results["hc032"].calibration
    assert hc["left_asis_trochanter_m"] == pytest.approx(0.1288 * 0.805 - 0.04856)
    assert hc["marker_radius_m"] == pytest.approx(0.005)
    assert results["pycgm"].calibration["marker_radius_m"] == pytest.approx(0.007)


def test_without_the_labs_foot_flat_option_the_ankle_is_off_by_the_foot_offset(
    hc032: tuple[Trial, Trial],
    results: dict[str, PigResult],
    vicon: dict[str, tuple[dict[str, FloatArray], dict[str, float]]],
) -> None:
    """The static plantarflexion offset decides the whole ankle curve's level (docs)."""
    plain = compute_pig(*hc032, flat_foot=False)
    ref = vicon["hc032"][0]["LAnkleAngles"][:, 0]
    rmse, _ = _rmse(plain.angles_deg["left_ankle_dorsiflexion"], ref)
    assert rmse > 3.0
    shift = (
        plain.angles_deg["left_ankle_dorsiflexion"]
        - results["hc032"].angles_deg["left_ankle_dorsiflexion"]
    )
    offsets = plain.calibration, results["hc032"].calibration
    expected = (
        offsets[0]["left_static_plantarflexion_deg"] - offsets[1]["left_static_plantarflexion_deg"]
    )
    assert np.nanmean(shift) == pytest.approx(expected, abs=0.5)
    for name in ("knee_flexion", "hip_flexion", "pelvic_tilt"):
        np.testing.assert_allclose(
            plain.angles_deg[f"left_{name}"], results["hc032"].angles_deg[f"left_{name}"]
        )


# --------------------------------------------------------------------------- behaviour


def _without(trial: Trial, *names: str) -> Trial:
    return dataclasses.replace(
        trial, markers={k: v for k, v in trial.markers.items() if k not in names}
    )


def test_missing_marker_names_file_marker_and_model(pycgm: tuple[Trial, Trial]) -> None:
    walk, static = pycgm
    with pytest.raises(MarkerSetError) as err:
        compute_pig(_without(walk, "LTIB"), static)
    message = str(err.value)
    assert walk.source in message and "LTIB" in message and "Plug-in Gait" in message
    assert err.value.field == "LTIB"


def test_missing_static_heel_marker_names_the_static_file(pycgm: tuple[Trial, Trial]) -> None:
    walk, static = pycgm
    with pytest.raises(MarkerSetError) as err:
        compute_pig(walk, _without(static, "RHEE"))
    assert static.source in str(err.value) and "RHEE" in str(err.value)


def test_marker_never_seen_is_missing(pycgm: tuple[Trial, Trial]) -> None:
    walk, static = pycgm
    markers = dict(walk.markers)
    markers["RKNE"] = np.full_like(markers["RKNE"], np.nan)
    with pytest.raises(MarkerSetError, match="RKNE"):
        compute_pig(dataclasses.replace(walk, markers=markers), static)


def test_pelvis_accepts_psis_or_sacrum(pycgm: tuple[Trial, Trial]) -> None:
    walk, static = pycgm
    base = compute_pig(walk, static)
    markers = dict(walk.markers)
    markers["SACR"] = 0.5 * (markers["LPSI"] + markers["RPSI"])
    sacr = compute_pig(_without(dataclasses.replace(walk, markers=markers), "LPSI", "RPSI"), static)
    np.testing.assert_allclose(
        sacr.angles_deg["left_pelvic_tilt"], base.angles_deg["left_pelvic_tilt"], atol=1e-9
    )
    with pytest.raises(MarkerSetError, match="LPSI"):
        compute_pig(_without(walk, "LPSI"), static)


def test_missing_subject_measurement_is_a_calibration_error(pycgm: tuple[Trial, Trial]) -> None:
    walk, static = pycgm

    def no_knee(t: Trial) -> Trial:
        widths = {"left": t.subject.knee_width_m["left"]}
        return dataclasses.replace(t, subject=dataclasses.replace(t.subject, knee_width_m=widths))

    with pytest.raises(CalibrationError, match="RKneeWidth"):
        compute_pig(no_knee(walk), no_knee(static))


def test_gaps_propagate_as_nan_without_warnings(pycgm: tuple[Trial, Trial]) -> None:
    walk, static = pycgm
    markers = dict(walk.markers)
    knee = markers["LKNE"].copy()
    knee[40:60] = np.nan
    markers["LKNE"] = knee
    with np.errstate(all="raise"):
        r = compute_pig(dataclasses.replace(walk, markers=markers), static)
    a = r.angles_deg
    for name in ("left_knee_flexion", "left_hip_flexion", "left_ankle_dorsiflexion"):
        assert np.isnan(a[name][40:60]).all(), name
        assert np.isfinite(a[name][:40]).all() and np.isfinite(a[name][60:]).all(), name
    for name in ("right_knee_flexion", "left_pelvic_tilt", "left_spine_flexion"):
        assert np.isfinite(a[name]).all(), name
    assert np.isnan(r.joint_centres["left_knee"][40:60]).all()


def test_without_static_trial_offsets_are_zero_and_a_warning_says_so(
    pycgm: tuple[Trial, Trial], results: dict[str, PigResult]
) -> None:
    walk, _ = pycgm
    r = compute_pig(walk)
    assert any("no static trial" in w for w in r.warnings)
    assert r.calibration["left_static_plantarflexion_deg"] == 0.0
    # pyCGM's static has no medial malleolus markers: only the foot offsets differ.
    for name in ("left_knee_flexion", "right_hip_adduction", "left_pelvic_rotation"):
        np.testing.assert_allclose(r.angles_deg[name], results["pycgm"].angles_deg[name])
    shift = (
        r.angles_deg["left_ankle_dorsiflexion"]
        - results["pycgm"].angles_deg["left_ankle_dorsiflexion"]
    )
    # roughly the static plantarflexion offset (exactly only in a neutral foot posture)
    assert np.nanmedian(shift) == pytest.approx(
        -results["pycgm"].calibration["left_static_plantarflexion_deg"], abs=3.0
    )


def _rotated(trial: Trial, rot: FloatArray) -> Trial:
    """The same trial in a lab turned by ``rot`` (markers, vertical and walking)."""
    return dataclasses.replace(
        trial,
        markers={k: v @ rot.T for k, v in trial.markers.items()},
        vertical=rot @ trial.vertical,
        walking=None if trial.walking is None else rot @ trial.walking,
    )


def _turned(trial: Trial, quarter_turns: int) -> Trial:
    c, s = np.round(np.cos(quarter_turns * np.pi / 2)), np.round(np.sin(quarter_turns * np.pi / 2))
    rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return _rotated(trial, rot)


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_any_walking_direction_gives_the_same_angles(
    hc032: tuple[Trial, Trial], results: dict[str, PigResult], quarter_turns: int
) -> None:
    walk, static = hc032
    turned = compute_pig(
        _turned(walk, quarter_turns), _turned(static, quarter_turns), flat_foot=True
    )
    for name, values in results["hc032"].angles_deg.items():
        np.testing.assert_allclose(turned.angles_deg[name], values, atol=1e-7, err_msg=name)


def test_a_lab_with_y_up_gives_the_same_angles(
    hc032: tuple[Trial, Trial], results: dict[str, PigResult]
) -> None:
    # turn the lab -90 deg about X: up becomes +Y (as in BTS files)
    rot = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])

    walk, static = hc032
    r = compute_pig(_rotated(walk, rot), _rotated(static, rot), flat_foot=True)
    np.testing.assert_allclose(r.progression[:, 2], [0.0, 1.0, 0.0])
    for name, values in results["hc032"].angles_deg.items():
        np.testing.assert_allclose(r.angles_deg[name], values, atol=1e-7, err_msg=name)


def test_progression_comes_from_trial_walking_when_set(hc032: tuple[Trial, Trial]) -> None:
    walk, static = hc032
    # HC032 walks along +Y; claiming +X instead turns pelvic rotation by 90 degrees.
    r = compute_pig(dataclasses.replace(walk, walking=np.array([1.0, 0.0, 0.0])), static)
    np.testing.assert_allclose(r.progression[:, 0], [1.0, 0.0, 0.0])
    base = compute_pig(walk, static)
    np.testing.assert_allclose(base.progression[:, 0], [0.0, 1.0, 0.0])
    d = r.angles_deg["left_pelvic_rotation"] - base.angles_deg["left_pelvic_rotation"]
    assert np.nanmedian(np.abs(d)) == pytest.approx(90.0, abs=1.0)


def test_standing_still_uses_the_pelvis_orientation(pycgm: tuple[Trial, Trial]) -> None:
    """A trial without progression (the static one) takes it from where the pelvis faces.

    Vicon's Plug-in Gait output of that static trial serves as the reference.
    """
    _, static = pycgm
    r = compute_pig(static, static)
    np.testing.assert_allclose(r.progression[:, 0], [1.0, 0.0, 0.0], atol=1e-12)
    assert any("pelvis orientation" in w for w in r.warnings)
    points, _ = _vicon_outputs("pycgm", "Static_trial.c3d")
    for label, names in (
        ("PelvisAngles", ("pelvic_tilt", "pelvic_obliquity", "pelvic_rotation")),
        ("ThoraxAngles", ("thorax_tilt", "thorax_obliquity", "thorax_rotation")),
        ("HipAngles", ("hip_flexion", "hip_adduction", "hip_internal_rotation")),
    ):
        for side in ("left", "right"):
            for component, name in enumerate(names):
                ref = points[f"{side[0].upper()}{label}"][:, component]
                rmse, n = _rmse(r.angles_deg[f"{side}_{name}"], ref)
                assert n > 0.95 * ref.shape[0] and rmse < 0.01, (side, name, rmse)


def test_without_trunk_markers_there_are_no_trunk_angles(pycgm: tuple[Trial, Trial]) -> None:
    walk, static = pycgm
    r = compute_pig(_without(walk, "C7", "T10", "CLAV", "STRN"), static)
    assert "left_spine_flexion" not in r.angles_deg and "thorax" not in r.segments
    assert any("trunk markers" in w for w in r.warnings)
    with pytest.raises(MarkerSetError, match="T10"):
        compute_pig(_without(walk, "T10"), static)


def test_segments_and_joint_centres(
    hc032: tuple[Trial, Trial], results: dict[str, PigResult]
) -> None:
    walk, _ = hc032
    r = results["hc032"]
    n = walk.n_frames
    expected = {"pelvis", "thorax"} | {
        f"{s}_{seg}"
        for s in ("left", "right")
        for seg in ("thigh", "shank", "shank_torsioned", "foot")
    }
    assert set(r.segments) == expected
    for name, seg in r.segments.items():
        assert seg.origin.shape == (n, 3) and seg.rotation.shape == (n, 3, 3), name
        eye = np.einsum("nji,njk->nik", seg.rotation, seg.rotation)
        np.testing.assert_allclose(eye, np.broadcast_to(np.eye(3), eye.shape), atol=1e-9)
        np.testing.assert_allclose(np.linalg.det(seg.rotation), 1.0, atol=1e-9)
        # every frame: x forward, y left, z up in the progression frame, roughly
        local = np.einsum("ji,njk->nik", r.progression, seg.rotation)
        assert np.median(local[:, 0, 0]) > 0.5 and np.median(local[:, 2, 2]) > 0.5, name
    for side, p in (("left", "L"), ("right", "R")):
        knee_marker = walk.markers[f"{p}KNE"]
        dist = np.linalg.norm(r.joint_centres[f"{side}_knee"] - knee_marker, axis=1)
        expected_dist = walk.subject.knee_width_m[side] / 2 + 0.005
        np.testing.assert_allclose(dist, expected_dist, atol=1e-9)
        thigh = r.joint_centres[f"{side}_hip"] - r.joint_centres[f"{side}_knee"]
        assert 0.3 < np.median(np.linalg.norm(thigh, axis=1)) < 0.45
        assert f"{side}_heel" in r.joint_centres and f"{side}_toe" in r.joint_centres


def test_dynamic_pass_takes_a_few_milliseconds(hc032: tuple[Trial, Trial]) -> None:
    walk, static = hc032
    compute_pig(walk, static, flat_foot=True)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        compute_pig(walk, static, flat_foot=True)
        times.append(time.perf_counter() - t0)
    assert min(times) < 0.05, times  # calibration (300 static frames) included
