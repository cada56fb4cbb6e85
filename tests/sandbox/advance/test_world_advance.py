"""The world moves forward a week at a time: deterministic, inside the week, and treated
persons wake up more by what the model says."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from sandbox.dataset import DEFAULT_NOW, build_world
from sandbox.dataset.acts import Act
from sandbox.dataset.advance import (
    advance_world,
    expected_wake_share,
    quiet_mask,
    wake_chance,
)
from sandbox.dataset.world import World

DAY = 86_400
HALF_LIFE = 14 * DAY
# reengage's default weights (config/rules.toml [weights]) of the kinds a wake-up can be
WEIGHTS = {
    Act.MKT_OPEN: 3,
    Act.WEB_VISIT: 4,
    Act.MKT_CLICK: 10,
    Act.FORM: 15,
    Act.REPLY: 15,
    Act.CALL_CONNECTED: 20,
    Act.MEETING_HELD: 25,
}


def _treated(n: int, seed: int = 1) -> npt.NDArray[np.bool_]:
    return np.random.default_rng(seed).random(n) < 0.5


def _columns(world: World) -> tuple[bytes, ...]:
    a = world.activities
    return (a.person.tobytes(), a.kind.tobytes(), a.at.tobytes(), a.ref.tobytes())


def test_same_seed_and_weeks_give_the_same_rows() -> None:
    first, second = build_world(600, 5, DEFAULT_NOW), build_world(600, 5, DEFAULT_NOW)
    for world in (first, second):
        for _ in range(2):
            advance_world(world, _treated(600), 0.5)
    assert _columns(first) == _columns(second)
    other = build_world(600, 6, DEFAULT_NOW)
    advance_world(other, _treated(600), 0.5)
    assert other.activities.count != first.activities.count or _columns(other) != _columns(first)


def test_a_week_appends_rows_inside_it_and_moves_now() -> None:
    world = build_world(800, 3, DEFAULT_NOW)
    before = _columns(world)
    count, start = world.activities.count, world.now
    draw = advance_world(world, _treated(800), 0.3)
    assert world.now == start + 7 * DAY == draw.end and draw.start == start
    assert draw.rows == slice(count, world.activities.count) and draw.rows.stop > count
    at = world.activities.at[draw.rows]
    assert at.min() >= start and at.max() < world.now
    a = world.activities
    assert (a.person[:count].tobytes(), a.kind[:count].tobytes()) == before[:2]
    assert world.catalog.email_at[-1] >= start  # the week's marketing emails exist


def test_treatment_without_uplift_changes_nothing() -> None:
    plain, treated = build_world(600, 9, DEFAULT_NOW), build_world(600, 9, DEFAULT_NOW)
    advance_world(plain, np.zeros(600, np.bool_), 0.0)
    advance_world(treated, np.ones(600, np.bool_), 0.0)
    assert _columns(plain) == _columns(treated)


def _score_at_last(world: World, rows: slice, who: int) -> float:
    a = world.activities
    mine = np.flatnonzero(a.person[rows] == who) + rows.start
    weights = np.array([WEIGHTS.get(Act(k), 0) for k in a.kind[mine].tolist()], dtype=float)
    at = a.at[mine][weights > 0]
    decayed = weights[weights > 0] * 0.5 ** ((at.max() - at) / HALF_LIFE)
    return float(decayed.sum())


def test_every_wake_up_reaches_the_reactivation_threshold() -> None:
    world = build_world(3000, 4, DEFAULT_NOW)
    draw = advance_world(world, np.zeros(3000, np.bool_), 0.0)
    woke = np.flatnonzero(draw.woke)
    assert woke.size > 20
    assert min(_score_at_last(world, draw.rows, int(w)) for w in woke) >= 10.0
    quiet_engaged = draw.engaged & draw.quiet
    assert np.array_equal(quiet_engaged, draw.woke)  # quiet persons engage only by waking


def test_quiet_persons_wake_at_a_realistic_weekly_rate() -> None:
    world = build_world(3000, 4, DEFAULT_NOW)
    quiet = quiet_mask(world)
    assert 0.015 < wake_chance(world)[quiet].mean() < 0.04
    draw = advance_world(world, np.zeros(3000, np.bool_), 0.0)
    assert 0.01 < draw.woke[quiet].mean() < 0.05
    engaged = ~quiet
    assert draw.engaged[engaged].mean() > draw.woke[quiet].mean()  # engaged persons go on


def test_treated_quiet_persons_wake_more_by_the_models_expectation() -> None:
    """Uplift 1.0 over 4 weeks at 3,000 persons: the observed difference of wake-up shares
    between treated and untreated quiet persons is the model's expectation, within 4 standard
    errors (a fixed seed: this cannot flake; the margin keeps it robust to model tuning)."""
    weeks, uplift, n = 4, 1.0, 3000
    world = build_world(n, 21, DEFAULT_NOW)
    treated = _treated(n, 2)
    quiet, chance = quiet_mask(world), wake_chance(world)
    woke = np.zeros(n, dtype=np.bool_)
    for _ in range(weeks):
        woke |= advance_world(world, treated, uplift).woke
    t, u = quiet & treated, quiet & ~treated
    rate_t, rate_u = woke[t].mean(), woke[u].mean()
    expect_t = expected_wake_share(chance[t], weeks, uplift).mean()
    expect_u = expected_wake_share(chance[u], weeks).mean()
    se = np.sqrt(expect_t * (1 - expect_t) / t.sum() + expect_u * (1 - expect_u) / u.sum())
    assert abs((rate_t - rate_u) - (expect_t - expect_u)) < 4 * se
    assert rate_t - rate_u > 2 * se  # a measurable lift, not noise
    assert abs(rate_u - expect_u) < 4 * np.sqrt(expect_u * (1 - expect_u) / u.sum())


def test_treated_engaged_persons_engage_more() -> None:
    world = build_world(3000, 8, DEFAULT_NOW)
    treated = _treated(3000, 3)
    engaged = ~quiet_mask(world)
    draw = advance_world(world, treated, 1.0)
    a = world.activities
    rows = np.flatnonzero(np.isin(a.kind[draw.rows], list(WEIGHTS))) + draw.rows.start
    per_person = np.bincount(a.person[rows], minlength=3000)
    ratio = per_person[engaged & treated].mean() / per_person[engaged & ~treated].mean()
    assert 1.5 < ratio < 2.6  # every engagement rate doubled


@pytest.mark.parametrize("uplift", [0.1, 0.3, 1.0], ids=["u0.1", "u0.3", "u1.0"])
def test_expected_lift_is_about_p_weeks_uplift_for_small_p(uplift: float) -> None:
    p = np.full(10, 0.005)
    diff = expected_wake_share(p, 4, uplift) - expected_wake_share(p, 4)
    assert diff.mean() == pytest.approx(0.005 * 4 * uplift, rel=0.05)
    ratio = expected_wake_share(p, 4, uplift) / expected_wake_share(p, 4)
    assert ratio.mean() == pytest.approx(1 + uplift, rel=0.05)
