"""End-to-end video benchmark: kinechain vs myogait on the Sports2D demo video.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_video.py``). Measures, on
../shared/data/video/sports2d/demo.mp4 (1768x994, 30 fps, 230 frames) on this machine:

Headline numbers, median of ``--repeat`` rounds after one warm-up round. Each round runs, one
after the other, (a) kinechain in-process, (b) the kinechain CLI and (c) the myogait peer, so
that load from other processes on this shared machine hits both tools alike; ratios are the
median of the per-round ratios.

(a) in-process, after imports: ``kinechain.video._walk.analyze_video`` (decode + pose +
    subject tracking + angles + events + metrics). While that module does not exist yet, the
    most complete stage that does is measured instead and labelled:
    ``kinechain.video._track.track_subject`` (decode + pose + tracking), else a bare
    OpenCV-decode + MediaPipe loop. myogait's in-process time (after imports, its
    ``run_pipeline``) is reported by the peer script itself.
(b) whole process, wall clock: ``.venv/bin/kinechain analyze demo.mp4 --height 1.65 --out
    <tmp>`` (once the CLI takes videos; it also writes the report and the annotated video) vs
    ``.bench/myogait/bin/python benchmarks/peer_myogait.py demo.mp4`` (myogait's
    ``run_pipeline`` with its MediaPipe backend on the same legacy model, offline; see that
    script; it writes nothing).

Breakdown (separate runs before the rounds): decode ms/frame (a decode-only pass, and the
decoding inside ``track_subject``), pose ms/frame (time inside the real pose backends'
``detect``, tracking and searching, through timing wrappers), the rest of the tracking,
``analyze_track`` (angles, events, metrics) and the time to write the outputs once.

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
    """Breakdown of what follows pose tracking: analyze_track and writing the outputs."""
    from kinechain.video import _walk

    result = _walk.analyze_video(VIDEO, height_m=HEIGHT_M)
    track = _find_track(result)
    if track is None:
        raise BenchError("analyze_video returned no PoseTrack")
    out: dict[str, Any] = {"frames": track.n_frames}
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

    first = run()  # warm-up (the only run when repeat is 0)
    runs = [run() for _ in range(repeat)] or [first]
    return {
        "total_s": statistics.median(r[0] for r in runs),
        "runs_s": [r[0] for r in runs],
        "decode_s": statistics.median(r[1] for r in runs),
        "pose_s": statistics.median(r[2] for r in runs),
        "frames": runs[-1][3],
    }


def _level() -> str:
    if not (_has("kinechain.video._track") and _has("kinechain.video._backends")):
        return "bare"
    return "walk" if _has("kinechain.video._walk") else "track"


MEASURED = {
    "walk": "analyze_video: decode + pose + tracking + angles + events + metrics",
    "track": "track_subject only: decode + pose + subject tracking "
    "(analyze_video not written yet: no angles/events)",
    "bare": "bare loop: OpenCV decode + full-frame MediaPipe pose only "
    "(kinechain.video not written yet: no tracking, angles or events)",
}


def headline(level: str) -> Callable[[], int]:
    """One in-process kinechain run at ``level``; returns the number of frames processed."""
    if level == "walk":
        from kinechain.video._walk import analyze_video

        def walk() -> int:
            track = _find_track(analyze_video(VIDEO, height_m=HEIGHT_M))
            if track is None:
                raise BenchError("analyze_video returned no PoseTrack")
            return int(track.n_frames)

        return walk
    if level == "track":
        from kinechain.video._track import track_subject

        return lambda: track_subject(VIDEO).n_frames
    return lambda: bench_bare(0)["frames"]


def breakdown(level: str, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    decode = bench_decode(repeat)
    out["decode"] = decode
    n = decode["frames"]
    rows: list[tuple[str, float]] = [("decode (decode-only pass)", 1e3 * decode["decode_s"] / n)]
    if level == "bare":
        b = bench_bare(repeat)
        out["bare"] = b
        f = b["frames"]
        rows = [
            ("decode (in the loop)", 1e3 * b["decode_s"] / f),
            ("pose (full frame)", 1e3 * b["pose_s"] / f),
            ("rest (model set-up, loop)", 1e3 * (b["total_s"] - b["decode_s"] - b["pose_s"]) / f),
        ]
    else:
        t = bench_track(repeat)
        out["track"] = t
        f = t["frames"]
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
        rows.append(("= track_subject total", 1e3 * t["total_s"] / f))
        if level == "walk":
            w = bench_walk(repeat)
            out.update({k: v for k, v in w.items() if k != "frames"})
            if "analyze_track_s" in w:
                rows.append(
                    (
                        "angles, gate, filter, scale, events, metrics (analyze_track)",
                        1e3 * w["analyze_track_s"] / f,
                    )
                )
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


def rounds(level: str, repeat: int) -> dict[str, Any]:
    """Warm-up round, then ``repeat`` rounds of: kinechain in-process, CLI, myogait peer."""
    out: dict[str, Any] = {"measured": MEASURED[level]}
    run_inproc = headline(level)
    kinechain_bin = Path(sys.executable).parent / "kinechain"
    cli_ok, why = _cli_supports_video(kinechain_bin)
    if not cli_ok:
        out["kinechain_cli_skipped"] = why
    peer_ok = PEER_PY.exists()
    if not peer_ok:
        out["myogait_skipped"] = "peer venv missing: `make bench` creates .bench/myogait"
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kinechain-bench-") as tmp:
        for i in range(repeat + 1):  # round 0 is the warm-up
            row: dict[str, Any] = {}
            t0 = time.perf_counter()
            row["frames"] = run_inproc()
            row["kinechain_s"] = time.perf_counter() - t0
            if cli_ok:
                cmd = [str(kinechain_bin), "analyze", str(VIDEO), "--height", str(HEIGHT_M)]
                cmd += ["--out", str(Path(tmp) / f"run{i}")]
                row["kinechain_cli_s"] = _run(cmd, "kinechain analyze demo.mp4")[0]
                lean = [str(kinechain_bin), "analyze", str(VIDEO), "--height", str(HEIGHT_M)]
                lean += ["--no-annotated", "--out", str(Path(tmp) / f"lean{i}")]
                row["kinechain_lean_s"] = _run(lean, "kinechain analyze --no-annotated")[0]
            if peer_ok:
                wall, stdout = _run(
                    [str(PEER_PY), str(PEER_SCRIPT), str(VIDEO)], "myogait peer (peer_myogait.py)"
                )
                row["myogait_wall_s"] = wall
                row["myogait"] = json.loads(stdout.strip().splitlines()[-1])
            row["load"] = os.getloadavg()[0]
            if i:
                rows.append(row)
    out["rounds"] = rows
    frames = rows[-1]["frames"]
    out["frames"] = frames
    out["kinechain_s"] = statistics.median(r["kinechain_s"] for r in rows)
    out["kinechain_fps"] = frames / out["kinechain_s"]
    if cli_ok:
        out["kinechain_cli_s"] = statistics.median(r["kinechain_cli_s"] for r in rows)
        out["kinechain_cli_fps"] = frames / out["kinechain_cli_s"]
        out["kinechain_lean_s"] = statistics.median(r["kinechain_lean_s"] for r in rows)
        out["kinechain_lean_fps"] = frames / out["kinechain_lean_s"]
    if peer_ok:
        my = rows[-1]["myogait"]
        mf = int(my["frames"])
        if mf != frames:
            print(f"note: kinechain processed {frames} frames, myogait {mf}")
        out["myogait"] = {k: my[k] for k in ("version", "pose_api", "frames_kept", "cycles")}
        out["myogait"]["frames"] = mf
        for key in ("total_s", "extract_s", "rest_s"):
            out["myogait"][f"in_process_{key}"] = statistics.median(r["myogait"][key] for r in rows)
        out["myogait_wall_s"] = statistics.median(r["myogait_wall_s"] for r in rows)
        out["myogait_fps"] = mf / out["myogait"]["in_process_total_s"]
        out["myogait_wall_fps"] = mf / out["myogait_wall_s"]
        out["ratio_in_process"] = statistics.median(
            (frames / r["kinechain_s"]) / (mf / r["myogait"]["total_s"]) for r in rows
        )
        if cli_ok:
            out["ratio_whole_process"] = statistics.median(
                (frames / r["kinechain_cli_s"]) / (mf / r["myogait_wall_s"]) for r in rows
            )
            out["ratio_whole_process_lean"] = statistics.median(
                (frames / r["kinechain_lean_s"]) / (mf / r["myogait_wall_s"]) for r in rows
            )
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
    level = _level()
    load0 = os.getloadavg()[0]
    print(f"\n== video: {VIDEO.name}, {os.cpu_count()} CPUs, load average {load0:.2f} ==")
    try:
        parts = breakdown(level, args.repeat)
        res = rounds(level, args.repeat)
    except BenchError as exc:
        print(f"bench_video: {exc}", file=sys.stderr)
        return 1
    loads = [r["load"] for r in res["rounds"]]
    f = res["frames"]
    n = args.repeat
    print(
        f"median of {n} rounds after a warm-up round (each round: kinechain in-process, "
        f"kinechain CLI, myogait; load average {min(loads):.1f}-{max(loads):.1f})"
    )
    print(f"(a) in-process, after imports: {res['measured']}")
    print(
        f"    kinechain: {f} frames in {res['kinechain_s']:.2f} s = {res['kinechain_fps']:.1f} fps"
    )
    my = res.get("myogait")
    if my:
        mf = my["frames"]
        print(
            f"    myogait {my['version']} run_pipeline ({my['pose_api']}): {mf} frames in "
            f"{my['in_process_total_s']:.2f} s = {res['myogait_fps']:.1f} fps "
            f"({my['frames_kept']} frames kept, {my['cycles']} cycles)"
        )
        print(
            f"    kinechain / myogait = {res['ratio_in_process']:.2f}x (median of per-round ratios)"
        )
    print("(b) whole process, wall clock:")
    if "kinechain_cli_s" in res:
        print(
            f"    kinechain analyze demo.mp4 --height {HEIGHT_M} --out …: "
            f"{res['kinechain_cli_s']:.2f} s = {res['kinechain_cli_fps']:.1f} fps "
            "(writes all outputs incl. annotated.webm)"
        )
        print(
            f"    kinechain analyze … --no-annotated: {res['kinechain_lean_s']:.2f} s = "
            f"{res['kinechain_lean_fps']:.1f} fps (angles, events, metrics, report, quality)"
        )
    else:
        print(f"    kinechain CLI: not measured ({res.get('kinechain_cli_skipped')})")
    if my:
        print(
            f"    myogait peer_myogait.py demo.mp4: {res['myogait_wall_s']:.2f} s = "
            f"{res['myogait_wall_fps']:.1f} fps (writes nothing)"
        )
        if "ratio_whole_process" in res:
            print(
                f"    kinechain / myogait = {res['ratio_whole_process']:.2f}x "
                f"(--no-annotated: {res['ratio_whole_process_lean']:.2f}x)"
            )
    else:
        print(f"    myogait: not measured ({res.get('myogait_skipped')})")

    print(f"breakdown, ms per frame (separate runs, median of {n}; load average {load0:.1f}):")
    for name, ms in parts["breakdown_ms_per_frame"].items():
        print(f"    kinechain {name:<72} {ms:7.2f}")
    if "write_s" in parts:
        files = parts.get("write_files_s")
        only = "" if files is None else f" (csv/json/report.html alone {files:.2f} s)"
        print(f"    kinechain writing the outputs once: {parts['write_s']:.2f} s{only}")
        if "kinechain_cli_s" in res:
            other = res["kinechain_cli_s"] - res["kinechain_s"] - parts["write_s"]
            print(
                f"    kinechain CLI wall ≈ analyze_video {res['kinechain_s']:.2f} s + writing "
                f"{parts['write_s']:.2f} s + start-up/imports/rest {other:.2f} s"
            )
    if my:
        print(
            f"    myogait extract (decode + resize + pose) "
            f"{1e3 * my['in_process_extract_s'] / my['frames']:.2f}, normalise/angles/events/"
            f"cycles/stats {1e3 * my['in_process_rest_s'] / my['frames']:.2f}"
        )

    scope = "" if level == "walk" else " [partial pipeline only]"
    checks = [(f"in-process{scope}", res["kinechain_fps"], res.get("ratio_in_process"))]
    if "kinechain_cli_fps" in res:
        checks.append(
            ("whole CLI process", res["kinechain_cli_fps"], res.get("ratio_whole_process"))
        )
    for label, fps, ratio in checks:
        line = f"target >= {TARGET_FPS:.0f} fps, {label}: {_met(fps >= TARGET_FPS)}"
        if ratio is not None:
            line += f"; >= {TARGET_RATIO:.0f}x myogait: {_met(ratio >= TARGET_RATIO)}"
        print(line)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"breakdown": parts, "rounds": res}, indent=2))
    print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
