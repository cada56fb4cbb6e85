"""A store backfilled after the period start still reports each cohort member's segment:
the engine, run as of the start, fills in what the membership history cannot say."""

from __future__ import annotations

from datetime import timedelta

from sync.decide import decide
from sync.report import build_report
from sync.run import start_run
from sync.store.migrate import open_store
from tests.sync.store.worlds import NOW, RULES, store_world


def test_segment_at_start_comes_from_the_engine_before_the_first_run(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    store_world(engine)
    decide(engine, RULES, NOW)
    start = NOW - timedelta(days=100)
    before_any_run = build_report(engine, RULES, start, NOW).table("reactivation")
    start_run(engine, "backfill", NOW)  # the store's history begins at NOW
    report = build_report(engine, RULES, start, NOW)
    engine.dispose()
    table = report.table("reactivation")
    assert before_any_run is not None and table is not None
    rows = {row[0]: row for row in table.rows}
    # Cat was dormant 100 days ago (quiet since her creation, no deal, no two-way contact:
    # thin_touch) and was reactivated by a form 95 days ago
    assert rows["thin_touch"][1:3] == (1, 1)
    assert "(unrecorded)" not in rows
    assert "(unrecorded)" in {row[0] for row in before_any_run.rows}
