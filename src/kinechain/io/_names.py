"""Joint-angle columns written by other tools, mapped onto kinechain names and signs.

kinechain angles follow the Plug-in-Gait clinical conventions, in degrees, per side:
dorsiflexion, flexion, adduction, internal rotation, inversion and anterior pelvic tilt are
positive; pelvic obliquity is positive when that side of the pelvis is up, pelvic rotation
positive when that side is forward; spine flexion (trunk on pelvis) positive.

This module is the single table of those mappings. Column names are compared after
:func:`normalise` (lower case, blanks and dashes turned into ``_``, a trailing ``_angle``
dropped when it follows a side-first name such as ``right_knee_angle``).

OpenSim models (gait2354/gait2392, Rajagopal 2015, Lai-Uhlrich 2022 as used by OpenCap,
and the Rajagopal-derived Pose2Sim models), from the joint definitions of those models:

==================  ======================================  =====================================
column              kinechain                               why the sign
==================  ======================================  =====================================
pelvis_tilt         left/right_pelvic_tilt, ``-1``          rotation about the lab Z axis (to the
                                                            right): positive lifts the front of
                                                            the pelvis, i.e. posterior tilt
pelvis_list         left_pelvic_obliquity ``+1``,           rotation about the forward axis:
                    right_pelvic_obliquity ``-1``           positive lowers the right side
pelvis_rotation     right_pelvic_rotation ``+1``,           rotation about the vertical: positive
                    left_pelvic_rotation ``-1``             brings the right side forward
hip_flexion_r/l     right/left_hip_flexion ``+1``
hip_adduction_r/l   right/left_hip_adduction ``+1``         left axis mirrored in the models
hip_rotation_r/l    right/left_hip_internal_rotation ``+1`` left axis mirrored in the models
knee_angle_r/l      right/left_knee_flexion, by values      gait2354/2392: flexion negative
                                                            (range -120..10°); Rajagopal,
                                                            Lai-Uhlrich: flexion positive
                                                            (0..120°). The column is negated
                                                            when its negative excursion (5th
                                                            percentile) exceeds its positive one
                                                            (95th percentile)
ankle_angle_r/l     right/left_ankle_dorsiflexion ``+1``
subtalar_angle_r/l  right/left_subtalar_inversion ``+1``
lumbar_extension    left/right_spine_flexion ``-1``         extension positive in the models
==================  ======================================  =====================================

The pelvis signs were checked against the marker data of OpenSim's own IK test
(``subject01_synthetic_marker_data.trc`` and its IK result): see ``tests/io``.

Sports2D (and Pose2Sim's 2D angle output) ``.mot`` columns ``right ankle``, ``left knee``,
``right hip``... (``angle_dict`` of Sports2D: ankle dorsiflexion, knee and hip flexion are
positive by construction) map with sign ``+1``. Their segment angles (``pelvis``,
``trunk``, ``right thigh``...) are angles to the horizontal, not joint angles, and are not
mapped.

myogait ``export_mot`` writes OpenSim names but its own conventions (ISB: hip and knee
flexion, ankle dorsiflexion positive; its ``pelvis_tilt`` column holds an obliquity and its
``lumbar_extension`` column a trunk lean to the vertical). A file is treated as myogait's
when its columns start ``time, hip_flexion_l, hip_flexion_r, knee_angle_l, knee_angle_r,
ankle_angle_l, ankle_angle_r``; then only hip, knee and ankle (and hip adduction) are
mapped, all with sign ``+1``.

Columns not mapped are kept unchanged in ``Trial.meta["columns"]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MYOGAIT_PREFIX",
    "MYOGAIT_RULES",
    "OPENSIM_RULES",
    "SPORTS2D_RULES",
    "AngleRule",
    "normalise",
    "rules_for",
]


@dataclass(frozen=True)
class AngleRule:
    """How one file column becomes one or more kinechain angles.

    Attributes
    ----------
    column : str
        Normalised column name.
    targets : tuple of (str, float)
        kinechain names with the sign to apply.
    auto_sign : bool
        The sign is decided from the values (OpenSim ``knee_angle``).
    """

    column: str
    targets: tuple[tuple[str, float], ...]
    auto_sign: bool = False


def normalise(name: str) -> str:
    """Normalise a column name: ``'Right knee'`` → ``'right_knee'``."""
    n = re.sub(r"[\s\-]+", "_", name.strip().lower())
    if re.match(r"^(left|right)_", n) and n.endswith("_angle"):
        n = n[: -len("_angle")]
    return n


def _sided(stem: str, target: str, sign: float = 1.0, auto: bool = False) -> list[AngleRule]:
    return [
        AngleRule(f"{stem}_r", ((f"right_{target}", sign),), auto),
        AngleRule(f"{stem}_l", ((f"left_{target}", sign),), auto),
    ]


OPENSIM_RULES: tuple[AngleRule, ...] = (
    AngleRule("pelvis_tilt", (("left_pelvic_tilt", -1.0), ("right_pelvic_tilt", -1.0))),
    AngleRule("pelvis_list", (("left_pelvic_obliquity", 1.0), ("right_pelvic_obliquity", -1.0))),
    AngleRule("pelvis_rotation", (("right_pelvic_rotation", 1.0), ("left_pelvic_rotation", -1.0))),
    *_sided("hip_flexion", "hip_flexion"),
    *_sided("hip_adduction", "hip_adduction"),
    *_sided("hip_rotation", "hip_internal_rotation"),
    *_sided("knee_angle", "knee_flexion", auto=True),
    *_sided("ankle_angle", "ankle_dorsiflexion"),
    *_sided("subtalar_angle", "subtalar_inversion"),
    AngleRule("lumbar_extension", (("left_spine_flexion", -1.0), ("right_spine_flexion", -1.0))),
)

SPORTS2D_RULES: tuple[AngleRule, ...] = tuple(
    AngleRule(f"{side}_{joint}", ((f"{side}_{target}", 1.0),))
    for side in ("left", "right")
    for joint, target in (
        ("ankle", "ankle_dorsiflexion"),
        ("knee", "knee_flexion"),
        ("hip", "hip_flexion"),
    )
)

#: Leading columns of a myogait ``export_mot`` file.
MYOGAIT_PREFIX = (
    "time",
    "hip_flexion_l",
    "hip_flexion_r",
    "knee_angle_l",
    "knee_angle_r",
    "ankle_angle_l",
    "ankle_angle_r",
)

MYOGAIT_RULES: tuple[AngleRule, ...] = (
    *_sided("hip_flexion", "hip_flexion"),
    *_sided("knee_angle", "knee_flexion"),
    *_sided("ankle_angle", "ankle_dorsiflexion"),
    *_sided("hip_adduction", "hip_adduction"),
)


def rules_for(columns: list[str]) -> tuple[str, dict[str, AngleRule]]:
    """The flavour of a file and its rules, keyed by normalised column name.

    Parameters
    ----------
    columns : list of str
        Column names as in the file (including ``time``).

    Returns
    -------
    flavour : str
        ``"myogait"`` or ``"opensim"`` (which also covers Sports2D names).
    rules : dict of str to AngleRule
    """
    norm = tuple(normalise(c) for c in columns)
    if norm[: len(MYOGAIT_PREFIX)] == MYOGAIT_PREFIX:
        return "myogait", {r.column: r for r in MYOGAIT_RULES}
    table = {r.column: r for r in OPENSIM_RULES}
    table.update({r.column: r for r in SPORTS2D_RULES})
    return "opensim", table
