"""Read a user's marker-name mapping (JSON) for the anatomical-landmark model."""

from __future__ import annotations

import json
from pathlib import Path

from kinechain.errors import DataFormatError, InputError
from kinechain.kinematics import MarkerMapping, mapping_from_dict

__all__ = ["read_mapping"]


def read_mapping(path: Path | str) -> MarkerMapping:
    """Load ``{"model": "anatomical", "markers": {"left_asis": "MyLASIS", ...}}``.

    Raises
    ------
    InputError
        The file is missing; DataFormatError when it is not valid JSON or a key is wrong.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(p, "marker mapping file not found")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise DataFormatError(p, f"not valid JSON{line}") from None
    return mapping_from_dict(data, source=str(p))
