"""Gait curves against normative bands, drawn by matplotlib as inline SVG.

The worker stores what the plots need in ``Job.curves`` (see
:func:`kinechain.store._worker.analysis_curves`); pages turn it into SVG here. Rendering
costs tens of milliseconds per plot, so the SVGs of a finished job are kept in a small
in-process LRU cache keyed by (job id, finished time): a re-run is a new job, and a job's
curves never change once it finished.
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from kinechain.store import Job

#: (variable, title, y label) in display order; the labels follow kinechain's HTML report.
PANELS: tuple[tuple[str, str, str], ...] = (
    ("ankle_dorsiflexion", "Ankle dorsiflexion", "dorsi (+) / plantar (−) °"),
    ("knee_flexion", "Knee flexion", "flexion (+) / hyperextension (−) °"),
    ("hip_flexion", "Hip flexion", "flexion (+) / extension (−) °"),
    ("pelvic_tilt", "Pelvic tilt", "anterior (+) / posterior (−) °"),
    ("foot_progression", "Foot progression", "internal (+) / external (−) °"),
    ("spine_flexion", "Trunk relative to pelvis", "flexion (+) / extension (−) °"),
    ("thorax_tilt", "Trunk inclination", "forward (+) / backward (−) °"),
    ("foot_pitch", "Foot pitch (video)", "toe up (+) / down (−) °"),
    ("ankle_inversion", "Ankle inversion", "inversion (+) / eversion (−) °"),
    ("knee_adduction", "Knee varus/valgus", "varus (+) / valgus (−) °"),
    ("hip_adduction", "Hip adduction", "adduction (+) / abduction (−) °"),
    ("pelvic_obliquity", "Pelvic obliquity", "up (+) / down (−) °"),
    ("hip_internal_rotation", "Hip rotation", "internal (+) / external (−) °"),
    ("pelvic_rotation", "Pelvic rotation", "forward (+) / backward (−) °"),
)
SIDE_COLOURS = {"left": "#d62728", "right": "#2ca02c"}
CACHE_SIZE = 48

_cache: OrderedDict[tuple[int, str], list[tuple[str, str]]] = OrderedDict()
_cache_lock = threading.Lock()
_render_lock = threading.Lock()

_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'((?:xlink:)?href)="#([^"]+)"')


def _array(values: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array([np.nan if v is None else float(v) for v in values or []], dtype=np.float64)


def embeddable(svg: str, prefix: str) -> str:
    """``svg`` without the XML prolog/doctype, every element id prefixed with ``prefix``.

    Many SVGs on one HTML page share one id space; matplotlib's ids (clip paths, glyphs)
    would otherwise collide between plots.
    """
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    svg = _METADATA.sub("", svg)
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = _HREF.sub(lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"', svg)
    return svg.strip()


def _plot(var: str, title: str, ylabel: str, curves: dict[str, Any], prefix: str) -> str | None:
    from matplotlib.figure import Figure

    entry = curves.get("variables", {}).get(var)
    if not entry:
        return None
    x = _array(curves.get("percent") or range(101))
    fig = Figure(figsize=(4.4, 3.0), dpi=100)
    ax = fig.add_subplot()
    drawn = False
    norm = entry.get("norm")
    if norm:
        m, sd = _array(norm.get("mean")), _array(norm.get("sd"))
        if m.size == x.size and sd.size == x.size:
            ax.fill_between(
                x, m - sd, m + sd, color="#9aa5b1", alpha=0.35, lw=0, label="norm ± 1 SD"
            )
            ax.plot(x, m, color="#5b6b7c", lw=1.0, ls="--")
    for side, colour in SIDE_COLOURS.items():
        data = entry.get(side)
        if not data:
            continue
        mean, sd = _array(data.get("mean")), _array(data.get("sd"))
        if mean.size != x.size or not np.isfinite(mean).any():
            continue
        n = int(data.get("n") or 0)
        if n > 1 and sd.size == x.size:
            ax.fill_between(x, mean - sd, mean + sd, color=colour, alpha=0.12, lw=0)
        ax.plot(x, mean, color=colour, lw=2.0, label=f"{side} (n={n})" if n else side)
        drawn = True
        fo = (curves.get("foot_off") or {}).get(side)
        if fo is not None:
            ax.axvline(float(fo), color=colour, ls=":", lw=1.2)
    if not drawn:
        return None
    ax.set_xlim(0, 100)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("% gait cycle (dotted: foot off)", fontsize=8)
    unit = entry.get("unit", "deg")
    ax.set_ylabel(ylabel if unit == "deg" else f"{ylabel} ({unit})", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.legend(fontsize=7, frameon=False, loc="best")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "kinechain"})
    return embeddable(buf.getvalue(), prefix)


def render_curves(curves: dict[str, Any], prefix: str) -> list[tuple[str, str]]:
    """(title, svg) for each panel ``curves`` holds data for."""
    import matplotlib

    out: list[tuple[str, str]] = []
    with (
        _render_lock,
        matplotlib.rc_context(
            {"svg.fonttype": "none", "svg.hashsalt": "kinechain", "font.family": "sans-serif"}
        ),
    ):
        for i, (var, title, ylabel) in enumerate(PANELS):
            svg = _plot(var, title, ylabel, curves, f"{prefix}-{i}")
            if svg is not None:
                out.append((title, svg))
    return out


def gait_curve_svgs(job: Job) -> list[tuple[str, str]]:
    """The gait curve plots of a finished job, (title, inline SVG), cached per job."""
    if job.status != "done" or not job.curves:
        return []
    key = (job.id, job.finished_at.isoformat() if job.finished_at else "")
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return list(hit)
    svgs = render_curves(job.curves, f"kc{job.id}")
    with _cache_lock:
        _cache[key] = svgs
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return list(svgs)
