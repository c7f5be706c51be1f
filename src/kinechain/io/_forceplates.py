"""Force plates of a C3D file resolved to the lab frame: force, centre of pressure, free moment.

Parameters used (C3D.org user guide, chapter "FORCE_PLATFORM"): ``USED``, ``TYPE``,
``CHANNEL`` (1-based analog channel numbers, one column per plate), ``CORNERS``
(``3 x 4 x n`` lab coordinates in POINT:UNITS), ``ORIGIN`` (plate-frame vector between the
transducer origin and the centre of the plate surface), ``CAL_MATRIX`` (type 4) and ``ZERO``
(range of frames used as the unloaded baseline).

Plate frame. Its axes in the lab come from the corners, as the specification numbers them:
``x = c1 - c2``, ``y = c1 - c4``, ``z = x × y`` (pointing into the plate for a standard
plate). ``ORIGIN`` should have a negative z (the transducer origin is below the surface);
many Vicon and AMTI files store it positive, in which case the vector is negated
(the convention ezc3d and BTK follow; see the readme of the c3d.org "Sample02" files).

Types supported:

* **1** channels ``Fx Fy Fz COPx COPy Tz`` (COP already computed, in plate coordinates
  relative to the plate centre);
* **2** channels ``Fx Fy Fz Mx My Mz``, moments about the transducer origin;
* **3** Kistler, 8 channels ``fx12 fx34 fy14 fy23 fz1 fz2 fz3 fz4`` with ``ORIGIN = (a, b,
  az0)``: ``Mx = b (fz1 + fz2 - fz3 - fz4)``, ``My = a (-fz1 + fz2 + fz3 - fz4)``,
  ``Mz = b (-fx12 + fx34) + a (fy14 - fy23)`` (Kistler, "Multicomponent force plate"
  manual); the COP correction polynomial some files carry (``FPCOPPOLY``) is ignored;
* **4** as type 2 after multiplying the six channels by the ``6 x 6`` ``CAL_MATRIX``.

With the moment moved to the centre of the surface (``M' = M + F × origin``) the centre of
pressure in plate coordinates is ``(-M'y / Fz, M'x / Fz, 0)`` and the free moment about the
plate normal is ``Tz = M'z + Fx·COPy - Fy·COPx``. Both are NaN where the normal force is
below ``LOADED_N`` (the COP of an unloaded plate is noise).

Sign. The files seen in practice (Vicon, AMTI/AMASS, BTS) store the reaction acting on the
subject, so that the force points up while someone stands on the plate. If a plate's
loaded samples point down instead (a system storing the action on the plate), that plate's
force and free moment are negated; "up" is the side of the plate plane where the markers are.

Baseline. When ``ZERO`` gives a valid frame range in which the normal force is small
(below 25 N or a fifth of the plate's peak: nobody on the plate), the mean of every channel
over that range is subtracted.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import DataFormatError
from kinechain.io._c3d_parse import ParamValue, RawC3D, param, param_numbers, param_strings
from kinechain.trial import ForcePlate

__all__ = ["LOADED_N", "c3d_force_plates"]

FloatArray = NDArray[np.float64]

#: Normal force below which the COP and free moment are not defined, N.
LOADED_N = 20.0
#: Largest baseline (normal force in the ZERO range) accepted as "unloaded", N.
ZERO_MAX_N = 25.0

_CHANNELS = {1: 6, 2: 6, 3: 8, 4: 6}


def _unit_factor(unit: str, length_scale: float, kind: str) -> float:
    """Metres (kind='length') or N·m (kind='moment') per unit of an analog channel."""
    u = unit.strip().lower().replace(".", "").replace(" ", "").replace("*", "")
    if kind == "moment":
        if u.endswith("mm"):
            return 1e-3
        if u in ("nm", "ntm", "newtonmeter", "newtonmeters"):
            return 1.0
        return length_scale
    if u == "mm":
        return 1e-3
    if u == "m":
        return 1.0
    return length_scale


def plate_axes(corners: FloatArray) -> FloatArray:
    """Rotation (3x3, columns = plate x, y, z in the lab) from the four corners."""
    x = corners[0] - corners[1]
    y = corners[0] - corners[3]
    z = np.cross(x, y)
    y = np.cross(z, x)
    r = np.column_stack([x, y, z])
    norms = np.linalg.norm(r, axis=0)
    if not np.all(norms > 0):
        raise ValueError("degenerate corners")
    return np.asarray(r / norms, dtype=np.float64)


def c3d_force_plates(
    raw: RawC3D,
    length_scale: float,
    marker_centroid: FloatArray | None,
    *,
    zero: bool = True,
) -> tuple[tuple[ForcePlate, ...], dict[str, object]]:
    """Build the force plates of a C3D file.

    Parameters
    ----------
    raw : RawC3D
        The parsed file.
    length_scale : float
        Metres per POINT:UNITS unit (for CORNERS and ORIGIN).
    marker_centroid : (3,) array or None
        Mean marker position, m; tells which side of the plate plane is up.
    zero : bool
        Subtract the ZERO-range baseline when it is sensible.

    Returns
    -------
    plates : tuple of ForcePlate
        Numbered from 1 as in the file; plates of unsupported types are left out.
    info : dict
        ``"zeroed"`` (plate → channel baselines), ``"flipped"`` (plate numbers whose sign
        was reversed), ``"skipped"`` (plate → reason).
    """
    src = raw.source
    fp = raw.params.get("FORCE_PLATFORM")
    info: dict[str, object] = {}
    if not fp:
        return (), info
    used_v = param(raw.params, "FORCE_PLATFORM", "USED")
    if used_v is None or isinstance(used_v, list) or np.size(used_v) == 0:
        return (), info
    used = int(np.asarray(used_v).ravel()[0])
    if used <= 0:
        return (), info
    field = "FORCE_PLATFORM"
    types = param_numbers(raw.params, field, "TYPE").astype(int)
    if types.size < used:
        raise DataFormatError(
            src, f"USED is {used} but TYPE lists {types.size} plates", field=f"{field}:TYPE"
        )
    chan_v = param(raw.params, field, "CHANNEL")
    corners_v = param(raw.params, field, "CORNERS")
    origin_v = param(raw.params, field, "ORIGIN")
    if chan_v is None or isinstance(chan_v, list):
        raise DataFormatError(src, "missing", field=f"{field}:CHANNEL")
    if corners_v is None or isinstance(corners_v, list):
        raise DataFormatError(src, "missing", field=f"{field}:CORNERS")
    chan = np.asarray(chan_v, dtype=np.int64)
    chan = chan.reshape(chan.shape[0], -1) if chan.ndim >= 1 else chan.reshape(1, 1)
    corners_all = np.asarray(corners_v, dtype=np.float64).reshape(-1, order="F")
    origin_all = (
        np.zeros(3 * used)
        if origin_v is None or isinstance(origin_v, list)
        else np.asarray(origin_v, dtype=np.float64).reshape(-1, order="F")
    )
    cal_v = param(raw.params, field, "CAL_MATRIX")
    units = param_strings(raw.params, "ANALOG", "UNITS")
    zero_v = param_numbers(raw.params, field, "ZERO")
    n_an, n_samples = raw.analogs.shape
    spf = max(raw.samples_per_frame, 1)

    plates: list[ForcePlate] = []
    zeroed: dict[int, list[float]] = {}
    flipped: list[int] = []
    skipped: dict[int, str] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(used):
            number = i + 1
            ptype = int(types[i])
            if ptype not in _CHANNELS:
                skipped[number] = f"type {ptype} not supported"
                continue
            need = _CHANNELS[ptype]
            if chan.shape[0] < need or chan.shape[1] <= i:
                raise DataFormatError(
                    src,
                    f"plate {number} (type {ptype}) needs {need} channels, "
                    f"CHANNEL has {chan.shape[0]} rows and {chan.shape[1]} columns",
                    field=f"{field}:CHANNEL",
                )
            ch = chan[:need, i]
            if (ch < 1).any() or (ch > n_an).any():
                bad = int(ch[(ch < 1) | (ch > n_an)][0])
                raise DataFormatError(
                    src,
                    f"plate {number} uses analog channel {bad} but the file has {n_an}",
                    field=f"{field}:CHANNEL",
                )
            if corners_all.size < 12 * (i + 1):
                raise DataFormatError(
                    src, f"no corners for plate {number}", field=f"{field}:CORNERS"
                )
            corners = corners_all[12 * i : 12 * (i + 1)].reshape(4, 3) * length_scale
            if not np.all(np.isfinite(corners)):
                raise DataFormatError(
                    src, f"corners of plate {number} are not finite", field=f"{field}:CORNERS"
                )
            try:
                rot = plate_axes(corners)
            except ValueError:
                raise DataFormatError(
                    src,
                    f"corners of plate {number} do not span a plane",
                    field=f"{field}:CORNERS",
                ) from None
            centre = corners.mean(axis=0)
            origin = (
                origin_all[3 * i : 3 * (i + 1)] * length_scale
                if origin_all.size >= 3 * (i + 1)
                else np.zeros(3)
            )
            if origin[2] > 0:
                origin = -origin
            data = raw.analogs[ch - 1].copy()
            labels_units = [units[c - 1] if c - 1 < len(units) else "" for c in ch]

            if zero and zero_v.size >= 2 and n_samples:
                z0, z1 = int(zero_v[0]), int(zero_v[1])
                if 1 <= z0 <= z1 <= raw.n_frames:
                    window = data[:, (z0 - 1) * spf : z1 * spf]
                    base = window.mean(axis=1)
                    normal = data[4:8].sum(axis=0) if ptype == 3 else data[2]
                    nb = float(base[4:8].sum() if ptype == 3 else base[2])
                    peak = float(np.max(np.abs(normal))) if normal.size else 0.0
                    if abs(nb) < ZERO_MAX_N or abs(nb) < 0.2 * peak:
                        data -= base[:, None]
                        zeroed[number] = [float(b) for b in base]

            if ptype == 1:
                force = data[0:3]
                lf = _unit_factor(labels_units[3], length_scale, "length")
                cop_p = np.vstack([data[3] * lf, data[4] * lf, np.zeros(n_samples)])
                tz = data[5] * _unit_factor(labels_units[5], length_scale, "moment")
            else:
                if ptype == 3:
                    fx12, fx34, fy14, fy23, fz1, fz2, fz3, fz4 = data
                    a, b = abs(origin[0]), abs(origin[1])
                    force = np.vstack([fx12 + fx34, fy14 + fy23, fz1 + fz2 + fz3 + fz4])
                    moment = np.vstack(
                        [
                            b * (fz1 + fz2 - fz3 - fz4),
                            a * (-fz1 + fz2 + fz3 - fz4),
                            b * (-fx12 + fx34) + a * (fy14 - fy23),
                        ]
                    )
                    lever = np.array([0.0, 0.0, origin[2]])
                else:
                    six = data
                    if ptype == 4:
                        cal = _cal_matrix(cal_v, i, src)
                        six = cal @ six
                    force = six[0:3]
                    moment = six[3:6] * _unit_factor(labels_units[3], length_scale, "moment")
                    lever = origin
                # moment about the centre of the plate surface
                fx, fy, fz = force
                lx, ly, lz = lever
                moment = moment + np.vstack(
                    [fy * lz - fz * ly, fz * lx - fx * lz, fx * ly - fy * lx]
                )
                cop_p = np.vstack(
                    [-moment[1] / force[2], moment[0] / force[2], np.zeros(n_samples)]
                )
                tz = moment[2] + force[0] * cop_p[1] - force[1] * cop_p[0]

            unloaded = ~(np.abs(force[2]) >= LOADED_N)
            force_lab = (rot @ force).T
            cop_lab = (rot @ cop_p).T + centre
            free_lab = np.outer(tz, rot[:, 2])
            cop_lab[unloaded] = np.nan
            free_lab[unloaded] = np.nan

            # sign: the reaction on the subject points to the side where the markers are
            loaded = ~unloaded
            if loaded.any():
                if marker_centroid is not None and np.all(np.isfinite(marker_centroid)):
                    side = float(np.dot(marker_centroid - centre, rot[:, 2]))
                    up = rot[:, 2] * np.sign(side)
                    normal = force_lab[loaded] @ up
                    # flip only a plate that clearly carries weight, all of it pointing down
                    if float(np.median(normal)) < -2 * LOADED_N and float(np.mean(normal)) < 0:
                        force_lab = -force_lab
                        free_lab = -free_lab
                        flipped.append(number)

            plates.append(
                ForcePlate(
                    index=number,
                    plate_type=ptype,
                    rate=float(raw.analog_rate),
                    corners=corners,
                    force=np.ascontiguousarray(force_lab, dtype=np.float64),
                    cop=np.ascontiguousarray(cop_lab, dtype=np.float64),
                    free_moment=np.ascontiguousarray(free_lab, dtype=np.float64),
                )
            )
    if zeroed:
        info["zeroed"] = zeroed
    if flipped:
        info["flipped"] = flipped
    if skipped:
        info["skipped"] = skipped
    return tuple(plates), info


def _cal_matrix(cal_v: ParamValue | None, i: int, src: str) -> FloatArray:
    """The 6x6 calibration matrix of plate ``i`` (stored column by column)."""
    if cal_v is None or isinstance(cal_v, list) or np.size(cal_v) == 0:
        return np.eye(6)
    arr = np.asarray(cal_v, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[0] < 6 or arr.shape[1] < 6:
        raise DataFormatError(
            src, f"shape {arr.shape} is not 6 x 6 x plates", field="FORCE_PLATFORM:CAL_MATRIX"
        )
    arr = arr.reshape(arr.shape[0], arr.shape[1], -1)
    if arr.shape[2] <= i:
        raise DataFormatError(
            src, f"no calibration matrix for plate {i + 1}", field="FORCE_PLATFORM:CAL_MATRIX"
        )
    return np.asarray(arr[:6, :6, i], dtype=np.float64)
