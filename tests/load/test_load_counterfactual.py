"""The same person with a normal ankle: the counterfactual model, checked by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from kinechain.chain import Finding
from kinechain.load import (
    COUPLING_SCENARIOS,
    NORM_PEAK_DORSIFLEXION_DEG,
    LumbarLoad,
    counterfactual,
    gait_lumbar_summary,
    standing_lumbar_summary,
    static_lumbar_load,
)


def test_defaults_are_the_documented_ones() -> None:
    assert NORM_PEAK_DORSIFLEXION_DEG == 10.0  # Rao et al. 2024 threshold
    assert COUPLING_SCENARIOS == {"low": 0.0, "central": 0.25, "high": 0.5}


def test_static_counterfactual_by_hand() -> None:
    # Peak stance dorsiflexion 0° against 10°: deficit 10°. Coupling 0.5 → 5° of extra anterior
    # pelvic tilt; lumbar share 0.5 → 2.5° of it leans the trunk forward.
    measured = static_lumbar_load(2.5, 70.0, pelvic_tilt_deg=13.0 + 5.0)
    cf = counterfactual(measured, peak_dorsiflexion_deg=0.0, coupling={"c": 0.5}, lumbar_share=0.5)
    assert cf.label == "model estimate"
    assert cf.deficit_deg == pytest.approx(10.0)
    sc = cf.scenarios["c"]
    assert (sc.pelvic_tilt_change_deg, sc.trunk_change_deg) == (
        pytest.approx(-5.0),
        pytest.approx(-2.5),
    )
    # With the compensation removed: upright trunk, pelvis at the reference tilt.
    normal = static_lumbar_load(0.0, 70.0, pelvic_tilt_deg=13.0)
    assert sc.peak_compression_n == pytest.approx(normal.compression_n)
    assert sc.peak_shear_n == pytest.approx(0.0, abs=1e-9)
    assert sc.share["peak_shear"] == pytest.approx(1.0)  # all the shear came from the tilt
    # By hand: W = 377.7 N; measured M = W (0.02 cos 2.5° + 0.22 sin 2.5°) = 11.17 N·m,
    # C = 223.5 + W cos 5° = 599.7 N; counterfactual C = 151.1 + 377.7 = 528.8 N → 11.8 %.
    assert measured.compression_n == pytest.approx(599.7, abs=0.5)
    assert sc.peak_compression_n == pytest.approx(528.8, abs=0.5)
    assert sc.share["peak_compression"] == pytest.approx(0.118, abs=0.002)


def test_trunk_upright_by_default_only_shear_moves() -> None:
    measured = static_lumbar_load(0.0, 70.0, pelvic_tilt_deg=13.0 + 3.0)
    cf = counterfactual(measured, peak_dorsiflexion_deg=4.0)  # deficit 6°, central 1.5°
    sc = cf.scenarios["central"]
    assert sc.trunk_change_deg == pytest.approx(0.0)
    w = measured.upper_body_weight_n
    assert sc.peak_shear_n == pytest.approx(w * math.sin(math.radians(1.5)))
    assert sc.share["peak_shear"] == pytest.approx(
        1 - math.sin(math.radians(1.5)) / math.sin(math.radians(3.0))
    )
    # Turning the disc back puts a little more of the weight along it: compression rises.
    assert sc.share["peak_compression"] < 0.0


def test_more_coupling_more_share() -> None:
    measured = static_lumbar_load(5.0, 70.0, pelvic_tilt_deg=25.0)
    cf = counterfactual(
        measured, peak_dorsiflexion_deg={"left": 0.0, "right": 11.8}, lumbar_share=0.5
    )
    assert cf.deficit_deg == pytest.approx(10.0)  # the worse side
    shares = [cf.scenarios[k].share["peak_compression"] for k in ("low", "central", "high")]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[1] > 0.0
    lo, hi = cf.share_range()
    assert (lo, hi) == (pytest.approx(shares[0]), pytest.approx(shares[-1]))
    d = cf.to_dict()
    json.dumps(d)
    assert d["share_of_peak_compression_range"] == [lo, hi]
    assert any("MODEL ESTIMATE" in a for a in d["assumptions"])
    assert d["statement"].startswith("Model estimate, not a measurement")


def test_no_deficit_nothing_attributable() -> None:
    measured = static_lumbar_load(0.0, 70.0)
    cf = counterfactual(measured, peak_dorsiflexion_deg=15.0)
    assert cf.deficit_deg == 0.0
    for sc in cf.scenarios.values():
        assert all(v == pytest.approx(0.0, abs=1e-12) for v in sc.share.values())
    assert any("nothing is attributable" in a for a in cf.assumptions)
    assert "no dorsiflexion deficit" in cf.statement()
    with pytest.raises(ValueError, match="dorsiflexion"):
        counterfactual(measured)
    with pytest.raises(ValueError, match="lumbar_share"):
        counterfactual(measured, peak_dorsiflexion_deg=5.0, lumbar_share=1.5)


def test_gait_counterfactual_hc032(lumbar: LumbarLoad) -> None:
    # HC032A03: peak stance dorsiflexion left ≈ 14°, right ≈ 8° → deficit 10 − 8.
    df = lumbar.peak_stance_dorsiflexion_deg
    assert 12.0 < df["left"] < 16.0 and 6.0 < df["right"] < 10.0
    cf = counterfactual(lumbar)
    assert cf.deficit_deg == pytest.approx(10.0 - df["right"])
    lo, hi = cf.share_range()
    assert lo == 0.0  # no coupling
    assert -0.05 < hi < 0.05  # a small deficit, a small share either way
    lo_s, hi_s = cf.share_range("peak_shear")
    assert lo_s == 0.0 and 0.0 < hi_s < 0.5
    # A severe deficit (0°) with the trunk fully following the pelvis moves more.
    big = counterfactual(lumbar, peak_dorsiflexion_deg=0.0, lumbar_share=0.0)
    c = big.scenarios["high"]
    assert c.pelvic_tilt_change_deg == pytest.approx(-5.0)
    assert c.trunk_change_deg == pytest.approx(-5.0)
    assert c.compression_n is not None
    assert np.isnan(c.compression_n[~lumbar.valid]).all()
    # The walking L5/S1 moment of this child is mostly a flexion moment (bottom-up), so
    # leaning the trunk back *raises* it: the sign of the share is the model's, not assumed.
    assert abs(c.share["peak_compression"]) > abs(cf.scenarios["high"].share["peak_compression"])
    assert abs(c.share["peak_compression"]) > 0.05
    json.dumps(big.to_dict())


def _finding(fid: str, value: float, side: str | None = None) -> Finding:
    return Finding(
        fid, side, "ankle", fid, value, "deg", None, None, True, "mild", "x", "y", "gait"
    )


def test_standing_summary_with_a_measured_tilt() -> None:
    plain = standing_lumbar_summary(body_mass_kg=62.0, sex="female", height_m=1.65)
    json.dumps(plain)
    assert plain["posture"] == "upright standing" and "counterfactual" not in plain
    assert 300 < plain["compression_n"] < 700 and plain["shear_n"] == pytest.approx(0.0)
    findings = [
        _finding("pelvis_anterior_tilt", 25.0),
        _finding("ankle_peak_df_restricted", 4.0, "left"),
        {"id": "ankle_peak_df_restricted", "side": "right", "value": 9.0},
    ]
    s = standing_lumbar_summary(body_mass_kg=62.0, sex="female", height_m=1.65, findings=findings)
    json.dumps(s)
    assert s["disc_inclination_deg"] == pytest.approx(25.0 - 13.0)
    assert s["shear_n"] > 50.0
    cf = s["counterfactual"]
    assert cf["dorsiflexion_deficit_deg"] == pytest.approx(6.0)  # worse side: 10 − 4
    assert cf["measured_standing_pelvic_tilt"] is True
    central = cf["estimates"]["central"]
    # The measured posture already holds the compensation: 1.5° of the 12° is removed.
    assert central["shear_n"] == pytest.approx(s["shear_n"])
    assert central["shear_share_from_compensation"] == pytest.approx(
        1 - math.sin(math.radians(10.5)) / math.sin(math.radians(12.0))
    )
    assert "Model estimate" in cf["statement"]


def test_gait_summary_for_metrics_json(lumbar: LumbarLoad) -> None:
    d = gait_lumbar_summary(lumbar)
    json.dumps(d)
    # The keys the assessment report shows.
    for key in (
        "model",
        "peak_compression_n",
        "peak_shear_n",
        "peak_moment_nm",
        "niosh_action_limit_n",
        "niosh_max_limit_n",
        "shear_limit_n",
        "compression_share_of_action_limit",
        "assumptions",
    ):
        assert d[key] is not None, key
    assert d["counterfactual"]["statement"].startswith("Model estimate")
