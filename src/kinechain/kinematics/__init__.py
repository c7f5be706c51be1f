"""kinechain.kinematics: joint angles from marker trajectories.

Two models, one output: a Plug-in-Gait-compatible model (Conventional Gait Model 1) for the
standard PiG marker set, and an anatomical-landmark model with ISB segment frames for marker
sets that sit on landmarks (Davis/BTS, IOR/CAST, or a user's mapping). Both report angles with
the same names and Plug-in Gait signs. :func:`compute_angles` picks the model from the
markers. Methods and conventions: ``docs/kinematics.md`` and ``docs/markersets.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import MarkerSetError
from kinechain.kinematics._anatomical import AnatomicalResult, compute_anatomical
from kinechain.kinematics._checks import check_static_matches
from kinechain.kinematics._markersets import (
    MARKER_SETS,
    MarkerMapping,
    MarkerSetMatch,
    detect_markerset,
    mapping_from_dict,
)
from kinechain.kinematics._pig import PigResult, compute_pig
from kinechain.trial import Trial

FloatArray = NDArray[np.float64]

__all__ = [
    "MARKER_SETS",
    "AnatomicalResult",
    "Kinematics",
    "MarkerMapping",
    "MarkerSetMatch",
    "PigResult",
    "check_static_matches",
    "compute_anatomical",
    "compute_angles",
    "compute_pig",
    "detect_markerset",
    "mapping_from_dict",
]


@dataclass(frozen=True)
class Kinematics:
    """Joint angles of a trial and how they were obtained.

    Attributes
    ----------
    model : str
        ``"plug_in_gait"`` or ``"anatomical"``.
    markerset : str
        The marker set recognised (``"plug_in_gait"``, ``"davis"``, ``"ior"``, ``"custom"``).
    angles_deg : dict of str to (n,) arrays
    joint_centres : dict of str to (n, 3) arrays, m, lab frame
    segments : dict
        Segment poses (origin, rotation) of the model, for inverse dynamics.
    calibration : dict of str to float
    warnings : tuple of str
    """

    model: str
    markerset: str
    angles_deg: dict[str, FloatArray]
    joint_centres: dict[str, FloatArray]
    segments: dict[str, Any]
    calibration: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def _pig_names() -> dict[str, str]:
    """Role → the label compute_pig expects (the first Plug-in Gait alias, upper case)."""
    return {
        role: aliases[0].upper() for role, aliases in MARKER_SETS["plug_in_gait"].aliases.items()
    }


def _as_pig(trial: Trial, mapping: MarkerMapping) -> Trial:
    """The trial with its mapped markers renamed to the standard Plug-in Gait labels."""
    names = _pig_names()
    renamed = dict(trial.markers)
    for role, label in mapping.markers.items():
        target = names.get(role)
        if target and label in trial.markers and target not in renamed:
            renamed[target] = trial.markers[label]
    return replace(trial, markers=renamed)


def compute_angles(
    trial: Trial,
    static: Trial | None = None,
    *,
    mapping: MarkerMapping | None = None,
    model: str = "auto",
    flat_foot: bool = False,
) -> Kinematics:
    """Joint angles of a walking trial with the model its markers allow.

    Parameters
    ----------
    trial : Trial
    static : Trial, optional
        Static calibration trial of the same subject and session.
    mapping : MarkerMapping, optional
        A user's marker mapping (forces the anatomical-landmark model unless ``model`` says
        otherwise).
    model : {"auto", "plug_in_gait", "anatomical"}
    flat_foot : bool
        Plug-in Gait's "foot flat" static option: the subject stood with the sole flat on the
        floor, so the static foot axis is made horizontal (heel and toe markers at their
        heights). A lab choice that the markers cannot reveal; it changes the static
        plantarflexion offset by several degrees.

    Returns
    -------
    Kinematics

    Raises
    ------
    MarkerSetError
        No model can use the markers (the message says which landmarks are missing).
    CalibrationError
        The static trial does not match the walk.
    """
    if model not in ("auto", "plug_in_gait", "anatomical"):
        raise ValueError(f"model must be 'auto', 'plug_in_gait' or 'anatomical', got {model!r}")
    match = detect_markerset(trial, mapping)
    chosen = match.model if model == "auto" else model
    if mapping is not None and model == "auto":
        chosen = "anatomical" if match.usable else None
    if chosen is None or match.mapping is None:
        raise MarkerSetError(trial.source, match.reason or "no kinematic model fits these markers")
    if static is not None:
        check_static_matches(_as_pig(trial, match.mapping), _as_pig(static, match.mapping))
    if chosen == "plug_in_gait":
        static_pig = None
        if static is not None:
            static_match = detect_markerset(static, mapping)
            static_pig = _as_pig(static, static_match.mapping or match.mapping)
        pig = compute_pig(_as_pig(trial, match.mapping), static_pig, flat_foot=flat_foot)
        return Kinematics(
            model="plug_in_gait",
            markerset=match.name or "plug_in_gait",
            angles_deg=pig.angles_deg,
            joint_centres=pig.joint_centres,
            segments=dict(pig.segments),
            calibration=dict(pig.calibration),
            warnings=tuple(pig.warnings),
        )
    res = compute_anatomical(trial, match.mapping, static, foot_flat=flat_foot)
    return Kinematics(
        model="anatomical",
        markerset=match.name or "custom",
        angles_deg=res.angles_deg,
        joint_centres=res.joint_centres,
        segments=dict(res.segments),
        calibration=dict(res.calibration),
        warnings=tuple(res.warnings),
    )
