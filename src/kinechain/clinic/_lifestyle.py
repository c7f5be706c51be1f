"""Lifestyle: everyday factors that may contribute, each with advice.

Thresholds are in :mod:`kinechain.clinic._thresholds`; most are conventions (no published
threshold links them to low back pain), and the output says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kinechain.clinic import _thresholds as T
from kinechain.clinic._intake import Lifestyle
from kinechain.clinic._json import jsonable

__all__ = ["LifestyleFactor", "LifestyleResult", "assess_lifestyle"]


@dataclass(frozen=True)
class LifestyleFactor:
    """One contributing factor.

    Attributes
    ----------
    id : str
        ``prolonged_sitting``, ``standing_occupation``, ``high_impact_without_warmup``,
        ``old_shoes`` or ``low_activity``.
    value : float or bool
        What was reported.
    unit : str
    threshold : str
        The rule, in words.
    advice : str
    source : str
    """

    id: str
    value: float | bool
    unit: str
    threshold: str
    advice: str
    source: str


@dataclass(frozen=True)
class LifestyleResult:
    """The contributing factors found (empty when none or nothing reported)."""

    factors: tuple[LifestyleFactor, ...]
    reported: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``factors`` and ``reported``."""
        return {"factors": jsonable(self.factors), "reported": self.reported}


def assess_lifestyle(life: Lifestyle | None) -> LifestyleResult:
    """List the lifestyle factors that may contribute, with advice."""
    if life is None:
        return LifestyleResult((), False)
    conv = T.CITATIONS["convention"]
    out: list[LifestyleFactor] = []
    if life.sitting_hours_per_day is not None and (
        life.sitting_hours_per_day > T.LIFESTYLE_SITTING_HOURS
    ):
        out.append(
            LifestyleFactor(
                "prolonged_sitting",
                life.sitting_hours_per_day,
                "h/day",
                f"> {T.LIFESTYLE_SITTING_HOURS:g} h/day",
                "Break up sitting: stand up and walk for a few minutes every 30–60 minutes.",
                f"{conv}; disc pressure: {T.CITATIONS['nachemson']}; {T.CITATIONS['wilke1999']}",
            )
        )
    if life.standing_occupation:
        out.append(
            LifestyleFactor(
                "standing_occupation",
                True,
                "",
                "works mostly standing",
                "Shift weight and posture often, use a footrest, take sitting breaks, and check "
                "that work shoes are supportive.",
                conv,
            )
        )
    if life.high_impact_without_warmup:
        out.append(
            LifestyleFactor(
                "high_impact_without_warmup",
                True,
                "",
                "running or jumping without a warm-up",
                "Warm up for 5–10 minutes (easy cardio, then dynamic calf and hip mobility) "
                "before high-impact activity.",
                conv,
            )
        )
    months, km = life.shoe_age_months, life.shoe_km
    old_by_age = months is not None and months > T.LIFESTYLE_SHOE_MONTHS
    old_by_km = km is not None and km > T.LIFESTYLE_SHOE_KM
    if old_by_age or old_by_km:
        parts = []
        if old_by_age:
            parts.append(f"{months:g} months old (> {T.LIFESTYLE_SHOE_MONTHS:g})")
        if old_by_km:
            parts.append(f"{km:g} km (> {T.LIFESTYLE_SHOE_KM:g})")
        value, unit = (months, "months") if old_by_age else (km, "km")
        out.append(
            LifestyleFactor(
                "old_shoes",
                float(value or 0.0),
                unit,
                "; ".join(parts),
                "Check the shoes for a worn midsole or heel counter and replace them if worn.",
                f"{conv}; the common 500–800 km running-shoe advice has no published source",
            )
        )
    if life.activity_minutes_per_week is not None and (
        life.activity_minutes_per_week < T.LIFESTYLE_ACTIVITY_MIN_PER_WEEK
    ):
        out.append(
            LifestyleFactor(
                "low_activity",
                life.activity_minutes_per_week,
                "min/week",
                f"< {T.LIFESTYLE_ACTIVITY_MIN_PER_WEEK:g} min/week moderate-to-vigorous activity",
                "Build up towards 150–300 minutes a week of moderate activity such as brisk "
                "walking.",
                T.CITATIONS["who2020"],
            )
        )
    return LifestyleResult(tuple(out), True)
