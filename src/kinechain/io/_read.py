"""One entry point for every file kinechain reads: :func:`read`, dispatching on the extension."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kinechain.errors import InputError
from kinechain.io._c3d import read_c3d
from kinechain.io._opensim import read_mot, read_trc
from kinechain.trial import Trial

__all__ = ["READERS", "read"]

#: Extension (lower case) → reader.
READERS: dict[str, Callable[..., Trial]] = {
    ".c3d": read_c3d,
    ".trc": read_trc,
    ".mot": read_mot,
    ".sto": read_mot,
}


def read(path: Path | str, **kwargs: Any) -> Trial:
    """Read a motion file into a :class:`~kinechain.trial.Trial`.

    Parameters
    ----------
    path : path-like
        A ``.c3d``, ``.trc``, ``.mot`` or ``.sto`` file (extension case-insensitive).
    **kwargs
        Passed to the reader: :func:`read_c3d` (``engine``, ``zero_force_plates``),
        :func:`read_mot` (``knee_flexion_negative``).

    Returns
    -------
    Trial

    Raises
    ------
    InputError
        The file is missing, is a folder, or has an extension kinechain does not read;
        the reader's own errors (DataFormatError, UnitsError, MarkerSetError) otherwise.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(path, "file not found")
    if p.is_dir():
        raise InputError(path, "is a folder, not a file")
    ext = p.suffix.lower()
    reader = READERS.get(ext)
    if reader is None:
        known = ", ".join(sorted(READERS))
        what = f"extension '{p.suffix}'" if p.suffix else "no extension"
        raise InputError(path, f"cannot read a file with {what}; kinechain reads {known}")
    return reader(path, **kwargs)
