"""Reactivation and re-purchase rates, the weekly trend and outreach volume: pure functions.

Each function takes the store's columns (:class:`~sync.report.load.StoreColumns`)
and the period in epoch ms, and returns a :class:`~sync.report.model.ReportTable`;
nothing here reads the store or formats a number. The cohort definitions are in
:mod:`sync.report.cohort`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from config.rules import Rules
from sync.report.cohort import (
    Cohort,
    dormant_at,
    ratio,
    reactivated_in,
    segment_order,
)
from sync.report.load import StoreColumns
from sync.report.model import Cell, Col, ReportTable

ALL = "all"
COMPLETED_NOTE = (
    "Completed: the task is closed on its platform, as of the store's last pull "
    "(a closed task is read back like any other activity)."
)


def to_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def reactivation_table(cols: StoreColumns, rules: Rules, start: int, end: int) -> ReportTable:
    """Reactivation rate overall (row ``all``) and per segment at the period start."""
    cohort = dormant_at(cols, start)
    hit = reactivated_in(cols, cohort, start, end)
    rows: list[tuple[Cell, ...]] = [
        (ALL, len(cohort), int(hit.sum()), ratio(hit.sum(), len(cohort)))
    ]
    for seg in segment_order(rules, set(cohort.segment.tolist())):
        mine = cohort.segment == seg
        n, k = int(mine.sum()), int((hit & mine).sum())
        rows.append((seg, n, k, ratio(k, n)))
    return ReportTable(
        "reactivation",
        "Reactivation rate by segment",
        (
            Col("segment", "Segment at period start", "text"),
            Col("dormant", "Dormant at start", "int"),
            Col("reactivated", "Reactivated in period", "int"),
            Col("rate", "Reactivation rate", "rate"),
        ),
        tuple(rows),
        note="Of the persons dormant at the period start, the share reactivated before its end.",
    )


def won_persons(cols: StoreColumns, lo: int, hi: int) -> npt.NDArray[np.int64]:
    """Persons with a won deal closed in ``[lo, hi)``."""
    won = cols.deal_won & (cols.deal_closed >= lo) & (cols.deal_closed < hi)
    return np.unique(cols.deal_person[won])


def customers_in(cols: StoreColumns, cohort: Cohort, rules: Rules) -> npt.NDArray[np.bool_]:
    """Which cohort members were customers at its instant: recorded in the customer segment,
    or with a won deal closed before it (SPEC: a customer has at least one won deal). The
    deals decide even where no segment was recorded (a store whose history starts later,
    a renamed segment), so a dormant customer's new win is never lost for want of a label."""
    earlier = cols.deal_won & (cols.deal_closed >= 0) & (cols.deal_closed < cohort.at)
    by_deal = np.isin(cohort.person, cols.deal_person[earlier])
    out: npt.NDArray[np.bool_] = (cohort.segment == rules.segments.customer) | by_deal
    return out


def repurchase_table(cols: StoreColumns, rules: Rules, start: int, end: int) -> ReportTable:
    """Dormant customers (at the start) with a new won deal closed in the period."""
    cohort = dormant_at(cols, start)
    customers = cohort.person[customers_in(cols, cohort, rules)]
    bought = np.isin(customers, won_persons(cols, start, end))
    n, k = len(customers), int(bought.sum())
    return ReportTable(
        "repurchase",
        "Customer re-purchase rate",
        (
            Col("dormant_customers", "Dormant customers at start", "int"),
            Col("repurchased", "With a new won deal", "int"),
            Col("rate", "Re-purchase rate", "rate"),
        ),
        ((n, k, ratio(k, n)),),
        note="Customers (a won deal before the period) dormant at its start; a re-purchase is "
        "a new deal of theirs won and closed in the period.",
    )


def iso_weeks(start: int, end: int) -> list[tuple[str, int, int]]:
    """The ISO weeks (Monday 00:00 UTC) of ``[start, end)``, clipped to it: (label, lo, hi)."""
    first = from_ms(start)
    monday = datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(
        days=first.weekday()
    )
    weeks, lo = [], start
    while lo < end:
        monday += timedelta(days=7)
        hi = min(to_ms(monday), end)
        year, week, _ = from_ms(lo).isocalendar()
        weeks.append((f"{year}-W{week:02d}", lo, hi))
        lo = hi
    return weeks


def _week_row(cols: StoreColumns, label: str, lo: int, hi: int) -> tuple[Cell, ...]:
    cohort: Cohort = dormant_at(cols, lo)
    k = int(reactivated_in(cols, cohort, lo, hi).sum())
    handed = int(((cols.ep_handoff >= lo) & (cols.ep_handoff < hi)).sum())
    tasks = int(((cols.task_created >= lo) & (cols.task_created < hi)).sum())
    return (label, from_ms(lo).date().isoformat(), len(cohort), k, ratio(k, len(cohort)), handed,
            tasks)  # fmt: skip


def weekly_table(cols: StoreColumns, start: int, end: int) -> ReportTable:
    """Per ISO week: dormant at its start, reactivated of those, hand-offs, tasks created."""
    return ReportTable(
        "weekly",
        "Weekly trend",
        (
            Col("week", "ISO week", "text"),
            Col("week_start", "From", "text"),
            Col("dormant", "Dormant at week start", "int"),
            Col("reactivated", "Reactivated in week", "int"),
            Col("rate", "Reactivation rate", "rate"),
            Col("handed_off", "Handed off in week", "int"),
            Col("tasks_created", "Tasks created", "int"),
        ),
        tuple(_week_row(cols, *week) for week in iso_weeks(start, end)),
        note="Weeks are ISO weeks in UTC, cut at the period's ends. The rate is of the persons "
        "dormant at the week's start; hand-offs count every hand-off that week.",
    )


def outreach_table(cols: StoreColumns, start: int, end: int) -> ReportTable:
    """Tasks reengage created, per ISO week, trigger and platform."""
    rows: list[tuple[Cell, ...]] = []
    t = cols
    for label, lo, hi in iso_weeks(start, end):
        inside = (t.task_created >= lo) & (t.task_created < hi)
        pairs = sorted(
            set(zip(t.task_trigger[inside].tolist(), t.task_platform[inside].tolist(), strict=True))
        )
        for trigger, platform in pairs:
            mine = inside & (t.task_trigger == trigger) & (t.task_platform == platform)
            rows.append(
                (label, trigger, platform, int(mine.sum()), int((mine & t.task_done).sum()))
            )
    return ReportTable(
        "outreach",
        "Outreach volume",
        (
            Col("week", "ISO week", "text"),
            Col("trigger", "Trigger", "text"),
            Col("platform", "Platform", "text"),
            Col("tasks_created", "Tasks created", "int"),
            Col("tasks_completed", "Completed so far", "int"),
        ),
        tuple(rows),
        note=COMPLETED_NOTE,
    )
