"""Shared helpers of the reader tests: paths into ../shared/data and trials read once."""

from __future__ import annotations

from pathlib import Path

from kinechain.io import read_c3d
from kinechain.trial import Trial

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

#: Every C3D file of the shared data (relative to ../shared/data).
C3D_FILES = (
    "c3d/biomechzoo/HC032A01.c3d",
    "c3d/biomechzoo/HC032A03.c3d",
    "c3d/c3d-org/Eb015pi.c3d",
    "c3d/c3d-org/Eb015pr.c3d",
    "c3d/ezc3d/BTS.c3d",
    "c3d/pycgm/Movement_trial.c3d",
    "c3d/pycgm/Static_trial.c3d",
)


def data_path(rel: str) -> Path:
    path = DATA / rel
    if not path.exists():
        raise FileNotFoundError(f"shared data missing: {rel} (expected in ../shared/data)")
    return path


_CACHE: dict[tuple[str, bool], Trial] = {}


def trial(rel: str, *, zero: bool = True) -> Trial:
    """The NumPy-engine Trial of a shared C3D file, read once per session."""
    key = (rel, zero)
    if key not in _CACHE:
        _CACHE[key] = read_c3d(data_path(rel), zero_force_plates=zero)
    return _CACHE[key]
