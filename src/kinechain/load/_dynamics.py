"""Bottom-up 3D inverse dynamics (Newton–Euler) of the legs, vectorised over frames.

For each side the recursion runs foot → shank → thigh (Winter 2009, ch. 5 and 7; the 3D
form of Dumas, Aissaoui & de Guise 2004). For a segment of mass ``m``, CoM ``c``, inertia
tensor ``I`` (lab frame), angular velocity ``ω`` and acceleration ``α``, with the load
``(F_d, M_d)`` that the distal neighbour (or the ground) applies at point ``d``, the load the
proximal neighbour applies at the proximal joint ``p`` is

    F_p = m (a_c − g) − F_d
    M_p = I α + ω × (I ω) − M_d − (d − c) × F_d − (p − c) × F_p

and the next segment up receives ``(−F_p, −M_p)`` at its distal joint. ``(F_p, M_p)`` is the
*net joint load on the distal segment* (Winter's convention: the "internal", muscle moment).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import EventError, InputError
from kinechain.load._bsp import SegmentParameters, segment_parameters
from kinechain.load._contact import ExternalLoads, PlateContact, external_loads
from kinechain.load._signal import angular_kinematics, derivative, lowpass
from kinechain.trial import SIDES, Event, Trial

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

__all__ = [
    "GRAVITY",
    "JOINTS",
    "JointMoments",
    "SegmentInertia",
    "SegmentModel",
    "SegmentState",
    "gravity_vector",
    "inverse_dynamics",
    "leg_segments",
    "newton_euler_step",
    "segment_state",
]

#: Standard gravity, m/s².
GRAVITY = 9.81
#: Joints reported, distal first, with their distal segment.
JOINTS: tuple[tuple[str, str], ...] = (("ankle", "foot"), ("knee", "shank"), ("hip", "thigh"))
#: Sign that turns the distal-frame y component (about the medio-lateral axis) into Plug-in
#: Gait's sagittal moment: plantarflexor, knee extensor and hip extensor positive.
SAGITTAL_SIGN = {"ankle": 1.0, "knee": -1.0, "hip": 1.0}
_SIDE_SIGN = {"left": 1.0, "right": -1.0}


class SegmentModel(Protocol):
    """What inverse dynamics needs from a kinematic model (a ``PigResult`` has it).

    ``segments`` maps ``pelvis``, ``{side}_thigh``, ``{side}_shank`` and ``{side}_foot`` to
    objects with ``origin`` (n, 3) and ``rotation`` (n, 3, 3) (columns: x anterior, y left,
    z up/proximal, lab frame); ``joint_centres`` holds ``{side}_hip``, ``_knee``, ``_ankle``,
    ``_toe`` and optionally ``_heel`` (m, lab).
    """

    @property
    def segments(self) -> Mapping[str, Any]: ...

    @property
    def joint_centres(self) -> Mapping[str, FloatArray]: ...

    @property
    def angles_deg(self) -> Mapping[str, FloatArray]: ...


@dataclass(frozen=True)
class SegmentInertia:
    """Inertial properties of one segment of this subject.

    Attributes
    ----------
    mass_kg : float
    length_m : float
        Segment length used to scale the CoM and radii (mean over the trial).
    principal_moments : (3,) array, kg·m²
        About the segment's x, y and z axes through the CoM.
    source : str
        Where the parameters come from (de Leva segment and endpoints used).
    """

    mass_kg: float
    length_m: float
    principal_moments: FloatArray
    source: str


@dataclass(frozen=True)
class JointMoments:
    """Net joint moments and forces of both legs, the output of :func:`inverse_dynamics`.

    Keys are ``{side}_{joint}`` with joint ``ankle``, ``knee`` or ``hip``.

    Attributes
    ----------
    time : (n,) array, s
    body_mass_kg : float
    moment : dict of str to (n, 3) array, N·m
        Net internal moment on the distal segment, in the distal segment's frame, as Plug-in
        Gait reports it: component 0 (PiG "X", sagittal) positive for ankle plantarflexor,
        knee extensor and hip extensor moments; component 1 ("Y", frontal) positive for an
        abductor (ankle: everter) moment; component 2 ("Z", transverse) positive for an
        external-rotator moment. Left and right have the same meaning.
    moment_per_kg : dict of str to (n, 3) array, N·m/kg
        ``moment`` divided by body mass.
    force : dict of str to (n, 3) array, N
        Net joint force on the distal segment, in the distal segment's frame (x anterior,
        y left, z proximal).
    moment_lab, force_lab : dict of str to (n, 3) array
        The same loads in the lab frame, unsigned (moment about the joint centre, N·m).
    joint_centres : dict of str to (n, 3) array, m
        The filtered joint centres the moments are about.
    valid : dict of side to (n,) bool array
        Frames where that side's external load is known (on a plate or in swing); elsewhere
        the side's moments and forces are NaN.
    on_plate : dict of side to (n,) bool array
    grf : dict of side to (n, 3) array, N
        Ground reaction force on each foot, lab frame, at the marker rate.
    contacts : tuple of PlateContact
    segments : dict of str to SegmentInertia
    cutoff_hz : float or None
    warnings : list of str
    """

    time: FloatArray
    body_mass_kg: float
    moment: dict[str, FloatArray]
    moment_per_kg: dict[str, FloatArray]
    force: dict[str, FloatArray]
    moment_lab: dict[str, FloatArray]
    force_lab: dict[str, FloatArray]
    joint_centres: dict[str, FloatArray]
    valid: dict[str, BoolArray]
    on_plate: dict[str, BoolArray]
    grf: dict[str, FloatArray]
    contacts: tuple[PlateContact, ...]
    segments: dict[str, SegmentInertia]
    cutoff_hz: float | None
    warnings: list[str] = field(default_factory=list)


def _inertia(params: SegmentParameters, mass_kg: float, length_m: float, axes: str) -> FloatArray:
    """Principal moments about the segment's (x, y, z) axes; ``axes`` names the de Leva
    radius ('s' sagittal, 't' transverse, 'l' longitudinal) that goes with x, y and z."""
    r = {"s": params.r_sagittal, "t": params.r_transverse, "l": params.r_longitudinal}
    return np.array([mass_kg * (r[a] * length_m) ** 2 for a in axes])


@dataclass(frozen=True)
class SegmentState:
    """Filtered kinematics and inertia of one segment over the trial.

    Attributes
    ----------
    name : str
    mass_kg : float
    inertia_local : (3,) array
        Principal moments about the segment's x, y, z axes through the CoM, kg·m².
    rotation : (n, 3, 3) array
        Filtered segment axes (columns) in the lab frame.
    omega, alpha : (n, 3) arrays
        Angular velocity (rad/s) and acceleration (rad/s²), lab frame.
    com, com_acc : (n, 3) arrays
        CoM position (m) and acceleration (m/s²), lab frame.
    proximal : (n, 3) array
        Proximal joint centre (filtered), m.
    inertia : SegmentInertia
    """

    name: str
    mass_kg: float
    inertia_local: FloatArray
    rotation: FloatArray
    omega: FloatArray
    alpha: FloatArray
    com: FloatArray
    com_acc: FloatArray
    proximal: FloatArray
    inertia: SegmentInertia

    def dynamics(self, gravity: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``m (a − g)`` (N) and the rate of change of angular momentum about the CoM (N·m)."""
        inertia = np.einsum("nij,j,nkj->nik", self.rotation, self.inertia_local, self.rotation)
        i_omega = np.einsum("nij,nj->ni", inertia, self.omega)
        dh = np.einsum("nij,nj->ni", inertia, self.alpha) + np.cross(self.omega, i_omega)
        return self.mass_kg * (self.com_acc - gravity), dh


def newton_euler_step(
    segment: SegmentState,
    distal_force: FloatArray,
    distal_moment: FloatArray,
    distal_point: FloatArray,
    gravity: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """One Newton–Euler step: the load the proximal neighbour applies to a segment.

    Parameters
    ----------
    segment : SegmentState
    distal_force, distal_moment : (n, 3) arrays
        Load applied to the segment at ``distal_point`` by its distal neighbour or the ground
        (N, N·m; the moment is about ``distal_point``).
    distal_point : (n, 3) array
    gravity : (3,) array
        Gravitational acceleration vector, lab frame, m/s².

    Returns
    -------
    force, moment : (n, 3) arrays
        Force (N) and moment about ``segment.proximal`` (N·m) the proximal neighbour applies.
    """
    ma, dh = segment.dynamics(gravity)
    c = segment.com
    f_p = ma - distal_force
    m_p = (
        dh
        - distal_moment
        - np.cross(distal_point - c, distal_force)
        - np.cross(segment.proximal - c, f_p)
    )
    return f_p, m_p


def segment_state(
    name: str,
    params: SegmentParameters,
    body_mass_kg: float,
    length_m: float,
    axes: str,
    rotation: FloatArray,
    com: FloatArray,
    proximal: FloatArray,
    rate: float,
    cutoff_hz: float | None,
    source: str,
) -> SegmentState:
    """Build a :class:`SegmentState` from (already filtered) points and a raw rotation.

    ``axes`` names the de Leva radius (``s`` sagittal, ``t`` transverse, ``l`` longitudinal)
    that belongs to the segment's x, y and z axes.
    """
    m = params.mass_fraction * body_mass_kg
    i_loc = _inertia(params, m, length_m, axes)
    rot_f, omega, alpha = angular_kinematics(rotation, rate, cutoff_hz)
    acc = derivative(derivative(com, rate), rate)
    return SegmentState(
        name,
        m,
        i_loc,
        rot_f,
        omega,
        alpha,
        com,
        acc,
        proximal,
        SegmentInertia(m, length_m, i_loc, source),
    )


def leg_segments(
    trial: Trial,
    model: SegmentModel,
    body_mass_kg: float,
    sex: str | None,
    cutoff_hz: float | None,
) -> tuple[dict[str, SegmentState], dict[str, FloatArray], list[str]]:
    """Foot, shank and thigh states of both legs (de Leva 1996), the filtered joint centres
    (``{side}_hip``, ``_knee``, ``_ankle``) and any warnings."""
    rate = float(trial.point_rate)
    src = trial.source
    warnings: list[str] = []

    def filt(x: FloatArray) -> FloatArray:
        return lowpass(x, rate, cutoff_hz)

    states: dict[str, SegmentState] = {}
    centres: dict[str, FloatArray] = {}
    for side in SIDES:
        hip = filt(_centre(model, f"{side}_hip", src))
        knee = filt(_centre(model, f"{side}_knee", src))
        ankle = filt(_centre(model, f"{side}_ankle", src))
        toe = filt(_centre(model, f"{side}_toe", src))
        heel_raw = model.joint_centres.get(f"{side}_heel")
        centres.update({f"{side}_hip": hip, f"{side}_knee": knee, f"{side}_ankle": ankle})

        foot_p = segment_parameters("foot", sex)
        if heel_raw is not None and np.isfinite(np.asarray(heel_raw) - toe).all(axis=1).any():
            heel = filt(np.asarray(heel_raw, dtype=np.float64))
            foot_len = mean_distance(toe, heel, f"{side} heel → toe", src)
            foot_com = heel + foot_p.com_fraction * (toe - heel)
            foot_src = "de Leva 1996 foot (HEEL→TTIP) on the heel → toe markers"
        else:
            foot_len = mean_distance(toe, ankle, f"{side} ankle → toe", src)
            foot_com = ankle + 0.5 * (toe - ankle)
            foot_src = "de Leva 1996 foot mass; CoM midway ankle centre → toe marker (no heel)"
            warnings.append(f"no {side} heel marker: foot CoM midway between ankle and toe")
        shank_p = segment_parameters("shank_ajc", sex)
        shank_len = mean_distance(ankle, knee, f"{side} knee → ankle", src)
        thigh_p = segment_parameters("thigh", sex)
        thigh_len = mean_distance(knee, hip, f"{side} hip → knee", src)
        specs = (
            ("foot", foot_p, foot_len, "lts", foot_com, ankle, foot_src),
            (
                "shank",
                shank_p,
                shank_len,
                "stl",
                knee + shank_p.com_fraction * (ankle - knee),
                knee,
                "de Leva 1996 shank, KJC→AJC",
            ),
            (
                "thigh",
                thigh_p,
                thigh_len,
                "stl",
                hip + thigh_p.com_fraction * (knee - hip),
                hip,
                "de Leva 1996 thigh, HJC→KJC",
            ),
        )
        for name, params, length, axes, com, prox, source in specs:
            _, rot = _segment(model, f"{side}_{name}", src)
            states[f"{side}_{name}"] = segment_state(
                f"{side}_{name}",
                params,
                body_mass_kg,
                length,
                axes,
                rot,
                com,
                prox,
                rate,
                cutoff_hz,
                source,
            )
    return states, centres, warnings


def _segment(model: SegmentModel, name: str, source: str) -> tuple[FloatArray, FloatArray]:
    seg = model.segments.get(name)
    if seg is None:
        raise InputError(
            source,
            f"the kinematic model has no '{name}' segment; inverse dynamics needs a "
            "Plug-in-Gait-style model (kinechain.kinematics.compute_pig)",
            field="segments",
        )
    return np.asarray(seg.origin, dtype=np.float64), np.asarray(seg.rotation, dtype=np.float64)


def _centre(model: SegmentModel, name: str, source: str) -> FloatArray:
    jc = model.joint_centres.get(name)
    if jc is None:
        raise InputError(source, f"the kinematic model has no '{name}' point", field=name)
    return np.asarray(jc, dtype=np.float64)


def gravity_vector(trial: Trial) -> FloatArray:
    """Gravitational acceleration in the lab frame (along −``trial.vertical``), m/s²."""
    up = np.asarray(trial.vertical, dtype=np.float64)
    return np.asarray(-GRAVITY * up / np.linalg.norm(up), dtype=np.float64)


def mean_distance(a: FloatArray, b: FloatArray, what: str, source: str) -> float:
    """Mean distance between two trajectories over the frames where both are seen."""
    d = np.linalg.norm(a - b, axis=1)
    d = d[np.isfinite(d)]
    if d.size == 0:
        raise InputError(source, f"{what} is never seen: no segment length", field=what)
    return float(np.mean(d))


def resolve_body_mass(trial: Trial, body_mass_kg: float | None) -> float:
    """The body mass given, else the trial's subject mass; an InputError when neither."""
    mass = body_mass_kg if body_mass_kg is not None else trial.subject.mass_kg
    if mass is None or not np.isfinite(mass) or not 10.0 <= float(mass) <= 400.0:
        raise InputError(
            trial.source,
            f"body mass {mass!r} kg is missing or implausible (10–400 kg); pass body_mass_kg",
            field="body_mass_kg",
        )
    return float(mass)


def resolve_events(trial: Trial, events: Sequence[Event] | None) -> tuple[Event, ...] | None:
    """Events given, else detected (file > force plates > kinematics); None when none."""
    if events is not None:
        return tuple(events)
    from kinechain.gait import detect_events

    try:
        return detect_events(trial)
    except EventError:
        return None


def inverse_dynamics(
    trial: Trial,
    model: SegmentModel,
    *,
    body_mass_kg: float | None = None,
    sex: str | None = None,
    cutoff_hz: float | None = 6.0,
    force_cutoff_hz: float | None = None,
    events: Sequence[Event] | None = None,
) -> JointMoments:
    """Ankle, knee and hip moments and forces of both legs by bottom-up Newton–Euler.

    Parameters
    ----------
    trial : Trial
        The walk: force plates (lab frame), frame rate, vertical axis.
    model : SegmentModel
        Segment poses and joint centres, e.g. ``compute_pig(trial, static)``.
    body_mass_kg : float, optional
        Defaults to ``trial.subject.mass_kg``.
    sex : {"male", "female"} or None
        Selects de Leva's parameters; None uses the mean of the male and female values.
    cutoff_hz : float or None
        Cut-off of the zero-lag 2nd-order Butterworth filter (run twice) applied to joint
        centres, markers and rotation matrices before differentiation; None: unfiltered.
    force_cutoff_hz : float or None
        Optional low-pass of the plate signals (default None: unfiltered, as Plug-in Gait).
    events : sequence of Event, optional
        Foot strikes/offs, used to tell swing (no external load) from stance. Default:
        ``kinechain.gait.detect_events(trial)``.

    Returns
    -------
    JointMoments

    Raises
    ------
    InputError
        Body mass missing or implausible, or a segment or joint centre missing from the model.
    """
    mass = resolve_body_mass(trial, body_mass_kg)
    n = trial.n_frames
    g = gravity_vector(trial)
    warnings: list[str] = []
    ev = resolve_events(trial, events)
    if ev is None:
        warnings.append(
            "no gait events: swing cannot be told from stance, so moments are computed only "
            "while the foot is on a force plate"
        )
    jc_raw = {k: np.asarray(v, dtype=np.float64) for k, v in model.joint_centres.items()}
    loads: ExternalLoads = external_loads(trial, jc_raw, ev, force_cutoff_hz=force_cutoff_hz)
    if not trial.force_plates:
        warnings.append("the trial has no force plates: only swing-phase moments are computed")
    for c in loads.contacts:
        if not c.clean:
            warnings.append(
                f"force plate {c.plate + 1}, frames {c.start}–{c.stop - 1}: contact not used "
                f"for the joint moments ({c.reason})"
            )
    states, centres, more = leg_segments(trial, model, mass, sex, cutoff_hz)
    warnings += more

    moment: dict[str, FloatArray] = {}
    force: dict[str, FloatArray] = {}
    moment_lab: dict[str, FloatArray] = {}
    force_lab: dict[str, FloatArray] = {}
    for side in SIDES:
        # The ground's load on the foot: force, and moment about the lab origin (point 0).
        # Unknown (NaN) where the foot is on the ground but not cleanly on one plate.
        f_d = np.where(loads.valid[side][:, None], loads.force[side], np.nan)
        m_d = np.where(loads.valid[side][:, None], loads.moment_origin[side], np.nan)
        d_point = np.zeros((n, 3))
        for joint, seg in JOINTS:
            state = states[f"{side}_{seg}"]
            f_p, m_p = newton_euler_step(state, f_d, m_d, d_point, g)
            key = f"{side}_{joint}"
            force_lab[key] = f_p
            moment_lab[key] = m_p
            loc_m = np.einsum("nji,nj->ni", state.rotation, m_p)
            moment[key] = np.stack(
                [
                    SAGITTAL_SIGN[joint] * loc_m[:, 1],
                    _SIDE_SIGN[side] * loc_m[:, 0],
                    _SIDE_SIGN[side] * loc_m[:, 2],
                ],
                axis=-1,
            )
            force[key] = np.einsum("nji,nj->ni", state.rotation, f_p)
            f_d, m_d, d_point = -f_p, -m_p, state.proximal
    return JointMoments(
        time=trial.time,
        body_mass_kg=mass,
        moment=moment,
        moment_per_kg={k: v / mass for k, v in moment.items()},
        force=force,
        moment_lab=moment_lab,
        force_lab=force_lab,
        joint_centres=centres,
        valid={s: loads.valid[s].copy() for s in SIDES},
        on_plate={s: loads.on_plate[s].copy() for s in SIDES},
        grf={s: loads.force[s] for s in SIDES},
        contacts=loads.contacts,
        segments={k: v.inertia for k, v in states.items()},
        cutoff_hz=cutoff_hz,
        warnings=warnings,
    )
