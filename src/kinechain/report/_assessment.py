"""The assessment report: red flags first, the chain diagram, findings, load, program, gait."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from kinechain.report._html import (
    CSS,
    _chain_table,
    _events_section,
    _num,
    _panels,
    _scores_table,
    _spatiotemporal_table,
)

if TYPE_CHECKING:
    from kinechain._pipeline import Analysis

__all__ = ["render_assessment_report", "render_chain_diagram"]

_LINK_TITLES = {
    "calf": "Calf",
    "ankle": "Ankle",
    "foot": "Foot",
    "knee": "Knee",
    "hip": "Hip",
    "pelvis": "Pelvis",
    "lumbar": "Lumbar spine",
}
_EXTRA_CSS = """
.redflag{background:#d62728;color:#fff;padding:10px 14px;font-size:15px;border-radius:4px}
.noflag{background:#e8f5e9;border-left:4px solid #2ca02c;padding:8px 12px;font-size:13px}
td.present{background:#fde2e1;font-weight:600}
"""


def render_chain_diagram(chain: list[dict[str, Any]], evidence: dict[str, Any]) -> str:
    """An SVG of the chain, bottom (calf) to top (lumbar): one box per link.

    Red: a finding is present; green: measured and within normal limits; grey: not measured.
    Under each box, the weakest evidence grade of the links' findings.
    """
    w, box_w, box_h, gap = 760, 94, 46, 12
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="110" '
        'viewBox="0 0 760 110" role="img" aria-label="kinetic chain">'
    ]
    order = ("strong", "moderate", "weak", "expert_opinion", "hypothesis")
    for i, row in enumerate(chain):
        x = 8 + i * (box_w + gap)
        fill = "#f6c9c9" if row["present"] else "#cfe8cf" if row["measured"] else "#eeeeee"
        stroke = "#d62728" if row["present"] else "#2ca02c" if row["measured"] else "#999"
        keys = row.get("evidence") or []
        keys = [keys] if isinstance(keys, str) else keys
        grades = [str((evidence.get(k) or {}).get("grade", "")) for k in keys]
        grades = [g for g in grades if g in order]
        grade = max(grades, key=order.index) if grades else ""
        title = _LINK_TITLES.get(row["link"], row["link"])
        state = "finding" if row["present"] else "normal" if row["measured"] else "not measured"
        out.append(
            f'<rect x="{x}" y="10" width="{box_w}" height="{box_h}" rx="6" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="2"/>'
            f'<text x="{x + box_w / 2}" y="30" text-anchor="middle" font-size="13" '
            f'font-weight="bold">{escape(title)}</text>'
            f'<text x="{x + box_w / 2}" y="47" text-anchor="middle" font-size="10">'
            f"{escape(state)}</text>"
            f'<text x="{x + box_w / 2}" y="74" text-anchor="middle" font-size="10" '
            f'fill="#555">{escape(grade.replace("_", " "))}</text>'
        )
        if i < len(chain) - 1:
            ax = x + box_w
            out.append(
                f'<path d="M{ax + 2},33 L{ax + gap - 2},33" stroke="#555" stroke-width="2"/>'
                f'<path d="M{ax + gap - 6},29 L{ax + gap - 2},33 L{ax + gap - 6},37" '
                'fill="none" stroke="#555" stroke-width="2"/>'
            )
    out.append(
        '<text x="8" y="100" font-size="10" fill="#555">red: finding present · green: '
        "measured, within normal limits · grey: not measured · under each box: evidence "
        "grade of the link</text></svg>"
    )
    return "".join(out)


def _red_flags(rf: dict[str, Any]) -> str:
    if rf.get("refer"):
        items = "".join(
            f"<li><b>{escape(str(r.get('label') or r.get('flag')))}</b> — "
            f"{escape(str(r.get('condition', '')))} ({escape(str(r.get('urgency', '')))}): "
            f"{escape(str(r.get('advice', '')))}</li>"
            for r in rf.get("reasons") or []
        )
        return (
            f'<div class="redflag"><b>Refer before treatment — urgency: '
            f"{escape(str(rf.get('urgency')))}</b><ul>{items}</ul></div>"
        )
    unanswered = rf.get("unanswered") or []
    extra = f" ({len(unanswered)} questions unanswered)" if unanswered else ""
    return f'<p class="noflag">No red flags reported{escape(extra)}.</p>'


def _findings_table(findings: list[dict[str, Any]], evidence: dict[str, Any]) -> str:
    if not findings:
        return "<p>No findings: no clinical tests or gait measures were given.</p>"
    order = {k: i for i, k in enumerate(_LINK_TITLES)}
    rows = [
        "<table><tr><th class=l>Link</th><th class=l>Finding</th><th class=l>Side</th>"
        "<th>Value</th><th class=l>Unit</th><th>Normal band</th><th class=l>Severity</th>"
        "<th class=l>Evidence</th><th class=l>Source</th></tr>"
    ]
    for f in sorted(findings, key=lambda f: (order.get(f["link"], 99), f["id"], f["side"] or "")):
        lo, hi = f.get("normal_low"), f.get("normal_high")
        band = (
            f"{_num(lo)} – {_num(hi)}"
            if lo is not None and hi is not None
            else f"≥ {_num(lo)}"
            if lo is not None
            else f"≤ {_num(hi)}"
            if hi is not None
            else "–"
        )
        ev = evidence.get(f["evidence"]) or {}
        cls = " class=present" if f.get("present") else ""
        rows.append(
            f"<tr><td class=l>{escape(_LINK_TITLES.get(f['link'], f['link']))}</td>"
            f"<td class=l{cls}>{escape(f['label'])}"
            f"<div class=small>{escape(f.get('detail') or '')}</div></td>"
            f"<td class=l>{escape(f['side'] or '–')}</td><td>{_num(f.get('value'))}</td>"
            f"<td class=l>{escape(f['unit'])}</td><td>{band}</td>"
            f"<td class=l{cls}>{escape(f['severity'])}</td>"
            f"<td class=l>{escape(str(ev.get('grade', '')).replace('_', ' '))}</td>"
            f"<td class='l small'>{escape(f.get('citation') or '')}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _questionnaires(q: dict[str, Any]) -> str:
    rows = ["<table><tr><th class=l>Instrument</th><th>Score</th><th class=l>Reads as</th></tr>"]
    odi = q.get("odi") or {}
    if odi:
        rows.append(
            f"<tr><td class=l>Oswestry Disability Index</td><td>{_num(odi.get('score_percent'))}"
            f" %</td><td class=l>{escape(str(odi.get('band_label') or odi.get('reason') or ''))}"
            "</td></tr>"
        )
    nprs = q.get("nprs") or {}
    if nprs:
        rows.append(
            f"<tr><td class=l>Pain (NPRS)</td><td>{_num(nprs.get('score'), 0)} / 10</td>"
            "<td class=l></td></tr>"
        )
    sb = q.get("startback") or {}
    if sb:
        rows.append(
            f"<tr><td class=l>STarT Back</td><td>{_num(sb.get('total'), 0)} / 9 "
            f"(psychosocial {_num(sb.get('psychosocial_subscale'), 0)} / 5)</td>"
            f"<td class=l>{escape(str(sb.get('risk') or sb.get('reason') or ''))} risk</td></tr>"
        )
    rm = q.get("rmdq") or {}
    if rm:
        rows.append(
            f"<tr><td class=l>Roland-Morris</td><td>{_num(rm.get('score'), 0)} / 24</td>"
            "<td class=l></td></tr>"
        )
    ps = q.get("psfs") or {}
    if ps:
        rows.append(
            f"<tr><td class=l>PSFS (mean)</td><td>{_num(ps.get('mean'))} / 10</td>"
            "<td class=l></td></tr>"
        )
    if len(rows) == 1:
        return "<p>No questionnaires given.</p>"
    rows.append("</table>")
    return "".join(rows)


def _chain_tests(tests: list[dict[str, Any]]) -> str:
    if not tests:
        return "<p>No gait analysis: the chain was not tested stride by stride.</p>"
    return "<ul>" + "".join(f"<li>{escape(t['statement'])}</li>" for t in tests) + "</ul>"


_LOAD_ROWS = (
    ("upper_body_weight_n", "Upper-body weight above L5/S1", "N"),
    ("moment_nm", "L5/S1 extension moment", "N·m"),
    ("extensor_force_n", "Back-extensor force", "N"),
    ("compression_n", "Compression", "N"),
    ("shear_n", "Shear", "N"),
    ("peak_compression_n", "Peak compression", "N"),
    ("peak_shear_n", "Peak shear", "N"),
    ("peak_moment_nm", "Peak L5/S1 moment", "N·m"),
    ("niosh_action_limit_n", "NIOSH action limit (compression)", "N"),
    ("niosh_max_limit_n", "NIOSH maximum permissible limit", "N"),
    ("shear_limit_n", "Suggested shear limit", "N"),
)


def _load(load: dict[str, Any] | None) -> str:
    if not load:
        return "<p>No load estimate: body mass not given.</p>"
    parts = []
    for key, title in (("gait", "Walking (inverse dynamics)"), ("standing", "Standing")):
        block = load.get(key)
        if not block:
            continue
        rows = [f"<p class=small>{escape(str(block.get('model', '')))}</p><table>"]
        for k, label, unit in _LOAD_ROWS:
            if block.get(k) is not None:
                rows.append(
                    f"<tr><td class=l>{label}</td><td>{_num(block[k], 0)}</td>"
                    f"<td class=l>{unit}</td></tr>"
                )
        share = block.get("compression_share_of_action_limit")
        if share is not None:
            rows.append(
                f"<tr><td class=l>Compression as share of the action limit</td>"
                f"<td>{100 * float(share):.0f}</td><td class=l>%</td></tr>"
            )
        rows.append("</table>")
        cf = block.get("counterfactual")
        if isinstance(cf, dict) and cf.get("statement"):
            rows.append(f'<p class="note">{escape(str(cf["statement"]))}</p>')
        notes = block.get("assumptions") or block.get("notes") or []
        notes_html = (
            "<ul class=small>" + "".join(f"<li>{escape(str(n))}</li>" for n in notes) + "</ul>"
            if isinstance(notes, list)
            else ""
        )
        parts.append(f"<h3>{title}</h3>{''.join(rows)}{notes_html}")
    return "".join(parts) or "<p>No load estimate.</p>"


def _program(program: dict[str, Any]) -> str:
    if program.get("withheld_reason"):
        return f'<p class="warn">No exercise program: {escape(str(program["withheld_reason"]))}</p>'
    items = program.get("exercises") or []
    if not items:
        return "<p>No exercises prescribed.</p>"
    rows = [
        "<table><tr><th class=l>Exercise</th><th class=l>Side</th><th class=l>Dose</th>"
        "<th class=l>Why</th></tr>"
    ]
    for ex in items:
        rows.append(
            f"<tr><td class=l><b>{escape(str(ex.get('name') or ex.get('id')))}</b></td>"
            f"<td class=l>{escape(str(ex.get('side_text') or ex.get('side') or 'both'))}</td>"
            f"<td class=l>{escape(str(ex.get('dosage_text') or ex.get('dosage') or ''))}</td>"
            f"<td class=l>{escape(str(ex.get('why') or ex.get('reason') or ''))}</td></tr>"
        )
    rows.append("</table>")
    retest = program.get("retest_dates") or []
    if retest:
        rows.append(
            "<p>Re-test: "
            + ", ".join(
                escape(str(r.get("date", r)) if isinstance(r, dict) else str(r)) for r in retest
            )
            + "</p>"
        )
    return "".join(rows)


def render_assessment_report(data: dict[str, Any], analysis: Analysis | None = None) -> str:
    """The assessment report as one self-contained HTML page."""
    patient = data.get("patient") or {}
    who = ", ".join(
        f"{k.replace('_', ' ')} {v}" for k, v in patient.items() if v is not None and k != "id"
    )
    evidence = data.get("evidence") or {}
    gait_html = ""
    if analysis is not None:
        gait_html = (
            "<h2>Gait analysis</h2><h3>Kinetic chain in walking</h3>"
            + _chain_table(analysis.chain)
            + "<h3>Spatiotemporal parameters</h3>"
            + _spatiotemporal_table(analysis.spatiotemporal)
            + "<h3>Joint angles over the gait cycle</h3>"
            + _panels(analysis)
            + "<h3>Gait Profile Score</h3>"
            + _scores_table(analysis.scores)
            + "<h3>Gait events</h3>"
            + _events_section(analysis)
        )
    warnings = data.get("warnings") or []
    warn = (
        '<div class="warn"><ul>'
        + "".join(f"<li>{escape(w)}</li>" for w in warnings)
        + "</ul></div>"
        if warnings
        else ""
    )
    calf = data.get("calf") or {}
    calf_line = " · ".join(
        f"{side}: {escape(str((calf.get(side) or {}).get('classification') or 'not tested'))}"
        for side in ("left", "right")
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kinechain assessment</title>
<style>{CSS}{_EXTRA_CSS}</style></head><body>
<h1>Assessment{(" — " + escape(str(data.get("date")))) if data.get("date") else ""}</h1>
<p class="small">Patient: {escape(who) or "not given"}</p>
<h2>Red flags</h2>
{_red_flags(data.get("red_flags") or {})}
<p class="note">{escape(str(data.get("evidence_note", "")))}</p>
{warn}
<h2>The chain, calf to lower back</h2>
{render_chain_diagram(data.get("chain") or [], evidence)}
<p>Calf (Silfverskiöld): {calf_line}</p>
<h2>Findings</h2>
{_findings_table(data.get("findings") or [], evidence)}
<h2>Is the chain there in this person's walking?</h2>
{_chain_tests(data.get("chain_tests") or [])}
<h2>Questionnaires</h2>
{_questionnaires(data.get("questionnaires") or {})}
<h2>Lower-back load (L5/S1)</h2>
{_load(data.get("lumbar_load"))}
<h2>Home program</h2>
{_program(data.get("program") or {})}
{gait_html}
</body></html>
"""
