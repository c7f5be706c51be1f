"""The same person with a normal ankle: the counterfactual model, checked by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kinechain.chain import Finding
from kinechain.load import (
    COUPLING_SCENARIOS,
    LumbarLoad,
    counterfactual,
    standing_lumbar_summary,
    static_lumbar_load,
)

ILLUSTRATION = {"upper_body_fraction": 0.55, "com_height_m": 0.22}


def test_static_counterfactual_by_hand() -> None:
    # Peak stance dorsiflexion 1.8° against the 11.8° norm: deficit 10°. Central coupling
    # 0.5 → 5° of extra anterior pelvic tilt; lumbar share 0.5 → 2.5° of forward trunk lean.
    measured = static_lumbar_load(2.5, 70.0, pelvic_tilt_deg=13.0 + 5.0, **ILLUSTRATION)
    cf = counterfactual(measured, peak_dorsiflexion_deg=1.8, lumbar_share=0.5)
    assert cf.label == "model estimate"
    assert cf.deficit_deg == pytest.approx(10.0)
    central = cf.scenarios["central"]
    assert central.pelvic_tilt_change_deg == pytest.approx(-5.0)
    assert central.trunk_change_deg == pytest.approx(-2.5)
    # With the compensation removed: upright trunk, pelvis at the reference tilt.
    normal = static_lumbar_load(0.0, 70.0, pelvic_tilt_deg=13.0, **ILLUSTRATION)
    assert central.peak_compression_n == pytest.approx(float(normal.compression_n))
    assert central.peak_shear_n == pytest.approx(0.0, abs=1e-9)
    share = 1.0 - float(normal.compression_n) / float(measured.compression_n)
    assert central.share["peak_compression"] == pytest.approx(share)
    assert central.share["peak_shear"] == pytest.approx(1.0)  # all the shear came from the tilt
    # By hand: W = 377.7 N; measured M = W (0.02 cos 2.5° + 0.22 sin 2.5°) = 11.17 N·m,
    # C = 223.5 + W cos 5° = 599.7 N; counterfactual C = 151.1 + 377.7 = 528.8 N → 11.8 %.
    assert float(measured.compression_n) == pytest.approx(599.7, abs=0.5)
    assert central.peak_compression_n == pytest.approx(528.8, abs=0.5)
    assert central.share["peak_compression"] == pytest.approx(0.118, abs=0.002)


def test_more_coupling_more_share() -> None:
    measured = static_lumbar_load(5.0, 70.0, pelvic_tilt_deg=25.0, **ILLUSTRATION)
    cf = counterfactual(measured, peak_dorsiflexion_deg={"left": 0.0, "right": 11.8})
    assert cf.deficit_deg == pytest.approx(5.9)  # mean of 11.8 and 0
    shares = [cf.scenarios[k].share["peak_compression"] for k in ("low", "central", "high")]
    assert shares == sorted(shares) and shares[0] > 0.0
    lo, hi = cf.share_range()
    assert (lo, hi) == (pytest.approx(shares[0]), pytest.approx(shares[-1]))
    assert set(cf.scenarios) == set(COUPLING_SCENARIOS)
    d = cf.to_dict()
    json.dumps(d)
    assert d["share_of_peak_compression_range"] == [lo, hi]
    assert any("MODEL ESTIMATE" in a for a in d["assumptions"])


def test_no_deficit_nothing_attributable() -> None:
    measured = static_lumbar_load(0.0, 70.0)
    cf = counterfactual(measured, peak_dorsiflexion_deg=15.0)
    assert cf.deficit_deg == 0.0
    for sc in cf.scenarios.values():
        assert all(v == pytest.approx(0.0, abs=1e-12) for v in sc.share.values())
    assert any("nothing is attributable" in a for a in cf.assumptions)
    with pytest.raises(ValueError, match="dorsiflexion"):
        counterfactual(measured)
    with pytest.raises(ValueError, match="lumbar_share"):
        counterfactual(measured, peak_dorsiflexion_deg=5.0, lumbar_share=1.5)


def test_gait_counterfactual_hc032(lumbar: LumbarLoad) -> None:
    # HC032A03: peak stance dorsiflexion left ≈ 14°, right ≈ 8° → deficit (0 + 3.7) / 2.
    df = lumbar.peak_stance_dorsiflexion_deg
    assert 12.0 < df["left"] < 16.0 and 6.0 < df["right"] < 10.0
    cf = counterfactual(lumbar)
    assert cf.deficit_deg == pytest.approx(max(0.0, 11.8 - df["right"]) / 2)
    lo, hi = cf.share_range()
    # A small deficit: a small share, either way.
    assert -0.05 < lo <= hi < 0.05
    # A severe deficit (0° both sides) with the trunk fully following the pelvis moves more.
    big = counterfactual(lumbar, peak_dorsiflexion_deg=0.0, lumbar_share=0.0)
    c = big.scenarios["high"]
    assert c.pelvic_tilt_change_deg == pytest.approx(-11.8)
    assert c.compression_n is not None
    assert np.isnan(c.compression_n[~lumbar.valid]).all()
    assert abs(c.share["peak_compression"]) > abs(cf.scenarios["high"].share["peak_compression"])
    json.dumps(big.to_dict())


def _finding(fid: str, value: float, side: str | None = None) -> Finding:
    return Finding(
        fid, side, "ankle", fid, value, "deg", None, None, True, "mild", "x", "y", "gait"
    )


def test_standing_summary_for_the_assessment() -> None:
    plain = standing_lumbar_summary(body_mass_kg=62.0, sex="female")
    json.dumps(plain)
    assert plain["posture"] == "standing upright" and "counterfactual" not in plain
    assert 300 < plain["compression_n"] < 700 and plain["shear_n"] == pytest.approx(0.0)
    findings = [
        _finding("pelvis_anterior_tilt", 25.0),
        _finding("ankle_peak_df_restricted", 4.0, "left"),
        {"id": "ankle_peak_df_restricted", "side": "right", "value": 9.0},
    ]
    s = standing_lumbar_summary(body_mass_kg=62.0, sex="female", findings=findings)
    assert s["disc_inclination_deg"] == pytest.approx(25.0 - 13.0)
    assert s["shear_n"] > 50.0
    assert s["counterfactual"]["deficit_deg"] == pytest.approx((7.8 + 2.8) / 2)
    assert s["counterfactual"]["label"] == "model estimate"
