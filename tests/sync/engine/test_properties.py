"""Properties of the rules that must hold for any history (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from config.rules import load_rules
from connectors.base import ActivityKind
from sync.engine import Decisions, EngineInput, Status, classify

from .strategies import ENGAGEMENT, N_PERSONS, OUTREACH, T, build, hours_ago, world

RULES = load_rules()
FAST = settings(max_examples=150, deadline=None)
DORMANT = (Status.DORMANT, Status.SUNSET)


def _columns(d: Decisions) -> dict[str, Any]:
    out = {f.name: getattr(d, f.name) for f in dataclasses.fields(d) if f.name != "episodes"}
    out |= {f"ep_{f.name}": getattr(d.episodes, f.name) for f in dataclasses.fields(d.episodes)}
    return out


def _assert_same(a: Decisions, b: Decisions, skip: tuple[str, ...] = ()) -> None:
    ca, cb = _columns(a), _columns(b)
    for name, value in ca.items():
        if name in skip:
            continue
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, cb[name], err_msg=name)
        else:
            assert value == cb[name], name


def _shuffled(inp: EngineInput, rng: np.random.Generator) -> EngineInput:
    a, d = rng.permutation(len(inp.act_person)), rng.permutation(len(inp.deal_person))
    acts = {f: getattr(inp, f)[a] for f in ("act_person", "act_kind", "act_ms", "act_detail")}
    deal_fields = ("person", "status", "created_ms", "closed_ms", "amount", "loss_reason")
    deals = {f"deal_{f}": getattr(inp, f"deal_{f}")[d] for f in deal_fields}
    return dataclasses.replace(inp, **acts, **deals)


@FAST
@given(world, st.integers(0, 2**32 - 1))
def test_input_order_does_not_matter(w: dict[str, list], seed: int) -> None:  # type: ignore[type-arg]
    inp = build(w)
    _assert_same(
        classify(inp, RULES, T), classify(_shuffled(inp, np.random.default_rng(seed)), RULES, T)
    )


@FAST
@given(
    world,
    st.lists(
        st.tuples(st.integers(0, N_PERSONS - 1), st.sampled_from(OUTREACH), hours_ago),
        min_size=1,
        max_size=10,
    ),
)
def test_outreach_changes_no_decision(w: dict[str, list], extra: list[tuple]) -> None:  # type: ignore[type-arg]
    before = classify(build(w), RULES, T)
    after = classify(build(w, [(p, k, h, -1) for p, k, h in extra]), RULES, T)
    # sends only count towards sunset: dormant <-> sunset, and the count itself
    _assert_same(before, after, skip=("status", "emails_in_episode"))
    dormant_before = np.isin(before.status, DORMANT)
    np.testing.assert_array_equal(dormant_before, np.isin(after.status, DORMANT))
    np.testing.assert_array_equal(before.status[~dormant_before], after.status[~dormant_before])
    if not any(k is ActivityKind.EMAIL_SENT for _, k, _ in extra):
        _assert_same(before, after)


@FAST
@given(world, st.integers(0, N_PERSONS - 1), st.sampled_from(ENGAGEMENT), hours_ago)
def test_engagement_never_makes_more_dormant(
    w: dict[str, list], p: int, kind: ActivityKind, h: int
) -> None:  # type: ignore[type-arg]
    before = classify(build(w), RULES, T)
    after = classify(build(w, [(p, kind, h, -1)]), RULES, T)
    assert after.dormant_days[p] <= before.dormant_days[p]
    if before.status[p] not in DORMANT:
        assert after.status[p] not in DORMANT


@FAST
@given(world, st.integers(1, 24 * 60))
def test_scores_are_positive_and_decay_without_engagement(w: dict[str, list], later_h: int) -> None:  # type: ignore[type-arg]
    inp = build(w)
    now = classify(inp, RULES, T)
    assert (now.score >= 0).all()
    # no row is dated after T except deal closes; take T2 before any engagement after T
    later = classify(inp, RULES, T + timedelta(hours=later_h))
    engaged_after = np.zeros(N_PERSONS, dtype=bool)
    t_ms = int(T.timestamp() * 1000)
    engaged = np.isin(inp.act_kind, [k.code for k in ENGAGEMENT]) & (inp.act_ms > t_ms)
    engaged_after[inp.act_person[engaged]] = True
    quiet = ~engaged_after
    assert (later.score[quiet] <= now.score[quiet] * (1 + 1e-12)).all()
