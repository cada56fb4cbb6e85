"""The first sync leaves on both emulators exactly what SPEC §4 calls for, person by person.

One sandbox for the module (1,500 persons by default; 5,000 under ``-m slow``),
holdout at the recommended 10 % so that the holdout rule is exercised.
``setup --create`` runs first; then three cycles against the same platforms:

1. ``sync --apply`` as of the dataset's now T: lists / campaigns, reengage fields
   and call tasks are read back from the emulators and compared with what the
   engine's decisions call for (re-derived in :mod:`tests.e2e.expected`);
2. the same again, nothing changed: no operation planned, no write request served;
3. as of T + 7 days, no new data: a smaller plan, only for persons whose decision
   changed, and afterwards the platforms again match SPEC §4 as of T + 7.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from sync.plan import OpKind
from tests.e2e.check import (
    assert_none,
    expected_tasks,
    field_differences,
    list_differences,
    needless_field_writes,
    task_differences,
)
from tests.e2e.runs import SyncRun, sync_once
from tests.e2e.world import World, open_world, rules_with_holdout

SIZES = [
    pytest.param(1500, id="1500-persons"),
    pytest.param(5000, id="5000-persons", marks=pytest.mark.slow),
]


@pytest.fixture(scope="module", params=SIZES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("writeback")
    opened = open_world(folder, int(request.param), rules_with_holdout(0.1), owner_fallback=True)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def first(world: World) -> SyncRun:
    run = sync_once(world, world.as_of)
    print(f"\nfirst sync as of {world.as_of:%Y-%m-%d %H:%M}: {run.describe()}")
    return run


@pytest.fixture(scope="module")
def second(world: World, first: SyncRun) -> SyncRun:
    run = sync_once(world, world.as_of)
    print(f"\nsecond sync, no change: {run.describe()}")
    return run


@pytest.fixture(scope="module")
def week_later(world: World, second: SyncRun) -> SyncRun:
    run = sync_once(world, world.as_of + timedelta(days=7))
    print(f"\nsync a week later, no new data: {run.describe()}")
    return run


def test_dataset_exercises_every_rule(first: SyncRun) -> None:
    """Without these persons, the comparisons below could not catch a broken rule."""
    t = first.truths
    cases = Counter[str]()
    for p in t:
        cases[p.status or "none"] += 1
        cases["in episode, holdout"] += p.holdout and p.status in ("dormant", "sunset")
        cases["holdout, playbook task"] += p.holdout and p.playbook_task
        cases["dormant, opted out or bounced"] += p.no_email and p.status == "dormant"
        cases["do-not-call, playbook task"] += p.do_not_call and p.playbook_task
        cases["task in Salesforce"] += p.task is not None and p.task.platform == "salesforce"
        cases["task in HubSpot"] += p.task is not None and p.task.platform == "hubspot"
        cases["records on both platforms"] += len({k.split("_")[0] for k, _ in p.records}) > 1
    for platform in (first.seen.hubspot, first.seen.salesforce):
        for task in platform.tasks:
            owner = platform.owners.get(task.record_id or "")
            cases["task, record owner inactive"] += owner not in platform.active_owners
    print(f"\ncases: {dict(cases)}")
    statuses = ("dormant", "sunset", "reactivated", "handed_off", "none")
    assert [c for c in (*statuses, *cases) if cases[c] == 0] == []


def test_first_sync_puts_each_person_on_exactly_their_lists(first: SyncRun) -> None:
    assert_none(list_differences(first.truths, first.seen), "list memberships")


def test_first_sync_writes_the_decision_on_every_linked_record(
    world: World, first: SyncRun
) -> None:
    differences = field_differences(first.truths, first.seen, world.rules, never_written=True)
    assert_none(differences, "record fields")


def test_first_sync_creates_one_task_per_person_and_trigger(world: World, first: SyncRun) -> None:
    differences = task_differences(expected_tasks(first.truths), first.seen, world.fallback_owners)
    assert_none(differences, "tasks")


def test_unchanged_second_sync_plans_and_writes_nothing(second: SyncRun) -> None:
    assert len(second.plan) == 0, second.plan.counts()
    assert second.hubspot_writes == Counter()
    assert second.salesforce_writes == Counter()


def test_week_later_plans_only_the_differences(
    world: World, first: SyncRun, week_later: SyncRun
) -> None:
    """Every operation a week later answers a change in its person's decision: a list they
    join or leave, a task for a new episode or trigger, a field whose value moved.
    ``reengage_dormant_days`` moves for everyone in an episode, so most persons with a
    status get one small field update; list and task work is a fraction of the first's."""
    before, after = first.by_person(), week_later.by_person()
    ops = week_later.plan.operations
    first_keys = {t.task.key for t in first.truths if t.task is not None}
    wrong: list[str] = []
    for op in ops:
        was, now = before.get(op.person_id or -1), after.get(op.person_id or -1)
        if op.op in (OpKind.ADD_MEMBER, OpKind.REMOVE_MEMBER):
            moved = was is None or now is None or was.lists != now.lists
        elif op.op is OpKind.CREATE_TASK:
            moved = op.idempotency_key not in first_keys
        else:
            moved = was is None or now is None or was.signature() != now.signature()
        if not moved:
            wrong.append(f"person {op.person_id}: {op.op} {op.target} without a change")
    wrong += needless_field_writes(ops, first.seen, world.rules)
    assert_none(wrong, "operations")
    rest = [o for o in ops if o.op is not OpKind.UPDATE_FIELDS]
    first_rest = [o for o in first.plan.operations if o.op is not OpKind.UPDATE_FIELDS]
    print(f"\nweek plan {len(ops)} ({len(rest)} not field updates); first {len(first.plan)}")
    assert 0 < len(ops) < len(first.plan)
    assert 0 < len(rest) < len(first_rest) / 10


def test_week_later_state_matches_spec_as_of_then(
    world: World, first: SyncRun, week_later: SyncRun
) -> None:
    seen, truths = week_later.seen, week_later.truths
    assert_none(list_differences(truths, seen), "list memberships")
    assert_none(field_differences(truths, seen, world.rules, never_written=False), "record fields")
    tasks = expected_tasks(first.truths, truths)
    assert_none(task_differences(tasks, seen, world.fallback_owners), "tasks")
