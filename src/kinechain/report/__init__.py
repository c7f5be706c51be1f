"""kinechain.report: the self-contained HTML report."""

from kinechain.report._html import render_report

__all__ = ["render_report"]
