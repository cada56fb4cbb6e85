"""Deals: won deals of customers over several years, lost deals with reasons, open deals.

Close dates respect each person's profile: a dormant customer's last won deal
closes before their last engagement, so that both dormancy clocks agree;
open deals are recent and close in the future. Amounts are lognormal.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sandbox.dataset.knobs import Knobs
from sandbox.dataset.population import Persons
from sandbox.dataset.timecols import DAY, HOUR

I64 = npt.NDArray[np.int64]


class DealState(enum.IntEnum):
    WON = 0
    LOST = 1
    OPEN = 2


@dataclass(slots=True)
class Deals:
    person: I64
    state: npt.NDArray[np.int8]
    created: I64
    close: I64
    amount: npt.NDArray[np.float64]
    loss_reason: I64  # index into catalog.LOSS_REASONS, -1 unless lost
    stage: I64  # index into the open stages of each platform, -1 unless open

    @property
    def count(self) -> int:
        return int(self.person.size)


def _closed(rng: np.random.Generator, who: I64, p: Persons, now: int) -> tuple[I64, I64]:
    lo = p.created[who] + 30 * DAY
    until = p.engaged_until[who]
    hi = np.where(until > lo, until, now - DAY)
    hi = np.maximum(hi, lo + DAY)
    close = lo + (rng.random(who.size) * (hi - lo)).astype(np.int64)
    created = np.maximum(close - rng.integers(20 * DAY, 120 * DAY, who.size), p.created[who] + HOUR)
    return created, close


def make_deals(rng: np.random.Generator, p: Persons, now: int, knobs: Knobs) -> Deals:
    customers = np.flatnonzero(p.customer)
    won_who = np.repeat(customers, 1 + rng.poisson(0.5, customers.size))
    lost_who = np.flatnonzero(p.lost_deal)
    open_who = np.flatnonzero(p.open_deal)
    won_c, won_close = _closed(rng, won_who, p, now)
    lost_c, lost_close = _closed(rng, lost_who, p, now)
    open_c = np.maximum(
        now - rng.integers(DAY, 90 * DAY, open_who.size), p.created[open_who] + HOUR
    )
    open_close = now + rng.integers(14 * DAY, 120 * DAY, open_who.size)
    person = np.concatenate([won_who, lost_who, open_who])
    state = np.concatenate(
        [
            np.full(won_who.size, DealState.WON),
            np.full(lost_who.size, DealState.LOST),
            np.full(open_who.size, DealState.OPEN),
        ]
    ).astype(np.int8)
    created = np.concatenate([won_c, lost_c, open_c])
    close = np.concatenate([won_close, lost_close, open_close])
    keep = (created < now) & ((state == DealState.OPEN) | (close <= now - HOUR))
    n = person.size
    amount = np.round(knobs.deal_amount_median * rng.lognormal(0.0, knobs.deal_amount_sigma, n), -2)
    loss = np.where(state == DealState.LOST, rng.integers(0, 6, n), -1)
    stage = np.where(state == DealState.OPEN, rng.integers(0, 4, n), -1)
    order = np.lexsort((close, person))
    order = order[keep[order]]
    return Deals(
        person[order],
        state[order],
        created[order],
        close[order],
        np.maximum(amount[order], 500.0),
        loss[order],
        stage[order],
    )
