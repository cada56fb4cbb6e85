"""``classify``: every person's decision as of ``T``, from the columnar input (SPEC §4).

Pure: no database, no clock, no I/O. ``T`` is a parameter, and activities and deals
dated after it are ignored, so a past ``as_of`` gives the answer that would have
been given then (back-testing).

Choices where SPEC is silent (and the brief does not decide):
- The anchor is the later of creation and last engagement (a person cannot have been
  quiet before they existed); for a customer, also of the last won deal.
- ``dormant_days`` and ``quiet_since_ms`` are given for everyone (days since the
  current anchor); after an episode ended the anchor has moved to the engagement
  that ended it. The episode table keeps each episode's own anchor.
- A deal is open from its creation to its close; one closing after ``T`` is open at
  ``T``. An episode cannot be open while a deal is; a lost deal's close lets an
  episode start at once if the quiet time has already run out.
- A deal opened (or won) within ``recent_days`` after a reactivation stops the
  hand-off watch: the person is in a sales process.
- ``last_touch`` is the detail of the latest engagement that has one.
- ``episode_start_ms`` / ``reactivated_ms`` / ``handed_off_ms`` / ``emails_in_episode``
  / ``historical_score`` describe the person's latest episode (open or ended);
  ``historical_score`` is the whole history's weight for a person never in one.
- ``score`` is 0 for a person never in an episode. ``score_at_last`` is the same score
  as of the last engagement that added to it (the one before ``T``'s decay): it moves
  only with new activity, which is what ``fields.dormant_days_mode = "formula"`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from config.rules import Rules

from .codes import DAY_MS, OUTCOME_NAMES, PRIORITY_NAMES, STATUS_NAMES, Status
from .episodes import E_ANCHOR, E_END, E_HANDOFF, E_OUTCOME, E_PERSON, E_REACT, E_START, Params
from .episodes import scan as run_scan
from .facts import compute_facts
from .inputs import F64, I8, I16, I32, I64, B, EngineInput, prepare
from .rfm import rfm_scores
from .segments import assign_segments


@dataclass(frozen=True)
class Episodes:
    """Every dormancy episode of every person up to ``T``, one row each (ordered by person,
    start). ``end_ms`` is -1 while ongoing; ``outcome`` an :class:`Outcome` code."""

    person: I32
    anchor_ms: I64
    start_ms: I64
    end_ms: I64
    outcome: I8
    reactivated_ms: I64
    handed_off_ms: I64

    outcome_names: tuple[str, ...] = OUTCOME_NAMES


@dataclass(frozen=True)
class Decisions:
    """Per-person decision columns (index = person). Codes index the ``*_names`` tables;
    -1 means none (instants, segments, approaches, details)."""

    as_of: datetime
    is_customer: B
    has_open_deal: B
    status: I8
    period_segment: I16
    type_segment: I16
    segment: I16
    approach: I16
    task_due: npt.NDArray[np.datetime64]
    task_priority: I8
    dormant_days: I64
    score: F64
    score_at_last: F64
    quiet_since_ms: I64
    last_engagement_ms: I64
    last_touch: I32
    episode_start_ms: I64
    reactivated_ms: I64
    handed_off_ms: I64
    historical_score: F64
    emails_in_episode: I32
    rfm_r: I8
    rfm_f: I8
    rfm_m: I8
    loss_reason: I32
    episodes: Episodes
    segment_names: tuple[str, ...]
    approach_names: tuple[str, ...]
    status_names: tuple[str, ...] = STATUS_NAMES
    priority_names: tuple[str, ...] = PRIORITY_NAMES

    def in_episode(self) -> B:
        """Persons in an open episode (status dormant or sunset)."""
        result: B = (self.status == Status.DORMANT) | (self.status == Status.SUNSET)
        return result


def _episodes(rows: I64) -> Episodes:
    return Episodes(
        person=rows[:, E_PERSON].astype(np.int32),
        anchor_ms=rows[:, E_ANCHOR].copy(),
        start_ms=rows[:, E_START].copy(),
        end_ms=rows[:, E_END].copy(),
        outcome=rows[:, E_OUTCOME].astype(np.int8),
        reactivated_ms=rows[:, E_REACT].copy(),
        handed_off_ms=rows[:, E_HANDOFF].copy(),
    )


def classify(inp: EngineInput, rules: Rules, as_of: datetime) -> Decisions:
    """Decides everyone's status, segments, approach, task, score and RFM as of ``as_of``."""
    timeline = prepare(inp, rules, as_of)
    t_ms = timeline.as_of_ms
    scan = run_scan(timeline, inp.person_created_ms, Params.from_rules(rules, t_ms))
    facts = compute_facts(inp, timeline, rules)
    dormant_days = (t_ms - scan.anchor_ms) // DAY_MS
    approaches, seg = assign_segments(scan, facts, inp, rules, as_of, dormant_days)
    in_episode = (scan.status == Status.DORMANT) | (scan.status == Status.SUNSET)
    rfm_r, rfm_f, rfm_m = rfm_scores(facts, t_ms, rules.segments.rfm.quantiles, in_episode)
    return Decisions(
        as_of=as_of,
        is_customer=facts.is_customer,
        has_open_deal=scan.has_open_deal,
        status=scan.status,
        period_segment=seg.period_segment,
        type_segment=seg.type_segment,
        segment=seg.segment,
        approach=seg.approach,
        task_due=seg.task_due,
        task_priority=seg.task_priority,
        dormant_days=dormant_days,
        score=scan.score,
        score_at_last=scan.score_at_last,
        quiet_since_ms=scan.anchor_ms,
        last_engagement_ms=scan.last_engagement_ms,
        last_touch=scan.last_touch,
        episode_start_ms=scan.episode_start_ms,
        reactivated_ms=scan.reactivated_ms,
        handed_off_ms=scan.handed_off_ms,
        historical_score=scan.historical_score,
        emails_in_episode=scan.emails_in_episode,
        rfm_r=rfm_r,
        rfm_f=rfm_f,
        rfm_m=rfm_m,
        loss_reason=facts.loss_reason,
        episodes=_episodes(scan.episodes),
        segment_names=tuple(rules.segments.names()),
        approach_names=approaches,
    )
