"""Shared, session-scoped inputs of the load tests: HC032 raw copies, Plug-in Gait, moments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kinechain.io import read_c3d
from kinechain.kinematics import compute_pig
from kinechain.kinematics._pig import PigResult
from kinechain.load import JointMoments, LumbarLoad, inverse_dynamics, lumbar_load
from kinechain.trial import Trial

#: ../shared/data relative to the project root.
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
#: HC032A: 60.3 kg (MANIFEST.md).
HC032_MASS_KG = 60.3


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shared data missing: {path} (expected ../shared/data)")
    return path


@pytest.fixture(scope="session")
def walk(hc032_walk_raw: Path) -> Trial:
    return read_c3d(hc032_walk_raw)


@pytest.fixture(scope="session")
def static(hc032_static_raw: Path) -> Trial:
    return read_c3d(hc032_static_raw)


@pytest.fixture(scope="session")
def pig(walk: Trial, static: Trial) -> PigResult:
    # HC032's lab calibrated with the foot-flat option (docs/kinematics.md).
    return compute_pig(walk, static, flat_foot=True)


@pytest.fixture(scope="session")
def vicon() -> dict[str, Any]:
    """Vicon's own Plug-in Gait outputs of the original HC032A03 file."""
    original = read_c3d(shared("c3d", "biomechzoo", "HC032A03.c3d"))
    outputs = original.meta["model_outputs"]
    assert isinstance(outputs, dict)
    units = original.meta["model_output_units"]
    assert isinstance(units, dict)
    return {
        "outputs": {k: np.asarray(v, dtype=np.float64) for k, v in outputs.items()},
        "units": units,
        "events": original.events,
    }


@pytest.fixture(scope="session")
def moments(walk: Trial, pig: PigResult) -> JointMoments:
    return inverse_dynamics(walk, pig, body_mass_kg=HC032_MASS_KG)


@pytest.fixture(scope="session")
def lumbar(walk: Trial, pig: PigResult) -> LumbarLoad:
    return lumbar_load(walk, pig, body_mass_kg=HC032_MASS_KG)
