"""Questionnaire scoring, exactly as each instrument is published.

* **ODI** (Oswestry Disability Index): 10 sections scored 0–5; score % = sum ÷ (5 × sections
  answered) × 100 (scoring guide; Fairbank & Pynsent 2000 †). Refused when more than 2
  sections are unanswered (kinechain's convention).
* **NPRS**: 0–10 as given; MCID by baseline.
* **STarT Back** (Hill et al. 2008): items 1–8 agree = 1; item 9 = 1 when "very much" (3)
  or "extremely" (4). Total 0–9, psychosocial subscale = items 5–9 (0–5). Low: total ≤ 3;
  high: subscale ≥ 4; otherwise medium.
* **RMDQ** (Roland-Morris): score = number of the 24 statements ticked (0–24).
* **PSFS**: mean of the activity scores (0–10).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kinechain.clinic import _thresholds as T
from kinechain.clinic._intake import PsfsActivity, Questionnaires
from kinechain.clinic._json import jsonable

__all__ = [
    "NprsResult",
    "OdiResult",
    "PsfsResult",
    "QuestionnaireResults",
    "RmdqResult",
    "StartBackResult",
    "nprs_mcid",
    "score_nprs",
    "score_odi",
    "score_psfs",
    "score_questionnaires",
    "score_rmdq",
    "score_startback",
    "startback_risk",
]

Risk = Literal["low", "medium", "high"]


def _check_int(value: object, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{what} must be a whole number from {lo} to {hi}, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------
# ODI
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OdiResult:
    """Oswestry Disability Index.

    Attributes
    ----------
    score_percent : float or None
        0–100 (2 decimals); None when refused.
    band, band_label : str or None
        ``minimal``, ``moderate``, ``severe``, ``crippled`` or ``bed_bound``, and its label.
    raw_sum : int
        Sum of the answered sections.
    answered : int
        Number of sections answered.
    missing_sections : tuple of int
        Unanswered section numbers (1–10).
    reason : str
        Why the score was refused, or how missing sections were handled ("" when complete).
    """

    score_percent: float | None
    band: str | None
    band_label: str | None
    raw_sum: int
    answered: int
    missing_sections: tuple[int, ...]
    reason: str


def score_odi(answers: Sequence[int | None]) -> OdiResult:
    """Score the ODI from its 10 section answers.

    Parameters
    ----------
    answers : sequence of int or None
        The 10 section scores 0–5, None for an unanswered section.

    Returns
    -------
    OdiResult

    Raises
    ------
    ValueError
        Not 10 answers, or an answer outside 0–5.

    Examples
    --------
    >>> score_odi([2, 1, 2, 1, 0, 2, 1, None, 1, 2]).score_percent  # 12 / 45 × 100
    26.67
    """
    if len(answers) != 10:
        raise ValueError(f"the ODI has 10 sections, got {len(answers)} answers")
    given = [
        (i + 1, _check_int(a, 0, 5, f"ODI section {i + 1}"))
        for i, a in enumerate(answers)
        if a is not None
    ]
    missing = tuple(i + 1 for i, a in enumerate(answers) if a is None)
    raw = sum(a for _, a in given)
    n = len(given)
    if len(missing) > T.ODI_MAX_MISSING_SECTIONS:
        return OdiResult(
            None,
            None,
            None,
            raw,
            n,
            missing,
            f"{len(missing)} of 10 sections unanswered (sections "
            f"{', '.join(map(str, missing))}); kinechain scores the ODI with at most "
            f"{T.ODI_MAX_MISSING_SECTIONS} unanswered",
        )
    exact = raw / (5 * n) * 100.0
    band, label = _odi_band(exact)
    reason = ""
    if missing:
        reason = (
            f"section{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} "
            f"unanswered: scored out of {5 * n} instead of 50"
        )
    return OdiResult(round(exact, 2), band, label, raw, n, missing, reason)


def _odi_band(score: float) -> tuple[str, str]:
    for upper, band, label in T.ODI_BANDS:
        if score <= upper:
            return band, label
    raise ValueError(f"ODI score {score} above 100")


# ---------------------------------------------------------------------------------------
# NPRS
# ---------------------------------------------------------------------------------------


def nprs_mcid(baseline: int) -> float | None:
    """The NPRS change that matters for a patient starting at ``baseline`` (None at 0).

    1 point for baselines 1–4, 2 for 5–7, 3 for 8–10 (the study reports 3–4; the lower
    bound is used).
    """
    _check_int(baseline, 0, 10, "NPRS")
    for lo, hi, mcid in T.NPRS_MCID_BY_BASELINE:
        if lo <= baseline <= hi:
            return mcid
    return None


@dataclass(frozen=True)
class NprsResult:
    """Numeric Pain Rating Scale: score 0–10, whether it counts as recovered (0), and the
    baseline-dependent MCID."""

    score: int
    recovered: bool
    mcid_points: float | None


def score_nprs(score: int) -> NprsResult:
    """Report an NPRS answer (0–10) with "recovered" (= 0, Kamper 2010) and its MCID."""
    _check_int(score, 0, 10, "NPRS")
    return NprsResult(score, score == 0, nprs_mcid(score))


# ---------------------------------------------------------------------------------------
# STarT Back
# ---------------------------------------------------------------------------------------


def startback_risk(total: int, subscale: int) -> Risk:
    """STarT Back risk group from the total (0–9) and psychosocial subscale (0–5).

    Low: total ≤ 3. High: subscale ≥ 4. Medium: total ≥ 4 and subscale ≤ 3.
    """
    _check_int(total, 0, 9, "STarT Back total")
    _check_int(subscale, 0, 5, "STarT Back subscale")
    if subscale > total:
        raise ValueError(f"subscale {subscale} cannot exceed total {total}")
    if total <= T.STARTBACK_LOW_TOTAL_MAX:
        return "low"
    if subscale >= T.STARTBACK_HIGH_SUBSCALE_MIN:
        return "high"
    return "medium"


@dataclass(frozen=True)
class StartBackResult:
    """STarT Back Screening Tool.

    Attributes
    ----------
    total : int or None
        0–9 (None when items are missing).
    psychosocial_subscale : int or None
        Items 5–9, 0–5.
    risk : {"low", "medium", "high"} or None
        None only when missing answers leave the group undecided.
    complete : bool
        All 9 items answered.
    missing_items : tuple of int
        Unanswered item numbers (1–9).
    reason : str
        How missing answers were handled ("" when complete).
    """

    total: int | None
    psychosocial_subscale: int | None
    risk: Risk | None
    complete: bool
    missing_items: tuple[int, ...]
    reason: str


def score_startback(answers: Sequence[int | None]) -> StartBackResult:
    """Score the STarT Back tool.

    Parameters
    ----------
    answers : sequence of int or None
        Items 1–8 as 0 (disagree) / 1 (agree); item 9 as 0–4 (not at all, slightly,
        moderately, very much, extremely); None for an unanswered item.

    Returns
    -------
    StartBackResult
        With unanswered items there is no total; the risk group is still given when every
        possible set of answers to the missing items gives the same group (e.g. the
        subscale already reaches 4), and refused otherwise.

    Raises
    ------
    ValueError
        Not 9 answers, or an answer out of range.
    """
    if len(answers) != 9:
        raise ValueError(f"STarT Back has 9 items, got {len(answers)} answers")
    points: list[int | None] = []
    for i, a in enumerate(answers):
        if a is None:
            points.append(None)
        elif i < 8:
            points.append(_check_int(a, 0, 1, f"STarT Back item {i + 1}"))
        else:
            item9 = _check_int(a, 0, 4, "STarT Back item 9")
            points.append(1 if item9 >= T.STARTBACK_ITEM9_POSITIVE_MIN else 0)
    missing = tuple(i + 1 for i, p in enumerate(points) if p is None)
    if not missing:
        pts = [int(p) for p in points if p is not None]
        total, sub = sum(pts), sum(pts[4:])
        return StartBackResult(total, sub, startback_risk(total, sub), True, (), "")
    risks: set[Risk] = set()
    for fill in itertools.product((0, 1), repeat=len(missing)):
        it = iter(fill)
        pts = [p if p is not None else next(it) for p in points]
        risks.add(startback_risk(sum(pts), sum(pts[4:])))
    items = ", ".join(map(str, missing))
    if len(risks) == 1:
        risk = risks.pop()
        return StartBackResult(
            None,
            None,
            risk,
            False,
            missing,
            f"item{'s' if len(missing) > 1 else ''} {items} unanswered; the risk group is "
            f"{risk} whatever the missing answers",
        )
    order: list[Risk] = ["low", "medium", "high"]
    possible = " or ".join(r for r in order if r in risks)
    return StartBackResult(
        None,
        None,
        None,
        False,
        missing,
        f"item{'s' if len(missing) > 1 else ''} {items} unanswered; the risk group could be "
        f"{possible}, so it is not given",
    )


# ---------------------------------------------------------------------------------------
# RMDQ
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RmdqResult:
    """Roland-Morris Disability Questionnaire: score 0–24, the ticked items, recovered (≤ 2,
    Kamper 2010)."""

    score: int
    items: tuple[int, ...]
    recovered: bool


def score_rmdq(ticked: Sequence[int]) -> RmdqResult:
    """Score the RMDQ: the number of statements (1–24) the patient ticked.

    Raises
    ------
    ValueError
        An item number outside 1–24, or one ticked twice.
    """
    items = [_check_int(t, 1, 24, "RMDQ item number") for t in ticked]
    if len(set(items)) != len(items):
        raise ValueError("an RMDQ item is listed more than once")
    score = len(items)
    return RmdqResult(score, tuple(sorted(items)), score <= T.RMDQ_RECOVERED_MAX)


# ---------------------------------------------------------------------------------------
# PSFS
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PsfsResult:
    """Patient-Specific Functional Scale: mean score (0–10, 2 decimals), the activities, and
    a note when fewer than 3 were given."""

    mean: float
    activities: tuple[tuple[str, int], ...]
    n_activities: int
    note: str


def score_psfs(activities: Sequence[PsfsActivity | tuple[str, int]]) -> PsfsResult:
    """Score the PSFS: the mean of 1–5 activity scores (each 0–10).

    Raises
    ------
    ValueError
        No activity, more than 5, or a score outside 0–10.
    """
    pairs: list[tuple[str, int]] = []
    for a in activities:
        name, score = (a.activity, a.score) if isinstance(a, PsfsActivity) else a
        pairs.append((str(name), _check_int(score, 0, 10, f"PSFS score of {name!r}")))
    if not 1 <= len(pairs) <= T.PSFS_MAX_ACTIVITIES:
        raise ValueError(
            f"the PSFS takes 1 to {T.PSFS_MAX_ACTIVITIES} activities, got {len(pairs)}"
        )
    mean = sum(s for _, s in pairs) / len(pairs)
    note = ""
    if len(pairs) < T.PSFS_RECOMMENDED_MIN_ACTIVITIES:
        note = f"{len(pairs)} activit{'y' if len(pairs) == 1 else 'ies'}; 3 to 5 are recommended"
    return PsfsResult(round(mean, 2), tuple(pairs), len(pairs), note)


# ---------------------------------------------------------------------------------------
# All of them
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionnaireResults:
    """Every questionnaire of an intake, scored (None when not given)."""

    odi: OdiResult | None = None
    nprs: NprsResult | None = None
    startback: StartBackResult | None = None
    rmdq: RmdqResult | None = None
    psfs: PsfsResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict keyed ``odi``, ``nprs``, ``startback``, ``rmdq``, ``psfs``."""
        out: dict[str, Any] = jsonable(
            {
                "odi": self.odi,
                "nprs": self.nprs,
                "startback": self.startback,
                "rmdq": self.rmdq,
                "psfs": self.psfs,
            }
        )
        if self.psfs is not None:
            out["psfs"]["activities"] = [
                {"activity": a, "score": s} for a, s in self.psfs.activities
            ]
        return out


def score_questionnaires(q: Questionnaires | None) -> QuestionnaireResults:
    """Score every questionnaire present in the intake."""
    if q is None:
        return QuestionnaireResults()
    return QuestionnaireResults(
        odi=None if q.odi is None else score_odi(q.odi),
        nprs=None if q.nprs is None else score_nprs(q.nprs),
        startback=None if q.startback is None else score_startback(q.startback),
        rmdq=None if q.rmdq is None else score_rmdq(q.rmdq),
        psfs=None if q.psfs is None else score_psfs(q.psfs),
    )
