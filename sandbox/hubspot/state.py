"""The emulated portal's memory, shared by the HTTP routes and by the tests that read it back.

Everything sits behind one re-entrant lock: uvicorn serves in its own thread
while a test or a benchmark reads ``state``. Readers call the methods here (or
take ``state.lock`` themselves) rather than walking the dicts while the server
writes.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.hubspot.catalog import (
    OBJECT_TYPES,
    STANDARD_GROUPS,
    PropertySpec,
    standard_properties,
)
from sandbox.hubspot.events import EmailEventLog, TimelineEventLog
from sandbox.hubspot.table import ObjectTable
from sandbox.seed import HubSpotAssociation, HubSpotObject, HubSpotOwner, HubSpotSeed

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as served: method, path with query string, and the start of its body.

    Tests count requests per stream from this log (an unchanged increment must make at most
    one request per stream), which the per-endpoint counts cannot tell apart.
    """

    method: str
    path: str
    body: str

    @property
    def object_type(self) -> str | None:
        """The ``{objectType}`` of a ``/crm/v3/objects/...`` path, else None."""
        parts = self.path.split("?")[0].strip("/").split("/")
        return parts[3] if parts[:3] == ["crm", "v3", "objects"] and len(parts) > 3 else None


@dataclass
class PropertyDef:
    """A property definition plus when it was created (the Properties API reports both)."""

    spec: PropertySpec
    created_at: datetime


@dataclass
class PropertyGroupDef:
    name: str
    label: str
    display_order: int = -1


@dataclass
class ListDef:
    """A Lists v3 list; ``members`` maps record ID to when it joined."""

    list_id: str
    name: str
    object_type_id: str
    processing_type: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    members: dict[str, datetime] = field(default_factory=dict)

    def sorted_member_ids(self) -> list[int]:
        return sorted(int(m) for m in self.members)


class HubSpotState:
    """Objects, associations, properties, lists, owners, events and request counts."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.tables: dict[str, ObjectTable] = {t: ObjectTable(t) for t in OBJECT_TYPES}
        self.merged: dict[str, str] = {}
        self.associations: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.properties: dict[str, dict[str, PropertyDef]] = {}
        self.groups: dict[str, dict[str, PropertyGroupDef]] = {}
        self.lists: dict[str, ListDef] = {}
        self.owners: list[HubSpotOwner] = []
        self.owners_created_at = clock()
        self.email_events = EmailEventLog()
        self.timeline_events = TimelineEventLog()
        self.request_counts: Counter[str] = Counter()
        self.rate_limited: Counter[str] = Counter()
        self.request_log: list[LoggedRequest] = []
        # Search sees a record only ``index_delay_ms`` after its last modification (the docs:
        # "It may take a few moments for newly created or updated CRM objects to appear").
        self.index_delay_ms = 0
        # Called (outside the lock) after each search answer with the object type: lets a
        # test change records between two pages of one read.
        self.after_search: Callable[[str], None] | None = None
        self._ids = itertools.count(1)
        self._list_ids = itertools.count(1)
        self._install_standard_properties()

    # ----- loading -------------------------------------------------------------------------

    def _install_standard_properties(self) -> None:
        now = self.clock()
        for type_name, specs in standard_properties().items():
            self.properties[type_name] = {s.name: PropertyDef(s, now) for s in specs}
        for type_name, names in STANDARD_GROUPS.items():
            self.groups[type_name] = {n: PropertyGroupDef(n, n.title()) for n in names}

    def load_seed(self, seed: HubSpotSeed) -> None:
        """Loads a dataset. The state keeps the seed's objects (no copy) and reads their IDs
        to continue numbering after the largest one."""
        with self.lock:
            top = 0
            for type_name, objects in seed.objects.items():
                table = self.tables.setdefault(type_name, ObjectTable(type_name))
                table.load(objects)
                if table.live_ids or table.archived_ids:
                    top = max(
                        top, *(ids[-1] for ids in (table.live_ids, table.archived_ids) if ids)
                    )
                self._register_seen_properties(type_name, objects)
            self._ids = itertools.count(max(top + 1, next(self._ids)))
            self.add_associations(seed.associations)
            self.email_events.load(seed.email_events)
            self.timeline_events.load(seed.timeline_events)
            self.owners.extend(seed.owners)
            self.merged.update(seed.merged)

    def _register_seen_properties(self, type_name: str, objects: list[HubSpotObject]) -> None:
        """Defines, as strings, any property the seed uses that the catalogue lacks, so that
        reads and writes of it are not refused as unknown."""
        seen: set[str] = set()
        for obj in objects:
            seen.update(obj.properties)
        known = self.properties.setdefault(type_name, {})
        group = STANDARD_GROUPS.get(type_name, ("default",))[0]
        for name in seen - known.keys():
            known[name] = PropertyDef(PropertySpec(name, "string", "text", group), self.clock())

    def add_associations(self, links: Iterable[HubSpotAssociation]) -> None:
        with self.lock:
            for link in links:
                self.associate(link.from_type, link.from_id, link.to_type, link.to_id)

    # ----- objects -------------------------------------------------------------------------

    def table(self, type_name: str) -> ObjectTable:
        return self.tables[type_name]

    def next_id(self) -> str:
        return str(next(self._ids))

    def restart_ids(self, first: Callable[[int], tuple[int, int]]) -> None:
        """Numbers new records and lists from ``first(largest record id so far)``."""
        with self.lock:
            top = next(self._ids) - 1
            record, list_id = first(top)
            self._ids = itertools.count(max(record, top + 1))
            self._list_ids = itertools.count(max(list_id, next(self._list_ids)))

    def next_list_id(self) -> str:
        return str(next(self._list_ids))

    def get_object(self, type_name: str, record_id: str) -> HubSpotObject | None:
        """A record by type and ID, archived or not (read-back for tests)."""
        with self.lock:
            return self.tables[type_name].records.get(record_id)

    def objects(self, type_name: str, *, archived: bool | None = None) -> list[HubSpotObject]:
        """All records of a type; ``archived`` True / False keeps only those, None keeps all."""
        with self.lock:
            records = self.tables[type_name].records.values()
            return [o for o in records if archived is None or o.archived == archived]

    def resolve_merged(self, record_id: str) -> str:
        """The ID a merged-away contact now lives under (follows chains of merges)."""
        seen = 0
        while record_id in self.merged and seen < 100:
            record_id = self.merged[record_id]
            seen += 1
        return record_id

    # ----- associations --------------------------------------------------------------------

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> bool:
        """Links two records both ways; False if they were linked already."""
        with self.lock:
            forward = self.associations.setdefault((from_type, to_type), {}).setdefault(from_id, [])
            if to_id in forward:
                return False
            forward.append(to_id)
            back = self.associations.setdefault((to_type, from_type), {}).setdefault(to_id, [])
            back.append(from_id)
            return True

    def associated(self, from_type: str, from_id: str, to_type: str) -> list[str]:
        with self.lock:
            return list(self.associations.get((from_type, to_type), {}).get(from_id, ()))

    # ----- lists, properties, counts -------------------------------------------------------

    def list_by_name(self, name: str) -> ListDef | None:
        """A list by name, case-insensitively as HubSpot matches names."""
        with self.lock:
            wanted = name.casefold()
            return next((lst for lst in self.lists.values() if lst.name.casefold() == wanted), None)

    def list_members(self, name: str) -> set[str]:
        with self.lock:
            found = self.list_by_name(name)
            return set(found.members) if found else set()

    def property_def(self, type_name: str, name: str) -> PropertyDef | None:
        with self.lock:
            return self.properties.get(type_name, {}).get(name)

    def count_request(self, key: str, logged: LoggedRequest | None = None) -> None:
        with self.lock:
            self.request_counts[key] += 1
            if logged is not None:
                self.request_log.append(logged)

    def write_requests(self) -> Counter[str]:
        """Request counts of every non-GET route (what a second, unchanged run must not do)."""
        with self.lock:
            return Counter(
                {k: n for k, n in self.request_counts.items() if not k.startswith("GET ")}
            )

    def reset_counts(self) -> None:
        with self.lock:
            self.request_counts.clear()
            self.rate_limited.clear()
            self.request_log.clear()
