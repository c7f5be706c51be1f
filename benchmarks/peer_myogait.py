"""Time myogait's standard video pipeline on one video (run in .bench/myogait, not .venv).

    .bench/myogait/bin/python benchmarks/peer_myogait.py demo.mp4 [--repeat N]

myogait (https://github.com/IDMDataHub/myogait, PyPI ``myogait``) is the peer of
``kinechain analyze video``: its documented one-call pipeline ``myogait.run_pipeline(video,
model="mediapipe")`` extracts pose landmarks (``extract``), then normalises (Butterworth),
computes sagittal angles, canonicalises signs, detects Zeni events, segments gait cycles and
runs ``analyze_gait``. The same calls are made here, split in two so that the pose extraction
and the rest can be timed apart: ``data = extract(video)``, then ``run_pipeline(data)`` (which
accepts a pre-extracted pivot dict and runs steps 2-9 unchanged).

Offline, on the same pose model as kinechain. myogait's MediaPipe backend first tries the
MediaPipe Tasks API with ``pose_landmarker_heavy.task``, which it downloads to
``~/.myogait/models`` on first use; when that fails it falls back to the legacy
``mediapipe.solutions.pose.Pose(model_complexity=1)`` (myogait/models/mediapipe.py). This
venv has ``mediapipe==0.10.21`` (installed with ``--no-deps``: the last wheel that ships the
legacy pose model). To keep every run offline and on that legacy model, before importing
myogait this script points HOME at a directory inside the venv (so no heavy model from an
earlier download in the user's home is picked up, and nothing is written there) and points the
HTTP(S) proxy at a closed local port (so the download attempt fails at once instead of waiting
on the network). Which MediaPipe API myogait actually used is read from its log and reported.

Prints one human line, then one JSON line (the last line of stdout): myogait version, pose
API, frames decoded, frames kept, and seconds (median over ``--repeat`` runs in this process,
imports excluded) for extract, the rest, and the total.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

_HOME = Path(sys.prefix) / "home"
_HOME.mkdir(exist_ok=True)
os.environ["HOME"] = str(_HOME)
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
    os.environ[_var] = "http://127.0.0.1:9"
for _var in ("no_proxy", "NO_PROXY"):
    os.environ.pop(_var, None)


class _ApiSniffer(logging.Handler):
    """Remember which MediaPipe API myogait's extractor initialised."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.api = "unknown"

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if "legacy Pose initialized" in msg:
            self.api = "legacy solutions.pose (model_complexity=1)"
        elif "Tasks API) initialized" in msg:
            self.api = "Tasks API PoseLandmarker (heavy)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if not args.video.is_file():
        print(f"{args.video}: no such video", file=sys.stderr)
        return 2

    sniffer = _ApiSniffer()
    mp_log = logging.getLogger("myogait.models.mediapipe")
    mp_log.setLevel(logging.INFO)
    mp_log.addHandler(sniffer)
    mp_log.propagate = False

    import myogait as mg

    extract_s: list[float] = []
    rest_s: list[float] = []
    result: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        data = mg.extract(str(args.video), model="mediapipe", show_progress=False)
        t1 = time.perf_counter()
        result = mg.run_pipeline(data, show_progress=False)
        t2 = time.perf_counter()
        extract_s.append(t1 - t0)
        rest_s.append(t2 - t1)

    totals = [a + b for a, b in zip(extract_s, rest_s, strict=True)]
    decoded = int(data["meta"]["n_frames"])
    cycles = result.get("cycles") or {}
    out = {
        "version": mg.__version__,
        "pose_api": sniffer.api,
        "frames": decoded,
        "frames_kept": len(result["data"]["frames"]),
        "cycles": len(cycles.get("cycles", [])),
        "repeat": len(totals),
        "extract_s": statistics.median(extract_s),
        "rest_s": statistics.median(rest_s),
        "total_s": statistics.median(totals),
    }
    print(
        f"myogait {out['version']} ({out['pose_api']}): {decoded} frames in "
        f"{out['total_s']:.2f} s = {decoded / out['total_s']:.1f} frames/s "
        f"(extract {out['extract_s']:.2f} s, angles/events/cycles/stats {out['rest_s']:.2f} s)"
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
