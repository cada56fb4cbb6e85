"""One object type's records with the sorted indexes that keep paging and search fast.

HubSpot pages lists by record ID and reengage searches by modification time;
scanning and sorting half a million engagements per request would take seconds,
so each table keeps, for its live (not archived) records, the IDs in ascending
order and ``(modified_ms, id)`` pairs in ascending order. Both are plain Python
lists kept sorted with :mod:`bisect` (writes mostly land at the end, since a
write makes the record the most recently modified). Record IDs are numeric
strings, as HubSpot's are.

Not thread-safe on its own: :class:`~sandbox.hubspot.state.HubSpotState`
holds the lock around every call.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sandbox.hubspot.catalog import creation_property, modification_property
from sandbox.hubspot.wire import iso, parse_ms, to_ms
from sandbox.seed import HubSpotObject


class ObjectTable:
    """The records of one object type (``contacts``, ``tasks``...)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.mod_property = modification_property(type_name)
        self.records: dict[str, HubSpotObject] = {}
        self.archived_at: dict[str, datetime] = {}
        self.live_ids: list[int] = []
        self.archived_ids: list[int] = []
        self.by_mod: list[tuple[int, int]] = []
        self._mod_of: dict[int, int] = {}
        self._value_index: dict[str, dict[str, set[str]]] = {}

    def __len__(self) -> int:
        return len(self.records)

    def load(self, objects: Iterable[HubSpotObject]) -> None:
        """Adds many records at once and sorts the indexes once (the seed path).

        The table keeps the given objects (no copy): the seed hands them over.
        """
        mod_prop = self.mod_property
        created_prop = creation_property(self.type_name)
        for obj in objects:
            if not obj.properties.get(created_prop):
                obj.properties[created_prop] = iso(obj.created_at)
            self.records[obj.id] = obj
            key = int(obj.id)
            if obj.archived:
                self.archived_ids.append(key)
                self.archived_at[obj.id] = obj.updated_at
                continue
            raw = obj.properties.get(mod_prop)
            mod = parse_ms(raw) if raw else None
            if mod is None:
                mod = to_ms(obj.updated_at)
                obj.properties[mod_prop] = iso(obj.updated_at)
            self.live_ids.append(key)
            self.by_mod.append((mod, key))
            self._mod_of[key] = mod
        self.live_ids.sort()
        self.archived_ids.sort()
        self.by_mod.sort()

    def get(self, record_id: str, *, archived: bool = False) -> HubSpotObject | None:
        """The record if it exists and its archived flag matches ``archived``."""
        obj = self.records.get(record_id)
        if obj is None or obj.archived != archived:
            return None
        return obj

    def insert(self, obj: HubSpotObject) -> None:
        self.records[obj.id] = obj
        for name, index in self._value_index.items():
            found = obj.properties.get(name)
            if found:
                index.setdefault(found.casefold(), set()).add(obj.id)
        key = int(obj.id)
        insort(self.live_ids, key)
        mod = to_ms(obj.updated_at)
        insort(self.by_mod, (mod, key))
        self._mod_of[key] = mod

    def set_values(self, obj: HubSpotObject, values: dict[str, str]) -> None:
        """Writes property values, keeping any equality index on them current."""
        for name, value in values.items():
            index = self._value_index.get(name)
            if index is not None:
                old = obj.properties.get(name)
                if old:
                    index.get(old.casefold(), set()).discard(obj.id)
                if value:
                    index.setdefault(value.casefold(), set()).add(obj.id)
            obj.properties[name] = value

    def ids_with_value(self, name: str, value: str) -> set[str]:
        """IDs of records whose ``name`` equals ``value`` (case-insensitively), through an
        index built on first use: reengage finds its own tasks by an idempotency key."""
        index = self._value_index.get(name)
        if index is None:
            index = {}
            for obj in self.records.values():
                found = obj.properties.get(name)
                if found:
                    index.setdefault(found.casefold(), set()).add(obj.id)
            self._value_index[name] = index
        return set(index.get(value.casefold(), ()))

    def touch(self, obj: HubSpotObject, now: datetime) -> None:
        """Marks a live record modified at ``now`` (a write bumps the modification date)."""
        key = int(obj.id)
        self._drop_mod(key)
        obj.updated_at = now
        obj.properties[self.mod_property] = iso(now)
        mod = to_ms(now)
        insort(self.by_mod, (mod, key))
        self._mod_of[key] = mod

    def archive(self, obj: HubSpotObject, now: datetime) -> None:
        key = int(obj.id)
        self._drop_mod(key)
        self._remove(self.live_ids, key)
        insort(self.archived_ids, key)
        obj.archived = True
        self.archived_at[obj.id] = now

    def modified_ms(self, record_id: str) -> int | None:
        return self._mod_of.get(int(record_id))

    def _drop_mod(self, key: int) -> None:
        old = self._mod_of.pop(key, None)
        if old is not None:
            self._remove(self.by_mod, (old, key))

    @staticmethod
    def _remove(items: list[Any], item: Any) -> None:
        index = bisect_left(items, item)
        if index < len(items) and items[index] == item:
            del items[index]
