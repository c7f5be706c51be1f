"""Gait findings and the stride-by-stride test of the chain: worked examples."""

from __future__ import annotations

import pytest

from kinechain.chain._gait import gait_findings, stride_associations


def _chain(df: list[float], knee: list[float], tilt: list[float]) -> dict[str, object]:
    def m(v: list[float], **kw: object) -> dict[str, object]:
        return {"per_stride": v, "mean": sum(v) / len(v), **kw}

    return {
        "left": {
            "peak_stance_dorsiflexion": m(df),
            "knee_flexion_min_stance": m(knee),
            "pelvic_tilt_mean": m(
                tilt, norm_mean=11.9, norm_sd=4.8, z=(sum(tilt) / len(tilt) - 11.9) / 4.8
            ),
        }
    }


def test_association_worked_example_not_supported() -> None:
    # x = 1..5, y = 2,1,4,3,5: Σdxdy = 8, Σdx² = Σdy² = 10 → r = 0.8.
    # Fisher z: atanh(0.8) = 1.0986, SE = 1/√2, CI = tanh(1.0986 ± 1.386) = (−0.280, 0.986)
    chain = _chain([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], [1, 2, 3, 4, 5])
    knee = next(
        a
        for a in stride_associations(chain)
        if a.target == "knee_flexion_min_stance" and a.side == "left"
    )
    assert knee.n == 5
    assert knee.r == pytest.approx(0.8)
    assert knee.ci == pytest.approx((-0.2796, 0.9862), abs=1e-3)
    assert knee.verdict == "not_supported"
    assert "do not show" in knee.statement


def test_association_worked_example_supported_and_contradicted() -> None:
    # x = 1..8, y = 1,3,2,4,6,5,7,8: Σdxdy = 40, Σdx² = Σdy² = 42 → r = 0.9524;
    # CI = tanh(1.8568 ± 1.96/√5) = (0.753, 0.992)
    x = [1, 2, 3, 4, 5, 6, 7, 8]
    y = [1, 3, 2, 4, 6, 5, 7, 8]
    res = {a.target: a for a in stride_associations(_chain(x, y, y)) if a.side == "left"}
    knee, tilt = res["knee_flexion_min_stance"], res["pelvic_tilt_mean"]
    assert knee.r == pytest.approx(40 / 42)
    assert knee.ci == pytest.approx((0.7532, 0.9916), abs=1e-3)
    # less dorsiflexion with less knee flexion (towards hyperextension): what the chain predicts
    assert knee.verdict == "supported"
    # less dorsiflexion with LESS anterior tilt: the opposite of the chain
    assert tilt.verdict == "contradicted"


def test_too_few_strides_is_said_plainly() -> None:
    res = stride_associations(_chain([8.0, 9.0], [1.0, 2.0], [10.0, 12.0]))
    assert {a.verdict for a in res} == {"too_few_strides"}
    assert all("too few" in a.statement for a in res)


def test_gait_findings_thresholds() -> None:
    chain = _chain([4.0, 6.0], [-3.0, -1.0], [22.0, 22.0])
    found = {f.id: f for f in gait_findings(chain, norms="schwartz2008_free")}
    df = found["ankle_peak_df_restricted"]
    assert df.value == pytest.approx(5.0) and df.present and df.severity == "mild"
    knee = found["knee_hyperextension_stance"]
    assert knee.value == pytest.approx(-2.0) and knee.present and knee.severity == "mild"
    tilt = found["pelvis_anterior_tilt_gait"]
    # z = (22 − 11.9) / 4.8 = 2.10 → outside mean ± 2 SD: present, mild
    assert tilt.present and tilt.severity == "mild"
    assert tilt.normal_high == pytest.approx(11.9 + 9.6)
