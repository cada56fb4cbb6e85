"""The report as ONE self-contained HTML file that opens offline.

plotly's JavaScript is embedded once, inline (``include_plotlyjs=True``); no
CDN, font or image is fetched. The page reads top-down the way a manager
does: the headline figures, the charts, then every table. Each number cell
carries ``data-cell="<table>:<row>:<column>"`` so that a test can check it
against the CSV (``display(csv value) == cell text``).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from sync.report.charts import report_figures
from sync.report.model import Report, ReportTable, display

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       background: #f8fafc; color: #111827; }
header { background: #1e3a8a; color: white; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; opacity: .85; }
main { padding: 24px 32px; max-width: 1280px; margin: auto; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr));
         gap: 12px; margin-bottom: 24px; }
.card { background: white; border: 1px solid #e5e7eb; border-radius: 8px; padding: 14px 16px; }
.card .label { font-size: 13px; color: #4b5563; }
.card .value { font-size: 28px; font-weight: 600; margin-top: 4px; }
.card .sub { font-size: 12px; color: #4b5563; margin-top: 2px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-bottom: 24px; }
.chart { background: white; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; }
section.table { background: white; border: 1px solid #e5e7eb; border-radius: 8px;
                padding: 12px 16px; margin-bottom: 16px; overflow-x: auto; }
h2 { font-size: 18px; margin: 4px 0 10px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
p.note { color: #4b5563; font-size: 12px; margin: 8px 0 0; }
"""


def _cell(table: ReportTable, r: int, k: int) -> str:
    col = table.columns[k]
    text = escape(display(table.rows[r][k], col.kind))
    if col.kind == "text":
        return f"<td>{text}</td>"
    return f'<td class="num" data-cell="{table.name}:{r}:{col.name}">{text}</td>'


def _table(table: ReportTable) -> str:
    head = "".join(
        f'<th class="{"" if c.kind == "text" else "num"}">{escape(c.label)}</th>'
        for c in table.columns
    )
    body = "".join(
        "<tr>" + "".join(_cell(table, r, k) for k in range(len(table.columns))) + "</tr>"
        for r in range(len(table.rows))
    )
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (
        f'<section class="table" id="table-{table.name}"><h2>{escape(table.title)}</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</section>"
    )


def _span(table: ReportTable, name: str, css: str) -> str:
    k = [c.name for c in table.columns].index(name)
    text = escape(display(table.rows[0][k], table.columns[k].kind))
    return f'<span class="{css}" data-cell="{table.name}:0:{name}">{text}</span>'


def _cards(table: ReportTable) -> str:
    """The headline figures as cards; the lift's interval goes under the lift itself."""
    names = [c.name for c in table.columns]
    cards = []
    for col in table.columns:
        if col.name in ("lift_ci_low", "lift_ci_high"):
            continue
        extra = ""
        if col.name == "lift" and "lift_ci_low" in names:
            low, high = _span(table, "lift_ci_low", ""), _span(table, "lift_ci_high", "")
            extra = f'<div class="sub">95% CI {low} to {high}</div>'
        cards.append(
            f'<div class="card"><div class="label">{escape(col.label)}</div>'
            f'<div class="value">{_span(table, col.name, "")}</div>{extra}</div>'
        )
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return f'<div class="cards" id="headline">{"".join(cards)}</div>{note}'


def _charts(report: Report) -> str:
    parts = []
    for n, (name, fig) in enumerate(report_figures(report).items()):
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=(n == 0),
            div_id=f"chart-{name}",
            config={"displayModeBar": False, "responsive": True},
        )
        parts.append(f'<div class="chart" data-chart="{name}">{div}</div>')
    return f'<div class="charts">{"".join(parts)}</div>'


def html_text(report: Report) -> str:
    """The whole page as a string."""
    period = f"{report.start:%Y-%m-%d %H:%M} – {report.end:%Y-%m-%d %H:%M} UTC"
    tables = [t for t in report.tables if t.name != "overview"]
    overview = report.table("overview")
    no_lift = (
        ""
        if report.has_lift
        else '<p class="note">Lift: no holdout persons among those dormant at the period start.</p>'
    )
    parts: list[Any] = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>reengage KPI report {escape(period)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>Reengage: dormant lead &amp; customer reactivation</h1>"
        f"<p>Period {escape(period)} · generated {report.generated_at:%Y-%m-%d %H:%M} UTC</p>"
        "</header><main>",
        _cards(overview) if overview is not None else "",
        no_lift,
        _charts(report),
        *(_table(t) for t in tables),
        '<p class="note">Sync log: <code>reengage runs</code>; '
        "failures: <code>reengage errors</code></p>",
        "</main></body></html>",
    ]
    return "".join(parts)


def render_html(report: Report, path: Path) -> Path:
    """Writes the page to ``path`` (folders made as needed) and returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_text(report), encoding="utf-8")
    return path
