"""The assessment: intake (+ gait analysis) → red flags, findings, chain tests, load, program.

:func:`assess` is pure; :func:`assess_files` reads the intake JSON and a gait results folder.
The order of everything it returns puts red flags first.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kinechain.chain import (
    LINK_EVIDENCE,
    LINKS,
    Association,
    Finding,
    gait_findings,
    stride_associations,
)
from kinechain.errors import DataFormatError, InputError

__all__ = ["ASSESSMENT_SCHEMA", "Assessment", "assess", "assess_files", "read_gait_folder"]

ASSESSMENT_SCHEMA = "kinechain.assessment/1"
GAIT_SCHEMA = "kinechain.metrics/1"

EVIDENCE_NOTE = (
    "The idea that tight calves cause low back pain through a chain of compensations is a "
    "clinical hypothesis with weak and inconsistent evidence (no high-quality trial shows that "
    "calf stretching reduces low back pain; ankle dorsiflexion was not among the pooled "
    "predictors of low back pain in Sadler et al. 2017). kinechain measures each link in this "
    "person and grades the evidence behind it; it does not diagnose."
)


@dataclass(frozen=True)
class Assessment:
    """Everything ``kinechain assess`` concludes for one person at one visit."""

    clinical: dict[str, Any]
    findings: tuple[Finding, ...]
    chain_tests: tuple[Association, ...]
    gait: dict[str, Any] | None
    lumbar_load: dict[str, Any] | None
    program: dict[str, Any]
    warnings: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The content of assessment.json (red flags first)."""
        clinical = {k: v for k, v in self.clinical.items() if k != "schema"}
        out: dict[str, Any] = {
            "schema": ASSESSMENT_SCHEMA,
            "red_flags": clinical.pop("red_flags"),
        }
        out.update(clinical)
        out["program_gate"] = out.pop("program", None)
        out["evidence_note"] = EVIDENCE_NOTE
        out["findings"] = [f.to_dict() for f in self.findings]
        out["chain"] = _chain_summary(self.findings, self.chain_tests)
        out["chain_tests"] = [a.to_dict() for a in self.chain_tests]
        out["lumbar_load"] = self.lumbar_load
        out["program"] = self.program
        out["gait"] = self.gait
        out["evidence"] = self.evidence
        out["warnings"] = list(self.warnings)
        return out


def _chain_summary(
    findings: tuple[Finding, ...], tests: tuple[Association, ...]
) -> list[dict[str, Any]]:
    """One row per link of the chain, bottom up: what was found there and how strong."""
    rows = []
    for link in LINKS:
        here = [f for f in findings if f.link == link]
        present = [f for f in here if f.present]
        rows.append(
            {
                "link": link,
                "measured": bool(here),
                "present": bool(present),
                "findings": [f"{f.id}:{f.side}" if f.side else f.id for f in present],
                "evidence": LINK_EVIDENCE[link],
                "tested_in_person": [
                    a.verdict for a in tests if a.link == link and a.verdict != "too_few_strides"
                ],
            }
        )
    return rows


def _check_gait_matches(intake: Any, gait: Mapping[str, Any], source: str) -> None:
    """Refuse a gait analysis of another person (body mass or height far from the intake)."""
    patient = getattr(intake, "patient", None)
    subject = gait.get("subject") or {}
    if patient is None:
        return
    for attr, key, tol, unit in (
        ("mass_kg", "mass_kg", 0.15, "kg"),
        ("height_m", "height_m", 0.06, "m"),
    ):
        mine, theirs = getattr(patient, attr, None), subject.get(key)
        if mine and theirs and abs(float(theirs) - float(mine)) > tol * float(mine):
            raise InputError(
                source,
                f"gait analysis subject {key} {float(theirs):g} {unit} does not match the "
                f"intake's {float(mine):g} {unit}: is it another person?",
                field=f"subject.{key}",
            )


def assess(
    intake: Any,
    gait: Mapping[str, Any] | None = None,
    *,
    gait_source: str = "gait",
    today: dt.date | None = None,
) -> Assessment:
    """Assess one person from an intake and, optionally, a gait analysis.

    Parameters
    ----------
    intake : kinechain.clinic.Intake
    gait : mapping, optional
        The gait analysis' metrics (``Analysis.metrics()`` or metrics.json).
    gait_source : str
        Name of the gait input, for messages.
    today : datetime.date, optional
        Start date of the program when the intake has no date.

    Returns
    -------
    Assessment
    """
    from kinechain.clinic import EVIDENCE, assess_clinical

    warnings: list[str] = []
    clinical = assess_clinical(intake)
    cdict = clinical.to_dict()
    findings = _clinical_findings(cdict)
    tests: list[Association] = []
    gait_summary: dict[str, Any] | None = None
    if gait is not None:
        if gait.get("schema") != GAIT_SCHEMA:
            raise DataFormatError(
                gait_source,
                f"gait results are format {gait.get('schema')!r}, expected {GAIT_SCHEMA!r}: "
                "re-run `kinechain analyze` with this version",
                field="schema",
            )
        _check_gait_matches(intake, gait, gait_source)
        chain = gait.get("chain") or {}
        norms = (gait.get("norms") or {}).get("name", "")
        findings += gait_findings(chain, norms=norms)
        tests = stride_associations(chain)
        gait_summary = {
            "source": gait.get("source"),
            "model": gait.get("model"),
            "norms": gait.get("norms"),
            "strides": gait.get("strides"),
            "spatiotemporal": gait.get("spatiotemporal"),
            "scores": gait.get("scores"),
        }
        if gait.get("model") is None:
            warnings.append("the gait analysis has no joint angles: no gait findings")
    start = _date(clinical.date) or today or dt.date.today()
    load = _lumbar_load(intake, gait, findings)
    program = _program(findings, cdict, intake, start)
    used = sorted({f.evidence for f in findings if f.evidence} | set(LINK_EVIDENCE.values()))
    evidence = {k: EVIDENCE[k].to_dict() for k in used if k in EVIDENCE}
    if "calf_low_back_pain" in EVIDENCE:
        evidence["calf_low_back_pain"] = EVIDENCE["calf_low_back_pain"].to_dict()
    return Assessment(
        clinical=cdict,
        findings=tuple(findings),
        chain_tests=tuple(tests),
        gait=gait_summary,
        lumbar_load=load,
        program=program,
        warnings=tuple(warnings),
        evidence=evidence,
    )


def _clinical_findings(cdict: Mapping[str, Any]) -> list[Finding]:
    from kinechain.chain import clinical_findings

    return clinical_findings(cdict)


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _lumbar_load(
    intake: Any, gait: Mapping[str, Any] | None, findings: list[Finding]
) -> dict[str, Any] | None:
    """Standing (top-down) L5/S1 load from the patient, and the gait load when analysed."""
    from kinechain.load import standing_lumbar_summary

    patient = getattr(intake, "patient", None)
    out: dict[str, Any] = {}
    if gait is not None and gait.get("lumbar_load"):
        out["gait"] = gait["lumbar_load"]
    mass = getattr(patient, "mass_kg", None) if patient is not None else None
    if mass:
        out["standing"] = standing_lumbar_summary(
            body_mass_kg=float(mass),
            sex=getattr(patient, "sex", None),
            height_m=getattr(patient, "height_m", None),
            findings=findings,
        )
    return out or None


def _program(
    findings: list[Finding], cdict: Mapping[str, Any], intake: Any, start: dt.date
) -> dict[str, Any]:
    from kinechain.program import build_program

    gate = cdict.get("program") or {}
    urgency = (cdict.get("red_flags") or {}).get("urgency", "none")
    patient = getattr(intake, "patient", None)
    lifestyle = getattr(intake, "lifestyle", None)
    prog = build_program(
        findings,
        red_flag_urgency=str(urgency),
        start=start,
        patient_age=getattr(patient, "age", None) if patient is not None else None,
        sitting_hours=getattr(lifestyle, "sitting_hours_per_day", None)
        if lifestyle is not None
        else None,
    )
    out: dict[str, Any] = prog.to_dict()
    if not gate.get("allowed", True) and not out.get("withheld_reason"):
        out = {**out, "exercises": [], "withheld_reason": gate.get("reason")}
    return out


def read_gait_folder(path: Path | str) -> dict[str, Any]:
    """Read metrics.json from a ``kinechain analyze`` output folder (or the file itself)."""
    p = Path(path)
    file = p / "metrics.json" if p.is_dir() else p
    if not file.is_file():
        raise InputError(p, "no metrics.json here: give the folder `kinechain analyze` wrote")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DataFormatError(file, "not valid JSON") from None
    if not isinstance(data, dict):
        raise DataFormatError(file, "expected a JSON object")
    return data


def assess_files(
    intake_path: Path | str,
    gait: Path | str | None = None,
    *,
    today: dt.date | None = None,
) -> Assessment:
    """Read an intake JSON (and a gait results folder) and :func:`assess` them."""
    from kinechain.clinic import read_intake

    intake = read_intake(intake_path)
    metrics = read_gait_folder(gait) if gait is not None else None
    return assess(intake, metrics, gait_source=str(gait) if gait else "gait", today=today)


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)
