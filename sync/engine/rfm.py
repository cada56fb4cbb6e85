"""RFM scores of dormant customers (SPEC §4).

R = whole days since the customer's last won deal (fewer is better), F = number of
won deals, M = total won amount (missing amounts count 0), all as of ``T``. Each is
scored 1..``quantiles`` by its position among **all customers** as of ``T`` (not only
the dormant ones, so a score means the same thing whoever else is dormant):
``score = 1 + floor(quantiles × worse / n)``, where ``worse`` is the number of
customers with a strictly worse value and ``n`` the number of customers. Ties
therefore share the lower score (a "min" rank): when half the customers bought
once, all of them have F = 1. Only customers in an open episode get scores; other
persons hold 0.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .codes import DAY_MS
from .facts import Facts
from .inputs import I8, B


def _scores(
    values: npt.NDArray[np.float64], population: B, quantiles: int, higher_better: bool
) -> I8:
    pool = np.sort(values[population])
    n = pool.size
    if n == 0:
        return np.zeros(values.shape[0], dtype=np.int8)
    if higher_better:
        worse = np.searchsorted(pool, values, side="left")
    else:
        worse = n - np.searchsorted(pool, values, side="right")
    return (1 + (worse * quantiles) // n).astype(np.int8)


def rfm_scores(facts: Facts, as_of_ms: int, quantiles: int, scope: B) -> tuple[I8, I8, I8]:
    """R, F and M scores (1..quantiles) of the persons in ``scope``, 0 elsewhere."""
    customers = facts.is_customer
    recency = ((as_of_ms - facts.last_won_ms) // DAY_MS).astype(np.float64)
    r = _scores(recency, customers, quantiles, higher_better=False)
    f = _scores(facts.won_count.astype(np.float64), customers, quantiles, higher_better=True)
    m = _scores(facts.won_amount, customers, quantiles, higher_better=True)
    keep = scope & customers
    zero = np.zeros_like(r)
    return np.where(keep, r, zero), np.where(keep, f, zero), np.where(keep, m, zero)
