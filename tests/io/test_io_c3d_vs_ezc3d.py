"""The NumPy C3D parser against ezc3d on every C3D file of ../shared/data.

ezc3d (in-process here; these files are well-formed) is the reference for points, analogs,
labels, rates, first frame, the parameters kinechain uses, and force-plate force, centre of
pressure and free moment (``extract_forceplat_data=True``).
"""

from __future__ import annotations

import numpy as np
import pytest
from io_data import C3D_FILES, data_path, trial

from kinechain.io import read_c3d
from kinechain.io._c3d import load_raw

ezc3d = pytest.importorskip("ezc3d")

_EZ: dict[str, object] = {}


def _ez(rel: str) -> dict:  # type: ignore[type-arg]
    if rel not in _EZ:
        _EZ[rel] = ezc3d.c3d(str(data_path(rel)), extract_forceplat_data=True)
    return _EZ[rel]  # type: ignore[return-value]


def _labels(group: dict, name: str) -> list[str]:  # type: ignore[type-arg]
    """Labels with continuations; a repeated label gets ``_2``, ``_3``... as kinechain does."""
    out: list[str] = []
    for key in [name] + [f"{name}{i}" for i in range(2, 10)]:
        if key in group:
            out += [s.strip() for s in group[key]["value"]]
    seen: dict[str, int] = {}
    for i, lab in enumerate(out):
        seen[lab] = seen.get(lab, 0) + 1
        if seen[lab] > 1:
            out[i] = f"{lab}_{seen[lab]}"
    return out


@pytest.mark.parametrize("rel", C3D_FILES)
def test_points_analogs_labels_rates(rel: str) -> None:
    c = _ez(rel)
    raw = load_raw(data_path(rel), "numpy")
    ref_pts = np.asarray(c["data"]["points"])[:3].transpose(1, 2, 0)  # (n_points, n_frames, 3)
    assert raw.points.shape == ref_pts.shape
    np.testing.assert_array_equal(np.isnan(raw.points), np.isnan(ref_pts))
    scale = np.nanmax(np.abs(ref_pts))
    np.testing.assert_allclose(raw.points, ref_pts, rtol=1e-4, atol=1e-4 * scale, equal_nan=True)
    ref_an = np.asarray(c["data"]["analogs"])[0]
    assert raw.analogs.shape == ref_an.shape
    if ref_an.size:
        np.testing.assert_allclose(raw.analogs, ref_an, rtol=1e-4, atol=1e-4 * np.abs(ref_an).max())
    params = c["parameters"]
    n_points = ref_pts.shape[0]
    assert raw.point_labels == _labels(params["POINT"], "LABELS")[:n_points]
    assert raw.analog_labels == _labels(params["ANALOG"], "LABELS")[: ref_an.shape[0]]
    assert raw.point_rate == pytest.approx(c["header"]["points"]["frame_rate"])
    assert raw.analog_rate == pytest.approx(c["header"]["analogs"]["frame_rate"])
    # ezc3d reports the first frame 0-based; kinechain keeps the file's 1-based number
    assert raw.first_frame == c["header"]["points"]["first_frame"] + 1


@pytest.mark.parametrize("rel", C3D_FILES)
def test_parameters_used(rel: str) -> None:
    params = _ez(rel)["parameters"]
    raw = load_raw(data_path(rel), "numpy")
    used = {
        "POINT": ["UNITS", "SCALE", "RATE", "LABELS", "LABELS2", "ANGLES", "FORCES", "MOMENTS"],
        "ANALOG": ["SCALE", "OFFSET", "GEN_SCALE", "RATE", "UNITS", "LABELS"],
        "FORCE_PLATFORM": ["USED", "TYPE", "CORNERS", "ORIGIN", "CHANNEL", "ZERO"],
        "EVENT": ["CONTEXTS", "LABELS", "TIMES"],
        "PROCESSING": ["Bodymass", "Height", "InterAsisDistance", "LLegLength"],
        "SUBJECTS": ["NAMES"],
        "SUBJECT": ["WEIGHT", "HEIGHT", "NAME"],
    }
    checked = 0
    for group, names in used.items():
        for name in names:
            if group not in params or name not in params[group]:
                assert name.upper() not in raw.params.get(group, {})
                continue
            ref = params[group][name]["value"]
            mine = raw.params[group][name.upper()].value
            if isinstance(ref, list | tuple):
                assert [s.strip() for s in ref] == list(mine), f"{group}:{name}"
            else:
                np.testing.assert_allclose(
                    np.asarray(mine, dtype=float), np.asarray(ref, dtype=float), rtol=1e-6
                )
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("rel", C3D_FILES)
def test_trial_markers_are_ezc3d_points_in_metres(rel: str) -> None:
    c = _ez(rel)
    t = trial(rel)
    labels = _labels(c["parameters"]["POINT"], "LABELS")
    pts = np.asarray(c["data"]["points"])[:3].transpose(1, 2, 0)
    units = c["parameters"]["POINT"]["UNITS"]["value"][0].strip()
    assert units == "mm"
    assert t.meta["point_units"] == "mm"
    assert len(t.markers) + len(t.meta["model_outputs"]) == pts.shape[0]  # type: ignore[arg-type]
    for k, lab in enumerate(labels[: pts.shape[0]]):
        if lab in t.markers:
            ref = pts[k] / 1000.0
            ref[(pts[k] == 0).all(axis=1)] = np.nan  # (0, 0, 0) is a gap
            np.testing.assert_allclose(t.markers[lab], ref, rtol=1e-6, atol=1e-9, equal_nan=True)
        else:
            out = t.meta["model_outputs"][lab]  # type: ignore[index]
            np.testing.assert_allclose(out, pts[k], rtol=1e-6, atol=1e-6, equal_nan=True)
    assert t.n_frames == pts.shape[1]
    assert t.first_frame == c["header"]["points"]["first_frame"] + 1


@pytest.mark.parametrize(
    "rel",
    [
        "c3d/biomechzoo/HC032A03.c3d",
        "c3d/ezc3d/BTS.c3d",
        "c3d/c3d-org/Eb015pr.c3d",
        "c3d/c3d-org/Eb015pi.c3d",
        "c3d/pycgm/Movement_trial.c3d",
    ],
)
def test_force_plates_match_ezc3d(rel: str) -> None:
    ez = _ez(rel)
    t = trial(rel, zero=False)  # ezc3d does not subtract the ZERO baseline
    ref = ez["data"]["platform"]
    assert len(t.force_plates) == len(ref)
    loaded_plates = 0
    for plate, q in zip(t.force_plates, ref, strict=True):
        assert q["unit_force"] == "N" and q["unit_position"] == "mm"
        force = np.asarray(q["force"]).T
        np.testing.assert_allclose(plate.force, force, atol=1e-6 * max(1.0, np.abs(force).max()))
        np.testing.assert_allclose(plate.corners, np.asarray(q["corners"]).T / 1000, atol=1e-9)
        loaded = np.isfinite(plate.cop).all(axis=1)
        # COP undefined exactly where the normal force is below 20 N
        c = plate.corners
        z = np.cross(c[0] - c[1], c[0] - c[3])
        normal = np.abs(force @ (z / np.linalg.norm(z)))
        np.testing.assert_array_equal(loaded, normal >= 20.0)
        if loaded.any():
            loaded_plates += 1
            cop = np.asarray(q["center_of_pressure"]).T[loaded] / 1000
            np.testing.assert_allclose(plate.cop[loaded], cop, atol=1e-7)
            tz = np.asarray(q["Tz"]).T[loaded] / 1000  # N·mm → N·m
            np.testing.assert_allclose(plate.free_moment[loaded], tz, atol=1e-6)
    assert loaded_plates >= 2


@pytest.mark.parametrize("rel", ["c3d/biomechzoo/HC032A03.c3d", "c3d/c3d-org/Eb015pi.c3d"])
def test_ezc3d_engine_gives_the_same_trial(rel: str) -> None:
    a = read_c3d(data_path(rel), engine="ezc3d")
    b = trial(rel)
    assert a.meta["engine"] == "ezc3d" and b.meta["engine"] == "numpy"
    assert (a.first_frame, a.n_frames, a.point_rate, a.analog_rate) == (
        b.first_frame,
        b.n_frames,
        b.point_rate,
        b.analog_rate,
    )
    assert list(a.markers) == list(b.markers)
    for name in b.markers:
        np.testing.assert_allclose(a.markers[name], b.markers[name], atol=1e-9, equal_nan=True)
    assert list(a.analogs) == list(b.analogs)
    for name in b.analogs:
        np.testing.assert_allclose(a.analogs[name], b.analogs[name], rtol=1e-6, atol=1e-9)
    for p, q in zip(a.force_plates, b.force_plates, strict=True):
        np.testing.assert_allclose(p.force, q.force, atol=1e-9)
        np.testing.assert_allclose(p.cop, q.cop, atol=1e-9, equal_nan=True)
    assert a.events == b.events
    assert a.subject == b.subject
    np.testing.assert_array_equal(a.vertical, b.vertical)
