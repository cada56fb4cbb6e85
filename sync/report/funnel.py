"""The reactivation funnel: dormant → reactivated → handed off → opportunity → won.

Over the cohort dormant at the period start (:mod:`sync.report.cohort`); a
stage counts the persons who reached it **and every earlier stage** before the
period's end, so conversions never exceed 100%:

* *reactivated*: the open episode's ``reactivated_at`` is in the period;
* *handed off*: its ``handed_off_at`` is too;
* *opportunity*: a deal linked to the person was created at or after the
  reactivation (and before the end); its instant is the first such creation;
* *won*: one of those deals was won, closed in the period, and came from the
  dormancy (created no later than ``recent_days`` after the episode ended: the
  rule of :func:`sync.report.wins.from_dormancy`); its instant is the first such
  close. So every person at this stage has a deal that the share of won deals
  from dormant persons counts: the stage is a subset of that share's numerator
  (which also counts deals of persons not dormant at the start, and deals that
  ended a dormancy without a reactivation or hand-off).

Median days are between consecutive stage instants (the dormant stage's instant
is the episode start). A deal opened between the reactivation and the formal
hand-off counts as opened the day of the hand-off (0 days), not negative.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from config.rules import Rules
from sync.report.cohort import DAY_MS, Cohort, dormant_at, median_days, ratio
from sync.report.load import StoreColumns
from sync.report.model import Cell, Col, ReportTable
from sync.report.wins import WON_SHARE_LABEL, from_dormancy

I64 = npt.NDArray[np.int64]
FAR = np.iinfo(np.int64).max
STAGES = ("dormant", "reactivated", "handed_off", "opportunity", "won")


def funnel_note(recent_days: int) -> str:
    """The funnel's footnote: who it counts, and how its won stage relates to the share."""
    return (
        "Persons dormant at the period start; each stage counts those who reached it and every "
        "earlier one before the period's end. Won: a deal opened at or after the reactivation, "
        f"no later than {recent_days} days after the dormancy ended, won and closed in the "
        f"period; each such deal is also counted in '{WON_SHARE_LABEL}', so this stage is never "
        "more than that share's numerator."
    )


def _first_deal(
    cols: StoreColumns, cohort: Cohort, since: I64, period: tuple[int, int], recent_ms: int
) -> tuple[I64, I64]:
    """Per cohort member: first deal created in [since, end); first close of a won deal
    among those, closed in the period and from the dormancy (see the module docstring)."""
    start, end = period
    n = len(cohort)
    created, won = np.full(n, FAR, np.int64), np.full(n, FAR, np.int64)
    if n == 0 or len(cols.deal_person) == 0:
        return created, won
    pos = np.minimum(np.searchsorted(cohort.person, cols.deal_person), n - 1)
    mine = cohort.person[pos] == cols.deal_person
    ok = mine & (since[pos] >= 0) & (cols.deal_created >= since[pos]) & (cols.deal_created < end)
    np.minimum.at(created, pos[ok], cols.deal_created[ok])
    ep = cohort.episode[pos]
    dormant = from_dormancy(cols.deal_created, cols.ep_start[ep], cols.ep_end[ep], recent_ms)
    closed = ok & dormant & cols.deal_won & (cols.deal_closed >= start) & (cols.deal_closed < end)
    np.minimum.at(won, pos[closed], cols.deal_closed[closed])
    return created, won


def stage_instants(
    cols: StoreColumns, cohort: Cohort, start: int, end: int, recent_days: int
) -> list[I64]:
    """Each stage's instant per cohort member, -1 where the stage was not reached."""
    ep = cohort.episode
    react, handoff = cols.ep_react[ep], cols.ep_handoff[ep]
    reached = (react >= start) & (react < end)
    times = [cols.ep_start[ep].copy(), np.where(reached, react, -1)]
    reached &= (handoff >= start) & (handoff < end)
    times.append(np.where(reached, handoff, -1))
    since = np.where(reached, react, -1)
    opened, won = _first_deal(cols, cohort, since, (start, end), recent_days * DAY_MS)
    reached &= opened < FAR
    times.append(np.where(reached, np.maximum(opened, handoff), -1))
    reached &= won < FAR
    times.append(np.where(reached, np.maximum(won, times[-1]), -1))
    return times


def funnel_table(cols: StoreColumns, rules: Rules, start: int, end: int) -> ReportTable:
    """The funnel's counts, conversions and median days (see the module docstring)."""
    cohort = dormant_at(cols, start)
    times = stage_instants(cols, cohort, start, end, rules.dormancy.recent_days)
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
        note=funnel_note(rules.dormancy.recent_days),
    )
