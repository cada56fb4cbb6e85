"""A failing webhook never fails the sync: the exit code reflects only platform writes.

A local webhook answers 500 to everything. Each run saves a plan holding the
platform writes and the same alert (its key is stable, as the planner makes it),
applies it with the real webhook sender, and decides its exit code the two ways
the CLI does (``sync.run.exit_code`` and ``sync_cmd``'s "N operations failed").
The alert is posted again on each run and parked after ``apply.max_attempts``;
every run exits 0 with the platform writes done.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from config.rules import Rules, load_rules
from config.settings import AlertSettings
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
from connectors.retry import RetryPolicy
from sync.alerts import make_alert_sender
from sync.apply import ApplyStats, apply_plan
from sync.plan.model import Operation, OpKind, Plan
from sync.run import RunResult, exit_code
from sync.store.journal import drop_parked, save_plan
from sync.store.migrate import open_store
from sync.store.schema import operations
from tests.connectors.local_servers import FixedAnswer

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
ATTEMPTS = 3
ALERT_KEY = "rg1-alert-00001"


class Sink:
    """A platform that accepts every write."""

    platform = Platform.HUBSPOT

    def __init__(self) -> None:
        self.written: list[str] = []

    def _ok(self, keys: list[str]) -> list[WriteResult]:
        self.written += keys
        return [WriteResult(k, WriteStatus.APPLIED, platform_id="id-" + k) for k in keys]

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        return self._ok([u.key for u in updates])

    def add_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        return self._ok([c.key for c in changes])

    def remove_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        return self._ok([c.key for c in changes])

    def find_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        return {}

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]:
        return self._ok([t.idempotency_key for t in tasks])


def _rules() -> Rules:
    rules = load_rules()
    apply = rules.apply.model_copy(update={"max_attempts": ATTEMPTS})
    return rules.model_copy(update={"apply": apply})


def _plan(run: int) -> Plan:
    """One run's plan: a field write (its value changes each run) and the person's alert."""
    contact = RecordRef(RecordType.HUBSPOT_CONTACT, "101")
    field = Operation(
        OpKind.UPDATE_FIELDS, Platform.HUBSPOT, contact, None,
        {"values": {"reengage_score": str(run)}}, f"f-{run}", 1, "reactivated",
    )  # fmt: skip
    body = {
        "event": "reactivation",
        "person_key": "p1",
        "email": "person1@example.com",
        "status": "reactivated",
        "score": 12.0,
        "what": "clicked Spring webinar invite on 2026-11-20",
        "kind": "email_click",
        "detail": "Spring webinar invite",
        "at": "2026-11-20T10:00:00.000Z",
        "dormant_days": 120,
        "holdout": False,
        "records": [{"record_type": "hubspot_contact", "record_id": "101"}],
    }
    alert = Operation(
        op=OpKind.SEND_ALERT, platform=None, record=None, target="reactivation", payload=body,
        idempotency_key=ALERT_KEY, person_id=1, segment="reactivated", priority="HIGH",
    )  # fmt: skip
    return Plan.of([field, alert])


def _exit(stats: ApplyStats) -> tuple[int, int]:
    """(``sync.run.exit_code``, ``sync_cmd``'s exit): 1 when "N operations failed"."""
    result = RunResult(run_id=0, applied=stats, status="ok")
    return exit_code(result), 1 if stats.total("failed") else 0


def test_a_failing_webhook_never_fails_the_sync_and_is_parked_after_the_attempts(
    sqlite_url: str,
) -> None:
    engine = open_store(sqlite_url)
    rules = _rules()
    sink = Sink()
    with FixedAnswer(500, {"error": "down"}) as webhook:
        settings = AlertSettings(webhook_url=f"{webhook.url}/hook")
        sender = make_alert_sender(settings, policy=RetryPolicy(attempts=2), sleep=lambda _: None)
        assert sender is not None
        posts: list[int] = []
        for run in range(1, ATTEMPTS + 2):
            with engine.begin() as conn:
                plan, _dropped = drop_parked(conn, _plan(run))
                plan_id = save_plan(conn, plan, as_of=NOW, version="v")
            stats = apply_plan(engine, plan_id, {Platform.HUBSPOT: sink}, rules, alerts=sender)
            posts.append(len(webhook.requests))
            assert _exit(stats) == (0, 0), f"run {run}"
            assert f"f-{run}" in sink.written  # the platform writes were done
        sender.close()
    with engine.connect() as conn:
        rows = conn.execute(
            select(operations.c.status).where(operations.c.idempotency_key == ALERT_KEY)
        ).all()
    engine.dispose()
    # posted (twice: the sender's own retry) on each of the ATTEMPTS runs, then parked
    assert posts == [2, 4, 6, 6]
    assert [r.status for r in rows] == ["failed"] * (ATTEMPTS - 1) + ["parked"]
