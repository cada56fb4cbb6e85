"""The operation journal: plans, each operation's fate, and what is applied on the platforms.

Every planned operation is written (``planned``) before anything is sent; each
outcome is recorded with the state it implies in one transaction:

* ``applied`` (or ``skipped``: already so on the platform) updates the applied
  state — ``applied_fields`` for field updates, ``applied_memberships`` for list
  changes, ``created_tasks`` for tasks, alerts and hand-off writes;
* ``failed`` keeps the platform's error code and message; an idempotency key
  that failed ``rules.apply.max_attempts`` times, or once with a refusal that
  trying again cannot change (``WriteResult.retriable`` false: a validation rule,
  a bad value), is ``parked``: no longer planned, listed by ``reengage report``
  and ``reengage errors`` for a person to look at.

The planner diffs against the applied state (:func:`load_applied`), so an
unchanged world plans nothing, and a crash between a platform's answer and the
journal write is healed by the connectors' look-ups (task keys on the platform,
"already a member" answers) on the next run.

Task creates are marked ``sent`` (:func:`mark_sent`) just before they go out,
so that a later run knows which keys may have landed unseen — sent without an
answer, or failed (:func:`unsettled_keys`) — and looks those up through reads
that are consistent at once rather than through a search index that may lag.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, select, update

from connectors.base import Platform, RecordRef, RecordType, WriteResult, WriteStatus
from sync.plan.model import Operation, OpKind, Plan
from sync.store.mirror import _chunks, _upsert
from sync.store.schema import (
    applied_fields,
    applied_memberships,
    created_tasks,
    cursors,
    operations,
    plans,
    platform_records,
)

ONE_OFF = (OpKind.CREATE_TASK, OpKind.SEND_ALERT)


@dataclass(frozen=True)
class AppliedState:
    fields: dict[RecordRef, dict[str, str | None]]
    members: dict[tuple[Platform, str], frozenset[RecordRef]]
    created: frozenset[str]
    parked: frozenset[str]


@dataclass(frozen=True)
class JournalEntry:
    """A stored operation: its journal row id and the operation itself."""

    id: int
    operation: Operation
    status: str


def store_version(conn: Connection) -> str:
    """A fingerprint of what a plan was made from: cursors, records and the applied state.

    A saved plan is applied only while this is unchanged: new data, or writes made
    by another run, make the plan stale.
    """
    parts = [
        conn.execute(select(func.max(cursors.c.updated_at))).scalar(),
        conn.execute(select(func.count()).select_from(platform_records)).scalar(),
        conn.execute(select(func.max(applied_fields.c.applied_at))).scalar(),
        conn.execute(select(func.count()).select_from(applied_memberships)).scalar(),
        conn.execute(select(func.count()).select_from(created_tasks)).scalar(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def load_applied(conn: Connection) -> AppliedState:
    fields: dict[RecordRef, dict[str, str | None]] = defaultdict(dict)
    for rtype, rid, name, value in conn.execute(
        select(
            applied_fields.c.record_type,
            applied_fields.c.record_id,
            applied_fields.c.field,
            applied_fields.c.value,
        )
    ):
        fields[RecordRef(RecordType(rtype), rid)][name] = value
    members: dict[tuple[Platform, str], set[RecordRef]] = defaultdict(set)
    for platform, name, ref in _memberships(conn):
        members[(platform, name)].add(ref)
    created = frozenset(conn.execute(select(created_tasks.c.idempotency_key)).scalars())
    return AppliedState(
        fields=dict(fields),
        members={k: frozenset(v) for k, v in members.items()},
        created=created,
        parked=parked_keys(conn),
    )


def _memberships(conn: Connection) -> Iterable[tuple[Platform, str, RecordRef]]:
    """Applied memberships, each member with the record type it was added as (a removal
    must name the right object: a Salesforce lead or contact)."""
    am = applied_memberships
    query = select(am.c.platform, am.c.list_name, am.c.record_id, am.c.record_type)
    for platform_name, list_name, record_id, record_type in conn.execute(query):
        yield Platform(platform_name), list_name, RecordRef(RecordType(record_type), record_id)


def parked_keys(conn: Connection) -> frozenset[str]:
    return frozenset(
        conn.execute(
            select(operations.c.idempotency_key).where(operations.c.status == "parked").distinct()
        ).scalars()
    )


def save_plan(
    conn: Connection, plan: Plan, *, as_of: datetime, version: str, run_id: int | None = None
) -> str:
    """Stores the plan and its operations (all ``planned``); returns the plan id."""
    plan_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    counts = plan.counts()
    summary = {
        "by_op": {f"{op}/{platform}": n for (op, platform), n in counts.by_op.items()},
        "by_segment": dict(counts.by_segment),
        "deferred": counts.deferred,
    }
    conn.execute(
        plans.insert().values(
            id=plan_id,
            run_id=run_id,
            created_at=now,
            as_of=as_of,
            store_version=version,
            status="planned",
            summary=summary,
        )
    )
    rows = (_op_row(plan_id, seq, op, now) for seq, op in enumerate(plan.operations))
    for chunk in _chunks(rows):
        conn.execute(operations.insert(), chunk)
    return plan_id


def _op_row(plan_id: str, seq: int, op: Operation, now: datetime) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "seq": seq,
        "platform": op.platform.value if op.platform else "-",
        "op": op.op.value,
        "record_type": op.record.record_type.value if op.record else None,
        "record_id": op.record.record_id if op.record else None,
        "target": op.target,
        "payload": dict(op.payload),
        "idempotency_key": op.idempotency_key,
        "person_id": op.person_id,
        "segment": op.segment,
        "priority": op.priority,
        "status": "planned",
        "attempts": 0,
        "updated_at": now,
    }


def _operation(row: Any) -> Operation:
    record = RecordRef(RecordType(row.record_type), row.record_id) if row.record_type else None
    return Operation(
        op=OpKind(row.op),
        platform=None if row.platform == "-" else Platform(row.platform),
        record=record,
        target=row.target,
        payload=row.payload,
        idempotency_key=row.idempotency_key,
        person_id=row.person_id,
        segment=row.segment,
        priority=row.priority,
    )


SENT = "sent"  # a task create sent, its answer not journaled (yet)
UNSETTLED = ("failed", SENT)


def pending(conn: Connection, plan_id: str) -> list[JournalEntry]:
    """The plan's operations not yet applied (planned, sent or failed), in plan order."""
    rows = conn.execute(
        select(operations)
        .where(operations.c.plan_id == plan_id, operations.c.status.in_(("planned", *UNSETTLED)))
        .order_by(operations.c.seq)
    ).all()
    return [JournalEntry(r.id, _operation(r), r.status) for r in rows]


def mark_sent(conn: Connection, entries: Sequence[JournalEntry]) -> None:
    """Marks operations as about to be sent: until their outcome is recorded, a crash leaves
    them ``sent``, an outcome nobody heard."""
    conn.execute(
        update(operations)
        .where(operations.c.id.in_([e.id for e in entries]))
        .values(status=SENT, updated_at=datetime.now(UTC))
    )


def unsettled_keys(conn: Connection, keys: Sequence[str]) -> frozenset[str]:
    """Those ``keys`` that some earlier try may have created unseen: an operation with the key
    was sent and never answered, or failed (a lost answer fails too), in any plan. One
    applier call's keys at most (``sync.apply.CALL_SIZE``), so one query."""
    query = select(operations.c.idempotency_key).where(
        operations.c.idempotency_key.in_(list(dict.fromkeys(keys))),
        operations.c.status.in_(UNSETTLED),
    )
    return frozenset(conn.execute(query).scalars())


def plan_row(conn: Connection, plan_id: str) -> Any:
    return conn.execute(select(plans).where(plans.c.id == plan_id)).first()


def set_plan_status(conn: Connection, plan_id: str, status: str) -> None:
    conn.execute(update(plans).where(plans.c.id == plan_id).values(status=status))


def record_outcomes(
    conn: Connection,
    outcomes: Sequence[tuple[JournalEntry, WriteResult]],
    *,
    max_attempts: int,
    now: datetime | None = None,
) -> None:
    """Writes each operation's outcome and the applied state it implies (one transaction,
    a few batched statements per call rather than several per operation)."""
    now = now or datetime.now(UTC)
    state = _AppliedRows()
    done: list[dict[str, Any]] = []
    for entry, result in outcomes:
        if result.status in (WriteStatus.APPLIED, WriteStatus.SKIPPED):
            state.add(entry.operation, result, now)
            done.append({"op_id": entry.id, "platform_id": result.platform_id})
        else:
            _failed(conn, entry, result, max_attempts, now)
    state.write(conn)
    if done:
        conn.execute(
            update(operations)
            .where(operations.c.id == bindparam("op_id"))
            .values(status="applied", platform_id=bindparam("platform_id"), updated_at=now,
                    attempts=operations.c.attempts + 1, error_code=None, error_message=None),
            done,
        )  # fmt: skip


def _same_operation(op: Operation) -> Any:
    """Journal rows of the same operation in any plan: the same idempotency key for one-off
    operations (tasks, alerts, hand-off writes), else the same write on the same record and
    list (field and membership keys digest their content, which may change between runs)."""
    if op.one_off:
        return operations.c.idempotency_key == op.idempotency_key
    return and_(
        operations.c.op == op.op.value,
        operations.c.platform == _platform(op),
        operations.c.record_id == (op.record.record_id if op.record else None),
        operations.c.target.is_(None) if op.target is None else operations.c.target == op.target,
    )


def _failed(
    conn: Connection, entry: JournalEntry, result: WriteResult, max_attempts: int, now: datetime
) -> None:
    earlier = conn.execute(
        select(func.count()).where(
            _same_operation(entry.operation),
            operations.c.status.in_(("failed", "parked")),
            operations.c.id != entry.id,
        )
    ).scalar_one()
    # a refusal that trying again cannot change (a validation rule, a bad value) is parked
    # at once; what may pass next time (a locked row, an outage) after max_attempts runs
    parked = not result.retriable or earlier + 1 >= max_attempts
    status = "parked" if parked else "failed"
    conn.execute(
        update(operations)
        .where(operations.c.id == entry.id)
        .values(status=status, error_code=result.error_code, error_message=result.message,
                attempts=operations.c.attempts + 1, updated_at=now)
    )  # fmt: skip


def _signature(op: Operation) -> tuple[str | None, ...]:
    """What :func:`_same_operation` compares, as a value."""
    if op.one_off:
        return ("key", op.idempotency_key)
    return (op.op.value, _platform(op), op.record.record_id if op.record else None, op.target)


def drop_parked(conn: Connection, plan: Plan) -> tuple[Plan, int]:
    """The plan without parked operations (not to be planned or sent again), and how many."""
    rows = conn.execute(select(operations).where(operations.c.status == "parked")).all()
    if not rows:
        return plan, 0
    parked = {_signature(_operation(r)) for r in rows}
    kept = [op for op in plan.operations if _signature(op) not in parked]
    return Plan.of(kept, plan.deferred), len(plan.operations) - len(kept)


class _AppliedRows:
    """The applied-state rows a batch of outcomes implies, written in one go."""

    def __init__(self) -> None:
        self.fields: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.added: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.removed: list[dict[str, Any]] = []
        self.created: dict[str, dict[str, Any]] = {}

    def add(self, op: Operation, result: WriteResult, now: datetime) -> None:
        if op.op is OpKind.UPDATE_FIELDS and op.record is not None:
            rtype, rid = op.record.record_type.value, op.record.record_id
            for name, value in op.applied_values().items():
                self.fields[(rtype, rid, name)] = {
                    "record_type": rtype, "record_id": rid, "field": name,
                    "value": value, "applied_at": now,
                }  # fmt: skip
        elif op.op in (OpKind.ADD_MEMBER, OpKind.REMOVE_MEMBER) and op.record is not None:
            key = {
                "platform": _platform(op),
                "list_name": op.target,
                "record_id": op.record.record_id,
            }
            if op.op is OpKind.ADD_MEMBER:
                row = {**key, "record_type": op.record.record_type.value, "applied_at": now}
                self.added[tuple(key.values())] = row  # type: ignore[index]
            else:
                self.removed.append({f"k_{k}": v for k, v in key.items()})
        if op.one_off:
            self.created[op.idempotency_key] = {
                "idempotency_key": op.idempotency_key, "platform": _platform(op),
                "task_id": result.platform_id, "person_id": op.person_id,
                "trigger": _trigger(op), "created_at": now,
            }  # fmt: skip

    def write(self, conn: Connection) -> None:
        if self.fields:
            keys = ["record_type", "record_id", "field"]
            _upsert(conn, applied_fields, list(self.fields.values()), keys)
        if self.removed:
            am = applied_memberships
            conn.execute(
                delete(am).where(
                    am.c.platform == bindparam("k_platform"),
                    am.c.list_name == bindparam("k_list_name"),
                    am.c.record_id == bindparam("k_record_id"),
                ),
                self.removed,
            )
        if self.added:
            keys = ["platform", "list_name", "record_id"]
            _upsert(conn, applied_memberships, list(self.added.values()), keys)
        if self.created:
            _upsert(conn, created_tasks, list(self.created.values()), ["idempotency_key"])


def _trigger(op: Operation) -> str:
    """A created key's trigger: a task's own (segment / reactivation); for alerts and hand-off
    writes, prefixed by the operation so that they never count as tasks."""
    target = op.target or ""
    return target if op.op is OpKind.CREATE_TASK else f"{op.op.value}:{target}"


def _platform(op: Operation) -> str:
    return op.platform.value if op.platform else "-"


def parked_operations(conn: Connection) -> Iterable[Any]:
    return conn.execute(
        select(operations).where(operations.c.status == "parked").order_by(operations.c.updated_at)
    ).all()
