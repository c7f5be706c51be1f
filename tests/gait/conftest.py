"""Fixtures for kinechain.gait: Trials of the shared recordings and Vicon's own outputs.

``_load`` is a small private ezc3d reader used until ``kinechain.io.read_c3d`` exists.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kinechain.trial import Event, ForcePlate, Subject, Trial

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shared data missing: {path} (expected ../shared/data)")
    return path


# Vicon Plug-in-Gait outputs (POINT label, component) → kinechain angle name (without side).
PIG_OUTPUTS = {
    ("PelvisAngles", 0): "pelvic_tilt",
    ("PelvisAngles", 1): "pelvic_obliquity",
    ("PelvisAngles", 2): "pelvic_rotation",
    ("HipAngles", 0): "hip_flexion",
    ("HipAngles", 1): "hip_adduction",
    ("HipAngles", 2): "hip_internal_rotation",
    ("KneeAngles", 0): "knee_flexion",
    ("KneeAngles", 1): "knee_adduction",
    ("KneeAngles", 2): "knee_internal_rotation",
    ("AnkleAngles", 0): "ankle_dorsiflexion",
    ("FootProgressAngles", 2): "foot_progression",
    ("SpineAngles", 0): "spine_flexion",
    ("ThoraxAngles", 0): "thorax_tilt",
}


def _load(path: Path) -> Trial:
    import ezc3d

    c = ezc3d.c3d(str(path), extract_forceplat_data=True)
    p = c["parameters"]
    rate = float(c["header"]["points"]["frame_rate"])
    scale = 0.001 if p["POINT"]["UNITS"]["value"][0].strip().lower() == "mm" else 1.0
    labels = list(p["POINT"]["LABELS"]["value"])
    pts = c["data"]["points"]
    markers = {
        lab: np.ascontiguousarray(pts[:3, i, :].T * scale)
        for i, lab in enumerate(labels[: pts.shape[1]])
        if lab.strip()
    }
    plates = []
    totals = np.zeros(3)
    for k, fp in enumerate(c["data"].get("platform", [])):
        f = np.asarray(fp["force"], float).T
        totals += np.abs(f).sum(axis=0)
        plates.append(
            ForcePlate(
                index=k,
                plate_type=int(p["FORCE_PLATFORM"]["TYPE"]["value"][k]),
                rate=float(c["header"]["analogs"]["frame_rate"]),
                corners=np.asarray(fp["corners"], float).T / 1000.0,
                force=f,
                cop=np.asarray(fp["center_of_pressure"], float).T / 1000.0,
                free_moment=np.asarray(fp["Tz"], float).T / 1000.0,
            )
        )
    vertical = np.array([0.0, 0.0, 1.0])
    if plates and totals.any():
        vertical = np.eye(3)[int(np.argmax(totals))]
    events: list[Event] = []
    if "EVENT" in p and "CONTEXTS" in p["EVENT"]:
        ctx = p["EVENT"]["CONTEXTS"]["value"]
        lab = p["EVENT"]["LABELS"]["value"]
        times = np.asarray(p["EVENT"]["TIMES"]["value"], float)
        for i, (cx, lb) in enumerate(zip(ctx, lab, strict=False)):
            kind = {"Foot Strike": "foot_strike", "Foot Off": "foot_off"}.get(lb)
            side = {"Left": "left", "Right": "right"}.get(cx)
            if kind and side:
                events.append(Event(side, kind, float(times[0, i] * 60 + times[1, i]), "file"))  # type: ignore[arg-type]
    mass = None
    if "PROCESSING" in p and "Bodymass" in p["PROCESSING"]:
        mass = float(p["PROCESSING"]["Bodymass"]["value"][0])
    return Trial(
        source=str(path),
        point_rate=rate,
        first_frame=int(c["header"]["points"]["first_frame"]) + 1,
        n_frames=pts.shape[2],
        markers=markers,
        analog_rate=float(c["header"]["analogs"]["frame_rate"]),
        force_plates=tuple(plates),
        events=tuple(events),
        subject=Subject(mass_kg=mass),
        vertical=vertical,
    )


def load_trial(path: Path) -> Trial:
    """A Trial of a C3D file."""
    return _load(path)


def vicon_angles(path: Path) -> dict[str, np.ndarray]:
    """Vicon's Plug-in-Gait angles stored in a C3D, under kinechain names (degrees)."""
    import ezc3d

    c = ezc3d.c3d(str(path))
    labels = list(c["parameters"]["POINT"]["LABELS"]["value"])
    pts = c["data"]["points"]
    out: dict[str, np.ndarray] = {}
    for (label, comp), name in PIG_OUTPUTS.items():
        for prefix, side in (("L", "left"), ("R", "right")):
            if prefix + label in labels:
                x = np.asarray(pts[comp, labels.index(prefix + label), :], float)
                out[f"{side}_{name}"] = x
    return out


@pytest.fixture(scope="session")
def hc032_path() -> Path:
    return shared("c3d", "biomechzoo", "HC032A03.c3d")


@pytest.fixture(scope="session")
def hc032_raw_trial(hc032_walk_raw: Path) -> Trial:
    """HC032A03 with measured markers and force plates only (no EVENT group)."""
    return load_trial(hc032_walk_raw)


@pytest.fixture(scope="session")
def hc032_trial(hc032_path: Path) -> Trial:
    return load_trial(hc032_path)


@pytest.fixture(scope="session")
def hc032_vicon_events(hc032_trial: Trial) -> tuple[Event, ...]:
    return hc032_trial.events


@pytest.fixture(scope="session")
def hc032_angles(hc032_path: Path) -> dict[str, np.ndarray]:
    return vicon_angles(hc032_path)


@pytest.fixture(scope="session")
def eb015_trial() -> Trial:
    return load_trial(shared("c3d", "c3d-org", "Eb015pr.c3d"))


@pytest.fixture(scope="session")
def bts_trial() -> Trial:
    return load_trial(shared("c3d", "ezc3d", "BTS.c3d"))
