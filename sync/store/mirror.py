"""Writes what the connectors read into the store: records, activities, deals, owners, cursors.

Every write is an upsert keyed by the platform's own id, so a page read twice
(the look-back overlap of increments, a resumed backfill) changes nothing the
second time. Rows go in chunks through one multi-row statement per chunk, not
one statement per row. A cursor is saved in the same transaction as the page it
follows, so that a crash can never move a cursor past data that was not stored.
A record read again only because reengage wrote to it (its own fields, a hand-off
value) is recognised and changes nothing stored (:func:`changed_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, and_, null, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from connectors.base import Activity, Cursor, Deal, Owner, PlatformRecord, Skip
from sync.store.forgotten import forgotten_filter
from sync.store.schema import (
    activities,
    applied_fields,
    cursors,
    deal_records,
    deals,
    owners,
    platform_records,
    skipped_records,
)

CHUNK = 2000


def _ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def _chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: list[str],
    kept: Mapping[str, Any] | None = None,
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, on SQLite and PostgreSQL alike; the columns
    of ``kept`` are set to its expressions on conflict instead of the new value."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    updates.update(kept or {})
    if updates:
        upsert = stmt.on_conflict_do_update(index_elements=keys, set_=updates)
    else:
        upsert = stmt.on_conflict_do_nothing(index_elements=keys)
    # executemany: compiled once (and cached), sent as batched multi-row statements
    conn.execute(upsert, list(rows))


def record_row(record: PlatformRecord) -> dict[str, Any]:
    return {
        "record_type": record.ref.record_type.value,
        "record_id": record.ref.record_id,
        "email": record.email,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "company": record.company,
        "owner_id": record.owner_id,
        "lifecycle_stage": record.lifecycle_stage,
        "lead_status": record.lead_status,
        "created_at": record.created_at,
        "modified_at": record.modified_at,
        "email_opt_out": record.email_opt_out,
        "hard_bounce": record.hard_bounce,
        "do_not_call": record.do_not_call,
        "score": record.score,
        "sf_lead_id": record.sf_lead_id,
        "sf_contact_id": record.sf_contact_id,
        "converted_contact_id": record.converted_contact_id,
        "merged_ids": ";".join(record.merged_ids) or None,
        "master_record_id": record.master_record_id,
        "deleted": record.deleted,
    }


def activity_row(activity: Activity) -> dict[str, Any]:
    return {
        "platform": activity.platform.value,
        "activity_id": activity.activity_id,
        "record_type": activity.record.record_type.value,
        "record_id": activity.record.record_id,
        "kind": activity.kind.code,
        "occurred_ms": _ms(activity.occurred_at),
        "detail": activity.detail[:500] if activity.detail else None,
        "is_mirror": activity.mirror_of is not None,
        "deleted": activity.deleted,
    }


def save_records(conn: Connection, records: Iterable[PlatformRecord]) -> int:
    """Upserts platform records (a person link, set by identity resolution, is kept).

    A record read again with nothing reengage stores changed but its modification
    stamp is left as stored (see :func:`changed_rows`); returns how many were read.
    Records whose email was forgotten (``reengage forget``) are read but not stored.
    """
    n = 0
    is_forgotten = forgotten_filter(conn)
    for chunk in _chunks(record_row(r) for r in records):
        n += len(chunk)
        if is_forgotten is not None:  # reengage forget: read, never kept
            chunk = [row for row in chunk if not is_forgotten(row["email"])]
        _upsert(conn, platform_records, changed_rows(conn, chunk), ["record_type", "record_id"])
    return n


def changed_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows to write: new ones, and stored ones with a change reengage did not make.

    Reengage's own writes (its fields; the hand-off values such as a lead status)
    move a record's modification stamp on both platforms, so the next increment
    reads the record again. Taking that as a change would move ``modified_at``,
    which identity resolution uses to pick the most recent of ambiguous
    candidates: a person could change because reengage wrote to them. So a row
    whose every other difference is a value reengage applied to that record
    (``applied_fields``) keeps its stored ``modified_at``, and a row with no
    difference at all is not written. ``modified_at`` thus says when someone
    else last changed what reengage reads.
    """
    if not rows:
        return []
    keys = ("record_type", "record_id")
    stored = {
        (r["record_type"], r["record_id"]): r
        for r in _by_key(conn, platform_records, rows, [c for c in rows[0] if c not in keys])
    }
    applied: dict[tuple[str, str], set[str]] = {}
    for r in _by_key(conn, applied_fields, rows, ["value"]):
        applied.setdefault((r["record_type"], r["record_id"]), set()).add(r["value"])
    out: list[dict[str, Any]] = []
    for row in rows:
        key = (row["record_type"], row["record_id"])
        old = stored.get(key)
        if old is None:
            out.append(row)
            continue
        moved = [k for k in row if k != "modified_at" and row[k] != old[k]]
        if not moved:
            continue
        ours = applied.get(key, set())
        if all(row[k] is not None and str(row[k]) in ours for k in moved):
            row = {**row, "modified_at": old["modified_at"]}
        out.append(row)
    return out


def _by_key(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], columns: list[str]
) -> Iterator[dict[str, Any]]:
    """Stored rows of ``table`` (its keys and ``columns``) for the rows' (type, id) keys."""
    ids: dict[str, list[str]] = {}
    for row in rows:
        ids.setdefault(row["record_type"], []).append(row["record_id"])
    for record_type, record_ids in ids.items():
        query = select(table.c.record_type, table.c.record_id, *(table.c[n] for n in columns))
        query = query.where(table.c.record_type == record_type, table.c.record_id.in_(record_ids))
        yield from (dict(hit) for hit in conn.execute(query).mappings())


def save_activities(conn: Connection, items: Iterable[Activity]) -> int:
    """Upserts activities. A deleted one also deletes those whose ids extend its id with
    ``:`` (a deleted HubSpot engagement ``calls:7`` ends ``calls:7:<contact>``)."""
    n = 0
    for chunk in _chunks(activity_row(a) for a in items):
        # a re-read row may name another record: identity links it again
        _upsert(conn, activities, chunk, ["platform", "activity_id"], {"person_id": null()})
        _delete_children(conn, [r for r in chunk if r["deleted"]])
        n += len(chunk)
    return n


def _delete_children(conn: Connection, deleted: list[dict[str, Any]]) -> None:
    for group in _chunks(deleted, 200):
        conn.execute(
            activities.update()
            .where(
                ~activities.c.deleted,
                or_(
                    *(
                        and_(
                            activities.c.platform == r["platform"],
                            activities.c.activity_id.startswith(
                                f"{r['activity_id']}:", autoescape=True
                            ),
                        )
                        for r in group
                    )
                ),
            )
            .values(deleted=True)
        )


def save_deals(conn: Connection, items: Iterable[Deal]) -> int:
    """Upserts deals and replaces each deal's set of linked records."""
    n = 0
    for batch in _batched(items):
        rows = [_deal_row(d) for d in batch]
        _upsert(conn, deals, rows, ["platform", "deal_id"])
        ids = dict(
            conn.execute(
                select(deals.c.deal_id, deals.c.id).where(
                    deals.c.platform == batch[0].platform.value,
                    deals.c.deal_id.in_([d.deal_id for d in batch]),
                )
            ).all()
        )
        conn.execute(deal_records.delete().where(deal_records.c.deal_pk.in_(list(ids.values()))))
        links = [
            {
                "deal_pk": ids[d.deal_id],
                "record_type": r.record_type.value,
                "record_id": r.record_id,
            }
            for d in batch
            for r in dict.fromkeys(d.records)
        ]
        if links:
            conn.execute(deal_records.insert(), links)
        n += len(batch)
    return n


def _batched(items: Iterable[Deal]) -> Iterator[list[Deal]]:
    """Chunks of deals of one platform each (the deal-id lookup is per platform)."""
    chunk: list[Deal] = []
    for deal in items:
        if chunk and (len(chunk) >= CHUNK or chunk[0].platform != deal.platform):
            yield chunk
            chunk = []
        chunk.append(deal)
    if chunk:
        yield chunk


def _deal_row(deal: Deal) -> dict[str, Any]:
    closed = None
    if deal.close_date is not None and deal.status.value != "open":
        closed = _ms(datetime(*deal.close_date.timetuple()[:3], tzinfo=UTC))
    return {
        "platform": deal.platform.value,
        "deal_id": deal.deal_id,
        "status": deal.status.value,
        "stage": deal.stage,
        "amount": deal.amount,
        "close_date": deal.close_date,
        "created_ms": _ms(deal.created_at),
        "closed_ms": closed,
        "loss_reason": deal.loss_reason,
        "deleted": deal.deleted,
    }


def save_owners(conn: Connection, items: Iterable[Owner]) -> int:
    rows = [
        {
            "platform": o.platform.value,
            "owner_id": o.owner_id,
            "name": o.name,
            "email": o.email,
            "active": o.active,
        }
        for o in items
    ]
    for chunk in _chunks(rows):
        _upsert(conn, owners, chunk, ["platform", "owner_id"])
    return len(rows)


def save_cursor(conn: Connection, platform: str, cursor: Cursor) -> None:
    row = {
        "platform": platform,
        "stream": cursor.stream,
        "value": dict(cursor.value),
        "updated_at": datetime.now(UTC),
    }
    _upsert(conn, cursors, [row], ["platform", "stream"])


def load_cursor(conn: Connection, platform: str, stream: str) -> Cursor | None:
    value = conn.execute(
        select(cursors.c.value).where(cursors.c.platform == platform, cursors.c.stream == stream)
    ).scalar_one_or_none()
    return None if value is None else Cursor(stream=stream, value=value)


def load_cursors(conn: Connection, platform: str) -> dict[str, Cursor]:
    """Every saved cursor of one platform, by stream name."""
    rows = conn.execute(
        select(cursors.c.stream, cursors.c.value).where(cursors.c.platform == platform)
    ).all()
    return {stream: Cursor(stream=stream, value=value) for stream, value in rows}


def save_skips(conn: Connection, skips: Sequence[Skip], now: datetime) -> int:
    """Stores the records a page left out for bad data (for ``reengage errors``): one row
    per record, its latest reason, when it was first and last skipped and how often."""
    rows = {
        (s.platform.value, s.object, s.record_id): {
            "platform": s.platform.value,
            "object": s.object,
            "record_id": s.record_id,
            "field": s.field,
            "kind": s.kind,
            "reason": s.reason,
            "first_seen": now,
            "last_seen": now,
            "times": 1,
        }
        for s in skips
    }
    kept = {
        "first_seen": skipped_records.c.first_seen,
        "times": skipped_records.c.times + 1,
    }
    _upsert(conn, skipped_records, list(rows.values()), ["platform", "object", "record_id"], kept)
    return len(rows)
