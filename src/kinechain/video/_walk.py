"""Walking analysis from one side-view video: PoseTrack → Trial → :func:`kinechain.analyze`.

:func:`analyze_track` is pure (a :class:`PoseTrack` in, a :class:`VideoAnalysis` out);
:func:`analyze_video` runs the pose tracker on a file first; :func:`write_video_results`
writes the standard result files plus ``quality.csv`` and ``annotated.webm``, all or nothing.

The Trial built here carries the sagittal angles as pre-computed angles (model
``"precomputed"``) and the keypoints as markers in metres (X forward along the walking
direction, Y = 0, Z up), named so that :mod:`kinechain.gait` finds them: ``PELVIS`` (hip
centre), ``LHEE``/``RHEE``, ``LTOE``/``RTOE``, ``LANK``/``RANK``... Events then come from the
Zeni et al. (2008) coordinate method in :func:`kinechain.gait.kinematic_events`.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import InputError
from kinechain.trial import Subject, Trial
from kinechain.video._sagittal import (
    ANGLE_NAMES,
    GATE,
    Sagittal,
    gate_keypoints,
    lowpass_gaps,
    sagittal,
    scale_from_distance,
    scale_from_height,
)
from kinechain.video._types import KP, FloatArray, PoseTrack

__all__ = [
    "NOT_MEASURED",
    "VIDEO_SUFFIXES",
    "VideoAnalysis",
    "analyze_track",
    "analyze_video",
    "is_video",
    "quality_csv",
    "write_video_results",
]

#: File suffixes treated as videos without looking inside.
VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".avi", ".mkv", ".m4v")
#: Suffixes of motion-capture files (never probed as videos).
MOCAP_SUFFIXES = (".c3d", ".trc", ".mot", ".sto")

#: Marker name of each keypoint in the Trial (Plug-in-Gait-like, found by kinechain.gait).
MARKER_NAMES = {
    "nose": "NOSE",
    "left_shoulder": "LSHO",
    "right_shoulder": "RSHO",
    "left_hip": "LHJC",
    "right_hip": "RHJC",
    "left_knee": "LKNE",
    "right_knee": "RKNE",
    "left_ankle": "LANK",
    "right_ankle": "RANK",
    "left_heel": "LHEE",
    "right_heel": "RHEE",
    "left_toe": "LTOE",
    "right_toe": "RTOE",
}

_FRONTAL = "a single side view sees only the sagittal plane: frontal- and transverse-plane "
_FRONTAL += "angles need a frontal view, several cameras or depth"

#: What one side view cannot measure, and why (always reported).
NOT_MEASURED: tuple[tuple[str, str], ...] = (
    (
        "pelvic_tilt",
        "a single side view cannot separate pelvic tilt from trunk inclination: the pelvis "
        "shows no landmarks that fix its sagittal orientation (ASIS/PSIS are not visible "
        "keypoints)",
    ),
    ("pelvic_obliquity", _FRONTAL),
    ("pelvic_rotation", _FRONTAL),
    ("hip_adduction", _FRONTAL),
    ("hip_internal_rotation", _FRONTAL),
    ("knee_adduction", _FRONTAL),
    ("knee_internal_rotation", _FRONTAL),
    ("ankle_inversion", _FRONTAL),
    ("ankle_internal_rotation", _FRONTAL),
    ("foot_progression", _FRONTAL),
    (
        "foot_pronation",
        "pronation (rearfoot eversion) is a frontal-plane rotation of the calcaneus; one "
        "side view with a single heel point cannot measure it",
    ),
    (
        "spine_flexion",
        "trunk relative to the pelvis needs the pelvis orientation (see pelvic_tilt); the "
        "video gives trunk inclination to the vertical instead (thorax_tilt)",
    ),
    (
        "lumbar_load",
        "L5/S1 load needs 3D segment kinematics and ground reaction forces",
    ),
    ("step_width", "a side view does not see sideways foot placement"),
)
_SPATIAL = ("stride_length", "step_length", "speed", "step_width")
_SPATIAL_DIMLESS = ("speed_dimensionless", "step_length_dimensionless")


@dataclass(frozen=True)
class VideoAnalysis:
    """Everything the video walking analysis computed.

    Attributes
    ----------
    track : PoseTrack
        Raw keypoints of the subject.
    sagittal : Sagittal
        Angles (raw and filtered), gating, flips.
    trial : Trial
        The Trial given to :func:`kinechain.analyze` (markers in m, pre-computed angles).
    analysis : Analysis
        The standard analysis (events, strides, spatiotemporal, chain, norms, scores).
    scale_m_per_px : float or None
        None when neither height nor a known distance was given.
    not_measured : list of dict
        ``{"measure", "reason"}`` for every measure one side view cannot give.
    timings : dict
        Seconds spent in pose tracking and in the analysis (not written to metrics.json).
    """

    track: PoseTrack
    sagittal: Sagittal
    trial: Trial
    analysis: Any
    scale_m_per_px: float | None
    scale_note: str
    not_measured: list[dict[str, str]]
    video: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    def metrics(self) -> dict[str, Any]:
        """metrics.json content: the standard metrics plus ``video`` and ``not_measured``."""
        out: dict[str, Any] = self.analysis.metrics()
        out["video"] = self.video
        out["not_measured"] = self.not_measured
        return out


def is_video(path: Path | str) -> bool:
    """Whether ``path`` is a video: by suffix, else by asking the decoder (never for mocap)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return True
    if suffix in MOCAP_SUFFIXES or not p.is_file():
        return False
    try:
        from kinechain.video._decode import probe

        probe(p)
    except Exception:
        return False
    return True


# --------------------------------------------------------------------------- the trial


def _markers(
    track: PoseTrack, ok: NDArray[np.bool_], direction: int, scale: float
) -> dict[str, FloatArray]:
    """Gated, gap-bridged, low-pass filtered keypoints as markers in m (X fwd, Y 0, Z up)."""
    fps = float(track.info.fps)
    xy = np.where(ok[..., None], track.xy, np.nan)
    n = xy.shape[0]
    filt = np.empty_like(xy)
    for k in range(xy.shape[1]):
        filt[:, k], _, _, _ = lowpass_gaps(xy[:, k], fps)
    sign = direction or 1
    out: dict[str, FloatArray] = {}
    for name, k in KP.items():
        m = np.zeros((n, 3))
        m[:, 0] = sign * filt[:, k, 0] * scale
        m[:, 2] = (float(track.info.height) - filt[:, k, 1]) * scale
        m[~np.isfinite(filt[:, k]).all(axis=1)] = np.nan
        out[MARKER_NAMES[name]] = m
    hips = np.stack([out["LHJC"], out["RHJC"]])
    both = np.asarray(np.isfinite(hips).all(axis=(0, 2)), dtype=np.bool_)
    pelvis = np.where(both[:, None], hips.mean(axis=0), np.nan)
    out["PELVIS"] = np.asarray(pelvis, dtype=np.float64)
    return out


def _blank(entry: dict[str, Any]) -> dict[str, Any]:
    nan = float("nan")
    return {
        **entry,
        "per_stride": [nan] * len(entry.get("per_stride", [])),
        "mean": nan,
        "sd": nan,
        "n": 0,
        **({"z": None} if "z" in entry else {}),
    }


def _strip_unmeasurable(spatio: dict[str, Any], scaled: bool) -> dict[str, Any]:
    """Blank the spatial parameters a side view (or an unscaled one) cannot give."""
    drop = ("step_width",) if scaled else _SPATIAL + _SPATIAL_DIMLESS
    out = {}
    for key, table in spatio.items():
        out[key] = {k: (_blank(v) if k in drop else v) for k, v in table.items()}
    return out


def _strip_heel_rise(chain: dict[str, Any]) -> dict[str, Any]:
    out = dict(chain)
    for side in ("left", "right"):
        if isinstance(out.get(side), dict):
            out[side] = {
                k: v
                for k, v in out[side].items()
                if k not in ("heel_rise_time", "dorsiflexion_at_heel_rise")
            }
    return out


def analyze_track(
    track: PoseTrack,
    *,
    height_m: float | None = None,
    distance: tuple[float, ...] | None = None,
    neutral_deg: float | None = None,
    gate: float = GATE,
    norms: str | Any | None = None,
    source: str | None = None,
) -> VideoAnalysis:
    """Analyse a pose track of a walk filmed from the side; no file is read or written.

    Parameters
    ----------
    track : PoseTrack
        Raw keypoints of the walking subject (e.g. from ``track_subject``).
    height_m : float, optional
        Subject height; gives the scale (see :func:`scale_from_height`) and the subject.
    distance : (x1, y1, x2, y2, metres), optional
        Two image points (px, first frame) a known distance apart in the walking plane;
        preferred over the height for the scale when both are given.
    neutral_deg : float, optional
        Ankle angle measured in neutral standing, subtracted from dorsiflexion.
    gate : float
        Keypoint confidence gate.
    norms : str or NormSet, optional
    source : str, optional
        Name used in messages and outputs (default: the video path).

    Raises
    ------
    InputError
        Nobody found in the video, or too few frames with a visible subject.
    """
    import time as _time

    from kinechain._pipeline import analyze

    t0 = _time.perf_counter()
    src = source or track.info.path
    if height_m is not None and not (0.5 <= float(height_m) <= 2.6):
        raise InputError(src, f"height {height_m} m is not a plausible human height (0.5–2.6 m)")
    if distance is not None and len(distance) != 5:
        raise InputError(src, "a known distance needs five numbers: x1,y1,x2,y2,metres")
    fps = float(track.info.fps)
    if not (math.isfinite(fps) and fps > 0):
        raise InputError(src, f"frame rate {fps} is not usable")
    ok = gate_keypoints(track.xy, track.conf, gate)
    seen = ok.any(axis=1)
    if int(seen.sum()) < max(10, round(0.5 * fps)):
        raise InputError(
            src,
            f"a person was found in only {int(seen.sum())} of {track.n_frames} frames "
            f"(confidence gate {gate:g}): nothing to analyse",
        )
    sag = sagittal(track, gate=gate, neutral_deg=neutral_deg)
    scale: float | None = None
    scale_note = "no scale: give the subject's height or a known distance for spatial measures"
    if distance is not None:
        s, scale_note = scale_from_distance(tuple(float(v) for v in distance))
        scale = s if math.isfinite(s) else None
    elif height_m is not None:
        s, scale_note = scale_from_height(track.xy, sag.ok, float(height_m))
        scale = s if math.isfinite(s) else None
    scaled = scale is not None
    # Unscaled markers are in px / 1000 (so that "metres" are of the order of a person): the
    # events do not depend on the scale; every spatial measure is blanked below.
    marker_scale = scale if scale is not None else 1e-3
    markers = _markers(track, sag.ok, sag.direction, marker_scale)
    angles = {
        k: sag.angles[k]
        for k in ANGLE_NAMES
        if not k.endswith("foot_pitch") or np.isfinite(sag.angles[k]).any()
    }
    trial = Trial(
        source=src,
        point_rate=fps,
        first_frame=1,
        n_frames=track.n_frames,
        markers=markers,
        subject=Subject(height_m=None if height_m is None else float(height_m)),
        vertical=np.array([0.0, 0.0, 1.0]),
        walking=np.array([1.0, 0.0, 0.0]),
        angles_deg=angles,
        meta={"video": track.info.path, "backend": track.backend},
    )
    analysis = analyze(trial, norms=norms, kinetics=False)
    not_measured = [{"measure": m, "reason": r} for m, r in NOT_MEASURED]
    if not scaled:
        for name in ("stride_length", "step_length", "speed"):
            not_measured.append({"measure": name, "reason": scale_note})
    not_measured.append(
        {
            "measure": "heel_rise",
            "reason": "the heel-rise rule needs the heel height to within 5 mm; video "
            "keypoints of the heel are not that precise",
        }
    )
    video = _video_summary(track, sag, scale, scale_note, gate)
    warnings = list(analysis.warnings)
    warnings.extend(sag.notes)
    warnings.append(f"angles: {video['angle_definition']}")
    warnings.append(f"ankle neutral: {video['ankle_neutral']['note']}")
    warnings.append(scale_note)
    if video["gated_frames"]:
        warnings.append(
            f"{video['gated_frames']} of {track.n_frames} frames had keypoints below the "
            f"confidence gate {gate:g} (see quality.csv)"
        )
    if sag.total_flips:
        warnings.append(f"{sag.total_flips} angle flips (jumps > 60° between frames)")
    warnings.extend(f"not measured: {m['measure']} — {m['reason']}" for m in not_measured)
    analysis = replace(
        analysis,
        model="video_sagittal",
        model_note=f"sagittal angles in the image plane from video pose estimation "
        f"({track.backend})",
        spatiotemporal=_strip_unmeasurable(analysis.spatiotemporal, scaled),
        chain=_strip_heel_rise(analysis.chain),
        warnings=tuple(warnings),
    )
    return VideoAnalysis(
        track=track,
        sagittal=sag,
        trial=trial,
        analysis=analysis,
        scale_m_per_px=scale,
        scale_note=scale_note,
        not_measured=not_measured,
        video=video,
        timings={"analysis_s": _time.perf_counter() - t0},
    )


def _video_summary(
    track: PoseTrack, sag: Sagittal, scale: float | None, scale_note: str, gate: float
) -> dict[str, Any]:
    info = track.info
    gated = sum(1 for r in sag.gated_reason if r)
    found = int((track.conf > 0).any(axis=1).sum())
    neutral = (
        {
            "offset_deg": sag.neutral_deg,
            "source": "given",
            "note": f"{sag.neutral_deg:g}° (neutral standing ankle angle) subtracted",
        }
        if sag.neutral_deg is not None
        else {
            "offset_deg": None,
            "source": "not corrected",
            "note": "not corrected: 0° is the foot (heel→toe) at 90° to the shank; give "
            "the standing ankle angle to correct it",
        }
    )
    return {
        "file": Path(info.path).name,
        "fps": info.fps,
        "n_frames": track.n_frames,
        "width": info.width,
        "height": info.height,
        "rotation": info.rotation,
        "backend": track.backend,
        "walking_direction": {1: "left_to_right", -1: "right_to_left"}.get(
            sag.direction, "unknown"
        ),
        "confidence_gate": gate,
        "frames_with_subject": found,
        "gated_frames": gated,
        "outlier_keypoints": int(sag.outliers.sum()),
        "filter": {
            "type": "Butterworth 2nd order, zero lag (filtfilt)",
            "cutoff_hz": sag.cutoff_hz,
            "max_bridged_gap_s": 0.1,
            "unfiltered_runs": sag.unfiltered_runs,
            "long_gaps": sag.long_gaps,
        },
        "flips": sag.flips,
        "flips_total": sag.total_flips,
        "swaps": int(track.swaps),
        "scale_m_per_px": scale,
        "scale_note": scale_note,
        "ankle_neutral": neutral,
        "angle_definition": "2D sagittal (image plane); hip = thigh on trunk, knee = thigh "
        "to shank, ankle = shank to heel–toe line − 90°, thorax_tilt = trunk to vertical "
        "(+ forward), foot_pitch = heel–toe line to image horizontal (+ toe up)",
    }


def analyze_video(
    path: Path | str,
    *,
    height_m: float | None = None,
    distance: tuple[float, ...] | None = None,
    backend: Any = "mediapipe",
    model: Path | str | None = None,
    neutral_deg: float | None = None,
    gate: float = GATE,
    norms: str | Any | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VideoAnalysis:
    """Track the walking subject in a side-view video and analyse the walk.

    See :func:`analyze_track` for the parameters; ``backend`` and ``model`` choose the pose
    backend (``"mediapipe"`` or ``"onnx"`` with a model path), ``progress(done, total)`` is
    called as frames are processed.
    """
    import time as _time

    from kinechain.video._track import track_subject

    t0 = _time.perf_counter()
    track = track_subject(
        Path(path),
        backend=backend,
        model=None if model is None else Path(model),
        progress=progress,
    )
    t1 = _time.perf_counter()
    result = analyze_track(
        track,
        height_m=height_m,
        distance=distance,
        neutral_deg=neutral_deg,
        gate=gate,
        norms=norms,
        source=str(path),
    )
    timings = {**result.timings, "pose_s": t1 - t0, "total_s": _time.perf_counter() - t0}
    return replace(result, timings=timings)


# --------------------------------------------------------------------------- outputs


def quality_csv(result: VideoAnalysis) -> str:
    """Per-frame quality track as CSV text.

    Columns: ``frame, time_s, subject_found, mean_conf, swapped``, one ``valid_<angle>`` flag
    per angle (the confidence gate), ``bridged`` (any angle filled by interpolation) and
    ``gated`` (why keypoints were rejected; empty when none).
    """
    track, sag = result.track, result.sagittal
    n = track.n_frames
    found = np.asarray(
        np.logical_and(
            np.any(track.conf > 0.0, axis=1),
            np.any(np.all(np.isfinite(track.xy), axis=2), axis=1),
        ),
        dtype=np.bool_,
    )
    mean_conf = track.conf.mean(axis=1)
    swapped = np.zeros(n, dtype=np.int64)
    for i in track.meta.get("swapped_frames", []) or []:
        if 0 <= int(i) < n:
            swapped[int(i)] = 1
    names = list(ANGLE_NAMES)
    bridged = np.zeros(n, dtype=np.bool_)
    for name in names:
        bridged |= sag.filled[name]
    buf = io.StringIO()
    head = ["frame", "time_s", "subject_found", "mean_conf", "swapped"]
    head += [f"valid_{a}" for a in names] + ["bridged", "gated"]
    buf.write(",".join(head) + "\n")
    valid = np.stack([sag.valid[a] for a in names], axis=1).astype(np.int64)
    for i in range(n):
        reason = sag.gated_reason[i].replace('"', "'")
        cells = [
            str(i),
            f"{track.time[i]:.4f}",
            str(int(found[i])),
            f"{mean_conf[i]:.3f}",
            str(int(swapped[i])),
            *(str(v) for v in valid[i].tolist()),
            str(int(bridged[i])),
            f'"{reason}"' if reason else "",
        ]
        buf.write(",".join(cells) + "\n")
    return buf.getvalue()


def _metrics_text(result: VideoAnalysis) -> str:
    from kinechain.io._results import clean_json

    return json.dumps(clean_json(result.metrics()), indent=2, allow_nan=False) + "\n"


def write_video_results(
    result: VideoAnalysis,
    out_dir: Path | str,
    *,
    overwrite: bool = False,
    report: bool = True,
    video: bool = True,
) -> Path:
    """Write angles.csv, events.csv, metrics.json, report.html, quality.csv, annotated.webm.

    All or nothing: the folder appears only when every file is complete (see
    :func:`kinechain.io._results.write_folder`). ``annotated.webm`` re-decodes the video.

    Raises
    ------
    InputError
        ``out_dir`` exists and is not empty while ``overwrite`` is False, or is a file.
    """
    from kinechain.io._results import (
        angles_csv,
        check_output_folder,
        events_csv,
        write_folder,
    )

    target = check_output_folder(out_dir, overwrite=overwrite)
    files: dict[str, str | bytes] = {
        "angles.csv": angles_csv(result.analysis),
        "events.csv": events_csv(result.analysis),
        "metrics.json": _metrics_text(result),
        "quality.csv": quality_csv(result),
    }
    if report:
        from kinechain.report import render_report

        files["report.html"] = render_report(result.analysis)
    if video:
        from kinechain.video._draw import render_annotated

        with tempfile.TemporaryDirectory(prefix="kinechain-video-") as tmp:
            webm = Path(tmp) / "annotated.webm"
            render_annotated(result, webm)
            files["annotated.webm"] = webm.read_bytes()
    return write_folder(files, target, overwrite=overwrite)
