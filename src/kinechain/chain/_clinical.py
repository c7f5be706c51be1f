"""Findings from the clinical tests, questionnaires and lifestyle of an assessment.

Input is the JSON-ready clinical assessment (``ClinicalAssessment.to_dict()``): the clinic
module has already applied every threshold (with its source); this module turns its verdicts
into :class:`Finding` values on the kinetic chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kinechain.chain._model import Finding

__all__ = ["clinical_findings"]

_SIDES = ("left", "right")


def _criteria_source(block: Mapping[str, Any], word: str) -> str:
    for c in block.get("criteria") or []:
        if word.lower() in str(c.get("rule", "")).lower():
            return str(c.get("source", ""))
    crit = block.get("criteria") or []
    return str(crit[0].get("source", "")) if crit else ""


def _calf(a: Mapping[str, Any]) -> list[Finding]:
    calf = a.get("calf") or {}
    out: list[Finding] = []
    for side in _SIDES:
        s = calf.get(side) or {}
        cls = s.get("classification")
        if cls is None:
            continue
        ext = s.get("df_knee_extended_deg")
        sev = {"equinus": "severe", "restricted": "moderate"}.get(str(s.get("severity")), "none")
        src = _criteria_source(calf, "Silfverski")
        if cls == "gastrocnemius":
            fid, label, present = "calf_gastrocnemius_tight", "Gastrocnemius tightness", True
        elif cls == "soleus_or_joint":
            fid, label, present = (
                "calf_soleus_or_joint_restricted",
                "Soleus or ankle-joint restriction",
                True,
            )
        else:
            fid, label, present = "calf_normal", "Calf length (Silfverskiöld)", False
        out.append(
            Finding(
                id=fid,
                side=side,
                link="calf",
                label=label,
                value=None if ext is None else float(ext),
                unit="deg (DF, knee extended)",
                normal_low=10.0,
                normal_high=None,
                present=present,
                severity=sev if present else "none",
                evidence="calf_tightness",
                citation=src,
                source="clinical_test",
                detail=str(s.get("reason", "")),
                extra={
                    "df_knee_flexed_deg": s.get("df_knee_flexed_deg"),
                    "knee_flexion_gain_deg": s.get("knee_flexion_gain_deg"),
                },
            )
        )
        wblt = s.get("wblt") or {}
        if wblt.get("cm") is not None:
            cm = float(wblt["cm"])
            out.append(
                Finding(
                    id="ankle_wblt_restricted",
                    side=side,
                    link="ankle",
                    label="Weight-bearing lunge test",
                    value=cm,
                    unit="cm",
                    normal_low=9.2,
                    normal_high=None,
                    present=bool(wblt.get("restricted")),
                    severity="moderate" if wblt.get("restricted") else "none",
                    evidence="calf_tightness",
                    citation=_criteria_source(calf, "lunge distance"),
                    source="clinical_test",
                    detail=f"knee-to-wall {cm:.1f} cm ≈ {float(wblt.get('deg') or 0):.0f}°",
                )
            )
    diff = calf.get("side_difference") or {}
    if diff.get("wblt_asymmetric") or diff.get("df_asymmetric"):
        tighter = diff.get("tighter_side")
        value = (
            diff.get("wblt_cm") if diff.get("wblt_asymmetric") else diff.get("df_knee_extended_deg")
        )
        unit = "cm (left − right)" if diff.get("wblt_asymmetric") else "deg (left − right)"
        out.append(
            Finding(
                id="ankle_df_asymmetry",
                side=tighter if tighter in _SIDES else None,
                link="ankle",
                label="Left–right difference in dorsiflexion",
                value=None if value is None else float(value),
                unit=unit,
                normal_low=-2.0 if "cm" in unit else -6.0,
                normal_high=2.0 if "cm" in unit else 6.0,
                present=True,
                severity="mild",
                evidence="calf_tightness",
                citation=_criteria_source(calf, "|left"),
                source="clinical_test",
                detail=f"the {tighter} side is tighter" if tighter else "",
            )
        )
    return out


def _simple(
    a: Mapping[str, Any],
    block: str,
    key: str,
    *,
    fid: str,
    link: str,
    label: str,
    value_key: str,
    unit: str,
    positive: set[str] | None = None,
    flag_key: str | None = None,
    evidence: str,
    low: float | None = None,
    high: float | None = None,
) -> list[Finding]:
    data = a.get(block) or {}
    out: list[Finding] = []
    for side in _SIDES:
        s = data.get(side) or {}
        verdict = s.get(key) if flag_key is None else s.get(flag_key)
        if verdict is None:
            continue
        present = bool(verdict) if flag_key is not None else str(verdict) in (positive or set())
        v = s.get(value_key)
        out.append(
            Finding(
                id=fid,
                side=side,
                link=link,
                label=label,
                value=None if v is None else float(v),
                unit=unit,
                normal_low=low,
                normal_high=high,
                present=present,
                severity="moderate" if present else "none",
                evidence=evidence,
                citation=_criteria_source(data, ""),
                source="clinical_test",
                detail=(
                    f"{label}: {'positive' if present else 'negative'}"
                    if flag_key is not None
                    else f"{label}: {str(verdict).replace('_', ' ')}"
                ),
            )
        )
    return out


def _lifestyle_and_pain(a: Mapping[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for f in (a.get("lifestyle") or {}).get("factors") or []:
        out.append(
            Finding(
                id=f"lifestyle_{f.get('id')}",
                side=None,
                link="lifestyle",
                label=str(f.get("id", "")).replace("_", " "),
                value=None if f.get("value") is None else float(f["value"]),
                unit=str(f.get("unit", "")),
                normal_low=None,
                normal_high=None,
                present=True,
                severity="mild",
                evidence="",
                citation=str(f.get("source", "")),
                source="lifestyle",
                detail=str(f.get("advice", "")),
            )
        )
    q = a.get("questionnaires") or {}
    nprs = (q.get("nprs") or {}).get("score")
    odi = (q.get("odi") or {}).get("score_percent")
    if nprs is not None or odi is not None:
        pain = float(nprs) if nprs is not None else None
        present = (pain is not None and pain > 0) or (odi is not None and float(odi) > 0)
        sev = "none"
        if pain is not None:
            sev = "mild" if pain < 4 else "moderate" if pain < 7 else "severe"
        out.append(
            Finding(
                id="lumbar_pain",
                side=None,
                link="lumbar",
                label="Low back pain and disability",
                value=pain,
                unit="NPRS 0–10",
                normal_low=None,
                normal_high=0.0,
                present=present,
                severity=sev if present else "none",
                evidence="",
                citation="NPRS (Childs et al. 2005); ODI (Fairbank & Pynsent 2000)",
                source="questionnaire",
                detail=(
                    (f"pain {pain:g}/10" if pain is not None else "")
                    + (f"; ODI {float(odi):.0f} %" if odi is not None else "")
                ).strip("; "),
                extra={"odi_percent": odi},
            )
        )
    return out


def clinical_findings(assessment: Mapping[str, Any]) -> list[Finding]:
    """Chain findings from a clinical assessment dict (``ClinicalAssessment.to_dict()``).

    Finding ids: ``calf_gastrocnemius_tight``, ``calf_soleus_or_joint_restricted``,
    ``calf_normal``, ``ankle_wblt_restricted``, ``ankle_df_asymmetry``, ``foot_pronation``,
    ``knee_hyperextension``, ``pelvis_anterior_tilt``, ``hip_flexor_short``,
    ``hamstring_short``, ``hip_abductor_weak``, ``lifestyle_<factor>``, ``lumbar_pain``.
    """
    out = _calf(assessment)
    out += _simple(
        assessment,
        "foot",
        "category",
        fid="foot_pronation",
        link="foot",
        label="Foot posture (FPI-6)",
        value_key="fpi6_total",
        unit="FPI-6 score",
        positive={"pronated", "highly_pronated", "highly pronated"},
        evidence="foot_pronation",
        low=0.0,
        high=5.0,
    )
    out += _simple(
        assessment,
        "knee",
        "classification",
        fid="knee_hyperextension",
        link="knee",
        label="Standing knee hyperextension",
        value_key="hyperextension_deg",
        unit="deg",
        positive={"hyperextended", "genu_recurvatum"},
        evidence="knee_hyperextension",
        high=5.0,
    )
    out += _simple(
        assessment,
        "pelvis",
        "classification",
        fid="pelvis_anterior_tilt",
        link="pelvis",
        label="Standing anterior pelvic tilt",
        value_key="tilt_deg",
        unit="deg",
        positive={"marked_anterior"},
        evidence="pelvic_tilt",
        low=0.0,
        high=23.0,
    )
    out += _simple(
        assessment,
        "hip_flexors",
        "classification",
        fid="hip_flexor_short",
        link="hip",
        label="Hip flexor length (Thomas test)",
        value_key="thomas_hip_deg",
        unit="deg",
        flag_key="thomas_positive",
        evidence="pelvic_tilt",
    )
    out += _simple(
        assessment,
        "hamstrings",
        "tight",
        fid="hamstring_short",
        link="hip",
        label="Hamstring length",
        value_key="ake_deg",
        unit="deg",
        flag_key="tight",
        evidence="hamstring_length",
    )
    out += _simple(
        assessment,
        "hip_abductors",
        "weak",
        fid="hip_abductor_weak",
        link="hip",
        label="Hip abductor strength",
        value_key="n_per_kg",
        unit="N/kg",
        flag_key="weak",
        evidence="hip_strengthening_low_back_pain",
    )
    out += _lifestyle_and_pain(assessment)
    return out
