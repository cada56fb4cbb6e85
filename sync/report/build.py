"""Builds the whole report for a period: load the store once, compute every table.

The headline (``overview``) table repeats figures of the detailed tables — the
same values, not recomputed — so a manager reads the few numbers that matter
first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from config.rules import Rules
from sync.report.attention import issues_table, parked_table
from sync.report.funnel import funnel_table
from sync.report.kpis import (
    outreach_table,
    reactivation_table,
    repurchase_table,
    to_ms,
    weekly_table,
)
from sync.report.lift import lift_table
from sync.report.load import StoreColumns, load_columns
from sync.report.model import Cell, Col, Report, ReportTable
from sync.report.wins import wins_table


def _overview(tables: dict[str, ReportTable]) -> ReportTable:
    react, rep, won = tables["reactivation"], tables["repurchase"], tables["won_deals"]
    tasks = sum(int(v or 0) for v in tables["outreach"].column("tasks_created"))
    cols: list[Col] = [
        Col("dormant_at_start", "Dormant at period start", "int"),
        Col("reactivated", "Reactivated in period", "int"),
        Col("reactivation_rate", "Reactivation rate", "rate"),
        Col("repurchase_rate", "Customer re-purchase rate", "rate"),
        Col("won_from_dormant_share", "Won deals from dormant persons", "rate"),
        Col("tasks_created", "Call tasks created", "int"),
    ]
    values: list[Cell] = [
        react.value("dormant"),
        react.value("reactivated"),
        react.value("rate"),
        rep.value("rate"),
        won.value("share"),
        tasks,
    ]
    lift = tables.get("lift")
    if lift is not None and lift.value("segment") == "all":
        cols += [
            Col("lift", "Lift vs holdout", "diff"),
            Col("lift_ci_low", "Lift 95% CI low", "diff"),
            Col("lift_ci_high", "Lift 95% CI high", "diff"),
        ]
        values += [lift.value("lift"), lift.value("ci_low"), lift.value("ci_high")]
    return ReportTable("overview", "Headline", tuple(cols), (tuple(values),), transpose=True)


def compute_report(
    cols: StoreColumns, rules: Rules, start: datetime, end: datetime, generated_at: datetime
) -> Report:
    """Every table of the report from already-loaded columns (pure: no I/O)."""
    lo, hi = to_ms(start), to_ms(end)
    tables: dict[str, ReportTable] = {
        "reactivation": reactivation_table(cols, rules, lo, hi),
        "repurchase": repurchase_table(cols, rules, lo, hi),
        "funnel": funnel_table(cols, lo, hi),
        "weekly": weekly_table(cols, lo, hi),
        "outreach": outreach_table(cols, lo, hi),
        "won_deals": wins_table(cols, rules, lo, hi),
    }
    lift = lift_table(cols, rules, lo, hi)
    if lift is not None:
        tables["lift"] = lift
    tables["identity_issues"] = issues_table(cols.issues)
    tables["parked_operations"] = parked_table(cols.parked)
    ordered = (_overview(tables), *tables.values())
    return Report(start, end, generated_at, ordered)


def build_report(engine: Engine, rules: Rules, start: datetime, end: datetime) -> Report:
    """The KPI report of ``[start, end)`` (aware datetimes) from the store behind ``engine``.

    Raises:
        ValueError: ``start`` or ``end`` is naive, or the period is empty.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the report period needs timezone-aware instants")
    if end <= start:
        raise ValueError(f"empty report period: {start.isoformat()} .. {end.isoformat()}")
    return compute_report(load_columns(engine), rules, start, end, datetime.now(UTC))
