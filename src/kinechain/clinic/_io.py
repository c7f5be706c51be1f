"""The one edge of :mod:`kinechain.clinic` that touches files: reading an intake JSON file."""

from __future__ import annotations

import json
import os
from typing import Any

from kinechain.clinic._intake import Intake, parse_intake
from kinechain.errors import DataFormatError, InputError

__all__ = ["read_intake"]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def read_intake(path: str | os.PathLike[str]) -> Intake:
    """Read and validate an intake JSON file.

    Parameters
    ----------
    path : str or path-like
        A UTF-8 JSON file in the ``kinechain.intake/1`` format.

    Returns
    -------
    Intake

    Raises
    ------
    InputError
        The file cannot be read (missing, a directory, no permission).
    DataFormatError
        Not UTF-8, not JSON (with line and column), or a key repeated in one object.
    IntakeError
        Invalid values, all listed (see :func:`parse_intake`).
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory, not an intake JSON file") from None
    except OSError as exc:
        raise InputError(name, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFormatError(name, f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise DataFormatError(name, "the file is empty; expected a JSON object")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            name, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except ValueError as exc:
        raise DataFormatError(name, f"not valid intake JSON: {exc}") from None
    return parse_intake(data, name)
