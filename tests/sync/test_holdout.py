"""The holdout is stable, salted, proportional and limited to persons in an episode."""

from __future__ import annotations

import numpy as np

from sync.holdout import holdout_draw, in_holdout

KEYS = [f"salesforce_lead:00Q{i:06d}" for i in range(20_000)]
ALL = np.ones(len(KEYS), dtype=bool)


def test_share_is_respected() -> None:
    held = in_holdout(KEYS, ALL, 0.10, "salt-a")
    assert 0.09 < held.mean() < 0.11


def test_stable_across_calls_and_order() -> None:
    a = in_holdout(KEYS, ALL, 0.10, "salt-a")
    reversed_keys = KEYS[::-1]
    b = in_holdout(reversed_keys, ALL, 0.10, "salt-a")[::-1]
    assert (a == b).all()


def test_salt_draws_a_new_group() -> None:
    a = in_holdout(KEYS, ALL, 0.10, "salt-a")
    b = in_holdout(KEYS, ALL, 0.10, "salt-b")
    overlap = (a & b).sum() / a.sum()
    assert overlap < 0.2  # independent draws overlap about 10%


def test_only_eligible_and_zero_share() -> None:
    eligible = np.zeros(len(KEYS), dtype=bool)
    eligible[:100] = True
    assert not in_holdout(KEYS, eligible, 0.5, "s")[100:].any()
    assert not in_holdout(KEYS, ALL, 0.0, "s").any()


def test_draw_is_a_fixed_number() -> None:
    assert holdout_draw("hubspot_contact:1", "x") == holdout_draw("hubspot_contact:1", "x")
    assert 0.0 <= holdout_draw("hubspot_contact:1", "x") < 1.0
