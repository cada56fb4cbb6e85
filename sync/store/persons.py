"""Identity in the store: platform records in, persons and their links out.

The resolution itself is pure (:mod:`sync.identity.resolve`); this module feeds it the
stored records and writes its answer back: one ``persons`` row per person
(keyed by the stable person key), each platform record's ``person_id``, a
placeholder record row for every merged-away id (so that activities recorded
under the old id join the survivor's person), and the ambiguities for
``reengage report``. Persons whose records are all gone are deleted (their
states cascade); what reengage wrote for them on the platforms is keyed by
platform record in the journal, so the planner still removes it.

Only what changed is written (:mod:`sync.store.identity_writes`): the persons, the
links and the anchors are read once per cycle, diffed against the resolution, and a
steady cycle writes none of them. The persons as they now stand are handed on as columns
(:mod:`sync.store.people`) to classification and planning, which do not read
``persons`` again.

Person keys are anchors (:mod:`sync.identity.anchors`): ``person_anchors`` holds
every key each record (merged-away ids included) has been under, the current
one marked. Resolution reads the current ones, so a person keeps its key, its
store id and with them its episodes, holdout draw and task / alert keys across
conversions, new links and merges; the planner reads the others
(:func:`former_keys`) to see what was made under a merged-in person's key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine, and_, delete, func, or_, select

from connectors.base import ENGAGEMENT_KINDS, PlatformRecord, RecordRef, RecordType
from sync.identity.resolve import IdentityResult, Person, resolve_identities
from sync.store.columns import read_arrow
from sync.store.identity_writes import (
    ALIAS,
    StoredIdentity,
    Written,
    read_stored,
    save_anchors,
    save_links,
    save_persons,
)
from sync.store.people import people_table
from sync.store.schema import (
    activities,
    identity_issues,
    person_anchors,
    platform_records,
)


@dataclass(frozen=True, slots=True)
class IdentityStats:
    persons: int
    records: int
    aliases: int
    removed: int
    ambiguities: int
    written: int = 0  # rows of persons, record links and anchors written (changes only)


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
    query = select(*cols).where(or_(status.is_(None), status != ALIAS))
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


def save_identity(
    conn: Connection, stored: StoredIdentity, result: IdentityResult, now: datetime
) -> tuple[IdentityStats, pa.Table]:
    """Writes what changed of persons, record links, alias placeholders and anchors, and the
    ambiguities, in one transaction; returns the stats and the persons as columns."""
    written = Written()
    rows = [_person_row(p, now) for p in result.persons]
    ids, gone = save_persons(conn, stored, rows, written)
    links, aliases = save_links(conn, stored, result, ids, written)
    save_anchors(conn, stored, result, now, written)
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
    stats = IdentityStats(len(rows), links, aliases, len(gone), len(issues), written.total())
    return stats, people_table([ids[r["person_key"]] for r in rows], rows)


def former_keys(conn: Connection, key_of: Mapping[int, str]) -> dict[str, tuple[str, ...]]:
    """Person key -> the other keys its records have been under (a merged-in person's):
    tasks, alerts and hand-off writes made under them count as made. ``key_of``: each
    person id's key (the cycle's persons, so that ``persons`` is not read again)."""
    a, r = person_anchors, platform_records
    query = (
        select(r.c.person_id, a.c.anchor)
        .distinct()
        .join(a, and_(a.c.record_type == r.c.record_type, a.c.record_id == r.c.record_id))
        .where(r.c.person_id.is_not(None))
    )
    out: dict[str, set[str]] = {}
    for pid, anchor in conn.execute(query):
        key = key_of.get(pid)
        if key is not None and anchor != key:
            out.setdefault(key, set()).add(anchor)
    return {key: tuple(sorted(anchors)) for key, anchors in out.items()}


def resolve_people(engine: Engine, now: datetime) -> tuple[IdentityStats, pa.Table]:
    """Reads every stored record and what identity last wrote, resolves identities, stores
    what changed; returns the stats and the persons as the cycle's columns
    (:mod:`sync.store.people`)."""
    stored = read_stored(engine)
    result = resolve_identities(load_records(engine), last_activity(engine),
                                stored.current_anchors())  # fmt: skip
    with engine.begin() as conn:
        return save_identity(conn, stored, result, now)


def resolve_and_save(engine: Engine, now: datetime) -> IdentityStats:
    """Reads every stored record, resolves identities and stores the result."""
    return resolve_people(engine, now)[0]
