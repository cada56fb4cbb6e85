"""Identity in the store: platform records in, persons and their links out.

The resolution itself is pure (:mod:`sync.identity.resolve`); this module feeds it the
stored records and writes its answer back: one ``persons`` row per person
(keyed by the stable person key), each platform record's ``person_id``, a
placeholder record row for every merged-away id (so that activities recorded
under the old id join the survivor's person), and the ambiguities for
``reengage report``. Persons whose records are all gone are deleted (their
states cascade); what reengage wrote for them on the platforms is keyed by
platform record in the journal, so the planner still removes it.

Person keys are anchors (:mod:`sync.identity.anchors`): ``person_anchors`` holds
every key each record (merged-away ids included) has been under, the current
one marked. Resolution reads the current ones, so a person keeps its key, its
store id and with them its episodes, holdout draw and task / alert keys across
conversions, new links and merges; the planner reads the others
(:func:`former_keys`) to see what was made under a merged-in person's key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine, and_, delete, func, or_, select, update

from connectors.base import ENGAGEMENT_KINDS, PlatformRecord, RecordRef, RecordType
from sync.identity.resolve import IdentityResult, Person, resolve_identities
from sync.store.columns import read_arrow
from sync.store.mirror import _chunks, _upsert
from sync.store.schema import (
    activities,
    identity_issues,
    person_anchors,
    persons,
    platform_records,
)

# lead_status of the placeholder row stored for a merged-away id that no platform returns
_ALIAS = "(merged away)"


@dataclass(frozen=True, slots=True)
class IdentityStats:
    persons: int
    records: int
    aliases: int
    removed: int
    ambiguities: int


def _record(row: dict[str, Any]) -> PlatformRecord:
    merged = row["merged_ids"]
    return PlatformRecord(
        ref=RecordRef(RecordType(row["record_type"]), row["record_id"]),
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        company=row["company"],
        owner_id=row["owner_id"],
        lifecycle_stage=row["lifecycle_stage"],
        lead_status=row["lead_status"],
        created_at=_aware(row["created_at"]),
        modified_at=_aware(row["modified_at"]),
        email_opt_out=bool(row["email_opt_out"]),
        hard_bounce=bool(row["hard_bounce"]),
        do_not_call=bool(row["do_not_call"]),
        score=row["score"],
        sf_lead_id=row["sf_lead_id"],
        sf_contact_id=row["sf_contact_id"],
        converted_contact_id=row["converted_contact_id"],
        merged_ids=tuple(merged.split(";")) if merged else (),
        master_record_id=row["master_record_id"],
        deleted=bool(row["deleted"]),
    )


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    instant: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def load_records(engine: Engine) -> Iterator[PlatformRecord]:
    """Every stored platform record (placeholders for merged-away ids excluded)."""
    cols = [c for c in platform_records.c if c.name not in ("id", "person_id")]
    status = platform_records.c.lead_status
    query = select(*cols).where(or_(status.is_(None), status != _ALIAS))
    table: pa.Table = read_arrow(engine, query)
    for batch in table.to_batches(max_chunksize=50_000):
        for row in batch.to_pylist():
            yield _record(row)


def last_activity(engine: Engine) -> dict[RecordRef, datetime]:
    """Each record's latest engagement, for the ambiguity rule."""
    codes = [k.code for k in ENGAGEMENT_KINDS]
    query = (
        select(activities.c.record_type, activities.c.record_id, func.max(activities.c.occurred_ms))
        .where(activities.c.kind.in_(codes), activities.c.deleted.is_(False))
        .group_by(activities.c.record_type, activities.c.record_id)
    )
    out: dict[RecordRef, datetime] = {}
    table = read_arrow(engine, query)
    types, ids, last = (table.column(i).to_pylist() for i in range(3))
    for rtype, rid, ms in zip(types, ids, last, strict=True):
        if rtype != RecordType.EMAIL_ADDRESS.value:
            out[RecordRef(RecordType(rtype), rid)] = datetime.fromtimestamp(ms / 1000, UTC)
    return out


def _person_row(person: Person, now: datetime) -> dict[str, Any]:
    return {
        "person_key": person.key,
        "primary_record": f"{person.primary.record_type.value}:{person.primary.record_id}",
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company": person.company,
        "created_at": person.created_at,
        "email_opt_out": person.email_opt_out,
        "hard_bounce": person.hard_bounce,
        "do_not_call": person.do_not_call,
        "hubspot_score": person.hubspot_score,
        "hubspot_owner_id": person.hubspot_owner_id,
        "salesforce_owner_id": person.salesforce_owner_id,
        "lifecycle_stage": person.lifecycle_stage,
        "lead_status": person.lead_status,
        "updated_at": now,
    }


def save_identity(conn: Connection, result: IdentityResult, now: datetime) -> IdentityStats:
    """Writes persons, record links, alias placeholders and ambiguities in one transaction."""
    for chunk in _chunks(_person_row(p, now) for p in result.persons):
        _upsert(conn, persons, chunk, ["person_key"])
    ids = dict(conn.execute(select(persons.c.person_key, persons.c.id)).all())
    live = {p.key for p in result.persons}
    gone = [pid for key, pid in ids.items() if key not in live]
    for chunk in _chunks({"id": pid} for pid in gone):
        conn.execute(delete(persons).where(persons.c.id.in_([r["id"] for r in chunk])))
    conn.execute(platform_records.update().values(person_id=None))
    links = [
        {"record_type": ref.record_type.value, "record_id": ref.record_id, "person_id": ids[key]}
        for ref, key in result.person_of.items()
        if ref not in result.aliases
    ]
    for chunk in _chunks(links):
        _upsert(conn, platform_records, chunk, ["record_type", "record_id"])
    _save_aliases(conn, result, ids)
    _save_anchors(conn, result, now)
    conn.execute(delete(identity_issues))
    issues = [
        {
            "kind": a.kind.value,
            "email": a.email,
            "records": [f"{r.record_type.value}:{r.record_id}" for r in a.records],
            "chosen": f"{a.chosen.record_type.value}:{a.chosen.record_id}" if a.chosen else None,
            "detail": a.detail,
            "detected_at": now,
        }
        for a in result.ambiguities
    ]
    if issues:
        conn.execute(identity_issues.insert(), issues)
    return IdentityStats(
        len(result.persons), len(links), len(result.aliases), len(gone), len(issues)
    )


def _save_aliases(conn: Connection, result: IdentityResult, ids: dict[str, int]) -> None:
    """Merged-away ids: their own rows if stored, else placeholders, linked to the survivor."""
    stored = {
        (t, i)
        for t, i in conn.execute(
            select(platform_records.c.record_type, platform_records.c.record_id)
        )
    }
    rows = []
    for old, survivor in result.aliases.items():
        key = result.person_of.get(old)
        row: dict[str, Any] = {
            "record_type": old.record_type.value,
            "record_id": old.record_id,
            "person_id": ids[key] if key else None,
        }
        if (old.record_type.value, old.record_id) not in stored:
            row.update(deleted=True, lead_status=_ALIAS, master_record_id=survivor.record_id)
            rows.append(row)
        else:
            _upsert(conn, platform_records, [row], ["record_type", "record_id"])
    for chunk in _chunks(rows):
        _upsert(conn, platform_records, chunk, ["record_type", "record_id"])


def load_anchors(conn: Connection) -> dict[RecordRef, str]:
    """Each record's person key as last resolved: the current anchor, or for a record that
    had none at the last resolution (deleted, now restored) the one it was last seen under."""
    a = person_anchors
    query = select(a.c.record_type, a.c.record_id, a.c.anchor).order_by(
        a.c.current, a.c.seen_at, a.c.anchor
    )
    return {RecordRef(RecordType(t), i): anchor for t, i, anchor in conn.execute(query)}


def _save_anchors(conn: Connection, result: IdentityResult, now: datetime) -> None:
    """Marks each record's person key as its current anchor; earlier ones stay, not current."""
    conn.execute(update(person_anchors).where(person_anchors.c.current).values(current=False))
    rows = (
        {"record_type": ref.record_type.value, "record_id": ref.record_id, "anchor": key,
         "current": True, "seen_at": now}
        for ref, key in result.person_of.items()
    )  # fmt: skip
    for chunk in _chunks(rows):
        _upsert(conn, person_anchors, chunk, ["record_type", "record_id", "anchor"])


def former_keys(conn: Connection) -> dict[str, tuple[str, ...]]:
    """Person key -> the other keys its records have been under (a merged-in person's):
    tasks, alerts and hand-off writes made under them count as made."""
    a, r, p = person_anchors, platform_records, persons
    query = (
        select(p.c.person_key, a.c.anchor)
        .distinct()
        .join(r, r.c.person_id == p.c.id)
        .join(a, and_(a.c.record_type == r.c.record_type, a.c.record_id == r.c.record_id))
        .where(a.c.anchor != p.c.person_key)
    )
    out: dict[str, list[str]] = {}
    for key, anchor in conn.execute(query):
        out.setdefault(key, []).append(anchor)
    return {key: tuple(sorted(anchors)) for key, anchors in out.items()}


def resolve_and_save(engine: Engine, now: datetime) -> IdentityStats:
    """Reads every stored record, resolves identities and stores the result."""
    with engine.connect() as conn:
        anchors = load_anchors(conn)
    result = resolve_identities(load_records(engine), last_activity(engine), anchors)
    with engine.begin() as conn:
        return save_identity(conn, result, now)
