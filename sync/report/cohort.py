"""Who was dormant at an instant, in which segment: the denominator of every rate.

Definitions (SPEC §5, made precise):

* a person is **dormant at** ``t`` when one of their episodes is open at ``t``:
  ``started_at <= t`` and (``ended_at`` is null or ``ended_at > t``);
* their **segment at** ``t`` is the segment membership open at ``t``
  (``entered_at <= t < left_at``, or ``left_at`` null); persons with none
  recorded fall in :data:`UNRECORDED`;
* a cohort member is **reactivated in** ``[lo, hi)`` when the open episode's
  ``reactivated_at`` falls in it. Rates are cohort rates — of the persons
  dormant at the period start, the share reactivated by its end — so each is a
  true proportion (needed for the lift's interval). An episode that starts and
  ends inside the period counts in neither part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from config.rules import Rules
from sync.report.load import NONE, StoreColumns

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
UNRECORDED = "(unrecorded)"
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Cohort:
    """The persons dormant at ``at`` (sorted), their open episode and segment."""

    at: int
    person: I64
    episode: I64
    segment: npt.NDArray[np.str_]

    def __len__(self) -> int:
        return len(self.person)


def _last_per_person(person: I64, start: I64, idx: I64) -> I64:
    """Of the rows ``idx``, the one with the latest start per person, sorted by person."""
    if len(idx) == 0:
        return idx
    idx = idx[np.lexsort((start[idx], person[idx]))]
    p = person[idx]
    return idx[np.r_[p[1:] != p[:-1], True]]


def open_at(start: I64, end: I64, at: int) -> B:
    """Rows whose [start, end) interval (end -1 = still open) contains ``at``."""
    out: B = (start <= at) & ((end == NONE) | (end > at))
    return out


def segment_at(cols: StoreColumns, persons: I64, at: int) -> npt.NDArray[np.str_]:
    """Each of ``persons``' (sorted) segment at ``at``; :data:`UNRECORDED` if none."""
    out = np.full(len(persons), UNRECORDED, dtype=object)
    rows = np.flatnonzero(open_at(cols.sm_entered, cols.sm_left, at))
    rows = _last_per_person(cols.sm_person, cols.sm_entered, rows)
    if len(rows) and len(persons):
        pos = np.searchsorted(persons, cols.sm_person[rows])
        pos = np.minimum(pos, len(persons) - 1)
        hit = persons[pos] == cols.sm_person[rows]
        out[pos[hit]] = cols.sm_segment[rows[hit]]
    return out.astype(str)


def dormant_at(cols: StoreColumns, at: int) -> Cohort:
    """The cohort of persons dormant at ``at`` (see the module docstring)."""
    rows = np.flatnonzero(open_at(cols.ep_start, cols.ep_end, at))
    rows = _last_per_person(cols.ep_person, cols.ep_start, rows)
    person = cols.ep_person[rows]
    return Cohort(at, person, rows, segment_at(cols, person, at))


def reactivated_in(cols: StoreColumns, cohort: Cohort, lo: int, hi: int) -> B:
    """Which cohort members were reactivated in ``[lo, hi)``."""
    r = cols.ep_react[cohort.episode]
    out: B = (r >= lo) & (r < hi)
    return out


def segment_order(rules: Rules, present: set[str]) -> list[str]:
    """Segments in the rules' order, then any others found in the store, then unrecorded."""
    known = [s for s in rules.segments.names() if s in present]
    extra = sorted(present - set(known) - {UNRECORDED})
    return known + extra + ([UNRECORDED] if UNRECORDED in present else [])


def ratio(num: int, den: int) -> float | None:
    """``num / den``, or None when there is nothing to divide by (shown as a dash, not 0)."""
    return float(num) / float(den) if den else None


def median_days(delta_ms: I64) -> float | None:
    """The median of durations in ms, in days; None for no durations."""
    return float(np.median(delta_ms)) / DAY_MS if len(delta_ms) else None
