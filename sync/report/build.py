"""Builds the whole report for a period: load the store once, compute every table.

The headline (``overview``) table repeats figures of the detailed tables — the
same values, not recomputed — so a manager reads the few numbers that matter
first.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Engine, func, select

from config.rules import Rules
from sync.engine import classify
from sync.report.attention import issues_table, parked_table
from sync.report.cohort import open_at
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
from sync.report.wins import WON_SHARE_LABEL, wins_table, won_share_note
from sync.store.schema import runs
from sync.store.snapshot import count_mirrors, load_snapshot

TASKS_NOTE = (
    "Call tasks created: the call tasks reengage created on HubSpot and Salesforce in the "
    "period, dated when the platform accepted them."
)


MIRRORS_NOTE = (
    "Integration copies: Salesforce email tasks dated in the period that the HubSpot-Salesforce "
    "integration wrote for a HubSpot marketing email event of the same person (paired one to "
    "one within the rules' mirror window); each event counts once, on HubSpot."
)


def _overview(tables: dict[str, ReportTable], rules: Rules, mirrors: int) -> ReportTable:
    """The headline figures, with footnotes defining the ones that read alike."""
    react, rep, won = tables["reactivation"], tables["repurchase"], tables["won_deals"]
    tasks = sum(int(v or 0) for v in tables["outreach"].column("tasks_created"))
    cols: list[Col] = [
        Col("dormant_at_start", "Dormant at period start", "int"),
        Col("reactivated", "Reactivated in period", "int"),
        Col("reactivation_rate", "Reactivation rate", "rate"),
        Col("repurchase_rate", "Customer re-purchase rate", "rate"),
        Col("won_from_dormant_share", WON_SHARE_LABEL, "rate"),
        Col("tasks_created", "Call tasks created", "int"),
        Col("mirrors", "Integration copies counted once", "int"),
    ]
    values: list[Cell] = [
        react.value("dormant"),
        react.value("reactivated"),
        react.value("rate"),
        rep.value("rate"),
        won.value("share"),
        tasks,
        mirrors,
    ]
    lift = tables.get("lift")
    if lift is not None and lift.value("segment") == "all":
        cols += [
            Col("lift", "Lift vs holdout", "diff"),
            Col("lift_ci_low", "Lift 95% CI low", "diff"),
            Col("lift_ci_high", "Lift 95% CI high", "diff"),
        ]
        values += [lift.value("lift"), lift.value("ci_low"), lift.value("ci_high")]
    note = f"{won_share_note(rules.dormancy.recent_days)} {TASKS_NOTE} {MIRRORS_NOTE}"
    return ReportTable(
        "overview", "Headline", tuple(cols), (tuple(values),), note=note, transpose=True
    )


def compute_report(
    cols: StoreColumns,
    rules: Rules,
    start: datetime,
    end: datetime,
    generated_at: datetime,
    mirrors: int = 0,
) -> Report:
    """Every table of the report from already-loaded columns (pure: no I/O).

    ``mirrors``: the integration copies recognised in the period (:func:`count_mirrors`).
    """
    lo, hi = to_ms(start), to_ms(end)
    tables: dict[str, ReportTable] = {
        "reactivation": reactivation_table(cols, rules, lo, hi),
        "repurchase": repurchase_table(cols, rules, lo, hi),
        "funnel": funnel_table(cols, rules, lo, hi),
        "weekly": weekly_table(cols, lo, hi),
        "outreach": outreach_table(cols, lo, hi),
        "won_deals": wins_table(cols, rules, lo, hi),
    }
    lift = lift_table(cols, rules, lo, hi)
    if lift is not None:
        tables["lift"] = lift
    tables["identity_issues"] = issues_table(cols.issues)
    tables["parked_operations"] = parked_table(cols.parked)
    ordered = (_overview(tables, rules, mirrors), *tables.values())
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
    cols = with_segments_at(load_columns(engine), engine, rules, start)
    mirrors = count_mirrors(engine, rules, to_ms(start), to_ms(end))
    return compute_report(cols, rules, start, end, datetime.now(UTC), mirrors)


def _first_run(engine: Engine) -> datetime | None:
    """The instant of the store's first classification run (memberships are recorded from it)."""
    kinds = ("backfill", "sync", "plan", "demo")
    query = select(func.min(runs.c.as_of)).where(runs.c.kind.in_(kinds))
    with engine.connect() as conn:
        first: datetime | None = conn.execute(query).scalar()
    return first


def with_segments_at(
    cols: StoreColumns, engine: Engine, rules: Rules, at: datetime
) -> StoreColumns:
    """Fills in the segment at ``at`` when it is before the store's first classification run
    (a store backfilled after ``at`` has no membership history that far back): the engine,
    run as of ``at`` on the store's data, says which segment each person was in then, the
    same decision a run at ``at`` would have made. Recorded memberships always win.
    """
    first = _first_run(engine)
    if first is None or at >= first:
        return cols
    snap = load_snapshot(engine, rules)
    decided = classify(snap.input, rules, at)
    dormant = decided.in_episode() & (decided.segment >= 0)
    t = to_ms(at)
    recorded = set(cols.sm_person[open_at(cols.sm_entered, cols.sm_left, t)].tolist())
    missing = np.array(
        [pid not in recorded for pid in snap.person_ids[dormant].tolist()], dtype=bool
    )
    people = snap.person_ids[dormant][missing]
    names = np.array(decided.segment_names, dtype=object)[decided.segment[dormant][missing]]
    return replace(
        cols,
        sm_person=np.concatenate([cols.sm_person, people]),
        sm_segment=np.concatenate([cols.sm_segment.astype(object), names]).astype(str),
        sm_entered=np.concatenate([cols.sm_entered, np.full(len(people), t, dtype=np.int64)]),
        sm_left=np.concatenate([cols.sm_left, np.full(len(people), t + 1, dtype=np.int64)]),
    )
