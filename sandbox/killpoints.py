"""Kill points: SIGKILL a client process right after an emulator answered its k-th write of a kind.

A kill trial (``tests/e2e/kill_harness.py``) runs ``reengage`` as a process and
needs it to die at the dangerous moments — the platform has acted and answered,
the process has not yet journaled it — without any hook in the product. Each
emulator's app is wrapped in :class:`KillMiddleware`, which sorts every served
request into a write kind of its platform (:data:`KINDS`), counts those answered
with a 2xx, and once it has *sent* the answer of the k-th write of the armed kind,
sends SIGKILL to the armed pid. The kill is one-shot: the points disarm as they fire.

Kinds, by platform:

* HubSpot: ``contact_update`` (contact batch update or PATCH), ``member_add`` /
  ``member_remove`` (list memberships), ``task_create`` (task batch create or POST),
  ``task_update`` (task batch update or PATCH: what closing a task sends).
* Salesforce: ``field_update`` (sObject Collections PATCH or a record PATCH on a lead or
  contact, a Bulk 2.0 ingest job closed with ``UploadComplete``), ``member_add`` /
  ``member_remove`` (CampaignMember insert / delete), ``task_create`` / ``task_update``.

Writes answered with an error (an injected fault, a refused request) change nothing and
are not counted. The sorting of Salesforce Collections reads the request body (the
records' ``attributes.type``), then hands the body on to the app unchanged.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.dataset.ids import SF_PREFIX

KINDS: dict[str, tuple[str, ...]] = {
    "hubspot": ("contact_update", "member_add", "member_remove", "task_create", "task_update"),
    "salesforce": ("field_update", "member_add", "member_remove", "task_create", "task_update"),
}

# (method, path, query string, body or None) -> the write kind, or None for a read or a
# write not tracked
Classify = Callable[[str, str, str, bytes | None], str | None]


@dataclass(frozen=True)
class Fired:
    """A kill that was sent: whom, after which write (its kind and its number)."""

    pid: int
    kind: str
    count: int


@dataclass
class KillPoints:
    """One platform's write counters and its (at most one) armed kill.

    ``counts``: answered writes by kind since the last :meth:`arm` or :meth:`reset`;
    ``fired``: every kill sent, oldest first.
    """

    platform: str
    counts: Counter[str] = field(default_factory=Counter)
    fired: list[Fired] = field(default_factory=list)
    _armed: tuple[int, str, int] | None = field(init=False, default=None)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def arm(self, pid: int, kind: str, after: int) -> None:
        """Kills ``pid`` once the answer of the ``after``-th ``kind`` write (counted from now)
        is sent.

        Raises:
            ValueError: ``kind`` is not a write kind of this platform, or ``after`` < 1.
        """
        if kind not in KINDS[self.platform]:
            raise ValueError(
                f"{kind!r} is not a {self.platform} write kind: {KINDS[self.platform]}"
            )
        if after < 1:
            raise ValueError("after must be 1 or more")
        with self._lock:
            self.counts.clear()
            self._armed = (pid, kind, after)

    def disarm(self) -> None:
        with self._lock:
            self._armed = None

    @property
    def armed(self) -> bool:
        return self._armed is not None

    def reset(self) -> None:
        """Disarms and forgets the counts (not the kills already fired)."""
        with self._lock:
            self._armed = None
            self.counts.clear()

    def answered(self, kind: str) -> int | None:
        """Counts one answered write; the pid to kill when it is the armed one (then disarmed)."""
        with self._lock:
            self.counts[kind] += 1
            if self._armed is None:
                return None
            pid, armed_kind, after = self._armed
            if kind != armed_kind or self.counts[kind] != after:
                return None
            self._armed = None
            self.fired.append(Fired(pid, kind, after))
            return pid


class KillMiddleware:
    """Counts each write the wrapped app answers and sends an armed kill once its answer is out."""

    def __init__(self, app: ASGIApp, points: KillPoints, classify: Classify) -> None:
        self.app = app
        self.points = points
        self.classify = classify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        body: bytes | None = None
        if _needs_body(method, path):
            body = await _read_body(receive)
            receive = _replay(body, receive)
        query = scope.get("query_string", b"").decode("latin-1")
        kind = self.classify(method, path, query, body)
        if kind is None:
            await self.app(scope, receive, send)
            return
        doomed: list[int] = []

        async def watched(message: Message) -> None:
            # counted as the answer starts (a client holding it sees the count), killed once
            # the whole answer is out
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                pid = self.points.answered(kind)
                doomed.extend([] if pid is None else [pid])
            await send(message)
            ended = message["type"] == "http.response.body" and not message.get("more_body")
            if ended and doomed:
                _kill(doomed.pop())

        await self.app(scope, receive, watched)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone: nothing to kill
        os.kill(pid, signal.SIGKILL)


SALESFORCE_DATA = re.compile(r"^/services/data/v[\d.]+/")


def _needs_body(method: str, path: str) -> bool:
    """Salesforce Collections and ingest-job changes are sorted by their body."""
    if method not in ("POST", "PATCH") or not SALESFORCE_DATA.match(path):
        return False
    rest = SALESFORCE_DATA.sub("", path).rstrip("/")
    return rest == "composite/sobjects" or rest.startswith("jobs/ingest/")


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the real channel."""
    given = [False]

    async def replay() -> Message:
        if not given[0]:
            given[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


HUBSPOT_CONTACTS = ("contacts", "0-1")
HUBSPOT_TASKS = ("tasks", "0-27")
HUBSPOT_OBJECT = re.compile(r"^/crm/v3/objects/([^/]+)(/batch/(create|update)|/[^/]+)?/?$")
HUBSPOT_MEMBERS = re.compile(r"^/crm/v3/lists/[^/]+/memberships/(add|remove)/?$")


def hubspot_kind(method: str, path: str, query: str = "", body: bytes | None = None) -> str | None:
    """The HubSpot write kind of a request (None: a read, or a write not tracked)."""
    if method == "PUT" and (found := HUBSPOT_MEMBERS.match(path)):
        return "member_add" if found.group(1) == "add" else "member_remove"
    found = HUBSPOT_OBJECT.match(path)
    if found is None or method not in ("POST", "PATCH"):
        return None
    object_type, tail, batch = found.groups()
    created = (method == "POST" and tail is None) or batch == "create"
    updated = (method == "PATCH" and tail is not None and batch is None) or batch == "update"
    if object_type in HUBSPOT_TASKS:
        return "task_create" if created else "task_update" if updated else None
    if object_type in HUBSPOT_CONTACTS and updated:
        return "contact_update"
    return None


SALESFORCE_RECORD = re.compile(r"^sobjects/([^/]+)(?:/[^/]+)?/?$")
PREFIX_OBJECT = {prefix: name for name, prefix in SF_PREFIX.items()}
PERSON_OBJECTS = ("Lead", "Contact")


def salesforce_kind(
    method: str, path: str, query: str = "", body: bytes | None = None
) -> str | None:
    """The Salesforce write kind of a request (None: a read, or a write not tracked)."""
    if not SALESFORCE_DATA.match(path):
        return None
    rest = SALESFORCE_DATA.sub("", path).rstrip("/")
    if rest == "composite/sobjects":
        return _collections_kind(method, _records(body), query)
    if rest.startswith("jobs/ingest/") and method == "PATCH":
        upload_complete = _json(body).get("state") == "UploadComplete"
        return "field_update" if upload_complete else None
    found = SALESFORCE_RECORD.match(rest)
    if found is None or method not in ("POST", "PATCH", "DELETE"):
        return None
    return _object_kind(method, found.group(1))


def _collections_kind(method: str, records: list[dict[str, Any]], query: str) -> str | None:
    if method == "DELETE":
        ids = ",".join(parse_qs(query).get("ids", [])).split(",")
        return _object_kind(method, PREFIX_OBJECT.get(ids[0][:3], "")) if ids[0] else None
    attributes = records[0].get("attributes") if records else None
    sobject = attributes.get("type") if isinstance(attributes, dict) else None
    return _object_kind(method, str(sobject)) if sobject else None


def _object_kind(method: str, sobject: str) -> str | None:
    if sobject == "Task":
        return {"POST": "task_create", "PATCH": "task_update"}.get(method)
    if sobject == "CampaignMember":
        return {"POST": "member_add", "DELETE": "member_remove"}.get(method)
    if sobject in PERSON_OBJECTS and method == "PATCH":
        return "field_update"
    return None


def _json(body: bytes | None) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _records(body: bytes | None) -> list[dict[str, Any]]:
    records = _json(body).get("records")
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
