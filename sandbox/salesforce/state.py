"""Everything the emulated org holds: records, the delete log, sessions, budget, counters.

Tests and benchmarks read it back (records by object and id, deleted ones included,
and how many requests of each route were served). The served app mutates it from the
server's event loop; :attr:`SalesforceState.lock` guards changes made from elsewhere.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.salesforce.derived import MemberIndex
from sandbox.salesforce.ids import to18
from sandbox.salesforce.limits import ApiBudget
from sandbox.salesforce.schema import Schema
from sandbox.salesforce.store import Record, Table
from sandbox.stranger_shape import PLAIN, Shape

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def utc_now() -> datetime:
    """The real clock, to the millisecond (Salesforce keeps no finer time)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass
class Knobs:
    """Salesforce-only behaviour switches, mutable per run.

    Attributes:
        session_expires_after: requests a session serves before 401 INVALID_SESSION_ID.
        lock_row_rate: share of records in collection / bulk writes failing UNABLE_TO_LOCK_ROW.
        can_customize: False makes Tooling API field creation answer 403 INSUFFICIENT_ACCESS.
        bulk_polls_to_complete: status polls a Bulk 2.0 job answers before JobComplete.
    """

    session_expires_after: int | None = None
    lock_row_rate: float = 0.0
    can_customize: bool = True
    bulk_polls_to_complete: int = 1
    seed: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)


@dataclass(frozen=True)
class Credentials:
    """What the OAuth endpoint accepts."""

    client_id: str
    client_secret: str
    username: str
    password: str


@dataclass
class Session:
    token: str
    user_id: str
    requests: int = 0
    expired: bool = False


class SalesforceState:
    """The org: schema, tables, delete log, sessions, budget and request counts."""

    def __init__(self, *, schema: Schema, budget: ApiBudget, credentials: Credentials) -> None:
        self.schema = schema
        self.budget = budget
        self.credentials = credentials
        self.knobs = Knobs()
        self.lock = threading.RLock()
        self.tables: dict[str, Table] = {o.name: Table(o) for o in schema.objects.values()}
        self.deleted_log: dict[str, datetime] = {}
        self.members = MemberIndex()
        self.cursors: dict[str, Any] = {}  # query locator -> soql_paging.Cursor
        self.jobs: dict[str, Any] = {}  # Bulk 2.0 job id -> bulk job
        self.sessions: dict[str, Session] = {}
        self.request_counts: Counter[tuple[str, str]] = Counter()
        self.write_counts: Counter[tuple[str, str]] = Counter()
        self.clock: Callable[[], datetime] = utc_now
        self.org_id = "00DEM0000000001" + "EAA"
        self.shape: Shape = PLAIN  # page sizes, key and row order (stranger mode)
        self.user_id = ""

    # -- reading back -------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock()

    def table(self, object_name: str) -> Table:
        """The table of an object (any case); KeyError for an unknown object."""
        definition = self.schema.get(object_name)
        if definition is None:
            raise KeyError(object_name)
        if definition.name not in self.tables:
            self.tables[definition.name] = Table(definition)
        return self.tables[definition.name]

    def record(self, object_name: str, record_id: str) -> Record | None:
        """A record by object and 15- or 18-character id, deleted ones included."""
        full = to18(record_id)
        return self.table(object_name).records.get(full or record_id) if full else None

    def records(self, object_name: str, *, include_deleted: bool = False) -> list[Record]:
        rows = self.table(object_name).records.values()
        return [r for r in rows if include_deleted or not r.get("IsDeleted")]

    def find(self, record_id: str) -> Record | None:
        """Any record by id, its object found from the key prefix."""
        full = to18(record_id) if record_id else None
        definition = self.schema.by_prefix(record_id) if full else None
        if definition is None or full is None:
            return None
        return self.table(definition.name).records.get(full)

    def write_requests(self) -> int:
        """How many requests that can change records were served (all write routes)."""
        return sum(self.write_counts.values())

    def reset_counts(self) -> None:
        self.request_counts.clear()
        self.write_counts.clear()

    # -- sessions -----------------------------------------------------------------------------
    def issue_session(self, user_id: str | None = None) -> str:
        """A new access token for a user (the integration user by default)."""
        token = f"{self.org_id[:15]}!{secrets.token_urlsafe(48)}"
        self.sessions[token] = Session(token, user_id or self.user_id)
        return token

    def count(self, method: str, template: str, *, write: bool) -> None:
        self.request_counts[(method, template)] += 1
        if write:
            self.write_counts[(method, template)] += 1

    def expire_sessions(self) -> None:
        """Makes every issued token answer 401 from now on."""
        for session in self.sessions.values():
            session.expired = True

    def describe_counts(self) -> dict[str, Any]:
        return {f"{m} {t}": n for (m, t), n in sorted(self.request_counts.items())}
