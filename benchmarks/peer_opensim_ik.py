"""Time OpenSim's inverse kinematics on its own regression test (run in .bench/opensim).

Prints one JSON line: version, frames, median seconds of ``InverseKinematicsTool.run()``
(model loading inside the tool included, imports excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import opensim as osim  # type: ignore[import-not-found]

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "opensim" / "ik-test"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    osim.Logger.setLevelString("error")
    work = Path(tempfile.mkdtemp(prefix="kinechain-ik-"))
    try:
        for f in DATA.iterdir():
            shutil.copy(f, work / f.name)
        os.chdir(work)
        times = []
        for _ in range(args.repeat + 1):
            tool = osim.InverseKinematicsTool("subject01_Setup_InverseKinematics.xml")
            tool.setOutputMotionFileName(str(work / "out.mot"))
            t0 = time.perf_counter()
            tool.run()
            times.append(time.perf_counter() - t0)
        frames = sum(
            1
            for line in (work / "out.mot").read_text().split("endheader", 1)[1].splitlines()[2:]
            if line.strip()
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        json.dumps(
            {
                "version": osim.__version__,
                "frames": frames,
                "ik_s": statistics.median(times[1:]),
                "repeat": args.repeat,
            }
        )
    )


if __name__ == "__main__":
    main()
