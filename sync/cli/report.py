"""``reengage report``: builds the KPI report and writes it as a table, CSV or HTML.

The Typer command itself lives in ``sync/cli/__init__.py``; this function does the work
so that it can be called (and tested) without a command line.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine

from config.rules import Rules
from sync.report import Report, build_report, render_csv, render_html, render_terminal

FORMATS = ("table", "csv", "html")
HTML_NAME = "reengage-report.html"


def report_command(
    engine: Engine,
    rules: Rules,
    start: datetime,
    end: datetime,
    fmt: str,
    out_dir: Path,
    console: Console | None = None,
) -> Path | None:
    """Builds the report of ``[start, end)`` and renders it in ``fmt``.

    Returns:
        ``table``: None (printed); ``csv``: the folder holding one file per table;
        ``html``: the HTML file's path (``out_dir/reengage-report.html``).

    Raises:
        ValueError: an unknown format, or a naive / empty period.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}")
    report = build_report(engine, rules, start, end)
    if fmt == "table":
        render_terminal(report, console)
        return None
    if fmt == "csv":
        render_csv(report, out_dir)
        return out_dir
    return render_html(report, out_dir / HTML_NAME)


def report_document(report: Report) -> dict[str, Any]:
    """The report as one JSON-able document (``reengage report --json``): the period, and
    each table by name with its columns (CSV headers), rows (unrounded, as in the CSV),
    kinds and note."""
    return {
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat()},
        "generated_at": report.generated_at.isoformat(),
        "tables": {
            t.name: {
                "title": t.title,
                "columns": [c.name for c in t.columns],
                "kinds": [c.kind for c in t.columns],
                "rows": [list(row) for row in t.rows],
                "note": t.note,
            }
            for t in report.tables
        },
    }


def report_json(engine: Engine, rules: Rules, start: datetime, end: datetime) -> dict[str, Any]:
    """``reengage report --json``: the report of ``[start, end)`` as one document."""
    return report_document(build_report(engine, rules, start, end))
