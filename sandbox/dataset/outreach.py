"""What sales and marketing do to people whatever they do back: calls, notes, tasks, meetings.

Outreach is spread over each person's whole life in the history window,
quiet or not. Missed meetings (no-show, cancelled) and future meetings, open
tasks and unanswered call attempts are here too: none of them is engagement.
"""

from __future__ import annotations

import numpy as np

from sandbox.dataset.acts import Act, ActivityBuffer, Context, poisson
from sandbox.dataset.population import Profile
from sandbox.dataset.timecols import DAY, HOUR


def add_outreach(c: Context, acc: ActivityBuffer) -> None:
    k, n = c.knobs, c.p.count
    now = np.full(n, c.now, dtype=np.int64)
    everyone = np.ones(n, dtype=np.bool_)
    table = (
        (Act.CALL_ATTEMPT, ~c.pr.do_not_call, k.call_attempts_per_year, 4),
        (Act.SALES_EMAIL, everyone, k.sales_emails_per_year, 0),
        (Act.NOTE, everyone, k.notes_per_year, 0),
        (Act.TASK_DONE, everyone, k.tasks_per_year, 0),
        (Act.MEETING_NO_SHOW, c.pr.in_hs, k.meeting_misses_per_year, 0),
        (Act.MEETING_CANCELLED, c.pr.in_hs, k.meeting_misses_per_year, 0),
    )
    for kind, mask, rate, nref in table:
        person, at = _poisson_life(c, mask, now - HOUR, rate)
        acc.add(person, kind, at, c.rng.integers(0, nref, person.size) if nref else -1)
    active = (c.p.profile == Profile.ACTIVE) & (c.w1 >= c.now - 30 * DAY)
    future = np.flatnonzero(active & (c.rng.random(n) < k.future_meeting_share * 4))
    acc.add(future, Act.MEETING_FUTURE, c.now + c.rng.integers(DAY, 30 * DAY, future.size))
    open_task = np.flatnonzero(c.rng.random(n) < k.open_task_share)
    due = c.now + c.rng.integers(-10 * DAY, 14 * DAY, open_task.size)
    acc.add(open_task, Act.TASK_OPEN, due)


def _poisson_life(
    c: Context, mask: np.ndarray, hi: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    return poisson(c.rng, mask, c.life_lo, hi, rate)
