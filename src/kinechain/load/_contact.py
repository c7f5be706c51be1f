"""Ground reaction loads at the marker rate, and which foot each force-plate contact belongs to.

A plate contact is given to a foot only when it is clean: one whole foot on one plate. Every
frame of every side then gets one of three states:

* **on plate**: the foot's ground reaction force, centre of pressure and free moment are known;
* **swing** (from the gait events): the foot is in the air, its external load is zero;
* **unknown**: the foot is on the ground but not cleanly on one plate (off the plates, on two
  plates, sharing a plate with the other foot, partly over a plate edge...). Joint moments of
  that side, and everything above it, are NaN there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kinechain.gait._events import COP_TOLERANCE_M as GAIT_COP_TOLERANCE_M
from kinechain.gait._events import FORCE_THRESHOLD_N
from kinechain.load._signal import finite_runs, lowpass
from kinechain.trial import SIDES, Event, ForcePlate, Side, Trial

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

__all__ = [
    "CONTACT_THRESHOLD_N",
    "COP_TOLERANCE_M",
    "PLATE_MARGIN_M",
    "ExternalLoads",
    "PlateContact",
    "external_loads",
    "stance_mask",
]

#: Vertical force above which a plate is loaded, N: the gait events' threshold, one value.
CONTACT_THRESHOLD_N = FORCE_THRESHOLD_N
#: Largest horizontal distance from the centre of pressure to the foot's heel–toe line, m
#: (shared with the gait events' foot assignment).
COP_TOLERANCE_M = GAIT_COP_TOLERANCE_M
#: How far outside the plate outline the heel and toe markers may be, m.
PLATE_MARGIN_M = 0.03
#: A load whose centre of pressure comes this close to a foot may be that foot's, m.
NEAR_FOOT_M = 0.15


@dataclass(frozen=True)
class PlateContact:
    """One loaded period of one force plate, at the marker rate.

    Attributes
    ----------
    plate : int
        Index into ``trial.force_plates``.
    start, stop : int
        Marker frames ``[start, stop)`` during which the plate is loaded.
    side : {"left", "right"} or None
        The foot the centre of pressure belongs to (None when neither foot is near it).
    clean : bool
        True when one whole foot, and nothing else, is on the plate: the load is used.
    reason : str
        Why the contact is not clean (empty when it is).
    """

    plate: int
    start: int
    stop: int
    side: Side | None
    clean: bool
    reason: str = ""


@dataclass(frozen=True)
class ExternalLoads:
    """Ground reaction loads on each foot at the marker rate, lab frame.

    Attributes
    ----------
    force : dict of side to (n, 3) array, N
        Ground reaction force on the foot; zero when the foot has no clean plate contact.
    moment_origin : dict of side to (n, 3) array, N·m
        Moment of the ground reaction (force at the centre of pressure plus free moment)
        about the lab origin. The moment about a point ``p`` is ``moment_origin − p × force``.
    cop : dict of side to (n, 3) array, m
        Centre of pressure, NaN when the foot is not on a plate.
    on_plate : dict of side to (n,) bool array
    swing : dict of side to (n,) bool array
        The foot is in the air (from the gait events).
    valid : dict of side to (n,) bool array
        The foot's external load is known: on a plate, or in swing and not near an unassigned
        load.
    measured : dict of side to (n,) bool array
        Whatever the foot does is measured, though perhaps not separately from the other foot:
        it is in swing, or its heel and toe are over loaded plates. Where both sides are
        measured, ``total_force`` is the whole ground reaction on the body.
    total_force : (n, 3) array, N
        Sum of all plates' forces (loaded samples only).
    total_moment_origin : (n, 3) array, N·m
        Sum of all plates' moments about the lab origin.
    contacts : tuple of PlateContact
    """

    force: dict[str, FloatArray]
    moment_origin: dict[str, FloatArray]
    cop: dict[str, FloatArray]
    on_plate: dict[str, BoolArray]
    swing: dict[str, BoolArray]
    valid: dict[str, BoolArray]
    measured: dict[str, BoolArray]
    total_force: FloatArray
    total_moment_origin: FloatArray
    contacts: tuple[PlateContact, ...]


def _to_frames(x: FloatArray, analog_rate: float, trial: Trial) -> FloatArray:
    """Samples at the analog rate → samples at the marker frame times (linear interpolation).

    Analog sample 0 is at the time of marker frame 0 (C3D convention).
    """
    n = trial.n_frames
    ta = np.arange(x.shape[0]) / analog_rate
    tf = np.arange(n) / trial.point_rate
    out = np.empty((n, x.shape[1]))
    for k in range(x.shape[1]):
        out[:, k] = np.interp(tf, ta, x[:, k], left=np.nan, right=np.nan)
    return out


def _unloaded_offset(fz: FloatArray) -> float:
    """Vertical force a plate reads when unloaded (amplifier drift, plate not zeroed), N.

    The median of the samples within max(5 N, 3 % of the 1–99 % span) of the 1st percentile
    (the rule ``kinechain.gait`` uses); 0 when the plate is never unloaded or reads below 0.
    Used only to decide which samples are loaded, not to correct the force.
    """
    ok = fz[np.isfinite(fz)]
    if ok.size == 0:
        return 0.0
    lo, hi = np.percentile(ok, [1.0, 99.0])
    low = ok[ok <= lo + max(5.0, 0.03 * (hi - lo))]
    offset = float(np.median(low))
    return offset if 0.0 < offset < CONTACT_THRESHOLD_N * 5 else 0.0


def _plate_loads(
    plate: ForcePlate, trial: Trial, up: FloatArray, cutoff_hz: float | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Force, moment about the lab origin, COP and vertical force of a plate at marker rate."""
    f = np.asarray(plate.force, dtype=np.float64)
    cop = np.asarray(plate.cop, dtype=np.float64)
    free = np.nan_to_num(np.asarray(plate.free_moment, dtype=np.float64))
    fz = f @ up
    loaded = np.isfinite(fz) & (fz - _unloaded_offset(fz) > CONTACT_THRESHOLD_N)
    loaded &= np.isfinite(cop).all(axis=1)
    f = np.where(loaded[:, None], f, 0.0)
    centre = plate.centre
    # Moment about the plate centre first (small lever arms), then carried to the origin.
    m_c = np.cross(np.where(loaded[:, None], cop - centre, 0.0), f) + np.where(
        loaded[:, None], free, 0.0
    )
    m_o = m_c + np.cross(centre, f)
    if cutoff_hz is not None:
        f = lowpass(f, plate.rate, cutoff_hz)
        m_o = lowpass(m_o, plate.rate, cutoff_hz)
    f_fr = _to_frames(f, plate.rate, trial)
    m_fr = _to_frames(m_o, plate.rate, trial)
    cop_fr = _to_frames(np.where(loaded[:, None], cop, np.nan), plate.rate, trial)
    fz_fr = _to_frames(np.where(loaded, fz, 0.0)[:, None], plate.rate, trial)[:, 0]
    return f_fr, m_fr, cop_fr, fz_fr


def _horizontal(points: FloatArray, up: FloatArray) -> FloatArray:
    return np.asarray(points - (points @ up)[..., None] * up, dtype=np.float64)


def _segment_distance(p: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise distance from points ``p`` to the segments ``a``–``b``."""
    ab = b - a
    denom = np.einsum("ij,ij->i", ab, ab)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / denom, 0.0, 1.0)
    t = np.where(np.isfinite(t), t, 0.0)
    return np.asarray(np.linalg.norm(p - (a + t[:, None] * ab), axis=1), dtype=np.float64)


def _inside(points: FloatArray, corners: FloatArray, up: FloatArray, margin: float) -> BoolArray:
    """Whether each point lies over the (convex) plate outline grown by ``margin``."""
    c = _horizontal(corners, up)
    q = _horizontal(points, up)
    signs = []
    for k in range(4):
        a, b = c[k], c[(k + 1) % 4]
        inward = np.cross(up, b - a)
        inward = inward / np.linalg.norm(inward)
        signs.append((q - a) @ inward)
    s = np.stack(signs, axis=-1)
    ok = np.isfinite(s).all(axis=-1)
    return np.asarray(ok & ((s >= -margin).all(axis=-1) | (s <= margin).all(axis=-1)))


def stance_mask(events: Sequence[Event], side: Side, time: FloatArray) -> BoolArray | None:
    """Frames where ``side`` is on the ground according to the gait events.

    Between a foot strike and the next foot off the foot is on the ground; before the first
    event (after the last) the state is the one that event starts from (leads to). None when
    the side has no event at all.
    """
    ev = sorted((e for e in events if e.side == side), key=lambda e: e.time_s)
    if not ev:
        return None
    stance = np.zeros(time.shape, dtype=bool)
    state = ev[0].kind == "foot_off"  # before a foot off the foot was on the ground
    prev_t = -np.inf
    for e in ev:
        stance[(time >= prev_t) & (time < e.time_s)] = state
        state = e.kind == "foot_strike"
        prev_t = e.time_s
    stance[time >= prev_t] = state
    return stance


def external_loads(
    trial: Trial,
    joint_centres: Mapping[str, FloatArray],
    events: Sequence[Event] | None,
    *,
    force_cutoff_hz: float | None = None,
) -> ExternalLoads:
    """Assign the force-plate loads to the feet, frame by frame.

    Parameters
    ----------
    trial : Trial
        Force plates (lab frame, analog rate), vertical axis, frame rate.
    joint_centres : mapping
        ``{side}_heel`` (optional), ``{side}_toe`` and ``{side}_ankle`` trajectories, m.
    events : sequence of Event or None
        Foot strikes and foot offs; they tell swing (no external load) from stance. Without
        events a foot counts only when it is on a plate.
    force_cutoff_hz : float, optional
        Low-pass the plate force and moment (at the analog rate) before resampling. None
        (default) uses them unfiltered, as Plug-in Gait does.

    Returns
    -------
    ExternalLoads
    """
    n = trial.n_frames
    up = np.asarray(trial.vertical, dtype=np.float64)
    up = up / np.linalg.norm(up)
    zeros3 = np.zeros((n, 3))
    force: dict[str, FloatArray] = {s: zeros3.copy() for s in SIDES}
    moment: dict[str, FloatArray] = {s: zeros3.copy() for s in SIDES}
    cop: dict[str, FloatArray] = {s: np.full((n, 3), np.nan) for s in SIDES}
    on_plate: dict[str, BoolArray] = {s: np.zeros(n, dtype=bool) for s in SIDES}
    near_unknown: dict[str, BoolArray] = {s: np.zeros(n, dtype=bool) for s in SIDES}
    time = np.arange(n) / trial.point_rate + trial.start_time
    stance: dict[str, BoolArray | None] = {
        s: (stance_mask(events, s, time) if events else None) for s in SIDES
    }

    feet: dict[str, tuple[FloatArray, FloatArray]] = {}
    for s in SIDES:
        rear = joint_centres.get(f"{s}_heel")
        if rear is None:
            rear = joint_centres[f"{s}_ankle"]
        feet[s] = (np.asarray(rear, dtype=np.float64), np.asarray(joint_centres[f"{s}_toe"]))

    contacts: list[PlateContact] = []
    per_plate: list[tuple[FloatArray, FloatArray, FloatArray]] = []
    total_f = zeros3.copy()
    total_m = zeros3.copy()
    heel_over: dict[str, BoolArray] = {s: np.zeros(n, dtype=bool) for s in SIDES}
    toe_over: dict[str, BoolArray] = {s: np.zeros(n, dtype=bool) for s in SIDES}
    for i, plate in enumerate(trial.force_plates):
        f_fr, m_fr, cop_fr, fz_fr = _plate_loads(plate, trial, up, force_cutoff_hz)
        per_plate.append((f_fr, m_fr, cop_fr))
        total_f = total_f + f_fr
        total_m = total_m + m_fr
        loaded = np.isfinite(fz_fr) & (fz_fr > CONTACT_THRESHOLD_N)
        for s in SIDES:
            rear, toe = feet[s]
            heel_over[s] |= loaded & _inside(rear, plate.corners, up, PLATE_MARGIN_M)
            toe_over[s] |= loaded & _inside(toe, plate.corners, up, PLATE_MARGIN_M)
        for start, stop in finite_runs(loaded):
            contacts.append(_classify(i, start, stop, plate, fz_fr, cop_fr, feet, stance, up))

    # A foot on two plates at once: neither contact is usable.
    clean = [c for c in contacts if c.clean]
    for a in clean:
        for b in clean:
            if a is not b and a.side == b.side and a.start < b.stop and b.start < a.stop:
                contacts[contacts.index(a)] = PlateContact(
                    a.plate, a.start, a.stop, a.side, False, "the foot is on two plates at once"
                )
    for c in contacts:
        f_fr, m_fr, cop_fr = per_plate[c.plate]
        sl = slice(c.start, c.stop)
        if c.clean and c.side is not None:
            force[c.side][sl] = f_fr[sl]
            moment[c.side][sl] = m_fr[sl]
            cop[c.side][sl] = cop_fr[sl]
            on_plate[c.side][sl] = True
        else:
            for s in SIDES:
                rear, toe = feet[s]
                d = _segment_distance(
                    _horizontal(cop_fr[sl], up), _horizontal(rear[sl], up), _horizontal(toe[sl], up)
                )
                with np.errstate(invalid="ignore"):
                    near = ~np.isfinite(d) | (d < NEAR_FOOT_M)
                near_unknown[s][sl] |= near | (c.side == s)

    swing: dict[str, BoolArray] = {}
    valid: dict[str, BoolArray] = {}
    measured: dict[str, BoolArray] = {}
    for s in SIDES:
        st = stance[s]
        swing[s] = np.zeros(n, dtype=bool) if st is None else (~st & ~on_plate[s])
        valid[s] = on_plate[s] | (swing[s] & ~near_unknown[s])
        measured[s] = swing[s] | on_plate[s] | (heel_over[s] & toe_over[s])
    ok = np.isfinite(total_f).all(axis=1) & np.isfinite(total_m).all(axis=1)
    for s in SIDES:
        measured[s] &= ok
    return ExternalLoads(
        force, moment, cop, on_plate, swing, valid, measured, total_f, total_m, tuple(contacts)
    )


def _classify(
    index: int,
    start: int,
    stop: int,
    plate: ForcePlate,
    fz: FloatArray,
    cop: FloatArray,
    feet: Mapping[str, tuple[FloatArray, FloatArray]],
    stance: Mapping[str, BoolArray | None],
    up: FloatArray,
) -> PlateContact:
    """Which foot a loaded run belongs to, and whether the contact is clean."""
    sl = slice(start, stop)
    peak = float(np.nanmax(fz[sl]))
    strong = np.flatnonzero(fz[sl] > 0.2 * peak) + start
    if stop - start < 3 or strong.size < 3:
        return PlateContact(index, start, stop, None, False, "contact too short")
    c_h = _horizontal(cop[strong], up)
    dist: dict[str, FloatArray] = {}
    for s, (rear, toe) in feet.items():
        dist[s] = _segment_distance(
            c_h, _horizontal(rear[strong], up), _horizontal(toe[strong], up)
        )
    med = {s: float(np.nanmedian(d)) if np.isfinite(d).any() else np.inf for s, d in dist.items()}
    side: Side = "left" if med["left"] <= med["right"] else "right"
    other: Side = "right" if side == "left" else "left"
    if not np.isfinite(med[side]) or med[side] > 2.0 * COP_TOLERANCE_M:
        return PlateContact(index, start, stop, None, False, "no foot over the centre of pressure")
    d, d_other = dist[side], dist[other]
    with np.errstate(invalid="ignore"):
        near = (d <= COP_TOLERANCE_M) | (d <= d_other / 3.0)
    k = max(1, round(0.15 * near.size))
    if near.mean() < 0.9 or not near[:k].all() or not near[-k:].all():
        return PlateContact(
            index, start, stop, side, False, "the centre of pressure leaves the foot (two feet?)"
        )
    rear, toe = feet[side]
    inside = _inside(rear[strong], plate.corners, up, PLATE_MARGIN_M) & _inside(
        toe[strong], plate.corners, up, PLATE_MARGIN_M
    )
    if not inside.all():
        return PlateContact(index, start, stop, side, False, "the foot is partly off the plate")
    st_other = stance.get(other)
    if st_other is not None:
        o_rear, o_toe = feet[other]
        frames = np.arange(start, stop)
        over = _inside(o_rear[frames], plate.corners, up, 0.0) | _inside(
            o_toe[frames], plate.corners, up, 0.0
        )
        if (over & st_other[frames]).any():
            return PlateContact(
                index, start, stop, side, False, "the other foot is on the plate too"
            )
    return PlateContact(index, start, stop, side, True)
