"""Is this static trial from the same subject (and marker placement) as the walk?

Rigid distances between markers on the same bone do not change between a static and a
walking trial of the same session; across subjects they do. The check compares the median
length of a few such distances (pelvis width, thigh and shank lengths) and the subject
values both files carry.
"""

from __future__ import annotations

import numpy as np

from kinechain.errors import CalibrationError
from kinechain.trial import Trial

__all__ = ["check_static_matches"]

#: Marker pairs on one bone (or across the pelvis) and the name used in the message.
RIGID_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("LASI", "RASI", "ASIS width"),
    ("LASI", "LKNE", "left thigh length"),
    ("RASI", "RKNE", "right thigh length"),
    ("LKNE", "LANK", "left shank length"),
    ("RKNE", "RANK", "right shank length"),
)

#: Relative difference above which distances are taken to belong to another subject. Skin
#: movement changes these distances by a few per cent in walking; other subjects differ more.
MAX_RELATIVE_DIFFERENCE = 0.12


def _median_distance(trial: Trial, a: str, b: str) -> float:
    d = np.linalg.norm(trial.markers[a] - trial.markers[b], axis=1)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else float("nan")


def check_static_matches(walk: Trial, static: Trial) -> None:
    """Raise :class:`CalibrationError` if ``static`` cannot be from the walk's subject.

    Checks, where both files carry them: subject names, body mass (±10 %), leg lengths
    (±5 %), and the rigid marker distances of :data:`RIGID_PAIRS` (±12 %).
    """
    ws, ss = walk.subject, static.subject
    if ws.name and ss.name and ws.name.strip().lower() != ss.name.strip().lower():
        raise CalibrationError(
            static.source,
            f"static trial is of subject '{ss.name}' but the walk {walk.source} is of '{ws.name}'",
        )
    if ws.mass_kg and ss.mass_kg and abs(ws.mass_kg - ss.mass_kg) > 0.10 * ws.mass_kg:
        raise CalibrationError(
            static.source,
            f"body mass {ss.mass_kg:.1f} kg differs from the walk's {ws.mass_kg:.1f} kg; "
            "is it the same subject?",
        )
    for side, length in ws.leg_length_m.items():
        other = ss.leg_length_m.get(side)
        if other and length and abs(other - length) > 0.05 * length:
            raise CalibrationError(
                static.source,
                f"{side} leg length {other * 1000:.0f} mm differs from the walk's "
                f"{length * 1000:.0f} mm; is it the same subject?",
            )
    for a, b, label in RIGID_PAIRS:
        if not (walk.has_markers(a, b) and static.has_markers(a, b)):
            continue
        dw, ds = _median_distance(walk, a, b), _median_distance(static, a, b)
        if np.isfinite(dw) and np.isfinite(ds) and abs(ds - dw) > MAX_RELATIVE_DIFFERENCE * dw:
            raise CalibrationError(
                static.source,
                f"{label} ({a}-{b}) is {ds * 1000:.0f} mm in the static trial but "
                f"{dw * 1000:.0f} mm in the walk {walk.source}: the static trial is from "
                "another subject or another marker placement",
            )
