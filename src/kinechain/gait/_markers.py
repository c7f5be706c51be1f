"""Finding the few markers gait events and spatiotemporal parameters need.

Marker names differ between marker sets (Plug-in Gait ``LHEE``, Davis/BTS ``l heel``, the
c3d.org sample's ``LFT1``...). Names are compared after lower-casing and dropping everything
that is not a letter or a digit, and after removing a Vicon subject prefix (``HC032A:LHEE``).
When a side has foot markers but none is named as heel or toe, the heel is the foot marker
that is, on average, furthest back along the walking direction and the toe the one furthest
forward.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kinechain.trial import Side, Trial

FloatArray = NDArray[np.float64]

__all__ = [
    "FootMarkers",
    "foot_markers",
    "horizontal",
    "pelvis_centre",
    "walking_direction",
]

_SIDE_PREFIX = {"left": ("left", "l"), "right": ("right", "r")}
_HEEL = ("heel", "hee", "calc", "cal", "hl")
_TOE = ("toe", "ttoe", "met", "mt2", "mth2", "m2", "mt1", "mt5", "mth1", "mth5", "d2m", "p2m")
_ANKLE = ("ank", "ankle", "mal", "lmal", "latmal", "lm")
_FOOT_GENERIC = re.compile(r"^(ft|foot|fo)\d*$")
_PELVIS = re.compile(
    r"^(l|r|left|right)?(asi|asis|psi|psis)$|^(sacr|sacrum|sac|sacral|pv\d|pelvis\d?)$"
)


_NON_ALNUM = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    name = name.rsplit(":", 1)[-1]
    return _NON_ALNUM.sub("", name.lower())


def _strip_side(key: str, side: Side) -> str | None:
    for prefix in _SIDE_PREFIX[side]:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return None


@dataclass(frozen=True)
class FootMarkers:
    """The markers of one foot, each ``(n, 3)`` in metres, lab frame (``None`` if absent)."""

    heel: FloatArray | None
    toe: FloatArray | None
    ankle: FloatArray | None
    names: tuple[str, ...]

    @property
    def points(self) -> list[FloatArray]:
        return [p for p in (self.heel, self.toe, self.ankle) if p is not None]


def horizontal(trial: Trial) -> FloatArray:
    """Projector (3x3) onto the horizontal plane of the trial."""
    z = np.asarray(trial.vertical, dtype=np.float64)
    z = z / np.linalg.norm(z)
    return np.asarray(np.eye(3) - np.outer(z, z), dtype=np.float64)


def pelvis_centre(trial: Trial) -> FloatArray | None:
    """Mean of the pelvic markers (ASIS, PSIS, sacrum...) per frame, ``(n, 3)`` m, or None.

    A fixed set of markers is used for every frame (the markers present in at least 90 % of
    frames), so that a marker dropping out never shifts the centre; frames where any of them
    is missing are NaN.
    """
    names = [n for n in trial.markers if _PELVIS.match(_key(n))]
    if not names:
        return None
    stack = np.stack([trial.markers[n] for n in names])  # (m, n, 3)
    present = np.isfinite(stack).all(axis=2).mean(axis=1) >= 0.9
    if not present.any():
        present = np.isfinite(stack).all(axis=2).mean(axis=1) > 0
    if not present.any():
        return None
    chosen = stack[present]
    return np.asarray(chosen.mean(axis=0), dtype=np.float64)


def _quiet_nanmean(x: FloatArray) -> Any:
    """``nanmean`` over axis 0 without the empty-slice warning (NaN where all are NaN)."""
    ok = np.isfinite(x)
    count = ok.sum(axis=0)
    total = np.where(ok, x, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / np.where(count > 0, count, np.nan)


def _first(trial: Trial, side: Side, stems: tuple[str, ...]) -> tuple[str, FloatArray] | None:
    by_stem: dict[str, str] = {}
    for name in trial.markers:
        stem = _strip_side(_key(name), side)
        if stem is not None:
            by_stem.setdefault(stem, name)
    for stem in stems:
        if stem in by_stem:
            name = by_stem[stem]
            return name, trial.markers[name]
    return None


def foot_markers(trial: Trial, side: Side, direction: FloatArray | None = None) -> FootMarkers:
    """Heel, toe and ankle markers of one foot.

    Parameters
    ----------
    trial : Trial
    side : {"left", "right"}
    direction : (3,) array, optional
        Walking direction, used to tell heel from toe among unnamed foot markers.
    """
    heel = _first(trial, side, _HEEL)
    toe = _first(trial, side, _TOE)
    ankle = _first(trial, side, _ANKLE)
    if (heel is None or toe is None) and direction is not None:
        generic = [
            (n, x)
            for n, x in trial.markers.items()
            if (s := _strip_side(_key(n), side)) is not None and _FOOT_GENERIC.match(s)
        ]
        if len(generic) >= 2:
            centroid = _quiet_nanmean(np.stack([x for _, x in generic]))
            along = [_quiet_nanmean((x - centroid) @ direction) for _, x in generic]
            along = [a if np.isfinite(a) else 0.0 for a in along]
            if heel is None:
                heel = generic[int(np.argmin(along))]
            if toe is None:
                toe = generic[int(np.argmax(along))]
    names = tuple(m[0] for m in (heel, toe, ankle) if m is not None)
    return FootMarkers(
        heel=None if heel is None else heel[1],
        toe=None if toe is None else toe[1],
        ankle=None if ankle is None else ankle[1],
        names=names,
    )


def _any_foot(trial: Trial) -> list[FloatArray]:
    out: list[FloatArray] = []
    for side in ("left", "right"):
        fm = foot_markers(trial, side)
        out.extend(fm.points)
    return out


def walking_direction(trial: Trial) -> FloatArray | None:
    """Unit horizontal walking direction, lab frame.

    ``trial.walking`` when set; otherwise the horizontal displacement of the pelvis centre
    from its first to its last valid frame (at least 0.3 m); otherwise, for treadmill-like
    trials, the main horizontal axis of heel motion relative to the pelvis, signed so that
    the faster of the two phases (swing) moves forward. None when it cannot be told.
    """
    hp = horizontal(trial)
    if trial.walking is not None:
        w = hp @ np.asarray(trial.walking, dtype=np.float64)
        norm = float(np.linalg.norm(w))
        return w / norm if norm > 0 else None
    pc = pelvis_centre(trial)
    if pc is None:
        feet = _any_foot(trial)
        if not feet:
            return None
        pc = np.asarray(_quiet_nanmean(np.stack(feet)), dtype=np.float64)
    ok = np.flatnonzero(np.isfinite(pc).all(axis=1))
    if ok.size < 2:
        return None
    disp = hp @ (pc[ok[-1]] - pc[ok[0]])
    dist = float(np.linalg.norm(disp))
    if dist >= 0.3:
        return np.asarray(disp / dist, dtype=np.float64)
    # Treadmill: principal axis of the heel relative to the pelvis.
    for side in ("left", "right"):
        fm = foot_markers(trial, side)
        if fm.heel is None:
            continue
        rel = (fm.heel - pc) @ hp.T
        rel = rel[np.isfinite(rel).all(axis=1)]
        if rel.shape[0] < 10:
            continue
        rel = rel - rel.mean(axis=0)
        _, _, vt = np.linalg.svd(rel, full_matrices=False)
        axis = vt[0]
        vel = np.diff(rel @ axis)
        # Swing (forward) is shorter and faster than stance (backward): positive skew.
        if float(np.mean(vel**3)) < 0:
            axis = -axis
        return np.asarray(axis / np.linalg.norm(axis), dtype=np.float64)
    return None
