"""Questionnaires scored as published, with worked examples for every rule and band."""

from __future__ import annotations

import pytest

from kinechain.clinic import (
    OUTCOME_CHANGE,
    PsfsActivity,
    nprs_mcid,
    score_nprs,
    score_odi,
    score_psfs,
    score_questionnaires,
    score_rmdq,
    score_startback,
    startback_risk,
)

# --- ODI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "percent", "band"),
    [
        ([0] * 10, 0.0, "minimal"),
        ([1] * 10, 20.0, "minimal"),  # 10 / 50 × 100 = 20 → upper edge of 0–20
        ([1] * 9 + [2], 22.0, "moderate"),  # 11 / 50 = 22 %
        ([2] * 10, 40.0, "moderate"),  # 20 / 50 = 40 %
        ([2] * 9 + [3], 42.0, "severe"),  # 21 / 50
        ([3] * 10, 60.0, "severe"),  # 30 / 50
        ([3] * 9 + [4], 62.0, "crippled"),  # 31 / 50
        ([4] * 10, 80.0, "crippled"),  # 40 / 50
        ([4] * 9 + [5], 82.0, "bed_bound"),  # 41 / 50
        ([5] * 10, 100.0, "bed_bound"),
    ],
)
def test_odi_complete_and_bands(answers: list[int], percent: float, band: str) -> None:
    r = score_odi(answers)
    assert r.score_percent == pytest.approx(percent)
    assert r.band == band
    assert r.answered == 10 and r.missing_sections == () and r.reason == ""


def test_odi_scoring_guide_example_one_section_missing() -> None:
    # Scoring guide: 16 points with one section missed → 16 / 45 × 100 = 35.56 %.
    answers: list[int | None] = [2, 2, 2, 2, 2, 2, 2, None, 1, 1]
    r = score_odi(answers)
    assert r.raw_sum == 16 and r.answered == 9
    assert r.score_percent == pytest.approx(35.56)
    assert r.band == "moderate" and r.missing_sections == (8,)
    assert "out of 45" in r.reason


def test_odi_issue_example() -> None:
    # 2+1+2+1+0+2+1+1+2 = 12 over 9 sections → 12 / 45 × 100 = 26.67 % → moderate.
    r = score_odi([2, 1, 2, 1, 0, 2, 1, None, 1, 2])
    assert (r.score_percent, r.band) == (26.67, "moderate")


def test_odi_fractional_scores_band_on_the_exact_value() -> None:
    # 9 / 45 = 20.0 % → minimal; 10 / 45 = 22.2 % → moderate.
    assert score_odi([1] * 9 + [None]).band == "minimal"
    r = score_odi([1] * 8 + [2, None])
    assert r.score_percent == pytest.approx(22.22) and r.band == "moderate"
    # two missing: 8 / 40 = 20 % → minimal.
    assert score_odi([1] * 8 + [None, None]).score_percent == pytest.approx(20.0)


def test_odi_refused_beyond_two_missing_sections() -> None:
    r = score_odi([1, 1, 1, 1, 1, 1, 1, None, None, None])
    assert r.score_percent is None and r.band is None
    assert r.missing_sections == (8, 9, 10)
    assert "3 of 10 sections unanswered" in r.reason and "at most 2" in r.reason
    assert score_odi([None] * 10).score_percent is None


@pytest.mark.parametrize("answers", [[1] * 9, [1] * 9 + [6], [1] * 9 + [True]])
def test_odi_bad_input(answers: list[object]) -> None:
    with pytest.raises(ValueError):
        score_odi(answers)  # type: ignore[arg-type]


# --- NPRS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "mcid"),
    [(0, None), (1, 1.0), (4, 1.0), (5, 2.0), (7, 2.0), (8, 3.0), (10, 3.0)],
)
def test_nprs_mcid_depends_on_baseline(baseline: int, mcid: float | None) -> None:
    assert nprs_mcid(baseline) == mcid


def test_nprs_recovered_at_zero() -> None:
    assert score_nprs(0).recovered is True
    r = score_nprs(6)
    assert (r.score, r.recovered, r.mcid_points) == (6, False, 2.0)
    with pytest.raises(ValueError):
        score_nprs(11)


# --- STarT Back -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "total", "sub", "risk"),
    [
        # items 1–3 agree: total 3 → low.
        ([1, 1, 1, 0, 0, 0, 0, 0, 0], 3, 0, "low"),
        # total 3 even with subscale 3 (items 5, 6, 7) → still low (total ≤ 3 first).
        ([0, 0, 0, 0, 1, 1, 1, 0, 0], 3, 3, "low"),
        # total 4 (items 1–4), subscale 0 → medium.
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, 0, "medium"),
        # total 7, subscale 3 → medium.
        ([1, 1, 1, 1, 1, 1, 1, 0, 2], 7, 3, "medium"),
        # subscale items 5–8 agree = 4 → high.
        ([0, 0, 0, 0, 1, 1, 1, 1, 0], 4, 4, "high"),
        # item 9 "very much" (3) counts 1: subscale 3 + 1 = 4 → high.
        ([0, 0, 0, 0, 1, 1, 1, 0, 3], 4, 4, "high"),
        # item 9 "moderately" (2) counts 0: subscale 3, total 3 → low.
        ([0, 0, 0, 0, 1, 1, 1, 0, 2], 3, 3, "low"),
        # item 9 "extremely" (4) counts 1; everything agreed: total 9, subscale 5 → high.
        ([1, 1, 1, 1, 1, 1, 1, 1, 4], 9, 5, "high"),
        # the issue's example: items 1–8 give 4, item 9 = 3 → 1: total 5, subscale 3 → medium.
        ([1, 0, 1, 0, 1, 1, 0, 0, 3], 5, 3, "medium"),
    ],
)
def test_startback(answers: list[int], total: int, sub: int, risk: str) -> None:
    r = score_startback(answers)
    assert (r.total, r.psychosocial_subscale, r.risk, r.complete) == (total, sub, risk, True)
    assert startback_risk(total, sub) == risk


def test_startback_item9_dichotomised_at_very_much() -> None:
    # total from item 9 alone: 0, 1, 2 → 0 point; 3, 4 → 1 point.
    totals = [score_startback([0] * 8 + [a]).total for a in range(5)]
    assert totals == [0, 0, 0, 1, 1]


def test_startback_missing_items_decided_when_every_answer_gives_the_same_group() -> None:
    # Subscale already 4 (items 5–8) → high whatever items 1 and 9 are.
    r = score_startback([None, 0, 0, 0, 1, 1, 1, 1, None])
    assert (r.risk, r.total, r.complete, r.missing_items) == ("high", None, False, (1, 9))
    assert "whatever" in r.reason
    # Total at most 0 + 1 = 1 → low whatever item 8 is.
    assert score_startback([0, 0, 0, 0, 0, 0, 0, None, 0]).risk == "low"


def test_startback_missing_items_undecided_is_refused_with_reason() -> None:
    # Items 1–3 agree (3), item 4 missing: total 3 (low) or 4 (medium).
    r = score_startback([1, 1, 1, None, 0, 0, 0, 0, 0])
    assert r.risk is None and r.total is None
    assert "low or medium" in r.reason


@pytest.mark.parametrize("answers", [[0] * 8, [2] + [0] * 8, [0] * 8 + [5]])
def test_startback_bad_input(answers: list[int]) -> None:
    with pytest.raises(ValueError):
        score_startback(answers)


def test_startback_risk_rejects_impossible_pairs() -> None:
    with pytest.raises(ValueError):
        startback_risk(3, 4)


# --- RMDQ -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ticked", "score", "recovered"),
    [([], 0, True), ([4, 17], 2, True), ([1, 2, 3], 3, False), (list(range(1, 25)), 24, False)],
)
def test_rmdq_counts_ticked_statements(ticked: list[int], score: int, recovered: bool) -> None:
    r = score_rmdq(ticked)
    assert (r.score, r.recovered) == (score, recovered)


def test_rmdq_bad_input() -> None:
    with pytest.raises(ValueError):
        score_rmdq([25])
    with pytest.raises(ValueError):
        score_rmdq([3, 3])


# --- PSFS -------------------------------------------------------------------------------------


def test_psfs_mean() -> None:
    # (4 + 5 + 3) / 3 = 4.0
    r = score_psfs([("walking", 4), ("sitting", 5), ("lifting", 3)])
    assert (r.mean, r.n_activities, r.note) == (4.0, 3, "")
    # (3 + 4) / 2 = 3.5, fewer than the 3 recommended.
    r = score_psfs([PsfsActivity(activity="a", score=3), PsfsActivity(activity="b", score=4)])
    assert r.mean == 3.5 and "3 to 5" in r.note
    # (0 + 10 + 10 + 10 + 10) / 5 = 8.0
    assert score_psfs([("a", 0)] + [("b", 10)] * 4).mean == 8.0
    # 1/3 rounds to 2 decimals: (1 + 0 + 0) / 3 = 0.33
    assert score_psfs([("a", 1), ("b", 0), ("c", 0)]).mean == 0.33


@pytest.mark.parametrize("acts", [[], [("a", 1)] * 6, [("a", 11)]])
def test_psfs_bad_input(acts: list[tuple[str, int]]) -> None:
    with pytest.raises(ValueError):
        score_psfs(acts)


def test_score_questionnaires_absent_and_present() -> None:
    empty = score_questionnaires(None).to_dict()
    assert empty == {"odi": None, "nprs": None, "startback": None, "rmdq": None, "psfs": None}


# --- change thresholds for progress -----------------------------------------------------------


def test_outcome_change_thresholds_from_the_sources() -> None:
    assert OUTCOME_CHANGE["odi"].mcid_points == 10 and OUTCOME_CHANGE["odi"].mcid_percent == 30
    assert OUTCOME_CHANGE["odi"].mdc == 10
    assert OUTCOME_CHANGE["rmdq"].mcid_points == 5
    assert OUTCOME_CHANGE["nprs"].mcid_points == 2 and OUTCOME_CHANGE["nprs"].mdc == 2
    assert OUTCOME_CHANGE["psfs"].mcid_points == 2
    assert OUTCOME_CHANGE["psfs_single_activity"].mcid_points == 3
    assert OUTCOME_CHANGE["wblt_cm"].mdc == 1.9 and OUTCOME_CHANGE["wblt_deg"].mdc == 4.7
    assert OUTCOME_CHANGE["wblt_cm"].higher_is_better is True
    assert OUTCOME_CHANGE["odi"].higher_is_better is False


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (20.0, "minimal"),
        (20.01, "moderate"),
        (40.0, "moderate"),
        (40.01, "severe"),
        (60.0, "severe"),
        (60.01, "crippled"),
        (80.0, "crippled"),
        (80.01, "bed_bound"),
    ],
)
def test_odi_band_edges_are_upper_inclusive(score: float, band: str) -> None:
    from kinechain.clinic._questionnaires import _odi_band

    assert _odi_band(score)[0] == band
