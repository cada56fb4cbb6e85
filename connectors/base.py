"""The connector contracts: reengage's own domain types and what a platform connector provides.

Arrows run one way: ``sync`` uses connectors only through this module, and a
platform connector (``connectors.hubspot``, ``connectors.salesforce`` or a
third-party plug-in) translates its vendor SDK's types into these at its edge.
No vendor type ever crosses this module.

A connector is registered under the ``reengage.connectors`` entry-point group;
the entry point names a :class:`ConnectorInfo`. Its ``factory`` builds the
connector from the platform's settings model (opaque to this module).

Reads stream: every ``read_*`` method yields, never collects a whole object in
memory, and takes / returns an opaque :class:`Cursor` so that the engine can
resume where the last run stopped. Writes take batches and answer one
:class:`WriteResult` per input, in input order, so that one bad record never
hides the outcome of its neighbours.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable


class Platform(enum.StrEnum):
    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"


class RecordType(enum.StrEnum):
    """The platform records a person is made of."""

    HUBSPOT_CONTACT = "hubspot_contact"
    SALESFORCE_LEAD = "salesforce_lead"
    SALESFORCE_CONTACT = "salesforce_contact"
    # An activity known only by the address it went to (HubSpot marketing email
    # events name a recipient, not a contact): the record id is the address,
    # trimmed and lower-cased, and identity resolution finds its person by email.
    EMAIL_ADDRESS = "email_address"


class ActivityKind(enum.StrEnum):
    """SPEC §3's activity kinds. Only engagement ends dormancy."""

    # engagement: the person acted
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    EMAIL_REPLY = "email_reply"
    FORM_SUBMISSION = "form_submission"
    WEB_VISIT = "web_visit"
    CONTENT_DOWNLOAD = "content_download"
    EVENT_REGISTRATION = "event_registration"
    EVENT_ATTENDANCE = "event_attendance"
    MEETING_HELD = "meeting_held"
    CALL_CONNECTED = "call_connected"
    # outreach: we acted
    EMAIL_SENT = "email_sent"
    CALL_ATTEMPT = "call_attempt"
    TASK = "task"
    NOTE = "note"

    @property
    def is_engagement(self) -> bool:
        return self in ENGAGEMENT_KINDS

    @property
    def code(self) -> int:
        """A small stable integer for columnar storage (never reorder the enum)."""
        return _KIND_CODES[self]

    @classmethod
    def from_code(cls, code: int) -> ActivityKind:
        return _KINDS_BY_CODE[code]


ENGAGEMENT_KINDS: frozenset[ActivityKind] = frozenset(
    {
        ActivityKind.EMAIL_OPEN,
        ActivityKind.EMAIL_CLICK,
        ActivityKind.EMAIL_REPLY,
        ActivityKind.FORM_SUBMISSION,
        ActivityKind.WEB_VISIT,
        ActivityKind.CONTENT_DOWNLOAD,
        ActivityKind.EVENT_REGISTRATION,
        ActivityKind.EVENT_ATTENDANCE,
        ActivityKind.MEETING_HELD,
        ActivityKind.CALL_CONNECTED,
    }
)
_KIND_CODES: dict[ActivityKind, int] = {kind: i for i, kind in enumerate(ActivityKind)}
_KINDS_BY_CODE: dict[int, ActivityKind] = {i: kind for kind, i in _KIND_CODES.items()}


class DealStatus(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


_RECORD_PLATFORM = {
    RecordType.HUBSPOT_CONTACT: Platform.HUBSPOT,
    RecordType.SALESFORCE_LEAD: Platform.SALESFORCE,
    RecordType.SALESFORCE_CONTACT: Platform.SALESFORCE,
}


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Points at one platform record: (platform, record type, the platform's id)."""

    record_type: RecordType
    record_id: str

    @property
    def platform(self) -> Platform | None:
        """The platform the record lives in; None for a bare email address."""
        return _RECORD_PLATFORM.get(self.record_type)


@dataclass(frozen=True, slots=True)
class PlatformRecord:
    """One HubSpot contact, Salesforce lead or Salesforce contact, normalised.

    ``email`` is as the platform holds it; identity resolution normalises it.
    The link fields carry what identity resolution needs (SPEC §3): the
    integration's Salesforce ids on a HubSpot contact, a lead's converted
    contact, HubSpot merge history and Salesforce's merge master.
    """

    ref: RecordRef
    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    owner_id: str | None = None
    lifecycle_stage: str | None = None
    lead_status: str | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    email_opt_out: bool = False
    hard_bounce: bool = False
    do_not_call: bool = False
    score: float | None = None
    sf_lead_id: str | None = None
    sf_contact_id: str | None = None
    converted_contact_id: str | None = None
    merged_ids: tuple[str, ...] = ()
    master_record_id: str | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Activity:
    """One thing that happened between us and a person, on one platform.

    ``activity_id`` is unique per platform and source (e.g. ``email-event:123``,
    ``task:00T...``). ``mirror_of`` is set on a closed Salesforce email task
    that may be the HubSpot-Salesforce integration's copy of a HubSpot email
    event: a candidate, which :mod:`sync.timeline` takes as a copy (and counts
    once) only when it pairs it with that event.
    """

    platform: Platform
    activity_id: str
    record: RecordRef
    kind: ActivityKind
    occurred_at: datetime
    detail: str | None = None
    mirror_of: str | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Deal:
    """An opportunity or HubSpot deal and the person records it is linked to."""

    platform: Platform
    deal_id: str
    status: DealStatus
    stage: str | None = None
    amount: float | None = None
    close_date: date | None = None
    created_at: datetime | None = None
    loss_reason: str | None = None
    records: tuple[RecordRef, ...] = ()
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Owner:
    """A user who can own records and tasks."""

    platform: Platform
    owner_id: str
    name: str | None = None
    email: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a stream stopped. ``value`` is the connector's own JSON-able bookmark."""

    stream: str
    value: Mapping[str, Any] = field(default_factory=dict)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Skip:
    """A record left out of a page because a value in it could not be read.

    ``object`` is the platform's own name for what was read (``contacts``, ``calls``,
    ``Lead``...), ``field`` the field whose value was refused (None when no one field
    is to blame) and ``kind`` the kind of refusal (``bad_date``, ``bad_boolean``...).
    """

    platform: Platform
    object: str
    record_id: str
    field: str | None
    reason: str
    kind: str = "bad_record"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A batch of items read from a stream, the cursor to resume after it and the
    records of the batch left out for bad data (``skipped``): stored with the page."""

    items: Sequence[T]
    cursor: Cursor
    complete: bool = False
    skipped: tuple[Skip, ...] = ()


# ---------------------------------------------------------------------------- writes


class WriteStatus(enum.StrEnum):
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing to do (already a member, already exists)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The outcome of one input of a batched write, matched to it by ``key``."""

    key: str
    status: WriteStatus
    platform_id: str | None = None
    error_code: str | None = None
    message: str | None = None
    retriable: bool = False


@dataclass(frozen=True, slots=True)
class FieldUpdate:
    key: str
    record: RecordRef
    values: Mapping[str, str | int | float | bool | None]


@dataclass(frozen=True, slots=True)
class MembershipChange:
    key: str
    list_name: str
    record: RecordRef


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """A call task. ``idempotency_key`` is stored on the task so it is never created twice."""

    idempotency_key: str
    record: RecordRef
    owner_id: str | None
    subject: str
    body: str
    due: date
    priority: str


@dataclass(frozen=True, slots=True)
class TaskClose:
    """Marks a task reengage created as completed (``reengage forget``): ``task_id`` is the
    platform's id of the task, ``key`` the operation's idempotency key."""

    key: str
    task_id: str


# ---------------------------------------------------------------------------- contracts


@runtime_checkable
class SourceConnector(Protocol):
    """Reads one platform.

    Each method reads one or more *streams* (e.g. ``contacts``, ``calls``,
    ``email_events``) and yields pages; every page carries the cursor of its own
    stream, to be saved with the page (same transaction) and handed back on the
    next call in ``cursors`` (stream name -> cursor). A stream with no cursor is
    read in full (backfill); a backfill cursor resumes where it stopped, and
    once a stream is fully read its cursor switches to increments.
    Deleted and merged-away records come through as ``deleted=True``.
    """

    platform: Platform

    def read_records(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[PlatformRecord]]: ...

    def read_activities(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Activity]]: ...

    def read_deals(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Deal]]: ...

    def read_owners(self) -> Iterator[Owner]: ...


@runtime_checkable
class SinkConnector(Protocol):
    """Writes one platform. Each write method answers one result per input, in input order.

    Only lists / campaigns and fields that reengage owns are touched. A task's
    ``idempotency_key`` is stored on the task; ``find_tasks`` looks keys up so
    that a task is never created twice, even after a crash between the
    platform's answer and the journal write.
    """

    platform: Platform

    def check_setup(self, rules: Any) -> list[SetupItem]: ...

    def apply_setup(self, items: Sequence[SetupItem]) -> list[SetupItem]: ...

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]: ...

    def add_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]: ...

    def remove_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]: ...

    def find_tasks(self, idempotency_keys: Sequence[str]) -> dict[str, str]: ...

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]: ...


@runtime_checkable
class TaskCloser(Protocol):
    """A sink that can also mark the tasks reengage created as completed (``reengage forget``).
    Separate from :class:`SinkConnector` so that a connector without it stays a sink: its
    ``close_task`` operations fail with a reason instead."""

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]: ...


@runtime_checkable
class TaskConfirmer(Protocol):
    """A sink whose ``find_tasks`` may lag behind its writes (HubSpot search indexes a new
    task after a while), with a costlier look-up that sees a task as soon as it exists: for
    the keys whose earlier send is unknown (failed or unanswered), never for fresh ones."""

    def confirm_tasks(self, tasks: Sequence[TaskRequest]) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class SetupItem:
    """One thing reengage needs on a platform: a property / field, a list / campaign, a scope.

    ``status`` is ``ok`` (exists as needed), ``missing`` (can be created),
    ``created``, ``wrong`` (exists but differs: reported, never changed) or
    ``manual`` (an admin must create it: ``instructions`` says exactly how).
    """

    kind: str
    name: str
    status: str
    detail: str = ""
    instructions: str = ""


# The error taxonomy and the registry are part of the contract: sync catches these errors
# (never vendor ones) and finds connectors and the sandbox through these functions.
from connectors.errors import (  # noqa: E402 - re-exported after the contracts they serve
    AuthError,
    BudgetExhausted,
    ConfigurationError,
    ConnectorError,
    RecordError,
    RetriableError,
    StopRun,
)
from connectors.registry import (  # noqa: E402 - the registry names the contracts above
    ENTRY_POINT_GROUP,
    SANDBOX_ENTRY_POINT_GROUP,
    ConnectorInfo,
    InstalledConnector,
    installed_connectors,
    load_sandbox,
)

__all__ = [
    "ENGAGEMENT_KINDS",
    "ENTRY_POINT_GROUP",
    "SANDBOX_ENTRY_POINT_GROUP",
    "Activity",
    "ActivityKind",
    "AuthError",
    "BudgetExhausted",
    "ConfigurationError",
    "ConnectorError",
    "ConnectorInfo",
    "Cursor",
    "Deal",
    "DealStatus",
    "FieldUpdate",
    "InstalledConnector",
    "MembershipChange",
    "Owner",
    "Page",
    "Platform",
    "PlatformRecord",
    "RecordError",
    "RecordRef",
    "RecordType",
    "RetriableError",
    "SetupItem",
    "SinkConnector",
    "Skip",
    "SourceConnector",
    "StopRun",
    "TaskRequest",
    "WriteResult",
    "WriteStatus",
    "installed_connectors",
    "load_sandbox",
]
