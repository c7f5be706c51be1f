"""Bad input: every failure is an InputError subclass naming the file, never a bare exception."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from c3d_writer import C3DSpec, write
from io_data import data_path

from kinechain.errors import DataFormatError, InputError, MarkerSetError, UnitsError
from kinechain.io import read, read_c3d, read_mot, read_trc

HC032 = "c3d/biomechzoo/HC032A03.c3d"
EB_I = "c3d/c3d-org/Eb015pi.c3d"
TRC = "opensim/ik-test/subject01_synthetic_marker_data.trc"
IK = "opensim/ik-test/std_subject01_walk1_ik.mot"


def _copy(tmp_path: Path, rel: str, name: str, edit: object = None) -> Path:
    data = data_path(rel).read_bytes()
    if edit is not None:
        data = edit(data)  # type: ignore[operator]
    out = tmp_path / name
    out.write_bytes(data)
    return out


def _raises(exc: type[InputError], path: Path, *words: str, **kw: object) -> InputError:
    with pytest.raises(exc) as info:
        read(path, **kw)
    err = info.value
    assert str(path) in str(err)
    assert err.path == str(path)
    assert "\n" not in str(err)
    for w in words:
        assert w in str(err), str(err)
    return err


# ---- C3D ---------------------------------------------------------------------------------


def test_c3d_cut_in_half(tmp_path: Path) -> None:
    p = _copy(tmp_path, HC032, "half.c3d", lambda b: b[: len(b) // 2])
    _raises(DataFormatError, p, "truncated: header says 211 frames but data block holds")


def test_c3d_cut_to_100_bytes(tmp_path: Path) -> None:
    p = _copy(tmp_path, HC032, "tiny.c3d", lambda b: b[:100])
    _raises(DataFormatError, p, "truncated", "100 bytes")


def test_c3d_cut_inside_the_parameters(tmp_path: Path) -> None:
    p = _copy(tmp_path, HC032, "params.c3d", lambda b: b[:3000])
    _raises(DataFormatError, p, "truncated")


def test_garbage_named_c3d(tmp_path: Path) -> None:
    p = tmp_path / "garbage.c3d"
    p.write_bytes(np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    _raises(DataFormatError, p, "not a C3D file")


def test_text_named_c3d(tmp_path: Path) -> None:
    p = tmp_path / "notes.c3d"
    p.write_text("this is not motion capture\n" * 40)
    _raises(DataFormatError, p)


def _set_header_word(b: bytes, word: int, value: int) -> bytes:
    out = bytearray(b)
    out[2 * (word - 1) : 2 * word] = value.to_bytes(2, "little")
    return bytes(out)


def test_header_with_impossible_frame_count(tmp_path: Path) -> None:
    # last frame (word 5) far beyond the data
    p = _copy(tmp_path, EB_I, "frames.c3d", lambda b: _set_header_word(b, 5, 60000))
    # 450 frames, plus the zero padding of the last 512-byte block
    _raises(DataFormatError, p, "header says 60000 frames but data block holds 45")


def test_header_with_impossible_point_count(tmp_path: Path) -> None:
    p = _copy(tmp_path, EB_I, "points.c3d", lambda b: _set_header_word(b, 2, 30000))
    _raises(DataFormatError, p, "truncated")


def test_header_with_first_after_last(tmp_path: Path) -> None:
    p = _copy(tmp_path, EB_I, "order.c3d", lambda b: _set_header_word(b, 4, 900))
    _raises(DataFormatError, p, "frame range")


def test_analog_count_not_a_multiple(tmp_path: Path) -> None:
    p = _copy(tmp_path, EB_I, "analog.c3d", lambda b: _set_header_word(b, 3, 17))
    _raises(DataFormatError, p, "ANALOG:USED")


def _units_to_m(b: bytes) -> bytes:
    """Rewrite POINT:UNITS 'mm' (char, 1 dim of 2) as 'm '."""
    m = re.search(rb"UNITS..\xff\x01\x02mm", b, flags=re.DOTALL)
    assert m is not None
    out = bytearray(b)
    out[m.end() - 2 : m.end()] = b"m "
    return bytes(out)


def test_c3d_units_m_but_values_in_mm(tmp_path: Path) -> None:
    p = _copy(tmp_path, HC032, "units.c3d", _units_to_m)
    err = _raises(UnitsError, p, "units say 'm'", "millimetres")
    assert err.field == "POINT:UNITS"


def test_c3d_units_mm_but_values_in_m(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pts = np.array([[0, 0, 1.0], [0, 0.2, 1.0], [0.1, 0, 0.05], [0.1, 0.2, 0.05]])
    spec = C3DSpec(points=pts[None] + rng.normal(0, 1e-3, (20, 4, 3)), labels=list("ABCD"))
    p = write(tmp_path / "metres.c3d", spec)
    err = _raises(UnitsError, p, "units say 'mm'", "metres")
    assert err.field == "POINT:UNITS"


def test_c3d_all_markers_empty(tmp_path: Path) -> None:
    spec = C3DSpec(
        points=np.ones((10, 3, 3)), labels=["A", "B", "C"], invalid=np.ones((10, 3), bool)
    )
    _raises(MarkerSetError, write(tmp_path / "empty_markers.c3d", spec), "every sample is a gap")


def test_c3d_force_plate_channel_out_of_range(tmp_path: Path) -> None:
    b = data_path(EB_I).read_bytes()
    m = re.search(rb"CHANNEL..\x02\x02\x06\x02", b, flags=re.DOTALL)
    assert m is not None
    out = bytearray(b)
    out[m.end() : m.end() + 2] = (99).to_bytes(2, "little")  # plate 1, channel 1 → 99
    p = tmp_path / "channel.c3d"
    p.write_bytes(bytes(out))
    err = _raises(DataFormatError, p, "analog channel 99", "16")
    assert err.field == "FORCE_PLATFORM:CHANNEL"


def test_empty_c3d(tmp_path: Path) -> None:
    p = tmp_path / "empty.c3d"
    p.write_bytes(b"")
    _raises(DataFormatError, p, "empty file")


def test_random_damage_never_escapes(tmp_path: Path) -> None:
    """Flip bytes of the header/parameters or cut the file anywhere: InputError or a Trial."""
    b = data_path(EB_I).read_bytes()
    rng = np.random.default_rng(11)
    p = tmp_path / "damaged.c3d"
    for i in range(150):
        c = bytearray(b)
        if i % 3 == 2:
            c = c[: int(rng.integers(0, len(c)))]
        else:
            for _ in range(int(rng.integers(1, 6))):
                c[int(rng.integers(0, 10 * 512))] = int(rng.integers(0, 256))
        p.write_bytes(bytes(c))
        try:
            read_c3d(p)
        except InputError as err:
            assert str(p) in str(err)


def test_ezc3d_engine_on_a_malformed_file_raises(tmp_path: Path) -> None:
    pytest.importorskip("ezc3d")
    p = _copy(tmp_path, HC032, "half_ez.c3d", lambda b: b[: len(b) // 2])
    with pytest.raises(DataFormatError) as info:
        read_c3d(p, engine="ezc3d")
    assert str(p) in str(info.value) and "ezc3d" in str(info.value)
    garbage = tmp_path / "garbage_ez.c3d"
    garbage.write_bytes(b"\x02\x50" + bytes(range(256)) * 20)
    with pytest.raises(DataFormatError):
        read_c3d(garbage, engine="ezc3d")


def test_ezc3d_engine_survives_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that dies of a signal (as ezc3d does on some files) becomes DataFormatError."""
    pytest.importorskip("ezc3d")
    from kinechain.io import _c3d_ezc3d

    monkeypatch.setattr(_c3d_ezc3d, "_CHILD", "import os, signal; os.kill(os.getpid(), 11)")
    p = _copy(tmp_path, EB_I, "crash.c3d")
    with pytest.raises(DataFormatError) as info:
        read_c3d(p, engine="ezc3d")
    assert "crashed" in str(info.value) and "SIGSEGV" in str(info.value)


# ---- TRC ---------------------------------------------------------------------------------


def _trc_edit(tmp_path: Path, name: str, fn: object) -> Path:
    lines = data_path(TRC).read_text().splitlines()
    fn(lines)  # type: ignore[operator]
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def test_trc_wrong_num_markers(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        lines[2] = lines[2].replace("\t31\t", "\t30\t")

    err = _raises(DataFormatError, _trc_edit(tmp_path, "nm.trc", edit), "NumMarkers=30", "31")
    assert err.field == "NumMarkers"


def test_trc_wrong_num_frames(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        lines[2] = lines[2].replace("\t73\t", "\t80\t")

    err = _raises(DataFormatError, _trc_edit(tmp_path, "nf.trc", edit), "NumFrames=80", "73")
    assert err.field == "NumFrames"


def test_trc_non_numeric_cell(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        k = next(i for i, ln in enumerate(lines) if ln.startswith("3\t"))
        cells = lines[k].split("\t")
        cells[6] = "abc"
        lines[k] = "\t".join(cells)

    p = _trc_edit(tmp_path, "nan.trc", edit)
    err = _raises(DataFormatError, p, "non-numeric value 'abc'", "R.Acromium.Y")
    assert err.field is not None and err.field.startswith("line ")


def test_trc_units_m_but_mm_values(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        for k in range(5, len(lines)):
            cells = lines[k].split("\t")
            if len(cells) > 2:
                cells[2:] = [f"{float(c) * 1000:.3f}" if c.strip() else c for c in cells[2:]]
                lines[k] = "\t".join(cells)

    err = _raises(UnitsError, _trc_edit(tmp_path, "mm.trc", edit), "units say 'm'")
    assert err.field == "Units"


def test_trc_all_nan(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        for k in range(5, len(lines)):
            cells = lines[k].split("\t")
            if len(cells) > 2:
                cells[2:] = ["NaN"] * (len(cells) - 2)
                lines[k] = "\t".join(cells)

    _raises(MarkerSetError, _trc_edit(tmp_path, "allnan.trc", edit), "every sample is a gap")


def test_trc_not_a_trc(tmp_path: Path) -> None:
    p = tmp_path / "bad.trc"
    p.write_text("hello\nworld\n")
    _raises(DataFormatError, p, "PathFileType")


@pytest.mark.parametrize("ext", [".c3d", ".trc", ".mot", ".sto"])
def test_empty_files(tmp_path: Path, ext: str) -> None:
    p = tmp_path / f"empty{ext}"
    p.write_text("")
    _raises(DataFormatError, p, "empty")


# ---- MOT/STO -----------------------------------------------------------------------------


def _mot_edit(tmp_path: Path, name: str, fn: object) -> Path:
    lines = data_path(IK).read_text().splitlines()
    fn(lines)  # type: ignore[operator]
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def test_mot_missing_endheader(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        k = next(i for i, ln in enumerate(lines) if ln.strip() == "endheader")
        del lines[k]

    _raises(DataFormatError, _mot_edit(tmp_path, "noend.mot", edit), "endheader")


def test_mot_wrong_row_count(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        lines[1] = "nRows=70"

    err = _raises(DataFormatError, _mot_edit(tmp_path, "rows.mot", edit), "nRows=70", "73")
    assert err.field == "nRows"


def test_mot_non_numeric_cell(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        k = next(i for i, ln in enumerate(lines) if ln.startswith("0.5\t"))
        lines[k] = lines[k].replace("\t", "\tx", 1)

    p = _mot_edit(tmp_path, "cell.mot", edit)
    err = _raises(DataFormatError, p, "non-numeric value")
    k = next(i for i, ln in enumerate(p.read_text().splitlines()) if ln.startswith("0.5\t"))
    assert err.field == f"line {k + 1}"


def test_mot_short_row(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        lines[-1] = "\t".join(lines[-1].split("\t")[:10])

    _raises(DataFormatError, _mot_edit(tmp_path, "short.mot", edit), "10 values", "24 columns")


def test_mot_time_backwards(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        lines[-1] = "0.1" + lines[-1][lines[-1].index("\t") :]

    _raises(DataFormatError, _mot_edit(tmp_path, "back.mot", edit), "time goes backwards")


def test_mot_read_directly_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "x.mot"
    p.write_text("endheader\n")
    with pytest.raises(DataFormatError) as info:
        read_mot(p)
    assert str(p) in str(info.value)


# ---- the dispatcher ----------------------------------------------------------------------


def test_unknown_extension(tmp_path: Path) -> None:
    p = tmp_path / "walk.xyz"
    p.write_text("1 2 3\n")
    err = _raises(InputError, p, "'.xyz'", ".c3d", ".trc")
    assert type(err) is InputError


def test_no_extension(tmp_path: Path) -> None:
    p = tmp_path / "walk"
    p.write_text("1 2 3\n")
    _raises(InputError, p, "no extension")


def test_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "nope.c3d"
    _raises(InputError, p, "file not found")
    with pytest.raises(InputError, match="file not found"):
        read_c3d(p)
    with pytest.raises(InputError, match="file not found"):
        read_trc(tmp_path / "nope.trc")


def test_directory(tmp_path: Path) -> None:
    d = tmp_path / "folder.c3d"
    d.mkdir()
    _raises(InputError, d, "folder")


def test_extension_is_case_insensitive(tmp_path: Path) -> None:
    p = _copy(tmp_path, EB_I, "UPPER.C3D")
    assert read(p).n_frames == 450
