"""reengage's own domain types: what connectors read (records, activities, deals, owners,
pages with their cursors) and what they are asked to write (field updates, memberships,
tasks) with one result per input. No vendor type appears here.

``Platform`` and ``RecordType`` are open: interned names (``Platform("hubspot") is
Platform.HUBSPOT``) that a plug-in extends with its own (``Platform("tinycrm")``,
``RecordType("tinycrm_person")``); ``ActivityKind`` stays closed, so that every
platform's activities mean the same to the engine.

:mod:`connectors.base` (the contract) re-exports every name; import them from there.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar, Generic, TypeVar, cast

# the store keeps platforms in 16 characters, record types in 32
_PLATFORM_NAME = re.compile(r"[a-z][a-z0-9]{0,15}\Z")
_RECORD_TYPE_NAME = re.compile(r"(?=.{3,32}\Z)[a-z][a-z0-9]{0,15}_[a-z][a-z0-9_]*\Z")

_N = TypeVar("_N", bound="_OpenName")


class _OpenName(str):
    """An interned string: a name made twice is the same object, so ``is`` compares values
    as it does for an enum's members. Open: a plug-in makes its own (``Platform("crm")``)."""

    __slots__ = ()
    _interned: ClassVar[dict[str, _OpenName]]
    _pattern: ClassVar[re.Pattern[str]]
    _form: ClassVar[str]

    def __new__(cls: type[_N], name: str) -> _N:
        found = cls._interned.get(name)
        if found is not None:
            return cast(_N, found)
        if not isinstance(name, str) or not cls._pattern.match(name):
            raise ValueError(f"{name!r} is not a valid {cls.__name__}: {cls._form}")
        made = str.__new__(cls, name)
        return cast(_N, cls._interned.setdefault(str(name), made))

    @classmethod
    def members(cls: type[_N]) -> list[_N]:
        """Every value made so far, built-ins first (a plug-in's once it is loaded)."""
        return [cast(_N, v) for v in cls._interned.values()]

    @property
    def value(self) -> str:
        """The name as a plain ``str`` (as an enum member's ``value``)."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class Platform(_OpenName):
    """A platform reengage reads and writes: the built-in ``HUBSPOT`` and ``SALESFORCE``, or
    a plug-in's, named in its :class:`~connectors.registry.ConnectorInfo` (lower-case
    letters and digits, a letter first; no underscore, which separates a record type's
    platform from its object)."""

    __slots__ = ()
    _interned: ClassVar[dict[str, _OpenName]] = {}
    _pattern = _PLATFORM_NAME
    _form = "lower-case letters and digits, a letter first, at most 16"
    HUBSPOT: ClassVar[Platform]
    SALESFORCE: ClassVar[Platform]


Platform.HUBSPOT = Platform("hubspot")
Platform.SALESFORCE = Platform("salesforce")


class RecordType(_OpenName):
    """The platform records a person is made of: ``<platform>_<object>`` (a plug-in's own,
    e.g. ``crm_person``, as well as the built-ins), and ``email_address``."""

    __slots__ = ()
    _interned: ClassVar[dict[str, _OpenName]] = {}
    _pattern = _RECORD_TYPE_NAME
    _form = "<platform>_<object>, lower-case, at most 32 characters"
    HUBSPOT_CONTACT: ClassVar[RecordType]
    SALESFORCE_LEAD: ClassVar[RecordType]
    SALESFORCE_CONTACT: ClassVar[RecordType]
    EMAIL_ADDRESS: ClassVar[RecordType]

    @property
    def platform(self) -> Platform | None:
        """The platform its records live in (None for a bare email address)."""
        if self is RecordType.EMAIL_ADDRESS:
            return None
        return Platform(self.value.partition("_")[0])


RecordType.HUBSPOT_CONTACT = RecordType("hubspot_contact")
RecordType.SALESFORCE_LEAD = RecordType("salesforce_lead")
RecordType.SALESFORCE_CONTACT = RecordType("salesforce_contact")
# An activity known only by the address it went to (HubSpot marketing email events name a
# recipient, not a contact): the record id is the address, trimmed and lower-cased, and
# identity resolution finds its person by email.
RecordType.EMAIL_ADDRESS = RecordType("email_address")


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


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Points at one platform record: (platform, record type, the platform's id)."""

    record_type: RecordType
    record_id: str

    @property
    def platform(self) -> Platform | None:
        """The platform the record lives in; None for a bare email address."""
        return self.record_type.platform


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
    event: a candidate, which :mod:`sync.identity.timeline` takes as a copy (and counts
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
    value: Mapping[str, object] = field(default_factory=dict)


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


@dataclass(frozen=True, slots=True)
class ApiUsage:
    """What a connector has cost so far: requests sent, rate-limit answers received, and
    the share of the platform's daily budget used (None: the platform did not say)."""

    requests: int = 0
    rate_limited: int = 0
    budget_used: float | None = None
