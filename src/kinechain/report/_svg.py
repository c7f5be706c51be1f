"""Small, dependency-free SVG line plots for the self-contained HTML report.

Plots are built as strings so the report needs no plotting library and renders in well under
a second. Each plot is a cycle-normalised panel: a grey normative band (mean ± 1 SD), the
normative mean dashed, each side's stride curves thin and their mean thick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

SIDE_COLOURS = {"left": "#d62728", "right": "#2ca02c"}  # gait-lab convention: left red, right green


@dataclass
class Series:
    """One line (or a set of lines) on a panel."""

    x: FloatArray
    y: FloatArray  # (n,) or (k, n)
    colour: str
    width: float = 2.0
    dash: str | None = None
    opacity: float = 1.0
    label: str | None = None


@dataclass
class Panel:
    """A titled plot with a y-axis label, optional band and vertical markers."""

    title: str
    ylabel: str
    series: list[Series] = field(default_factory=list)
    band: tuple[FloatArray, FloatArray, FloatArray] | None = None  # x, lower, upper
    vlines: list[tuple[float, str]] = field(default_factory=list)  # (x, colour)
    xlabel: str = "% gait cycle"
    xlim: tuple[float, float] = (0.0, 100.0)


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = hi - lo
    if not np.isfinite(span) or span <= 0:
        return [lo]
    raw = span / n
    mag = 10 ** np.floor(np.log10(raw))
    step = float(min((s * mag for s in (1, 2, 5, 10) if s * mag >= raw), default=10 * mag))
    start = np.ceil(lo / step) * step
    return [float(v) + 0.0 for v in np.round(np.arange(start, hi + 1e-9 * step, step), 10)]


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def render_panel(panel: Panel, width: int = 340, height: int = 220) -> str:
    """Render one panel to an ``<svg>`` element string."""
    left, right, top, bottom = 46, 10, 24, 34
    pw, ph = width - left - right, height - top - bottom
    ys: list[FloatArray] = [np.atleast_2d(s.y) for s in panel.series]
    if panel.band is not None:
        ys += [np.atleast_2d(panel.band[1]), np.atleast_2d(panel.band[2])]
    finite = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.zeros(0)
    if finite.size == 0:
        lo, hi = -1.0, 1.0
    else:
        lo, hi = float(finite.min()), float(finite.max())
        pad = max(0.08 * (hi - lo), 1.0)
        lo, hi = lo - pad, hi + pad
    x0, x1 = panel.xlim

    def sx(x: FloatArray) -> FloatArray:
        return np.asarray(left + (x - x0) / (x1 - x0) * pw, dtype=np.float64)

    def sy(y: FloatArray) -> FloatArray:
        return np.asarray(top + (hi - y) / (hi - lo) * ph, dtype=np.float64)

    def path(x: FloatArray, y: FloatArray) -> str:
        px, py = sx(x), sy(y)
        ok = np.isfinite(py)
        parts: list[str] = []
        pen = False
        for xi, yi, good in zip(px, py, ok, strict=True):
            if not good:
                pen = False
                continue
            parts.append(f"{'L' if pen else 'M'}{xi:.1f},{yi:.1f}")
            pen = True
        return "".join(parts)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(panel.title)}">',
        f'<text x="{left + pw / 2:.0f}" y="15" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{escape(panel.title)}</text>',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>',
    ]
    for t in _nice_ticks(lo, hi):
        yy = float(sy(np.array(t)))
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end" font-size="10">'
            f"{t:g}</text>"
        )
    for t in _nice_ticks(x0, x1, 5):
        xx = float(sx(np.array(t)))
        out.append(
            f'<text x="{xx:.1f}" y="{top + ph + 13}" text-anchor="middle" font-size="10">'
            f"{t:g}</text>"
        )
    if lo < 0 < hi:
        yy = float(sy(np.array(0.0)))
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#bbb"/>'
        )
    if panel.band is not None:
        bx, blo, bhi = panel.band
        ok = np.isfinite(blo) & np.isfinite(bhi)
        if ok.any():
            pts = " ".join(
                f"{a:.1f},{b:.1f}"
                for a, b in zip(
                    np.concatenate([sx(bx[ok]), sx(bx[ok])[::-1]]),
                    np.concatenate([sy(bhi[ok]), sy(blo[ok])[::-1]]),
                    strict=True,
                )
            )
            out.append(f'<polygon points="{pts}" fill="#cfcfcf" fill-opacity="0.6"/>')
    for xv, colour in panel.vlines:
        if np.isfinite(xv):
            xx = float(sx(np.array(xv)))
            out.append(
                f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top}" y2="{top + ph}" '
                f'stroke="{colour}" stroke-dasharray="3,3"/>'
            )
    for s in panel.series:
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        for row in np.atleast_2d(s.y):
            d = path(s.x, row)
            if d:
                out.append(
                    f'<path d="{d}" fill="none" stroke="{s.colour}" stroke-width="{s.width}" '
                    f'stroke-opacity="{s.opacity}"{dash}/>'
                )
    out.append(
        f'<text x="{left + pw / 2:.0f}" y="{height - 4}" text-anchor="middle" '
        f'font-size="10">{escape(panel.xlabel)}</text>'
        f'<text x="11" y="{top + ph / 2:.0f}" text-anchor="middle" font-size="10" '
        f'transform="rotate(-90 11 {top + ph / 2:.0f})">{escape(panel.ylabel)}</text>'
    )
    out.append("</svg>")
    return "".join(out)


def render_timeline(
    duration: tuple[float, float],
    rows: Sequence[tuple[str, Sequence[tuple[float, str, str]]]],
    width: int = 700,
) -> str:
    """A timeline of events: one row per label, ticks at (time, symbol, colour)."""
    left, right, top, rowh = 80, 10, 10, 22
    height = top + rowh * len(rows) + 26
    t0, t1 = duration
    pw = width - left - right
    span = (t1 - t0) or 1.0

    def sx(t: float) -> float:
        return left + (t - t0) / span * pw

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="gait events">'
    ]
    for i, (label, ticks) in enumerate(rows):
        y = top + rowh * i + rowh / 2
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.0f}" text-anchor="end" font-size="11">'
            f"{escape(label)}</text>"
            f'<line x1="{left}" x2="{left + pw}" y1="{y:.0f}" y2="{y:.0f}" stroke="#ddd"/>'
        )
        for t, sym, colour in ticks:
            out.append(
                f'<text x="{sx(t):.1f}" y="{y + 4:.0f}" text-anchor="middle" font-size="12" '
                f'fill="{colour}">{escape(sym)}</text>'
            )
    yb = top + rowh * len(rows) + 4
    for t in _nice_ticks(t0, t1, 8):
        out.append(
            f'<text x="{sx(t):.1f}" y="{yb + 12}" text-anchor="middle" font-size="10">'
            f"{_fmt(t)} s</text>"
        )
    out.append("</svg>")
    return "".join(out)
