"""The connector contract: what a platform connector provides, and the types it speaks
(reengage's own domain types, defined in :mod:`connectors.records` and re-exported here).

Arrows run one way: ``sync`` uses connectors only through this module, and a
platform connector (``connectors.hubspot``, ``connectors.salesforce`` or a
third-party plug-in) translates its vendor SDK's types into these at its edge.
No vendor type ever crosses this module.

A connector is registered under the ``reengage.connectors`` entry-point group;
the entry point names a :class:`ConnectorInfo`. Its ``factory`` (a
:class:`ConnectorFactory`: settings, rules, ``clock``) builds a :class:`Connector`
(platform, ``usage``, ``close``; defined with the registry) that is a
:class:`SourceConnector`, a :class:`SinkConnector` (HubSpot, Salesforce) or, for a
plug-in's platform, a :class:`FieldSink`, or a source and a sink at once.

Reads stream: every ``read_*`` method yields, never collects a whole object in
memory, and takes / returns an opaque :class:`Cursor` so that the engine can
resume where the last run stopped. Writes take batches and answer one
:class:`WriteResult` per input, in input order, so that one bad record never
hides the outcome of its neighbours.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from config.rules import Rules
from connectors.records import (
    ENGAGEMENT_KINDS,
    Activity,
    ActivityKind,
    ApiUsage,
    Cursor,
    Deal,
    DealStatus,
    FieldUpdate,
    MembershipChange,
    Owner,
    Page,
    Platform,
    PlatformRecord,
    RecordRef,
    RecordType,
    Skip,
    TaskClose,
    TaskRequest,
    WriteResult,
    WriteStatus,
)
from connectors.registry import Connector

# The platforms whose sinks take lists / campaigns and call tasks: the built-in ones. A
# plug-in platform is a source and, at most, a :class:`FieldSink`.
LIST_PLATFORMS: frozenset[Platform] = frozenset({Platform.HUBSPOT, Platform.SALESFORCE})

# ---------------------------------------------------------------------------- contracts


@runtime_checkable
class SourceConnector(Connector, Protocol):
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
class FieldSink(Connector, Protocol):
    """Writes reengage's fields on one platform's records: what every sink takes, and all a
    plug-in platform is sent (the planner puts lists and tasks on HubSpot and Salesforce
    only, :data:`LIST_PLATFORMS`). Answers one result per input, in input order."""

    platform: Platform

    def check_setup(self, rules: Rules) -> list[SetupItem]: ...

    def apply_setup(self, items: Sequence[SetupItem]) -> list[SetupItem]: ...

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]: ...


@runtime_checkable
class MemberSink(Protocol):
    """Adds records to and removes them from reengage's lists / campaigns."""

    def add_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]: ...

    def remove_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]: ...


@runtime_checkable
class TaskSink(Protocol):
    """Creates call tasks; a task's ``idempotency_key`` is stored on the task, and
    ``find_tasks`` looks keys up so that a task is never created twice, even after a crash
    between the platform's answer and the journal write."""

    def find_tasks(self, idempotency_keys: Sequence[str]) -> dict[str, str]: ...

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]: ...


@runtime_checkable
class SinkConnector(FieldSink, MemberSink, TaskSink, Protocol):
    """Writes one platform: fields, list / campaign members and call tasks (HubSpot and
    Salesforce). Each write method answers one result per input, in input order; only
    lists / campaigns and fields that reengage owns are touched."""

    platform: Platform


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
    PaginationLoop,
    RecordError,
    RetriableError,
    SetupMissing,
    StopRun,
    classify_status,
)
from connectors.registry import (  # noqa: E402 - the registry's entry points
    ENTRY_POINT_GROUP,
    ConnectorFactory,
    ConnectorInfo,
    InstalledConnector,
    installed_connectors,
    settings_models,
)

# The one retry policy, for sync's own HTTP calls (alert webhooks) as for the connectors'.
from connectors.retry import (  # noqa: E402
    RetryPolicy,
    call_with_retry,
    parse_retry_after,
)
from connectors.sandboxes import SANDBOX_ENTRY_POINT_GROUP, load_sandbox  # noqa: E402

__all__ = [
    "ENGAGEMENT_KINDS",
    "ENTRY_POINT_GROUP",
    "LIST_PLATFORMS",
    "SANDBOX_ENTRY_POINT_GROUP",
    "Activity",
    "ActivityKind",
    "ApiUsage",
    "AuthError",
    "BudgetExhausted",
    "ConfigurationError",
    "Connector",
    "ConnectorError",
    "ConnectorFactory",
    "ConnectorInfo",
    "Cursor",
    "Deal",
    "DealStatus",
    "FieldSink",
    "FieldUpdate",
    "InstalledConnector",
    "MemberSink",
    "MembershipChange",
    "Owner",
    "Page",
    "PaginationLoop",
    "Platform",
    "PlatformRecord",
    "RecordError",
    "RecordRef",
    "RecordType",
    "RetriableError",
    "RetryPolicy",
    "SetupItem",
    "SetupMissing",
    "SinkConnector",
    "Skip",
    "SourceConnector",
    "StopRun",
    "TaskClose",
    "TaskRequest",
    "TaskSink",
    "WriteResult",
    "WriteStatus",
    "call_with_retry",
    "classify_status",
    "installed_connectors",
    "load_sandbox",
    "parse_retry_after",
    "settings_models",
]
