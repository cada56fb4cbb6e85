"""The reactivation funnel: dormant → reactivated → handed off → opportunity → won.

Over the cohort dormant at the period start (:mod:`sync.report.cohort`); a
stage counts the persons who reached it **and every earlier stage** before the
period's end, so conversions never exceed 100%:

* *reactivated*: the open episode's ``reactivated_at`` is in the period;
* *handed off*: its ``handed_off_at`` is too;
* *opportunity*: a deal linked to the person was created at or after the
  reactivation (and before the end); its instant is the first such creation;
* *won*: one of those deals was won, closed before the end; its instant is the
  first such close.

Median days are between consecutive stage instants (the dormant stage's instant
is the episode start). A deal opened between the reactivation and the formal
hand-off counts as opened the day of the hand-off (0 days), not negative.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sync.report.cohort import Cohort, dormant_at, median_days, ratio
from sync.report.load import StoreColumns
from sync.report.model import Cell, Col, ReportTable

I64 = npt.NDArray[np.int64]
FAR = np.iinfo(np.int64).max
STAGES = ("dormant", "reactivated", "handed_off", "opportunity", "won")


def _first_deal(cols: StoreColumns, cohort: Cohort, since: I64, end: int) -> tuple[I64, I64]:
    """Per cohort member: first deal created in [since, end), first won close before end."""
    n = len(cohort)
    created, won = np.full(n, FAR, np.int64), np.full(n, FAR, np.int64)
    if n == 0 or len(cols.deal_person) == 0:
        return created, won
    pos = np.minimum(np.searchsorted(cohort.person, cols.deal_person), n - 1)
    mine = cohort.person[pos] == cols.deal_person
    ok = mine & (since[pos] >= 0) & (cols.deal_created >= since[pos]) & (cols.deal_created < end)
    np.minimum.at(created, pos[ok], cols.deal_created[ok])
    closed = ok & cols.deal_won & (cols.deal_closed >= 0) & (cols.deal_closed < end)
    np.minimum.at(won, pos[closed], cols.deal_closed[closed])
    return created, won


def stage_instants(cols: StoreColumns, cohort: Cohort, start: int, end: int) -> list[I64]:
    """Each stage's instant per cohort member, -1 where the stage was not reached."""
    ep = cohort.episode
    react, handoff = cols.ep_react[ep], cols.ep_handoff[ep]
    reached = (react >= start) & (react < end)
    times = [cols.ep_start[ep].copy(), np.where(reached, react, -1)]
    reached &= (handoff >= start) & (handoff < end)
    times.append(np.where(reached, handoff, -1))
    opened, won = _first_deal(cols, cohort, np.where(reached, react, -1), end)
    reached &= opened < FAR
    times.append(np.where(reached, np.maximum(opened, handoff), -1))
    reached &= won < FAR
    times.append(np.where(reached, np.maximum(won, times[-1]), -1))
    return times


def funnel_table(cols: StoreColumns, start: int, end: int) -> ReportTable:
    """The funnel's counts, conversions and median days (see the module docstring)."""
    cohort = dormant_at(cols, start)
    times = stage_instants(cols, cohort, start, end)
    counts = [int((t >= 0).sum()) for t in times]
    rows: list[tuple[Cell, ...]] = []
    for k, stage in enumerate(STAGES):
        if k == 0:
            rows.append((stage, counts[0], None, None, None))
            continue
        reached = times[k] >= 0
        days = median_days(times[k][reached] - times[k - 1][reached])
        rows.append(
            (stage, counts[k], ratio(counts[k], counts[k - 1]), ratio(counts[k], counts[0]), days)
        )
    return ReportTable(
        "funnel",
        "Funnel",
        (
            Col("stage", "Stage", "text"),
            Col("persons", "Persons", "int"),
            Col("from_previous", "Conversion from previous", "rate"),
            Col("from_dormant", "Conversion from dormant", "rate"),
            Col("median_days", "Median days from previous", "days"),
        ),
        tuple(rows),
        note="Persons dormant at the period start; each stage counts those who reached it "
        "and every earlier one before the period's end.",
    )
