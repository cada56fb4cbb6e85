"""Lift: treated versus holdout reactivation rate, with a 95% confidence interval.

**Who is holdout.** A member of the cohort dormant at the period start counts
as holdout when the ``holdout`` table holds them with ``assigned_at`` before the
period's end. reengage assigns the holdout when it first classifies a person in
an episode and withholds lists and tasks from then on, so nobody in the table
was treated before their assignment; everyone else in the cohort is treated.

**Interval.** Newcombe's hybrid score interval (method 10 of Newcombe, 1998,
*Statistics in Medicine* 17:873–890) for the difference ``p_t - p_h`` of two
independent proportions: each proportion's Wilson score interval, combined.
Unlike the Wald interval it stays inside [-1, 1] and keeps close to its nominal
coverage with small groups or rates near 0 — a holdout of 10% of a small
segment is exactly that case. Written out here, no statistics library.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from config.rules import Rules
from sync.report.cohort import dormant_at, ratio, reactivated_in, segment_order
from sync.report.kpis import ALL
from sync.report.load import StoreColumns
from sync.report.model import Cell, Col, ReportTable

B = npt.NDArray[np.bool_]
Z95 = 1.959963984540054  # the standard normal's 97.5% quantile


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for ``k`` successes out of ``n`` (n > 0)."""
    p = k / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (centre - spread) / (1 + z2 / n), (centre + spread) / (1 + z2 / n)


def newcombe(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """``(p1 - p2, low, high)``: the difference and Newcombe's hybrid score interval."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def _row(segment: str, treated: B, held: B, hit: B) -> tuple[Cell, ...]:
    nt, nh = int(treated.sum()), int(held.sum())
    kt, kh = int((hit & treated).sum()), int((hit & held).sum())
    d, low, high = newcombe(kt, nt, kh, nh)
    return (segment, nt, kt, ratio(kt, nt), nh, kh, ratio(kh, nh), d, low, high)


def lift_table(cols: StoreColumns, rules: Rules, start: int, end: int) -> ReportTable | None:
    """Lift overall and per segment; None when the cohort has no holdout member.

    A segment row appears only where both groups have members.
    """
    cohort = dormant_at(cols, start)
    held = np.isin(cohort.person, cols.hold_person[cols.hold_assigned < end])
    if not held.any():
        return None
    treated = ~held
    hit = reactivated_in(cols, cohort, start, end)
    rows: list[tuple[Cell, ...]] = []
    if treated.any():
        rows.append(_row(ALL, treated, held, hit))
    for seg in segment_order(rules, set(cohort.segment.tolist())):
        mine = cohort.segment == seg
        if (treated & mine).any() and (held & mine).any():
            rows.append(_row(seg, treated & mine, held & mine, hit))
    if not rows:
        return None
    return ReportTable(
        "lift",
        "Lift: treated versus holdout",
        (
            Col("segment", "Segment at period start", "text"),
            Col("treated", "Treated", "int"),
            Col("treated_reactivated", "Treated reactivated", "int"),
            Col("treated_rate", "Treated rate", "rate"),
            Col("holdout", "Holdout", "int"),
            Col("holdout_reactivated", "Holdout reactivated", "int"),
            Col("holdout_rate", "Holdout rate", "rate"),
            Col("lift", "Lift", "diff"),
            Col("ci_low", "95% CI low", "diff"),
            Col("ci_high", "95% CI high", "diff"),
        ),
        tuple(rows),
        note="Lift = treated rate - holdout rate, in percentage points, with Newcombe's "
        "hybrid score 95% interval. An interval that excludes 0 is a measurable effect.",
    )
