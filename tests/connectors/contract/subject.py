"""The subject interface (documented in the package docstring) and what the contract tests
share: draining pages as the engine does (each page's cursor kept with it) and an item's
identity across reads."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import pytest

from connectors.base import Activity, Connector, Cursor, Deal, Page, PlatformRecord, RecordRef

READS = ("read_records", "read_activities", "read_deals")
SINK = (
    "update_fields",
    "add_members",
    "remove_members",
    "find_tasks",
    "create_tasks",
    "check_setup",
    "apply_setup",
)
CAPABILITIES = READS + SINK


class Subject(Protocol):
    """One connector under test and its emulated world (see the package docstring)."""

    name: str
    capabilities: frozenset[str]
    rules: Any
    text_field: str
    empty_reads: frozenset[str]
    needs_setup: bool

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def connector(self) -> Connector: ...

    def served(self) -> int: ...

    def refuse_after(self, requests: int) -> None: ...

    def refuse_none(self) -> None: ...

    def live_records(self, count: int) -> list[RecordRef]: ...

    def absent_record(self) -> RecordRef: ...

    def delete(self, ref: RecordRef) -> None: ...

    def field_value(self, ref: RecordRef, field: str) -> Any: ...

    def members(self, list_name: str) -> set[str]: ...

    def tasks_with_key(self, key: str) -> list[str]: ...

    def writes(self) -> int: ...

    def setup_made(self) -> Counter[str]: ...


def require(subject: Subject, *capabilities: str) -> None:
    """Skips the test unless the subject declares every capability it needs."""
    lacking = [c for c in capabilities if c not in subject.capabilities]
    if lacking:
        pytest.skip(f"{subject.name} has no {', '.join(lacking)}")


def read(connector: Connector, method: str) -> Callable[[dict[str, Cursor]], Iterator[Page[Any]]]:
    """The connector's read method by name (``read_records``...)."""
    found: Callable[[dict[str, Cursor]], Iterator[Page[Any]]] = getattr(connector, method)
    return found


def identity(item: Any) -> Hashable:
    """What one item is, across reads: its record, its activity (per person) or its deal."""
    if isinstance(item, PlatformRecord):
        return ("record", item.ref, item.deleted)
    if isinstance(item, Activity):
        return ("activity", item.activity_id, item.kind, item.record, item.deleted)
    if isinstance(item, Deal):
        return ("deal", item.deal_id, item.deleted)
    raise TypeError(f"not a contract item: {item!r}")


@dataclass
class Drained:
    """Items read per stream (in the order read), the last cursor of each, pages counted
    (``filled``: those with items), and every page's cursor in the order read."""

    items: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    cursors: dict[str, Cursor] = field(default_factory=dict)
    pages: Counter[str] = field(default_factory=Counter)
    filled: int = 0
    every_cursor: list[Cursor] = field(default_factory=list)

    def all(self) -> list[Any]:
        return [item for items in self.items.values() for item in items]

    def seen(self) -> Counter[Hashable]:
        return Counter(identity(item) for item in self.all())


def drain(pages: Iterator[Page[Any]], into: Drained | None = None) -> Drained:
    """Reads every page, keeping each page's cursor as the engine would (with the page).

    Stops where the connector stops: a ``StopRun`` propagates with ``into`` holding every
    page read before it.
    """
    out = into if into is not None else Drained()
    for page in pages:
        out.items[page.cursor.stream].extend(page.items)
        out.cursors[page.cursor.stream] = page.cursor
        out.pages[page.cursor.stream] += 1
        out.every_cursor.append(page.cursor)
        out.filled += bool(page.items)
    return out
