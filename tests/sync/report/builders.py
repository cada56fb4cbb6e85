"""Writes decision history straight into a store (SQLAlchemy Core), for the report tests.

The world of :func:`build_world` is small enough that every expected number is
worked out by hand in the tests; the comments there give each person's story.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy import Engine

from connectors.base import ActivityKind
from sync.store.schema import (
    activities,
    created_tasks,
    deal_records,
    deals,
    episodes,
    holdout,
    identity_issues,
    operations,
    persons,
    plans,
    platform_records,
    segment_memberships,
)

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday: ISO week 2026-W10
END = START + timedelta(days=28)


def day(n: float) -> datetime:
    """``n`` days after the period start (negative: before it)."""
    return START + timedelta(days=n)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class StoreBuilder:
    """Inserts persons and their history, one small call per fact."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ids = count(1)

    def _insert(self, table: object, **values: object) -> None:
        with self.engine.begin() as conn:
            conn.execute(table.insert().values(**values))  # type: ignore[attr-defined]

    def person(self) -> int:
        pid = next(self._ids)
        self._insert(persons, id=pid, person_key=f"p:{pid}", updated_at=START)
        self._insert(platform_records, id=pid, record_type="salesforce_lead",
                     record_id=f"00Q{pid}", person_id=pid)  # fmt: skip
        return pid

    def episode(self, pid: int, start: float, end: float | None = None,
                react: float | None = None, handoff: float | None = None) -> None:  # fmt: skip
        outcome = "handed_off" if handoff is not None else "reactivated" if react else "ongoing"
        if end is not None and react is None:
            outcome = "deal"
        self._insert(episodes, person_id=pid, started_at=day(start), outcome=outcome,
                     ended_at=None if end is None else day(end),
                     reactivated_at=None if react is None else day(react),
                     handed_off_at=None if handoff is None else day(handoff))  # fmt: skip

    def member(self, pid: int, segment: str, entered: float, left: float | None = None) -> None:
        self._insert(segment_memberships, person_id=pid, segment=segment, entered_at=day(entered),
                     left_at=None if left is None else day(left))  # fmt: skip

    def deal(self, pids: tuple[int, ...], status: str, created: float | None,
             closed: float | None) -> None:  # fmt: skip
        deal_id = next(self._ids) + 1000
        self._insert(deals, id=deal_id, platform="salesforce", deal_id=f"006{deal_id}",
                     status=status, created_ms=None if created is None else ms(day(created)),
                     closed_ms=None if closed is None else ms(day(closed)))  # fmt: skip
        for pid in pids:
            self._insert(deal_records, deal_pk=deal_id, record_type="salesforce_lead",
                         record_id=f"00Q{pid}")  # fmt: skip

    def hold(self, pid: int, assigned: float) -> None:
        self._insert(holdout, person_id=pid, assigned_at=day(assigned), salt="s")

    def task(
        self, pid: int, trigger: str, platform: str, created: float, *, done: bool = False
    ) -> None:
        """A created key; ``done``: the platform reports the task closed (read back as the
        activity a connector would store for it)."""
        n = next(self._ids)
        task_id = f"00T{n}" if platform == "salesforce" else str(9000 + n)
        self._insert(created_tasks, idempotency_key=f"k{n}", platform=platform, task_id=task_id,
                     person_id=pid, trigger=trigger, created_at=day(created))  # fmt: skip
        if done:
            aid = f"task:{task_id}" if platform == "salesforce" else f"tasks:{task_id}:{pid}"
            self._insert(activities, platform=platform, activity_id=aid,
                         record_type="salesforce_lead", record_id=f"00Q{pid}",
                         kind=ActivityKind.TASK.code,
                         occurred_ms=int(day(created + 1).timestamp() * 1000))  # fmt: skip

    def issue(self, email: str) -> None:
        self._insert(identity_issues, kind="ambiguous_email", email=email,
                     records=["salesforce_lead:00Q1", "salesforce_contact:003X"],
                     chosen="salesforce_lead:00Q1", detected_at=day(1))  # fmt: skip

    def parked(self, pid: int, error: str) -> None:
        self._insert(plans, id="plan-1", created_at=day(1), as_of=day(1), store_version="v",
                     status="applied")  # fmt: skip
        self._insert(operations, plan_id="plan-1", seq=1, platform="salesforce", op="create_task",
                     record_type="salesforce_lead", record_id=f"00Q{pid}", target="segment",
                     payload={}, idempotency_key="ik", person_id=pid, status="parked",
                     attempts=3, error_code="INVALID_CROSS_REFERENCE_KEY", error_message=error,
                     updated_at=day(2))  # fmt: skip


def build_world(engine: Engine, with_holdout: bool = True) -> None:
    """Nine persons around a 4-week period starting on :data:`START` (day 0)."""
    b = StoreBuilder(engine)
    p1, p2, p3, p4, p5, p6, p7, p8, p9 = (b.person() for _ in range(9))
    # p1: dormant lead since day -100, reactivated day 3, handed off day 5, deal day 10 won day 20
    b.episode(p1, -100, end=3, react=3, handoff=5)
    b.member(p1, "dormant_90_180d", -100, 3)
    b.deal((p1,), "won", 10, 20)
    # p2: dormant since day -50, reactivated day 10; a lost deal
    b.episode(p2, -50, end=10, react=10)
    b.member(p2, "dormant_90_180d", -50, 10)
    b.deal((p2,), "lost", 11, 12)
    # p3: dormant since day -200, still; shares deal X (won day 6) with p9
    b.episode(p3, -200)
    b.member(p3, "dormant_180_365d", -200)
    # p4: dormant customer since day -30; a won deal created day 2 ends the episode, won day 15
    b.episode(p4, -30, end=2)
    b.member(p4, "dormant_customer", -30, 2)
    b.deal((p4,), "won", 2, 15)
    # p5: dormant customer since day -400, nothing happens
    b.episode(p5, -400)
    b.member(p5, "dormant_customer", -400)
    # p6: goes dormant on day 5 (after the start), reactivated day 8: in no period cohort
    b.episode(p6, 5, end=8, react=8)
    b.member(p6, "dormant_90_180d", 5, 8)
    # p7: reactivated day -10, before the period; a deal created day 25, won day 27
    b.episode(p7, -300, end=-10, react=-10)
    b.deal((p7,), "won", 25, 27)
    # p8: dormant since day -95 with no membership recorded; reactivated day 30 (after the end)
    b.episode(p8, -95, end=30, react=30)
    # p9: never dormant; a won deal of its own, and deal X with p3
    b.deal((p9,), "won", 1, 12)
    b.deal((p9, p3), "won", 4, 6)
    b.task(p1, "segment", "salesforce", 1, done=True)
    b.task(p3, "segment", "salesforce", 2)
    b.task(p1, "reactivation", "hubspot", 9, done=True)
    b.task(p1, "send_alert:reactivation", "-", 9)  # an alert's key: not a task
    b.task(p1, "update_fields:handoff", "salesforce", 9)  # a hand-off write's key: not a task
    b.task(p5, "segment", "salesforce", -3)
    if with_holdout:
        b.hold(p2, -60)
        b.hold(p3, -60)
        b.hold(p5, 40)  # assigned after the period: treated in it
    b.issue("dup@x.com")
    b.parked(p3, "owner inactive")
