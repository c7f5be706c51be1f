"""The printable home-program handout (PDF, made with fpdf2, a pure-Python package)."""

from __future__ import annotations

from typing import Any

__all__ = ["render_handout"]

_REPLACE = {
    "–": "-",
    "—": "-",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "≥": ">=",
    "≤": "<=",
    "→": "->",
    "…": "...",
    "•": "-",
    "≈": "~",
    "−": "-",
}


def _t(text: Any) -> str:
    """Text the PDF core fonts can print (Latin-1)."""
    s = str(text)
    for a, b in _REPLACE.items():
        s = s.replace(a, b)
    return s.encode("latin-1", "replace").decode("latin-1")


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def render_handout(data: dict[str, Any]) -> bytes:
    """A printable home program from an assessment dict (``Assessment.to_dict()``).

    Red flags come first: after a referral the handout says so and lists no exercises.
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title("Home exercise program")
    pdf.set_creator("kinechain")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: int = 10, style: str = "", h: float = 5.0) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width, h, _t(text))

    para("Your home exercise program", 18, "B", 9)
    program = data.get("program") or {}
    date = data.get("date") or program.get("start")
    if date:
        para(f"Start: {date}", 10)
    rf = data.get("red_flags") or {}
    if rf.get("refer"):
        pdf.set_text_color(200, 0, 0)
        para(f"Please see a doctor first (urgency: {rf.get('urgency')}).", 13, "B", 7)
        for r in rf.get("reasons") or []:
            para(f"- {r.get('label') or r.get('flag')}: {r.get('advice', '')}", 10)
        pdf.set_text_color(0, 0, 0)
    if program.get("withheld_reason") or not program.get("exercises"):
        para(str(program.get("withheld_reason") or "No exercises were prescribed."), 11)
        return bytes(pdf.output())
    para(
        "Do the exercises below as prescribed. Move within a comfortable range; a gentle "
        "stretch is fine, sharp pain is not. Stop and contact your physical therapist if pain "
        "spreads down a leg, you feel numbness or weakness, or you have trouble controlling "
        "your bladder or bowel.",
        10,
    )
    pdf.ln(2)
    for i, ex in enumerate(program["exercises"], start=1):
        name = ex.get("name") or ex.get("id")
        side = ex.get("side_text") or ex.get("side")
        para(f"{i}. {name}" + (f" ({side})" if side else ""), 13, "B", 7)
        dose = ex.get("dosage_text") or ex.get("dosage")
        if dose:
            para(f"Dose: {dose}", 10, "B")
        steps = _lines(ex.get("instructions"))
        for j, step in enumerate(steps, start=1):
            para(f"  {j}. {step}", 10)
        for label, key in (("Progress", "progression"), ("Take care", "cautions")):
            text = ex.get(key)
            if text:
                para(f"{label}: " + " ".join(_lines(text)), 9, "I")
        why = ex.get("why") or ex.get("reason")
        if why:
            para(f"Why: {why}", 9)
        pdf.ln(2)
    plan = program.get("plan") or []
    if plan:
        para("Your 6-week plan", 13, "B", 7)
        for week in plan:
            if isinstance(week, dict):
                label = f"Week {week.get('week')}"
                if week.get("start"):
                    label += f" ({week.get('start')})"
                para(f"{label}: " + "; ".join(_lines(week.get("focus") or week.get("changes"))), 10)
            else:
                para(str(week), 10)
    retest = program.get("retest_dates") or []
    if retest:
        para(
            "Re-test on: "
            + ", ".join(str(r.get("date", r)) if isinstance(r, dict) else str(r) for r in retest),
            10,
            "B",
        )
    # a week's log grid
    pdf.ln(3)
    para("Log (tick each session)", 12, "B", 7)
    pdf.set_font("Helvetica", "", 9)
    col = (width - 60) / 7
    pdf.cell(60, 6, "Exercise", border=1)
    for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        pdf.cell(col, 6, d, border=1, align="C")
    pdf.ln()
    for ex in program["exercises"]:
        pdf.cell(60, 6, _t(str(ex.get("name") or ex.get("id")))[:34], border=1)
        for _ in range(7):
            pdf.cell(col, 6, "", border=1)
        pdf.ln()
    return bytes(pdf.output())
