"""Follow the walking subject through a video and keep their left and right legs apart.

Single-person pose models (MediaPipe's legacy pose sees one person per image) lock onto
whoever is most prominent. With a second person in view (the demo video has a man doing
jumping jacks above the walking woman) a full-frame pass follows the wrong person. So:

1. **Choose** - the backend runs on overlapping tiles (the full frame and full-height
   columns) of every ~1/6 s of the first seconds; detections are linked into candidate people
   by position; the subject is the candidate whose hip centre travels furthest horizontally
   in one direction relative to their body height (walking crosses the view; jumping,
   standing or exercising in place does not). If nobody travels in the first window, the
   window is extended.
2. **Track** - each frame the backend sees only a region of interest around the subject's
   predicted box (constant-velocity prediction, 1.6× body height, square, inside the frame),
   so one model call per frame. A detection is accepted only if it is consistent with the
   track (position within reach of the prediction, similar body height); otherwise the
   subject is searched again around the prediction with a fresh detector, and if nothing
   consistent is found the frame is left empty (NaN, confidence 0) - never filled with
   another person. Frames before the first sighting are tracked backwards a short way.
3. **Left/right** - side views make pose models swap the legs' labels. Each frame both
   assignments are compared with the positions predicted from the previous frames and the
   cheaper one kept (:func:`resolve_swaps`); swaps undone are counted.

Deterministic: the same file and backend give identical arrays. Two things run on the
second core without changing any result: decoding runs a few frames ahead in a background
thread, and with MediaPipe the search tiles of a frame are split between two still-image
graphs in two threads (MediaPipe releases the GIL while it runs; a still-image graph keeps
no state, so which graph sees which tile does not matter).
"""

from __future__ import annotations

import dataclasses
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import InputError
from kinechain.video._backends import Detection, PoseBackend, make_backend
from kinechain.video._decode import frames, probe
from kinechain.video._types import KEYPOINTS, KP, PoseTrack, VideoInfo

__all__ = ["LR_PAIRS", "resolve_swaps", "track_subject"]

FloatArray = NDArray[np.float64]

#: (left, right) keypoint indices swapped together when labels are exchanged.
LR_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (KP[f"left_{p}"], KP[f"right_{p}"]) for p in ("shoulder", "hip", "knee", "ankle", "heel", "toe")
)
_LEG = np.array(
    [KP[f"{s}_{p}"] for s in ("left", "right") for p in ("knee", "ankle", "heel", "toe")]
)
_HIPS = np.array([KP["left_hip"], KP["right_hip"]])
_CORE = np.array(
    [KP[f"{s}_{p}"] for s in ("left", "right") for p in ("hip", "knee", "ankle")], dtype=np.intp
)
_N = len(KEYPOINTS)

# Tunables (fractions of body height, seconds); fixed so results are reproducible.
MIN_CONF = 0.3  # mean confidence of hips/knees/ankles to accept a detection
ROI_SCALE = 1.6  # tracking region: square, ROI_SCALE × body height
SEARCH_SCALE = 2.6  # re-detection region when lost
REACH_BH = 0.3  # allowed jump from the prediction in one frame (body heights)
REACH_BH_PER_S = 1.2  # ... plus this much per second lost
REACH_MAX_BH = 1.0
SIZE_RATIO = 1.6  # body height may change by this factor at most
MIN_TRAVEL_BH = 0.3  # net horizontal travel to call a candidate "walking"
SWAP_PRIOR = 0.05  # cost of exchanging a frame's labels, × leg length
# Frames decoded ahead in a background thread (decoding overlaps pose inference).
PREFETCH = 4


# --------------------------------------------------------------------------- geometry


def _box(xy: FloatArray, conf: FloatArray) -> FloatArray:
    """Keypoint box (x0, y0, x1, y1) of the confident keypoints (all finite ones if none)."""
    ok = np.isfinite(xy).all(axis=1)
    good = ok & (conf >= MIN_CONF)
    sel = xy[good] if good.sum() >= 4 else xy[ok]
    return np.array([*sel.min(axis=0), *sel.max(axis=0)])


def _body_height(box: FloatArray) -> float:
    # Nose-to-foot span; the head top adds ~10 % (kept simple: box height).
    return float(max(box[3] - box[1], 0.5 * (box[2] - box[0]), 1.0))


def _hip_centre(xy: FloatArray) -> FloatArray:
    hips = xy[_HIPS]
    if np.isfinite(hips).all():
        return np.asarray(hips.mean(axis=0))
    core = xy[_CORE]
    core = core[np.isfinite(core).all(axis=1)]
    return np.asarray(core.mean(axis=0)) if len(core) else np.full(2, np.nan)


def _square(centre: FloatArray, side: float, width: int, height: int) -> tuple[int, int, int, int]:
    """Integer square region of ``side`` around ``centre``, shifted (then clipped) into view."""
    s = round(min(side, max(width, height)))
    x0 = round(centre[0] - s / 2)
    y0 = round(centre[1] - s / 2)
    x0 = min(max(x0, 0), max(width - s, 0))
    y0 = min(max(y0, 0), max(height - s, 0))
    return x0, y0, min(x0 + s, width), min(y0 + s, height)


def _run(
    backend: PoseBackend, rgb: NDArray[np.uint8], region: tuple[int, int, int, int]
) -> Detection | None:
    x0, y0, x1, y1 = region
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    det = backend.detect(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
    if det is None:
        return None
    xy, conf = det
    xy = np.asarray(xy, dtype=np.float64) + np.array([x0, y0], dtype=np.float64)
    return xy, np.asarray(conf, dtype=np.float64)


def _usable(det: Detection) -> bool:
    xy, conf = det
    core = conf[_CORE]
    return bool(np.isfinite(xy[_CORE]).all() and core.mean() >= MIN_CONF)


# --------------------------------------------------------------------------- choosing


@dataclasses.dataclass(eq=False)
class _Sighting:
    frame: int
    hip: FloatArray
    bh: float
    box: FloatArray
    score: float


@dataclasses.dataclass(eq=False)
class _Candidate:
    sightings: list[_Sighting]

    @property
    def last(self) -> _Sighting:
        return self.sightings[-1]

    def travel(self) -> tuple[float, float]:
        """(net horizontal travel / median body height, straightness 0..1)."""
        x = np.array([s.hip[0] for s in self.sightings])
        bh = float(np.median([s.bh for s in self.sightings]))
        net = float(x[-1] - x[0])
        path = float(np.abs(np.diff(x)).sum())
        return abs(net) / bh, (abs(net) / path if path > 0 else 0.0)

    def summary(self) -> dict[str, Any]:
        travel, straight = self.travel()
        hips = np.array([s.hip for s in self.sightings])
        return {
            "sightings": len(self.sightings),
            "frames": [self.sightings[0].frame, self.last.frame],
            "hip_start_px": [round(float(v), 1) for v in hips[0]],
            "hip_end_px": [round(float(v), 1) for v in hips[-1]],
            "body_height_px": round(float(np.median([s.bh for s in self.sightings])), 1),
            "travel_body_heights": round(travel, 3),
            "straightness": round(straight, 3),
        }


def _tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The full frame plus overlapping full-height columns (3 of half the width if wide)."""
    tiles = [(0, 0, width, height)]
    if width >= 1.3 * height:
        cw = max(height, width // 2)
        n = 3 if width > cw else 1
        for k in range(n):
            x0 = round(k * (width - cw) / max(n - 1, 1))
            tiles.append((x0, 0, min(x0 + cw, width), height))
    elif height >= 1.3 * width:
        ch = max(width, height // 2)
        for k in range(3):
            y0 = round(k * (height - ch) / 2)
            tiles.append((0, y0, width, min(y0 + ch, height)))
    return tiles


def _detect_tiles(
    searchers: Sequence[PoseBackend],
    rgb: NDArray[np.uint8],
    tiles: list[tuple[int, int, int, int]],
    pool: Executor | None,
) -> list[Detection | None]:
    """One detection per tile, in tile order. With a pool and several (stateless, still-image)
    searchers, searcher ``j`` takes tiles ``j, j + n, ...`` in its own thread: MediaPipe
    releases the GIL while it runs, and a still-image graph gives the same answer for the
    same image whichever instance runs it, so the result does not depend on the split."""

    def run(j: int) -> list[tuple[int, Detection | None]]:
        backend = searchers[j]
        out = []
        for k in range(j, len(tiles), len(searchers)):
            backend.reset()
            out.append((k, _run(backend, rgb, tiles[k])))
        return out

    dets: list[Detection | None] = [None] * len(tiles)
    if pool is None or len(searchers) < 2:
        searchers = searchers[:1]
        parts = [run(0)]
    else:
        parts = list(pool.map(run, range(len(searchers))))
    for part in parts:
        for k, det in part:
            dets[k] = det
    return dets


def _sightings(
    searchers: Sequence[PoseBackend],
    rgb: NDArray[np.uint8],
    frame: int,
    tiles: list[tuple[int, int, int, int]],
    pool: Executor | None = None,
) -> list[_Sighting]:
    found: list[_Sighting] = []
    for det in _detect_tiles(searchers, rgb, tiles, pool):
        if det is None or not _usable(det):
            continue
        xy, conf = det
        box = _box(xy, conf)
        hip = _hip_centre(xy)
        if not np.isfinite(hip).all():
            continue
        s = _Sighting(frame, hip, _body_height(box), box, float(conf[_CORE].mean()))
        # The same person seen in two overlapping tiles: keep the more confident.
        same = [
            k for k, f in enumerate(found) if np.hypot(*(f.hip - s.hip)) < 0.25 * max(f.bh, s.bh)
        ]
        if same:
            if s.score > found[same[0]].score:
                found[same[0]] = s
        else:
            found.append(s)
    return found


def _link(cands: list[_Candidate], sightings: list[_Sighting], fps: float) -> None:
    """Attach each sighting to the nearest candidate within reach, else start a new one."""
    taken: set[int] = set()
    for s in sorted(sightings, key=lambda s: (-s.score, s.hip[0])):
        best, best_d = -1, np.inf
        for k, c in enumerate(cands):
            if k in taken:
                continue
            last = c.last
            dt = (s.frame - last.frame) / fps
            reach = max(last.bh, s.bh) * (REACH_BH + 1.5 * dt)
            ratio = max(s.bh, last.bh) / min(s.bh, last.bh)
            d = float(np.hypot(*(s.hip - last.hip)))
            if d <= reach and ratio <= SIZE_RATIO and d < best_d:
                best, best_d = k, d
        if best >= 0:
            cands[best].sightings.append(s)
            taken.add(best)
        else:
            cands.append(_Candidate([s]))
            taken.add(len(cands) - 1)


def _choose(
    path: Path,
    info: VideoInfo,
    searchers: Sequence[PoseBackend],
    window_s: float,
    pool: Executor | None = None,
) -> tuple[_Candidate, dict[str, Any]]:
    step = max(1, round(info.fps / 6))
    tiles = _tiles(info.width, info.height)
    cands: list[_Candidate] = []
    window_end = window_s * info.fps
    chosen: _Candidate | None = None
    reason = ""
    scanned = 0
    with closing(frames(path, step=step, prefetch=2)) as it:
        for i, _t, rgb in it:
            if i >= window_end:  # after the first window, stop as soon as someone walks
                chosen, reason = _walker(cands)
                if chosen is not None:
                    break
            _link(cands, _sightings(searchers, rgb, i, tiles, pool), info.fps)
            scanned = i
    if chosen is None:
        chosen, reason = _walker(cands)
    if chosen is None:
        persistent = [c for c in cands if len(c.sightings) >= 2] or cands
        if not persistent:
            raise InputError(path, "no person found in the video by the pose backend")
        chosen = max(persistent, key=lambda c: (len(c.sightings), c.last.bh))
        reason = "nobody travelled across the view; chose the person seen most often"
    for b in searchers:
        b.reset()
    meta = {
        "tiles": [list(t) for t in tiles],
        "sample_step_frames": step,
        "scanned_to_frame": scanned,
        "candidates": [c.summary() for c in cands if len(c.sightings) >= 2],
        "chosen": chosen.summary(),
        "reason": reason,
    }
    return chosen, meta


def _walker(cands: list[_Candidate]) -> tuple[_Candidate | None, str]:
    scored = []
    for c in cands:
        if len(c.sightings) < 3:
            continue
        travel, straight = c.travel()
        if travel >= MIN_TRAVEL_BH and straight >= 0.6:
            scored.append((travel * straight, c))
    if not scored:
        return None, ""
    _score, best = max(scored, key=lambda sc: sc[0])
    travel, straight = best.travel()
    return best, (
        f"largest one-way horizontal travel: {travel:.2f} body heights "
        f"(straightness {straight:.2f}) over {len(best.sightings)} sightings"
    )


# --------------------------------------------------------------------------- tracking


class _Follower:
    """Constant-velocity region-of-interest tracker around one person."""

    def __init__(
        self,
        tracker: PoseBackend,
        searcher: PoseBackend,
        info: VideoInfo,
        start: _Sighting,
    ) -> None:
        self.tracker = tracker
        self.searcher = searcher
        self.w, self.h, self.fps = info.width, info.height, info.fps
        self.reset_to(start)

    def reset_to(self, s: _Sighting) -> None:
        self.centre = (s.box[:2] + s.box[2:]) / 2
        self.hip = s.hip.copy()
        self.bh = s.bh
        self.velocity = np.zeros(2)
        self.gap = 1
        self.tracker.reset()

    def _predicted(self) -> FloatArray:
        g = min(self.gap, int(self.fps))  # extrapolate at most 1 s
        c = self.centre + self.velocity * g
        m = 0.5 * self.bh  # stay near the frame once the person has left it
        return np.clip(c, [-m, -m], [self.w + m, self.h + m])

    def _consistent(self, det: Detection | None) -> tuple[FloatArray, float] | None:
        if det is None or not _usable(det):
            return None
        xy, conf = det
        hip = _hip_centre(xy)
        bh = _body_height(_box(xy, conf))
        dt = self.gap / self.fps
        reach = self.bh * min(REACH_BH + REACH_BH_PER_S * dt, REACH_MAX_BH)
        pred_hip = self.hip + (self._predicted() - self.centre)
        if not np.isfinite(hip).all() or np.hypot(*(hip - pred_hip)) > reach:
            return None
        if max(bh, self.bh) / min(bh, self.bh) > SIZE_RATIO:
            return None
        return hip, bh

    def step(self, rgb: NDArray[np.uint8]) -> tuple[Detection, FloatArray] | None:
        pred = self._predicted()
        det: Detection | None = None
        ok = None
        if self.gap == 1:  # following: one call on the region of interest
            det = _run(self.tracker, rgb, _square(pred, ROI_SCALE * self.bh, self.w, self.h))
            ok = self._consistent(det)
            if ok is None and det is not None:
                self.tracker.reset()  # it was following someone else
        # Lost (or just lost): search a wider region with a fresh detector; after half a
        # second lost, only every third frame.
        lost_long = self.gap > self.fps / 2
        if ok is None and (not lost_long or self.gap % 3 == 0):
            det = _run(self.searcher, rgb, _square(pred, SEARCH_SCALE * self.bh, self.w, self.h))
            ok = self._consistent(det)
            self.searcher.reset()
            if ok is not None:
                self.tracker.reset()
        if ok is None or det is None:
            self.gap += 1
            return None
        hip, bh = ok
        xy, conf = det
        box = _box(xy, conf)
        centre = (box[:2] + box[2:]) / 2
        v = (centre - self.centre) / self.gap
        self.velocity = v if self.gap > 1 or not self.velocity.any() else 0.5 * (self.velocity + v)
        self.centre, self.hip, self.gap = centre, hip, 1
        self.bh = 0.8 * self.bh + 0.2 * bh
        return (xy, conf), box


def track_subject(
    path: str | Path,
    *,
    backend: PoseBackend | str = "mediapipe",
    model: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    window_s: float = 2.0,
) -> PoseTrack:
    """Raw keypoints of the walking subject in every frame of a video.

    Parameters
    ----------
    path : str or Path
        The video.
    backend : PoseBackend or str
        ``"mediapipe"`` (default) or ``"onnx"`` (with ``model``), or a backend instance
        (then used both for tracking and for searching, with ``reset`` between images).
    model : path, optional
        ONNX pose model for ``backend="onnx"``.
    progress : callable, optional
        Called as ``progress(frames_done, frames_total)`` after each frame.
    window_s : float
        Length of the subject-choosing window (extended until someone walks).

    Returns
    -------
    PoseTrack
        Keypoints (NaN and confidence 0 where the subject was not found), the subject's box,
        left/right made consistent (``swaps`` counts labels exchanged), not filtered.
        ``meta`` records the tiles, candidates and why the subject was chosen.
    """
    p = Path(path)
    info = probe(p)
    owned: list[PoseBackend] = []
    pool: ThreadPoolExecutor | None = None
    try:
        if isinstance(backend, str):
            tracker = make_backend(backend, model)
            owned.append(tracker)
            searchers = [make_backend(backend, model, still=True)]
            owned.extend(searchers)
            # MediaPipe runs single-threaded: a second still-image searcher on the second
            # core halves the time spent on the search tiles (identical results).
            if tracker.name == "mediapipe" and (os.cpu_count() or 1) >= 2:
                searchers.append(make_backend(backend, model, still=True))
                owned.append(searchers[-1])
                pool = ThreadPoolExecutor(len(searchers), thread_name_prefix="kinechain-pose")
        else:
            tracker = backend
            searchers = [backend]
        chosen, meta = _choose(p, info, searchers, window_s, pool)
        xy, conf, box, n_found_back = _follow(p, info, tracker, searchers[0], chosen, progress)
    finally:
        if pool is not None:
            pool.shutdown()
        for b in owned:
            b.close()
    n = xy.shape[0]
    if n != info.n_frames:
        info = dataclasses.replace(info, n_frames=n)
    fixed_xy, fixed_conf, swapped = resolve_swaps(xy, conf)
    settings = getattr(tracker, "settings", {})
    meta.update(
        {
            "backend_settings": settings,
            "frames_found": int(np.isfinite(xy[:, KP["left_hip"], 0]).sum()),
            "frames_found_backwards": n_found_back,
            "swapped_frames": np.flatnonzero(swapped).tolist(),
            "swap_runs": int(np.count_nonzero(np.diff(swapped.astype(np.int8), prepend=0) == 1)),
            "swaps_counted_as": "frames whose left/right labels were exchanged",
            "roi_scale": ROI_SCALE,
        }
    )
    return PoseTrack(
        info=info,
        backend=tracker.name,
        xy=fixed_xy,
        conf=fixed_conf,
        time=np.arange(n) / info.fps,
        box=box,
        swaps=int(swapped.sum()),
        meta=meta,
    )


def _follow(
    path: Path,
    info: VideoInfo,
    tracker: PoseBackend,
    searcher: PoseBackend,
    chosen: _Candidate,
    progress: Callable[[int, int], None] | None,
) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    first = chosen.sightings[0]
    follower = _Follower(tracker, searcher, info, first)
    xs: list[FloatArray] = []
    cs: list[FloatArray] = []
    bs: list[FloatArray] = []
    empty = (np.full((_N, 2), np.nan), np.zeros(_N), np.full(4, np.nan))
    back: deque[tuple[int, NDArray[np.uint8]]] = deque(maxlen=max(2, round(info.fps / 3)))
    total = info.n_frames
    n_back = 0
    with closing(frames(path, prefetch=PREFETCH)) as video:
        for i, _t, rgb in video:
            if i < first.frame:
                back.append((i, rgb))
                xs.append(empty[0])
                cs.append(empty[1])
                bs.append(empty[2])
            else:
                if i == first.frame and back:
                    n_back = _backwards(follower, first, back, xs, cs, bs)
                    follower.reset_to(first)
                out = follower.step(rgb)
                if out is None:
                    xs.append(empty[0])
                    cs.append(empty[1])
                    bs.append(empty[2])
                else:
                    (xy, conf), box = out
                    xs.append(xy)
                    cs.append(conf)
                    bs.append(box)
            total = max(total, i + 1)
            if progress is not None:
                progress(i + 1, total)
    if not xs:
        raise InputError(path, "no frame decodes")
    return np.stack(xs), np.stack(cs), np.stack(bs), n_back


def _backwards(
    follower: _Follower,
    first: _Sighting,
    back: deque[tuple[int, NDArray[np.uint8]]],
    xs: list[FloatArray],
    cs: list[FloatArray],
    bs: list[FloatArray],
) -> int:
    """Track from the first sighting back through the buffered earlier frames."""
    follower.reset_to(first)
    n = 0
    for i, rgb in reversed(back):
        out = follower.step(rgb)
        if out is None:
            break  # the subject is not there yet; earlier frames stay empty
        (xy, conf), box = out
        xs[i], cs[i], bs[i] = xy, conf, box
        n += 1
    return n


# --------------------------------------------------------------------------- left/right


def resolve_swaps(
    xy: FloatArray,
    conf: FloatArray,
    *,
    pairs: tuple[tuple[int, int], ...] = LR_PAIRS,
    prior: float = SWAP_PRIOR,
    max_gap: int = 15,
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Undo left/right label exchanges so that each leg moves continuously.

    Every frame is either kept or has all ``pairs`` exchanged. Between consecutive frames with
    leg keypoints (knee, ankle, heel, toe of both sides) the cost of a pair of choices is the
    summed distance each labelled leg point moves; the choices over the whole video are those
    of least total cost (a two-state Viterbi pass), plus ``prior`` × leg length for each
    exchanged frame so that, where both labellings move equally (legs crossing in a side
    view), the backend's labels are kept. This is the per-frame comparison of both
    assignments with the previous frame, solved for the whole sequence at once so that one
    ambiguous frame cannot flip every later frame. Frames more than ``max_gap`` apart are
    not linked.

    Returns the corrected ``xy`` and ``conf`` and the mask of frames whose labels were
    exchanged.
    """
    n = xy.shape[0]
    perm = np.arange(xy.shape[1])
    for a, b in pairs:
        perm[a], perm[b] = b, a
    swapped = np.zeros(n, dtype=bool)
    legs = xy[:, _LEG, :]
    valid = np.flatnonzero(np.isfinite(legs).all(axis=(1, 2)))
    if len(valid) < 2:
        return xy.copy(), conf.copy(), swapped
    both = np.stack([legs[valid], xy[valid][:, perm[_LEG], :]], axis=1)  # (m, 2, 8, 2)
    hips = xy[valid][:, _HIPS, :].mean(axis=1)
    ankles = xy[valid][:, [KP["left_ankle"], KP["right_ankle"]], :]
    leg_len = float(np.nanmedian(np.hypot(*(ankles - hips[:, None, :]).transpose(2, 0, 1))))
    if not np.isfinite(leg_len) or leg_len <= 0:
        leg_len = float(np.ptp(legs[valid][..., 1])) or 1.0
    # step[k, i, j]: movement from frame valid[k] labelled i to valid[k+1] labelled j.
    diff = both[1:, None, :, :, :] - both[:-1, :, None, :, :]  # (m-1, 2, 2, 8, 2)
    step = np.hypot(diff[..., 0], diff[..., 1]).sum(axis=-1)
    step[np.diff(valid) > max_gap] = 0.0
    unary = np.array([0.0, prior * leg_len])
    # Viterbi over two states; ties keep the backend's labels (state 0 first in argmin).
    m = len(valid)
    back = np.zeros((m, 2), dtype=np.intp)
    total = unary.copy()
    for k in range(1, m):
        cand = total[:, None] + step[k - 1]  # (prev state, state)
        back[k] = np.argmin(cand, axis=0)
        total = cand[back[k], [0, 1]] + unary
    state = np.zeros(m, dtype=np.intp)
    state[-1] = int(np.argmin(total))
    for k in range(m - 1, 0, -1):
        state[k - 1] = back[k, state[k]]
    swapped[valid[state == 1]] = True
    out = xy.copy()
    cout = conf.copy()
    out[swapped] = xy[swapped][:, perm]
    cout[swapped] = conf[swapped][:, perm]
    return out, cout, swapped
