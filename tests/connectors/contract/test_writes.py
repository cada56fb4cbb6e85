"""Writes answer one ``WriteResult`` per input, in input order, a bad record among good ones
failing alone; what the platform then holds is read back on its side. A task is created
once per idempotency key, however often it is asked for."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from connectors.base import (
    FieldUpdate,
    MembershipChange,
    RecordRef,
    TaskConfirmer,
    TaskRequest,
    WriteResult,
    WriteStatus,
)

from .subject import Subject, require

GOOD = 6


@pytest.fixture(scope="module")
def connector(subject: Subject) -> Iterator[Any]:
    """A connector on a world where setup made what writes need (when it has setup)."""
    made: Any = subject.connector()
    if {"check_setup", "apply_setup"} <= subject.capabilities:
        missing = [i for i in made.check_setup(subject.rules) if i.status == "missing"]
        made.apply_setup(missing)
    yield made
    made.close()


def with_a_bad_one(good: list[RecordRef], bad: RecordRef, seed: int) -> list[RecordRef]:
    """The good records shuffled (so no order the connector groups by is the input's),
    the bad one among them."""
    mixed = list(good)
    random.Random(seed).shuffle(mixed)
    mixed.insert(len(mixed) // 2, bad)
    return mixed


def check_results(
    results: list[WriteResult],
    keys: list[str],
    bad: str,
    done: frozenset[WriteStatus] = frozenset({WriteStatus.APPLIED}),
) -> None:
    assert [r.key for r in results] == keys  # one per input, in input order
    for result in results:
        if result.key == bad:
            assert result.status not in done, result
        else:
            assert result.status in done, result


def test_field_updates_answer_each_input_in_order(subject: Subject, connector: Any) -> None:
    require(subject, "update_fields")
    bad = subject.absent_record()
    refs = with_a_bad_one(subject.live_records(GOOD), bad, seed=1)
    updates = [
        FieldUpdate(f"u{i}", ref, {subject.text_field: f"contract-{i}"})
        for i, ref in enumerate(refs)
    ]
    results = connector.update_fields(updates)
    bad_key = next(u.key for u in updates if u.record == bad)
    check_results(results, [u.key for u in updates], bad_key)
    assert next(r for r in results if r.key == bad_key).status is WriteStatus.FAILED
    for update in updates:
        if update.record != bad:
            held = subject.field_value(update.record, subject.text_field)
            assert held == update.values[subject.text_field], update.key


def memberships(subject: Subject, refs: list[RecordRef]) -> list[MembershipChange]:
    rules = subject.rules
    names = [rules.lists.sunset, rules.segments.names()[0]]
    return [MembershipChange(f"m{i}", names[i % 2], ref) for i, ref in enumerate(refs)]


def test_memberships_answer_each_input_in_order(subject: Subject, connector: Any) -> None:
    require(subject, "add_members", "remove_members")
    bad = subject.absent_record()
    adds = memberships(subject, with_a_bad_one(subject.live_records(GOOD), bad, seed=2))
    bad_key = next(c.key for c in adds if c.record == bad)
    added = connector.add_members(adds)
    check_results(added, [c.key for c in adds], bad_key)
    assert next(r for r in added if r.key == bad_key).status is WriteStatus.FAILED
    for name in {c.list_name for c in adds}:
        wanted = {c.record.record_id for c in adds if c.list_name == name and c.record != bad}
        assert subject.members(name) == wanted, name

    removes = [c for c in adds if c.record == bad or c.key in ("m0", "m1", "m4")]
    removed = connector.remove_members(removes)
    check_results(removed, [c.key for c in removes], bad_key)
    kept = [c for c in adds if c not in removes]
    for name in {c.list_name for c in adds}:
        assert subject.members(name) == {c.record.record_id for c in kept if c.list_name == name}


def task(key: str, ref: RecordRef) -> TaskRequest:
    return TaskRequest(
        key, ref, None, "Call: contract", "the contract suite", date(2026, 12, 9), "HIGH"
    )


def test_tasks_answer_each_input_in_order(subject: Subject, connector: Any) -> None:
    require(subject, "create_tasks")
    bad = subject.absent_record()
    refs = with_a_bad_one(subject.live_records(GOOD), bad, seed=3)
    tasks = [task(f"contract-order-{i}", ref) for i, ref in enumerate(refs)]
    results = connector.create_tasks(tasks)
    bad_key = next(t.idempotency_key for t in tasks if t.record == bad)
    # a task found by a look-up before it was sent again is there: skipped, with its id
    landed = frozenset({WriteStatus.APPLIED, WriteStatus.SKIPPED})
    check_results(results, [t.idempotency_key for t in tasks], bad_key, landed)
    assert next(r for r in results if r.key == bad_key).status is WriteStatus.FAILED
    for result in results:
        made = subject.tasks_with_key(result.key)
        assert made == ([] if result.key == bad_key else [result.platform_id]), result.key


def test_a_task_is_created_once_by_its_key(subject: Subject, connector: Any) -> None:
    """As a run does: a later run looks the keys up (``find_tasks``) and creates only the
    ones not found; a key whose send is in doubt is confirmed where the connector can."""
    require(subject, "create_tasks", "find_tasks")
    first_ref, other_ref = subject.live_records(2)
    request = task("contract-once", first_ref)
    first = connector.create_tasks([request])
    assert [r.status for r in first] == [WriteStatus.APPLIED]
    made = first[0].platform_id
    assert subject.tasks_with_key(request.idempotency_key) == [made]

    later: Any = subject.connector()  # another run, knowing nothing of the first
    try:
        fresh = task("contract-fresh", other_ref)
        found = later.find_tasks([request.idempotency_key, fresh.idempotency_key])
        assert found == {request.idempotency_key: made}
        if isinstance(later, TaskConfirmer):
            assert later.confirm_tasks([request]) == {request.idempotency_key: made}
        todo = [t for t in (request, fresh) if t.idempotency_key not in found]
        assert [r.status for r in later.create_tasks(todo)] == [WriteStatus.APPLIED]
    finally:
        later.close()
    assert subject.tasks_with_key(request.idempotency_key) == [made]
    assert len(subject.tasks_with_key(fresh.idempotency_key)) == 1
