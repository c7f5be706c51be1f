"""The ezc3d engine, run in a child process.

ezc3d (a C++ library) can crash the whole interpreter with a segmentation fault on some
malformed files. The file is therefore read by a short-lived child Python process that
imports ezc3d, reads the file and sends the arrays back through a pickle on its standard
output; a crash of the child becomes a :class:`~kinechain.errors.DataFormatError` in the
caller. Only our own child script's output is unpickled.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from kinechain.errors import DataFormatError, MissingDependencyError
from kinechain.io._c3d_parse import C3DParam, RawC3D, unique_labels

__all__ = ["read_raw_ezc3d"]

#: Seconds the child may take before it is stopped.
TIMEOUT_S = 120.0

_CHILD = r"""
import pickle, sys
import numpy as np
import ezc3d

path = sys.argv[1]
c = ezc3d.c3d(path)
hdr = c["header"]
params = {}
for g, gv in c["parameters"].items():
    if g.startswith("__"):
        continue
    params[g] = {}
    for p, pv in gv.items():
        if p.startswith("__"):
            continue
        v = pv["value"]
        if isinstance(v, (list, tuple)):
            v = [str(s) for s in v]
        else:
            v = np.asarray(v)
        params[g][p] = (int(pv.get("type", 0)), v)
pts = np.asarray(c["data"]["points"], dtype=np.float64)
res = np.asarray(c["data"]["meta_points"]["residuals"], dtype=np.float64)
an = np.asarray(c["data"]["analogs"], dtype=np.float64)
ev = hdr["events"]
out = {
    "first_frame": int(hdr["points"]["first_frame"]) + 1,
    "last_frame": int(hdr["points"]["last_frame"]) + 1,
    "point_rate": float(hdr["points"]["frame_rate"]),
    "analog_rate": float(hdr["analogs"]["frame_rate"]),
    "params": params,
    "points": np.ascontiguousarray(pts[:3].transpose(1, 2, 0)),
    "residuals": np.ascontiguousarray(res[0]),
    "analogs": np.ascontiguousarray(an[0]),
    "events": [(str(l), float(t)) for l, t in zip(ev["events_label"], ev["events_time"])],
}
sys.stdout.buffer.write(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
sys.stdout.buffer.flush()
"""


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def read_raw_ezc3d(path: Path, source: str) -> RawC3D:
    """Read a C3D file with ezc3d in a child process.

    Parameters
    ----------
    path : Path
        The file.
    source : str
        Name used in error messages.

    Returns
    -------
    RawC3D

    Raises
    ------
    MissingDependencyError
        ezc3d is not installed.
    DataFormatError
        ezc3d failed or crashed on the file.
    """
    if importlib.util.find_spec("ezc3d") is None:
        raise MissingDependencyError("ezc3d", "c3d", "Reading C3D files with engine='ezc3d'")
    env = dict(os.environ)
    env.setdefault("PYTHONFAULTHANDLER", "0")
    try:
        proc = subprocess.run(  # our own script, our own interpreter
            [sys.executable, "-c", _CHILD, str(path)],
            capture_output=True,
            timeout=TIMEOUT_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DataFormatError(
            source, f"ezc3d did not finish reading the file within {TIMEOUT_S:.0f} s"
        ) from exc
    if proc.returncode < 0:
        raise DataFormatError(
            source,
            f"ezc3d crashed ({_signal_name(proc.returncode)}) while reading the file; "
            "the file is probably corrupt",
        )
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        msg = lines[-1].strip() if lines else f"exit code {proc.returncode}"
        raise DataFormatError(source, f"ezc3d could not read the file: {msg}")
    try:
        data: dict[str, Any] = pickle.loads(proc.stdout)  # our child process output
    except Exception as exc:  # pragma: no cover - only if the child printed garbage
        raise DataFormatError(source, "ezc3d returned no usable data") from exc
    raw = _to_raw(data, source)
    declared = _header_frame_count(path)
    if declared is not None and raw.n_frames < declared:
        # ezc3d silently keeps the frames it finds (and rewrites the header to match)
        raise DataFormatError(
            source,
            f"truncated: header says {declared} frames but data block holds {raw.n_frames}",
        )
    return raw


def _header_frame_count(path: Path) -> int | None:
    """Frames the C3D header announces (last - first + 1), or None if it cannot be told."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
            if len(head) < 512:
                return None
            fh.seek((head[0] - 1) * 512 + 3)
            proc = fh.read(1)
    except OSError:
        return None
    order = ">" if proc == bytes([86]) else "<"
    first, last = struct.unpack_from(order + "HH", head, 6)
    if last == 65535 or last < first:
        return None  # 16-bit overflow: frames counted elsewhere (TRIAL:ACTUAL_END_FIELD)
    return int(last - first + 1)


def _to_raw(data: dict[str, Any], source: str) -> RawC3D:
    params: dict[str, dict[str, C3DParam]] = {}
    for group, members in data["params"].items():
        grp = params.setdefault(group.upper(), {})
        for name, (type_, value) in members.items():
            dims = (len(value),) if isinstance(value, list) else tuple(np.shape(value))
            grp[name.upper()] = C3DParam(type_, dims, value, name)
    points = np.asarray(data["points"], dtype=np.float64)
    residuals = np.asarray(data["residuals"], dtype=np.float64)
    invalid = ~(residuals >= 0)
    points[invalid] = np.nan
    residuals[invalid] = -1.0
    analogs = np.asarray(data["analogs"], dtype=np.float64)
    n_frames = points.shape[1]
    point_rate = float(data["point_rate"])
    analog_rate = float(data["analog_rate"])
    spf = analogs.shape[1] // n_frames if n_frames and analogs.shape[0] else 0
    if point_rate <= 0 and analog_rate > 0 and spf:
        point_rate = analog_rate / spf
    labels: list[str] = []
    an_labels: list[str] = []
    pt = params.get("POINT", {})
    for key in ["LABELS"] + [f"LABELS{i}" for i in range(2, 100)]:
        if key not in pt:
            if key != "LABELS":
                break
            continue
        v = pt[key].value
        labels.extend(v if isinstance(v, list) else [])
    an = params.get("ANALOG", {})
    for key in ["LABELS"] + [f"LABELS{i}" for i in range(2, 100)]:
        if key not in an:
            if key != "LABELS":
                break
            continue
        v = an[key].value
        an_labels.extend(v if isinstance(v, list) else [])
    events = [(lab.strip(), t) for lab, t in data["events"] if lab.strip()]
    return RawC3D(
        source=source,
        engine="ezc3d",
        processor="unknown",
        first_frame=int(data["first_frame"]),
        n_frames=n_frames,
        point_rate=point_rate,
        analog_rate=analog_rate,
        samples_per_frame=spf,
        params=params,
        point_labels=unique_labels(labels, points.shape[0], "Point"),
        points=points,
        residuals=residuals,
        analog_labels=unique_labels(an_labels, analogs.shape[0], "Channel"),
        analogs=analogs,
        header_events=events,
    )
