"""What the planner needs from the store, read (never computed) for a list of persons.

Persons' records, and their consent flags and emails (as columns, from the cycle's persons
that identity read once: ``persons`` is not read here); the applied state from the
journal (one-off writes matched under the person's key and the keys its records had
before: :func:`sync.store.persons.former_keys`); owners, and tasks given today.
Records that cannot be written are left out: deleted ones, merged-away placeholders,
and converted leads (Salesforce makes a converted lead read-only; its contact carries
the person). ``forgotten`` lists the persons erased by ``reengage forget`` whose records
a later read brought back (their email, or a record's, hashes to a forgotten one):
:mod:`sync.planning` takes everything away from them (:mod:`sync.store.forgotten`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, and_, select

from connectors.base import Platform, RecordRef, RecordType
from sync.plan.inputs import PersonRecord
from sync.store.forgotten import forgotten_filter
from sync.store.journal import AppliedState, load_applied
from sync.store.persons import former_keys
from sync.store.schema import operations, owners, platform_records


def _records(conn: Connection, index_of: dict[int, int], n: int) -> list[tuple[PersonRecord, ...]]:
    r = platform_records
    query = select(r.c.person_id, r.c.record_type, r.c.record_id, r.c.owner_id).where(
        r.c.person_id.is_not(None), ~r.c.deleted, r.c.converted_contact_id.is_(None)
    )
    out: list[list[PersonRecord]] = [[] for _ in range(n)]
    for pid, rtype, rid, owner in conn.execute(query):
        i = index_of.get(pid)
        if i is not None:
            out[i].append(PersonRecord(RecordRef(RecordType(rtype), rid), owner))
    return [tuple(sorted(recs, key=lambda p: (p.ref.record_type, p.ref.record_id))) for recs in out]


def _person_columns(people: pa.Table) -> dict[str, Any]:
    """Emails and consent flags from the cycle's persons (:mod:`sync.store.people`)."""
    return {
        "emails": people.column("email").to_pylist(),
        **{
            name: np.asarray(people.column(name).to_numpy(zero_copy_only=False), dtype=bool)
            for name in ("email_opt_out", "hard_bounce", "do_not_call")
        },
    }


def _owners_active(conn: Connection) -> dict[tuple[Platform, str], bool]:
    return {
        (Platform(p), oid): bool(active)
        for p, oid, active in conn.execute(
            select(owners.c.platform, owners.c.owner_id, owners.c.active)
        )
    }


def tasks_today(conn: Connection, as_of: datetime, zone: str) -> dict[tuple[Platform, str], int]:
    """Tasks reengage gave each owner on T's business date (for the per-owner cap)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(as_of.astimezone(tz).date(), datetime.min.time(), tz)
    counts: dict[tuple[Platform, str], int] = defaultdict(int)
    rows = conn.execute(
        select(operations.c.platform, operations.c.payload).where(
            and_(
                operations.c.op == "create_task",
                operations.c.status == "applied",
                operations.c.updated_at >= start,
                operations.c.updated_at < start + timedelta(days=1),
            )
        )
    )
    for platform, payload in rows:
        owner = (payload or {}).get("owner_id")
        if owner:
            counts[(Platform(platform), owner)] += 1
    return dict(counts)


def _forgotten(conn: Connection, index_of: dict[int, int], emails: list[str | None]) -> list[int]:
    """Indexes of persons whose email, or any of whose records' email, was forgotten."""
    is_forgotten: Callable[[str | None], bool] | None = forgotten_filter(conn)
    if is_forgotten is None:
        return []
    hit = {i for i, email in enumerate(emails) if is_forgotten(email)}
    r = platform_records
    rows = conn.execute(select(r.c.person_id, r.c.email).where(r.c.person_id.is_not(None)))
    hit.update(index_of[pid] for pid, email in rows if pid in index_of and is_forgotten(email))
    return sorted(hit)


def _keys(people: pa.Table) -> dict[int, str]:
    ids, keys = people.column("id").to_pylist(), people.column("person_key").to_pylist()
    return dict(zip(ids, keys, strict=True))


@dataclass(frozen=True)
class PlanFacts:
    """The store's part of the planner's input, in the order of the persons asked for."""

    records: list[tuple[PersonRecord, ...]]
    columns: dict[str, Any]  # emails, email_opt_out, hard_bounce, do_not_call
    owners_active: dict[tuple[Platform, str], bool]
    applied: AppliedState
    former_keys: dict[str, tuple[str, ...]]
    tasks_today: dict[tuple[Platform, str], int]
    forgotten: list[int]  # indexes of erased persons a later read brought back


def read_plan_facts(conn: Connection, people: pa.Table, as_of: datetime, zone: str) -> PlanFacts:
    """What the planner needs from the store for the cycle's persons ``people`` (their
    columns, :mod:`sync.store.people`, read once by identity) as of ``as_of``."""
    ids = people.column("id").to_pylist()
    index_of = {pid: i for i, pid in enumerate(ids)}
    columns = _person_columns(people)
    return PlanFacts(
        records=_records(conn, index_of, len(ids)),
        columns=columns,
        owners_active=_owners_active(conn),
        applied=load_applied(conn),
        former_keys=former_keys(conn, _keys(people)),
        tasks_today=tasks_today(conn, as_of, zone),
        forgotten=_forgotten(conn, index_of, columns["emails"]),
    )
