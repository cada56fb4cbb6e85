"""KPIs of the hand-built world (tests/sync/report/builders.py), every number worked by hand.

Cohort dormant at day 0: p1, p2, p3, p4, p5, p8 (p6 starts later, p7 ended before).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sync.report import Report
from sync.report.cohort import UNRECORDED
from sync.report.kpis import iso_weeks, to_ms
from sync.report.lift import newcombe
from tests.sync.report.builders import END, START


def test_reactivation_rate_overall_and_per_segment(report: Report) -> None:
    table = report.table("reactivation")
    assert table is not None
    assert [r[:3] for r in table.rows] == [
        ("all", 6, 2),  # p1 (day 3) and p2 (day 10); p8's day 30 is after the end
        ("dormant_90_180d", 2, 2),
        ("dormant_180_365d", 1, 0),
        ("dormant_customer", 2, 0),
        (UNRECORDED, 1, 0),  # p8 has no membership
    ]
    assert table.column("rate") == [pytest.approx(2 / 6), 1.0, 0.0, 0.0, 0.0]


def test_repurchase_rate_of_dormant_customers(report: Report) -> None:
    table = report.table("repurchase")
    assert table is not None
    assert table.rows == ((2, 1, 0.5),)  # p4 won a deal on day 15, p5 did not


def test_funnel_counts_conversions_and_median_days(report: Report) -> None:
    table = report.table("funnel")
    assert table is not None
    assert table.column("persons") == [6, 2, 1, 1, 1]
    assert table.column("from_previous") == [None, pytest.approx(1 / 3), 0.5, 1.0, 1.0]
    assert table.column("from_dormant")[1:] == [
        pytest.approx(v) for v in (2 / 6, 1 / 6, 1 / 6, 1 / 6)
    ]
    # dormant -> reactivated: p1 103 days, p2 60 days; then p1 alone: 2, 5 and 10 days
    assert table.column("median_days") == [None, 81.5, 2.0, 5.0, 10.0]


def test_weekly_trend(report: Report) -> None:
    table = report.table("weekly")
    assert table is not None
    assert table.rows == (
        ("2026-W10", "2026-03-02", 6, 1, 1 / 6, 1, 2),  # p1 reactivated and handed off
        ("2026-W11", "2026-03-09", 5, 2, 2 / 5, 0, 1),  # p2, p3, p5, p6, p8; p2 and p6 react
        ("2026-W12", "2026-03-16", 3, 0, 0.0, 0, 0),
        ("2026-W13", "2026-03-23", 3, 0, 0.0, 0, 0),
    )


def test_iso_weeks_are_cut_at_the_period_ends() -> None:
    start, end = datetime(2026, 3, 4, 12, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
    weeks = iso_weeks(to_ms(start), to_ms(end))
    monday = to_ms(datetime(2026, 3, 9, tzinfo=UTC))
    assert weeks == [("2026-W10", to_ms(start), monday), ("2026-W11", monday, to_ms(end))]


def test_outreach_volume_and_completions_read_back(report: Report) -> None:
    table = report.table("outreach")
    assert table is not None
    # the task of day -3 is before the period; alert and hand-off keys are not tasks;
    # completed = closed on the platform, read back as an activity
    assert table.rows == (
        ("2026-W10", "segment", "salesforce", 2, 1),
        ("2026-W11", "reactivation", "hubspot", 1, 1),
    )
    assert table.note is not None and "closed on its platform" in table.note


def test_share_of_won_deals_from_dormant_persons(report: Report) -> None:
    table = report.table("won_deals")
    assert table is not None
    # five won deals closed in the period: p1's (103 days dormant), p4's (32), X via p3 (204),
    # p9's own and p7's (p7 left dormancy 35 days before its deal: more than recent_days)
    assert table.rows == ((5, 3, 0.6, 103.0),)


def test_lift_treated_versus_holdout(report: Report) -> None:
    table = report.table("lift")
    assert table is not None
    # holdout in the cohort: p2 (reactivated) and p3; p5 was assigned after the end: treated
    overall = table.rows[0]
    assert overall[:7] == ("all", 4, 1, 0.25, 2, 1, 0.5)
    assert overall[7:] == pytest.approx(newcombe(1, 4, 1, 2))
    # only dormant_90_180d has both groups (p1 treated, p2 held out)
    assert [r[0] for r in table.rows] == ["all", "dormant_90_180d"]
    assert table.rows[1][:7] == ("dormant_90_180d", 1, 1, 1.0, 1, 1, 1.0)


def test_headline_repeats_the_detailed_tables(report: Report) -> None:
    overview = report.table("overview")
    assert overview is not None and overview.transpose
    assert overview.value("dormant_at_start") == 6
    assert overview.value("reactivation_rate") == pytest.approx(2 / 6)
    assert overview.value("repurchase_rate") == 0.5
    assert overview.value("won_from_dormant_share") == 0.6
    assert overview.value("tasks_created") == 3
    assert overview.value("lift") == pytest.approx(-0.25)


def test_attention_lists(report: Report) -> None:
    issues, parked = report.table("identity_issues"), report.table("parked_operations")
    assert issues is not None and parked is not None
    assert issues.column("email") == ["dup@x.com"]
    assert "003X" in str(issues.value("records"))
    assert parked.column("record") == ["salesforce_lead:00Q3"]
    assert parked.value("error") == "INVALID_CROSS_REFERENCE_KEY: owner inactive"


def test_an_empty_store_gives_dashes_not_zeros(sqlite_url: str) -> None:
    from sync.report import build_report
    from sync.store.migrate import open_store
    from tests.sync.report.conftest import RULES

    engine = open_store(sqlite_url)
    try:
        report = build_report(engine, RULES, START, END)
    finally:
        engine.dispose()
    react = report.table("reactivation")
    assert react is not None and react.rows == (("all", 0, 0, None),)
    assert not report.has_lift


def test_naive_or_empty_periods_are_refused(report: Report, world: object) -> None:
    from sync.report import build_report
    from tests.sync.report.conftest import RULES

    with pytest.raises(ValueError, match="timezone-aware"):
        build_report(world, RULES, START.replace(tzinfo=None), END)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        build_report(world, RULES, END, START)  # type: ignore[arg-type]
