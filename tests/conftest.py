"""Shared fixtures: the real recordings in ../shared/data and raw-marker copies of them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

# Points a Vicon model wrote (not measured): bone outputs and virtual points.
_VIRTUAL = re.compile(
    r"^(HED|PEL|TRX|[LR](CL|FE|FO|HN|HU|RA|TI|TO))[OALP]$"
    r"|^[LR](AJC|HJC|KJC|ArchHeight|D1M0|FOF\d|HDF\d|HE1|HLX\d|PROXFF|TIB\d)$"
    r"|^CentreOfMass"
)
# Subject values a clinician types in; everything else in PROCESSING was computed by Vicon.
_MEASURED = re.compile(
    r"^(MarkerDiameter|Bodymass|Height|InterAsisDistance|[LR](LegLength|KneeWidth|AnkleWidth))$"
)


def _add_param(c3d: object, group: str, name: str, value: object) -> None:
    """Add a parameter keeping integer types (ezc3d's helper turns int lists into floats)."""
    from ezc3d import ezc3d as swig

    arr = np.asarray(value)
    if arr.dtype.kind in "iu":
        param = swig.Parameter(name, "")
        param.set(
            swig.VecInt([int(v) for v in arr.reshape(-1, order="F")]),
            swig.VecUInt([int(s) for s in arr.shape]),
        )
        c3d._storage["parameters"].add_parameter(group, param)  # type: ignore[attr-defined]
    else:
        c3d.add_parameter(group, name, value)  # type: ignore[attr-defined]


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shared data missing: {path} (expected ../shared/data)")
    return path


def write_raw_copy(src: Path, dst: Path, *, keep_events: bool = False) -> Path:
    """Write a copy of a Vicon C3D holding only measured markers, analogs and force plates.

    Model outputs (angles, forces, moments, powers, scalars), virtual points, the EVENT group
    and every computed PROCESSING value are left out, so that nothing Vicon computed can leak
    into a result computed from the copy.
    """
    import ezc3d

    c = ezc3d.c3d(str(src))
    params = c["parameters"]
    pt = params["POINT"]
    labels = list(pt["LABELS"]["value"])
    if "LABELS2" in pt:
        labels += list(pt["LABELS2"]["value"])
    outputs: set[str] = set()
    for grp in ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS"):
        if grp in pt:
            outputs.update(pt[grp]["value"])
    keep = [i for i, lab in enumerate(labels) if lab not in outputs and not _VIRTUAL.match(lab)]
    out = ezc3d.c3d()
    out["parameters"]["POINT"]["RATE"]["value"] = pt["RATE"]["value"]
    out["parameters"]["POINT"]["LABELS"]["value"] = tuple(labels[i] for i in keep)
    out["parameters"]["POINT"]["UNITS"]["value"] = pt["UNITS"]["value"]
    out["data"]["points"] = np.ascontiguousarray(c["data"]["points"][:, keep, :])
    an = params["ANALOG"]
    out["parameters"]["ANALOG"]["RATE"]["value"] = an["RATE"]["value"]
    out["parameters"]["ANALOG"]["LABELS"]["value"] = tuple(an["LABELS"]["value"])
    out["parameters"]["ANALOG"]["UNITS"]["value"] = tuple(an["UNITS"]["value"])
    out["data"]["analogs"] = c["data"]["analogs"]
    if "FORCE_PLATFORM" in params:
        for key, val in params["FORCE_PLATFORM"].items():
            if key.startswith("__") or np.size(val["value"]) == 0:
                continue
            _add_param(out, "FORCE_PLATFORM", key, val["value"])
    for key in ("CAMERA_RATE", "ACTUAL_START_FIELD", "ACTUAL_END_FIELD"):
        if "TRIAL" in params and key in params["TRIAL"]:
            _add_param(out, "TRIAL", key, params["TRIAL"][key]["value"])
    if "PROCESSING" in params:
        for key, val in params["PROCESSING"].items():
            if _MEASURED.match(key):
                _add_param(out, "PROCESSING", key, val["value"])
    if keep_events and "EVENT" in params:
        for key, val in params["EVENT"].items():
            if not key.startswith("__"):
                _add_param(out, "EVENT", key, val["value"])
    out["header"]["points"]["first_frame"] = c["header"]["points"]["first_frame"]
    out.write(str(dst))
    return dst


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("raw")


@pytest.fixture(scope="session")
def hc032_walk_raw(raw_dir: Path) -> Path:
    return write_raw_copy(shared("c3d", "biomechzoo", "HC032A03.c3d"), raw_dir / "HC032A03_raw.c3d")


@pytest.fixture(scope="session")
def hc032_static_raw(raw_dir: Path) -> Path:
    return write_raw_copy(shared("c3d", "biomechzoo", "HC032A01.c3d"), raw_dir / "HC032A01_raw.c3d")


@pytest.fixture(scope="session")
def pycgm_walk_raw(raw_dir: Path) -> Path:
    return write_raw_copy(
        shared("c3d", "pycgm", "Movement_trial.c3d"), raw_dir / "pycgm_move_raw.c3d"
    )


@pytest.fixture(scope="session")
def pycgm_static_raw(raw_dir: Path) -> Path:
    return write_raw_copy(
        shared("c3d", "pycgm", "Static_trial.c3d"), raw_dir / "pycgm_static_raw.c3d"
    )
