"""Progress: worked examples of change against MDC and MCID, adherence and the pain trend."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from kinechain.chain import clinical_findings
from kinechain.clinic import assess_clinical, intake_template, parse_intake
from kinechain.errors import InputError
from kinechain.program import MEASURES, build_program, progress

D1, D2, D3 = "2026-01-05", "2026-01-26", "2026-02-16"
MONDAY = dt.date(2026, 1, 5)


def q(date: str, **scores: Any) -> dict[str, Any]:
    """An assessment with questionnaire scores (odi, nprs, rmdq, psfs, startback)."""
    keys = {
        "odi": "score_percent",
        "nprs": "score",
        "rmdq": "score",
        "psfs": "mean",
        "startback": "risk",
    }
    return {"date": date, "questionnaires": {k: {keys[k]: v} for k, v in scores.items()}}


def t(date: str, **tests: tuple[float | None, float | None]) -> dict[str, Any]:
    """An assessment with per-side tests."""
    return {"date": date, "tests": {k: {"left": v[0], "right": v[1]} for k, v in tests.items()}}


# --- questionnaires -------------------------------------------------------------------------


def test_odi_40_to_24_is_a_clinically_important_improvement() -> None:
    m = progress([q(D1, odi=40), q(D3, odi=24)]).measure("odi")
    assert m is not None
    assert m.change == pytest.approx(-16) and m.percent_change == pytest.approx(40)
    assert m.direction == "better" and m.exceeds_mdc is True and m.exceeds_mcid is True
    assert m.mcid_basis == "points and percent"  # 16 ≥ 10 points and 40 % ≥ 30 %
    assert m.verdict == "important_improvement"
    assert "Ostelo" in m.to_dict()["citation"]


def test_odi_20_to_13_meets_30_percent_but_is_within_the_mdc() -> None:
    # −7 points = 35 % of baseline: the MCID by percent, but below the 10-point MDC
    m = progress([q(D1, odi=20), q(D3, odi=13)]).measure("odi")
    assert m is not None and m.exceeds_mdc is False and m.exceeds_mcid is True
    assert m.mcid_basis == "percent" and m.verdict == "within_measurement_error"
    assert "measurement error" in m.note


def test_odi_30_to_42_is_an_important_worsening() -> None:
    m = progress([q(D1, odi=30), q(D3, odi=42)]).measure("odi")
    assert m is not None and m.direction == "worse" and m.verdict == "important_worsening"
    assert m.mcid_basis == "points"


@pytest.mark.parametrize(
    ("first", "latest", "verdict"),
    [
        (6, 5, "within_measurement_error"),  # −1 < MDC 2
        (6, 4, "important_improvement"),  # −2 = MDC 2 = MCID 2
        (3, 1, "important_improvement"),
        (4, 7, "important_worsening"),
        (5, 5, "no_change"),
    ],
)
def test_nprs_against_mdc_2_and_mcid_2(first: int, latest: int, verdict: str) -> None:
    m = progress([q(D1, nprs=first), q(D3, nprs=latest)]).measure("nprs")
    assert m is not None and m.verdict == verdict


@pytest.mark.parametrize(
    ("first", "latest", "verdict", "basis", "direction"),
    [
        (10, 6, "important_improvement", "percent", "better"),  # −4 = 40 %
        (12, 7, "important_improvement", "points and percent", "better"),  # −5 = 42 %
        (10, 8, "below_mcid", None, "better"),  # −2 = 20 %
        (4, 6, "below_mcid", None, "worse"),  # +2 = 50 % worse: percent counts improvements only
        (4, 10, "important_worsening", "points", "worse"),
    ],
)
def test_rmdq_against_mcid_5_points_or_30_percent(
    first: int, latest: int, verdict: str, basis: str | None, direction: str
) -> None:
    m = progress([q(D1, rmdq=first), q(D3, rmdq=latest)]).measure("rmdq")
    assert m is not None and m.exceeds_mdc is None  # no MDC on the reference sheet
    assert (m.verdict, m.mcid_basis, m.direction) == (verdict, basis, direction)


def test_psfs_higher_is_better_mcid_2() -> None:
    up = progress([q(D1, psfs=4.0), q(D3, psfs=6.5)]).measure("psfs")
    small = progress([q(D1, psfs=4.0), q(D3, psfs=5.0)]).measure("psfs")
    down = progress([q(D1, psfs=6.0), q(D3, psfs=3.0)]).measure("psfs")
    assert up is not None and up.verdict == "important_improvement" and up.direction == "better"
    assert "no MDC" in up.note
    assert small is not None and small.verdict == "below_mcid"
    assert down is not None and down.verdict == "important_worsening"


def test_startback_risk_moving_down_is_better() -> None:
    r = progress([q(D1, startback="high"), q(D3, startback="medium")])
    assert r.startback is not None and r.startback.direction == "better"
    assert "medium" in r.summary


# --- tests per side -------------------------------------------------------------------------


def test_wblt_per_side_against_the_1_9_cm_mdc() -> None:
    r = progress([t(D1, wblt_cm=(6.0, 11.5)), t(D3, wblt_cm=(9.0, 9.0))])
    left, right = r.measure("wblt_cm", "left"), r.measure("wblt_cm", "right")
    assert left is not None and left.change == pytest.approx(3.0)
    assert left.verdict == "real_improvement" and left.exceeds_mcid is None
    assert right is not None and right.verdict == "real_worsening"  # −2.5 cm
    asym = r.measure("wblt_asymmetry_cm")
    assert asym is not None and asym.first == pytest.approx(5.5) and asym.latest == 0
    assert asym.verdict == "real_improvement"  # 5.5 → 0 cm, MDC 1.5 cm (Chisholm 2012)
    assert MEASURES["wblt_cm"].mdc == pytest.approx(1.9)


@pytest.mark.parametrize(
    ("latest", "verdict"),
    [
        (7.5, "within_measurement_error"),
        (7.9, "real_improvement"),
        (7.8, "within_measurement_error"),
    ],
)
def test_wblt_mdc_boundary(latest: float, verdict: str) -> None:
    m = progress([t(D1, wblt_cm=(6.0, None)), t(D3, wblt_cm=(latest, None))]).measure(
        "wblt_cm", "left"
    )
    assert m is not None and m.verdict == verdict
    assert progress([t(D1, wblt_cm=(6.0, None))]).measure("wblt_cm", "right") is None


def test_wblt_degrees_mdc_4_7() -> None:
    r = progress([t(D1, wblt_deg=(30.0, 40.0)), t(D3, wblt_deg=(35.0, 44.0))])
    assert r.measure("wblt_deg", "left").verdict == "real_improvement"  # type: ignore[union-attr]
    assert r.measure("wblt_deg", "right").verdict == (  # type: ignore[union-attr]
        "within_measurement_error"
    )


def test_dorsiflexion_goniometry_uses_a_5_degree_convention() -> None:
    r = progress(
        [
            t(D1, df_knee_extended_deg=(0, 12), df_knee_flexed_deg=(20, 22)),
            t(D3, df_knee_extended_deg=(6, 14), df_knee_flexed_deg=(20, 15)),
        ]
    )
    assert r.measure("df_knee_extended_deg", "left").verdict == "real_improvement"  # type: ignore
    assert r.measure("df_knee_extended_deg", "right").verdict == (  # type: ignore[union-attr]
        "within_measurement_error"
    )
    assert r.measure("df_knee_flexed_deg", "left").verdict == "no_change"  # type: ignore
    assert r.measure("df_knee_flexed_deg", "right").verdict == "real_worsening"  # type: ignore
    assert "convention" in MEASURES["df_knee_extended_deg"].citation


def test_the_assessment_json_shape_is_read_too() -> None:
    def a(date: str, cm: float, ext: float, measured: str) -> dict[str, Any]:
        return {
            "date": date,
            "calf": {
                "left": {
                    "df_knee_extended_deg": ext,
                    "df_knee_flexed_deg": 20,
                    "wblt": {"cm": cm, "deg": cm * 3.6, "measured": measured},
                }
            },
        }

    r = progress([a(D1, 6.0, 0, "cm"), a(D3, 9.0, 0, "cm")])
    assert r.measure("wblt_cm", "left").verdict == "real_improvement"  # type: ignore[union-attr]
    assert r.measure("wblt_deg", "left") is None  # converted, not measured
    r2 = progress([a(D1, 6.0, 0, "both"), a(D3, 9.0, 0, "both")])
    assert r2.measure("wblt_deg", "left") is not None


# --- input handling -------------------------------------------------------------------------


def test_unsorted_dates_are_sorted_with_a_warning() -> None:
    r = progress([q(D3, nprs=3), q(D1, nprs=6), q(D2, nprs=5)])
    assert r.dates == (dt.date(2026, 1, 5), dt.date(2026, 1, 26), dt.date(2026, 2, 16))
    m = r.measure("nprs")
    assert m is not None and (m.first, m.latest) == (6, 3) and len(m.series) == 3
    assert m.verdict == "important_improvement"
    assert any("not in date order" in w for w in r.warnings)


def test_assessments_on_the_same_date_are_merged() -> None:
    a = {**q(D1, nprs=6), **{"tests": {"wblt_cm": {"left": 6.0}}}}
    r = progress([a, q(D1, nprs=7), q(D3, nprs=4)])
    assert r.dates == (dt.date(2026, 1, 5), dt.date(2026, 2, 16))
    assert r.measure("nprs").first == 7  # type: ignore[union-attr]
    assert r.measure("wblt_cm", "left").verdict == "nothing_to_compare"  # type: ignore
    assert any("share the date 2026-01-05" in w for w in r.warnings)


def test_one_assessment_has_nothing_to_compare_yet() -> None:
    r = progress([q(D1, odi=40, nprs=6)])
    assert all(m.verdict == "nothing_to_compare" for m in r.measures)
    assert r.measure("odi").change is None  # type: ignore[union-attr]
    assert "nothing to compare yet" in r.summary
    assert r.findings == ()


def test_a_measure_taken_once_is_not_compared() -> None:
    r = progress([q(D1, odi=40), q(D3, nprs=4)])
    assert r.measure("odi").verdict == "nothing_to_compare"  # type: ignore[union-attr]
    assert "nothing to compare yet" in r.summary


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (q(D3, odi=140), "questionnaires.odi.score_percent", "outside the range 0 to 100 %"),
        (q(D3, nprs="six"), "questionnaires.nprs.score", "not a number"),
        (q(D3, nprs=True), "questionnaires.nprs.score", "not a number"),
        (q(D3, rmdq=25), "questionnaires.rmdq.score", "0 to 24 points"),
        (q(D3, psfs=10.5), "questionnaires.psfs.mean", "0 to 10"),
        (q(D3, startback="very high"), "questionnaires.startback.risk", "low, medium, high"),
        (t(D3, wblt_cm=(-3.0, 10.0)), "tests.wblt_cm.left", "0 to 25 cm"),
        (t(D3, df_knee_extended_deg=(0, 95)), "tests.df_knee_extended_deg.right", "-30 to 60 deg"),
        ({"questionnaires": {"nprs": {"score": 3}}}, "date", "needs a date"),
        ({"date": "5 Jan 2026"}, "date", "not a date"),
    ],
)
def test_out_of_range_values_name_the_field_and_the_assessment(
    bad: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InputError) as e:
        progress([q(D1, nprs=6), bad])
    assert e.value.field == field
    assert "(assessment 1)" in str(e.value) and words in str(e.value)


def test_source_names_appear_in_errors() -> None:
    with pytest.raises(InputError) as e:
        progress([q(D1, nprs=6), q(D3, nprs=11)], sources=["a1.json", "a2.json"])
    assert str(e.value).startswith("a2.json: questionnaires.nprs.score:")


def test_no_assessments_is_an_error() -> None:
    with pytest.raises(InputError):
        progress([])


# --- findings and red flags -----------------------------------------------------------------


def test_finding_changes_between_first_and_latest() -> None:
    def a(date: str, found: dict[str, bool]) -> dict[str, Any]:
        return {
            "date": date,
            "findings": [
                {
                    "id": k.split(":")[0],
                    "side": k.split(":")[1] or None,
                    "present": v,
                    "label": k.split(":")[0].replace("_", " "),
                }
                for k, v in found.items()
            ],
        }

    r = progress(
        [
            a(
                D1,
                {
                    "calf_gastrocnemius_tight:left": True,
                    "foot_pronation:left": True,
                    "hip_abductor_weak:right": True,
                    "knee_hyperextension:left": False,
                },
            ),
            a(
                D3,
                {
                    "calf_gastrocnemius_tight:left": False,
                    "foot_pronation:left": True,
                    "knee_hyperextension:left": True,
                },
            ),
        ]
    )
    status = {(f.id, f.side): f.status for f in r.findings}
    assert status == {
        ("calf_gastrocnemius_tight", "left"): "resolved",
        ("foot_pronation", "left"): "persisting",
        ("hip_abductor_weak", "right"): "not_retested",
        ("knee_hyperextension", "left"): "new",
    }
    assert "No longer found: calf gastrocnemius tight (left)" in r.summary


def test_red_flags_at_the_latest_assessment_come_first() -> None:
    latest = {**q(D3, nprs=4), "red_flags": {"urgency": "urgent", "refer": True}}
    r = progress([q(D1, nprs=6), latest])
    assert r.summary.startswith(
        "Red flags were recorded at the latest assessment (urgency: urgent)"
    )
    d = r.to_dict()
    assert list(d)[:2] == ["schema", "red_flags"] and d["red_flags"]["refer"] is True


# --- sessions -------------------------------------------------------------------------------


def s(date: str, ex: str, done: bool = True, pain: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"date": date, "exercise_id": ex, "completed": done}
    if pain is not None:
        out["pain_nprs"] = pain
    return out


def days(start: str, *offsets: int) -> list[str]:
    d0 = dt.date.fromisoformat(start)
    return [(d0 + dt.timedelta(days=k)).isoformat() for k in offsets]


def test_adherence_against_the_prescribed_frequency() -> None:
    # basic programme: glute bridge 3/week, plank 3/week, squat 3/week from week 3
    prog = build_program([], start=MONDAY)
    log = [s(d, "glute_bridge") for d in days(D1, 0, 2, 4, 6)]  # 4 in week 1: capped at 3
    log += [s(d, "glute_bridge") for d in days(D1, 7, 9, 11)]  # 3 in week 2
    log += [s(d, "plank") for d in days(D1, 0, 2, 4)]  # 3 in week 1, none in week 2
    log += [s(days(D1, 8)[0], "plank", done=False)]
    r = progress([q(D1, nprs=6)], log, program=prog, as_of=dt.date(2026, 1, 18))
    a = r.adherence
    assert a is not None and len(a.periods) == 1
    p = a.periods[0]
    # expected 2 weeks × (3 + 3) = 12; counted 3 + 3 (bridge) + 3 + 0 (plank) = 9 → 75 %
    assert p.expected == pytest.approx(12) and a.percent == pytest.approx(75.0)
    per = {e.exercise_id: e for e in p.per_exercise}
    assert per["glute_bridge"].completed == 7 and per["glute_bridge"].percent == pytest.approx(100)
    assert per["plank"].percent == pytest.approx(50)
    assert per["squat"].expected == 0 and per["squat"].percent is None
    assert [w.percent for w in p.per_week] == [pytest.approx(100), pytest.approx(50)]
    assert a.not_done == 1 and a.logged == 11
    assert "75 % of the prescribed sessions" in r.summary


def test_a_week_not_yet_over_is_pro_rated() -> None:
    prog = build_program([], start=MONDAY)
    log = [s(D1, "glute_bridge"), s(days(D1, 2)[0], "plank")]
    # as of Wednesday of week 1: 3 days of 7 → 3 × 3/7 = 1.29 sessions each expected
    r = progress([q(D1, nprs=6)], log, program=prog, as_of=dt.date(2026, 1, 7))
    p = r.adherence.periods[0]  # type: ignore[union-attr]
    assert p.per_week[0].days == 3
    assert p.expected == pytest.approx(2 * 9 / 7)
    assert r.adherence.percent == pytest.approx(100 * 2 / (18 / 7))  # type: ignore[union-attr]


def test_default_as_of_is_the_last_logged_session() -> None:
    prog = build_program([], start=MONDAY)
    r = progress([q(D1, nprs=6)], [s(days(D1, 6)[0], "plank")], program=prog)
    assert r.adherence.periods[0].counted_until == dt.date(2026, 1, 11)  # type: ignore


def test_unprescribed_and_out_of_programme_sessions_are_reported() -> None:
    prog = build_program([], start=MONDAY)
    log = [
        s("2026-01-01", "glute_bridge"),
        s(D1, "heel_raises"),
        s(D1, "glute_bridge"),
        s("2026-03-01", "plank"),
    ]
    r = progress([q(D1, nprs=6)], log, program=prog)
    a = r.adherence
    assert a is not None and a.unprescribed == {"heel_raises": 1}
    assert a.outside_programme == 2  # before the start and after the end


def test_programmes_from_the_assessments_split_the_log_into_periods() -> None:
    first = {**q(D1, nprs=6), "program": build_program([], start=MONDAY).to_dict()}
    second = {
        **q(D3, nprs=4),
        "program": build_program([], start=dt.date(2026, 2, 16), weeks=4).to_dict(),
    }
    log = [s(d, "glute_bridge") for d in days(D1, 0, 2, 4)]
    log += [s(d, "glute_bridge") for d in days(D3, 0, 2, 4)]
    r = progress([second, first], log)
    a = r.adherence
    assert a is not None and [p.program_start for p in a.periods] == [
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 16),
    ]
    # the first period runs to the last day before the second programme: 6 full weeks
    assert a.periods[0].counted_until == dt.date(2026, 2, 15) and len(a.periods[0].per_week) == 6


def test_sessions_without_a_programme() -> None:
    r = progress([q(D1, nprs=6)], [s(D1, "plank")])
    assert r.adherence is not None and r.adherence.percent is None
    assert "No prescribed programme" in r.summary
    assert progress([q(D1, nprs=6)]).adherence is None


@pytest.mark.parametrize(
    ("session", "field"),
    [
        ({"date": D1, "exercise_id": "yoga"}, "sessions[0].exercise_id"),
        ({"date": "yesterday", "exercise_id": "plank"}, "sessions[0].date"),
        ({"date": D1, "exercise_id": "plank", "pain_nprs": 11}, "sessions[0].pain_nprs"),
        ({"date": D1, "exercise_id": "plank", "completed": "yes"}, "sessions[0].completed"),
    ],
)
def test_bad_sessions_name_the_field(session: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as e:
        progress([q(D1, nprs=6)], [session])
    assert e.value.field == field


def test_pain_trend_beyond_the_nprs_mdc() -> None:
    prog = build_program([], start=MONDAY)
    log = [s(d, "plank", pain=p) for d, p in zip(days(D1, 0, 2, 14, 16), (5, 5, 3, 2), strict=True)]
    r = progress([q(D1, nprs=6)], log, program=prog)
    pain = r.pain
    assert pain is not None and [w for w, _, _ in pain.weekly] == [1, 3]
    assert pain.first_week_mean == 5 and pain.last_week_mean == pytest.approx(2.5)
    assert pain.change == pytest.approx(-2.5) and not pain.within_error
    assert pain.direction == "lower" and pain.slope_per_week is not None
    assert pain.slope_per_week < 0
    assert "5.0/10 in week 1 and 2.5/10 in week 3: down 2.5 points, more than" in r.summary


def test_small_pain_change_is_within_measurement_error() -> None:
    prog = build_program([], start=MONDAY)
    log = [s(D1, "plank", pain=5), s(days(D1, 7)[0], "plank", pain=4)]
    r = progress([q(D1, nprs=6)], log, program=prog)
    assert r.pain is not None and r.pain.within_error
    assert "4.0/10 in week 2: within measurement error (MDC 2 points)." in r.summary


# --- end to end -----------------------------------------------------------------------------


def _visit(data: dict[str, Any]) -> dict[str, Any]:
    intake = parse_intake(data, source="test")
    c = assess_clinical(intake).to_dict()
    findings = clinical_findings(c)
    prog = build_program(
        findings,
        red_flag_urgency=c["red_flags"]["urgency"],
        start=dt.date.fromisoformat(data["date"]),
        sitting_hours=9,
    )
    out = {**c, "findings": [f.to_dict() for f in findings], "program": prog.to_dict()}
    return json.loads(json.dumps(out))


def test_two_visits_from_intake_to_progress() -> None:
    first = intake_template()
    first["date"] = D1
    second = json.loads(json.dumps(first))
    second["date"] = D3
    second["tests"]["wblt_cm"]["left"] = 9.0  # +3.0 cm > MDC 1.9 cm
    second["questionnaires"]["nprs"] = 5  # −1 < MDC 2
    r = progress([_visit(first), _visit(second)])
    assert r.measure("wblt_cm", "left").verdict == "real_improvement"  # type: ignore
    assert r.measure("nprs").verdict == "within_measurement_error"  # type: ignore[union-attr]
    assert r.measure("odi").verdict == "no_change"  # type: ignore[union-attr]
    assert "within measurement error" in r.summary and "a real improvement" in r.summary
    d = json.loads(json.dumps(r.to_dict()))
    assert d["schema"] == "kinechain.progress/1" and d["thresholds"]["odi"]["mdc"] == 10
