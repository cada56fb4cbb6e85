"""Hypothesis strategies: small random worlds of persons, activities and deals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from connectors.base import ENGAGEMENT_KINDS, ActivityKind, DealStatus
from sync.engine import EngineInput
from sync.engine.builder import InputBuilder

T = datetime(2025, 6, 2, 12, tzinfo=UTC)
N_PERSONS = 3
HOURS = 24 * 800  # two years and a bit of history

ENGAGEMENT = sorted(ENGAGEMENT_KINDS)
OUTREACH = [k for k in ActivityKind if k not in ENGAGEMENT_KINDS]

hours_ago = st.integers(min_value=0, max_value=HOURS)
activity = st.tuples(
    st.integers(0, N_PERSONS - 1),
    st.sampled_from(list(ActivityKind)),
    hours_ago,
    st.integers(-1, 3),
)
deal = st.tuples(
    st.integers(0, N_PERSONS - 1),
    st.sampled_from(list(DealStatus)),
    hours_ago,
    st.integers(0, 24 * 200),
    st.integers(0, 3),
)
world = st.fixed_dictionaries(
    {
        "created": st.lists(hours_ago, min_size=N_PERSONS, max_size=N_PERSONS),
        "hubspot": st.lists(
            st.one_of(st.none(), st.floats(0, 100)), min_size=N_PERSONS, max_size=N_PERSONS
        ),
        "acts": st.lists(activity, max_size=40),
        "deals": st.lists(deal, max_size=3),
    }
)


def at(hours: int) -> datetime:
    return T - timedelta(hours=hours)


def build(w: dict[str, list], extra_acts: list[tuple] = ()) -> EngineInput:  # type: ignore[type-arg]
    b = InputBuilder()
    for created, score in zip(w["created"], w["hubspot"], strict=True):
        b.person(at(created), score)
    for p, status, h, length, reason in w["deals"]:
        closed = None if status is DealStatus.OPEN else at(max(h - length, -24 * 30))
        b.deal(p, status, at(h), closed, amount=1000.0 * (reason + 1), loss_reason=f"r{reason}")
    for p, kind, h, detail in [*w["acts"], *extra_acts]:  # extras last: details keep their codes
        b.activity(p, kind, at(h), None if detail < 0 else f"detail {detail}")
    return b.build()
