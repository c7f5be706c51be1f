"""Read a C3D file into a :class:`~kinechain.trial.Trial`.

What the Trial holds (see :func:`read_c3d`):

* ``markers``: every POINT that is a measured or virtual 3D position, in metres, lab frame,
  NaN for gaps (residual word negative, or the exact ``(0, 0, 0)`` some systems write for
  a missing marker). Points listed by a model-output group (``POINT:ANGLES``, ``FORCES``,
  ``MOMENTS``, ``POWERS``, ``SCALARS``, ``REACTIONS`` and any group named in
  ``POINT:TYPE_GROUPS``, e.g. ``MODELED_MARKERS``) are not markers: they go, raw and
  unconverted, to ``meta["model_outputs"]`` with their group in
  ``meta["model_output_groups"]``.
* ``first_frame``: the header's first frame, 1-based as stored in the file (ezc3d reports
  it 0-based; it is converted). Frame ``first_frame`` is at ``(first_frame - 1) / rate``
  seconds, the clock of the EVENT group.
* ``analogs``: every channel by label, with ``(raw - OFFSET) * SCALE * GEN_SCALE`` applied,
  in the units of ``ANALOG:UNITS`` (kept in ``meta["analog_units"]``).
* ``force_plates``: see :mod:`kinechain.io._forceplates`.
* ``events``: EVENT group (``Left``/``Right`` contexts, ``Foot Strike``/``Foot Off``
  labels, ``TIMES`` row 1 minutes + row 2 seconds), or else the header events named like
  ``RHS``/``LTO``/``RIC``.
* ``subject``: PROCESSING (Vicon: lengths in mm) and SUBJECTS/SUBJECT groups.
* ``vertical``/``walking``: see :mod:`kinechain.io._geometry`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import InputError, MarkerSetError, UnitsError
from kinechain.io._c3d_parse import (
    RawC3D,
    param,
    param_float,
    param_strings,
    parse_c3d,
)
from kinechain.io._forceplates import c3d_force_plates
from kinechain.io._geometry import (
    LENGTH_UNITS,
    check_length_units,
    detect_vertical,
    detect_walking,
    screen_axis,
)
from kinechain.trial import Event, EventKind, ForcePlate, Side, Subject, Trial

__all__ = ["read_c3d"]

FloatArray = NDArray[np.float64]
Engine = Literal["auto", "numpy", "ezc3d"]

#: POINT parameters that list model outputs (not marker positions).
OUTPUT_GROUPS = ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS")

_STRIKE = {"foot strike", "heel strike", "initial contact", "foot contact", "heel contact"}
_OFF = {"foot off", "toe off", "foot lift", "toe lift"}
_HEADER_EVENT = re.compile(r"^([LR])(HS|IC|FS|FC|TO|FO)$")


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a folder, not a file")


def load_raw(path: Path | str, engine: Engine = "auto") -> RawC3D:
    """Parse a C3D file without interpreting it (points in file units)."""
    p = Path(path)
    _check_path(p)
    source = str(path)
    if engine not in ("auto", "numpy", "ezc3d"):
        raise ValueError(f"unknown engine {engine!r}: use 'auto', 'numpy' or 'ezc3d'")
    if engine == "ezc3d":
        from kinechain.io._c3d_ezc3d import read_raw_ezc3d

        return read_raw_ezc3d(p, source)
    try:
        buf = p.read_bytes()
    except OSError as exc:
        raise InputError(p, f"cannot read the file: {exc.strerror or exc}") from exc
    return parse_c3d(buf, source)


def read_c3d(path: Path | str, *, engine: Engine = "auto", zero_force_plates: bool = True) -> Trial:
    """Read a C3D file.

    Parameters
    ----------
    path : path-like
        The ``.c3d`` file.
    engine : {"auto", "numpy", "ezc3d"}
        ``"auto"`` and ``"numpy"`` use kinechain's own NumPy parser (Intel, DEC and MIPS
        files, float and integer data); ``"ezc3d"`` reads with ezc3d in a child process
        (so a crash of ezc3d on a corrupt file cannot take the caller down).
    zero_force_plates : bool
        Subtract the force-plate baseline over the ``FORCE_PLATFORM:ZERO`` frames when that
        range is valid and the plate is unloaded there.

    Returns
    -------
    Trial
        Lengths in metres, forces in N, moments in N·m, lab frame of the file. ``meta``
        holds ``"format"``, ``"engine"``, ``"point_units"``, ``"model_outputs"``,
        ``"model_output_groups"``, ``"model_output_units"``, ``"analog_units"``,
        ``"c3d_parameters"``, ``"vertical_source"``, ``"walking_source"``,
        ``"force_plates_info"`` and ``"other_events"``.

    Raises
    ------
    InputError
        Missing file or a folder.
    DataFormatError
        Not a C3D file, truncated, inconsistent header, bad force-plate parameters.
    UnitsError
        Marker coordinates implausible for ``POINT:UNITS``.
    MarkerSetError
        The file declares markers but every sample of every marker is a gap.
    """
    raw = load_raw(path, engine)
    return trial_from_raw(raw, zero_force_plates=zero_force_plates)


def _output_names(raw: RawC3D) -> dict[str, str]:
    """Point label → model-output group (ANGLES, FORCES, ...)."""
    groups = list(OUTPUT_GROUPS)
    tg = param_strings(raw.params, "POINT", "TYPE_GROUPS")
    groups.extend(g.upper() for g in tg[0::2] if g)
    out: dict[str, str] = {}
    for g in groups:
        for name in param_strings(raw.params, "POINT", g):
            if name:
                out.setdefault(name.strip(), g)
    return out


def _length_scale(raw: RawC3D, points: FloatArray) -> tuple[str, float]:
    units = param_strings(raw.params, "POINT", "UNITS")
    declared = units[0].strip() if units else ""
    key = declared.lower()
    if key in LENGTH_UNITS:
        return declared, LENGTH_UNITS[key]
    if key:
        raise UnitsError(raw.source, f"unknown length unit '{declared}'", field="POINT:UNITS")
    # no unit declared: millimetres unless the numbers are clearly metres
    finite = points[np.isfinite(points)]
    if finite.size and float(np.percentile(np.abs(finite), 95)) < 20.0:
        return "", 1.0
    return "", 1e-3


def trial_from_raw(raw: RawC3D, *, zero_force_plates: bool = True) -> Trial:
    """Interpret a parsed C3D file (see :func:`read_c3d`)."""
    src = raw.source
    outputs = _output_names(raw)
    n_frames = raw.n_frames
    labels = raw.point_labels
    pts = raw.points  # (n_points, n_frames, 3), each point a contiguous block
    is_marker = np.array([lab not in outputs for lab in labels], dtype=bool)
    mk = pts[is_marker] if not is_marker.all() else pts.copy()
    declared, scale = _length_scale(raw, mk)
    if scale != 1.0:
        mk *= scale
    mk[(mk[..., 0] == 0.0) & (mk[..., 1] == 0.0) & (mk[..., 2] == 0.0)] = np.nan
    marker_names = [lab for lab, m in zip(labels, is_marker, strict=True) if m]
    if mk.shape[0]:
        check_length_units(src, mk, declared or "(none)", "POINT:UNITS")
        if np.isnan(mk[..., 0] + mk[..., 1] + mk[..., 2]).all():
            raise MarkerSetError(
                src,
                f"all {mk.shape[0]} markers are empty: every sample is a gap",
                field="POINT",
            )
    markers = {name: mk[k] for k, name in enumerate(marker_names)}
    model_outputs = {lab: pts[k] for k, lab in enumerate(labels) if not is_marker[k]}

    analogs = {lab: raw.analogs[k] for k, lab in enumerate(raw.analog_labels)}
    an_units = param_strings(raw.params, "ANALOG", "UNITS")

    centroid: FloatArray | None = None
    if mk.size:
        sub = mk[:, :: max(1, n_frames // 64)]
        valid = np.isfinite(sub)
        if valid.any():
            centroid = np.where(valid, sub, 0.0).sum(axis=(0, 1)) / valid.sum(axis=(0, 1))
    plates, fp_info = c3d_force_plates(raw, scale, centroid, zero=zero_force_plates)

    grf_up = _grf_direction(plates)
    y_screen = param_strings(raw.params, "POINT", "Y_SCREEN")
    vertical, vsource = detect_vertical(
        marker_names, mk, grf_up, screen_axis(y_screen[0] if y_screen else None)
    )
    walking, wsource = detect_walking(marker_names, mk, vertical, raw.point_rate)

    events, other = _events(raw)
    meta: dict[str, object] = {
        "format": "c3d",
        "engine": raw.engine,
        "processor": raw.processor,
        "point_units": declared,
        "length_scale": scale,
        "model_outputs": model_outputs,
        "model_output_groups": {lab: outputs[lab] for lab in model_outputs},
        "model_output_units": _output_units(raw),
        "analog_units": {
            lab: (an_units[k] if k < len(an_units) else "")
            for k, lab in enumerate(raw.analog_labels)
        },
        "c3d_parameters": raw.params,
        "vertical_source": vsource,
        "walking_source": wsource,
        "force_plates_info": fp_info,
        "other_events": other,
    }
    return Trial(
        source=src,
        point_rate=float(raw.point_rate),
        first_frame=int(raw.first_frame),
        n_frames=int(n_frames),
        markers=markers,
        analog_rate=float(raw.analog_rate) if raw.analogs.shape[0] else None,
        analogs=analogs,
        force_plates=plates,
        events=tuple(sorted(events, key=lambda e: (e.time_s, e.side, e.kind))),
        subject=_subject(raw),
        vertical=vertical,
        walking=walking,
        meta=meta,
    )


#: Force above which a plate sample counts as carrying body weight (vertical detection), N.
WEIGHT_N = 100.0
#: Least time under load, over all plates, for the force plates to define the vertical, s.
WEIGHT_MIN_S = 0.1


def _grf_direction(plates: tuple[ForcePlate, ...]) -> FloatArray | None:
    """Mean ground reaction force over the samples where a plate carries weight."""
    total = np.zeros(3)
    seconds = 0.0
    for plate in plates:
        f = plate.force
        loaded = (f**2).sum(axis=1) >= WEIGHT_N**2
        n = int(loaded.sum())
        if n:
            total += f[loaded].sum(axis=0)
            seconds += n / plate.rate
    if seconds < WEIGHT_MIN_S or float(np.linalg.norm(total)) == 0.0:
        return None
    return total


def _output_units(raw: RawC3D) -> dict[str, str]:
    out: dict[str, str] = {}
    for group, unit_param in (
        ("ANGLES", "ANGLE_UNITS"),
        ("FORCES", "FORCE_UNITS"),
        ("MOMENTS", "MOMENT_UNITS"),
        ("POWERS", "POWER_UNITS"),
        ("SCALARS", "SCALAR_UNITS"),
        ("MODELED_MARKERS", "MODELED_MARKER_UNITS"),
    ):
        v = param_strings(raw.params, "POINT", unit_param)
        if v:
            out[group] = v[0]
    return out


def _events(raw: RawC3D) -> tuple[list[Event], list[tuple[str, str, float]]]:
    """Gait events of the EVENT group, else of the header; and the other events."""
    events: list[Event] = []
    other: list[tuple[str, str, float]] = []
    labels = param_strings(raw.params, "EVENT", "LABELS")
    contexts = param_strings(raw.params, "EVENT", "CONTEXTS")
    times_v = param(raw.params, "EVENT", "TIMES")
    used = param_float(raw.params, "EVENT", "USED", None)
    if labels and times_v is not None and not isinstance(times_v, list):
        t = np.asarray(times_v, dtype=np.float64)
        t = t.reshape(2, -1, order="F") if t.ndim == 1 else t.reshape(t.shape[0], -1)
        seconds = t[0] * 60.0 + t[1] if t.shape[0] >= 2 else t[0]
        n = min(len(labels), seconds.size)
        if used is not None:
            n = min(n, int(used))
        for k in range(n):
            label = labels[k].strip()
            ctx = contexts[k].strip() if k < len(contexts) else ""
            time_s = float(seconds[k])
            side = _side(ctx)
            kind = _kind(label)
            if side is None or kind is None or not np.isfinite(time_s):
                other.append((ctx, label, time_s))
                continue
            events.append(Event(side, kind, time_s, "file"))
        return events, other
    for label, time_s in raw.header_events:
        m = _HEADER_EVENT.match(label.strip().upper())
        if m is None:
            other.append(("", label, time_s))
            continue
        side_h: Side = "left" if m.group(1) == "L" else "right"
        kind_h: EventKind = "foot_off" if m.group(2) in ("TO", "FO") else "foot_strike"
        events.append(Event(side_h, kind_h, float(time_s), "file"))
    return events, other


def _side(context: str) -> Side | None:
    c = context.strip().lower()
    if c in ("left", "l"):
        return "left"
    if c in ("right", "r"):
        return "right"
    return None


def _kind(label: str) -> EventKind | None:
    lab = " ".join(label.strip().lower().replace("_", " ").split())
    if lab in _STRIKE:
        return "foot_strike"
    if lab in _OFF:
        return "foot_off"
    return None


# PROCESSING name (lower case) → (Subject field, side or None); values in mm unless noted
_SUBJECT_LENGTHS: dict[str, tuple[str, Side | None]] = {
    "interasisdistance": ("inter_asis_m", None),
    "markerdiameter": ("marker_diameter_m", None),
    "lleglength": ("leg_length_m", "left"),
    "rleglength": ("leg_length_m", "right"),
    "lkneewidth": ("knee_width_m", "left"),
    "rkneewidth": ("knee_width_m", "right"),
    "lanklewidth": ("ankle_width_m", "left"),
    "ranklewidth": ("ankle_width_m", "right"),
    "lasistrocanterdistance": ("asis_trochanter_m", "left"),
    "rasistrocanterdistance": ("asis_trochanter_m", "right"),
}


def _scalar(v: object) -> float | None:
    if v is None or isinstance(v, list) or np.size(v) != 1:  # type: ignore[arg-type]
        return None
    x = float(np.asarray(v, dtype=np.float64).ravel()[0])
    return x if np.isfinite(x) else None


def _height_m(x: float | None) -> float | None:
    if x is None or x <= 0:
        return None
    return x / 1000.0 if x > 3.0 else x


def _subject(raw: RawC3D) -> Subject:
    proc = raw.params.get("PROCESSING", {})
    scalars: dict[str, float] = {}
    for key, prm in proc.items():
        x = _scalar(prm.value)
        if x is not None:
            scalars[prm.name or key] = x
    mass: float | None = None
    height: float | None = None
    per_side: dict[str, dict[str, float]] = {
        "leg_length_m": {},
        "knee_width_m": {},
        "ankle_width_m": {},
        "asis_trochanter_m": {},
    }
    single: dict[str, float | None] = {"inter_asis_m": None, "marker_diameter_m": None}
    extra: dict[str, float] = {}
    for name, x in scalars.items():
        key = name.lower()
        if key == "bodymass":
            mass = x if x > 0 else None
        elif key == "height":
            height = _height_m(x)
        elif key in _SUBJECT_LENGTHS:
            fname, side = _SUBJECT_LENGTHS[key]
            if x > 0:
                if side is None:
                    single[fname] = x / 1000.0
                else:
                    per_side[fname][side] = x / 1000.0
        else:
            extra[name] = x
    subj = raw.params.get("SUBJECT", {})
    if mass is None and "WEIGHT" in subj:
        w = _scalar(subj["WEIGHT"].value)
        mass = w if w is not None and w > 0 else None
    if height is None and "HEIGHT" in subj:
        height = _height_m(_scalar(subj["HEIGHT"].value))
    names = param_strings(raw.params, "SUBJECTS", "NAMES")
    who: str | None = names[0].strip() if names and names[0].strip() else None
    if who is None:
        alt = param_strings(raw.params, "SUBJECT", "NAME")
        who = alt[0].strip() if alt and alt[0].strip() else None
    return Subject(
        name=who,
        mass_kg=mass,
        height_m=height,
        leg_length_m=per_side["leg_length_m"],
        knee_width_m=per_side["knee_width_m"],
        ankle_width_m=per_side["ankle_width_m"],
        inter_asis_m=single["inter_asis_m"],
        asis_trochanter_m=per_side["asis_trochanter_m"],
        marker_diameter_m=single["marker_diameter_m"],
        extra=extra,
    )
