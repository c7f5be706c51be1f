"""kinechain.report: the self-contained HTML reports and the printable handout."""

from kinechain.report._assessment import render_assessment_report, render_chain_diagram
from kinechain.report._handout import render_handout
from kinechain.report._html import render_report

__all__ = ["render_assessment_report", "render_chain_diagram", "render_handout", "render_report"]
