"""Segments, approach and segment task of every person in an open episode (SPEC §4).

All segment columns hold codes into one name table, ``rules.segments.names()``:
the period segments first, then ``type_order``, then the customer segment; -1 is
"no segment". A dormant customer's period segment is the customer segment (SPEC
gives customers no day bands), and customers have no type segment. Leads' type
segments are tried in ``type_order`` and the first that applies wins.

Facts are taken as of ``T``: "no deal ever" means no deal created by ``T``; the
engagement count and two-way contact cover every engagement up to ``T`` (inside
the episode too); the historical score is the undecayed sum of the weights of all
engagement before the episode started.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from config.rules import Rules

from .calendar import due_date
from .codes import NONE, Priority, Status
from .episodes import ScanResult
from .facts import Facts
from .inputs import I8, I16, I64, B, EngineInput

Rule = Callable[[ScanResult, Facts, EngineInput, Rules], B]


@dataclass(frozen=True)
class SegmentColumns:
    period_segment: I16
    type_segment: I16
    segment: I16
    approach: I16
    task_due: npt.NDArray[np.datetime64]
    task_priority: I8


def _high_score(scan: ScanResult, facts: Facts, inp: EngineInput, rules: Rules) -> B:
    cfg = rules.segments.high_score_dormant
    hubspot = np.nan_to_num(inp.hubspot_score, nan=-np.inf) >= cfg.hubspot_score_min
    return (scan.historical_score >= cfg.historical_score_min) | hubspot


def _lost_deal(scan: ScanResult, facts: Facts, inp: EngineInput, rules: Rules) -> B:
    return facts.any_lost


def _thin_touch(scan: ScanResult, facts: Facts, inp: EngineInput, rules: Rules) -> B:
    limit = rules.segments.thin_touch.max_engagements
    return ~facts.any_deal & ~facts.two_way & (facts.engagements <= limit)


TYPE_RULES: dict[str, Rule] = {
    "high_score_dormant": _high_score,
    "lost_deal": _lost_deal,
    "thin_touch": _thin_touch,
}


def period_codes(dormant_days: I64, rules: Rules) -> I16:
    """The period segment code of each number of dormant days (for leads)."""
    bounds = np.array([p.from_days for p in rules.segments.period], dtype=np.int64)
    idx = np.searchsorted(bounds, dormant_days, side="right") - 1
    return np.maximum(idx, 0).astype(np.int16)


def _type_codes(scan: ScanResult, facts: Facts, inp: EngineInput, rules: Rules, leads: B) -> I16:
    names = rules.segments.names()
    out = np.full(inp.n_persons, NONE, dtype=np.int16)
    for name in rules.segments.type_order:
        hit = leads & (out < 0) & TYPE_RULES[name](scan, facts, inp, rules)
        out[hit] = names.index(name)
    return out


def _per_segment_tables(
    rules: Rules, as_of: datetime
) -> tuple[tuple[str, ...], I16, npt.NDArray[np.datetime64], I8]:
    names = rules.segments.names()
    approaches = tuple(dict.fromkeys(rules.playbook[n].approach for n in names))
    approach = np.array([approaches.index(rules.playbook[n].approach) for n in names], np.int16)
    due = np.full(len(names), np.datetime64("NaT"), dtype="datetime64[D]")
    priority = np.zeros(len(names), dtype=np.int8)
    for code, name in enumerate(names):
        task = rules.playbook[name].task
        if task is not None:
            due[code] = np.datetime64(due_date(as_of, task.due_business_days, rules.dormancy))
            priority[code] = Priority[task.priority]
    return approaches, approach, due, priority


def assign_segments(
    scan: ScanResult,
    facts: Facts,
    inp: EngineInput,
    rules: Rules,
    as_of: datetime,
    dormant_days: I64,
) -> tuple[tuple[str, ...], SegmentColumns]:
    """Segment columns of everyone, and the approach name table their codes index."""
    in_episode = (scan.status == Status.DORMANT) | (scan.status == Status.SUNSET)
    leads, customers = in_episode & ~facts.is_customer, in_episode & facts.is_customer
    customer_code = len(rules.segments.names()) - 1
    period = period_codes(dormant_days, rules)
    period = np.where(leads, period, np.where(customers, customer_code, NONE)).astype(np.int16)
    types = _type_codes(scan, facts, inp, rules, leads)
    segment = np.where(types >= 0, types, period).astype(np.int16)
    approaches, approach, due, priority = _per_segment_tables(rules, as_of)
    has = segment >= 0
    idx = np.maximum(segment, 0)
    columns = SegmentColumns(
        period_segment=period,
        type_segment=types,
        segment=segment,
        approach=np.where(has, approach[idx], NONE).astype(np.int16),
        task_due=np.where(has, due[idx], np.datetime64("NaT")),
        task_priority=np.where(has, priority[idx], Priority.NONE).astype(np.int8),
    )
    return approaches, columns
