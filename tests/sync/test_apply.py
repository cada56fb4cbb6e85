"""The applier with fake connectors: order, task look-up, journaling, stop and resume."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from config.rules import load_rules
from connectors.base import (
    FieldUpdate,
    MembershipChange,
    Platform,
    RecordRef,
    RecordType,
    TaskRequest,
    WriteResult,
    WriteStatus,
)
from sync.apply import apply_plan
from sync.plan.model import Operation, OpKind, Plan
from sync.store.journal import load_applied, pending, save_plan
from sync.store.migrate import open_store
from sync.store.schema import operations

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
RULES = load_rules()


class FakeSink:
    platform = Platform.SALESFORCE

    def __init__(self, existing_tasks: dict[str, str] | None = None, fail: set[str] | None = None):
        self.calls: list[tuple[str, int]] = []
        self.existing = existing_tasks or {}
        self.fail = fail or set()

    def _answer(self, keys: list[str]) -> list[WriteResult]:
        return [
            WriteResult(k, WriteStatus.FAILED, error_code="BUSY", message="nope", retriable=True)
            if k in self.fail
            else WriteResult(k, WriteStatus.APPLIED, platform_id="id-" + k)
            for k in keys
        ]

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        self.calls.append(("fields", len(updates)))
        return self._answer([u.key for u in updates])

    def add_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        self.calls.append(("add", len(changes)))
        return self._answer([c.key for c in changes])

    def remove_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        self.calls.append(("remove", len(changes)))
        return self._answer([c.key for c in changes])

    def find_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        self.calls.append(("find", len(keys)))
        return {k: v for k, v in self.existing.items() if k in keys}

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]:
        self.calls.append(("tasks", len(tasks)))
        return self._answer([t.idempotency_key for t in tasks])


def lead(i: int) -> RecordRef:
    return RecordRef(RecordType.SALESFORCE_LEAD, f"00Q{i:04d}")


def plan(n: int) -> Plan:
    ops = []
    for i in range(n):
        ops.append(
            Operation(
                OpKind.UPDATE_FIELDS,
                Platform.SALESFORCE,
                lead(i),
                None,
                {"values": {"Reengage_Status__c": "dormant"}},
                f"f{i}",
                i,
                "x",
            )
        )
        ops.append(
            Operation(
                OpKind.ADD_MEMBER, Platform.SALESFORCE, lead(i), "Reengage: x", {}, f"a{i}", i, "x"
            )
        )
        ops.append(Operation(OpKind.CREATE_TASK, Platform.SALESFORCE, lead(i), "segment",
                             {"owner_id": "005", "subject": "s", "body": "b", "due": "2026-11-23",
                              "priority": "NORMAL"}, f"t{i}", i, "x", "NORMAL"))  # fmt: skip
    return Plan.of(ops)


def test_order_lookup_and_journal(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    with engine.begin() as conn:
        plan_id = save_plan(conn, plan(1500), as_of=NOW, version="v")
    sink = FakeSink(existing_tasks={"t3": "00T-existing"}, fail={"a7"})
    stats = apply_plan(engine, plan_id, {Platform.SALESFORCE: sink}, RULES)
    kinds = [c[0] for c in sink.calls]
    assert kinds == ["fields", "fields", "add", "add", "find", "tasks", "find", "tasks"]
    assert sink.calls[5] == ("tasks", 999)  # t3 existed on the platform: not created twice
    assert stats.total("applied") == 4499 and stats.total("failed") == 1
    with engine.connect() as conn:
        applied = load_applied(conn)
        left = pending(conn, plan_id)
    assert "t3" in applied.created and len(applied.created) == 1500
    assert [e.operation.idempotency_key for e in left] == ["a7"]  # failed: retried next time
    engine.dispose()


def test_stop_then_resume_repeats_nothing(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    with engine.begin() as conn:
        plan_id = save_plan(conn, plan(1500), as_of=NOW, version="v")
    stop = threading.Event()
    first = FakeSink()
    calls = 0

    def after_call(*_: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            stop.set()  # SIGTERM arrives during the third call: it finishes and is journaled

    stats = apply_plan(
        engine, plan_id, {Platform.SALESFORCE: first}, RULES, stop=stop, on_call=after_call
    )
    assert stats.stopped and stats.calls == 3
    second = FakeSink()
    apply_plan(engine, plan_id, {Platform.SALESFORCE: second}, RULES)
    sent = [c for c in first.calls + second.calls if c[0] != "find"]
    assert sum(n for _, n in sent) == 4500  # every operation sent exactly once
    with engine.connect() as conn:
        statuses = set(conn.execute(select(operations.c.status)).scalars())
    assert statuses == {"applied"}
    engine.dispose()
