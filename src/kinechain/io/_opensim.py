"""Read OpenSim text files: TRC marker trajectories, MOT/STO storage files.

TRC (OpenSim "TRCFileAdapter" layout)::

    PathFileType  4  (X/Y/Z)  name.trc
    DataRate  CameraRate  NumFrames  NumMarkers  Units  OrigDataRate  OrigDataStartFrame  ...
    60.0      60.0        73         31          m      60.0          1                   ...
    Frame#  Time  Marker1 <tab><tab>  Marker2 ...
                  X1  Y1  Z1  X2  Y2  Z2 ...
    1  0.400  x  y  z  x  y  z ...

Blank cells are gaps (NaN). ``NumFrames`` and ``NumMarkers`` must agree with the body.

MOT/STO (OpenSim 3.x and 4.x ``Storage``): header lines up to ``endheader`` (``nRows=``,
``nColumns=``, ``inDegrees=yes|no``, or the older SIMM ``datarows N`` / ``datacolumns N``),
a row of column names, then one row per time. Joint-angle columns are mapped to kinechain
names and signs by :mod:`kinechain.io._names` (radians converted to degrees when
``inDegrees=no``; degrees when the header does not say). Every column is also kept as in the
file in ``meta["columns"]``. Files with ground-reaction columns (``*force_vx``,
``*force_px``, ``*torque_x``...) also expose them as analogs and as force plates.

Clock. The time column gives the rate (``(n - 1) / (t_last - t_first)``, rounded to an
integer rate when within 0.1 %) and the first frame: ``first_frame = round(t0 * rate) + 1``
so that ``Trial.time[0]`` equals the file's first time. If the first time is not on that
frame grid (more than 1 % of a frame off), the remainder is stored in
``meta["time_offset_s"]`` (``file time = Trial.time + time_offset_s``).

OpenSim's ground frame is Y-up and X-forward: ``Trial.vertical`` is ``+Y`` for MOT/STO
files; for TRC files it is detected from the markers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import DataFormatError, InputError, MarkerSetError, UnitsError
from kinechain.io._geometry import (
    LENGTH_UNITS,
    check_length_units,
    detect_vertical,
    detect_walking,
    snap_to_axis,
)
from kinechain.io._names import normalise, rules_for
from kinechain.trial import ForcePlate, Trial

__all__ = ["read_mot", "read_trc"]

FloatArray = NDArray[np.float64]

#: Vertical force below which a GRF file's centre of pressure is NaN, N.
LOADED_N = 20.0
#: Largest jitter of the time step, as a fraction of the step.
TIME_JITTER = 0.25


def _read_lines(path: Path | str) -> tuple[str, list[str]]:
    p = Path(path)
    source = str(path)
    if not p.exists():
        raise InputError(p, "file not found")
    if p.is_dir():
        raise InputError(p, "is a folder, not a file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(p, f"cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise DataFormatError(source, "empty file")
    if b"\x00" in data[:4096]:
        raise DataFormatError(source, "binary data, not a text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return source, text.splitlines()


def _parse_block(
    source: str, lines: list[str], first_line: int, n_cols: int, names: list[str], sep: str | None
) -> FloatArray:
    """Numbers of the data rows, ``(n_rows, n_cols)``; blank cells NaN when ``sep`` is a tab.

    ``first_line`` is the 1-based line number of ``lines[0]`` for messages.
    """
    rows = [(k, ln) for k, ln in enumerate(lines) if ln.strip()]
    if not rows:
        return np.empty((0, n_cols))
    body = [ln for _, ln in rows]
    # fast path: every cell present
    cells = "\n".join(body).split()
    if len(cells) == len(body) * n_cols:
        try:
            return np.array(cells, dtype=np.float64).reshape(len(body), n_cols)
        except ValueError:
            pass
    # slow path: locate blanks, short rows and bad cells line by line
    out = np.full((len(body), n_cols), np.nan)
    for r, (k, ln) in enumerate(rows):
        lineno = first_line + k
        parts = ln.split(sep) if sep else ln.split()
        parts = [c.strip() for c in parts]
        while len(parts) > n_cols and parts[-1] == "":
            parts.pop()
        if len(parts) > n_cols or (sep is None and len(parts) != n_cols):
            raise DataFormatError(
                source,
                f"{len(parts)} values where the header names {n_cols} columns",
                field=f"line {lineno}",
            )
        for c, cell in enumerate(parts):
            if cell == "":
                continue
            try:
                out[r, c] = float(cell)
            except ValueError:
                col = names[c] if c < len(names) else f"column {c + 1}"
                raise DataFormatError(
                    source, f"non-numeric value {cell!r} in {col}", field=f"line {lineno}"
                ) from None
    return out


def _clock(source: str, t: FloatArray, first_line: int) -> tuple[float, int, float]:
    """Rate, first frame (1-based) and offset of the first time from the frame grid."""
    if t.size < 2:
        raise DataFormatError(source, "at least two rows are needed to know the sampling rate")
    if not np.all(np.isfinite(t)):
        bad = int(np.flatnonzero(~np.isfinite(t))[0])
        raise DataFormatError(source, "time is not a number", field=f"line {first_line + bad}")
    steps = np.diff(t)
    if (steps <= 0).any():
        bad = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise DataFormatError(
            source, "time goes backwards or repeats", field=f"line {first_line + bad}"
        )
    rate = (t.size - 1) / float(t[-1] - t[0])
    if abs(rate - round(rate)) < 1e-3 * rate:
        rate = float(round(rate))
    dt = 1.0 / rate
    if float(np.max(np.abs(steps - dt))) > TIME_JITTER * dt:
        raise DataFormatError(
            source,
            f"time is not evenly sampled (steps from {steps.min():.6g} to {steps.max():.6g} s)",
        )
    first = round(float(t[0]) * rate) + 1
    offset = float(t[0]) - (first - 1) / rate
    return rate, first, offset


def read_trc(path: Path | str) -> Trial:
    """Read an OpenSim/Sports2D/Pose2Sim ``.trc`` marker file.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    Trial
        ``markers`` in metres (``Units`` mm, cm or m), NaN gaps; clock from the Time column
        (see the module notes); ``vertical`` and ``walking`` detected from the markers.

    Raises
    ------
    InputError
        Missing file or a folder.
    DataFormatError
        Not a TRC file, header counts that disagree with the body (naming the count and
        both numbers), non-numeric cells (with the line), uneven time.
    UnitsError
        Unknown ``Units``, or coordinates implausible for them.
    MarkerSetError
        Every sample of every marker is a gap.
    """
    source, lines = _read_lines(path)
    if not lines[0].strip().lower().startswith("pathfiletype"):
        raise DataFormatError(
            source, "not a TRC file: it does not start with 'PathFileType'", field="line 1"
        )
    if len(lines) < 5:
        raise DataFormatError(source, f"truncated: {len(lines)} lines, a TRC header has 5")
    keys = [k.strip() for k in lines[1].split("\t")]
    vals = [v.strip() for v in lines[2].split("\t")]
    header = {k: v for k, v in zip(keys, vals, strict=False) if k}
    for need in ("DataRate", "NumFrames", "NumMarkers", "Units"):
        if need not in header:
            raise DataFormatError(source, f"header has no {need}", field="line 2")

    def _num(key: str) -> float:
        try:
            return float(header[key])
        except ValueError:
            raise DataFormatError(
                source, f"{key} is {header[key]!r}, not a number", field="line 3"
            ) from None

    n_frames_h = int(_num("NumFrames"))
    n_markers_h = int(_num("NumMarkers"))
    data_rate = _num("DataRate")
    units = header["Units"].strip()
    if units.lower() not in LENGTH_UNITS:
        raise UnitsError(source, f"unknown length unit {units!r}", field="Units")
    scale = LENGTH_UNITS[units.lower()]

    name_cells = [c.strip() for c in lines[3].split("\t")]
    names = [c for c in name_cells[2:] if c]
    if len(names) != n_markers_h:
        raise DataFormatError(
            source,
            f"header says NumMarkers={n_markers_h} but line 4 names {len(names)} markers",
            field="NumMarkers",
        )
    n_cols = 2 + 3 * len(names)
    cols = ["Frame#", "Time"] + [f"{n}.{a}" for n in names for a in "XYZ"]
    data = _parse_block(source, lines[5:], 6, n_cols, cols, "\t")
    if data.shape[0] != n_frames_h:
        raise DataFormatError(
            source,
            f"header says NumFrames={n_frames_h} but the file has {data.shape[0]} data rows",
            field="NumFrames",
        )
    if data.shape[0] == 0:
        raise DataFormatError(source, "no data rows")

    t = data[:, 1]
    if np.all(np.isfinite(t)) and t.size >= 2:
        rate, first, offset = _clock(source, t, 6)
    else:
        if not data_rate > 0:
            raise DataFormatError(source, f"DataRate is {data_rate}", field="DataRate")
        rate, first, offset = float(data_rate), 1, 0.0
    if data_rate > 0 and abs(rate - data_rate) > 0.01 * data_rate:
        raise DataFormatError(
            source,
            f"header says DataRate={data_rate:g} but the Time column steps at {rate:g} Hz",
            field="DataRate",
        )

    pts = data[:, 2:].reshape(data.shape[0], len(names), 3).transpose(1, 0, 2) * scale
    pts = np.ascontiguousarray(pts)
    pts[(pts == 0.0).all(axis=-1)] = np.nan
    if names:
        check_length_units(source, pts, units, "Units")
        if not np.isfinite(pts).any():
            raise MarkerSetError(
                source, f"all {len(names)} markers are empty: every sample is a gap"
            )
    vertical, vsource = detect_vertical(names, pts)
    walking, wsource = detect_walking(names, pts, vertical, rate)
    meta: dict[str, object] = {
        "format": "trc",
        "point_units": units,
        "length_scale": scale,
        "trc_header": header,
        "vertical_source": vsource,
        "walking_source": wsource,
    }
    if abs(offset) * rate > 0.01:
        meta["time_offset_s"] = offset
    return Trial(
        source=source,
        point_rate=rate,
        first_frame=first,
        n_frames=int(data.shape[0]),
        markers={n: pts[k] for k, n in enumerate(names)},
        vertical=vertical,
        walking=walking,
        meta=meta,
    )


_KV = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*[=\s]\s*(.*?)\s*$")


def read_mot(path: Path | str, *, knee_flexion_negative: bool | None = None) -> Trial:
    """Read an OpenSim ``.mot`` or ``.sto`` file (IK coordinates, GRF, ID results...).

    Parameters
    ----------
    path : path-like
    knee_flexion_negative : bool, optional
        Force the knee sign: True when the file's ``knee_angle`` is negative in flexion
        (gait2354/2392), False when positive (Rajagopal, Lai-Uhlrich/OpenCap). By default it
        is decided from the values (see :mod:`kinechain.io._names`).

    Returns
    -------
    Trial
        ``angles_deg`` with the mapped joint angles (degrees, Plug-in-Gait signs);
        ``meta["columns"]`` every column as in the file; ``meta["angle_sources"]`` which
        column and sign each angle came from; ``analogs`` and ``force_plates`` for
        ground-reaction files; ``vertical`` +Y; ``walking`` from ``pelvis_tx``/``pelvis_tz``
        when present.

    Raises
    ------
    InputError
        Missing file or a folder.
    DataFormatError
        No ``endheader``, counts that disagree with the body, non-numeric cells (with the
        line), no time column, uneven time.
    """
    source, lines = _read_lines(path)
    end = next((k for k, ln in enumerate(lines) if ln.strip().lower() == "endheader"), None)
    if end is None:
        raise DataFormatError(source, "no 'endheader' line: not an OpenSim .mot/.sto file")
    header: dict[str, str] = {}
    for ln in lines[:end]:
        m = _KV.match(ln)
        if m:
            header.setdefault(m.group(1).lower(), m.group(2))
    k = end + 1
    while k < len(lines) and not lines[k].strip():
        k += 1
    if k >= len(lines):
        raise DataFormatError(source, "no column names after 'endheader'", field=f"line {k}")
    columns = lines[k].split("\t") if "\t" in lines[k] else lines[k].split()
    columns = [c.strip() for c in columns if c.strip()]
    col_line = k + 1
    data = _parse_block(source, lines[k + 1 :], col_line + 1, len(columns), columns, None)

    for key, what, actual in (
        ("nrows", "nRows", data.shape[0]),
        ("datarows", "datarows", data.shape[0]),
        ("ncolumns", "nColumns", len(columns)),
        ("datacolumns", "datacolumns", len(columns)),
    ):
        if key in header:
            try:
                declared = int(float(header[key]))
            except ValueError:
                raise DataFormatError(
                    source, f"{what} is {header[key]!r}, not a number", field=what
                ) from None
            if declared != actual:
                kind = "data rows" if "row" in key else "columns"
                raise DataFormatError(
                    source,
                    f"header says {what}={declared} but the file has {actual} {kind}",
                    field=what,
                )
    if data.shape[0] == 0:
        raise DataFormatError(source, "no data rows")
    lower = [c.lower() for c in columns]
    if "time" not in lower:
        raise DataFormatError(source, "no 'time' column", field=f"line {col_line}")
    ti = lower.index("time")
    rate, first, offset = _clock(source, data[:, ti], col_line + 1)

    in_degrees = header.get("indegrees", "yes").strip().lower() not in ("no", "false", "0")
    table = {c: data[:, j] for j, c in enumerate(columns) if j != ti}
    flavour, rules = rules_for(columns)
    angles: dict[str, FloatArray] = {}
    sources: dict[str, str] = {}
    for col, values in table.items():
        rule = rules.get(normalise(col))
        if rule is None:
            continue
        deg = values if in_degrees else np.degrees(values)
        for target, sign in rule.targets:
            s = sign
            if rule.auto_sign:
                negative = knee_flexion_negative
                if negative is None:
                    finite = deg[np.isfinite(deg)]
                    negative = bool(
                        finite.size and -np.percentile(finite, 5) > np.percentile(finite, 95)
                    )
                s = -sign if negative else sign
            angles[target] = np.ascontiguousarray(s * deg, dtype=np.float64)
            sources[target] = f"{'-' if s < 0 else '+'}{col}"

    plates = _grf_plates(table, rate)
    walking = _walking_from_pelvis(table, rate)
    meta: dict[str, object] = {
        "format": "sto" if str(path).lower().endswith(".sto") else "mot",
        "flavour": flavour,
        "in_degrees": in_degrees,
        "header": header,
        "columns": table,
        "angle_sources": sources,
        "vertical_source": "opensim",
        "walking_source": "pelvis_tx" if walking is not None else "none",
    }
    if abs(offset) * rate > 0.01:
        meta["time_offset_s"] = offset
    return Trial(
        source=source,
        point_rate=rate,
        first_frame=first,
        n_frames=int(data.shape[0]),
        analog_rate=rate if plates else None,
        analogs=dict(table) if plates else {},
        force_plates=plates,
        vertical=np.array([0.0, 1.0, 0.0]),
        walking=walking,
        angles_deg=angles,
        meta=meta,
    )


_FORCE_COL = re.compile(r"^(?P<p>.*)force_v(?P<a>[xyz])$", re.IGNORECASE)


def _grf_plates(table: dict[str, FloatArray], rate: float) -> tuple[ForcePlate, ...]:
    """Force plates from ``<p>force_v[xyz]``, ``<p>force_p[xyz]``, ``<p>torque_[xyz]`` columns.

    OpenSim external loads: ``force_v*`` is the force applied to the body (the subject),
    ``force_p*`` the point of application (m), ``torque_*`` the torque (N·m); Y is up.
    Corners are unknown (NaN).
    """
    prefixes: list[str] = []
    for col in table:
        m = _FORCE_COL.match(col)
        if m and m.group("a").lower() == "x" and m.group("p") not in prefixes:
            prefixes.append(m.group("p"))
    plates: list[ForcePlate] = []
    for i, p in enumerate(prefixes, start=1):
        try:
            force = np.column_stack([table[f"{p}force_v{a}"] for a in "xyz"])
            point = np.column_stack([table[f"{p}force_p{a}"] for a in "xyz"])
        except KeyError:
            continue
        tq = [table[f"{p}torque_{a}"] for a in "xyz" if f"{p}torque_{a}" in table]
        torque = np.column_stack(tq) if len(tq) == 3 else np.zeros_like(force)
        unloaded = ~(np.abs(force[:, 1]) >= LOADED_N)
        cop = point.copy()
        cop[unloaded] = np.nan
        free = torque.copy()
        free[unloaded] = np.nan
        plates.append(
            ForcePlate(
                index=i,
                plate_type=0,
                rate=rate,
                corners=np.full((4, 3), np.nan),
                force=np.ascontiguousarray(force),
                cop=np.ascontiguousarray(cop),
                free_moment=np.ascontiguousarray(free),
            )
        )
    return tuple(plates)


def _walking_from_pelvis(table: dict[str, FloatArray], rate: float) -> FloatArray | None:
    """Walking direction in OpenSim's ground frame from the pelvis translation columns."""
    tx = table.get("pelvis_tx")
    tz = table.get("pelvis_tz")
    if tx is None or tz is None or tx.size < 2:
        return None
    ok = np.isfinite(tx) & np.isfinite(tz)
    if ok.sum() < 2:
        return None
    idx = np.flatnonzero(ok)
    dt = (idx[-1] - idx[0]) / rate
    v = np.array([tx[idx[-1]] - tx[idx[0]], 0.0, tz[idx[-1]] - tz[idx[0]]]) / dt
    if float(np.linalg.norm(v)) < 0.15:
        return None
    return snap_to_axis(v)
