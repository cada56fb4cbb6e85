"""Writes that land but whose answer is lost, across runs: the next run writes nothing twice.

Two worlds from one seed: a reference that syncs once with no fault, and a
faulty one whose first run loses the answer of every HubSpot write
(``lost_answer_rate`` 1.0) with no retry, so that each operation is journaled as
failed although it landed, and on Salesforce the answers of every task create
and of half the other writes (retried as usual: a Salesforce write that fails
every try ends the run). HubSpot search
indexes a change a minute late, so the second run, straight after, cannot see by
search the tasks the first created.
After it, both platforms hold what the reference holds: each task key once,
the same list and campaign members, the same field values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from config.rules import load_rules
from connectors.base import Platform
from connectors.hubspot.connector import HubSpotConnector
from connectors.retry import RetryPolicy
from sync.run import CycleOptions, RunResult, run_cycle
from tests.e2e.readback import PlatformState, Readback, TaskSeen, read_back
from tests.e2e.world import World, open_world

PERSONS = 120
INDEX_DELAY_MS = 60_000  # longer than both runs: search cannot see the first run's tasks
ONE_TRY = RetryPolicy(attempts=1)


@dataclass(frozen=True)
class Outcome:
    reference: Readback
    first: RunResult
    second: RunResult
    seen: Readback
    lost: dict[str, int]  # platform -> answers lost in the first run


def _one_try_hubspot(world: World) -> dict[Platform, Any]:
    """The world's connectors, HubSpot's sending each request once: a lost answer fails."""
    hubspot = HubSpotConnector(world.settings.hubspot, world.rules, retry_policy=ONE_TRY)
    return {**world.connectors, Platform.HUBSPOT: hubspot}


@contextmanager
def _every_task_answer_lost(world: World) -> Iterator[None]:
    """Within the block, every Salesforce task create lands and loses its answer."""
    connector, faults = world.connectors[Platform.SALESFORCE], world.box.salesforce.faults
    create = connector.create_tasks

    def lossy(tasks: Any) -> Any:
        rate, faults.lost_answer_rate = faults.lost_answer_rate, 1.0
        try:
            return create(tasks)
        finally:
            faults.lost_answer_rate = rate

    connector.create_tasks = lossy
    try:
        yield
    finally:
        del connector.create_tasks


def _sync(world: World, connectors: dict[Platform, Any]) -> RunResult:
    return run_cycle(
        world.engine,
        connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=world.as_of, plan=True, apply=True),
    )


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    rules = load_rules()
    reference = open_world(Path(tmp_path_factory.mktemp("reference")), PERSONS, rules)
    try:
        reference.box.hubspot.state.index_delay_ms = INDEX_DELAY_MS
        assert _sync(reference, reference.connectors).status == "ok"
        expected = read_back(reference.box, rules)
    finally:
        reference.close()
    world = open_world(Path(tmp_path_factory.mktemp("faulty")), PERSONS, rules)
    try:
        world.box.hubspot.state.index_delay_ms = INDEX_DELAY_MS
        world.box.hubspot.faults.lost_answer_rate = 1.0
        world.box.salesforce.faults.lost_answer_rate = 0.5
        fragile = _one_try_hubspot(world)
        try:
            with _every_task_answer_lost(world):
                first = _sync(world, fragile)
        finally:
            fragile[Platform.HUBSPOT].close()
        lost = {
            "hubspot": world.box.hubspot.faults.counts.get("lost_answer", 0),
            "salesforce": world.box.salesforce.faults.counts.get("lost_answer", 0),
        }
        world.box.hubspot.faults.reset()
        world.box.salesforce.faults.reset()
        second = _sync(world, world.connectors)
        yield Outcome(expected, first, second, read_back(world.box, rules), lost)
    finally:
        world.close()


def _tasks(state: PlatformState) -> list[tuple[str, str | None, Any, str, str | None]]:
    return sorted(_task_row(t) for t in state.tasks)


def _task_row(t: TaskSeen) -> tuple[str, str | None, Any, str, str | None]:
    return (t.key, t.record_id, t.due, t.priority, t.owner)


def test_the_first_run_lost_every_answer(outcome: Outcome) -> None:
    applied = outcome.first.applied
    assert applied is not None and applied.total("failed") > 0
    assert outcome.lost["hubspot"] > 0 and outcome.lost["salesforce"] > 0
    assert outcome.second.status == "ok"
    assert outcome.second.applied is not None and outcome.second.applied.total("failed") == 0
    assert outcome.reference.hubspot.tasks and outcome.reference.salesforce.tasks


def test_hubspot_tasks_are_created_once(outcome: Outcome) -> None:
    assert max(outcome.seen.hubspot.task_keys().values()) == 1
    assert _tasks(outcome.seen.hubspot) == _tasks(outcome.reference.hubspot)


def test_salesforce_tasks_are_created_once(outcome: Outcome) -> None:
    assert max(outcome.seen.salesforce.task_keys().values()) == 1
    assert _tasks(outcome.seen.salesforce) == _tasks(outcome.reference.salesforce)


def test_memberships_and_fields_are_the_clean_runs(outcome: Outcome) -> None:
    for seen, expected in (
        (outcome.seen.hubspot, outcome.reference.hubspot),
        (outcome.seen.salesforce, outcome.reference.salesforce),
    ):
        assert seen.members == expected.members
        assert seen.fields == expected.fields
        assert seen.handoff == expected.handoff
