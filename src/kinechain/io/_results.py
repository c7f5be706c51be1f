"""Write an :class:`~kinechain.Analysis` to disk: angles.csv, events.csv, metrics.json, report.html.

The folder is written all-or-nothing: files go to a hidden temporary folder beside the target,
which is renamed into place only when every file is complete. A failure leaves no output
folder (and an existing one untouched unless ``overwrite`` was asked for and succeeded).
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kinechain.errors import InputError

if TYPE_CHECKING:
    from kinechain._pipeline import Analysis

__all__ = [
    "angles_csv",
    "clean_json",
    "events_csv",
    "metrics_json",
    "write_folder",
    "write_results",
]

REQUIRED_COLUMNS = (
    "left_ankle_dorsiflexion",
    "right_ankle_dorsiflexion",
    "left_knee_flexion",
    "right_knee_flexion",
    "left_hip_flexion",
    "right_hip_flexion",
    "left_pelvic_tilt",
    "right_pelvic_tilt",
)


def _ordered_columns(names: list[str]) -> list[str]:
    first = [c for c in REQUIRED_COLUMNS if c in names]
    return first + sorted(c for c in names if c not in REQUIRED_COLUMNS)


def angles_csv(analysis: Analysis) -> str:
    """The angles table as CSV text: ``time_s`` then one column per angle (degrees)."""
    cols = _ordered_columns(list(analysis.angles))
    data = np.column_stack([analysis.time] + [analysis.angles[c] for c in cols])
    buf = io.StringIO()
    buf.write(",".join(["time_s", *cols]) + "\n")
    fmt = ["%.4f"] + ["%.4f"] * len(cols)
    np.savetxt(buf, data, delimiter=",", fmt=fmt)
    return buf.getvalue().replace("nan", "")


def events_csv(analysis: Analysis) -> str:
    """The events table as CSV text: ``side,event,time_s,source``."""
    lines = ["side,event,time_s,source"]
    for e in sorted(analysis.events, key=lambda e: (e.time_s, e.side, e.kind)):
        lines.append(f"{e.side},{e.kind},{e.time_s:.4f},{e.source}")
    return "\n".join(lines) + "\n"


def clean_json(obj: Any) -> Any:
    """Make a structure strictly JSON: NaN/inf → null, NumPy scalars/arrays → Python."""
    if isinstance(obj, dict):
        return {str(k): clean_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean_json(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return clean_json(obj.tolist())
    if isinstance(obj, np.generic):
        return clean_json(obj.item())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj


def metrics_json(analysis: Analysis) -> str:
    """metrics.json text (strict JSON, NaN written as null)."""
    return json.dumps(clean_json(analysis.metrics()), indent=2, allow_nan=False) + "\n"


def check_output_folder(out_dir: Path | str, *, overwrite: bool) -> Path:
    """The output folder, if it may be written: absent, empty, or ``overwrite`` asked.

    Raises
    ------
    InputError
        ``out_dir`` is a file, or a non-empty folder while ``overwrite`` is False.
    """
    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise InputError(target, "output path exists and is not a folder")
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise InputError(target, "output folder is not empty; use --overwrite to replace it")
    return target


def write_folder(files: dict[str, str | bytes], out_dir: Path | str, *, overwrite: bool) -> Path:
    """Write ``files`` (name → text or bytes) as the folder ``out_dir``, all or nothing.

    Raises
    ------
    InputError
        ``out_dir`` exists and is not empty while ``overwrite`` is False, or is a file.
    """
    target = check_output_folder(out_dir, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, content in files.items():
            if isinstance(content, bytes):
                (tmp / name).write_bytes(content)
            else:
                (tmp / name).write_text(content, encoding="utf-8")
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / "x")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def write_results(
    analysis: Analysis, out_dir: Path | str, *, report: bool = True, overwrite: bool = False
) -> Path:
    """Write the analysis files into ``out_dir`` atomically and return the folder.

    Raises
    ------
    InputError
        ``out_dir`` exists and is not empty while ``overwrite`` is False, or is a file.
    """
    target = check_output_folder(out_dir, overwrite=overwrite)  # before the work, fail fast
    files: dict[str, str | bytes] = {
        "angles.csv": angles_csv(analysis),
        "events.csv": events_csv(analysis),
        "metrics.json": metrics_json(analysis),
    }
    if report:
        from kinechain.report import render_report

        files["report.html"] = render_report(analysis)
    return write_folder(files, target, overwrite=overwrite)
