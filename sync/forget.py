"""The plan of a right-to-erasure request (``reengage forget EMAIL``): pure, from what the
journal says reengage holds for the person.

Only reengage's own writes are undone, and only those the applied state records:

* ``remove_member`` from every reengage list / campaign the person's records are on;
* ``update_fields`` clearing every reengage field that holds a value on their records
  (the hand-off field is the platform's own lead status, not reengage's: left alone);
* ``close_task`` for every call task reengage created for them (a task is a record of
  the sales team's work, so it is closed rather than deleted).

Going through the planner / applier keeps the writes journaled and idempotent: a forget
stopped half-way is planned again from the applied state, which then lists only what
is left.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from connectors.base import Platform, RecordRef
from sync.plan.model import Operation, OpKind, Plan, stable_key

TASK_TRIGGERS = frozenset({"segment", "reactivation"})
"""``created_tasks.trigger`` of call tasks (alerts and hand-off writes are prefixed)."""


@dataclass(frozen=True)
class CreatedTask:
    """A call task reengage created: platform, the platform's task id, its idempotency key."""

    platform: Platform
    task_id: str
    key: str


@dataclass(frozen=True)
class Holdings:
    """What reengage holds for one person, from the journal's applied state."""

    person_id: int | None
    records: frozenset[RecordRef]
    fields: Mapping[RecordRef, Mapping[str, str | None]]
    members: Mapping[tuple[Platform, str], Collection[RecordRef]]
    tasks: tuple[CreatedTask, ...]


def forget_plan(
    held: Holdings, owned_fields: Mapping[Platform, Collection[str]], owned_lists: Collection[str]
) -> Plan:
    """The operations that take the person out of everything reengage owns."""
    ops: list[Operation] = []
    for (platform, name), refs in held.members.items():
        if name not in owned_lists:
            continue
        for ref in refs:
            if ref in held.records:
                ops.append(_op(OpKind.REMOVE_MEMBER, platform, ref, name, {"list_name": name},
                               held.person_id))  # fmt: skip
    for ref in sorted(held.records, key=lambda r: (r.record_type, r.record_id)):
        on = ref.platform
        if on is None:
            continue
        mine = owned_fields.get(on, ())
        clear = sorted(n for n, v in held.fields.get(ref, {}).items() if n in mine and v)
        if clear:
            values = dict.fromkeys(clear)
            ops.append(_op(OpKind.UPDATE_FIELDS, on, ref, None, {"values": values},
                           held.person_id))  # fmt: skip
    for task in held.tasks:
        ops.append(
            Operation(
                op=OpKind.CLOSE_TASK,
                platform=task.platform,
                record=None,
                target="forget",
                payload={"task_id": task.task_id, "task_key": task.key},
                idempotency_key=stable_key("forget", "close_task", task.platform, task.task_id),
                person_id=held.person_id,
                segment=None,
            )
        )
    return Plan.of(ops)


def _op(
    kind: OpKind,
    platform: Platform,
    ref: RecordRef,
    target: str | None,
    payload: dict[str, object],
    person_id: int | None,
) -> Operation:
    return Operation(
        op=kind,
        platform=platform,
        record=ref,
        target=target,
        payload=payload,
        idempotency_key=stable_key(
            "forget", kind, platform, target, ref.record_type, ref.record_id
        ),
        person_id=person_id,
        segment=None,
    )
