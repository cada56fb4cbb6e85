"""The write-back state tests on three stranger worlds, small enough for every CI run.

Each world (:mod:`sandbox.stranger`) has other ids, owners and users, other
key and row order and shorter pages than the world the suite was written on; reengage
must leave exactly what SPEC §4 calls for all the same, and plan nothing on an
unchanged second run; and its decisions, person by person, are those reengage makes on
today's world with the same people (only the holdout draw may differ, as it hashes
ids). The write-back tests are :mod:`tests.e2e.test_writeback_state`'s own, run
here on this module's worlds (its ``first`` and ``second`` fixtures use the ``world``
below). The full suite runs on stranger worlds with
``REENGAGE_TEST_STRANGER=seed1,seed2,...`` (see ``tests/e2e/conftest.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.expected import Truth
from tests.e2e.runs import SyncRun, sync_once
from tests.e2e.test_writeback_state import (  # noqa: F401 (fixtures and tests run here)
    first,
    second,
    test_first_sync_creates_one_task_per_person_and_trigger,
    test_first_sync_puts_each_person_on_exactly_their_lists,
    test_first_sync_writes_the_decision_on_every_linked_record,
    test_unchanged_second_sync_plans_and_writes_nothing,
)
from tests.e2e.world import World, open_world, rules_with_holdout

SEEDS = (101, 202, 303)
PERSONS = 250
OWN_STRANGER_SEEDS = True  # REENGAGE_TEST_STRANGER does not multiply this module


@pytest.fixture(scope="module", params=SEEDS, ids=[f"stranger-{s}" for s in SEEDS])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    opened = _open(tmp_path_factory.mktemp("stranger"), int(request.param))
    yield opened
    opened.close()


def _open(folder: Path, stranger: int | None) -> World:
    rules = rules_with_holdout(0.1)
    return open_world(folder, PERSONS, rules, owner_fallback=True, ten_second_limit=100_000,
                      stranger=stranger)  # fmt: skip


def _decisions(truths: list[Truth]) -> Counter[tuple[object, ...]]:
    """Each person's decision and what it rests on, without ids and without the holdout."""
    return Counter(
        (t.email, t.status, t.segment, t.period_segment, t.approach, t.dormant_days,
         t.quiet_since_ms, t.last_engagement_ms, round(t.score, 6), t.open_deal, t.no_email,
         t.do_not_call, t.playbook_task, len(t.records))
        for t in truths
    )  # fmt: skip


@pytest.fixture(scope="module")
def todays_decisions(tmp_path_factory: pytest.TempPathFactory) -> Counter[tuple[object, ...]]:
    """The decisions of a planning-only sync on today's world with the same people."""
    today = _open(tmp_path_factory.mktemp("today"), None)
    try:
        return _decisions(sync_once(today, today.as_of, apply=False).truths)
    finally:
        today.close()


def test_decisions_are_todays_person_by_person(
    first: SyncRun,  # noqa: F811 (the imported fixture, asked for by name)
    todays_decisions: Counter[tuple[object, ...]],
) -> None:
    mine = _decisions(first.truths)
    assert sorted((mine - todays_decisions).items(), key=str)[:5] == []
    assert sorted((todays_decisions - mine).items(), key=str)[:5] == []
