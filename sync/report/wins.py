"""Share of the period's won deals whose person had been dormant, and for how long.

A won deal (closed in the period) **came from a dormant person** when one of
its linked persons had a dormancy episode that had started by the deal's
creation and was still open at it or had ended less than ``recent_days``
before it (``started_at <= created`` and (``ended_at`` null or
``ended_at >= created - recent_days``)). A deal with no creation date uses its
close date.

Its **dormant days** are the time that episode spent open before the deal:
from ``started_at`` to ``ended_at`` (or to the creation, if still open then);
the latest qualifying episode of any linked person counts. The table gives the
median over the dormant-sourced deals.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from config.rules import Rules
from sync.report.cohort import DAY_MS, median_days, ratio
from sync.report.load import NONE, StoreColumns
from sync.report.model import Cell, Col, ReportTable

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
WON_SHARE_LABEL = "Won deals from dormant persons"


def won_share_note(recent_days: int) -> str:
    """The share's footnote: what it counts, and why it is at least the funnel's won stage."""
    return (
        f"{WON_SHARE_LABEL}: of the deals won and closed in the period, those with a linked "
        f"person in a dormancy episode at the deal's creation (a deal opened in dormancy ends "
        f"it) or out of one for less than {recent_days} days. It counts deals, of any person "
        "dormant then, reactivated or not, so it includes every win of the funnel's won stage."
    )


def from_dormancy(created: I64, ep_start: I64, ep_end: I64, recent_ms: int) -> B:
    """Which deals (created at ``created``) came from the episode on the same row: it had
    started by the creation and was still open then or had ended less than ``recent_ms``
    before. The one rule of "from a dormant person", shared with the funnel's won stage so
    that the funnel never counts a win the share leaves out."""
    out: B = (ep_start <= created) & ((ep_end == NONE) | (ep_end >= created - recent_ms))
    return out


def _pairs(sorted_person: I64, person: I64) -> tuple[I64, I64]:
    """All (row of ``person``, index into ``sorted_person``) pairs with equal persons."""
    lo = np.searchsorted(sorted_person, person, "left")
    hi = np.searchsorted(sorted_person, person, "right")
    counts = hi - lo
    rows = np.repeat(np.arange(len(person)), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, np.repeat(lo, counts) + offsets


def dormant_days_per_deal(cols: StoreColumns, rules: Rules, start: int, end: int) -> I64:
    """For each won deal closed in the period: its dormant ms, or -1 if not from dormancy."""
    won = cols.deal_won & (cols.deal_closed >= start) & (cols.deal_closed < end)
    deal_ids, which = np.unique(cols.deal_id[won], return_inverse=True)
    out = np.full(len(deal_ids), NONE, np.int64)
    order = np.argsort(cols.ep_person, kind="stable")
    links = np.flatnonzero(won)
    rows, eps = _pairs(cols.ep_person[order], cols.deal_person[links])
    if len(rows) == 0:
        return out
    ep = order[eps]
    link = links[rows]
    created = np.where(
        cols.deal_created[link] >= 0, cols.deal_created[link], cols.deal_closed[link]
    )
    ep_end = cols.ep_end[ep]
    ok = from_dormancy(created, cols.ep_start[ep], ep_end, rules.dormancy.recent_days * DAY_MS)
    until = np.where((ep_end == NONE) | (ep_end > created), created, ep_end)
    np.maximum.at(out, which[rows[ok]], (until - cols.ep_start[ep])[ok])
    return out


def wins_table(cols: StoreColumns, rules: Rules, start: int, end: int) -> ReportTable:
    """One row: won deals in the period, how many came from dormancy, share, median days."""
    dormant = dormant_days_per_deal(cols, rules, start, end)
    n, k = len(dormant), int((dormant >= 0).sum())
    row: tuple[Cell, ...] = (n, k, ratio(k, n), median_days(dormant[dormant >= 0]))
    return ReportTable(
        "won_deals",
        WON_SHARE_LABEL,
        (
            Col("won_deals", "Won deals closed in period", "int"),
            Col("from_dormant", "Whose person had been dormant", "int"),
            Col("share", "Share from dormant", "rate"),
            Col("median_dormant_days", "Median days dormant", "days"),
        ),
        (row,),
        note=won_share_note(rules.dormancy.recent_days),
    )
