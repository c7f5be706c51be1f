"""Benchmark `kinechain analyze` on the shared C3D files, and OpenSim IK side by side.

Run with ``make bench``. Times are in-process, after imports, median of ``--repeat`` runs
(``time.perf_counter``); memory is the peak traced by ``tracemalloc`` during one analysis.
The peer (OpenSim's inverse kinematics on its own regression data, ../shared/data/opensim/
ik-test, 73 frames) runs in its own virtual environment, .bench/opensim, which ``make bench``
creates from PyPI, and is timed the same way by ``benchmarks/peer_opensim_ik.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

CASES = [
    ("HC032A03 (Vicon PiG walk)", "c3d/biomechzoo/HC032A03.c3d", "c3d/biomechzoo/HC032A01.c3d"),
    ("pyCGM Movement_trial", "c3d/pycgm/Movement_trial.c3d", "c3d/pycgm/Static_trial.c3d"),
    ("BTS (Davis, Y-up)", "c3d/ezc3d/BTS.c3d", None),
    ("c3d.org Eb015pr (float)", "c3d/c3d-org/Eb015pr.c3d", None),
    ("c3d.org Eb015pi (integer)", "c3d/c3d-org/Eb015pi.c3d", None),
]


def timeit(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_case(walk: Path, static: Path | None, repeat: int) -> dict[str, Any]:
    import kinechain
    from kinechain.io import read_c3d
    from kinechain.report import render_report

    static_trial = read_c3d(static) if static else None
    row: dict[str, Any] = {}
    row["read_ms"] = 1e3 * timeit(lambda: read_c3d(walk), repeat)
    try:
        row["read_ezc3d_ms"] = 1e3 * timeit(lambda: _ezc3d_read(walk), max(3, repeat // 5))
    except ImportError:
        row["read_ezc3d_ms"] = None
    row["analyze_ms"] = 1e3 * timeit(
        lambda: kinechain.analyze(read_c3d(walk), static_trial, kinetics=False), repeat
    )
    row["analyze_kinetics_ms"] = 1e3 * timeit(
        lambda: kinechain.analyze(read_c3d(walk), static_trial), repeat
    )
    result = kinechain.analyze(read_c3d(walk), static_trial)
    row["report_ms"] = 1e3 * timeit(lambda: render_report(result), max(3, repeat // 5))
    tracemalloc.start()
    kinechain.analyze(read_c3d(walk), static_trial)
    row["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    row["frames"] = int(result.time.size)
    row["model"] = result.model
    return row


def _ezc3d_read(path: Path) -> None:
    import ezc3d

    ezc3d.c3d(str(path))


def peer_opensim(repeat: int) -> dict[str, Any] | None:
    py = ROOT / ".bench" / "opensim" / "bin" / "python"
    if not py.exists():
        return None
    proc = subprocess.run(
        [str(py), str(ROOT / "benchmarks" / "peer_opensim_ik.py"), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(f"peer OpenSim IK failed: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", type=Path, default=ROOT / ".bench" / "results.json")
    args = parser.parse_args()
    rows = []
    for name, walk, static in CASES:
        row = bench_case(DATA / walk, DATA / static if static else None, args.repeat)
        row["case"] = name
        rows.append(row)
    print(
        "| trial | frames | model | read (ms) | ezc3d read (ms) | analyze incl. read (ms) "
        "| + L5/S1 kinetics (ms) | report (ms) | peak memory (MiB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ez = f"{r['read_ezc3d_ms']:.1f}" if r["read_ezc3d_ms"] is not None else "–"
        print(
            f"| {r['case']} | {r['frames']} | {r['model']} | {r['read_ms']:.1f} | {ez} | "
            f"{r['analyze_ms']:.1f} | {r['analyze_kinetics_ms']:.1f} | {r['report_ms']:.1f} | "
            f"{r['peak_mib']:.1f} |"
        )
    peer = peer_opensim(max(3, args.repeat // 6))
    out: dict[str, Any] = {"kinechain": rows}
    if peer is not None:
        ours = next(r for r in rows if r["case"].startswith("HC032A03"))
        ratio = peer["ik_s"] * 1e3 / ours["analyze_ms"]
        out["opensim_ik"] = peer
        out["ratio_opensim_ik_over_kinechain_analyze"] = ratio
        print(
            f"\nOpenSim {peer['version']} IK, {peer['frames']} frames: {peer['ik_s'] * 1e3:.0f} ms "
            f"(median of {peer['repeat']}); kinechain analyze of HC032A03 ({ours['frames']} "
            f"frames, read + model + events + metrics): {ours['analyze_ms']:.1f} ms → "
            f"OpenSim IK / kinechain = {ratio:.0f}×"
        )
    else:
        print("\n(OpenSim peer not installed: `make bench` creates .bench/opensim)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2))
    print(f"\nresults: {args.json}")


if __name__ == "__main__":
    sys.exit(main())
