"""Lab-frame facts every reader needs: length units, the vertical, the walking direction.

All functions are vectorised over frames and markers. Markers are passed as one stacked
array ``(n_markers, n_frames, 3)`` in metres with NaN gaps, plus their names.

Vertical (``up``), in order of trust:

1. **force plates**: the mean ground reaction force over loaded samples points up (it
   carries the body weight);
2. **named markers**: the mean vector from foot markers (heel, toe, ankle, metatarsal...)
   to upper-body markers (head, C7, sternum, shoulders, ASIS, PSIS, sacrum) over the trial;
3. **the display hint** ``POINT:Y_SCREEN`` of a C3D file (the lab axis drawn upwards);
4. **marker spread**: the lab axis along which a frame's markers spread most (a standing
   or walking body is taller than it is wide or deep), signed so that markers sit above the
   floor (positive coordinates, floor at 0, the usual lab calibration);
5. ``+Z``.

Each estimate is snapped to the nearest signed lab axis when within 20° of it.

Walking direction: the horizontal part of the mean velocity of the pelvis markers (LASI,
RASI, LPSI, RPSI, SACR and common spellings such as ``r asis``, ``V.Sacral``), or of all
markers when no pelvis marker is found. Each marker's mean velocity is its displacement
from its first to its last valid sample divided by the time between; the median over the
markers is taken (robust to a swapped label). ``None`` when that horizontal speed is below
0.15 m/s (standing, squatting, jumping on the spot). Snapped to ±X/±Y when within 20°.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import UnitsError

__all__ = [
    "LENGTH_UNITS",
    "check_length_units",
    "detect_vertical",
    "detect_walking",
    "snap_to_axis",
    "stack_markers",
]

FloatArray = NDArray[np.float64]

#: Length unit name → metres.
LENGTH_UNITS = {"mm": 1e-3, "cm": 1e-2, "dm": 1e-1, "m": 1.0, "millimeters": 1e-3, "meters": 1.0}

#: Snap an estimated direction to a lab axis when it is within this angle, degrees.
SNAP_DEG = 20.0
#: Slowest mean horizontal pelvis speed still called walking, m/s.
MIN_WALK_SPEED = 0.15
#: Plausible size of one body in one frame, m (largest marker spread).
BODY_SPAN_M = (0.02, 20.0)

_UPPER = re.compile(
    r"(head|^[lr]?[fb]hd$|^hed[oalp]?$|^c7$|clav|strn|stern|^t10$|sho$|should|acrom"
    r"|^[lr]?asis?$|asis$|^[lr]?psis?$|sacr)"
)
_LOWER = re.compile(r"(hee$|heel|toe|^[lr]?ank$|ankle|^[lr]?mal|malleol|^[lr]?met|^[lr]?mt\d|calc)")
_PELVIS = re.compile(r"^([lr]?asis?|[lr]asis|[lr]?psis?|[lr]psis|sacr(um|al)?|vsacral)$")


@functools.lru_cache(maxsize=4096)
def norm_name(name: str) -> str:
    """Lower-case a marker name and drop everything but letters and digits."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def stack_markers(markers: dict[str, FloatArray]) -> tuple[list[str], FloatArray]:
    """Names and a ``(n_markers, n_frames, 3)`` array of the markers."""
    names = list(markers)
    if not names:
        return names, np.empty((0, 0, 3))
    return names, np.stack([markers[n] for n in names])


def _masked_mean(p: FloatArray, axis: int) -> tuple[FloatArray, NDArray[np.intp]]:
    """Mean over ``axis`` ignoring NaN, and the counts (no warning on empty slices)."""
    valid = np.isfinite(p)
    total = np.where(valid, p, 0.0).sum(axis=axis)
    count = valid.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    return np.asarray(mean, dtype=np.float64), count


def frame_span(points: FloatArray) -> FloatArray:
    """Per-frame extent of the markers along each lab axis, ``(n_frames, 3)`` (NaN if < 2)."""
    valid = np.isfinite(points[..., 0] + points[..., 1] + points[..., 2])[..., None]
    hi = np.where(valid, points, -np.inf).max(axis=0)
    lo = np.where(valid, points, np.inf).min(axis=0)
    span = hi - lo
    enough = valid.sum(axis=0)[..., 0] >= 2
    span[~enough] = np.nan
    return np.asarray(span, dtype=np.float64)


def check_length_units(source: str, points_m: FloatArray, declared: str, field: str) -> None:
    """Raise UnitsError when the markers cannot be in the units the file declares.

    The test is the typical size of the body in one frame: the median over frames of the
    diagonal of the box holding that frame's markers. A person (or a foot marker cluster) is
    2 cm to a few metres across; the same numbers read in the wrong unit are 1000 times too
    large or too small.

    Parameters
    ----------
    source : str
        File name for the message.
    points_m : (n_markers, n_frames, 3) array
        Marker positions converted to metres with the declared unit.
    declared : str
        The unit the file declares.
    field : str
        Where the unit is declared (``POINT:UNITS``, ``Units``...).
    """
    if points_m.shape[0] < 2 or points_m.shape[1] == 0:
        return
    # up to 64 frames spread over the trial are plenty for a median
    span = frame_span(points_m[:, :: max(1, points_m.shape[1] // 64)])
    diag = np.sqrt((span**2).sum(axis=1))
    diag = diag[np.isfinite(diag)]
    if diag.size == 0:
        return
    size = float(np.median(diag))
    lo, hi = BODY_SPAN_M
    if size > hi:
        raise UnitsError(
            source,
            f"units say '{declared}' but the markers of one frame span {size:.0f} m; "
            "the values look like millimetres",
            field=field,
        )
    if size < lo and points_m.shape[0] >= 3:
        raise UnitsError(
            source,
            f"units say '{declared}' but the markers of one frame span only "
            f"{size * 1000:.2f} mm; the values look like metres",
            field=field,
        )


def snap_to_axis(v: FloatArray, max_deg: float = SNAP_DEG) -> FloatArray:
    """Unit vector of ``v``, replaced by the nearest signed lab axis if within ``max_deg``."""
    n = float(np.linalg.norm(v))
    if not np.isfinite(n) or n == 0.0:
        raise ValueError("cannot snap a zero vector")
    u = np.asarray(v, dtype=np.float64) / n
    k = int(np.argmax(np.abs(u)))
    if abs(u[k]) >= np.cos(np.radians(max_deg)):
        axis = np.zeros(3)
        axis[k] = np.sign(u[k])
        return axis
    return u


def screen_axis(text: str | None) -> FloatArray | None:
    """Parse a C3D ``X_SCREEN``/``Y_SCREEN`` value such as ``'+Z'`` or ``'-Y'``."""
    if not text:
        return None
    m = re.fullmatch(r"\s*([+-]?)\s*([XYZ])\s*", text.upper())
    if m is None:
        return None
    axis = np.zeros(3)
    axis["XYZ".index(m.group(2))] = -1.0 if m.group(1) == "-" else 1.0
    return axis


def _group_mean(points: FloatArray, idx: Sequence[int]) -> FloatArray:
    """Per-frame mean position of some markers, ``(n_frames, 3)``, NaN where none valid."""
    sub = points[list(idx)]
    mean, _ = _masked_mean(sub, axis=0)
    return mean


def vertical_from_names(names: Sequence[str], points: FloatArray) -> FloatArray | None:
    """Mean foot-to-upper-body vector snapped to an axis, or None if not measurable."""
    normed = [norm_name(n) for n in names]
    up = [i for i, n in enumerate(normed) if _UPPER.search(n)]
    down = [i for i, n in enumerate(normed) if _LOWER.search(n) and i not in up]
    if not up or not down:
        return None
    d = _group_mean(points, up) - _group_mean(points, down)
    mean, count = _masked_mean(d, axis=0)
    if (count == 0).any():
        return None
    if float(np.linalg.norm(mean)) < 0.25:
        return None
    return snap_to_axis(mean)


def vertical_from_spread(points: FloatArray) -> FloatArray | None:
    """Axis of largest per-frame marker spread, signed so that markers sit above 0."""
    if points.shape[0] < 4:
        return None
    span = frame_span(points)
    med, count = _masked_mean(span, axis=0)
    if (count == 0).any():
        return None
    order = np.argsort(med)[::-1]
    if med[order[0]] < 1.3 * med[order[1]]:
        return None
    k = int(order[0])
    height, _ = _masked_mean(points[..., k].reshape(-1), axis=0)
    axis = np.zeros(3)
    axis[k] = -1.0 if float(height) < 0 else 1.0
    return axis


def detect_vertical(
    names: Sequence[str],
    points: FloatArray,
    grf_up: FloatArray | None = None,
    screen_hint: FloatArray | None = None,
) -> tuple[FloatArray, str]:
    """The lab's up direction and how it was found.

    Parameters
    ----------
    names : sequence of str
        Marker names.
    points : (n_markers, n_frames, 3) array
        Marker positions, m.
    grf_up : (3,) array, optional
        Mean ground reaction force of the loaded force-plate samples.
    screen_hint : (3,) array, optional
        The C3D ``POINT:Y_SCREEN`` axis.

    Returns
    -------
    up : (3,) array
        Unit vector.
    source : str
        ``"force_plates"``, ``"markers"``, ``"screen"``, ``"marker_spread"`` or ``"default"``.
    """
    if grf_up is not None and np.all(np.isfinite(grf_up)) and np.linalg.norm(grf_up) > 0:
        return snap_to_axis(grf_up), "force_plates"
    if points.size:
        by_names = vertical_from_names(names, points)
        if by_names is not None:
            return by_names, "markers"
    if screen_hint is not None:
        return screen_hint, "screen"
    if points.size:
        by_spread = vertical_from_spread(points)
        if by_spread is not None:
            return by_spread, "marker_spread"
    return np.array([0.0, 0.0, 1.0]), "default"


def detect_walking(
    names: Sequence[str], points: FloatArray, up: FloatArray, rate: float
) -> tuple[FloatArray | None, str]:
    """Horizontal walking direction (unit vector) and the markers it came from.

    Parameters
    ----------
    names : sequence of str
        Marker names.
    points : (n_markers, n_frames, 3) array
        Marker positions, m.
    up : (3,) array
        Unit vertical.
    rate : float
        Frame rate, Hz.

    Returns
    -------
    direction : (3,) array or None
        None when the mean horizontal speed is below ``MIN_WALK_SPEED``.
    source : str
        ``"pelvis"``, ``"all_markers"`` or ``"none"``.
    """
    if points.shape[0] == 0 or points.shape[1] < 2:
        return None, "none"
    pelvis = [i for i, n in enumerate(names) if _PELVIS.match(norm_name(n))]
    source = "pelvis"
    if not pelvis:
        pelvis = list(range(points.shape[0]))
        source = "all_markers"
    sub = points[pelvis]
    valid = np.isfinite(sub[..., 0] + sub[..., 1] + sub[..., 2])  # (k, n)
    has = valid.any(axis=1)
    n = sub.shape[1]
    first = np.argmax(valid, axis=1)
    last = n - 1 - np.argmax(valid[:, ::-1], axis=1)
    # markers seen over at least a fifth of a second
    keep = has & ((last - first) >= max(1, int(0.2 * rate)))
    if not keep.any():
        return None, "none"
    k = np.flatnonzero(keep)
    disp = sub[k, last[k]] - sub[k, first[k]]
    dt = (last[k] - first[k]) / rate
    # median over markers: robust to a few swapped labels
    v = np.median(disp / dt[:, None], axis=0)
    h = v - np.dot(v, up) * up
    speed = float(np.linalg.norm(h))
    if speed < MIN_WALK_SPEED:
        return None, "none"
    return snap_to_axis(h), source
