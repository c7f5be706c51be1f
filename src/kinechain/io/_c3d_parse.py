"""A pure-NumPy C3D parser: header, parameter section and data section.

The layout follows the C3D format specification (C3D.org, "The C3D File Format User Guide",
Motion Lab Systems, 2008, chapters 2-4):

* the file is made of 512-byte blocks; block 1 is the header, whose first byte points to the
  first block of the parameter section and whose second byte is the key ``0x50``;
* the parameter section starts with four bytes (reserved, reserved, number of parameter
  blocks, processor type ``83 + n``: 84 Intel, 85 DEC, 86 MIPS/SGI) followed by group and
  parameter records, each with a signed name length, a signed group id (negative for groups),
  the name, a 16-bit offset to the next record, then for parameters a data type
  (-1 char, 1 byte, 2 int16, 4 float), dimensions and the data in column-major order;
* the data section starts at block ``DATA_START``; every frame holds ``4 x POINT:USED``
  words (X, Y, Z and a residual/camera word, negative for an invalid point) followed by
  ``ANALOG:USED x samples-per-frame`` analog words, sample after sample. A negative
  ``POINT:SCALE`` means 32-bit floats (coordinates already scaled); a positive one means
  16-bit integers to be multiplied by the scale.

DEC (processor 85) floats are VAX F_floating numbers: the two 16-bit words are swapped with
respect to IEEE-754 and the exponent bias is 128 with a 0.5-based mantissa, so the IEEE value
read after swapping the words is four times too large. MIPS (86) files are big-endian.

Every offset and size is checked against the file length; any inconsistency raises
:class:`~kinechain.errors.DataFormatError` naming the file and what is wrong.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import DataFormatError

__all__ = ["PROCESSORS", "C3DParam", "ParamValue", "RawC3D", "parse_c3d"]

FloatArray: TypeAlias = NDArray[np.float64]
ParamValue: TypeAlias = "NDArray[np.generic] | list[str]"

INTEL, DEC, MIPS = 84, 85, 86
#: Processor type byte → name.
PROCESSORS = {INTEL: "intel", DEC: "dec", MIPS: "mips"}
_BLOCK = 512
_KEY = 0x50


class C3DParam:
    """One parameter: C3D data type (-1 char, 1 byte, 2 int16, 4 float), dimensions, value.

    Numeric values are arrays shaped like ``dims`` (column-major, as in the file, so that
    ``FORCE_PLATFORM:CORNERS`` is ``(3, 4, n_plates)``); character values are a list of
    strings with trailing blanks removed (one string per column of the character array).
    Groups and parameters are keyed in upper case (C3D names are case-insensitive);
    ``name`` keeps the spelling of the file.

    The parser checks a value's type and extent against the file when it meets the record,
    but decodes it only when ``value`` is first read (most parameters never are).
    """

    __slots__ = ("_pending", "_value", "dims", "name", "type")

    def __init__(
        self,
        type: int,
        dims: tuple[int, ...],
        value: ParamValue | None = None,
        name: str = "",
        *,
        pending: tuple[_Reader, int, str] | None = None,
    ) -> None:
        self.type = type
        self.dims = dims
        self.name = name
        self._value = value
        self._pending = pending

    @property
    def value(self) -> ParamValue:
        if self._value is None:
            if self._pending is None:
                raise RuntimeError("parameter without a value")
            rd, offset, what = self._pending
            self._value = _param_value(rd, offset, self.type, self.dims, what)
            self._pending = None
        return self._value

    def __repr__(self) -> str:
        return f"C3DParam(type={self.type}, dims={self.dims}, value={self.value!r})"


@dataclass
class RawC3D:
    """Everything read from a C3D file, before any interpretation.

    Attributes
    ----------
    points : (n_points, n_frames, 3) array
        Coordinates in POINT:UNITS, NaN where the residual word flags the point invalid.
    residuals : (n_points, n_frames) array
        Residual (in POINT:UNITS), -1 where invalid.
    analogs : (n_channels, n_frames * samples_per_frame) array
        Analog data with offset and scales applied: ``(raw - OFFSET) * SCALE * GEN_SCALE``.
    first_frame : int
        1-based number of the first frame, as stored in the header.
    """

    source: str
    engine: str
    processor: str
    first_frame: int
    n_frames: int
    point_rate: float
    analog_rate: float
    samples_per_frame: int
    params: dict[str, dict[str, C3DParam]]
    point_labels: list[str]
    points: FloatArray
    residuals: FloatArray
    analog_labels: list[str]
    analogs: FloatArray
    header_events: list[tuple[str, float]] = field(default_factory=list)


class _Reader:
    """Bounds-checked reads of little/big-endian and DEC values from the file bytes."""

    def __init__(self, buf: bytes, source: str, processor: int) -> None:
        self.buf = buf
        self.size = len(buf)
        self.source = source
        self.processor = processor
        self.order = ">" if processor == MIPS else "<"

    def need(self, offset: int, nbytes: int, what: str) -> None:
        if offset < 0 or nbytes < 0 or offset + nbytes > self.size:
            raise DataFormatError(
                self.source,
                f"truncated: {what} needs bytes {offset}-{offset + nbytes} "
                f"but the file has {self.size} bytes",
            )

    def u8(self, offset: int, what: str) -> int:
        self.need(offset, 1, what)
        return self.buf[offset]

    def i8(self, offset: int, what: str) -> int:
        v = self.u8(offset, what)
        return v - 256 if v > 127 else v

    def u16(self, offset: int, what: str) -> int:
        self.need(offset, 2, what)
        return int(struct.unpack_from(self.order + "H", self.buf, offset)[0])

    def i16(self, offset: int, what: str) -> int:
        self.need(offset, 2, what)
        return int(struct.unpack_from(self.order + "h", self.buf, offset)[0])

    def f32(self, offset: int, what: str) -> float:
        return float(self.floats(offset, 1, what)[0])

    def floats(self, offset: int, count: int, what: str) -> NDArray[np.float32]:
        self.need(offset, 4 * count, what)
        if self.processor == DEC:
            return dec_to_ieee(np.frombuffer(self.buf, "<u2", 2 * count, offset))
        return np.frombuffer(self.buf, self.order + "f4", count, offset)

    def ints(self, offset: int, count: int, what: str) -> NDArray[np.int16]:
        self.need(offset, 2 * count, what)
        return np.frombuffer(self.buf, self.order + "i2", count, offset)


def dec_to_ieee(words: NDArray[np.uint16]) -> NDArray[np.float32]:
    """Convert VAX/DEC F_floating numbers, given as pairs of little-endian 16-bit words.

    Parameters
    ----------
    words : (2n,) uint16 array
        The raw words in file order.

    Returns
    -------
    (n,) float32 array
    """
    w = words.reshape(-1, 2).astype(np.uint32)
    bits = (w[:, 0] << 16) | w[:, 1]
    out = bits.view(np.float32) / np.float32(4.0)
    # exponent 0 is a true zero in DEC (or a reserved operand): never a denormal
    out[(bits & np.uint32(0x7F800000)) == 0] = 0.0
    return out


def _strip(raw: bytes) -> str:
    return raw.decode("latin-1").replace("\x00", " ").strip()


def _count(value: int) -> int:
    """C3D counts are often written as signed 16-bit but meant unsigned."""
    return value + 65536 if value < 0 else value


def _param_value(
    rd: _Reader, offset: int, type_: int, dims: tuple[int, ...], what: str
) -> ParamValue:
    n = math.prod(dims)
    if type_ == -1:
        rd.need(offset, n, what)
        raw = rd.buf[offset : offset + n]
        if len(dims) <= 1:
            return [_strip(raw)]
        width = dims[0]
        if not width:
            return []
        text = raw.decode("latin-1").replace("\x00", " ")
        return [text[i : i + width].strip() for i in range(0, n, width)]
    shape = dims if dims else (1,)
    arr: NDArray[np.generic]
    if type_ == 1:
        rd.need(offset, n, what)
        arr = np.frombuffer(rd.buf, np.int8, n, offset)
    elif type_ == 2:
        arr = rd.ints(offset, n, what)
    elif type_ == 4:
        arr = rd.floats(offset, n, what)
    else:
        raise DataFormatError(rd.source, f"unknown parameter data type {type_}", field=what)
    return arr.reshape(shape, order="F") if len(shape) > 1 else arr


def _parse_parameters(rd: _Reader, start: int, n_blocks: int) -> dict[str, dict[str, C3DParam]]:
    """Walk the group and parameter records of the parameter section."""
    buf = rd.buf
    size = rd.size
    step_fmt = struct.Struct(rd.order + "H").unpack_from
    groups: dict[int, str] = {}
    pending: list[tuple[int, str, C3DParam]] = []
    pos = start + 4
    # the declared number of parameter blocks bounds the section (a last record's
    # "offset to next" is sometimes garbage)
    limit = min(size, start + n_blocks * _BLOCK) if n_blocks > 0 else size
    seen = 0
    while pos + 2 <= limit:
        nlen = buf[pos]
        gid = buf[pos + 1]
        if nlen == 0 or gid == 0:
            break
        nlen = 256 - nlen if nlen > 127 else nlen
        gid = gid - 256 if gid > 127 else gid
        q = pos + 2 + nlen
        if q + 4 > size:
            rd.need(pos, nlen + 6, "parameter record")
        spelled = buf[pos + 2 : q].decode("latin-1").strip()
        name = spelled.upper()
        step = step_fmt(buf, q)[0]
        if gid < 0:
            groups[-gid] = name
        else:
            type_ = buf[q + 2]
            type_ = type_ - 256 if type_ > 127 else type_
            ndim = buf[q + 3]
            if ndim > 7:
                raise DataFormatError(
                    rd.source, f"parameter {name} has {ndim} dimensions (at most 7)"
                )
            if q + 4 + ndim > size:
                rd.need(q + 4, ndim, f"parameter {name} dimensions")
            dims = tuple(buf[q + 4 : q + 4 + ndim])
            start = q + 4 + ndim
            size_ = math.prod(dims) * (abs(type_) if type_ in (-1, 1, 2, 4) else 0)
            if type_ not in (-1, 1, 2, 4):
                raise DataFormatError(
                    rd.source, f"unknown data type {type_}", field=f"parameter {name}"
                )
            rd.need(start, size_, f"parameter {name}")
            prm = C3DParam(type_, dims, None, spelled, pending=(rd, start, f"parameter {name}"))
            pending.append((gid, name, prm))
        seen += 1
        if step == 0 or seen > 100_000:
            break
        pos = q + step
    params: dict[str, dict[str, C3DParam]] = {name: {} for name in groups.values()}
    for gid, name, prm in pending:
        group = groups.get(gid, f"GROUP{gid}")
        params.setdefault(group, {})[name] = prm
    return params


def param(params: dict[str, dict[str, C3DParam]], group: str, name: str) -> ParamValue | None:
    """The value of ``GROUP:NAME`` or None."""
    p = params.get(group, {}).get(name)
    return None if p is None else p.value


def param_strings(params: dict[str, dict[str, C3DParam]], group: str, name: str) -> list[str]:
    """A character parameter with its continuations (``LABELS``, ``LABELS2``, ``LABELS3``...)."""
    out: list[str] = []
    for i in range(1, 100):
        key = name if i == 1 else f"{name}{i}"
        v = param(params, group, key)
        if v is None:
            if i > 1:
                break
            continue
        if isinstance(v, list):
            out.extend(v)
        else:
            out.extend(str(x) for x in np.ravel(v))
    return out


def param_numbers(
    params: dict[str, dict[str, C3DParam]], group: str, name: str
) -> NDArray[np.float64]:
    """A numeric parameter (flattened, column-major) with its continuations."""
    parts: list[NDArray[np.float64]] = []
    for i in range(1, 100):
        key = name if i == 1 else f"{name}{i}"
        v = param(params, group, key)
        if v is None or isinstance(v, list):
            if i > 1:
                break
            continue
        parts.append(np.asarray(v, dtype=np.float64).ravel(order="F"))
    return np.concatenate(parts) if parts else np.empty(0)


def param_int(
    params: dict[str, dict[str, C3DParam]], group: str, name: str, default: int | None = None
) -> int | None:
    v = param(params, group, name)
    if v is None or isinstance(v, list) or np.size(v) == 0:
        return default
    return int(np.asarray(v).ravel()[0])


def param_float(
    params: dict[str, dict[str, C3DParam]], group: str, name: str, default: float | None = None
) -> float | None:
    v = param(params, group, name)
    if v is None or isinstance(v, list) or np.size(v) == 0:
        return default
    return float(np.asarray(v, dtype=np.float64).ravel()[0])


def unique_labels(labels: list[str], n: int, stem: str) -> list[str]:
    """``n`` labels: the given ones padded/truncated, blanks named, duplicates suffixed."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i in range(n):
        lab = labels[i].strip() if i < len(labels) else ""
        if not lab:
            lab = f"{stem}{i + 1}"
        if lab in seen:
            seen[lab] += 1
            lab = f"{lab}_{seen[lab]}"
        else:
            seen[lab] = 1
        out.append(lab)
    return out


def parse_c3d(buf: bytes, source: str) -> RawC3D:
    """Parse the bytes of a C3D file.

    Parameters
    ----------
    buf : bytes
        The whole file.
    source : str
        File name used in error messages.

    Returns
    -------
    RawC3D

    Raises
    ------
    DataFormatError
        Not a C3D file, truncated, or header and parameters inconsistent with the data.
    """
    size = len(buf)
    if size == 0:
        raise DataFormatError(source, "empty file")
    if size < _BLOCK:
        raise DataFormatError(source, f"truncated: {size} bytes, less than the 512-byte C3D header")
    if buf[1] != _KEY:
        raise DataFormatError(
            source,
            f"not a C3D file: header byte 2 is 0x{buf[1]:02x}, not the C3D key 0x50",
        )
    pblock = buf[0]
    pstart = (pblock - 1) * _BLOCK
    if pblock < 2 or pstart + 4 > size:
        raise DataFormatError(
            source,
            f"truncated: the parameter section should start at block {pblock} "
            f"(byte {pstart}) but the file has {size} bytes",
        )
    proc = buf[pstart + 3]
    if proc not in PROCESSORS:
        raise DataFormatError(
            source,
            f"unknown processor type {proc} in the parameter section "
            "(expected 84 Intel, 85 DEC or 86 MIPS)",
        )
    rd = _Reader(buf, source, proc)
    params = _parse_parameters(rd, pstart, buf[pstart + 2])

    # ---- header ----------------------------------------------------------------------
    n_points = rd.u16(2, "header")
    analog_words = rd.u16(4, "header")
    first = rd.u16(6, "header")
    last = rd.u16(8, "header")
    h_scale = rd.f32(12, "header")
    data_block = rd.u16(16, "header")
    h_spf = rd.u16(18, "header")
    h_rate = rd.f32(20, "header")

    scale = param_float(params, "POINT", "SCALE", h_scale)
    assert scale is not None
    if not np.isfinite(scale) or scale == 0.0:
        scale = h_scale
    if not np.isfinite(scale) or scale == 0.0:
        raise DataFormatError(source, f"invalid POINT:SCALE {scale}", field="POINT:SCALE")
    is_float = scale < 0
    if data_block == 0:
        data_block = _count(param_int(params, "POINT", "DATA_START", 0) or 0)
    if data_block < 2:
        raise DataFormatError(source, f"invalid data start block {data_block} in the header")

    # frame count: header, unless it overflowed 16 bits (TRIAL:ACTUAL_*_FIELD are 32-bit)
    n_frames = last - first + 1
    act_start = param(params, "TRIAL", "ACTUAL_START_FIELD")
    act_end = param(params, "TRIAL", "ACTUAL_END_FIELD")
    if (n_frames <= 0 or last == 65535) and act_start is not None and act_end is not None:
        s = np.asarray(act_start, dtype=np.int64).ravel().astype(np.uint16).astype(np.int64)
        e = np.asarray(act_end, dtype=np.int64).ravel().astype(np.uint16).astype(np.int64)
        if s.size >= 2 and e.size >= 2:
            first = int(s[0] + 65536 * s[1])
            n_frames = int(e[0] + 65536 * e[1]) - first + 1
    if n_frames < 0:
        raise DataFormatError(
            source, f"impossible frame range in the header: first {first}, last {last}"
        )

    n_analog = _count(param_int(params, "ANALOG", "USED", 0) or 0)
    if analog_words and n_analog == 0:
        raise DataFormatError(
            source,
            f"header says {analog_words} analog samples per frame but ANALOG:USED is 0",
            field="ANALOG:USED",
        )
    spf = 0
    if n_analog:
        if analog_words % n_analog:
            raise DataFormatError(
                source,
                f"header says {analog_words} analog samples per frame, "
                f"not a multiple of ANALOG:USED = {n_analog}",
                field="ANALOG:USED",
            )
        spf = analog_words // n_analog
        if spf == 0 and h_spf:
            spf = h_spf
            analog_words = spf * n_analog

    point_rate = h_rate if np.isfinite(h_rate) and h_rate > 0 else 0.0
    if point_rate == 0.0:
        point_rate = param_float(params, "POINT", "RATE", 0.0) or 0.0
    analog_rate = param_float(params, "ANALOG", "RATE", 0.0) or 0.0
    if analog_rate <= 0 and spf and point_rate > 0:
        analog_rate = point_rate * spf
    if point_rate <= 0 and analog_rate > 0 and spf:
        point_rate = analog_rate / spf
    if not np.isfinite(point_rate) or point_rate <= 0:
        raise DataFormatError(source, "no valid point frame rate in the header or POINT:RATE")

    # ---- data section ----------------------------------------------------------------
    word = 4 if is_float else 2
    frame_words = 4 * n_points + analog_words
    offset = (data_block - 1) * _BLOCK
    available = max(size - offset, 0)
    needed = n_frames * frame_words * word
    if needed > available:
        held = available // (frame_words * word) if frame_words else 0
        raise DataFormatError(
            source,
            f"truncated: header says {n_frames} frames but data block holds {held}",
        )
    count = n_frames * frame_words
    if is_float:
        if proc == DEC:
            flat = dec_to_ieee(np.frombuffer(buf, "<u2", 2 * count, offset))
        else:
            flat = np.frombuffer(buf, rd.order + "f4", count, offset)
    else:
        flat = np.frombuffer(buf, rd.order + "i2", count, offset)
    block = flat.reshape(n_frames, frame_words)

    # (n_points, n_frames, 4) in one copy, so that every point is a contiguous block
    pts = block[:, : 4 * n_points].reshape(n_frames, n_points, 4).transpose(1, 0, 2)
    xyz = np.array(pts[:, :, :3], dtype=np.float64, order="C")
    if not is_float:
        xyz *= scale
    resid_word = pts[:, :, 3]
    # negative (or NaN) residual word: invalid point; else its low byte x |scale|
    invalid = ~(resid_word >= 0)
    low = np.where(invalid, 0, resid_word).astype(np.int32) & 0xFF
    residuals = np.where(invalid, -1.0, low * abs(scale))
    xyz[invalid] = np.nan

    point_labels = unique_labels(param_strings(params, "POINT", "LABELS"), n_points, "Point")

    if n_analog and spf:
        raw_an = block[:, 4 * n_points :]
        if not is_float:
            fmt = param(params, "ANALOG", "FORMAT")
            if isinstance(fmt, list) and fmt and fmt[0].strip().upper() == "UNSIGNED":
                raw_an = raw_an.view(rd.order + "u2")
        an = raw_an.reshape(n_frames * spf, n_analog).T.astype(np.float64)
        offsets = _analog_vector(params, "OFFSET", n_analog, 0.0)
        if not is_float:
            fmt = param(params, "ANALOG", "FORMAT")
            if isinstance(fmt, list) and fmt and fmt[0].strip().upper() == "UNSIGNED":
                offsets = np.where(offsets < 0, offsets + 65536, offsets)
        scales = _analog_vector(params, "SCALE", n_analog, 1.0)
        gen = param_float(params, "ANALOG", "GEN_SCALE", 1.0) or 1.0
        analogs = (an - offsets[:, None]) * (scales * gen)[:, None]
    else:
        analogs = np.empty((n_analog, 0), dtype=np.float64)
    analog_labels = unique_labels(param_strings(params, "ANALOG", "LABELS"), n_analog, "Channel")

    return RawC3D(
        source=source,
        engine="numpy",
        processor=PROCESSORS[proc],
        first_frame=first,
        n_frames=n_frames,
        point_rate=float(point_rate),
        analog_rate=float(analog_rate),
        samples_per_frame=spf,
        params=params,
        point_labels=point_labels,
        points=xyz,
        residuals=residuals,
        analog_labels=analog_labels,
        analogs=analogs,
        header_events=_header_events(rd),
    )


def _analog_vector(
    params: dict[str, dict[str, C3DParam]], name: str, n: int, fill: float
) -> NDArray[np.float64]:
    v = param_numbers(params, "ANALOG", name)
    out = np.full(n, fill, dtype=np.float64)
    k = min(n, v.size)
    out[:k] = v[:k]
    return out


def _header_events(rd: _Reader) -> list[tuple[str, float]]:
    """Events stored in the header (words 150-234): up to 18 labelled times."""
    if rd.u16(298, "header") != 12345:
        return []
    n = rd.u16(300, "header")
    if not 0 < n <= 18:
        return []
    times = rd.floats(304, n, "header events")
    out: list[tuple[str, float]] = []
    for i in range(n):
        label = _strip(rd.buf[396 + 4 * i : 400 + 4 * i])
        t = float(times[i])
        if label and np.isfinite(t):
            out.append((label, t))
    return out
