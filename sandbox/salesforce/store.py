"""One sObject type's records in memory, with a sorted index on ``SystemModstamp``.

Incremental readers page with ``WHERE SystemModstamp > X ORDER BY SystemModstamp, Id
LIMIT n``; on half a million Tasks a full scan and sort per page would be far slower
than Salesforce, so the table keeps ``(SystemModstamp, Id)`` keys in a sorted list and
answers such pages from a bisected slice of it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sandbox.salesforce.ids import IdMinter
from sandbox.salesforce.schema import ObjectDef

INDEXED_FIELD = "SystemModstamp"
_MIN_ID = ""
_MAX_ID = "\uffff"

Record = dict[str, Any]


class Table:
    """Records of one object type by 18-character id, deleted ones included."""

    def __init__(self, definition: ObjectDef) -> None:
        self.definition = definition
        self.records: dict[str, Record] = {}
        self._index: list[tuple[datetime, str]] = []
        self.minter = IdMinter(definition.key_prefix)

    def __len__(self) -> int:
        return len(self.records)

    def load(self, records: Iterable[Record]) -> None:
        """Adds seed records (copied), then rebuilds the index in one sort."""
        store = self.records
        for source in records:
            record = dict(source)
            record.setdefault("IsDeleted", False)
            record.setdefault("LastModifiedDate", record.get("SystemModstamp"))
            store[record["Id"]] = record
        _normalise_naive_datetimes(store.values())
        _dates_as_days(self.definition, store.values())
        if self.definition.field("Name") is not None and self.definition.field("LastName"):
            _fill_names(store.values())
        self._index = sorted((r[INDEXED_FIELD], r["Id"]) for r in store.values())

    def insert(self, record: Record) -> None:
        self.records[record["Id"]] = record
        bisect.insort(self._index, (record[INDEXED_FIELD], record["Id"]))

    def restamp(self, record: Record, stamp: datetime) -> None:
        """Moves a record to a new ``SystemModstamp`` (and ``LastModifiedDate``)."""
        old = (record[INDEXED_FIELD], record["Id"])
        position = bisect.bisect_left(self._index, old)
        if position < len(self._index) and self._index[position] == old:
            del self._index[position]
        record[INDEXED_FIELD] = stamp
        record["LastModifiedDate"] = stamp
        bisect.insort(self._index, (stamp, record["Id"]))

    def scan_stamp(
        self,
        low: tuple[datetime, bool] | None,
        high: tuple[datetime, bool] | None,
        descending: bool,
    ) -> Iterator[Record]:
        """Records in ``(SystemModstamp, Id)`` order within optional bounds.

        Args:
            low: lower bound and whether it is inclusive.
            high: upper bound and whether it is inclusive.
            descending: walk from the newest.
        """
        start, end = 0, len(self._index)
        if low is not None:
            key = (low[0], _MIN_ID if low[1] else _MAX_ID)
            start = bisect.bisect_left(self._index, key)
        if high is not None:
            key = (high[0], _MAX_ID if high[1] else _MIN_ID)
            end = bisect.bisect_left(self._index, key)
        positions = range(end - 1, start - 1, -1) if descending else range(start, end)
        index, records = self._index, self.records
        for position in positions:
            yield records[index[position][1]]


def _fill_names(records: Iterable[Record]) -> None:
    """Person objects' ``Name`` is computed by Salesforce; seeds may leave it out."""
    for record in records:
        if record.get("Name") is None:
            parts = (record.get("FirstName"), record.get("LastName"))
            record["Name"] = " ".join(p for p in parts if p) or None


def _dates_as_days(definition: ObjectDef, records: Iterable[Record]) -> None:
    """A date field holds a day (answered ``yyyy-MM-dd``); a seed's datetime there is
    taken as its UTC day, the midnight-UTC timestamp Salesforce gives date fields."""
    names = [f.name for f in definition.fields.values() if f.type == "date"]
    for record in records if names else ():
        for name in names:
            value = record.get(name)
            if isinstance(value, datetime):
                record[name] = value.astimezone(UTC).date()


def _normalise_naive_datetimes(records: Iterable[Record]) -> None:
    """Seeds are meant to hold aware UTC datetimes; naive ones are taken as UTC.

    Only the first record is inspected, so that a million aware records cost nothing.
    """
    iterator = iter(records)
    first = next(iterator, None)
    if first is None:
        return
    naive = [k for k, v in first.items() if isinstance(v, datetime) and v.tzinfo is None]
    if not naive:
        return
    for record in (first, *iterator):
        for key in naive:
            value = record.get(key)
            if isinstance(value, datetime) and value.tzinfo is None:
                record[key] = value.replace(tzinfo=UTC)
