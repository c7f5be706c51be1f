"""The value every chain finding takes: :class:`Finding`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["LINKS", "LINK_EVIDENCE", "Finding", "Link", "Severity"]

Link = Literal["calf", "ankle", "foot", "knee", "hip", "pelvis", "lumbar", "lifestyle", "pain"]
Severity = Literal["none", "mild", "moderate", "severe"]

#: The kinetic chain, bottom up, in the order findings are shown.
LINKS: tuple[str, ...] = ("calf", "ankle", "foot", "knee", "hip", "pelvis", "lumbar")

#: The evidence behind each link of the chain (keys of ``kinechain.clinic.EVIDENCE``): how
#: strongly the literature supports that this link takes part in the calf-to-back chain.
LINK_EVIDENCE: dict[str, str] = {
    "calf": "calf_tightness",
    "ankle": "ankle_df_gait",
    "foot": "foot_pronation",
    "knee": "knee_hyperextension",
    "hip": "hip_push_off",
    "pelvis": "pelvic_tilt",
    "lumbar": "lumbar_extension",
}


@dataclass(frozen=True)
class Finding:
    """One measured finding of an assessment.

    Attributes
    ----------
    id : str
        Stable key, e.g. ``"calf_gastrocnemius_tight"``, ``"ankle_wblt_restricted"``,
        ``"knee_hyperextension_stance"``, ``"pelvis_anterior_tilt_gait"``.
    side : {"left", "right"} or None
    link : str
        Where in the chain: one of :data:`LINKS` (or ``"lifestyle"``, ``"pain"``).
    label : str
        Plain-language name of what was measured.
    value : float or None
        The measured value (mean over strides for gait measures).
    unit : str
    normal_low, normal_high : float or None
        The normal band for ``value`` (either end may be open).
    present : bool
        True when the value is outside the normal band in the direction the chain predicts.
    severity : {"none", "mild", "moderate", "severe"}
    evidence : str
        Key into ``kinechain.clinic.EVIDENCE`` (grade, statement and citations of the link).
    citation : str
        Source of the normal band / threshold.
    source : str
        ``"clinical_test"``, ``"gait"``, ``"questionnaire"`` or ``"lifestyle"``.
    detail : str
        One sentence a clinician reads.
    extra : dict
        Anything else (z-score, per-stride values, CI...).
    """

    id: str
    side: str | None
    link: str
    label: str
    value: float | None
    unit: str
    normal_low: float | None
    normal_high: float | None
    present: bool
    severity: str
    evidence: str
    citation: str
    source: str
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)
