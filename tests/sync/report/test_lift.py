"""Newcombe's hybrid score interval against hand-computed and published values."""

from __future__ import annotations

import math

import pytest

from sync.report.lift import Z95, newcombe, wilson


def test_wilson_by_hand() -> None:
    # 5 of 10: centre 0.5 + z²/20, spread z·sqrt(0.025 + z²/400), both over 1 + z²/10
    z2 = Z95**2
    spread = Z95 * math.sqrt(0.025 + z2 / 400)
    low, high = wilson(5, 10)
    assert low == pytest.approx((0.5 + z2 / 20 - spread) / (1 + z2 / 10))
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-12)  # never below 0


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
    ],
    ids=["newcombe-1998-a", "newcombe-1998-b"],
)
def test_newcombe_matches_the_published_examples(
    k1: int, n1: int, k2: int, n2: int, low: float, high: float
) -> None:
    d, lo, hi = newcombe(k1, n1, k2, n2)
    assert d == pytest.approx(k1 / n1 - k2 / n2)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_newcombe_by_hand_from_the_wilson_limits() -> None:
    # 1/4 treated versus 1/2 holdout, assembled from the two Wilson intervals
    l1, u1 = wilson(1, 4)
    l2, u2 = wilson(1, 2)
    d, lo, hi = newcombe(1, 4, 1, 2)
    assert d == -0.25
    assert lo == pytest.approx(-0.25 - math.sqrt((0.25 - l1) ** 2 + (u2 - 0.5) ** 2))
    assert hi == pytest.approx(-0.25 + math.sqrt((u1 - 0.25) ** 2 + (0.5 - l2) ** 2))
    assert -1 <= lo < d < hi <= 1


def test_no_lift_section_without_a_holdout(sqlite_url: str) -> None:
    from sync.report import build_report, html_text
    from sync.store.migrate import open_store
    from tests.sync.report.builders import END, START, build_world
    from tests.sync.report.conftest import RULES

    engine = open_store(sqlite_url)
    try:
        build_world(engine, with_holdout=False)
        report = build_report(engine, RULES, START, END)
    finally:
        engine.dispose()
    assert report.table("lift") is None and not report.has_lift
    overview = report.table("overview")
    assert overview is not None and "lift" not in [c.name for c in overview.columns]
    page = html_text(report)
    assert 'id="chart-lift"' not in page and "no holdout" in page
