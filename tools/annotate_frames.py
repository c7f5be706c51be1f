"""Prepare frames of a video for hand annotation (and check annotations by eye).

The points in ``tests/data/video/demo_annotations.json`` were placed by looking at the images
this tool writes; it never places a point itself. Sub-commands:

* ``sheet``: a contact sheet of downscaled frames (every ``--step`` frames), each labelled with
  its index, to choose frames and a crop box.
* ``crop``: for each chosen frame, the region ``--box x0 y0 x1 y1`` (original pixels) upscaled
  ``--zoom`` times, with grid lines every ``--grid`` original pixels, labelled with their
  original x (top, bottom) and y (left, right) coordinates, so that a point's original
  coordinates can be read off the image.
* ``check``: the same crop with the annotated points of those frames drawn as small labelled
  crosshairs (from the annotation JSON), to check and correct them.
* ``joints``: a montage of small crops (``--size`` original px square, ``--zoom`` times, fine
  grid ``--grid``) centred on each annotated point of a frame, with the points drawn; for
  placing and checking single joints at high zoom (used by the second annotator).

``--points`` is an alias of ``--ann`` (an annotation JSON of the same layout, e.g. a second
annotator's own file); ``--no-draw`` draws the grid only (to look before placing).

Frames are decoded with OpenCV in decode order (index 0 = first frame). Images are PNGs.

Usage (from the project root)::

    .venv/bin/python tools/annotate_frames.py sheet ../shared/data/video/sports2d/demo.mp4 \\
        --out test-artifacts/annotate --step 10
    .venv/bin/python tools/annotate_frames.py crop VIDEO --frames 40 48 --box 900 550 1300 994 \\
        --zoom 2 --grid 10 --out test-artifacts/annotate
    .venv/bin/python tools/annotate_frames.py check VIDEO \\
        --ann tests/data/video/demo_annotations.json --frames 40 --auto-box 40 --zoom 3
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]

# Colours (BGR) per landmark for the check images; near side bright, far side dark.
COLOURS = {
    "shoulder": (255, 255, 255),
    "hip": (0, 255, 255),
    "knee": (0, 255, 0),
    "ankle": (255, 128, 0),
    "heel": (255, 0, 255),
    "toe": (0, 0, 255),
}


def read_frames(video: Path, wanted: set[int] | None, step: int = 1) -> dict[int, Image]:
    """Decode the video sequentially and keep the wanted frames (BGR)."""
    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise SystemExit(f"{video}: cannot open")
    out: dict[int, Image] = {}
    i = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if (wanted is None and i % step == 0) or (wanted is not None and i in wanted):
            out[i] = frame
        i += 1
    cap.release()
    return out


def contact_sheet(frames: dict[int, Image], scale: float, cols: int) -> Image:
    tiles = []
    for idx, frame in sorted(frames.items()):
        small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        cv2.putText(small, str(idx), (5, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 255), 2)
        tiles.append(small)
    h, w = tiles[0].shape[:2]
    rows = (len(tiles) + cols - 1) // cols
    sheet = np.zeros((rows * h, cols * w, 3), np.uint8)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, cols)
        sheet[r * h : (r + 1) * h, c * w : (c + 1) * w] = tile
    return sheet


def grid_crop(frame: Image, box: tuple[int, int, int, int], zoom: float, grid: int) -> Image:
    """Crop ``box`` (original px), upscale by ``zoom`` and draw a labelled grid with margins."""
    x0, y0, x1, y1 = box
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    crop = frame[y0:y1, x0:x1]
    big = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    margin = 44
    canvas = np.full((big.shape[0] + 2 * margin, big.shape[1] + 2 * margin, 3), 255, np.uint8)
    canvas[margin : margin + big.shape[0], margin : margin + big.shape[1]] = big
    first_x = (x0 + grid - 1) // grid * grid
    for gx in range(first_x, x1 + 1, grid):
        px = margin + round((gx - x0) * zoom)
        major = gx % (5 * grid) == 0
        colour = (0, 200, 255) if major else (160, 160, 160)
        cv2.line(canvas, (px, margin), (px, margin + big.shape[0]), colour, 1)
        if major or zoom * grid >= 40:
            for ty in (margin - 8, margin + big.shape[0] + 30):
                cv2.putText(
                    canvas, str(gx), (px - 14, ty), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1
                )
    first_y = (y0 + grid - 1) // grid * grid
    for gy in range(first_y, y1 + 1, grid):
        py = margin + round((gy - y0) * zoom)
        major = gy % (5 * grid) == 0
        colour = (0, 200, 255) if major else (160, 160, 160)
        cv2.line(canvas, (margin, py), (margin + big.shape[1], py), colour, 1)
        if major or zoom * grid >= 40:
            for tx in (2, margin + big.shape[1] + 4):
                cv2.putText(
                    canvas, str(gy), (tx, py + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1
                )
    return canvas


def draw_points(
    canvas: Image,
    points: dict[str, Any],
    box: tuple[int, int, int, int],
    zoom: float,
) -> None:
    """Draw annotated points as crosshairs (1 original px = ``zoom`` image px)."""
    margin = 44
    x0, y0 = max(0, box[0]), max(0, box[1])

    def at(name: str) -> tuple[int, int] | None:
        p = points.get(name)
        if p is None or p.get("x") is None:
            return None
        return (
            round(margin + (p["x"] - x0) * zoom),
            round(margin + (p["y"] - y0) * zoom),
        )

    for side, colour in (("left", (255, 255, 0)), ("right", (0, 140, 255))):
        chain = ["hip", "knee", "ankle", "heel", "toe", "ankle"]
        for a, b in itertools.pairwise(chain):
            pa, pb = at(f"{side}_{a}"), at(f"{side}_{b}")
            if pa is not None and pb is not None:
                cv2.line(canvas, pa, pb, colour, 1, cv2.LINE_AA)
    pa, pb = at("left_shoulder"), at("left_hip")
    if pa is not None and pb is not None:
        cv2.line(canvas, pa, pb, (255, 255, 255), 1, cv2.LINE_AA)
    for name, p in points.items():
        if p is None or p.get("x") is None:
            continue
        kind = name.split("_", 1)[1]
        colour = COLOURS.get(kind, (0, 0, 0))
        if name.startswith("right"):
            colour = tuple(int(c * 0.55) for c in colour)
        cx = margin + (p["x"] - x0) * zoom
        cy = margin + (p["y"] - y0) * zoom
        c = (round(cx), round(cy))
        r = 6
        cv2.line(canvas, (c[0] - r, c[1]), (c[0] + r, c[1]), colour, 1)
        cv2.line(canvas, (c[0], c[1] - r), (c[0], c[1] + r), colour, 1)
        label = name.replace("left_", "L").replace("right_", "R")
        cv2.putText(canvas, label, (c[0] + 6, c[1] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1)


def joint_montage(frame: Image, points: dict[str, Any], args: argparse.Namespace) -> Image:
    """Crops of ``args.size`` px around each placed point, zoomed, gridded, tiled 3 per row."""
    half = args.size // 2
    tiles: list[Image] = []
    for name, p in points.items():
        if p is None or p.get("x") is None or p.get("inferred"):
            continue
        if args.names and name not in args.names:
            continue
        cx, cy = round(p["x"]), round(p["y"])
        box = (cx - half, cy - half, cx + half, cy + half)
        tile = grid_crop(frame, box, args.zoom, args.grid)
        if not args.no_draw:
            draw_points(tile, points, box, args.zoom)
        cv2.putText(tile, name, (50, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 200), 1)
        tiles.append(tile)
    if not tiles:
        return np.full((10, 10, 3), 255, np.uint8)
    h = max(t.shape[0] for t in tiles)
    w = max(t.shape[1] for t in tiles)
    cols = min(3, len(tiles))
    rows = (len(tiles) + cols - 1) // cols
    sheet = np.full((rows * h, cols * w, 3), 255, np.uint8)
    for k, t in enumerate(tiles):
        r, c = divmod(k, cols)
        sheet[r * h : r * h + t.shape[0], c * w : c * w + t.shape[1]] = t
    return sheet


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("command", choices=("sheet", "crop", "check", "joints"))
    ap.add_argument("video", type=Path)
    ap.add_argument("--out", type=Path, default=Path("test-artifacts/annotate"))
    ap.add_argument("--step", type=int, default=10, help="sheet: every N frames")
    ap.add_argument("--scale", type=float, default=0.2, help="sheet: downscale factor")
    ap.add_argument("--cols", type=int, default=5, help="sheet: tiles per row")
    ap.add_argument("--frames", type=int, nargs="*", default=[])
    ap.add_argument("--box", type=int, nargs=4, metavar=("X0", "Y0", "X1", "Y1"))
    ap.add_argument("--auto-box", type=int, default=0, help="check: box around the points + N px")
    ap.add_argument("--zoom", type=float, default=2.0)
    ap.add_argument("--grid", type=int, default=10)
    ap.add_argument("--ann", "--points", type=Path, help="check/joints: annotation JSON")
    ap.add_argument("--size", type=int, default=80, help="joints: crop side, original px")
    ap.add_argument("--names", nargs="*", default=[], help="joints: only these points")
    ap.add_argument("--no-draw", action="store_true", help="check/joints: grid only")
    ap.add_argument("--tag", default="", help="suffix for the output file names")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    if args.command == "sheet":
        frames = read_frames(args.video, None, args.step)
        items = sorted(frames.items())
        per = args.cols * 4
        for k in range(0, len(items), per):
            sheet = contact_sheet(dict(items[k : k + per]), args.scale, args.cols)
            path = args.out / f"sheet_{items[k][0]:03d}.png"
            cv2.imwrite(str(path), sheet)
            sys.stdout.write(f"{path}\n")
        return 0

    frames = read_frames(args.video, set(args.frames))
    ann: dict[int, dict[str, Any]] = {}
    if args.command in ("check", "joints"):
        if args.ann is None:
            ap.error(f"{args.command} needs --ann/--points")
        data = json.loads(args.ann.read_text())
        ann = {int(f["frame"]): f["points"] for f in data["frames"]}
    for idx in args.frames:
        if idx not in frames:
            sys.stderr.write(f"frame {idx}: not in the video\n")
            continue
        if args.command == "joints":
            if idx not in ann:
                sys.stderr.write(f"frame {idx}: no points\n")
                continue
            sheet = joint_montage(frames[idx], ann[idx], args)
            path = args.out / f"joints_{idx:03d}{args.tag}.png"
            cv2.imwrite(str(path), sheet)
            sys.stdout.write(f"{path}\n")
            continue
        box = tuple(args.box) if args.box else None
        if args.command == "check" and args.auto_box and idx in ann:
            pts = [p for p in ann[idx].values() if p is not None and p.get("x") is not None]
            xs = [p["x"] for p in pts]
            ys = [p["y"] for p in pts]
            m = args.auto_box
            box = (int(min(xs)) - m, int(min(ys)) - m, int(max(xs)) + m, int(max(ys)) + m)
        if box is None:
            ap.error("--box (or --auto-box for check) is needed")
        canvas = grid_crop(frames[idx], box, args.zoom, args.grid)  # type: ignore[arg-type]
        if args.command == "check" and idx in ann and not args.no_draw:
            draw_points(canvas, ann[idx], box, args.zoom)  # type: ignore[arg-type]
        path = args.out / f"{args.command}_{idx:03d}{args.tag}.png"
        cv2.imwrite(str(path), canvas)
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
