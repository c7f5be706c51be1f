"""Fixtures for kinechain.gait: Trials of the shared recordings and Vicon's own outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kinechain.io import read_c3d
from kinechain.trial import Event, Trial

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


def load_trial(path: Path) -> Trial:
    """A Trial of a C3D file, read by kinechain's own reader."""
    return read_c3d(path)


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
