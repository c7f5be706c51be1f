"""Prescription rules: a worked example for each finding the rules react to."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from kinechain.chain import Finding, clinical_findings
from kinechain.clinic import assess_clinical, intake_template, parse_intake
from kinechain.errors import InputError
from kinechain.program import FINDING_RULES, LIBRARY, Program, build_program

MONDAY = dt.date(2026, 1, 5)
LINK = {
    "calf": "calf",
    "ankle": "ankle",
    "foot": "foot",
    "knee": "knee",
    "pelvis": "pelvis",
    "hip": "hip",
    "hamstring": "hip",
    "lumbar": "lumbar",
    "lifestyle": "lifestyle",
}


def F(
    fid: str,
    side: str | None = None,
    *,
    present: bool = True,
    severity: str = "moderate",
    value: float | None = None,
    unit: str = "",
    source: str = "clinical_test",
) -> Finding:
    link = LINK[fid.split("_")[0]]
    return Finding(
        fid,
        side,
        link,
        fid,
        value,
        unit,
        None,
        None,
        present,
        severity,
        "calf_tightness",
        "",
        source,
    )


def ids(p: Program) -> list[str]:
    return [e.id for e in p.exercises]


def build(*findings: Finding, **kw: Any) -> Program:
    kw.setdefault("start", MONDAY)
    return build_program(list(findings), **kw)


BASE = {"glute_bridge", "plank", "squat"}


# --- calf -----------------------------------------------------------------------------------


def test_gastrocnemius_finding_gives_the_knee_straight_stretch_on_that_side() -> None:
    p = build(F("calf_gastrocnemius_tight", "left"))
    g = p.exercise("gastrocnemius_stretch")
    assert g is not None and p.exercise("soleus_stretch") is None
    assert g.sides == ("left",) and g.emphasis is None
    assert (g.dosage.sets, g.dosage.hold_s, g.dosage.times_per_day) == (3, 30, 3)
    assert g.finding_ids == ("calf_gastrocnemius_tight",)
    assert "knee straight" in g.why and "gastrocnemius" in g.why
    assert set(ids(p)) == BASE | {"gastrocnemius_stretch"}


def test_soleus_or_joint_finding_gives_the_knee_bent_stretch_and_a_joint_note() -> None:
    p = build(F("calf_soleus_or_joint_restricted", "right"))
    s = p.exercise("soleus_stretch")
    assert s is not None and s.sides == ("right",)
    assert p.exercise("gastrocnemius_stretch") is None
    assert any("joint mobilisation" in n for n in s.notes)


def test_a_severe_calf_restriction_asks_for_a_physical_therapist() -> None:
    p = build(F("calf_gastrocnemius_tight", "left", severity="severe"))
    g = p.exercise("gastrocnemius_stretch")
    assert g is not None and any("physical therapist should review" in n for n in g.notes)


def test_restricted_lunge_without_silfverskiold_gives_both_calf_stretches() -> None:
    p = build(F("ankle_wblt_restricted", "left"))
    for ex_id in ("gastrocnemius_stretch", "soleus_stretch"):
        e = p.exercise(ex_id)
        assert e is not None and e.sides == ("left",)
        assert e.finding_ids == ("ankle_wblt_restricted",)


def test_restricted_lunge_follows_the_silfverskiold_classification_of_that_side() -> None:
    p = build(F("calf_gastrocnemius_tight", "left"), F("ankle_wblt_restricted", "left"))
    g = p.exercise("gastrocnemius_stretch")
    assert p.exercise("soleus_stretch") is None
    assert g is not None and g.finding_ids == ("calf_gastrocnemius_tight", "ankle_wblt_restricted")
    assert "knee-to-wall" in g.why


def test_restricted_peak_dorsiflexion_in_gait_gives_both_stretches_and_a_gait_retest() -> None:
    p = build(F("ankle_peak_df_restricted", "right", source="gait"))
    assert p.exercise("gastrocnemius_stretch") is not None
    assert p.exercise("soleus_stretch") is not None
    assert p.exercise("soleus_stretch").sides == ("right",)  # type: ignore[union-attr]
    assert "gait_analysis" in p.retests[-1].measures
    assert "gait_analysis" not in p.retests[0].measures


def test_asymmetry_stretches_both_sides_with_an_extra_hold_on_the_stiffer_one() -> None:
    p = build(F("ankle_df_asymmetry", "left"))
    for ex_id in ("gastrocnemius_stretch", "soleus_stretch"):
        e = p.exercise(ex_id)
        assert e is not None and e.sides == ("left", "right") and e.emphasis == "left"
        assert "one extra hold on the left" in e.dosage_text
        assert e.side_text == "both sides, left side first"


def test_asymmetry_extends_the_stretch_already_chosen() -> None:
    p = build(F("calf_gastrocnemius_tight", "left"), F("ankle_df_asymmetry", "left"))
    g = p.exercise("gastrocnemius_stretch")
    assert g is not None and g.sides == ("left", "right") and g.emphasis == "left"
    assert p.exercise("soleus_stretch") is None


def test_absent_findings_prescribe_nothing() -> None:
    p = build(
        F("calf_gastrocnemius_tight", "left", present=False),
        F("calf_normal", "right", present=False),
    )
    assert set(ids(p)) == BASE
    assert not any("calf stretches" in n for n in p.notes)


# --- foot, knee, pelvis, hip ------------------------------------------------------------------


def test_pronation_gives_short_foot_on_that_side() -> None:
    p = build(F("foot_pronation", "right"))
    s = p.exercise("short_foot")
    assert s is not None and s.sides == ("right",) and s.finding_ids == ("foot_pronation",)
    assert "fpi6" in p.retests[0].measures


@pytest.mark.parametrize("fid", ["knee_hyperextension", "knee_hyperextension_stance"])
def test_knee_hyperextension_gives_hamstring_and_glute_strength_and_soft_knees(fid: str) -> None:
    p = build(F(fid, "left"))
    assert {"hamstring_bridge", "glute_bridge", "soft_knee_standing"} <= set(ids(p))
    soft = p.exercise("soft_knee_standing")
    assert soft is not None and any("locked knees" in n for n in soft.notes)
    assert fid in p.exercise("glute_bridge").finding_ids  # type: ignore[union-attr]


@pytest.mark.parametrize("fid", ["pelvis_anterior_tilt", "pelvis_anterior_tilt_gait"])
def test_anterior_pelvic_tilt_gives_hip_flexor_stretch_bridge_and_tilt_drill(fid: str) -> None:
    p = build(F(fid, "left"))
    assert {"hip_flexor_stretch", "glute_bridge", "posterior_pelvic_tilt"} <= set(ids(p))
    # the pelvis is one: both hips are stretched even though the finding has a side
    assert p.exercise("hip_flexor_stretch").sides == ("left", "right")  # type: ignore[union-attr]


def test_short_hip_flexor_gives_the_stretch_on_that_side() -> None:
    p = build(F("hip_flexor_short", "left"))
    assert p.exercise("hip_flexor_stretch").sides == ("left",)  # type: ignore[union-attr]
    assert "thomas_hip_deg" in p.retests[0].measures


def test_short_hamstrings_give_the_hamstring_stretch() -> None:
    p = build(F("hamstring_short", "right"))
    h = p.exercise("hamstring_stretch")
    assert h is not None and h.sides == ("right",)
    assert h.dosage.hold_s == 30 and h.dosage.days_per_week == 7


def test_weak_hip_abductors_give_side_lying_abduction_on_that_side() -> None:
    p = build(F("hip_abductor_weak", "right"))
    h = p.exercise("side_lying_hip_abduction")
    assert h is not None and h.sides == ("right",)
    assert (h.dosage.sets, h.dosage.reps, h.dosage.days_per_week) == (2, 10, 3)
    assert [w.dosage.reps for w in h.weeks] == [10, 10, 12, 12, 15, 15]


# --- core, lifestyle --------------------------------------------------------------------------


def test_no_findings_still_give_the_basic_glute_and_core_component() -> None:
    p = build()
    assert ids(p) == ["glute_bridge", "plank", "squat"]
    assert p.exercise("squat").start_week == 3  # type: ignore[union-attr]
    assert len(p.exercise("squat").weeks) == 4  # type: ignore[union-attr]
    assert "NICE NG59" in p.exercise("plank").why  # type: ignore[union-attr]
    assert p.exercise("plank").finding_ids == ()  # type: ignore[union-attr]


def test_low_back_pain_is_the_reason_for_the_core_component() -> None:
    p = build(F("lumbar_pain", severity="moderate", value=6))
    assert p.exercise("plank").finding_ids == ("lumbar_pain",)  # type: ignore[union-attr]
    assert p.exercise("dead_bug") is None
    assert p.not_addressed == ()


def test_severe_pain_starts_core_work_lying_down() -> None:
    p = build(F("lumbar_pain", severity="severe", value=8))
    assert p.exercise("plank") is None
    d = p.exercise("dead_bug")
    assert d is not None and d.finding_ids == ("lumbar_pain",)
    assert any("plank comes" in n for n in d.notes)


def test_any_lumbar_finding_feeds_the_core_component() -> None:
    p = build(F("lumbar_extension_gait", "left", source="gait"))
    assert "lumbar_extension_gait" in p.exercise("glute_bridge").finding_ids  # type: ignore


def test_prolonged_sitting_gives_one_walking_break_per_hour_sat() -> None:
    p = build(F("lifestyle_prolonged_sitting", value=9, unit="h/day"))
    w = p.exercise("walking_breaks")
    assert w is not None and w.dosage.times_per_day == 9 and w.dosage.duration_s == 180
    assert "about 9 hours" in w.why
    assert all(x.dosage.times_per_day == 9 for x in w.weeks)


def test_sitting_hours_alone_above_6_give_walking_breaks() -> None:
    p = build(sitting_hours=10.5)
    w = p.exercise("walking_breaks")
    assert w is not None and w.dosage.times_per_day == 11 and w.finding_ids == ()
    assert build(sitting_hours=6).exercise("walking_breaks") is None


def test_other_lifestyle_findings_become_advice() -> None:
    p = build(
        F("lifestyle_old_shoes", value=20, unit="months"), F("lifestyle_high_impact_without_warmup")
    )
    assert [a.finding_id for a in p.advice] == [
        "lifestyle_old_shoes",
        "lifestyle_high_impact_without_warmup",
    ]
    assert "Warm up" in p.advice[1].text
    assert p.not_addressed == ()


def test_findings_no_rule_reacts_to_are_listed() -> None:
    p = build(F("foot_out_toeing_gait", "left", source="gait"))
    assert p.not_addressed == ("foot_out_toeing_gait:left",)


@pytest.mark.parametrize("fid", sorted(k for k in FINDING_RULES if not k.endswith("*")))
def test_each_rule_of_the_table_prescribes_its_exercises(fid: str) -> None:
    p = build(F(fid, "left", value=9, unit="h/day"))
    assert set(FINDING_RULES[fid]) <= set(ids(p))
    assert all(fid in p.exercise(e).finding_ids for e in FINDING_RULES[fid])  # type: ignore


# --- red flags --------------------------------------------------------------------------------


def test_emergency_gives_an_empty_program_with_the_reason() -> None:
    p = build(
        F("calf_gastrocnemius_tight", "left"),
        red_flag_urgency="emergency",
        red_flag_detail="saddle anaesthesia",
    )
    assert p.withheld and p.exercises == () and p.plan == () and p.retests == ()
    d = p.to_dict()
    assert d["exercises"] == [] and d["retest_dates"] == []
    assert "Refer first" in d["withheld_reason"] and "emergency" in d["withheld_reason"]
    assert "saddle anaesthesia" in d["withheld_reason"]


def test_urgent_withholds_until_cleared_unless_the_clinician_says_otherwise() -> None:
    p = build(F("calf_gastrocnemius_tight", "left"), red_flag_urgency="urgent")
    assert p.withheld and "until a doctor" in (p.withheld_reason or "")
    q = build(
        F("calf_gastrocnemius_tight", "left"), red_flag_urgency="urgent", withhold_when_urgent=False
    )
    assert not q.withheld and "gastrocnemius_stretch" in ids(q)
    assert any("urgent red-flag referral" in n for n in q.notes)


# --- plan and re-tests ------------------------------------------------------------------------


def test_six_week_plan_with_dates_changes_and_retests() -> None:
    p = build(F("calf_gastrocnemius_tight", "left"), F("lumbar_pain", value=6))
    assert [w.week for w in p.plan] == [1, 2, 3, 4, 5, 6]
    assert p.plan[0].start == MONDAY and p.plan[0].end == dt.date(2026, 1, 11)
    assert p.plan[5].start == dt.date(2026, 2, 9) and p.end == dt.date(2026, 2, 15)
    assert any(c.startswith("Start Calf stretch") for c in p.plan[0].changes)
    wk3 = " ".join(p.plan[2].changes)
    assert "Start Squat" in wk3 and "Glute bridge" in wk3 and "Re-test on 2026-01-25" in wk3
    assert p.plan[1].changes == ("Same exercises and doses as last week.",)
    assert "Last week" in p.plan[5].changes[-1]
    assert [r.week for r in p.retests] == [3, 6]
    assert [r.date for r in p.retests] == [dt.date(2026, 1, 25), dt.date(2026, 2, 15)]
    assert p.retests[0].measures == (
        "wblt_cm",
        "df_knee_extended_deg",
        "df_knee_flexed_deg",
        "odi",
        "nprs",
    )
    assert p.plan[2].retest and not p.plan[3].retest


@pytest.mark.parametrize(("weeks", "retest_weeks"), [(4, [2, 4]), (8, [4, 8]), (2, [2]), (1, [1])])
def test_retest_weeks_follow_the_length(weeks: int, retest_weeks: list[int]) -> None:
    p = build(weeks=weeks)
    assert [r.week for r in p.retests] == retest_weeks
    assert len(p.plan) == weeks
    if weeks < 3:
        assert p.exercise("squat") is None  # it would start after the end


def test_older_adults_hold_stretches_60s() -> None:
    p = build(F("calf_gastrocnemius_tight", "left"), patient_age=70)
    g = p.exercise("gastrocnemius_stretch")
    assert g is not None and (g.dosage.sets, g.dosage.hold_s) == (2, 60)
    assert all(w.dosage.hold_s == 60 for w in g.weeks)
    assert any("65" in n for n in g.notes)
    assert build(patient_age=15).notes[-1].startswith("The doses are adult doses")


def test_a_clinician_may_add_foam_rolling() -> None:
    p = build(F("calf_gastrocnemius_tight", "left"), extra=("calf_foam_rolling",))
    r = p.exercise("calf_foam_rolling")
    assert r is not None and r.why == "Added by your clinician."
    assert not any("Foam rolling is not prescribed" in n for n in p.notes)
    q = build(F("calf_gastrocnemius_tight", "left"))
    assert q.exercise("calf_foam_rolling") is None
    assert any("Foam rolling is not prescribed" in n for n in q.notes)


def test_dict_findings_give_the_same_program() -> None:
    fs = [F("calf_gastrocnemius_tight", "left"), F("hip_abductor_weak", "right")]
    a = build(*fs).to_dict()
    b = build_program([f.to_dict() for f in fs], start=MONDAY).to_dict()
    assert a == b


def test_to_dict_is_json_ready_and_names_library_ids() -> None:
    p = build(
        F("calf_gastrocnemius_tight", "left"),
        F("foot_pronation", "left"),
        F("lifestyle_prolonged_sitting", value=9, unit="h/day"),
    )
    d = json.loads(json.dumps(p.to_dict()))
    assert d["schema"] == "kinechain.program/1" and d["withheld_reason"] is None
    assert all(e["id"] in LIBRARY for e in d["exercises"])
    assert d["retest_dates"] == ["2026-01-25", "2026-02-15"]
    e = d["exercises"][0]
    for key in (
        "sides",
        "dosage",
        "dosage_text",
        "why",
        "finding_ids",
        "weeks",
        "instructions",
        "progression",
        "cautions",
        "evidence_grade",
        "citation",
    ):
        assert key in e
    assert (
        e["dosage"]["sessions_per_week"]
        == e["dosage"]["times_per_day"] * e["dosage"]["days_per_week"]
    )


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"red_flag_urgency": "high"}, "red_flag_urgency"),
        ({"weeks": 0}, "weeks"),
        ({"weeks": 27}, "weeks"),
        ({"patient_age": 130}, "patient_age"),
        ({"sitting_hours": 30.0}, "sitting_hours"),
        ({"extra": ("yoga",)}, "extra[0]"),
    ],
)
def test_bad_arguments_name_the_field(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as e:
        build(**kw)
    assert e.value.field == field


def test_a_bad_finding_names_its_index() -> None:
    with pytest.raises(InputError) as e:
        build_program([{"id": "foot_pronation", "side": "middle"}], start=MONDAY)
    assert e.value.field == "findings[0].side"


def test_the_issue_example_from_intake_to_program() -> None:
    # 45-year-old: left 0° knee straight / 20° bent (gastrocnemius), WBLT 6.0 vs 11.5 cm,
    # FPI-6 left +8 (pronated), 9 h sitting, NPRS 6.
    intake = parse_intake(intake_template(), source="template")
    c = assess_clinical(intake).to_dict()
    p = build_program(
        clinical_findings(c),
        red_flag_urgency=c["red_flags"]["urgency"],
        start=MONDAY,
        patient_age=45,
        sitting_hours=9,
    )
    assert ids(p) == [
        "gastrocnemius_stretch",
        "short_foot",
        "glute_bridge",
        "plank",
        "walking_breaks",
        "squat",
    ]
    g = p.exercise("gastrocnemius_stretch")
    assert g is not None and g.emphasis == "left" and g.sides == ("left", "right")
    assert p.exercise("walking_breaks").dosage.times_per_day == 9  # type: ignore[union-attr]
    assert p.not_addressed == ()
