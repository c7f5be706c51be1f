"""Benchmark `kinechain assess`: with and without gait, the report and the PDF handout.

In-process after imports, median of ``--repeat`` runs. The gait input is the HC032A03 analysis
(metrics.json content computed in-process, as `kinechain analyze` writes it).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def timeit(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import kinechain
    from kinechain._assess import assess
    from kinechain.clinic import intake_template, parse_intake
    from kinechain.io import read_c3d
    from kinechain.io._results import clean_json
    from kinechain.report import render_assessment_report, render_handout

    intake = parse_intake(intake_template(full=True), source="template")
    walk = read_c3d(DATA / "c3d/biomechzoo/HC032A03.c3d")
    static = read_c3d(DATA / "c3d/biomechzoo/HC032A01.c3d")
    analysis = kinechain.analyze(walk, static, flat_foot=True)
    metrics = clean_json(analysis.metrics())
    child = parse_intake(
        {
            "schema": "kinechain.intake/1",
            "patient": {"age": 12, "sex": "male", "height_m": 1.58, "mass_kg": 60.3},
            "tests": {
                "df_knee_extended_deg": {"left": 8, "right": 4},
                "df_knee_flexed_deg": {"left": 20, "right": 9},
            },
            "questionnaires": {"nprs": 3},
        },
        source="child",
    )
    result = assess(intake).to_dict()
    rows = {
        "assess, no gait (ms)": timeit(lambda: assess(intake).to_dict(), args.repeat),
        "assess with gait metrics (ms)": timeit(
            lambda: assess(child, metrics).to_dict(), args.repeat
        ),
        "assessment report, with gait curves (ms)": timeit(
            lambda: render_assessment_report(assess(child, metrics).to_dict(), analysis),
            max(3, args.repeat // 3),
        ),
        "PDF handout (ms)": timeit(lambda: render_handout(result), max(3, args.repeat // 3)),
    }
    print("| step | median |")
    print("|---|---|")
    for name, ms in rows.items():
        print(f"| {name} | {ms:.1f} |")


if __name__ == "__main__":
    main()
