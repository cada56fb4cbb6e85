"""``reengage report``: builds the KPI report and writes it as a table, CSV or HTML.

The Typer command itself lives in ``sync/cli.py``; this function does the work
so that it can be called (and tested) without a command line.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from config.rules import Rules
from sync.report import build_report, render_csv, render_html, render_terminal

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
