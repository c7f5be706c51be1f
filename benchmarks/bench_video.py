"""End-to-end video benchmark: kinechain vs myogait on the Sports2D demo video.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_video.py``). Measures, on
../shared/data/video/sports2d/demo.mp4 (1768x994, 30 fps, 230 frames) on this machine:

(a) in-process, after imports, median of ``--repeat`` runs after one warm-up:
    ``kinechain.video._walk.analyze_video`` (decode + pose + subject tracking + angles +
    events + metrics). While that module does not exist yet, the most complete stage that does
    is measured instead and labelled: ``kinechain.video._track.track_subject`` (decode + pose
    + tracking), else a bare OpenCV-decode + MediaPipe loop.
    Breakdown: decode ms/frame (a decode-only pass), pose ms/frame (time inside the pose
    backend's ``detect`` during tracking, via a timing wrapper around the real backend),
    tracking rest, and angles/events/metrics (analyze_video minus track_subject), plus the
    time to write the outputs (report, annotated video) once.
(b) whole process, wall clock, median of ``--repeat`` after one warm-up, the two tools run
    alternately so that load from other processes hits both alike:
    ``.venv/bin/kinechain analyze demo.mp4 --height 1.65 --out <tmp>`` (once the CLI takes
    videos) vs ``.bench/myogait/bin/python benchmarks/peer_myogait.py demo.mp4`` (myogait's
    ``run_pipeline`` with its MediaPipe backend on the same legacy model, offline; see that
    script). myogait's in-process time (after imports) is reported by the peer script itself.

Targets (issue 5): >= 30 frames/s end to end and >= 2x myogait. Missing a target is reported,
not an error; the exit status is non-zero only when something fails to run.
Results also go to .bench/video_results.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT.parent / "shared" / "data" / "video" / "sports2d" / "demo.mp4"
HEIGHT_M = 1.65
PEER_PY = ROOT / ".bench" / "myogait" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peer_myogait.py"
TARGET_FPS = 30.0
TARGET_RATIO = 2.0


class BenchError(RuntimeError):
    """Something that should have run did not."""


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _median_runs(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    """Warm-up once, then time ``repeat`` calls; (median s, all s, last result)."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


# --------------------------------------------------------------------------- in-process


class TimedBackend:
    """Wraps a real PoseBackend and adds up the time spent in ``detect``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.seconds = 0.0
        self.calls = 0
        self._closed = False

    def detect(self, rgb: NDArray[np.uint8]) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner.detect(rgb)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1

    def reset(self) -> None:
        reset = getattr(self.inner, "reset", None)
        if reset is not None:
            reset()

    def close(self) -> None:  # idempotent: the tracker may close it too
        if not self._closed:
            self._closed = True
            self.inner.close()

    def __getattr__(self, attr: str) -> Any:  # anything else the tracker may use
        return getattr(self.inner, attr)


def _decode_frames() -> Iterator[Any]:
    if _has("kinechain.video._decode"):
        from kinechain.video._decode import frames

        yield from (f for _, _, f in frames(VIDEO))
        return
    import cv2

    cap = cv2.VideoCapture(str(VIDEO))
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    finally:
        cap.release()


def bench_decode(repeat: int) -> dict[str, Any]:
    def run() -> int:
        return sum(1 for _ in _decode_frames())

    med, _, n = _median_runs(run, repeat)
    if n == 0:
        raise BenchError(f"{VIDEO}: no frames decoded")
    via = "kinechain.video._decode.frames" if _has("kinechain.video._decode") else "cv2"
    return {"frames": n, "decode_s": med, "decode_ms_per_frame": 1e3 * med / n, "via": via}


def _find_track(obj: Any) -> Any:
    from kinechain.video._types import PoseTrack

    if isinstance(obj, PoseTrack):
        return obj
    values = (
        [getattr(obj, f.name) for f in fields(obj)]
        if is_dataclass(obj)
        else list(vars(obj).values())
        if hasattr(obj, "__dict__")
        else []
    )
    return next((v for v in values if isinstance(v, PoseTrack)), None)


def bench_walk(repeat: int) -> dict[str, Any]:
    from kinechain.video import _walk

    med, times, result = _median_runs(lambda: _walk.analyze_video(VIDEO, height_m=HEIGHT_M), repeat)
    track = _find_track(result)
    if track is None:
        raise BenchError("analyze_video returned no PoseTrack")
    out: dict[str, Any] = {"total_s": med, "runs_s": times, "frames": track.n_frames}
    analyze_track = getattr(_walk, "analyze_track", None)
    if analyze_track is not None:  # the part after pose tracking, on the same track
        out["analyze_track_s"] = _median_runs(
            lambda: analyze_track(track, height_m=HEIGHT_M), repeat
        )[0]
    write = getattr(_walk, "write_video_results", None)
    if write is not None:
        with tempfile.TemporaryDirectory(prefix="kinechain-bench-") as tmp:
            if "video" in inspect.signature(write).parameters:
                t0 = time.perf_counter()
                write(result, Path(tmp) / "novideo", overwrite=True, video=False)
                out["write_files_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            write(result, Path(tmp) / "all", overwrite=True)
            out["write_s"] = time.perf_counter() - t0
    return out


class _Probe:
    """Times what ``track_subject`` spends decoding and in each pose backend.

    While active, the names ``make_backend`` and ``frames`` inside ``kinechain.video._track``
    are wrapped (and restored on exit), so ``track_subject`` runs exactly as
    ``analyze_video`` calls it (its own tracking and searching backends) while the time inside
    the real decoder and the real backends is added up.
    """

    WRAPPED = ("make_backend", "frames")

    def __init__(self) -> None:
        self.backends: list[tuple[str, TimedBackend]] = []
        self.setup_s = 0.0
        self.decode_s = 0.0
        self.decoded = 0

    def __enter__(self) -> _Probe:
        from kinechain.video import _track

        self._track = _track
        self._saved = {name: vars(_track)[name] for name in _Probe.WRAPPED}
        real_make = self._saved["make_backend"]
        real_frames = self._saved["frames"]

        def make_backend(*args: Any, **kwargs: Any) -> TimedBackend:
            t0 = time.perf_counter()
            inner = real_make(*args, **kwargs)
            self.setup_s += time.perf_counter() - t0
            role = "search (still images)" if kwargs.get("still") else "tracking"
            timed = TimedBackend(inner)
            self.backends.append((role, timed))
            return timed

        def frames(*args: Any, **kwargs: Any) -> Iterator[Any]:
            it = real_frames(*args, **kwargs)
            try:
                while True:
                    t0 = time.perf_counter()
                    try:
                        item = next(it)
                    except StopIteration:
                        return
                    finally:
                        self.decode_s += time.perf_counter() - t0
                    self.decoded += 1
                    yield item
            finally:
                it.close()

        for name, fn in (("make_backend", make_backend), ("frames", frames)):
            setattr(_track, name, fn)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, fn in self._saved.items():
            setattr(self._track, name, fn)


def bench_track(repeat: int) -> dict[str, Any]:
    from kinechain.video import _track

    def run() -> dict[str, Any]:
        with _Probe() as probe:
            t0 = time.perf_counter()
            track = _track.track_subject(VIDEO)
            total = time.perf_counter() - t0
        pose: dict[str, list[float]] = {}
        for role, b in probe.backends:
            acc = pose.setdefault(role, [0.0, 0.0])
            acc[0] += b.seconds
            acc[1] += b.calls
        return {
            "total_s": total,
            "setup_s": probe.setup_s,
            "decode_s": probe.decode_s,
            "decoded": probe.decoded,
            "pose": pose,
            "frames": track.n_frames,
        }

    run()  # warm-up
    runs = [run() for _ in range(repeat)]
    roles = sorted({r for run_ in runs for r in run_["pose"]})
    return {
        "total_s": statistics.median(r["total_s"] for r in runs),
        "runs_s": [r["total_s"] for r in runs],
        "setup_s": statistics.median(r["setup_s"] for r in runs),
        "decode_s": statistics.median(r["decode_s"] for r in runs),
        "decoded": runs[-1]["decoded"],
        "pose_s": {k: statistics.median(r["pose"].get(k, [0.0])[0] for r in runs) for k in roles},
        "pose_calls": {k: int(runs[-1]["pose"].get(k, [0, 0])[1]) for k in roles},
        "frames": runs[-1]["frames"],
    }


def bench_bare(repeat: int) -> dict[str, Any]:
    """Full-frame decode + legacy MediaPipe pose, no tracking (before kinechain.video exists)."""
    import cv2
    import mediapipe as mp

    def run() -> tuple[float, float, float, int]:
        t_start = time.perf_counter()
        pose = mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)
        dec = inf = 0.0
        n = 0
        cap = cv2.VideoCapture(str(VIDEO))
        try:
            while True:
                t0 = time.perf_counter()
                ok, bgr = cap.read()
                if not ok:
                    break
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                t1 = time.perf_counter()
                pose.process(rgb)
                inf += time.perf_counter() - t1
                dec += t1 - t0
                n += 1
        finally:
            cap.release()
            pose.close()
        return time.perf_counter() - t_start, dec, inf, n

    run()
    runs = [run() for _ in range(repeat)]
    return {
        "total_s": statistics.median(r[0] for r in runs),
        "runs_s": [r[0] for r in runs],
        "decode_s": statistics.median(r[1] for r in runs),
        "pose_s": statistics.median(r[2] for r in runs),
        "frames": runs[-1][3],
    }


def in_process(repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    decode = bench_decode(repeat)
    out["decode"] = decode
    n = decode["frames"]
    have_track = _has("kinechain.video._track") and _has("kinechain.video._backends")
    if have_track and _has("kinechain.video._walk"):
        walk = bench_walk(repeat)
        out["measured"] = "analyze_video: decode + pose + tracking + angles + events + metrics"
        out["total_s"] = walk["total_s"]
        out["runs_s"] = walk["runs_s"]
        out["frames"] = walk["frames"]
        for key in ("write_s", "write_files_s", "analyze_track_s"):
            if key in walk:
                out[key] = walk[key]
    if have_track:
        track = bench_track(repeat)
        out["track"] = track
        if "measured" not in out:
            out["measured"] = (
                "track_subject only: decode + pose + subject tracking "
                "(analyze_video not written yet: no angles/events)"
            )
            out["total_s"] = track["total_s"]
            out["runs_s"] = track["runs_s"]
            out["frames"] = track["frames"]
    if "measured" not in out:
        bare = bench_bare(repeat)
        out["bare"] = bare
        out["measured"] = (
            "bare loop: OpenCV decode + full-frame MediaPipe pose only "
            "(kinechain.video not written yet: no tracking, angles or events)"
        )
        out["total_s"] = bare["total_s"]
        out["runs_s"] = bare["runs_s"]
        out["frames"] = bare["frames"]
    if out["frames"] != n:
        print(f"note: decode pass saw {n} frames, the pipeline {out['frames']}")
    out["fps"] = out["frames"] / out["total_s"]

    # breakdown, ms per frame
    f = out["frames"]
    rows: list[tuple[str, float]] = [("decode (decode-only pass)", 1e3 * decode["decode_s"] / n)]
    if "track" in out:
        t = out["track"]
        passes = t["decoded"] / f
        rows.append(
            (f"decode inside track_subject ({passes:.2f} decodes/frame)", 1e3 * t["decode_s"] / f)
        )
        for role, sec in t["pose_s"].items():
            calls = t["pose_calls"][role] / f
            rows.append((f"pose, {role} ({calls:.2f} model calls/frame)", 1e3 * sec / f))
        rows.append(("pose backend set-up", 1e3 * t["setup_s"] / f))
        rest = t["total_s"] - t["setup_s"] - sum(t["pose_s"].values()) - t["decode_s"]
        rows.append(
            ("subject choice, ROI crops, L/R swaps (rest of track_subject)", 1e3 * rest / f)
        )
        if "analyze_track_s" in out:
            rows.append(
                (
                    "angles, gate, filter, scale, events, metrics (analyze_track)",
                    1e3 * out["analyze_track_s"] / f,
                )
            )
    elif "bare" in out:
        b = out["bare"]
        rows = [
            ("decode (in the loop)", 1e3 * b["decode_s"] / f),
            ("pose (full frame)", 1e3 * b["pose_s"] / f),
            ("rest (model set-up, loop)", 1e3 * (b["total_s"] - b["decode_s"] - b["pose_s"]) / f),
        ]
    out["breakdown_ms_per_frame"] = dict(rows)
    return out


# --------------------------------------------------------------------------- whole process


def _cli_supports_video(kinechain_bin: Path) -> tuple[bool, str]:
    missing = [m for m in ("_walk", "_track") if not _has(f"kinechain.video.{m}")]
    if missing:
        return False, f"kinechain.video.{', '.join(missing)} not written yet"
    proc = subprocess.run(
        [str(kinechain_bin), "analyze", "--help"], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise BenchError(f"kinechain analyze --help failed: {proc.stderr.strip()[-300:]}")
    if "--height" not in proc.stdout:
        return False, "`kinechain analyze` has no --height option yet"
    return True, ""


def _run(cmd: list[str], what: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return wall, proc.stdout


def whole_process(repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kinechain_bin = Path(sys.executable).parent / "kinechain"
    ok, why = _cli_supports_video(kinechain_bin)
    if not ok:
        out["kinechain_skipped"] = why
    if not PEER_PY.exists():
        out["myogait_skipped"] = "peer venv missing: `make bench` creates .bench/myogait"
    k_walls: list[float] = []
    m_walls: list[float] = []
    peers: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kinechain-bench-") as tmp:
        for i in range(repeat + 1):  # run 0 is the warm-up
            if ok:
                cmd = [str(kinechain_bin), "analyze", str(VIDEO), "--height", str(HEIGHT_M)]
                cmd += ["--out", str(Path(tmp) / f"run{i}")]
                wall, _ = _run(cmd, "kinechain analyze demo.mp4")
                if i:
                    k_walls.append(wall)
            if PEER_PY.exists():
                wall, stdout = _run(
                    [str(PEER_PY), str(PEER_SCRIPT), str(VIDEO)], "myogait peer (peer_myogait.py)"
                )
                if i:
                    m_walls.append(wall)
                    peers.append(json.loads(stdout.strip().splitlines()[-1]))
    if k_walls:
        out["kinechain_wall_s"] = statistics.median(k_walls)
        out["kinechain_runs_s"] = k_walls
    if m_walls:
        out["myogait_wall_s"] = statistics.median(m_walls)
        out["myogait_runs_s"] = m_walls
        out["myogait"] = {
            "version": peers[-1]["version"],
            "pose_api": peers[-1]["pose_api"],
            "frames": peers[-1]["frames"],
            "frames_kept": peers[-1]["frames_kept"],
            "cycles": peers[-1]["cycles"],
            "in_process_total_s": statistics.median(p["total_s"] for p in peers),
            "in_process_extract_s": statistics.median(p["extract_s"] for p in peers),
            "in_process_rest_s": statistics.median(p["rest_s"] for p in peers),
        }
    return out


# --------------------------------------------------------------------------- report


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=ROOT / ".bench" / "video_results.json")
    args = parser.parse_args()
    if not VIDEO.is_file():
        print(f"{VIDEO}: demo video missing", file=sys.stderr)
        return 1
    load = os.getloadavg()[0]
    print(f"\n== video: {VIDEO.name}, {os.cpu_count()} CPUs, load average {load:.2f} ==")
    try:
        inp = in_process(args.repeat)
        whole = whole_process(args.repeat)
    except BenchError as exc:
        print(f"bench_video: {exc}", file=sys.stderr)
        return 1

    f = inp["frames"]
    print(f"(a) in-process, after imports, median of {args.repeat}: {inp['measured']}")
    print(f"    kinechain: {f} frames in {inp['total_s']:.2f} s = {inp['fps']:.1f} frames/s")
    for name, ms in inp["breakdown_ms_per_frame"].items():
        print(f"      {name:<72} {ms:7.2f} ms/frame")
    if "write_s" in inp:
        files = inp.get("write_files_s")
        split = "" if files is None else f"; csv/json/report.html alone {files:.2f} s"
        print(
            f"      writing the outputs once (not in the fps above): {inp['write_s']:.2f} s "
            f"incl. annotated.webm{split}"
        )
    my = whole.get("myogait")
    if my:
        my_fps = my["frames"] / my["in_process_total_s"]
        inp["myogait_fps"] = my_fps
        inp["ratio"] = inp["fps"] / my_fps
        print(
            f"    myogait {my['version']} run_pipeline ({my['pose_api']}): {my['frames']} frames "
            f"in {my['in_process_total_s']:.2f} s = {my_fps:.1f} frames/s "
            f"(extract {1e3 * my['in_process_extract_s'] / my['frames']:.2f} ms/frame, "
            f"angles/events/cycles/stats {1e3 * my['in_process_rest_s'] / my['frames']:.2f} "
            f"ms/frame; {my['frames_kept']} frames kept, {my['cycles']} cycles)"
        )
        print(f"    kinechain / myogait = {inp['ratio']:.2f}x")

    print(f"(b) whole process, wall clock, median of {args.repeat} after a warm-up:")
    if "kinechain_wall_s" in whole:
        k_fps = f / whole["kinechain_wall_s"]
        whole["kinechain_fps"] = k_fps
        print(
            f"    kinechain analyze demo.mp4 --height {HEIGHT_M} --out …: "
            f"{whole['kinechain_wall_s']:.2f} s = {k_fps:.1f} frames/s (writes all outputs)"
        )
    else:
        print(f"    kinechain CLI: not measured ({whole.get('kinechain_skipped')})")
    if my:
        m_fps = my["frames"] / whole["myogait_wall_s"]
        whole["myogait_fps"] = m_fps
        print(
            f"    myogait peer_myogait.py demo.mp4: {whole['myogait_wall_s']:.2f} s = "
            f"{m_fps:.1f} frames/s (writes nothing)"
        )
    else:
        print(f"    myogait: not measured ({whole.get('myogait_skipped')})")
    if "kinechain_fps" in whole and "myogait_fps" in whole:
        whole["ratio"] = whole["kinechain_fps"] / whole["myogait_fps"]
        print(f"    kinechain / myogait = {whole['ratio']:.2f}x")

    scope = "" if "analyze_video" in inp["measured"] else " [partial pipeline only]"
    checks = [(f"in-process{scope}", inp["fps"], inp.get("ratio"))]
    if "kinechain_fps" in whole:
        checks.append(("whole CLI process", whole["kinechain_fps"], whole.get("ratio")))
        if "write_s" in inp:
            other = whole["kinechain_wall_s"] - inp["total_s"] - inp["write_s"]
            print(
                f"    CLI wall = analyze_video {inp['total_s']:.2f} s + writing outputs "
                f"{inp['write_s']:.2f} s + start-up/imports/rest {other:.2f} s"
            )
    for label, fps, ratio in checks:
        line = f"target >= {TARGET_FPS:.0f} frames/s, {label}: {_met(fps >= TARGET_FPS)}"
        if ratio is not None:
            line += f"; >= {TARGET_RATIO:.0f}x myogait: {_met(ratio >= TARGET_RATIO)}"
        print(line)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"load_average": load, "in_process": inp, "whole_process": whole}, indent=2)
    )
    print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
