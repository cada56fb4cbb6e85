"""``explain`` (a plain-Python replay) agrees with ``classify`` (the compiled kernel)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from config.rules import load_rules
from sync.engine import classify
from sync.engine.explain import explain

from .strategies import N_PERSONS, T, build, world

RULES = load_rules()


@settings(max_examples=150, deadline=None)
@given(world)
def test_explain_agrees_with_classify(w: dict[str, list]) -> None:  # type: ignore[type-arg]
    inp = build(w)
    d = classify(inp, RULES, T)
    for p in range(N_PERSONS):
        e = explain(inp, RULES, T, p)
        assert e.status == d.status_names[d.status[p]]
        assert e.segment == (d.segment_names[d.segment[p]] if d.segment[p] >= 0 else None)
        period = d.period_segment[p]
        assert e.period_segment == (d.segment_names[period] if period >= 0 else None)
        assert e.dormant_days == d.dormant_days[p]
        assert e.score == pytest.approx(d.score[p], rel=1e-9, abs=1e-12)
        assert sum(c.points for c in e.contributions) == pytest.approx(e.score, rel=1e-9, abs=1e-9)
        assert e.historical_score == pytest.approx(d.historical_score[p])
        start = d.episode_start_ms[p]
        assert (e.episode_start is None) == (start < 0)


def test_explain_names_the_rule_and_the_last_touch() -> None:
    w = {"created": [24 * 300] * N_PERSONS, "hubspot": [None, 80.0, None], "acts": [], "deals": []}
    from connectors.base import ActivityKind

    w["acts"] = [
        (0, ActivityKind.EMAIL_CLICK, 24 * 200, 1),
        (1, ActivityKind.EMAIL_OPEN, 24 * 120, 2),
    ]
    e0 = explain(build(w), RULES, T, 0)
    assert e0.segment == "thin_touch" and "thin_touch" in e0.segment_rule
    assert e0.reasons[0].startswith("last engagement: email_click (detail 1)")
    e1 = explain(build(w), RULES, T, 1)
    assert e1.segment == "high_score_dormant" and "HubSpot score 80" in e1.segment_rule
