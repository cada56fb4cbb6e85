"""The report as Rich tables for a terminal of about 100 columns.

Numbers go through :func:`~sync.report.model.display`, the same rule as the
HTML; one-row headline tables print as metric / value pairs.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from sync.console import console_for
from sync.report.model import Report, ReportTable, display


def _rich_table(table: ReportTable) -> Table:
    if table.transpose:
        out = Table(
            title=table.title,
            title_justify="left",
            show_header=False,
            caption=table.note,
            caption_justify="left",
        )
        out.add_column("metric", style="bold")
        out.add_column("value", justify="right")
        for k, col in enumerate(table.columns):
            out.add_row(col.label, display(table.rows[0][k], col.kind) if table.rows else "")
        return out
    out = Table(title=table.title, title_justify="left", caption=table.note, caption_justify="left")
    for col in table.columns:
        out.add_column(
            col.label, justify="left" if col.kind == "text" else "right", overflow="fold"
        )
    for row in table.rows:
        out.add_row(*(display(v, c.kind) for v, c in zip(row, table.columns, strict=True)))
    return out


def terminal_group(report: Report) -> Group:
    """Every table, in reading order, as one Rich renderable."""
    period = f"{report.start:%Y-%m-%d %H:%M} – {report.end:%Y-%m-%d %H:%M} UTC"
    parts: list[Text | Table] = [Text(f"reengage KPI report  {period}", style="bold")]
    parts += [_rich_table(t) for t in report.tables]
    if not report.has_lift:
        parts.append(
            Text("Lift: no holdout persons among those dormant at the period start.", style="dim")
        )
    return Group(*parts)


def render_terminal(report: Report, console: Console | None = None) -> None:
    """Prints the report (to ``console``, else standard output)."""
    (console or console_for()).print(terminal_group(report))
