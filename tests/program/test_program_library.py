"""The exercise library: every entry complete, doses as the sources give them."""

from __future__ import annotations

import json

import pytest

from kinechain.chain import LINKS
from kinechain.clinic import EVIDENCE
from kinechain.program import LIBRARY, Dosage, older_adult_dose

REQUIRED = (
    "gastrocnemius_stretch",
    "soleus_stretch",
    "calf_foam_rolling",
    "glute_bridge",
    "side_lying_hip_abduction",
    "plank",
    "squat",
    "hip_flexor_stretch",
    "walking_breaks",
)
EXTRA = (
    "hamstring_stretch",
    "dead_bug",
    "bird_dog",
    "heel_raises",
    "short_foot",
    "posterior_pelvic_tilt",
    "hamstring_bridge",
    "soft_knee_standing",
)


def test_the_issue_ids_and_the_extras_are_in_the_library() -> None:
    assert set(REQUIRED) <= set(LIBRARY)
    assert set(EXTRA) <= set(LIBRARY)


@pytest.mark.parametrize("ex_id", sorted(LIBRARY))
def test_every_entry_is_complete(ex_id: str) -> None:
    ex = LIBRARY[ex_id]
    assert ex.id == ex_id
    assert ex.name and ex.target and ex.regression and ex.progression_text
    assert ex.link in (*LINKS, "lifestyle")
    assert len(ex.instructions) >= 3 and all(s.strip() for s in ex.instructions)
    # numbered by position: the steps themselves carry no numbers
    assert not any(s[:2].rstrip(".").isdigit() for s in ex.instructions)
    assert ex.cautions and all(c for c in ex.cautions)
    assert ex.evidence is None or ex.evidence in EVIDENCE
    assert ex.evidence_note and ex.citation
    assert ex.dosage.sets >= 1 and ex.dosage.sessions_per_week >= 1
    weeks = [s.from_week for s in ex.progression]
    assert weeks == sorted(weeks) and all(w >= 2 for w in weeks)
    json.dumps(ex.to_dict())


def test_gastrocnemius_stretch_is_knee_straight_30s_x3_several_times_a_day() -> None:
    ex = LIBRARY["gastrocnemius_stretch"]
    d = ex.dosage
    assert (d.sets, d.hold_s, d.reps) == (3, 30, None)
    assert d.times_per_day >= 2 and d.days_per_week == 7  # several a day, daily (ACSM)
    assert "knee straight" in " ".join(ex.instructions)
    assert "Garber" in ex.citation and "Johnson" in ex.citation and "Radford" in ex.citation
    assert d.text() == "3 × 30 s hold on each side, 3 times a day, every day"


def test_soleus_stretch_is_knee_bent() -> None:
    ex = LIBRARY["soleus_stretch"]
    assert "bend both knees" in " ".join(ex.instructions)
    assert ex.target == "soleus" and ex.dosage.hold_s == 30


def test_foam_rolling_says_it_gives_no_dorsiflexion() -> None:
    ex = LIBRARY["calf_foam_rolling"]
    assert "did not increase ankle dorsiflexion" in ex.evidence_note
    assert "Konrad et al. 2022" in ex.citation and "Konrad et al. 2021" in ex.citation
    assert ex.evidence == "calf_foam_rolling"


@pytest.mark.parametrize("ex_id", [k for k, e in LIBRARY.items() if e.kind == "strength"])
def test_strength_work_is_2_to_3_days_a_week(ex_id: str) -> None:
    ex = LIBRARY[ex_id]
    for d in (ex.dosage, *(s.dosage for s in ex.progression)):
        assert 2 <= d.days_per_week <= 3 and d.times_per_day == 1
        assert d.reps is not None or d.hold_s is not None


def test_glute_bridge_progresses_week_by_week() -> None:
    ex = LIBRARY["glute_bridge"]
    d1, c1 = ex.dose_for_week(1)
    d2, c2 = ex.dose_for_week(2)
    d3, c3 = ex.dose_for_week(3)
    d4, c4 = ex.dose_for_week(4)
    d5, c5 = ex.dose_for_week(5)
    assert (d1.sets, d1.reps, d1.hold_s, c1) == (2, 10, 2, None)
    assert d2 == d1 and c2 is None
    assert (d3.sets, d3.reps) == (3, 12) and c3 and "set" in c3
    assert d4 == d3 and c4 is None
    assert d5.hold_s == 5 and c5 and "5 s" in c5
    assert ex.dose_for_week(12)[0] == d5  # the last stage carries on


@pytest.mark.parametrize(
    ("dosage", "text"),
    [
        (
            Dosage(sets=3, hold_s=30, times_per_day=3, per_side=True),
            "3 × 30 s hold on each side, 3 times a day, every day",
        ),
        (
            Dosage(sets=2, reps=10, hold_s=2, days_per_week=3),
            "2 × 10 reps (hold 2 s each), 3 days a week",
        ),
        (Dosage(sets=1, duration_s=180, times_per_day=9), "3 min, 9 times a day, every day"),
        (
            Dosage(sets=2, duration_s=45, times_per_day=2, days_per_week=3),
            "2 × 45 s, twice a day, 3 days a week",
        ),
        (Dosage(sets=3, hold_s=30), "3 × 30 s hold, once a day, every day"),
    ],
)
def test_dosage_in_words(dosage: Dosage, text: str) -> None:
    assert dosage.text() == text


def test_sessions_per_week() -> None:
    assert Dosage(sets=3, hold_s=30, times_per_day=3, days_per_week=7).sessions_per_week == 21
    assert Dosage(sets=2, reps=10, days_per_week=3).sessions_per_week == 3


def test_older_adults_hold_stretches_longer() -> None:
    # ACSM (Garber 2011): 30–60 s holds in older adults; kinechain uses 2 × 60 s.
    d = older_adult_dose(LIBRARY["gastrocnemius_stretch"].dosage)
    assert (d.sets, d.hold_s, d.times_per_day) == (2, 60, 3)
    strength = LIBRARY["glute_bridge"].dosage
    assert older_adult_dose(strength) == strength
