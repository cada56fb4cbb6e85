"""The loader reads the same columns from SQLite and PostgreSQL, and the report agrees."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine

from sync.report import build_report
from sync.report.load import load_columns
from sync.store.migrate import open_store
from tests.sync.report.builders import END, START, build_world, day, ms
from tests.sync.report.conftest import RULES


def _world(url: str) -> Engine:
    engine = open_store(url)
    build_world(engine)
    return engine


def test_loader_on_both_back_ends(store_url: str) -> None:
    engine = _world(store_url)
    try:
        cols = load_columns(engine)
        report = build_report(engine, RULES, START, END)
    finally:
        engine.dispose()
    assert cols.ep_person.tolist() == [1, 2, 3, 4, 5, 6, 7, 8]
    assert cols.ep_start[0] == ms(day(-100)) and cols.ep_end[2] == -1  # p3 still open
    assert cols.ep_react.tolist()[:3] == [ms(day(3)), ms(day(10)), -1]
    assert cols.ep_handoff.tolist() == [ms(day(5))] + [-1] * 7
    assert cols.sm_left.tolist() == [ms(day(3)), ms(day(10)), -1, ms(day(2)), -1, ms(day(8))]
    assert sorted(cols.sm_segment.tolist())[0] == "dormant_180_365d"
    won = sorted(zip(cols.deal_person[cols.deal_won].tolist(),
                     cols.deal_closed[cols.deal_won].tolist(), strict=True))  # fmt: skip
    assert won == [(1, ms(day(20))), (3, ms(day(6))), (4, ms(day(15))), (7, ms(day(27))),
                   (9, ms(day(6))), (9, ms(day(12)))]  # fmt: skip
    assert np.array_equal(np.sort(cols.hold_person), [2, 3, 5])
    assert sorted(cols.task_trigger.tolist()) == ["reactivation", "segment", "segment", "segment"]
    assert cols.issues[0]["email"] == "dup@x.com" and cols.issues[0]["detected_at"] == ms(day(1))
    assert cols.parked[0]["person_id"] == 3
    # the same numbers on both back-ends (checked by hand in test_kpis on SQLite)
    react = report.table("reactivation")
    assert react is not None and react.rows[0] == ("all", 6, 2, 2 / 6)
