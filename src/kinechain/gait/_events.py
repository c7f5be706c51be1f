"""Gait events: from the file, from force plates, and from kinematics (Zeni et al. 2008).

Three sources, in order of precedence:

1. ``"file"``: the events stored in the recording (C3D EVENT group), when asked for.
2. ``"force_plate"``: foot strike when the vertical ground reaction force on a plate rises
   above a threshold (20 N by default), foot off when it falls below it again; only clean
   contacts of one whole foot on one plate are used, and the foot is the one whose markers
   carry the centre of pressure.
3. ``"kinematics"``: the coordinate method of Zeni, Richards & Higginson (2008, Gait Posture
   27:710–714): foot strike at the maxima of the heel position relative to the pelvis centre
   along the walking direction, foot off at the minima of the toe position.

An event of a lower-precedence source is dropped when an event of the same side and kind from
a higher-precedence source lies within :data:`MERGE_WINDOW_S` of it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from kinechain._dsp import find_peaks
from kinechain.errors import EventError
from kinechain.gait._markers import (
    FootMarkers,
    foot_markers,
    horizontal,
    pelvis_centre,
    walking_direction,
)
from kinechain.trial import SIDES, Event, ForcePlate, Side, Trial

FloatArray = NDArray[np.float64]

__all__ = [
    "FORCE_THRESHOLD_N",
    "MERGE_WINDOW_S",
    "angle_events",
    "detect_events",
    "force_plate_events",
    "kinematic_events",
    "merge_events",
]

#: Vertical force above which a plate is loaded, N.
FORCE_THRESHOLD_N = 20.0
#: Events of the same side and kind closer than this are the same event, s.
MERGE_WINDOW_S = 0.15
#: Shortest plausible contact, s (shorter loaded runs are knocks or noise).
MIN_CONTACT_S = 0.1
#: Dips below the threshold shorter than this do not end a contact, s.
MAX_DIP_S = 0.02
#: Largest horizontal distance from the centre of pressure to the foot (heel–toe segment), m.
COP_TOLERANCE_M = 0.08
#: How far outside the plate outline the heel (at strike) or toe (at off) may be, m.
PLATE_MARGIN_M = 0.02
#: Shortest time between two kinematic events of the same kind and side, s.
MIN_EVENT_SPACING_S = 0.35
#: Window after the Zeni heel maximum in which the heel landing is looked for, s.
LANDING_WINDOW_S = 0.15
#: Interior gaps in marker data shorter than this are bridged linearly, s.
MAX_GAP_S = 0.1

_PRECEDENCE = {"file": 0, "force_plate": 1, "kinematics": 2}


# --------------------------------------------------------------------------- force plates


def _vertical_force(plate: ForcePlate, up: FloatArray) -> FloatArray:
    fz = np.asarray(plate.force @ up, dtype=np.float64)
    fz = np.where(np.isfinite(fz), fz, 0.0)
    if fz.size == 0:
        return fz
    # Some systems store the force the subject applies to the plate (pointing down).
    if abs(float(np.min(fz))) > abs(float(np.max(fz))):
        fz = -fz
    # Remove an unloaded offset (amplifier drift, unzeroed plates): the median of the samples
    # near the low end of the signal (within 5 N or 3 % of its 1-99 % span of the 1st
    # percentile), which are the unloaded ones whenever the plate is unloaded at all.
    lo, hi = np.percentile(fz, [1.0, 99.0])
    low = fz[fz <= lo + max(5.0, 0.03 * (hi - lo))]
    return np.asarray(fz - float(np.median(low)), dtype=np.float64)


def _runs(mask: NDArray[np.bool_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Start (inclusive) and end (exclusive) indices of the True runs of ``mask``."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(padded)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _crossing(fz: FloatArray, i: int, threshold: float) -> float:
    """Fractional sample index where ``fz`` crosses ``threshold`` between ``i-1`` and ``i``."""
    a, b = float(fz[i - 1]), float(fz[i])
    if b == a:
        return float(i)
    return (i - 1) + (threshold - a) / (b - a)


def _segment_distance(p: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise distance from points ``p`` to segments ``a``–``b`` (all ``(k, 3)``)."""
    ab = b - a
    denom = np.einsum("ij,ij->i", ab, ab)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / denom, 0.0, 1.0)
    t = np.where(np.isfinite(t), t, 0.0)
    closest = a + t[:, None] * ab
    return np.asarray(np.linalg.norm(p - closest, axis=1), dtype=np.float64)


def _foot_distance(cop: FloatArray, foot: FootMarkers, hp: FloatArray) -> FloatArray:
    """Horizontal distance from the COP to the foot, per frame (NaN where markers lack)."""
    cop_h = cop @ hp.T
    if foot.heel is not None and foot.toe is not None:
        return _segment_distance(cop_h, foot.heel @ hp.T, foot.toe @ hp.T)
    pts = foot.points
    if not pts:
        return np.full(cop.shape[0], np.nan)
    d = np.stack([np.linalg.norm(cop_h - p @ hp.T, axis=1) for p in pts])
    return np.asarray(np.fmin.reduce(d, axis=0), dtype=np.float64)


def _inside_plate(point: FloatArray, plate: ForcePlate, hp: FloatArray, margin: float) -> bool:
    """Whether a point lies over the plate outline (grown by ``margin``), horizontally."""
    if not np.isfinite(point).all():
        return False
    corners = plate.corners @ hp.T
    q = point @ hp.T
    # Convex polygon test in the plate plane: same sign of the cross products.
    up = np.cross(corners[1] - corners[0], corners[2] - corners[1])
    up = up / np.linalg.norm(up)
    signs = []
    for k in range(4):
        a, b = corners[k], corners[(k + 1) % 4]
        edge = b - a
        inward = np.cross(up, edge)
        inward = inward / np.linalg.norm(inward)
        signs.append(float(np.dot(q - a, inward)))
    s = np.array(signs)
    if (s >= -margin).all():
        return True
    return bool((s <= margin).all())


def force_plate_events(
    trial: Trial,
    *,
    threshold_n: float = FORCE_THRESHOLD_N,
    cop_tolerance_m: float = COP_TOLERANCE_M,
    plate_margin_m: float = PLATE_MARGIN_M,
) -> tuple[Event, ...]:
    """Foot strikes and foot offs from clean single-foot contacts on the force plates.

    A contact is a run of samples where the vertical force exceeds ``threshold_n`` (after an
    unloaded offset is removed), at least :data:`MIN_CONTACT_S` long, with dips shorter than
    :data:`MAX_DIP_S` bridged. It is used only when

    * the foot is told: over the loaded part of the contact (force above 20 % of its peak),
      the centre of pressure is nearer to one foot's heel–toe segment than to the other's;
    * it is one foot: the COP stays within ``cop_tolerance_m`` of that foot in at least 90 %
      of the loaded frames and in all of the first and last 15 % of them (a second foot on
      the plate pulls the COP away);
    * the foot is on the plate: the heel at strike and the toe at foot off lie over the plate
      outline (``plate_margin_m`` tolerance).

    A strike is reported only when the run starts after the first sample and a foot off only
    when it ends before the last one. Times are the linearly interpolated threshold crossings
    on the file's clock.

    Parameters
    ----------
    trial : Trial
        Force plates in the lab frame and foot markers (to tell the foot).
    threshold_n : float
        Vertical force threshold, N.
    cop_tolerance_m : float
        Largest horizontal COP distance from the foot's heel–toe segment, m.
    plate_margin_m : float
        Tolerance of the heel/toe over-the-plate test, m.

    Returns
    -------
    tuple of Event
        ``source="force_plate"``; empty when the trial has no plates or no foot markers.
    """
    if not trial.force_plates:
        return ()
    up = np.asarray(trial.vertical, dtype=np.float64)
    up = up / np.linalg.norm(up)
    hp = horizontal(trial)
    direction = walking_direction(trial)
    feet = {side: foot_markers(trial, side, direction) for side in SIDES}
    if not any(f.points for f in feet.values()):
        return ()
    t_frames = trial.time
    events: list[Event] = []
    for plate in trial.force_plates:
        fz = _vertical_force(plate, up)
        n = fz.size
        if n < 3:
            continue
        rate = float(plate.rate)
        t0 = trial.start_time
        loaded = fz > threshold_n
        starts, ends = _runs(loaded)
        if starts.size == 0:
            continue
        # Bridge short dips.
        keep_s, keep_e = [int(starts[0])], [int(ends[0])]
        for s, e in zip(starts[1:], ends[1:], strict=True):
            if (s - keep_e[-1]) / rate < MAX_DIP_S:
                keep_e[-1] = int(e)
            else:
                keep_s.append(int(s))
                keep_e.append(int(e))
        for s, e in zip(keep_s, keep_e, strict=True):
            if (e - s) / rate < MIN_CONTACT_S:
                continue
            seg = slice(s, e)
            peak = float(np.max(fz[seg]))
            strong = np.flatnonzero(fz[seg] > 0.2 * peak) + s
            if strong.size < 3:
                continue
            t_strong = t0 + strong / rate
            # Marker frames at the analog samples (nearest frame).
            fi = np.clip(
                np.rint((t_strong - t_frames[0]) * trial.point_rate), 0, trial.n_frames - 1
            )
            fi = fi.astype(np.intp)
            cop = plate.cop[strong]
            dist: dict[str, FloatArray] = {}
            for s_ in SIDES:
                fm = feet[s_]
                sub = FootMarkers(
                    heel=None if fm.heel is None else fm.heel[fi],
                    toe=None if fm.toe is None else fm.toe[fi],
                    ankle=None if fm.ankle is None else fm.ankle[fi],
                    names=fm.names,
                )
                dist[s_] = _foot_distance(cop, sub, hp)
            med = {
                k_: float(np.nanmedian(v_)) if np.isfinite(v_).any() else np.inf
                for k_, v_ in dist.items()
            }
            side: Side = "left" if med["left"] <= med["right"] else "right"
            d = dist[side]
            valid = np.isfinite(d)
            if valid.sum() < 0.5 * d.size or not np.isfinite(med[side]):
                continue
            other = dist["right" if side == "left" else "left"][valid]
            with np.errstate(invalid="ignore"):
                near = (d[valid] <= cop_tolerance_m) | (d[valid] <= 0.33 * other)
            k = max(1, round(0.15 * near.size))
            if near.mean() < 0.9 or not near[:k].all() or not near[-k:].all():
                continue
            foot = feet[side]
            strike_ok = s > 0
            off_ok = e < n
            if strike_ok:
                t_on = t0 + _crossing(fz, s, threshold_n) / rate
                f_on = int(
                    np.clip(np.rint((t_on - t_frames[0]) * trial.point_rate), 0, trial.n_frames - 1)
                )
                rear = (
                    foot.heel
                    if foot.heel is not None
                    else (foot.points[0] if foot.points else None)
                )
                if rear is not None and _inside_plate(rear[f_on], plate, hp, plate_margin_m):
                    events.append(Event(side, "foot_strike", float(t_on), "force_plate"))
            if off_ok:
                t_off = t0 + _crossing(fz, e, threshold_n) / rate
                f_off = int(
                    np.clip(
                        np.rint((t_off - t_frames[0]) * trial.point_rate), 0, trial.n_frames - 1
                    )
                )
                front = (
                    foot.toe if foot.toe is not None else (foot.points[-1] if foot.points else None)
                )
                if front is not None and _inside_plate(front[f_off], plate, hp, plate_margin_m):
                    events.append(Event(side, "foot_off", float(t_off), "force_plate"))
    return tuple(sorted(events, key=lambda ev: (ev.time_s, ev.side)))


# --------------------------------------------------------------------------- kinematics


def _bridge_gaps(x: FloatArray, max_gap: int) -> FloatArray:
    """Linearly fill interior NaN gaps of at most ``max_gap`` samples (1-D)."""
    x = np.array(x, dtype=np.float64, copy=True)
    bad = ~np.isfinite(x)
    if not bad.any() or bad.all():
        return x
    starts, ends = _runs(bad)
    idx = np.arange(x.size)
    good = ~bad
    filled = np.interp(idx, idx[good], x[good])
    for s, e in zip(starts, ends, strict=True):
        if s > 0 and e < x.size and (e - s) <= max_gap:
            x[s:e] = filled[s:e]
    return x


def _extrema(signal: FloatArray, rate: float, *, maxima: bool) -> FloatArray:
    """Sub-sample indices of the clear maxima (or minima) of a 1-D signal with NaN gaps."""
    y = signal if maxima else -signal
    finite = np.isfinite(y)
    starts, ends = _runs(finite)
    out: list[float] = []
    distance = max(1, round(MIN_EVENT_SPACING_S * rate))
    for s, e in zip(starts, ends, strict=True):
        if e - s < 5:
            continue
        seg = y[s:e]
        spread = float(np.percentile(seg, 95) - np.percentile(seg, 5))
        if spread <= 0:
            continue
        peaks = find_peaks(seg, prominence=0.3 * spread, distance=distance)
        for p in peaks:
            if p == 0 or p == seg.size - 1:
                continue
            a, b, c = float(seg[p - 1]), float(seg[p]), float(seg[p + 1])
            den = a - 2.0 * b + c
            off = 0.5 * (a - c) / den if den != 0 else 0.0
            out.append(s + p + float(np.clip(off, -0.5, 0.5)))
    return np.asarray(out, dtype=np.float64)


def _zeni_signal(
    point: FloatArray, origin: FloatArray, direction: FloatArray, max_gap: int
) -> FloatArray:
    rel = (point - origin) @ direction
    return _bridge_gaps(np.asarray(rel, dtype=np.float64), max_gap)


def _landing(height: FloatArray, start: float, rate: float) -> float | None:
    """Sub-sample index of the first local minimum of ``height`` within
    :data:`LANDING_WINDOW_S` after index ``start``, or None."""
    i0 = int(np.floor(start)) + 1
    i1 = min(height.size - 1, int(np.ceil(start + LANDING_WINDOW_S * rate)))
    for k in range(max(i0, 1), i1):
        a, b, c = float(height[k - 1]), float(height[k]), float(height[k + 1])
        if not (np.isfinite(a) and np.isfinite(b) and np.isfinite(c)):
            return None
        if b <= a and b < c:
            den = a - 2.0 * b + c
            off = 0.5 * (a - c) / den if den != 0 else 0.0
            return k + float(np.clip(off, -0.5, 0.5))
    return None


def kinematic_events(trial: Trial, *, refine_strike: bool = True) -> tuple[Event, ...]:
    """Foot strikes and offs from marker trajectories (Zeni et al. 2008, coordinate method).

    For each side, the heel and toe positions relative to the pelvis centre are projected on
    the walking direction: foot strike is at each clear maximum of the heel signal, foot off
    at each clear minimum of the toe signal. "Clear" means a prominence of at least 30 % of
    the signal's 5–95 % range and at least :data:`MIN_EVENT_SPACING_S` between events; the
    instant is refined to a fraction of a frame by a parabola through the extreme sample and
    its neighbours. Interior marker gaps up to :data:`MAX_GAP_S` are bridged linearly.

    With ``refine_strike`` (default), each foot strike is then moved to the heel landing: the
    first local minimum of the heel marker height within :data:`LANDING_WINDOW_S` after the
    Zeni instant (kept when there is none). The Zeni heel maximum comes while the heel is
    still descending (heel and pelvis move forward at the same speed before the heel lands);
    on HC032A03 and BTS.c3d it precedes the force-plate strike by 40–60 ms, the landing is
    within a few ms of it (see docs/gait.md). This refinement is kinechain's, not Zeni's.

    Parameters
    ----------
    trial : Trial
        Needs pelvis markers (ASIS/PSIS/sacrum) and heel and/or toe markers.
    refine_strike : bool
        Move each strike to the heel landing (default) or keep the Zeni instant.

    Returns
    -------
    tuple of Event
        ``source="kinematics"``; empty when the pelvis, the feet or the walking direction
        cannot be found.
    """
    direction = walking_direction(trial)
    origin = pelvis_centre(trial)
    if direction is None or origin is None:
        return ()
    rate = float(trial.point_rate)
    max_gap = round(MAX_GAP_S * rate)
    up = np.asarray(trial.vertical, dtype=np.float64)
    up = up / np.linalg.norm(up)
    t_frames = trial.time
    events: list[Event] = []
    idx = np.arange(trial.n_frames, dtype=np.float64)
    for side in SIDES:
        foot = foot_markers(trial, side, direction)
        rear = foot.heel if foot.heel is not None else foot.ankle
        front = foot.toe if foot.toe is not None else foot.ankle
        if rear is not None:
            sig = _zeni_signal(rear, origin, direction, max_gap)
            height = _bridge_gaps(np.asarray(rear @ up, dtype=np.float64), max_gap)
            for i in _extrema(sig, rate, maxima=True):
                if refine_strike:
                    landed = _landing(height, i, rate)
                    i = i if landed is None else landed
                events.append(
                    Event(side, "foot_strike", float(np.interp(i, idx, t_frames)), "kinematics")
                )
        if front is not None:
            sig = _zeni_signal(front, origin, direction, max_gap)
            for i in _extrema(sig, rate, maxima=False):
                events.append(
                    Event(side, "foot_off", float(np.interp(i, idx, t_frames)), "kinematics")
                )
    return tuple(sorted(events, key=lambda ev: (ev.time_s, ev.side)))


# Relative segment lengths (thigh, shank, ankle-to-toe) of Winter (2009), Biomechanics and
# Motor Control of Human Movement, 4th ed., Table 4.1: 0.245, 0.246 and ~0.11 of height
# (the last is the foot length 0.152 H less the heel behind the ankle, about 0.04 H).
_THIGH, _SHANK, _FOOT = 0.245, 0.246, 0.11


def angle_events(time: FloatArray, angles: Mapping[str, FloatArray]) -> tuple[Event, ...]:
    """Foot strikes and offs from sagittal joint angles alone (no foot markers).

    A planar leg with Winter's segment proportions is driven by the pelvic tilt and the hip,
    knee and ankle angles; the heel and toe positions relative to the hip along the walking
    direction then feed the Zeni et al. (2008) rules as in :func:`kinematic_events`. This is
    an approximation for angle-only inputs (OpenSim MOT/STO, video models).

    Parameters
    ----------
    time : (n,) array, s
        Sample times of the angles.
    angles : mapping of str to (n,) arrays, degrees
        Needs ``{side}_hip_flexion`` and ``{side}_knee_flexion``; ``{side}_pelvic_tilt`` and
        ``{side}_ankle_dorsiflexion`` are used when present (else zero).

    Returns
    -------
    tuple of Event
        ``source="kinematics"``; strikes tend to come 40–50 ms early (docs/gait.md).
    """
    time = np.asarray(time, dtype=np.float64)
    if time.size < 5:
        return ()
    rate = float(1.0 / np.median(np.diff(time)))
    idx = np.arange(time.size, dtype=np.float64)
    events: list[Event] = []
    zero = np.zeros_like(time)
    for side in SIDES:
        hip = angles.get(f"{side}_hip_flexion")
        knee = angles.get(f"{side}_knee_flexion")
        if hip is None or knee is None:
            continue
        tilt = angles.get(f"{side}_pelvic_tilt", zero)
        ankle = angles.get(f"{side}_ankle_dorsiflexion", zero)
        thigh = np.radians(np.asarray(hip, np.float64) - np.asarray(tilt, np.float64))
        shank = thigh - np.radians(np.asarray(knee, np.float64))
        # Foot pitch (toe up +) = dorsiflexion + shank forward tilt - 90 deg with foot flat.
        foot_pitch = np.radians(np.asarray(ankle, np.float64)) + shank
        ankle_x = _THIGH * np.sin(thigh) + _SHANK * np.sin(shank)
        toe_x = ankle_x + _FOOT * np.cos(foot_pitch)
        heel_x = ankle_x - 0.04 * np.cos(foot_pitch)
        max_gap = round(MAX_GAP_S * rate)
        for i in _extrema(_bridge_gaps(heel_x, max_gap), rate, maxima=True):
            events.append(Event(side, "foot_strike", float(np.interp(i, idx, time)), "kinematics"))
        for i in _extrema(_bridge_gaps(toe_x, max_gap), rate, maxima=False):
            events.append(Event(side, "foot_off", float(np.interp(i, idx, time)), "kinematics"))
    return tuple(sorted(events, key=lambda ev: (ev.time_s, ev.side)))


# --------------------------------------------------------------------------- merging


def merge_events(*groups: tuple[Event, ...], window_s: float = MERGE_WINDOW_S) -> tuple[Event, ...]:
    """Merge event sets; ``"file"`` beats ``"force_plate"`` beats ``"kinematics"``.

    An event is dropped when an event of the same side and kind from a source of higher
    precedence lies within ``window_s`` of it. Sources not in that list rank last.

    Parameters
    ----------
    *groups : tuple of Event
        Event sets, in any order.
    window_s : float
        Events of the same side and kind closer than this are one event, s.

    Returns
    -------
    tuple of Event
        Sorted by time, side and kind.
    """
    pool = [e for g in groups for e in g]
    pool.sort(key=lambda e: _PRECEDENCE.get(e.source, 99))
    kept: list[Event] = []
    for ev in pool:
        rank = _PRECEDENCE.get(ev.source, 99)
        clash = any(
            k.side == ev.side
            and k.kind == ev.kind
            and abs(k.time_s - ev.time_s) < window_s
            and _PRECEDENCE.get(k.source, 99) < rank
            for k in kept
        )
        duplicate = any(
            k.side == ev.side and k.kind == ev.kind and k.time_s == ev.time_s for k in kept
        )
        if not clash and not duplicate:
            kept.append(ev)
    return tuple(sorted(kept, key=lambda e: (e.time_s, e.side, e.kind)))


def detect_events(
    trial: Trial,
    *,
    angles: Mapping[str, FloatArray] | None = None,
    use_file_events: bool = True,
    use_force_plates: bool = True,
    supplement: bool = True,
    threshold_n: float = FORCE_THRESHOLD_N,
) -> tuple[Event, ...]:
    """All foot strikes and foot offs of a walking trial, on the file's clock.

    Parameters
    ----------
    trial : Trial
    angles : mapping of str to (n_frames,) arrays, optional
        Joint angles (degrees, kinechain names) on ``trial.time``; used only when the
        markers the kinematic method needs are missing (see :func:`angle_events`).
        ``trial.angles_deg`` is used when this is None.
    use_file_events : bool
        Use the events stored in the file (``trial.events``) when there are any.
    use_force_plates : bool
        Detect events from the force plates.
    supplement : bool
        With file events present, still add detected events that do not duplicate a file
        event (same side and kind within :data:`MERGE_WINDOW_S`). With False, file events
        alone are returned when present.
    threshold_n : float
        Force-plate threshold, N.

    Returns
    -------
    tuple of Event
        Sorted by time. Each event keeps its ``source``: ``"file"``, ``"force_plate"`` or
        ``"kinematics"``.

    Raises
    ------
    EventError
        When no event at all can be found (no file events, no usable plates, no foot
        markers and no angles).
    """
    file_events: tuple[Event, ...] = ()
    if use_file_events and trial.events:
        file_events = tuple(
            Event(e.side, e.kind, float(e.time_s), e.source or "file") for e in trial.events
        )
        if not supplement:
            return tuple(sorted(file_events, key=lambda e: (e.time_s, e.side, e.kind)))
    fp = force_plate_events(trial, threshold_n=threshold_n) if use_force_plates else ()
    kin = kinematic_events(trial)
    sides_found = {e.side for e in kin}
    if len(sides_found) < 2:
        source = angles if angles is not None else trial.angles_deg
        if source:
            extra = angle_events(trial.time, source)
            kin = kin + tuple(e for e in extra if e.side not in sides_found)
    merged = merge_events(file_events, fp, kin)
    if not merged:
        raise EventError(
            f"{trial.source}: no gait events found: the file has none, no force plate shows a "
            "clean single-foot contact, and heel/toe and pelvis markers (or joint angles) "
            "needed to detect them from kinematics are missing"
        )
    return merged
