"""The one data model every reader produces: :class:`Trial`.

Everything is in SI units: metres, seconds, newtons, newton-metres, degrees only for angles
(named ``*_deg``). Coordinates stay in the laboratory frame of the file; the vertical and the
walking directions are identified and stored as signed unit vectors, and
:meth:`Trial.progression_rotation` gives the rotation to kinechain's canonical frame
(X forward along walking, Y to the subject's left, Z up).

Time follows the C3D convention that EVENT times use: header frame 1 is 0.0 s, so frame
``first_frame`` (1-based) is at ``(first_frame - 1) / point_rate`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["SIDES", "Event", "EventKind", "ForcePlate", "Side", "Subject", "Trial"]

Side = Literal["left", "right"]
EventKind = Literal["foot_strike", "foot_off"]
SIDES: tuple[Side, Side] = ("left", "right")
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Event:
    """A gait event on the file's clock.

    ``source`` is where it came from: ``"file"`` (the C3D EVENT group), ``"force_plate"``
    or ``"kinematics"``.
    """

    side: Side
    kind: EventKind
    time_s: float
    source: str


@dataclass(frozen=True)
class ForcePlate:
    """One force plate, resolved into the lab frame at the analog rate.

    Attributes
    ----------
    force : (n, 3) array, N
        Ground reaction force acting on the subject, lab frame.
    cop : (n, 3) array, m
        Centre of pressure on the plate surface, lab frame (NaN when unloaded).
    free_moment : (n, 3) array, N·m
        Free moment about the plate normal at the COP, lab frame.
    corners : (4, 3) array, m
        Plate corners in the lab frame (C3D FORCE_PLATFORM:CORNERS order).
    """

    index: int
    plate_type: int
    rate: float
    corners: FloatArray
    force: FloatArray
    cop: FloatArray
    free_moment: FloatArray

    @property
    def centre(self) -> FloatArray:
        return np.asarray(self.corners.mean(axis=0), dtype=np.float64)


@dataclass(frozen=True)
class Subject:
    """Subject measurements, in SI units. ``None`` when unknown.

    ``per_side`` measurements are dicts keyed by ``"left"``/``"right"``. ``extra`` keeps every
    other value the file held (e.g. C3D PROCESSING parameters), unconverted, by name.
    """

    name: str | None = None
    mass_kg: float | None = None
    height_m: float | None = None
    leg_length_m: dict[str, float] = field(default_factory=dict)
    knee_width_m: dict[str, float] = field(default_factory=dict)
    ankle_width_m: dict[str, float] = field(default_factory=dict)
    inter_asis_m: float | None = None
    asis_trochanter_m: dict[str, float] = field(default_factory=dict)
    marker_diameter_m: float | None = None
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Trial:
    """One recording, whatever file it came from.

    Attributes
    ----------
    source : str
        File path or name, used in every error message.
    point_rate : float
        Marker / angle sampling rate, Hz.
    first_frame : int
        1-based number of the first frame on the file's clock.
    n_frames : int
        Number of marker frames.
    markers : dict of str to (n_frames, 3) arrays, m
        Marker trajectories in the lab frame; gaps are NaN.
    analogs : dict of str to (n_analog,) arrays
        Analog channels with scale and offset applied, at ``analog_rate``.
    force_plates : tuple of ForcePlate
    events : tuple of Event
    subject : Subject
    vertical : (3,) array
        Unit vector of "up" in the lab frame.
    walking : (3,) array or None
        Unit vector of the walking direction (horizontal), None when it cannot be told.
    angles_deg : dict of str to (n_frames,) arrays
        Joint angles already computed by another tool (OpenSim MOT/STO, OpenCap...), mapped to
        kinechain names and signs; empty for marker files.
    """

    source: str
    point_rate: float
    first_frame: int
    n_frames: int
    markers: dict[str, FloatArray] = field(default_factory=dict)
    analog_rate: float | None = None
    analogs: dict[str, FloatArray] = field(default_factory=dict)
    force_plates: tuple[ForcePlate, ...] = ()
    events: tuple[Event, ...] = ()
    subject: Subject = field(default_factory=Subject)
    vertical: FloatArray = field(default_factory=lambda: np.array([0.0, 0.0, 1.0]))
    walking: FloatArray | None = None
    angles_deg: dict[str, FloatArray] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def time(self) -> FloatArray:
        """Time of every marker frame on the file's clock, s."""
        return (self.first_frame - 1 + np.arange(self.n_frames)) / self.point_rate

    @property
    def start_time(self) -> float:
        return (self.first_frame - 1) / self.point_rate

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.point_rate

    def analog_time(self) -> FloatArray:
        """Time of every analog sample on the file's clock, s."""
        if self.analog_rate is None:
            return np.empty(0)
        n = next(iter(self.analogs.values())).shape[0] if self.analogs else 0
        if n == 0 and self.force_plates:
            n = self.force_plates[0].force.shape[0]
        return self.start_time + np.arange(n) / self.analog_rate

    def has_markers(self, *names: str) -> bool:
        return all(n in self.markers for n in names)

    def progression_rotation(self) -> FloatArray:
        """Rotation matrix R (3x3) with rows = canonical axes in lab coordinates.

        ``R @ p_lab`` gives a point in the canonical frame: X forward (walking direction),
        Y left, Z up. When the walking direction is unknown, the lab axis most orthogonal
        to the vertical is used.
        """
        z = self.vertical / np.linalg.norm(self.vertical)
        if self.walking is not None:
            x = self.walking - np.dot(self.walking, z) * z
        else:
            cand = np.eye(3)[int(np.argmin(np.abs(z)))]
            x = cand - np.dot(cand, z) * z
        x = x / np.linalg.norm(x)
        y = np.cross(z, x)
        return np.vstack([x, y, z])

    def with_events(self, events: tuple[Event, ...]) -> Trial:
        return replace(self, events=tuple(sorted(events, key=lambda e: (e.time_s, e.side))))

    def events_of(self, side: Side, kind: EventKind) -> FloatArray:
        return np.array(
            sorted(e.time_s for e in self.events if e.side == side and e.kind == kind),
            dtype=np.float64,
        )
