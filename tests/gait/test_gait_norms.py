"""Bundled normative sets and user-supplied normative CSV files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from kinechain.errors import NormsError
from kinechain.gait import (
    DEFAULT_NORMS,
    GPS_VARIABLES,
    NormSet,
    available_norms,
    load_norms,
    parse_norms,
    read_norms,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "norms"

SCHWARTZ_NAMES = {
    "Pelvic Ant/Posterior Tilt": "pelvic_tilt",
    "Pelvic Up/Down Obliquity": "pelvic_obliquity",
    "Pelvic Int/External Rotation": "pelvic_rotation",
    "Hip Flex/Extension": "hip_flexion",
    "Hip Ad/Abduction": "hip_adduction",
    "Hip Int/External Rotation": "hip_internal_rotation",
    "Knee Flex/Extension": "knee_flexion",
    "Ankle Dorsi/Plantarflexion": "ankle_dorsiflexion",
    "Foot Int/External Progression": "foot_progression",
}


def test_available_and_default() -> None:
    names = available_norms()
    assert names[0] == DEFAULT_NORMS == "schwartz2008_free"
    for speed in ("veryslow", "slow", "free", "fast", "veryfast"):
        assert f"schwartz2008_{speed}" in names
    for group in ("adult", "young", "older"):
        assert f"fukuchi2018_{group}" in names
    assert load_norms() is load_norms(DEFAULT_NORMS)


def test_schwartz_free_matches_the_source_csv() -> None:
    ns = load_norms("schwartz2008_free")
    assert "J Biomech 2008;41:1639-1650" in ns.citation
    assert "Schwartz MH, Rozumalski A, Trost JP" in ns.citation
    assert "Plug-in Gait" in ns.meta["model"]
    assert set(GPS_VARIABLES) <= set(ns.variables)
    with (SHARED / "schwartz2008" / "schwartz2008_joint_angles_deg.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    checked = 0
    for row in rows:
        var = SCHWARTZ_NAMES.get(row["Angle"])
        if var is None:
            continue
        pct = round(float(row["PercentageGaitCycle"]) * 100)
        mean, sd = ns.variables[var]
        assert mean.shape == sd.shape == (101,)
        assert mean[pct] == pytest.approx(float(row["FreeMean"]), abs=1e-4)
        assert sd[pct] == pytest.approx(float(row["FreeSd"]), abs=1e-4)
        checked += 1
    assert checked == 9 * 51
    # Odd percents are linear interpolations of the 2 % grid.
    m = ns.variables["knee_flexion"][0]
    assert m[13] == pytest.approx((m[12] + m[14]) / 2)


def test_schwartz_free_features_and_signs() -> None:
    ns = load_norms("schwartz2008_free")
    df, df_sd = ns.variables["ankle_dorsiflexion"]
    k = int(np.argmax(df[:61]))
    # reference/clinical.md 2a (from the same data): peak stance DF 11.8 ± 4.9 deg at 46 %.
    assert (k, round(float(df[k]), 1), round(float(df_sd[k]), 1)) == (46, 11.8, 4.9)
    knee = ns.variables["knee_flexion"][0]
    assert int(np.argmax(knee)) == 72 and knee.max() == pytest.approx(59.1, abs=0.05)
    # Plug-in Gait signs: ipsilateral pelvis up in loading response, forward at foot strike,
    # hip adducted in stance, foot externally rotated.
    assert ns.variables["pelvic_obliquity"][0][10] > 2
    assert ns.variables["pelvic_rotation"][0][0] > 3
    assert ns.variables["hip_adduction"][0][20] > 3
    assert ns.variables["foot_progression"][0].max() < 0
    # Between-subject scalars from the workbook's ANOVA sheet (free speed, n = 82).
    sc = ns.scalars
    assert (sc["pelvic_tilt_mean"].mean, sc["pelvic_tilt_mean"].sd) == pytest.approx(
        (11.8916, 4.7722)
    )
    assert sc["pelvic_tilt_range"].mean == pytest.approx(4.5956)
    assert sc["ankle_dorsiflexion_peak_stance"].mean == pytest.approx(12.7985)
    assert sc["knee_flexion_min_stance"].sd == pytest.approx(4.2508)
    assert sc["ankle_dorsiflexion_peak_stance_time_pct_stance"].unit == "% stance"
    assert (sc["stance"].mean, sc["stance"].sd, sc["stance"].unit) == (59.0, 2.0, "% cycle")


def test_fukuchi_adult_matches_the_source_and_warns() -> None:
    ns = load_norms("fukuchi2018_adult")
    assert "PeerJ 2018;6:e4640" in ns.citation
    assert "NOT Plug-in Gait" in ns.meta["model"]
    assert "foot_progression" not in ns.variables
    assert "hip_internal_rotation" not in ns.variables
    with (SHARED / "fukuchi2018" / "fukuchi2018_adult_angles_deg.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["group"] == "all"]
    src = {
        (r["angle"], int(r["percent_gait_cycle"])): (float(r["mean"]), float(r["sd"])) for r in rows
    }
    mean, sd = ns.variables["ankle_dorsiflexion"]
    for p in (0, 37, 100):
        assert (mean[p], sd[p]) == pytest.approx(src[("ankle_dorsiflexion", p)], abs=1e-4)
    assert ns.variables["pelvic_tilt"][0][50] == pytest.approx(src[("pelvis_tilt", 50)][0])
    assert ns.scalars["ankle_dorsiflexion_peak_stance"].mean == pytest.approx(13.82)


def test_user_csv_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "lab_norms.csv"
    path.write_text(
        "# citation: Our lab, 2024\n"
        "variable,percent,mean,sd\n"
        "knee_flexion,0,5,2\n"
        "knee_flexion,50,25,4\n"
        "knee_flexion,100,5,2\n"
        "pelvic_tilt_mean,,10,3\n",
        encoding="utf-8",
    )
    ns = load_norms(path)
    assert isinstance(ns, NormSet)
    assert ns.name == "lab_norms" and ns.citation == "Our lab, 2024"
    mean, sd = ns.curve("knee_flexion")
    assert mean[25] == pytest.approx(15.0) and sd[75] == pytest.approx(3.0)
    assert ns.units["knee_flexion"] == "deg"
    assert ns.scalars["pelvic_tilt_mean"].mean == 10.0
    assert read_norms(str(path)).variables["knee_flexion"][0][50] == 25.0
    assert load_norms(ns) is ns
    with pytest.raises(NormsError, match="no variable 'hip_flexion'"):
        ns.curve("hip_flexion")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("variable,pct,mean,sd\nx,0,1,1\n", "row 1: header lacks column\\(s\\) percent"),
        ("variable,percent,mean,sd\nx,0,abc,1\n", "row 2: mean 'abc' is not a number"),
        ("variable,percent,mean,sd\nx,0,1,-1\n", "row 2: sd -1.0 is negative"),
        ("variable,percent,mean,sd\nx,0,1,nan\n", "row 2: sd 'nan' is not a finite number"),
        ("variable,percent,mean,sd\nx,0,1,1\nx,0,1,1\n", "row 3: percent 0.0 of 'x' does not"),
        ("variable,percent,mean,sd\nx,0,1,1\nx,50,1,1\n", "curve 'x' must run from percent 0"),
        ("variable,percent,mean,sd\nx,120,1,1\n", "row 2: percent 120.0 is outside"),
        ("variable,percent,mean,sd\ns,,1,1\ns,,2,1\n", "row 3: variable 's' given twice"),
        ("variable,percent,mean,sd\n,0,1,1\n", "row 2: empty variable name"),
        ("variable,percent,mean,sd\nx,0\n", "row 2: expected at least 4 columns"),
        ("# only a comment\n", "no header line"),
        ("variable,percent,mean,sd\n", "no data rows"),
    ],
)
def test_malformed_csv_names_file_row_and_problem(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(NormsError, match=problem) as info:
        read_norms(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "\n" not in message


def test_unknown_name_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NormsError, match=r"unknown normative set 'nope'.*schwartz2008_free"):
        load_norms("nope")
    with pytest.raises(NormsError, match=r"missing\.csv: cannot read"):
        load_norms(tmp_path / "missing.csv")


def test_parse_without_file() -> None:
    ns = parse_norms("variable,percent,mean,sd,unit\nv,0,1,0,N\nv,100,3,0,N\n", source="mem")
    assert ns.name == "mem" and ns.units["v"] == "N"
    np.testing.assert_allclose(ns.variables["v"][0], np.linspace(1, 3, 101))
