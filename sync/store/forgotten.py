"""Forgotten persons: salted email hashes, the person's store rows found and erased.

After ``reengage forget EMAIL`` the store keeps no row naming the person, only
sha256(salt + normalised email) in ``forgotten``: enough to recognise the email when
a later read brings the person's records back (so that nothing is planned for them,
:func:`forgotten_filter`), not enough to list who was forgotten without guessing
emails one by one against the salt. The salt is made once per store
(``forget_salt``) and never leaves it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, delete, func, or_, select, tuple_

from connectors.base import RecordRef, RecordType
from sync.identity.rules import normalise_email
from sync.store.schema import (
    activities,
    applied_fields,
    applied_memberships,
    created_tasks,
    deal_records,
    episodes,
    forget_salt,
    forgotten,
    holdout,
    identity_issues,
    operations,
    person_anchors,
    person_states,
    persons,
    platform_records,
    segment_memberships,
    skipped_records,
    transitions,
)

BY_PERSON = (person_states, episodes, transitions, segment_memberships, holdout, created_tasks,
             operations)  # fmt: skip
BY_RECORD = (activities, deal_records, person_anchors)


def store_salt(conn: Connection) -> str:
    """The store's salt, made on first use."""
    salt = conn.execute(select(forget_salt.c.salt).where(forget_salt.c.id == 1)).scalar()
    if salt is None:
        salt = secrets.token_hex(32)
        conn.execute(forget_salt.insert().values(id=1, salt=salt, created_at=datetime.now(UTC)))
    return str(salt)


def email_hash(salt: str, email: str | None) -> str | None:
    """sha256 of salt + the normalised email (None for no email)."""
    normal = normalise_email(email)
    if normal is None:
        return None
    return hashlib.sha256(f"{salt}\x00{normal}".encode()).hexdigest()


def remember(conn: Connection, email: str) -> bool:
    """Adds the email's hash to ``forgotten``; False when it was there already."""
    digest = email_hash(store_salt(conn), email)
    if digest is None:
        raise ValueError("no email to forget")
    if conn.execute(select(forgotten.c.email_hash).where(forgotten.c.email_hash == digest)).first():
        return False
    conn.execute(forgotten.insert().values(email_hash=digest, forgotten_at=datetime.now(UTC)))
    return True


def forgotten_filter(conn: Connection) -> Callable[[str | None], bool] | None:
    """A test "is this email forgotten?", or None when nobody is (no hashing at all)."""
    hashes = frozenset(conn.execute(select(forgotten.c.email_hash)).scalars())
    if not hashes:
        return None
    salt = store_salt(conn)
    return lambda email: email_hash(salt, email) in hashes


@dataclass(frozen=True)
class Found:
    """A person's store rows: person ids and every record of theirs (or with the email)."""

    person_ids: frozenset[int]
    records: frozenset[RecordRef]


def find_person(conn: Connection, email: str) -> Found:
    """The persons whose email, or one of whose records' email, normalises to ``email``."""
    normal = normalise_email(email)
    pr = platform_records
    ids = set(
        conn.execute(select(persons.c.id).where(func.lower(func.trim(persons.c.email)) == normal))
        .scalars()
    )  # fmt: skip
    direct = conn.execute(
        select(pr.c.person_id, pr.c.record_type, pr.c.record_id).where(
            func.lower(func.trim(pr.c.email)) == normal
        )
    ).all()
    ids.update(pid for pid, _, _ in direct if pid is not None)
    refs = {RecordRef(RecordType(t), r) for _, t, r in direct}
    if ids:
        rows = conn.execute(select(pr.c.record_type, pr.c.record_id).where(pr.c.person_id.in_(ids)))
        refs.update(RecordRef(RecordType(t), r) for t, r in rows)
    return Found(frozenset(ids), frozenset(refs))


def erase(conn: Connection, found: Found, email: str) -> None:
    """Deletes every row of the person: decisions, journal, mirror, identity, applied state."""
    ids = list(found.person_ids)
    keys = [(r.record_type.value, r.record_id) for r in found.records]
    rids = [r.record_id for r in found.records]
    for table in BY_PERSON:
        conn.execute(delete(table).where(table.c.person_id.in_(ids)))
    for chunk in _chunks(keys):
        for table in BY_RECORD:
            conn.execute(
                delete(table).where(tuple_(table.c.record_type, table.c.record_id).in_(chunk))
            )
        conn.execute(delete(applied_fields).where(
            tuple_(applied_fields.c.record_type, applied_fields.c.record_id).in_(chunk)
        ))  # fmt: skip
    for chunk in _chunks(rids):
        conn.execute(delete(applied_memberships).where(applied_memberships.c.record_id.in_(chunk)))
        conn.execute(delete(skipped_records).where(skipped_records.c.record_id.in_(chunk)))
        conn.execute(delete(operations).where(operations.c.record_id.in_(chunk)))
    normal = normalise_email(email)
    conn.execute(delete(identity_issues).where(
        func.lower(func.trim(identity_issues.c.email)) == normal
    ))  # fmt: skip
    pr = platform_records
    conn.execute(delete(pr).where(or_(pr.c.person_id.in_(ids), pr.c.record_id.in_(rids))))
    conn.execute(delete(persons).where(persons.c.id.in_(ids)))


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
