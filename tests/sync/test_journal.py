"""The journal: a plan stored before sending, outcomes with the state they imply, parking."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from connectors.base import Platform, RecordRef, RecordType, WriteResult, WriteStatus
from sync.plan.model import Operation, OpKind, Plan
from sync.store.journal import (
    load_applied,
    parked_operations,
    pending,
    record_outcomes,
    save_plan,
    store_version,
)
from sync.store.migrate import open_store
from sync.store.schema import operations

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
LEAD = RecordRef(RecordType.SALESFORCE_LEAD, "00QA")
CONTACT = RecordRef(RecordType.HUBSPOT_CONTACT, "101")


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()


def ops() -> list[Operation]:
    return [
        Operation(OpKind.UPDATE_FIELDS, Platform.SALESFORCE, LEAD, None,
                  {"values": {"Reengage_Status__c": "dormant", "Reengage_Score__c": 12.5}},
                  "k-fields", 1, "lost_deal"),
        Operation(OpKind.ADD_MEMBER, Platform.HUBSPOT, CONTACT, "Reengage: lost_deal", {},
                  "k-add", 1, "lost_deal"),
        Operation(OpKind.CREATE_TASK, Platform.SALESFORCE, LEAD, "segment",
                  {"owner_id": "005U", "subject": "Call", "body": "b", "due": "2026-11-24",
                   "priority": "NORMAL"}, "k-task", 1, "lost_deal", "NORMAL"),
    ]  # fmt: skip


def test_outcomes_update_the_applied_state(engine: Engine) -> None:
    with engine.begin() as conn:
        version = store_version(conn)
        plan_id = save_plan(conn, Plan.of(ops()), as_of=NOW, version=version)
        entries = pending(conn, plan_id)
    assert [e.operation for e in entries] == list(Plan.of(ops()).operations)  # round trip
    task = next(e.operation for e in entries if e.operation.op is OpKind.CREATE_TASK)
    assert task.task_request().due.isoformat() == "2026-11-24"
    answers = {
        "k-fields": WriteResult("k-fields", WriteStatus.APPLIED),
        "k-add": WriteResult("k-add", WriteStatus.SKIPPED, message="already a member"),
        "k-task": WriteResult("k-task", WriteStatus.APPLIED, platform_id="00T1"),
    }
    results = [answers[e.operation.idempotency_key] for e in entries]
    with engine.begin() as conn:
        record_outcomes(conn, list(zip(entries, results, strict=True)), max_attempts=3, now=NOW)
        applied = load_applied(conn)
        assert pending(conn, plan_id) == []
        assert store_version(conn) != version  # the applied state moved on
    assert applied.fields[LEAD] == {"Reengage_Status__c": "dormant", "Reengage_Score__c": "12.5"}
    assert applied.members[(Platform.HUBSPOT, "Reengage: lost_deal")] == frozenset({CONTACT})
    assert applied.created == frozenset({"k-task"})


def test_failures_are_retried_then_parked(engine: Engine) -> None:
    failing = ops()[1]
    for attempt in range(3):
        with engine.begin() as conn:
            plan_id = save_plan(conn, Plan.of([failing]), as_of=NOW, version="v")
            (entry,) = pending(conn, plan_id)
            bad = WriteResult(
                "k-add", WriteStatus.FAILED, error_code="INVALID_LIST", message="no list",
                retriable=True,
            )  # fmt: skip
            record_outcomes(conn, [(entry, bad)], max_attempts=3, now=NOW)
            status = conn.execute(
                select(operations.c.status).where(operations.c.id == entry.id)
            ).scalar()
        assert status == ("parked" if attempt == 2 else "failed")
    with engine.connect() as conn:
        assert load_applied(conn).parked == frozenset({"k-add"})
        (parked,) = parked_operations(conn)
    assert parked.error_code == "INVALID_LIST"


def test_a_refusal_that_cannot_change_is_parked_at_once(engine: Engine) -> None:
    """A validation rule refuses the same values every run: no second or third try."""
    with engine.begin() as conn:
        plan_id = save_plan(conn, Plan.of([ops()[1]]), as_of=NOW, version="v")
        (entry,) = pending(conn, plan_id)
        refused = WriteResult("k-add", WriteStatus.FAILED, error_code="VALIDATION", message="no")
        record_outcomes(conn, [(entry, refused)], max_attempts=3, now=NOW)
        assert load_applied(conn).parked == frozenset({"k-add"})


def test_a_parked_write_is_dropped_from_later_plans(engine: Engine) -> None:
    from dataclasses import replace

    from sync.store.journal import drop_parked

    failing = ops()[1]
    for _ in range(3):
        with engine.begin() as conn:
            plan_id = save_plan(conn, Plan.of([failing]), as_of=NOW, version="v")
            (entry,) = pending(conn, plan_id)
            bad = WriteResult("k", WriteStatus.FAILED, error_code="INVALID_LIST", message="no list")
            record_outcomes(conn, [(entry, bad)], max_attempts=3, now=NOW)
    # the next run plans the same write under a new content key: still parked
    again = replace(failing, idempotency_key="k-add-next-run")
    with engine.connect() as conn:
        kept, dropped = drop_parked(conn, Plan.of([again, ops()[0]]))
    assert dropped == 1 and [o.op for o in kept.operations] == [OpKind.UPDATE_FIELDS]


def test_a_member_keeps_the_record_type_it_was_added_as(engine: Engine) -> None:
    """A Salesforce contact whose id does not start with ``003`` (ids are the org's), and
    whose record the store no longer holds, is still a contact when it leaves the list."""
    contact = RecordRef(RecordType.SALESFORCE_CONTACT, "0xxA0000001AbCdEAA")
    add = Operation(OpKind.ADD_MEMBER, Platform.SALESFORCE, contact, "Reengage: lost_deal", {},
                    "k-sf-add", 1, "lost_deal")  # fmt: skip
    with engine.begin() as conn:
        plan_id = save_plan(conn, Plan.of([add]), as_of=NOW, version=store_version(conn))
        entries = pending(conn, plan_id)
        result = WriteResult("k-sf-add", WriteStatus.APPLIED)
        record_outcomes(conn, [(entries[0], result)], max_attempts=3, now=NOW)
        applied = load_applied(conn)
    assert applied.members[(Platform.SALESFORCE, "Reengage: lost_deal")] == frozenset({contact})
