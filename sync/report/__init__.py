"""The KPI report (SPEC §5): computed from the store, rendered as Rich tables, CSV and HTML.

``build_report(engine, rules, start, end)`` reads the store once (as Arrow
columns) and returns a :class:`Report` of named tables; the renderers only
format it, through one display rule, so every format shows the same numbers.
"""

from __future__ import annotations

from sync.report.build import build_report, compute_report
from sync.report.model import Col, Report, ReportTable, display
from sync.report.render_csv import render_csv
from sync.report.render_html import html_text, render_html
from sync.report.render_terminal import render_terminal, terminal_group

__all__ = [
    "Col",
    "Report",
    "ReportTable",
    "build_report",
    "compute_report",
    "display",
    "html_text",
    "render_csv",
    "render_html",
    "render_terminal",
    "terminal_group",
]
