"""A minimal C3D writer for tests: Intel, DEC and MIPS layouts, float or integer data.

Written from the C3D.org format description so that the NumPy parser can be checked on
processor types and data formats that no file in ../shared/data uses, with known values.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

INTEL, DEC, MIPS = 84, 85, 86


@dataclass
class Param:
    group: str
    name: str
    value: object  # str, list[str], int array (int16), float array
    kind: str = "auto"  # "char", "int", "float", "byte"


@dataclass
class C3DSpec:
    points: np.ndarray  # (n_frames, n_points, 3), file units
    labels: list[str]
    rate: float = 100.0
    first_frame: int = 1
    units: str = "mm"
    invalid: np.ndarray | None = None  # (n_frames, n_points) bool
    analogs: np.ndarray | None = None  # (n_channels, n_frames * spf) raw stored values
    analog_labels: list[str] = field(default_factory=list)
    analog_rate: float = 1000.0
    analog_scale: list[float] | None = None
    analog_offset: list[int] | None = None
    gen_scale: float = 1.0
    analog_format: str | None = None
    processor: int = INTEL
    integer: bool = False
    int_scale: float = 0.1
    labels_per_param: int = 255
    extra: list[Param] = field(default_factory=list)
    header_events: list[tuple[str, float]] = field(default_factory=list)


class _Enc:
    def __init__(self, proc: int) -> None:
        self.proc = proc
        self.o = ">" if proc == MIPS else "<"

    def i16(self, values: object) -> bytes:
        a = np.asarray(values, dtype=np.int64).ravel(order="F")
        return np.asarray(a, dtype=np.int16).astype(self.o + "i2").tobytes()

    def u16(self, values: object) -> bytes:
        a = np.asarray(values, dtype=np.int64).ravel(order="F")
        return np.asarray(a, dtype=np.uint16).astype(self.o + "u2").tobytes()

    def f32(self, values: object) -> bytes:
        a = np.asarray(values, dtype=np.float64).ravel(order="F").astype(np.float32)
        if self.proc != DEC:
            return a.astype(self.o + "f4").tobytes()
        bits = (a * np.float32(4.0)).view(np.uint32)
        words = np.empty(2 * a.size, dtype="<u2")
        words[0::2] = bits >> 16
        words[1::2] = bits & 0xFFFF
        return words.tobytes()


def _record(enc: _Enc, gid: int, name: str, body: bytes, last: bool) -> bytes:
    nb = name.encode("latin-1")
    offset = 0 if last else 2 + len(body)
    return struct.pack("b", len(nb)) + struct.pack("b", gid) + nb + enc.i16([offset]) + body


def _param_body(enc: _Enc, p: Param) -> bytes:
    v = p.value
    kind = p.kind
    if kind == "auto":
        if isinstance(v, str | list):
            kind = "char"
        elif np.asarray(v).dtype.kind in "iu":
            kind = "int"
        else:
            kind = "float"
    if kind == "char":
        items = [v] if isinstance(v, str) else list(v)  # type: ignore[arg-type]
        width = max([len(s) for s in items] + [1])
        data = b"".join(s.ljust(width).encode("latin-1") for s in items)
        dims = [width] if isinstance(v, str) else [width, len(items)]
        head = struct.pack("b", -1)
    else:
        arr = np.asarray(v)
        dims = list(arr.shape) if arr.ndim else []
        if kind == "int":
            data, head = enc.i16(arr), struct.pack("b", 2)
        elif kind == "byte":
            data, head = np.asarray(arr, np.int8).ravel(order="F").tobytes(), struct.pack("b", 1)
        else:
            data, head = enc.f32(arr), struct.pack("b", 4)
    return head + struct.pack("B", len(dims)) + bytes(dims) + data + b"\x00"


def build(spec: C3DSpec) -> bytes:
    """Bytes of a C3D file described by ``spec``."""
    enc = _Enc(spec.processor)
    nf, npnt, _ = spec.points.shape
    an = spec.analogs if spec.analogs is not None else np.zeros((0, 0))
    n_ch = an.shape[0]
    spf = an.shape[1] // nf if n_ch else 0
    scale = spec.int_scale if spec.integer else -abs(spec.int_scale)

    params: list[Param] = [
        Param("POINT", "USED", np.array([npnt], np.int16)),
        Param("POINT", "FRAMES", np.array([nf], np.int16)),
        Param("POINT", "SCALE", np.array([scale], np.float64)),
        Param("POINT", "RATE", np.array([spec.rate], np.float64)),
        Param("POINT", "UNITS", spec.units),
        Param("ANALOG", "USED", np.array([n_ch], np.int16)),
        Param("ANALOG", "RATE", np.array([spec.analog_rate if n_ch else 0.0])),
        Param("ANALOG", "GEN_SCALE", np.array([spec.gen_scale])),
    ]
    labels = list(spec.labels)
    for k in range(0, max(len(labels), 1), spec.labels_per_param):
        name = "LABELS" if k == 0 else f"LABELS{k // spec.labels_per_param + 1}"
        params.append(Param("POINT", name, labels[k : k + spec.labels_per_param] or [""]))
    if n_ch:
        params += [
            Param("ANALOG", "LABELS", spec.analog_labels),
            Param("ANALOG", "SCALE", np.array(spec.analog_scale or [1.0] * n_ch)),
            Param("ANALOG", "OFFSET", np.array(spec.analog_offset or [0] * n_ch, np.int64)),
        ]
        if spec.analog_format:
            params.append(Param("ANALOG", "FORMAT", spec.analog_format))
    params += spec.extra

    groups: list[str] = []
    for p in params:
        if p.group not in groups:
            groups.append(p.group)
    records: list[tuple[int, str, bytes]] = []
    for gi, g in enumerate(groups, start=1):
        records.append((-gi, g, b"\x00"))
    for p in params:
        records.append((groups.index(p.group) + 1, p.name, _param_body(enc, p)))
    body = b"".join(
        _record(enc, gid, name, data, last=(k == len(records) - 1))
        for k, (gid, name, data) in enumerate(records)
    )
    n_pblocks = (4 + len(body) + 511) // 512
    data_start = 2 + n_pblocks
    params.append(Param("POINT", "DATA_START", np.array([data_start], np.int16)))
    # rebuild with DATA_START included (size can only grow by one record)
    records.append((groups.index("POINT") + 1, "DATA_START", _param_body(enc, params[-1])))
    body = b"".join(
        _record(enc, gid, name, data, last=(k == len(records) - 1))
        for k, (gid, name, data) in enumerate(records)
    )
    n_pblocks = (4 + len(body) + 511) // 512
    if 2 + n_pblocks != data_start:
        raise AssertionError("parameter section grew past a block; adjust the writer")
    psec = bytes([1, 0x50, n_pblocks, spec.processor]) + body
    psec = psec.ljust(n_pblocks * 512, b"\x00")

    header = bytearray(512)
    header[0], header[1] = 2, 0x50
    header[2:4] = enc.u16([npnt])
    header[4:6] = enc.u16([n_ch * spf])
    header[6:8] = enc.u16([spec.first_frame])
    header[8:10] = enc.u16([spec.first_frame + nf - 1])
    header[12:16] = enc.f32([scale])
    header[16:18] = enc.u16([data_start])
    header[18:20] = enc.u16([spf])
    header[20:24] = enc.f32([spec.rate])
    if spec.header_events:
        header[298:300] = enc.u16([12345])
        header[300:302] = enc.u16([len(spec.header_events)])
        for i, (label, t) in enumerate(spec.header_events):
            header[304 + 4 * i : 308 + 4 * i] = enc.f32([t])
            header[396 + 4 * i : 400 + 4 * i] = label.ljust(4)[:4].encode()

    invalid = spec.invalid if spec.invalid is not None else np.zeros((nf, npnt), bool)
    pts = np.asarray(spec.points, dtype=np.float64)
    frames = np.zeros((nf, 4 * npnt + n_ch * spf))
    p4 = np.zeros((nf, npnt, 4))
    if spec.integer:
        p4[:, :, :3] = np.round(pts / spec.int_scale)
    else:
        p4[:, :, :3] = pts
    p4[:, :, 3] = np.where(invalid, -1, 0)
    frames[:, : 4 * npnt] = p4.reshape(nf, -1)
    if n_ch:
        frames[:, 4 * npnt :] = an.T.reshape(nf, spf * n_ch)
    if spec.integer:
        if spec.analog_format == "UNSIGNED":
            dat = frames[:, : 4 * npnt].astype(np.int64)
            out = np.zeros_like(frames, dtype=np.int64)
            out[:, : 4 * npnt] = dat
            out[:, 4 * npnt :] = frames[:, 4 * npnt :].astype(np.int64)
            raw = out.astype(np.int64) & 0xFFFF
            data = raw.astype(np.uint16).astype(enc.o + "u2").tobytes()
        else:
            data = enc.i16(frames.ravel())
    else:
        data = enc.f32(frames.ravel())
    data = data.ljust(((len(data) + 511) // 512) * 512, b"\x00")
    return bytes(header) + psec + data


def write(path: Path, spec: C3DSpec) -> Path:
    path.write_bytes(build(spec))
    return path
