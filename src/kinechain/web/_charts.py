"""Charts for the pages: matplotlib figures rendered server-side to inline SVG strings.

matplotlib is imported on first use (the web process starts fast and pages without charts
never pay for it). Figures are built with :class:`matplotlib.figure.Figure` (no pyplot, no
global state); text stays text (``svg.fonttype = none``) so the charts are small and
searchable. Results are cached by a hash of their input in a small LRU, so a page shown
again with the same data costs nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

__all__ = ["bar_chart", "series_chart"]

_CACHE_SIZE: Final = 256
_cache: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()
_PROLOG = re.compile(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_COLOURS: Final = ("#1f6feb", "#b54708", "#067647", "#6e40c9", "#b42318", "#5b6b7c")

Point = tuple[dt.date, float]


def _key(kind: str, payload: Any) -> str:
    text = json.dumps([kind, payload], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _cached(kind: str, payload: Any, draw: Callable[[], str]) -> str:
    key = _key(kind, payload)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
        svg = draw()
        _cache[key] = svg
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return svg


def _figure(width: float = 5.6, height: float = 2.9) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _svg(fig: Any) -> str:
    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "font.size": 9}):
        fig.savefig(buf, format="svg")
    return _PROLOG.sub("", buf.getvalue()).strip()


def _style(ax: Any, title: str, ylabel: str) -> None:
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="#d7dee6", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)


def series_chart(
    title: str,
    unit: str,
    series: Mapping[str, Sequence[Point]],
    band: tuple[float, float, str] | None = None,
    *,
    ylim: tuple[float, float] | None = None,
) -> str:
    """A line chart of values over dates, one line per label; inline SVG.

    Parameters
    ----------
    title, unit : str
        Chart title and y-axis label.
    series : mapping of label to [(date, value), ...]
        Empty series are left out.
    band : (low, high, label), optional
        A shaded horizontal band (e.g. the measurement error around the first value).
    ylim : (low, high), optional
        Fixed y range (e.g. 0–10 for pain).
    """
    data = {k: [(d.isoformat(), float(v)) for d, v in pts] for k, pts in series.items() if pts}
    payload = {"t": title, "u": unit, "s": data, "b": band, "y": ylim}

    def draw() -> str:
        import matplotlib.dates as mdates

        # Typed as Any: matplotlib's date helpers have no annotations.
        date_locator: Any = mdates.AutoDateLocator
        date_formatter: Any = mdates.ConciseDateFormatter
        fig = _figure()
        ax = fig.add_subplot()
        _style(ax, title, unit)
        if band is not None:
            ax.axhspan(band[0], band[1], color="#dbe4ee", alpha=0.7, label=band[2], zorder=0)
        for i, (label, pts) in enumerate(data.items()):
            xs = [dt.date.fromisoformat(d) for d, _ in pts]
            ys = [v for _, v in pts]
            ax.plot(
                xs,
                ys,
                marker="o",
                markersize=4,
                linewidth=1.6,
                label=label,
                color=_COLOURS[i % len(_COLOURS)],
            )
        if not data:
            ax.text(0.5, 0.5, "no values yet", ha="center", va="center", transform=ax.transAxes)
        else:
            loc = date_locator(minticks=2, maxticks=6)
            ax.xaxis.set_major_locator(loc)
            ax.xaxis.set_major_formatter(date_formatter(loc))
        if ylim is not None:
            ax.set_ylim(*ylim)
        if len(data) > 1 or band is not None:
            ax.legend(fontsize=8, frameon=False)
        return _svg(fig)

    return _cached("series", payload, draw)


def bar_chart(
    title: str,
    unit: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    target: float | None = None,
    ylim: tuple[float, float] | None = None,
) -> str:
    """A bar chart (e.g. adherence % per week); None values are drawn as gaps. Inline SVG.

    ``target`` draws a dashed reference line (e.g. 100 %).
    """
    vals = [None if v is None else float(v) for v in values]
    payload = {"t": title, "u": unit, "l": list(labels), "v": vals, "g": target, "y": ylim}

    def draw() -> str:
        fig = _figure()
        ax = fig.add_subplot()
        _style(ax, title, unit)
        xs = list(range(len(labels)))
        ax.bar(xs, [0.0 if v is None else v for v in vals], color=_COLOURS[0], width=0.6)
        ax.set_xticks(xs, list(labels))
        if target is not None:
            ax.axhline(target, color="#5b6b7c", linestyle="--", linewidth=1)
        if ylim is not None:
            ax.set_ylim(*ylim)
        if not labels:
            ax.text(0.5, 0.5, "no values yet", ha="center", va="center", transform=ax.transAxes)
        return _svg(fig)

    return _cached("bar", payload, draw)
