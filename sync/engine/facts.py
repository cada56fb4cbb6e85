"""Per-person facts that need no sequence, computed set-wise (bincount, sort, take-last).

These feed the type segments (lost deal, no deal ever, two-way contact, engagement
count) and RFM (won deals' count, amount and latest close), all as of ``T``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from config.rules import Rules
from connectors.base import ActivityKind

from .codes import NONE, DealCode
from .inputs import F64, I32, I64, B, EngineInput, Timeline, to_ms_clamp_created


@dataclass(frozen=True)
class Facts:
    is_customer: B
    any_deal: B
    any_lost: B
    engagements: I64
    two_way: B
    won_count: I64
    won_amount: F64
    last_won_ms: I64
    loss_reason: I32


def _last_per_person(person: I64, value: I64, key: I64, n: int) -> I64:
    """``value`` of each person's row with the greatest ``(key, value)``; -1 for none."""
    out = np.full(n, NONE, dtype=np.int64)
    if person.size == 0:
        return out
    order = np.lexsort((value, key, person))
    p = person[order]
    last = np.r_[p[1:] != p[:-1], True]
    out[p[last]] = value[order][last]
    return out


def _engagement_facts(tl: Timeline, rules: Rules, n: int) -> tuple[I64, B]:
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(tl.starts))
    engaged = tl.ev_flag > 0
    two_way_codes = [ActivityKind(k).code for k in rules.segments.thin_touch.two_way_kinds]
    two_way = engaged & np.isin(tl.ev_kind, np.array(two_way_codes, dtype=np.int8))
    return (
        np.bincount(owner[engaged], minlength=n).astype(np.int64),
        np.bincount(owner[two_way], minlength=n) > 0,
    )


def compute_facts(inp: EngineInput, tl: Timeline, rules: Rules) -> Facts:
    """Everything about a person's deals and engagement history that order does not change."""
    n, t_ms = inp.n_persons, tl.as_of_ms
    created = to_ms_clamp_created(inp)
    known = created <= t_ms
    closed = known & (inp.deal_status != DealCode.OPEN) & (inp.deal_closed_ms <= t_ms)
    won = closed & (inp.deal_status == DealCode.WON)
    lost = closed & (inp.deal_status == DealCode.LOST)
    person = inp.deal_person.astype(np.int64)
    amount = np.nan_to_num(inp.deal_amount[won].astype(np.float64))
    engagements, two_way = _engagement_facts(tl, rules, n)
    won_count = np.bincount(person[won], minlength=n).astype(np.int64)
    return Facts(
        is_customer=won_count > 0,
        any_deal=np.bincount(person[known], minlength=n) > 0,
        any_lost=np.bincount(person[lost], minlength=n) > 0,
        engagements=engagements,
        two_way=two_way,
        won_count=won_count,
        won_amount=np.bincount(person[won], weights=amount, minlength=n).astype(np.float64),
        last_won_ms=_last_per_person(
            person[won], inp.deal_closed_ms[won], inp.deal_closed_ms[won], n
        ),
        loss_reason=_last_per_person(
            person[lost], inp.deal_loss_reason[lost].astype(np.int64), inp.deal_closed_ms[lost], n
        ).astype(np.int32),
    )
