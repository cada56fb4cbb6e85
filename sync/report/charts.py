"""The report's plotly figures, built from the report's tables (the same values as the CSV).

Labels and hover texts use :func:`~sync.report.model.display`, so a number read
off a chart reads as in the tables.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sync.report.model import Report, ReportTable, display

BLUE, ORANGE, GREEN, GREY = "#2563eb", "#ea580c", "#16a34a", "#6b7280"


def _layout(fig: Any, title: str, height: int = 360) -> Any:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        height=height,
        margin={"l": 60, "r": 30, "t": 50, "b": 50},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#e5e7eb")
    return fig


def _rates(values: list[Any]) -> list[float | None]:
    return [None if v is None else float(v) * 100 for v in values]


def weekly_figure(weekly: ReportTable) -> Any:
    """Reactivated and handed off per week (bars) with the reactivation rate (line)."""
    weeks = weekly.column("week")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=weeks, y=weekly.column("reactivated"), name="Reactivated",
                         marker_color=BLUE))  # fmt: skip
    fig.add_trace(go.Bar(x=weeks, y=weekly.column("handed_off"), name="Handed off",
                         marker_color=GREEN))  # fmt: skip
    rates = weekly.column("rate")
    fig.add_trace(
        go.Scatter(
            x=weeks,
            y=_rates(rates),
            name="Reactivation rate",
            mode="lines+markers",
            line={"color": ORANGE},
            hovertext=[display(r, "rate") for r in rates],
            hoverinfo="x+text",
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title_text="persons", secondary_y=False)
    fig.update_yaxes(
        title_text="reactivation rate",
        secondary_y=True,
        rangemode="tozero",
        showgrid=False,
        tickmode="auto",
        ticksuffix="%",
    )
    fig.update_xaxes(type="category")
    return _layout(fig, "Weekly trend")


def segment_figure(react: ReportTable) -> Any:
    """Reactivation rate per segment at the period start (the ``all`` row is the headline)."""
    rows = [r for r in react.rows if r[0] != "all"]
    rates = [r[3] for r in rows]
    fig = go.Figure(
        go.Bar(x=[r[0] for r in rows], y=_rates(rates), marker_color=BLUE,
               text=[display(v, "rate") for v in rates], textposition="outside",
               hovertext=[f"{display(r[2], 'int')} of {display(r[1], 'int')}" for r in rows])
    )  # fmt: skip
    fig.update_yaxes(title_text="reactivation rate (%)", rangemode="tozero")
    return _layout(fig, "Reactivation rate by segment")


def funnel_figure(funnel: ReportTable) -> Any:
    """Persons at each funnel stage."""
    stages = [str(s).replace("_", " ") for s in funnel.column("stage")]
    persons = funnel.column("persons")
    fig = go.Figure(
        go.Funnel(y=stages, x=persons, text=[display(v, "int") for v in persons],
                  textinfo="text", marker={"color": [GREY, BLUE, GREEN, ORANGE, "#7c3aed"]})
    )  # fmt: skip
    return _layout(fig, "Funnel (persons dormant at the period start)")


def lift_figure(lift: ReportTable) -> Any:
    """Lift per segment in percentage points, with its 95% interval as error bars."""
    segs = lift.column("segment")
    d = [float(v) * 100 for v in lift.column("lift")]  # type: ignore[arg-type]
    lo = [float(v) * 100 for v in lift.column("ci_low")]  # type: ignore[arg-type]
    hi = [float(v) * 100 for v in lift.column("ci_high")]  # type: ignore[arg-type]
    fig = go.Figure(
        go.Scatter(x=segs, y=d, mode="markers", marker={"size": 12, "color": BLUE},
                   error_y={"type": "data", "symmetric": False,
                            "array": [h - m for h, m in zip(hi, d, strict=True)],
                            "arrayminus": [m - v for m, v in zip(d, lo, strict=True)]},
                   hovertext=[f"{display(v / 100, 'diff')} [{display(a / 100, 'diff')}, "
                              f"{display(b / 100, 'diff')}]" for v, a, b in zip(d, lo, hi,
                                                                                  strict=True)],
                   hoverinfo="x+text", name="lift")
    )  # fmt: skip
    fig.add_hline(y=0, line={"color": GREY, "dash": "dash"})
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="treated - holdout (pp)")
    return _layout(fig, "Lift versus holdout, with 95% confidence interval")


def report_figures(report: Report) -> dict[str, Any]:
    """The charts to draw, by name, in reading order (the lift only with a holdout)."""
    figs: dict[str, Any] = {}
    weekly, react = report.table("weekly"), report.table("reactivation")
    funnel, lift = report.table("funnel"), report.table("lift")
    if weekly is not None:
        figs["weekly"] = weekly_figure(weekly)
    if react is not None:
        figs["segments"] = segment_figure(react)
    if funnel is not None:
        figs["funnel"] = funnel_figure(funnel)
    if lift is not None:
        figs["lift"] = lift_figure(lift)
    return figs
