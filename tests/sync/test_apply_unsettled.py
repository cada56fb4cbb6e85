"""Task creates whose fate is unknown, with a sink whose key look-up lags behind its writes
(as HubSpot search does): the next apply checks those keys, and only those, through the
sink's consistent look-up, and creates nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from config.rules import load_rules
from connectors.base import Platform, RecordRef, RecordType, TaskRequest, WriteResult, WriteStatus
from sync.apply import apply_plan
from sync.plan.model import Operation, OpKind, Plan
from sync.store.journal import load_applied, pending, save_plan
from sync.store.migrate import open_store

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
RULES = load_rules()


class Died(BaseException):
    """The process ended between the platform's answer and the journal write."""


class LaggingSink:
    """Creates tasks at once; ``find_tasks`` sees none of them (an index not caught up yet),
    ``confirm_tasks`` sees them all. ``outcome``: what a create does after landing."""

    platform = Platform.HUBSPOT

    def __init__(self, outcome: str = "answer") -> None:
        self.held: dict[str, str] = {}
        self.created: list[str] = []
        self.confirmed: list[str] = []
        self.outcome = outcome

    def find_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        return {}

    def confirm_tasks(self, tasks: Sequence[TaskRequest]) -> dict[str, str]:
        keys = [t.idempotency_key for t in tasks]
        self.confirmed.extend(keys)
        return {k: self.held[k] for k in keys if k in self.held}

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]:
        for t in tasks:
            self.created.append(t.idempotency_key)
            self.held[t.idempotency_key] = f"task-{len(self.created)}"
        if self.outcome == "die":
            raise Died
        if self.outcome == "lost":
            return [
                WriteResult(
                    t.idempotency_key, WriteStatus.FAILED, error_code="DROPPED", retriable=True
                )
                for t in tasks
            ]
        return [
            WriteResult(
                t.idempotency_key, WriteStatus.APPLIED, platform_id=self.held[t.idempotency_key]
            )
            for t in tasks
        ]


def task_plan(keys: Sequence[str]) -> Plan:
    return Plan.of(
        [
            Operation(
                OpKind.CREATE_TASK,
                Platform.HUBSPOT,
                RecordRef(RecordType.HUBSPOT_CONTACT, str(100 + i)),
                "segment",
                {
                    "owner_id": "7",
                    "subject": "s",
                    "body": "b",
                    "due": "2026-11-23",
                    "priority": "NORMAL",
                },
                key,
                i,
                "x",
                "NORMAL",
            )
            for i, key in enumerate(keys)
        ]
    )


def saved(engine: Engine, keys: Sequence[str]) -> str:
    with engine.begin() as conn:
        return save_plan(conn, task_plan(keys), as_of=NOW, version="v")


def test_a_create_cut_off_before_the_journal_is_not_repeated_on_resume(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    plan_id = saved(engine, ["k1", "k2"])
    sink = LaggingSink("die")
    with pytest.raises(Died):
        apply_plan(engine, plan_id, {Platform.HUBSPOT: sink}, RULES)
    sink.outcome = "answer"
    stats = apply_plan(engine, plan_id, {Platform.HUBSPOT: sink}, RULES)
    assert sink.created == ["k1", "k2"]  # once each
    assert sorted(sink.confirmed) == ["k1", "k2"]
    assert stats.total("applied") == 2 and stats.total("failed") == 0
    with engine.connect() as conn:
        assert load_applied(conn).created == {"k1", "k2"} and not pending(conn, plan_id)
    engine.dispose()


def test_a_key_that_failed_in_an_earlier_plan_is_confirmed_before_it_is_created(
    sqlite_url: str,
) -> None:
    engine = open_store(sqlite_url)
    sink = LaggingSink("lost")
    first = apply_plan(engine, saved(engine, ["k1", "k2"]), {Platform.HUBSPOT: sink}, RULES)
    assert first.total("failed") == 2
    sink.outcome = "answer"
    second = apply_plan(engine, saved(engine, ["k1", "k2", "k3"]), {Platform.HUBSPOT: sink}, RULES)
    assert sink.created == ["k1", "k2", "k3"]  # the lost ones not again
    assert sorted(sink.confirmed) == ["k1", "k2"]  # k3 was never sent: not confirmed
    assert second.total("applied") == 3
    engine.dispose()


def test_a_normal_apply_never_uses_the_costlier_look_up(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    sink = LaggingSink()
    stats = apply_plan(engine, saved(engine, ["k1", "k2"]), {Platform.HUBSPOT: sink}, RULES)
    assert stats.total("applied") == 2
    assert sink.confirmed == [] and sink.created == ["k1", "k2"]
    engine.dispose()
