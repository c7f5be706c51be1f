"""Progress: change between assessments against MDC and MCID, adherence and pain from the log.

:func:`progress` is pure. It takes assessment dicts (``assessment.json`` of ``kinechain
assess``, or the shorter shape with a ``tests`` block shown in ``docs/program.md``) and logged
home-exercise sessions, and judges:

* each outcome measure, per side where it has sides: first against latest value, the change,
  whether it is larger than the **minimal detectable change** (MDC: beyond measurement error)
  and the **minimal clinically important difference** (MCID: large enough to matter to
  patients), and its direction (lower is better for ODI, NPRS and RMDQ; higher for the lunge
  test, dorsiflexion and the PSFS);
* adherence: completed sessions against the prescribed frequency, overall, per exercise and per
  week (each exercise-week counts at most 100 %);
* the pain logged with the sessions, week by week.

The summary says when a change is within measurement error, and never names a diagnosis.
Thresholds and their sources: :data:`MEASURES` and ``docs/program.md``.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kinechain.clinic import CITATIONS, OUTCOME_CHANGE
from kinechain.clinic import _thresholds as T
from kinechain.errors import InputError
from kinechain.program._library import LIBRARY
from kinechain.program._rules import Program

__all__ = [
    "DF_MDC_DEG",
    "MEASURES",
    "PROGRESS_SCHEMA_ID",
    "Adherence",
    "AdherencePeriod",
    "CategoryChange",
    "ExerciseAdherence",
    "FindingChange",
    "MeasureChange",
    "MeasureSpec",
    "PainTrend",
    "ProgressReport",
    "WeekCount",
    "progress",
]

#: Format identifier of :meth:`ProgressReport.to_dict`.
PROGRESS_SCHEMA_ID: Final = "kinechain.progress/1"
#: MDC used for goniometric (non-weight-bearing) dorsiflexion: 5°, **a convention** — the
#: reference sheet gives no MDC for goniometry; 5° is the weight-bearing inclinometer MDC of
#: 4.6–4.7° (Powden 2015) rounded up, the same tolerance the clinic module uses.
DF_MDC_DEG: Final = 5.0
_EPS: Final = 1e-9
_RISK_ORDER: Final = {"low": 0, "medium": 1, "high": 2}
_URGENCY_ORDER: Final = {"none": 0, "urgent": 1, "emergency": 2}


@dataclass(frozen=True)
class MeasureSpec:
    """An outcome measure: valid range, direction, MDC and MCID with their sources.

    Attributes
    ----------
    key, label, unit : str
    low, high : float
        Valid range; a value outside it is an input error.
    higher_is_better : bool
    mdc : float or None
        Minimal detectable change (None: none published on kinechain's reference sheet).
    mcid_points : float or None
        Minimal clinically important difference in ``unit``.
    mcid_percent : float or None
        MCID as a percentage of the baseline (counted for improvements only).
    sided : bool
        Measured on the left and right.
    citation : str
    """

    key: str
    label: str
    unit: str
    low: float
    high: float
    higher_is_better: bool
    mdc: float | None
    mcid_points: float | None
    mcid_percent: float | None
    sided: bool
    citation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "range": [self.low, self.high],
            "higher_is_better": self.higher_is_better,
            "mdc": self.mdc,
            "mcid_points": self.mcid_points,
            "mcid_percent": self.mcid_percent,
            "sided": self.sided,
            "citation": self.citation,
        }


def _cite(keys: Sequence[str]) -> str:
    return "; ".join(CITATIONS[k] for k in keys)


def _from_clinic(
    key: str,
    label: str,
    low: float,
    high: float,
    *,
    sided: bool = False,
    measure: str | None = None,
) -> MeasureSpec:
    c = OUTCOME_CHANGE[measure or key]
    return MeasureSpec(
        key,
        label,
        c.unit,
        low,
        high,
        c.higher_is_better,
        c.mdc,
        c.mcid_points,
        c.mcid_percent,
        sided,
        _cite(c.sources),
    )


#: The measures :func:`progress` judges, in report order.
MEASURES: Final[dict[str, MeasureSpec]] = {
    "odi": _from_clinic("odi", "disability (ODI)", 0, 100),
    "nprs": _from_clinic("nprs", "pain (NPRS)", 0, 10),
    "rmdq": _from_clinic("rmdq", "disability (RMDQ)", 0, 24),
    "psfs": _from_clinic("psfs", "function (PSFS)", 0, 10),
    "wblt_cm": _from_clinic("wblt_cm", "knee-to-wall lunge (WBLT)", 0, 25, sided=True),
    "wblt_deg": _from_clinic("wblt_deg", "knee-to-wall lunge angle (WBLT)", 0, 70, sided=True),
    "wblt_asymmetry_cm": MeasureSpec(
        "wblt_asymmetry_cm",
        "left–right lunge difference",
        "cm",
        0,
        25,
        False,
        T.WBLT_MDC_SIDE_DIFFERENCE_CM,
        None,
        None,
        False,
        _cite(("chisholm2012",)),
    ),
    "df_knee_extended_deg": MeasureSpec(
        "df_knee_extended_deg",
        "knee-straight dorsiflexion",
        "deg",
        -30,
        60,
        True,
        DF_MDC_DEG,
        None,
        None,
        True,
        "MDC: kinechain convention (the WBLT inclinometer MDC of 4.6–4.7°, "
        + _cite(("powden2015",))
        + ", rounded up; no goniometry MDC on the reference sheet)",
    ),
    "df_knee_flexed_deg": MeasureSpec(
        "df_knee_flexed_deg",
        "knee-bent dorsiflexion",
        "deg",
        -30,
        60,
        True,
        DF_MDC_DEG,
        None,
        None,
        True,
        "MDC: kinechain convention (the WBLT inclinometer MDC of 4.6–4.7°, "
        + _cite(("powden2015",))
        + ", rounded up; no goniometry MDC on the reference sheet)",
    ),
}

# Where each measure is found in an assessment dict: alternatives, first found wins. "{side}"
# is replaced by left/right.
_PATHS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "odi": (("questionnaires", "odi", "score_percent"),),
    "nprs": (("questionnaires", "nprs", "score"), ("questionnaires", "nprs")),
    "rmdq": (("questionnaires", "rmdq", "score"), ("questionnaires", "rmdq")),
    "psfs": (("questionnaires", "psfs", "mean"),),
    "wblt_cm": (("tests", "wblt_cm", "{side}"), ("calf", "{side}", "wblt", "cm")),
    "wblt_deg": (("tests", "wblt_deg", "{side}"), ("calf", "{side}", "wblt", "deg")),
    "df_knee_extended_deg": (
        ("tests", "df_knee_extended_deg", "{side}"),
        ("calf", "{side}", "df_knee_extended_deg"),
    ),
    "df_knee_flexed_deg": (
        ("tests", "df_knee_flexed_deg", "{side}"),
        ("calf", "{side}", "df_knee_flexed_deg"),
    ),
}


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureChange:
    """First against latest value of one measure (one side), judged against MDC and MCID.

    Attributes
    ----------
    measure : str
        Key of :data:`MEASURES`.
    side : {"left", "right"} or None
    first_date, latest_date : datetime.date
    first, latest : float
    change : float or None
        ``latest − first``; None when there is nothing to compare yet.
    percent_change : float or None
        Improvement as a percentage of the first value (positive = better); None when the
        first value is 0 or there is nothing to compare.
    direction : {"better", "worse", "same"} or None
    exceeds_mdc : bool or None
        ``|change| ≥ MDC``; None when no MDC is published (or nothing to compare).
    exceeds_mcid : bool or None
        The change reaches the MCID (points either way; percent for improvements only);
        None when no MCID is published.
    mcid_basis : str or None
        ``"points"``, ``"percent"`` or ``"points and percent"``: which criterion was met.
    verdict : str
        ``important_improvement``, ``real_improvement``, ``within_measurement_error``,
        ``real_worsening``, ``important_worsening``, ``no_change``, ``below_mcid`` (no MDC
        published, smaller than the MCID), ``not_judged`` (neither published) or
        ``nothing_to_compare`` (one value only).
    series : tuple of (date, value)
        Every value in date order.
    note : str
    """

    measure: str
    side: str | None
    first_date: dt.date
    latest_date: dt.date
    first: float
    latest: float
    change: float | None
    percent_change: float | None
    direction: str | None
    exceeds_mdc: bool | None
    exceeds_mcid: bool | None
    mcid_basis: str | None
    verdict: str
    series: tuple[tuple[dt.date, float], ...]
    note: str = ""

    @property
    def spec(self) -> MeasureSpec:
        """The measure's thresholds and sources."""
        return MEASURES[self.measure]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, with the thresholds and the citation."""
        s = self.spec
        return {
            "measure": self.measure,
            "label": s.label,
            "side": self.side,
            "unit": s.unit,
            "first_date": self.first_date.isoformat(),
            "first": self.first,
            "latest_date": self.latest_date.isoformat(),
            "latest": self.latest,
            "change": _r(self.change),
            "percent_change": _r(self.percent_change),
            "direction": self.direction,
            "higher_is_better": s.higher_is_better,
            "mdc": s.mdc,
            "mcid_points": s.mcid_points,
            "mcid_percent": s.mcid_percent,
            "exceeds_mdc": self.exceeds_mdc,
            "exceeds_mcid": self.exceeds_mcid,
            "mcid_basis": self.mcid_basis,
            "verdict": self.verdict,
            "note": self.note,
            "citation": s.citation,
            "series": [{"date": d.isoformat(), "value": v} for d, v in self.series],
        }


@dataclass(frozen=True)
class CategoryChange:
    """A categorical measure (STarT Back risk): first and latest category."""

    measure: str
    first_date: dt.date
    first: str
    latest_date: dt.date
    latest: str
    direction: str | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "measure": self.measure,
            "first_date": self.first_date.isoformat(),
            "first": self.first,
            "latest_date": self.latest_date.isoformat(),
            "latest": self.latest,
            "direction": self.direction,
            "note": self.note,
        }


@dataclass(frozen=True)
class FindingChange:
    """A chain finding present at the first or the latest assessment, and what became of it.

    ``status``: ``resolved`` (present, then measured and absent), ``new`` (absent or not
    measured, then present), ``persisting`` (present both times) or ``not_retested`` (present,
    then not measured).
    """

    id: str
    side: str | None
    label: str
    first_present: bool | None
    latest_present: bool | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "side": self.side,
            "label": self.label,
            "first_present": self.first_present,
            "latest_present": self.latest_present,
            "status": self.status,
        }


@dataclass(frozen=True)
class WeekCount:
    """Sessions expected and done in one programme week (``expected`` is pro-rated for a
    week not yet over)."""

    week: int
    start: dt.date
    days: int
    expected: float
    completed: int
    counted: float

    @property
    def percent(self) -> float | None:
        """Counted ÷ expected × 100, or None when nothing was expected."""
        return None if self.expected <= 0 else 100.0 * self.counted / self.expected

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "week": self.week,
            "start": self.start.isoformat(),
            "days": self.days,
            "expected": _r(self.expected),
            "completed": self.completed,
            "percent": _r(self.percent),
        }


@dataclass(frozen=True)
class ExerciseAdherence:
    """Adherence to one prescribed exercise in one programme period."""

    exercise_id: str
    sessions_per_week: int
    start_week: int
    weeks: tuple[WeekCount, ...]

    @property
    def expected(self) -> float:
        """Sessions expected so far."""
        return sum(w.expected for w in self.weeks)

    @property
    def completed(self) -> int:
        """Sessions logged as done (all of them, also beyond the prescription)."""
        return sum(w.completed for w in self.weeks)

    @property
    def counted(self) -> float:
        """Done sessions counted towards adherence (at most the expected, week by week)."""
        return sum(w.counted for w in self.weeks)

    @property
    def percent(self) -> float | None:
        """Counted ÷ expected × 100, or None when nothing was expected yet."""
        e = self.expected
        return None if e <= 0 else 100.0 * self.counted / e

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "exercise_id": self.exercise_id,
            "sessions_per_week": self.sessions_per_week,
            "start_week": self.start_week,
            "expected": _r(self.expected),
            "completed": self.completed,
            "percent": _r(self.percent),
            "weeks": [w.to_dict() for w in self.weeks],
        }


@dataclass(frozen=True)
class AdherencePeriod:
    """Adherence to one programme, from its start to the end of the period counted."""

    program_start: dt.date
    program_end: dt.date
    counted_until: dt.date
    per_exercise: tuple[ExerciseAdherence, ...]
    per_week: tuple[WeekCount, ...]

    @property
    def expected(self) -> float:
        """Sessions expected in the period, all exercises."""
        return sum(e.expected for e in self.per_exercise)

    @property
    def counted(self) -> float:
        """Done sessions counted (capped per exercise-week)."""
        return sum(e.counted for e in self.per_exercise)

    @property
    def percent(self) -> float | None:
        """Counted ÷ expected × 100."""
        e = self.expected
        return None if e <= 0 else 100.0 * self.counted / e

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "program_start": self.program_start.isoformat(),
            "program_end": self.program_end.isoformat(),
            "counted_until": self.counted_until.isoformat(),
            "expected": _r(self.expected),
            "percent": _r(self.percent),
            "per_exercise": [e.to_dict() for e in self.per_exercise],
            "per_week": [w.to_dict() for w in self.per_week],
        }


@dataclass(frozen=True)
class Adherence:
    """Adherence over every programme period that has sessions.

    Attributes
    ----------
    periods : tuple of AdherencePeriod
    logged : int
        Sessions in the log.
    not_done : int
        Logged with ``completed`` false.
    unprescribed : dict of str to int
        Completed sessions of library exercises not in the programme of their period.
    outside_programme : int
        Completed sessions before the first programme started or after its end.
    note : str
    """

    periods: tuple[AdherencePeriod, ...]
    logged: int
    not_done: int
    unprescribed: dict[str, int]
    outside_programme: int
    note: str = ""

    @property
    def expected(self) -> float:
        """Sessions expected, all periods."""
        return sum(p.expected for p in self.periods)

    @property
    def percent(self) -> float | None:
        """Overall adherence, %: counted ÷ expected over all periods."""
        e = self.expected
        return None if e <= 0 else 100.0 * sum(p.counted for p in self.periods) / e

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "percent": _r(self.percent),
            "expected": _r(self.expected),
            "logged": self.logged,
            "not_done": self.not_done,
            "unprescribed": dict(self.unprescribed),
            "outside_programme": self.outside_programme,
            "periods": [p.to_dict() for p in self.periods],
            "note": self.note,
        }


@dataclass(frozen=True)
class PainTrend:
    """Pain (NPRS 0–10) logged with the sessions, by programme week.

    ``change`` is the mean of the last week with pain logged minus that of the first;
    ``within_error`` is ``|change| <`` the NPRS MDC (2 points, Childs 2005); ``slope_per_week``
    is the least-squares slope over all logged values (None with fewer than two days).
    """

    n: int
    weekly: tuple[tuple[int, float, int], ...]
    first_week_mean: float
    last_week_mean: float
    change: float
    within_error: bool
    slope_per_week: float | None
    direction: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "n": self.n,
            "weekly": [{"week": w, "mean": _r(m), "n": n} for w, m, n in self.weekly],
            "first_week_mean": _r(self.first_week_mean),
            "last_week_mean": _r(self.last_week_mean),
            "change": _r(self.change),
            "within_error": self.within_error,
            "mdc": MEASURES["nprs"].mdc,
            "slope_per_week": _r(self.slope_per_week),
            "direction": self.direction,
        }


@dataclass(frozen=True)
class ProgressReport:
    """Everything :func:`progress` concludes.

    Attributes
    ----------
    dates : tuple of datetime.date
        Assessment dates, sorted, duplicates merged.
    red_flag_urgency : str
        At the latest assessment (``none`` when not recorded).
    measures : tuple of MeasureChange
    startback : CategoryChange or None
    findings : tuple of FindingChange
    adherence : Adherence or None
        None when no sessions were logged.
    pain : PainTrend or None
        None when no session carries a pain score.
    summary : str
        A few plain sentences.
    warnings : tuple of str
        Input that was sorted, merged or ignored.
    """

    dates: tuple[dt.date, ...]
    red_flag_urgency: str
    measures: tuple[MeasureChange, ...]
    startback: CategoryChange | None
    findings: tuple[FindingChange, ...]
    adherence: Adherence | None
    pain: PainTrend | None
    summary: str
    warnings: tuple[str, ...] = ()

    def measure(self, key: str, side: str | None = None) -> MeasureChange | None:
        """The change of one measure (and side), or None when it was never measured."""
        return next((m for m in self.measures if m.measure == key and m.side == side), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, red flags first."""
        return {
            "schema": PROGRESS_SCHEMA_ID,
            "red_flags": {
                "urgency": self.red_flag_urgency,
                "refer": self.red_flag_urgency != "none",
            },
            "summary": self.summary,
            "n_assessments": len(self.dates),
            "dates": [d.isoformat() for d in self.dates],
            "first_date": self.dates[0].isoformat(),
            "latest_date": self.dates[-1].isoformat(),
            "measures": [m.to_dict() for m in self.measures],
            "startback": None if self.startback is None else self.startback.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "adherence": None if self.adherence is None else self.adherence.to_dict(),
            "pain": None if self.pain is None else self.pain.to_dict(),
            "thresholds": {k: s.to_dict() for k, s in MEASURES.items()},
            "warnings": list(self.warnings),
        }


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(float(x), nd)


# ---------------------------------------------------------------------------------------
# Reading the assessments
# ---------------------------------------------------------------------------------------


@dataclass
class _Visit:
    index: int
    date: dt.date
    values: dict[tuple[str, str | None], float]
    startback: str | None
    findings: dict[tuple[str, str | None], tuple[bool, str]]
    program: Mapping[str, Any] | None
    urgency: str


class _Where:
    def __init__(self, index: int, sources: Sequence[str] | None) -> None:
        self.index = index
        self.path = sources[index] if sources is not None else f"assessments[{index}]"

    def error(self, field: str, problem: str) -> InputError:
        return InputError(self.path, f"{problem} (assessment {self.index})", field=field)


def _parse_date(value: Any, where: _Where | None, field: str, *, path: str = "") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    problem = (
        "missing date: every assessment needs a date YYYY-MM-DD"
        if value is None
        else f"{value!r} is not a date YYYY-MM-DD"
    )
    if where is not None:
        raise where.error(field, problem)
    raise InputError(path or "input", problem, field=field)


def _get(d: Mapping[str, Any], path: Sequence[str]) -> tuple[bool, Any]:
    node: Any = d
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _number(value: Any, spec: MeasureSpec, where: _Where, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.error(field, f"{value!r} is not a number")
    x = float(value)
    if not math.isfinite(x) or not spec.low <= x <= spec.high:
        raise where.error(
            field, f"{value!r} is outside the range {spec.low:g} to {spec.high:g} {spec.unit}"
        )
    return x


def _read_values(a: Mapping[str, Any], where: _Where) -> dict[tuple[str, str | None], float]:
    out: dict[tuple[str, str | None], float] = {}
    for key, paths in _PATHS.items():
        spec = MEASURES[key]
        for side in ("left", "right") if spec.sided else (None,):
            for path in paths:
                p = tuple(side if part == "{side}" and side else part for part in path)
                found, value = _get(a, p)
                if not found or value is None or isinstance(value, Mapping):
                    continue
                if key == "wblt_deg" and p[0] == "calf":
                    # The clinic converts cm to degrees; count only a measured angle.
                    _, measured = _get(a, ("calf", side or "", "wblt", "measured"))
                    if measured not in ("deg", "both"):
                        continue
                out[(key, side)] = _number(value, spec, where, ".".join(p))
                break
    left, right = out.get(("wblt_cm", "left")), out.get(("wblt_cm", "right"))
    if left is not None and right is not None:
        out[("wblt_asymmetry_cm", None)] = abs(left - right)
    return out


def _read_visit(a: Any, i: int, sources: Sequence[str] | None) -> _Visit:
    where = _Where(i, sources)
    if not isinstance(a, Mapping):
        raise where.error("", f"expected an assessment object, got {type(a).__name__}")
    date = _parse_date(a.get("date"), where, "date")
    values = _read_values(a, where)
    found, risk = _get(a, ("questionnaires", "startback", "risk"))
    if found and risk is not None and risk not in _RISK_ORDER:
        raise where.error(
            "questionnaires.startback.risk", f"{risk!r} is not one of low, medium, high"
        )
    findings: dict[tuple[str, str | None], tuple[bool, str]] = {}
    raw = a.get("findings") or []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise where.error("findings", "expected a list of findings")
    for j, f in enumerate(raw):
        if not isinstance(f, Mapping) or not isinstance(f.get("id"), str):
            raise where.error(f"findings[{j}]", "each finding needs a text id")
        side = f.get("side")
        key = (str(f["id"]), side if side in ("left", "right") else None)
        present = bool(f.get("present", True))
        prev = findings.get(key)
        findings[key] = (present or (prev[0] if prev else False), str(f.get("label") or ""))
    program = a.get("program")
    if program is not None and not isinstance(program, Mapping):
        raise where.error("program", "expected a programme object")
    urgency = str(((a.get("red_flags") or {}).get("urgency")) or "none")
    if urgency not in _URGENCY_ORDER:
        raise where.error("red_flags.urgency", f"{urgency!r} is not none, urgent or emergency")
    return _Visit(i, date, values, risk, findings, program, urgency)


def _merge(visits: list[_Visit], warnings: list[str]) -> list[_Visit]:
    order = [v.index for v in sorted(visits, key=lambda v: (v.date, v.index))]
    if order != [v.index for v in visits]:
        warnings.append("The assessments were not in date order; they were sorted by date.")
    out: list[_Visit] = []
    for v in sorted(visits, key=lambda v: (v.date, v.index)):
        if out and out[-1].date == v.date:
            prev = out[-1]
            warnings.append(
                f"Assessments {prev.index} and {v.index} share the date {v.date.isoformat()}: "
                f"merged, assessment {v.index}'s values win where both have one."
            )
            out[-1] = _Visit(
                v.index,
                v.date,
                {**prev.values, **v.values},
                v.startback or prev.startback,
                {**prev.findings, **v.findings},
                v.program if v.program is not None else prev.program,
                max(prev.urgency, v.urgency, key=_URGENCY_ORDER.__getitem__),
            )
        else:
            out.append(v)
    return out


# ---------------------------------------------------------------------------------------
# Judging change
# ---------------------------------------------------------------------------------------


def _judge(key: str, side: str | None, series: list[tuple[dt.date, float]]) -> MeasureChange:
    spec = MEASURES[key]
    (d0, v0), (d1, v1) = series[0], series[-1]
    if len(series) == 1:
        return MeasureChange(
            key,
            side,
            d0,
            d1,
            v0,
            v1,
            None,
            None,
            None,
            None,
            None,
            None,
            "nothing_to_compare",
            tuple(series),
            "measured once: nothing to compare yet",
        )
    change = v1 - v0
    improvement = change if spec.higher_is_better else -change
    pct = None if abs(v0) < _EPS else 100.0 * improvement / abs(v0)
    direction = "better" if improvement > _EPS else "worse" if improvement < -_EPS else "same"
    exceeds_mdc = None if spec.mdc is None else abs(change) >= spec.mdc - _EPS
    points_ok = spec.mcid_points is not None and abs(change) >= spec.mcid_points - _EPS
    pct_ok = (
        spec.mcid_percent is not None
        and pct is not None
        and improvement > 0
        and pct >= spec.mcid_percent - _EPS
    )
    exceeds_mcid: bool | None = None
    basis: str | None = None
    if spec.mcid_points is not None or spec.mcid_percent is not None:
        exceeds_mcid = points_ok or pct_ok
        if exceeds_mcid:
            basis = (
                "points and percent"
                if points_ok and pct_ok
                else ("points" if points_ok else "percent")
            )
    note = ""
    word = "improvement" if direction == "better" else "worsening"
    if direction == "same":
        verdict = "no_change"
    elif exceeds_mdc is False:
        verdict = "within_measurement_error"
        if exceeds_mcid:
            note = (
                f"reaches the MCID by {basis} but is smaller than the MDC "
                f"({spec.mdc:g} {spec.unit}), so it may be measurement error"
            )
    elif exceeds_mcid:
        verdict = f"important_{word}"
        if exceeds_mdc is None:
            note = "no MDC published: part of this change may be measurement error"
    elif exceeds_mdc:
        verdict = f"real_{word}"
        if exceeds_mcid is None:
            note = "no MCID published"
    elif exceeds_mcid is False:
        verdict = "below_mcid"
        note = "no MDC published"
    else:
        verdict = "not_judged"
        note = "no MDC or MCID published"
    return MeasureChange(
        key,
        side,
        d0,
        d1,
        v0,
        v1,
        change,
        pct,
        direction,
        exceeds_mdc,
        exceeds_mcid,
        basis,
        verdict,
        tuple(series),
        note,
    )


def _measures(visits: list[_Visit]) -> list[MeasureChange]:
    out = []
    for key, spec in MEASURES.items():
        for side in ("left", "right") if spec.sided else (None,):
            series = [(v.date, v.values[(key, side)]) for v in visits if (key, side) in v.values]
            if series:
                out.append(_judge(key, side, series))
    return out


def _startback(visits: list[_Visit]) -> CategoryChange | None:
    seen = [(v.date, v.startback) for v in visits if v.startback is not None]
    if not seen:
        return None
    (d0, r0), (d1, r1) = seen[0], seen[-1]
    direction: str | None = None
    if len(seen) > 1:
        delta = _RISK_ORDER[r1] - _RISK_ORDER[r0]
        direction = "better" if delta < 0 else "worse" if delta > 0 else "same"
    return CategoryChange(
        "startback",
        d0,
        r0,
        d1,
        r1,
        direction,
        "STarT Back screens for the risk of a poor outcome (Hill 2008); it has no MDC or MCID.",
    )


def _findings(first: _Visit, latest: _Visit) -> list[FindingChange]:
    if first is latest:
        return []
    out = []
    keys = list(dict.fromkeys([*first.findings, *latest.findings]))
    for key in keys:
        f0, f1 = first.findings.get(key), latest.findings.get(key)
        p0 = None if f0 is None else f0[0]
        p1 = None if f1 is None else f1[0]
        if not p0 and not p1:
            continue
        if p0 and p1:
            status = "persisting"
        elif p0 and p1 is None:
            status = "not_retested"
        elif p0:
            status = "resolved"
        else:
            status = "new"
        label = (f1 or f0 or (False, ""))[1] or key[0]
        out.append(FindingChange(key[0], key[1], label, p0, p1, status))
    return out


# ---------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Session:
    index: int
    date: dt.date
    exercise_id: str
    completed: bool
    pain: float | None


@dataclass(frozen=True)
class _Prog:
    start: dt.date
    weeks: int
    exercises: dict[str, tuple[int, int]]  # id -> (sessions per week, start week)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=7 * self.weeks - 1)


def _read_sessions(sessions: Sequence[Mapping[str, Any]]) -> list[_Session]:
    out = []
    for j, s in enumerate(sessions):
        where = f"sessions[{j}]"
        if not isinstance(s, Mapping):
            raise InputError(
                "sessions", f"expected a session object, got {type(s).__name__}", field=where
            )
        date = _parse_date(s.get("date"), None, f"{where}.date", path="sessions")
        ex_id = s.get("exercise_id")
        if not isinstance(ex_id, str) or ex_id not in LIBRARY:
            raise InputError(
                "sessions",
                f"{ex_id!r} is not an exercise of the library",
                field=f"{where}.exercise_id",
            )
        done = s.get("completed", True)
        if isinstance(done, int) and not isinstance(done, bool) and done in (0, 1):
            done = bool(done)
        if not isinstance(done, bool):
            raise InputError(
                "sessions",
                f"completed must be true or false, got {done!r}",
                field=f"{where}.completed",
            )
        pain = s.get("pain_nprs")
        if pain is not None:
            if (
                isinstance(pain, bool)
                or not isinstance(pain, (int, float))
                or not (math.isfinite(pain) and 0 <= pain <= 10)
            ):
                raise InputError(
                    "sessions",
                    f"pain {pain!r} is outside the range 0 to 10",
                    field=f"{where}.pain_nprs",
                )
            pain = float(pain)
        out.append(_Session(j, date, ex_id, done, pain))
    return out


def _program_spec(
    p: Mapping[str, Any] | Program, where: str, default_start: dt.date | None
) -> _Prog | None:
    raw: Mapping[str, Any] = p.to_dict() if isinstance(p, Program) else p
    exercises = raw.get("exercises") or []
    if not exercises:
        return None
    start_raw = raw.get("start")
    if start_raw is None and default_start is not None:
        start = default_start
    else:
        start = _parse_date(start_raw, None, f"{where}.start", path="program")
    weeks = raw.get("weeks", 6)
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise InputError(
            "program", f"weeks {weeks!r} must be a whole number ≥ 1", field=f"{where}.weeks"
        )
    spec: dict[str, tuple[int, int]] = {}
    for k, e in enumerate(exercises):
        f = f"{where}.exercises[{k}]"
        if not isinstance(e, Mapping) or not isinstance(e.get("id"), str):
            raise InputError("program", "each exercise needs a text id", field=f)
        dose = e.get("dosage") or {}
        spw = dose.get("sessions_per_week") if isinstance(dose, Mapping) else None
        if spw is None and isinstance(dose, Mapping):
            tpd, dpw = dose.get("times_per_day"), dose.get("days_per_week")
            if isinstance(tpd, int) and isinstance(dpw, int):
                spw = tpd * dpw
        if isinstance(spw, bool) or not isinstance(spw, int) or spw < 1:
            raise InputError(
                "program",
                "the dosage needs sessions_per_week (or times_per_day and days_per_week)",
                field=f"{f}.dosage",
            )
        sw = e.get("start_week", 1)
        if isinstance(sw, bool) or not isinstance(sw, int) or sw < 1:
            raise InputError(
                "program", f"start_week {sw!r} must be a whole number ≥ 1", field=f"{f}.start_week"
            )
        spec[str(e["id"])] = (spw, sw)
    return _Prog(start, weeks, spec)


def _period(prog: _Prog, until: dt.date, sessions: list[_Session]) -> AdherencePeriod:
    week_rows: dict[str, list[WeekCount]] = {k: [] for k in prog.exercises}
    totals: list[WeekCount] = []
    for w in range(1, prog.weeks + 1):
        ws = prog.start + dt.timedelta(days=7 * (w - 1))
        if ws > until:
            break
        days = min(7, (until - ws).days + 1)
        we = ws + dt.timedelta(days=days - 1)
        tot_e = tot_c = tot_n = 0.0
        for ex_id, (spw, sw) in prog.exercises.items():
            expected = spw * days / 7.0 if w >= sw else 0.0
            done = sum(
                1 for s in sessions if s.exercise_id == ex_id and s.completed and ws <= s.date <= we
            )
            counted = min(float(done), expected)
            if w >= sw:
                week_rows[ex_id].append(WeekCount(w, ws, days, expected, done, counted))
            tot_e += expected
            tot_c += counted
            tot_n += done
        totals.append(WeekCount(w, ws, days, tot_e, int(tot_n), tot_c))
    per_ex = tuple(
        ExerciseAdherence(k, spw, sw, tuple(week_rows[k]))
        for k, (spw, sw) in prog.exercises.items()
    )
    return AdherencePeriod(prog.start, prog.end, until, per_ex, tuple(totals))


def _adherence(
    programs: list[_Prog], sessions: list[_Session], as_of: dt.date | None
) -> Adherence | None:
    if not sessions:
        return None
    not_done = sum(1 for s in sessions if not s.completed)
    if not programs:
        return Adherence(
            (),
            len(sessions),
            not_done,
            {},
            0,
            "No prescribed programme to compare the sessions with.",
        )
    programs = sorted(programs, key=lambda p: p.start)
    last = as_of or max(s.date for s in sessions)
    periods: list[AdherencePeriod] = []
    unprescribed: dict[str, int] = {}
    outside = 0
    for i, prog in enumerate(programs):
        nxt = programs[i + 1].start if i + 1 < len(programs) else None
        window_end = prog.end if nxt is None else min(prog.end, nxt - dt.timedelta(days=1))
        mine = [s for s in sessions if prog.start <= s.date <= window_end]
        for s in mine:
            if s.completed and s.exercise_id not in prog.exercises:
                unprescribed[s.exercise_id] = unprescribed.get(s.exercise_id, 0) + 1
        until = min(window_end, last)
        if until < prog.start or (not mine and nxt is not None):
            continue
        periods.append(_period(prog, until, mine))
    first_start = programs[0].start
    for s in sessions:
        if not s.completed:
            continue
        in_any = any(p.start <= s.date <= p.end for p in programs)
        if s.date < first_start or not in_any:
            outside += 1
    note = ""
    if not periods:
        note = "No logged session falls inside a programme period yet."
    return Adherence(tuple(periods), len(sessions), not_done, unprescribed, outside, note)


def _pain(sessions: list[_Session], ref: dt.date | None) -> PainTrend | None:
    rows = [(s.date, s.pain) for s in sessions if s.pain is not None]
    if not rows:
        return None
    ref = ref or min(d for d, _ in rows)
    by_week: dict[int, list[float]] = {}
    for d, p in rows:
        w = (d - ref).days // 7 + 1
        by_week.setdefault(w, []).append(float(p or 0.0))
    weekly = tuple((w, statistics.fmean(v), len(v)) for w, v in sorted(by_week.items()))
    first, last = weekly[0][1], weekly[-1][1]
    change = last - first
    mdc = MEASURES["nprs"].mdc or 2.0
    xs = [float((d - ref).days) for d, _ in rows]
    ys = [float(p or 0.0) for _, p in rows]
    slope = None
    if len(set(xs)) >= 2:
        slope = 7.0 * statistics.linear_regression(xs, ys).slope
    direction = "lower" if change < -_EPS else "higher" if change > _EPS else "same"
    return PainTrend(
        len(rows), weekly, first, last, change, abs(change) < mdc - _EPS, slope, direction
    )


# ---------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------


def _fmt(x: float, unit: str) -> str:
    if unit == "cm":
        return f"{x:.1f} cm"
    if unit == "deg":
        return f"{x:.0f}°"
    if unit == "%":
        return f"{round(x, 1):g} %"
    return f"{round(x, 1):g}"


def _clause(m: MeasureChange) -> str:
    s = m.spec
    label = (f"{m.side} " if m.side else "") + s.label
    text = f"{label} {_fmt(m.first, s.unit)} → {_fmt(m.latest, s.unit)}"
    if s.mdc is None:
        mdc = ""
    elif s.unit == "deg":
        mdc = f"MDC {s.mdc:g}°"
    else:
        mdc = f"MDC {s.mdc:g} {'points' if s.unit in ('%', 'points') else s.unit}"
    mcid_parts = []
    if s.mcid_points is not None:
        mcid_parts.append(f"{s.mcid_points:g} points")
    if s.mcid_percent is not None:
        mcid_parts.append(f"{s.mcid_percent:g} %")
    mcid = "MCID " + " or ".join(mcid_parts) if mcid_parts else ""
    v = m.verdict
    if v == "no_change":
        return f"{text}, no change"
    if v == "within_measurement_error":
        return f"{text}, within measurement error ({mdc})"
    word = "improvement" if m.direction == "better" else "worsening"
    if v.startswith("important_"):
        extra = "" if s.mdc is not None else "; no MDC published"
        return f"{text}, a clinically important {word} ({mcid}{extra})"
    if v.startswith("real_"):
        tail = f"below the {mcid}" if mcid else "no MCID published"
        return f"{text}, a real {word} (beyond the {mdc}; {tail})"
    if v == "below_mcid":
        return f"{text}, smaller than the {mcid} (no MDC published)"
    return f"{text} (no MDC or MCID published)"


def _clauses(ms: list[MeasureChange]) -> str:
    changed = [_clause(m) for m in ms if m.verdict != "no_change"]
    same = [(f"{m.side} " if m.side else "") + m.spec.label for m in ms if m.verdict == "no_change"]
    if same:
        changed.append("unchanged: " + ", ".join(same))
    return "; ".join(changed)


def _summary(
    visits: list[_Visit],
    measures: list[MeasureChange],
    startback: CategoryChange | None,
    findings: list[FindingChange],
    adherence: Adherence | None,
    pain: PainTrend | None,
) -> str:
    parts: list[str] = []
    latest = visits[-1]
    if latest.urgency != "none":
        parts.append(
            f"Red flags were recorded at the latest assessment (urgency: {latest.urgency}): "
            "refer before continuing any exercise."
        )
    if len(visits) == 1:
        parts.append(f"Only one assessment ({latest.date.isoformat()}): nothing to compare yet.")
    else:
        first = visits[0]
        days = (latest.date - first.date).days
        span = f"{days // 7} weeks" if days >= 14 else f"{days} days"
        compared = [m for m in measures if m.verdict != "nothing_to_compare"]
        q = [m for m in compared if not m.spec.sided and m.measure != "wblt_asymmetry_cm"]
        t = [m for m in compared if m not in q]
        head = f"From {first.date.isoformat()} to {latest.date.isoformat()} ({span})"
        if not compared:
            parts.append(
                f"{head}: no measure was taken at two assessments, so nothing to compare yet."
            )
        if q:
            parts.append(f"{head}: " + _clauses(q) + ".")
        if t:
            lead = "Ankle tests" if q else f"{head}, ankle tests"
            parts.append(f"{lead}: " + _clauses(t) + ".")
        if startback is not None and startback.direction not in (None, "same"):
            parts.append(f"STarT Back risk went from {startback.first} to {startback.latest}.")
        resolved = [f for f in findings if f.status == "resolved"]
        new = [f for f in findings if f.status == "new"]
        if resolved:
            parts.append(
                "No longer found: "
                + ", ".join(f.label + (f" ({f.side})" if f.side else "") for f in resolved)
                + "."
            )
        if new:
            parts.append(
                "Newly found: "
                + ", ".join(f.label + (f" ({f.side})" if f.side else "") for f in new)
                + "."
            )
    if adherence is not None:
        pct = adherence.percent
        if pct is None:
            parts.append(
                adherence.note or "The logged sessions could not be compared with a programme."
            )
        else:
            weeks = sum(len(p.per_week) for p in adherence.periods)
            text = (
                f"Home exercises: {pct:.0f} % of the prescribed sessions were logged as done "
                f"over {weeks} week{'s' if weeks != 1 else ''}."
            )
            if pct < 50:
                text += " With fewer than half done, the programme has not had a fair trial yet."
            parts.append(text)
    if pain is not None and len(pain.weekly) > 1:
        mdc_pts = MEASURES["nprs"].mdc
        verdict = (
            f"within measurement error (MDC {mdc_pts:g} points)"
            if pain.within_error
            else f"{'down' if pain.change < 0 else 'up'} {abs(pain.change):.1f} points, more "
            f"than measurement error (MDC {mdc_pts:g} points)"
        )
        parts.append(
            f"Pain logged with the sessions averaged {pain.first_week_mean:.1f}/10 in week "
            f"{pain.weekly[0][0]} and {pain.last_week_mean:.1f}/10 in week {pain.weekly[-1][0]}"
            f": {verdict}."
        )
    parts.append(
        "These are measurements, not a diagnosis: discuss them with your physical therapist."
    )
    return " ".join(parts)


# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------


def progress(
    assessments: Sequence[Mapping[str, Any]],
    sessions: Sequence[Mapping[str, Any]] = (),
    *,
    program: Program | Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
    sources: Sequence[str] | None = None,
) -> ProgressReport:
    """Judge the change between assessments of one person, and adherence to the programme.

    Parameters
    ----------
    assessments : sequence of dict
        Each with ``date`` (YYYY-MM-DD) and any of ``questionnaires`` (``odi.score_percent``,
        ``nprs.score``, ``rmdq.score``, ``psfs.mean``, ``startback.risk``), ``tests``
        (``wblt_cm``, ``wblt_deg``, ``df_knee_extended_deg``, ``df_knee_flexed_deg``, each
        ``{"left": .., "right": ..}``) or the ``calf`` block of ``assessment.json``,
        ``findings[]``, ``program`` and ``red_flags.urgency``. Any order; assessments on the
        same date are merged (the later one in the input wins where both have a value).
    sessions : sequence of dict
        Logged home-exercise sessions: ``date``, ``exercise_id`` (a library id),
        ``completed`` (bool; default true) and optional ``pain_nprs`` (0–10).
    program : Program or dict, optional
        The programme to judge adherence against. By default, the ``program`` of every
        assessment that has exercises; each session is counted against the latest programme
        started on or before its date.
    as_of : datetime.date, optional
        Count the prescribed sessions up to this day (default: the last logged session).
        Days after the last logged session count as missed only when ``as_of`` is given.
    sources : sequence of str, optional
        A name per assessment (e.g. its file) for error messages.

    Returns
    -------
    ProgressReport

    Raises
    ------
    InputError
        No assessments, a missing or bad date, a value out of range (the message names the
        field and the assessment index), a bad session or programme.
    """
    if not assessments:
        raise InputError("assessments", "no assessments given: progress needs at least one")
    if sources is not None and len(sources) != len(assessments):
        raise InputError("assessments", "give one source name per assessment", field="sources")
    warnings: list[str] = []
    visits = _merge([_read_visit(a, i, sources) for i, a in enumerate(assessments)], warnings)
    measures = _measures(visits)
    sb = _startback(visits)
    findings = _findings(visits[0], visits[-1])
    logged = _read_sessions(sessions)
    if program is not None:
        one = _program_spec(program, "program", None)
        programs = [one] if one is not None else []
    else:
        programs = []
        for v in visits:
            if v.program is not None:
                p = _program_spec(v.program, f"assessments[{v.index}].program", v.date)
                if p is not None and all(q.start != p.start for q in programs):
                    programs.append(p)
    adherence = _adherence(programs, logged, as_of)
    ref = min((p.start for p in programs), default=None)
    pain = _pain(logged, ref)
    summary = _summary(visits, measures, sb, findings, adherence, pain)
    return ProgressReport(
        dates=tuple(v.date for v in visits),
        red_flag_urgency=visits[-1].urgency,
        measures=tuple(measures),
        startback=sb,
        findings=tuple(findings),
        adherence=adherence,
        pain=pain,
        summary=summary,
        warnings=tuple(warnings),
    )
