"""One cycle reads the ``persons`` table once: identity reads it, classification and
planning take the persons it hands on.

Every statement the store runs is watched where it is executed (SQLAlchemy's
``before_execute``, and the columnar reader's compile step): a SELECT whose FROM
reaches ``persons`` (joins and subqueries included, found through SQLAlchemy's own
table walk, not the SQL text) is a read of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.sql import Select
from sqlalchemy.sql.selectable import CompoundSelect
from sqlalchemy.sql.util import find_tables

import sync.store.columns as columns
from sync.engine import classify
from sync.run import classify_all, plan_all
from sync.store.migrate import open_store
from sync.store.people import read_people
from sync.store.persons import resolve_people
from sync.store.schema import persons, platform_records
from sync.store.snapshot import load_snapshot
from tests.sync.store.worlds import NOW, RULES, store_world


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()


class PersonsReads:
    """Counts the SELECTs that read ``persons``, through either way the store reads."""

    def __init__(self) -> None:
        self.count = 0

    def see(self, statement: Any) -> None:
        if isinstance(statement, Select | CompoundSelect) and persons in find_tables(
            statement, include_joins=True, include_selects=True
        ):
            self.count += 1


@pytest.fixture
def reads(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[PersonsReads]:
    seen = PersonsReads()
    inline = columns._inline

    def watched_inline(query: Any, eng: Engine) -> str:
        seen.see(query)
        return inline(query, eng)

    def on_execute(_conn: Any, clause: Any, *_args: Any) -> None:
        seen.see(clause)

    monkeypatch.setattr(columns, "_inline", watched_inline)
    event.listen(engine, "before_execute", on_execute)
    yield seen
    event.remove(engine, "before_execute", on_execute)


def _cycle(engine: Engine) -> None:
    _, classification = classify_all(engine, RULES, NOW)
    plan_all(engine, RULES, classification, None)


def test_a_cycle_reads_persons_once(engine: Engine, reads: PersonsReads) -> None:
    store_world(engine)
    for _ in range(2):  # the first cycle over the world and a steady one
        reads.count = 0
        _cycle(engine)
        assert reads.count == 1


def test_the_watch_sees_reads_of_persons(engine: Engine, reads: PersonsReads) -> None:
    """The counter itself: a direct read and one through the columnar reader both count."""
    store_world(engine)
    reads.count = 0
    read_people(engine)
    with engine.connect() as conn:
        conn.execute(select(platform_records.c.id).join(persons)).all()
    assert reads.count == 2


def test_the_handed_on_persons_decide_as_a_fresh_read(engine: Engine) -> None:
    """The persons identity hands on equal the table read back, and classify alike."""
    store_world(engine)
    _, people = resolve_people(engine, NOW)
    assert people.equals(read_people(engine))
    handed, read = load_snapshot(engine, RULES, people), load_snapshot(engine, RULES)
    got, want = classify(handed.input, RULES, NOW), classify(read.input, RULES, NOW)
    for name in ("status", "segment", "dormant_days", "score", "last_engagement_ms"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
    assert handed.activities_read == read.activities_read
