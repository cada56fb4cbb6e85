"""Identity's answer written as changes: what the store holds, diffed against the answer.

:func:`read_stored` reads, once per cycle and before the write transaction, the persons,
each platform record's person link and every anchor row; :func:`save_changes` writes
only the differences: persons added, changed or gone, record links that moved,
placeholders for merged-away ids not stored yet, anchors that became (or stopped being)
current. A steady cycle (nothing changed on the platforms) writes none of these rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from connectors.base import RecordRef, RecordType
from sync.identity.resolve import IdentityResult
from sync.store.columns import read_arrow
from sync.store.mirror import _chunks, _upsert
from sync.store.schema import activities, person_anchors, persons, platform_records

# lead_status of the placeholder row stored for a merged-away id that no platform returns
ALIAS = "(merged away)"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# the persons columns identity writes and compares (updated_at is when it last changed)
COMPARED = (
    "person_key", "primary_record", "email", "first_name", "last_name", "company",
    "created_at", "email_opt_out", "hard_bounce", "do_not_call", "hubspot_score",
    "hubspot_owner_id", "salesforce_owner_id", "lifecycle_stage", "lead_status",
)  # fmt: skip

Ref = tuple[str, str]  # (record_type, record_id) as stored


def instant_us(value: datetime | None) -> int | None:
    return None if value is None else (value - _EPOCH) // timedelta(microseconds=1)


def _us_list(column: pa.ChunkedArray) -> list[int | None]:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = column.cast(pa.timestamp("us"))
    as_int: list[int | None] = column.cast(pa.timestamp("us")).cast(pa.int64()).to_pylist()
    return as_int


@dataclass(frozen=True)
class StoredIdentity:
    """What identity last wrote: persons by key (id, compared values), each stored record's
    person id, and every anchor row (current flag, ``seen_at`` in microseconds)."""

    persons: dict[str, tuple[int, tuple[Any, ...]]]
    links: dict[Ref, int | None]
    anchors: dict[tuple[str, str, str], tuple[bool, int]]

    def current_anchors(self) -> dict[RecordRef, str]:
        """Each record's person key as last resolved: the current anchor, or for a record
        that had none then (deleted, now restored) the one it was last seen under."""
        ordered = sorted(self.anchors.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0][2]))
        return {RecordRef(RecordType(t), i): anchor for (t, i, anchor), _ in ordered}


def read_stored(engine: Engine) -> StoredIdentity:
    """Reads persons, record links and anchors once, as columns (outside any transaction)."""
    people = read_arrow(engine, select(persons.c.id, *(persons.c[c] for c in COMPARED)))
    created = _us_list(people.column("created_at"))
    values = people.drop_columns(["id"]).to_pylist()
    stored_persons: dict[str, tuple[int, tuple[Any, ...]]] = {}
    for pid, row, us in zip(people.column("id").to_pylist(), values, created, strict=True):
        row["created_at"] = us
        stored_persons[row["person_key"]] = (pid, tuple(row[c] for c in COMPARED))
    r = platform_records
    links = read_arrow(engine, select(r.c.record_type, r.c.record_id, r.c.person_id))
    a = person_anchors
    anchors = read_arrow(
        engine, select(a.c.record_type, a.c.record_id, a.c.anchor, a.c.current, a.c.seen_at)
    )
    seen = _us_list(anchors.column("seen_at"))
    return StoredIdentity(
        persons=stored_persons,
        links=dict(
            zip(zip(*_lists(links, 2), strict=True), links.column(2).to_pylist(), strict=True)
        ),
        anchors={
            key: (bool(current), us or 0)
            for key, current, us in zip(
                zip(*_lists(anchors, 3), strict=True),
                anchors.column("current").to_pylist(),
                seen,
                strict=True,
            )
        },
    )


def _lists(table: pa.Table, n: int) -> list[list[Any]]:
    return [table.column(i).to_pylist() for i in range(n)]


def _compared(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(instant_us(row[c]) if c == "created_at" else row[c] for c in COMPARED)


@dataclass
class Written:
    """Rows identity wrote (inserted, updated or deleted), per table."""

    persons: int = 0
    links: int = 0
    anchors: int = 0
    activities: int = 0  # activity rows whose person id was set

    def total(self) -> int:
        return self.persons + self.links + self.anchors + self.activities


def save_persons(
    conn: Connection, stored: StoredIdentity, rows: list[dict[str, Any]], written: Written
) -> tuple[dict[str, int], list[int]]:
    """Inserts new persons, updates changed ones, deletes gone ones; returns (id by key,
    ids deleted)."""
    ids = {key: pid for key, (pid, _) in stored.persons.items()}
    new = [r for r in rows if r["person_key"] not in stored.persons]
    changed = [
        r
        for r in rows
        if r["person_key"] in stored.persons and stored.persons[r["person_key"]][1] != _compared(r)
    ]
    live = {r["person_key"] for r in rows}
    gone = [pid for key, (pid, _) in stored.persons.items() if key not in live]
    for chunk in _chunks({"id": pid} for pid in gone):
        conn.execute(delete(persons).where(persons.c.id.in_([r["id"] for r in chunk])))
    for chunk in _chunks(changed):
        _upsert(conn, persons, chunk, ["person_key"])
    for chunk in _chunks(new):
        returning = insert(persons).returning(persons.c.id, persons.c.person_key)
        returned = conn.execute(returning, chunk)
        ids.update({key: pid for pid, key in returned})
    written.persons += len(new) + len(changed) + len(gone)
    return {key: ids[key] for key in live}, gone


def save_links(
    conn: Connection,
    stored: StoredIdentity,
    result: IdentityResult,
    ids: Mapping[str, int],
    written: Written,
) -> tuple[int, int]:
    """Each record's person id where it moved, and a placeholder row for each merged-away id
    not stored yet; returns (links, aliases) as counted before."""
    want: dict[Ref, int | None] = dict.fromkeys(stored.links)
    placeholders = []
    for ref, key in result.person_of.items():
        pid = ids[key]
        t = (ref.record_type.value, ref.record_id)
        survivor = result.aliases.get(ref)
        if survivor is not None and t not in stored.links:
            placeholders.append({"record_type": t[0], "record_id": t[1], "person_id": pid,
                                 "deleted": True, "lead_status": ALIAS,
                                 "master_record_id": survivor.record_id})  # fmt: skip
        else:
            want[t] = pid
    for old, survivor in result.aliases.items():
        t = (old.record_type.value, old.record_id)
        if old not in result.person_of and t not in stored.links:
            placeholders.append({"record_type": t[0], "record_id": t[1], "person_id": None,
                                 "deleted": True, "lead_status": ALIAS,
                                 "master_record_id": survivor.record_id})  # fmt: skip
    moved: list[dict[str, Any]] = [
        {"t": t, "i": i, "p": pid}
        for (t, i), pid in want.items()
        if stored.links.get((t, i)) != pid
    ]
    r = platform_records
    relink = (
        update(r)
        .where(r.c.record_type == bindparam("t"), r.c.record_id == bindparam("i"))
        .values(person_id=bindparam("p"))
    )
    for chunk in _chunks(moved):
        conn.execute(relink, chunk)
    for chunk in _chunks(placeholders):
        _upsert(conn, platform_records, chunk, ["record_type", "record_id"])
    written.links += len(moved) + len(placeholders)
    # an activity's person id is NULL or its record's: rows of a record that had no person
    # are NULL, and the fill links them; only links that moved away from a person relink
    relinked = [m for m in moved if stored.links.get((m["t"], m["i"])) is not None]
    written.activities += _link_activities(conn, relinked)
    links = sum(1 for ref in result.person_of if ref not in result.aliases)
    return links, len(result.aliases)


def _link_activities(conn: Connection, moved: list[dict[str, Any]]) -> int:
    """Keeps each activity's ``person_id`` its record's: the activities of records whose
    link moved away from a person, then (one UPDATE ... FROM) the rows still NULL (read
    since the last resolution, or their record had no person) whose record has one.
    Returns the rows set."""
    a, r = activities, platform_records
    n = 0
    relink = (
        update(a)
        .where(a.c.record_type == bindparam("t"), a.c.record_id == bindparam("i"))
        .values(person_id=bindparam("p"))
    )
    for chunk in _chunks(moved):
        n += conn.execute(relink, chunk).rowcount
    fill = (  # UPDATE ... FROM: one join, on SQLite (3.33+) and PostgreSQL alike
        update(a)
        .where(
            a.c.person_id.is_(None),
            a.c.record_type != RecordType.EMAIL_ADDRESS.value,
            r.c.record_type == a.c.record_type,
            r.c.record_id == a.c.record_id,
            r.c.person_id.is_not(None),
        )
        .values(person_id=r.c.person_id)
    )
    return n + conn.execute(fill).rowcount


def save_anchors(
    conn: Connection, stored: StoredIdentity, result: IdentityResult, now: datetime,
    written: Written,
) -> None:  # fmt: skip
    """Marks each record's person key as its current anchor (``seen_at``: when it became
    current); anchors that stopped being current stay, not current."""
    want = {(ref.record_type.value, ref.record_id, key) for ref, key in result.person_of.items()}
    retire = [
        {"t": t, "i": i, "a": anchor}
        for (t, i, anchor), (current, _) in stored.anchors.items()
        if current and (t, i, anchor) not in want
    ]
    a = person_anchors
    off = (
        update(a)
        .where(a.c.record_type == bindparam("t"), a.c.record_id == bindparam("i"),
               a.c.anchor == bindparam("a"))
        .values(current=False)
    )  # fmt: skip
    for chunk in _chunks(retire):
        conn.execute(off, chunk)
    rows = [
        {"record_type": t, "record_id": i, "anchor": anchor, "current": True, "seen_at": now}
        for t, i, anchor in sorted(want)
        if not stored.anchors.get((t, i, anchor), (False, 0))[0]
    ]
    for chunk in _chunks(rows):
        _upsert(conn, person_anchors, chunk, ["record_type", "record_id", "anchor"])
    written.anchors += len(retire) + len(rows)
