"""What the planner hands the applier: :class:`Operation` rows gathered in a :class:`Plan`.

An operation is one write on one record (or one alert), already decided down to
its payload, so that the applier only batches and sends. Every payload is
JSON-able (the journal stores it as is) and every operation has an idempotency
key (the journal's ``operations.idempotency_key`` is not null):

* ``create_task`` / ``send_alert``, and ``update_fields`` carrying hand-off values:
  :func:`stable_key` of (person key, episode start, trigger) — the same on every
  run and every machine, so that the applier, storing applied keys in its
  "created" set, never sends one twice;
* ``update_fields`` without hand-off values, ``add_member`` / ``remove_member``:
  a digest of what the operation does (record, list, values); re-planning the
  same change gives the same key.

Field values are compared with what was last applied as the strings they are
sent as (:func:`field_string`); the applier stores exactly those strings.
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connectors.base import (
    FieldUpdate,
    MembershipChange,
    Platform,
    RecordRef,
    TaskClose,
    TaskRequest,
)

KEY_PREFIX = "rg1-"
"""Version prefix of every idempotency key: change it and every key changes."""


class OpKind(enum.StrEnum):
    """Operation kinds, declared in the order a plan applies them (fields before lists...)."""

    UPDATE_FIELDS = "update_fields"
    REMOVE_MEMBER = "remove_member"
    ADD_MEMBER = "add_member"
    CREATE_TASK = "create_task"
    CLOSE_TASK = "close_task"  # only ``reengage forget`` plans it (sync/forget.py)
    SEND_ALERT = "send_alert"


class Trigger(enum.StrEnum):
    """What a one-off operation (task, alert, hand-off fields) answers to, within an episode."""

    SEGMENT = "segment"
    REACTIVATION = "reactivation"
    HANDOFF = "handoff"


_KIND_ORDER = {kind: i for i, kind in enumerate(OpKind)}
# HubSpot, Salesforce, plug-in platforms (by name), then alerts
_PLATFORM_ORDER = {Platform.HUBSPOT: 0, Platform.SALESFORCE: 1, None: 3}
_PLUGIN_ORDER = 2

FieldValue = str | int | float | bool | None


def stable_key(*parts: object) -> str:
    """A short, deterministic key from ``parts`` (sha256 of their ``str`` joined by NUL).

    Task / alert keys are ``stable_key(person_key, episode_start_ms, trigger)`` with
    ``trigger`` one of ``segment``, ``reactivation``, ``alert:reactivation``,
    ``alert:handoff``; hand-off field keys add the record:
    ``stable_key(person_key, episode_start_ms, "handoff", record_type, record_id)``.
    36 characters: fits Salesforce's 80-character ``Reengage_Task_Key__c``.
    """
    text = "\x00".join(str(p) for p in parts)
    return KEY_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:32]


def made(created: frozenset[str], person_keys: Iterable[str], *parts: object) -> bool:
    """Whether the one-off write ``stable_key(person key, *parts)`` was made under any of the
    person's keys (its anchor first, then the anchors of persons merged into it)."""
    return any(stable_key(key, *parts) in created for key in person_keys)


def field_string(value: FieldValue) -> str | None:
    """A field value as the string it is sent as; None (or "") is an empty field.

    Booleans are ``true`` / ``false``; floats are already rounded by the planner and
    print in their shortest form (``12.5``); instants are ISO strings already.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Operation:
    """One write. ``platform`` is None for alerts; ``record`` is the record written (for an
    alert: None, the records are in the payload); ``target`` the list name, the trigger of
    a task / alert, ``handoff`` for field updates carrying hand-off values, else None."""

    op: OpKind
    platform: Platform | None
    record: RecordRef | None
    target: str | None
    payload: Mapping[str, Any]
    idempotency_key: str
    person_id: int | None
    segment: str | None
    priority: str | None = None

    @property
    def one_off(self) -> bool:
        """Whether the applier must add ``idempotency_key`` to the created set once applied:
        tasks, alerts and field updates carrying hand-off values (``target == "handoff"``)."""
        return self.op in (OpKind.CREATE_TASK, OpKind.SEND_ALERT) or (
            self.op is OpKind.UPDATE_FIELDS and self.target == Trigger.HANDOFF.value
        )

    def sort_key(self) -> tuple[int, str, int, str, str, str, str]:
        rec = self.record
        return (
            _PLATFORM_ORDER.get(self.platform, _PLUGIN_ORDER),
            self.platform.value if self.platform else "",
            _KIND_ORDER[self.op],
            self.target or "",
            rec.record_type.value if rec else "",
            rec.record_id if rec else "",
            self.idempotency_key,
        )

    def to_dict(self) -> dict[str, Any]:
        """The operation as JSON-able values (for ``--json`` and the journal)."""
        return {
            "op": self.op.value,
            "platform": self.platform.value if self.platform else None,
            "record_type": self.record.record_type.value if self.record else None,
            "record_id": self.record.record_id if self.record else None,
            "target": self.target,
            "payload": dict(self.payload),
            "idempotency_key": self.idempotency_key,
            "person_id": self.person_id,
            "segment": self.segment,
            "priority": self.priority,
        }

    def field_update(self) -> FieldUpdate:
        """The connector request of an ``update_fields`` operation."""
        self._expect(OpKind.UPDATE_FIELDS)
        assert self.record is not None
        return FieldUpdate(self.idempotency_key, self.record, dict(self.payload["values"]))

    def membership_change(self) -> MembershipChange:
        """The connector request of an ``add_member`` / ``remove_member`` operation."""
        if self.op not in (OpKind.ADD_MEMBER, OpKind.REMOVE_MEMBER):
            raise ValueError(f"{self.op} is not a membership operation")
        assert self.record is not None and self.target is not None
        return MembershipChange(self.idempotency_key, self.target, self.record)

    def task_request(self) -> TaskRequest:
        """The connector request of a ``create_task`` operation."""
        self._expect(OpKind.CREATE_TASK)
        assert self.record is not None
        p = self.payload
        return TaskRequest(
            idempotency_key=self.idempotency_key,
            record=self.record,
            owner_id=p["owner_id"],
            subject=p["subject"],
            body=p["body"],
            due=date.fromisoformat(p["due"]),
            priority=p["priority"],
        )

    def task_close(self) -> TaskClose:
        """The connector request of a ``close_task`` operation (``payload["task_id"]``)."""
        self._expect(OpKind.CLOSE_TASK)
        return TaskClose(self.idempotency_key, str(self.payload["task_id"]))

    def applied_values(self) -> dict[str, str | None]:
        """What to store as last applied for the record of an ``update_fields`` operation."""
        self._expect(OpKind.UPDATE_FIELDS)
        return {name: field_string(v) for name, v in self.payload["values"].items()}

    def _expect(self, kind: OpKind) -> None:
        if self.op is not kind:
            raise ValueError(f"{self.op} is not {kind}")


@dataclass(frozen=True)
class PlanCounts:
    """Operations per (op, platform) — platform ``-`` for alerts — and per segment (``-``:
    none); ``deferred`` counts tasks held back by the per-owner daily cap."""

    by_op: Mapping[tuple[str, str], int]
    by_segment: Mapping[str, int]
    deferred: int


@dataclass(frozen=True)
class Plan:
    """The operations of one run, in apply order, and the tasks the daily cap held back.

    ``deferred`` tasks are not to be applied: their keys are not created, so they
    come back in the next plan, ahead of newer ones of lower priority.
    """

    operations: tuple[Operation, ...]
    deferred: tuple[Operation, ...] = field(default=())

    @classmethod
    def of(cls, operations: Iterable[Operation], deferred: Sequence[Operation] = ()) -> Plan:
        ordered = sorted(operations, key=Operation.sort_key)
        return cls(tuple(ordered), tuple(sorted(deferred, key=Operation.sort_key)))

    def __len__(self) -> int:
        return len(self.operations)

    def counts(self) -> PlanCounts:
        by_op = Counter(
            (o.op.value, o.platform.value if o.platform else "-") for o in self.operations
        )
        by_segment = Counter(o.segment or "-" for o in self.operations)
        return PlanCounts(
            dict(sorted(by_op.items())), dict(sorted(by_segment.items())), len(self.deferred)
        )
