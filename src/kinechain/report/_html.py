"""One self-contained HTML page (inline SVG plots, inline CSS) for a clinician."""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from kinechain.report._svg import SIDE_COLOURS, Panel, Series, render_panel, render_timeline
from kinechain.trial import SIDES

if TYPE_CHECKING:
    from kinechain._pipeline import Analysis

__all__ = ["render_report"]

#: (variable, title, y label) of the curve panels, chain order from the ankle upwards.
PANELS = (
    ("ankle_dorsiflexion", "Ankle dorsiflexion", "dorsi (+) / plantar (−) °"),
    ("foot_progression", "Foot progression", "internal (+) / external (−) °"),
    ("knee_flexion", "Knee flexion", "flexion (+) / hyperextension (−) °"),
    ("hip_flexion", "Hip flexion", "flexion (+) / extension (−) °"),
    ("pelvic_tilt", "Pelvic tilt", "anterior (+) / posterior (−) °"),
    ("spine_flexion", "Trunk relative to pelvis", "flexion (+) / extension (−) °"),
    ("ankle_inversion", "Ankle inversion", "inversion (+) / eversion (−) °"),
    ("knee_adduction", "Knee varus/valgus", "varus (+) / valgus (−) °"),
    ("hip_adduction", "Hip adduction", "adduction (+) / abduction (−) °"),
    ("pelvic_obliquity", "Pelvic obliquity", "up (+) / down (−) °"),
    ("hip_internal_rotation", "Hip rotation", "internal (+) / external (−) °"),
    ("pelvic_rotation", "Pelvic rotation", "forward (+) / backward (−) °"),
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;
max-width:1120px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f4f4f4}
td.l,th.l{text-align:left}.flag{background:#fde2e1;font-weight:600}.ok{color:#555}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:8px 12px;font-size:13px}
.warn{background:#fdecea;border-left:4px solid #d62728;padding:8px 12px;font-size:13px}
.grid{display:flex;flex-wrap:wrap;gap:6px}.legend span{margin-right:16px}
.small{font-size:12px;color:#555}
"""


def _num(v: Any, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, int | float | np.floating):
        return f"{float(v):.{digits}f}"
    return escape(str(v))


def _mean_sd(entry: dict[str, Any], digits: int = 1) -> str:
    mean = entry.get("mean", entry.get("value"))
    sd = entry.get("sd")
    if sd is None or (isinstance(sd, float) and not math.isfinite(sd)):
        return _num(mean, digits)
    return f"{_num(mean, digits)} ± {_num(sd, digits)}"


def _chain_table(chain: dict[str, Any]) -> str:
    measures: list[str] = []
    for side in SIDES:
        for key in chain.get(side, {}) or {}:
            if key not in measures:
                measures.append(key)
    if not measures:
        return "<p>No kinetic-chain measurements: no complete strides with joint angles.</p>"
    rows = [
        "<table><tr><th class=l>Link</th><th class=l>Measure</th><th>Unit</th>"
        "<th>Left (mean ± SD)</th><th>z</th><th>Right (mean ± SD)</th><th>z</th>"
        "<th>Normal (mean ± SD)</th><th class=l>Reads as</th></tr>"
    ]
    for key in measures:
        left = (chain.get("left") or {}).get(key) or {}
        right = (chain.get("right") or {}).get(key) or {}
        ref = left or right
        cells = []
        for entry in (left, right):
            z = entry.get("z")
            flag = isinstance(z, int | float) and math.isfinite(z) and abs(z) >= 2
            cls = " class=flag" if flag else ""
            cells.append(f"<td{cls}>{_mean_sd(entry)}</td><td{cls}>{_num(z, 1)}</td>")
        norm = ""
        if ref.get("norm_mean") is not None:
            norm = _mean_sd({"mean": ref.get("norm_mean"), "sd": ref.get("norm_sd")})
        rows.append(
            f"<td class=l>{escape(str(ref.get('link', '')))}</td>"
            f"<td class=l>{escape(str(ref.get('label', key.replace('_', ' '))))}</td>"
            f"<td>{escape(str(ref.get('unit', '')))}</td>{''.join(cells)}<td>{norm}</td>"
            f"<td class=l>{escape(str(ref.get('interpretation', '')))}</td>"
        )
        rows[-1] = "<tr>" + rows[-1] + "</tr>"
    rows.append("</table>")
    return "".join(rows)


def _spatiotemporal_table(st: dict[str, Any]) -> str:
    params: list[str] = []
    for side in (*SIDES, "overall"):
        for key in st.get(side, {}) or {}:
            if key not in params:
                params.append(key)
    if not params:
        return "<p>No spatiotemporal parameters: no complete strides.</p>"
    rows = [
        "<table><tr><th class=l>Parameter</th><th>Unit</th><th>Left</th><th>Right</th>"
        "<th>Both</th></tr>"
    ]
    for key in params:
        cells = []
        unit = ""
        for side in (*SIDES, "overall"):
            entry = (st.get(side) or {}).get(key)
            if isinstance(entry, dict):
                unit = unit or str(entry.get("unit", ""))
                cells.append(f"<td>{_mean_sd(entry, 2)}</td>")
            else:
                cells.append(f"<td>{_num(entry, 2)}</td>")
        rows.append(
            f"<tr><td class=l>{escape(key.replace('_', ' '))}</td><td>{escape(unit)}</td>"
            f"{''.join(cells)}</tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _scores_table(scores: dict[str, Any]) -> str:
    gps = scores.get("gps") or {}
    gvs = scores.get("gvs") or {}
    if not gps and not gvs:
        return "<p>No gait scores (needs complete strides of the nine GPS variables).</p>"
    rows = ["<table><tr><th class=l>Score</th><th>Left</th><th>Right</th><th>Both</th></tr>"]
    rows.append(
        "<tr><td class=l>Gait Profile Score (°)</td>"
        + "".join(f"<td>{_num(gps.get(k))}</td>" for k in ("left", "right", "overall"))
        + "</tr>"
    )
    names: list[str] = []
    for side in SIDES:
        for key in gvs.get(side, {}) or {}:
            if key not in names:
                names.append(key)
    for key in names:
        rows.append(
            f"<tr><td class=l>GVS {escape(key.replace('_', ' '))} (°)</td>"
            + "".join(f"<td>{_num((gvs.get(s) or {}).get(key))}</td>" for s in SIDES)
            + "<td></td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _panels(analysis: Analysis) -> str:
    x = np.linspace(0.0, 100.0, 101)
    out: list[str] = []
    variables = getattr(analysis.norms, "variables", {})
    for var, title, ylabel in PANELS:
        series: list[Series] = []
        vlines: list[tuple[float, str]] = []
        for side in SIDES:
            curves = analysis.cycles.get(side, {}).get(var)
            if curves is None or curves.size == 0 or not np.isfinite(curves).any():
                continue
            colour = SIDE_COLOURS[side]
            series.append(Series(x, curves, colour, width=0.8, opacity=0.35))
            with np.errstate(all="ignore"):
                mean = np.nanmean(curves, axis=0)
            series.append(Series(x, mean, colour, width=2.2, label=side))
            fo = analysis.foot_off_pct.get(side) or []
            if fo:
                vlines.append((float(np.nanmean(fo)), colour))
        if not series:
            continue
        band = None
        norm = variables.get(var)
        if norm is not None:
            m, sd = np.asarray(norm[0], float), np.asarray(norm[1], float)
            nx = np.linspace(0.0, 100.0, m.size)
            band = (nx, m - sd, m + sd)
            series.insert(0, Series(nx, m, "#666", width=1.2, dash="4,3"))
        out.append(render_panel(Panel(title, ylabel, series, band=band, vlines=vlines)))
    if not out:
        return "<p>No cycle curves: no complete strides with joint angles.</p>"
    return '<div class="grid">' + "".join(out) + "</div>"


def _events_section(analysis: Analysis) -> str:
    if not analysis.events:
        return "<p>No gait events were found.</p>"
    sym = {"foot_strike": "▼", "foot_off": "△"}
    rows_tl = []
    for side in SIDES:
        ticks = [
            (e.time_s, sym[e.kind], SIDE_COLOURS[side]) for e in analysis.events if e.side == side
        ]
        rows_tl.append((side, ticks))
    t0 = float(analysis.time[0]) if analysis.time.size else 0.0
    t1 = float(analysis.time[-1]) if analysis.time.size else 1.0
    svg = render_timeline((t0, t1), rows_tl)
    table = ["<table><tr><th class=l>Side</th><th class=l>Event</th><th>Time (s)</th>"]
    table.append("<th class=l>Source</th></tr>")
    for e in analysis.events:
        table.append(
            f"<tr><td class=l>{e.side}</td><td class=l>{e.kind.replace('_', ' ')}</td>"
            f"<td>{e.time_s:.3f}</td><td class=l>{escape(e.source)}</td></tr>"
        )
    table.append("</table>")
    legend = '<p class="small">▼ foot strike · △ foot off</p>'
    return svg + legend + "".join(table)


def render_report(analysis: Analysis) -> str:
    """Render the whole report as one HTML string (no external files or scripts)."""
    s = analysis.subject
    subject_bits = [
        f"mass {s.mass_kg:.1f} kg" if s.mass_kg else None,
        f"height {s.height_m:.2f} m" if s.height_m else None,
    ]
    subject = ", ".join(b for b in subject_bits if b) or "not given"
    model = {
        "plug_in_gait": "Plug-in-Gait-compatible (Conventional Gait Model 1)",
        "anatomical": "anatomical-landmark model (ISB segment frames)",
        "precomputed": "joint angles read from the file",
        "video_sagittal": "sagittal angles in the image plane, from video pose estimation",
    }.get(analysis.model or "", "none")
    warn = ""
    if analysis.model is None and analysis.model_note:
        warn += f'<p class="warn">No joint angles: {escape(analysis.model_note)}</p>'
    if analysis.warnings:
        warn += (
            '<div class="warn"><b>Warnings</b><ul>'
            + "".join(f"<li>{escape(w)}</li>" for w in analysis.warnings)
            + "</ul></div>"
        )
    legend = (
        '<p class="legend small"><span style="color:#d62728">■ left</span>'
        '<span style="color:#2ca02c">■ right</span><span>▒ normal mean ± 1 SD '
        "(dashed: normal mean)</span><span>┆ foot off</span></p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>kinechain gait report — {escape(_name(analysis.source))}</title>
<style>{CSS}</style></head><body>
<h1>Gait report — {escape(_name(analysis.source))}</h1>
<p class="small">Subject: {escape(subject)} · static: {escape(_name(analysis.static_source))}
 · model: {escape(model)} · normative set: {escape(analysis.norms.name)}</p>
<p class="note">This report measures whether the movement shows the pattern often linked to a
tight calf — less ankle dorsiflexion, and changes at the foot, knee, pelvis and trunk above it.
The link from calf tightness to low back pain is a clinical hypothesis with weak evidence; these
numbers describe this walk and are not a diagnosis. Values outside ±2 SD of the normative set
are highlighted.</p>
{warn}
<h2>Kinetic chain, ankle upwards</h2>
{_chain_table(analysis.chain)}
<h2>Spatiotemporal parameters</h2>
{_spatiotemporal_table(analysis.spatiotemporal)}
<h2>Joint angles over the gait cycle</h2>
{legend}
{_panels(analysis)}
<h2>Gait Profile Score</h2>
{_scores_table(analysis.scores)}
<h2>Gait events</h2>
{_events_section(analysis)}
<h2>Methods and sources</h2>
<p class="small">Angles: {escape(model)}; Plug-in Gait sign conventions (dorsiflexion, flexion,
anterior tilt positive). Strides from foot strike to the next foot strike of the same side,
time-normalised to 0–100 %. Normative set: {escape(analysis.norms.citation)}. Gait Profile Score
and Gait Variable Scores: Baker R et al., Gait Posture 2009;30:265–269. Kinematic events: Zeni JA
et al., Gait Posture 2008;27:710–714. kinechain {escape(_version())}.</p>
</body></html>
"""


def _name(path: str | None) -> str:
    if not path:
        return "none"
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _version() -> str:
    from kinechain import __version__

    return __version__
