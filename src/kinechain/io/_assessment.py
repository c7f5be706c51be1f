"""Files of ``kinechain assess`` and ``kinechain progress``.

* :func:`write_assessment` writes assessment.json, report.html and handout.pdf, all or nothing;
* :func:`read_gait_analysis` rebuilds the gait analysis of a ``kinechain analyze`` folder
  (angles.csv, events.csv, metrics.json) so the assessment report can show its curves;
* :func:`read_assessments` and :func:`read_sessions` read the inputs of ``progress``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kinechain.errors import DataFormatError, InputError, MissingDependencyError
from kinechain.io._results import check_output_folder, clean_json, write_folder
from kinechain.trial import Event, Subject

if TYPE_CHECKING:
    from kinechain._assess import Assessment
    from kinechain._pipeline import Analysis

__all__ = ["read_assessments", "read_gait_analysis", "read_sessions", "write_assessment"]


def read_gait_analysis(folder: Path | str) -> Analysis:
    """The gait analysis a ``kinechain analyze`` folder holds, cycles recomputed."""
    from kinechain import gait
    from kinechain._assess import read_gait_folder
    from kinechain._pipeline import Analysis
    from kinechain.trial import SIDES

    p = Path(folder)
    metrics = read_gait_folder(p)
    angles_file, events_file = p / "angles.csv", p / "events.csv"
    for f in (angles_file, events_file):
        if not f.is_file():
            raise InputError(p, f"{f.name} is missing from the gait results folder")
    text = angles_file.read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",") if text else []
    if not header or header[0] != "time_s":
        raise DataFormatError(angles_file, "first column must be time_s")
    try:
        data = np.genfromtxt(io.StringIO(text), delimiter=",", skip_header=1, ndmin=2)
    except ValueError as exc:
        raise DataFormatError(angles_file, f"unreadable table ({exc})") from None
    time = data[:, 0] if data.size else np.zeros(0)
    angles = {name: data[:, i] for i, name in enumerate(header) if i > 0}
    events: list[Event] = []
    with events_file.open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            try:
                events.append(
                    Event(row["side"], row["event"], float(row["time_s"]), row["source"])  # type: ignore[arg-type]
                )
            except (KeyError, ValueError, TypeError):
                raise DataFormatError(events_file, f"line {i}: bad event row") from None
    ev = tuple(events)
    norms = gait.load_norms((metrics.get("norms") or {}).get("name"))
    cycles = gait.cycle_curves(time, angles, ev) if angles else {s: {} for s in SIDES}
    foot_off: dict[str, list[float]] = {
        s: [st.foot_off_pct for st in gait.strides(ev, s)] for s in SIDES
    }
    subj = metrics.get("subject") or {}
    return Analysis(
        source=str(metrics.get("source") or p),
        static_source=metrics.get("static"),
        model=metrics.get("model"),
        model_note=metrics.get("model_note"),
        subject=Subject(
            name=subj.get("name"), mass_kg=subj.get("mass_kg"), height_m=subj.get("height_m")
        ),
        time=time,
        angles=angles,
        events=ev,
        cycles=cycles,
        foot_off_pct=foot_off,
        spatiotemporal=metrics.get("spatiotemporal") or {},
        chain=metrics.get("chain") or {},
        scores=metrics.get("scores") or {},
        norms=norms,
        warnings=tuple(metrics.get("warnings") or ()),
    )


def write_assessment(
    assessment: Assessment,
    out_dir: Path | str,
    *,
    report: bool = True,
    overwrite: bool = False,
    gait_folder: Path | str | None = None,
) -> Path:
    """Write assessment.json (+ report.html and handout.pdf) into ``out_dir`` atomically."""
    check_output_folder(out_dir, overwrite=overwrite)  # before the work, fail fast
    data = assessment.to_dict()
    files: dict[str, str | bytes] = {
        "assessment.json": json.dumps(
            clean_json(data), indent=2, ensure_ascii=False, allow_nan=False
        )
        + "\n"
    }
    if report:
        from kinechain.report import render_assessment_report, render_handout

        analysis = read_gait_analysis(gait_folder) if gait_folder is not None else None
        files["report.html"] = render_assessment_report(data, analysis)
        try:
            files["handout.pdf"] = render_handout(data)
        except ImportError:
            raise MissingDependencyError("fpdf2", "pdf", "The printable home program") from None
    return write_folder(files, out_dir, overwrite=overwrite)


def read_assessments(paths: Sequence[Path | str]) -> list[dict[str, Any]]:
    """Read assessment.json files (or folders holding one), checking their format."""
    from kinechain._assess import ASSESSMENT_SCHEMA

    out: list[dict[str, Any]] = []
    for path in paths:
        p = Path(path)
        file = p / "assessment.json" if p.is_dir() else p
        if not file.is_file():
            raise InputError(p, "no assessment.json here")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise DataFormatError(file, "not valid JSON") from None
        if not isinstance(data, dict) or data.get("schema") != ASSESSMENT_SCHEMA:
            found = data.get("schema") if isinstance(data, dict) else type(data).__name__
            raise DataFormatError(
                file,
                f"not a kinechain assessment (schema {found!r}, expected {ASSESSMENT_SCHEMA!r})",
                field="schema",
            )
        out.append(data)
    return out


def read_sessions(path: Path | str) -> list[dict[str, Any]]:
    """Logged home-exercise sessions: a JSON list, or a CSV with a header row.

    Columns/keys: ``date`` (YYYY-MM-DD), ``exercise_id``, ``completed`` (true/false, 1/0,
    yes/no), optional ``pain_nprs``.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(p, "session log not found")
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise DataFormatError(p, "not valid JSON") from None
        if not isinstance(data, list):
            raise DataFormatError(p, "expected a JSON list of sessions")
        return [dict(d) for d in data]
    rows = []
    for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if "date" not in row or "exercise_id" not in row:
            raise DataFormatError(p, f"line {i}: needs date and exercise_id columns")
        done = str(row.get("completed", "true")).strip().lower()
        rec: dict[str, Any] = {
            "date": row["date"].strip(),
            "exercise_id": row["exercise_id"].strip(),
            "completed": done in {"1", "true", "yes", "y"},
        }
        pain = (row.get("pain_nprs") or "").strip()
        if pain:
            try:
                rec["pain_nprs"] = float(pain)
            except ValueError:
                raise DataFormatError(p, f"line {i}: pain_nprs {pain!r} is not a number") from None
        rows.append(rec)
    return rows
