"""A named lock in the store, so that one sync runs at a time per store.

Several ``reengage serve`` processes (on one host or several) may share one
PostgreSQL store; a pid file cannot see across hosts, so the lock is a row in
the ``locks`` table: ``(name, holder, acquired_at, expires_at)``.

* **acquire** is one write transaction: take the row over if it has expired
  (or is already ours) with ``UPDATE ... WHERE expires_at < now OR holder = me``,
  else create it with ``INSERT ... ON CONFLICT DO NOTHING``. Exactly one of
  several racing holders gets a row back: PostgreSQL re-checks the ``WHERE`` of
  an ``UPDATE`` that waited on a row lock, and the primary key decides
  concurrent inserts (only the winner gets its row back from ``RETURNING``);
  SQLite serialises the whole transaction with ``BEGIN IMMEDIATE``.
* **renew** pushes ``expires_at`` forward only while the row is still ours;
  :func:`keep_alive` does it from a thread during a long run.
* **release** deletes the row only if it is still ours.

A holder that crashes leaves its row behind; it expires after the timeout
(``REENGAGE_SERVE__LOCK_TIMEOUT_MINUTES``) and the next holder takes it over.
Expiry is judged by the clock of the process asking, so hosts sharing a store
should keep their clocks in sync (NTP); the timeout is in minutes, so seconds
of skew do not matter.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, Insert, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from sync.store.schema import locks

log = logging.getLogger("reengage.lock")

SYNC_LOCK = "sync"  # the lock every run that writes to the platforms takes

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_holder() -> str:
    """``host:pid:random``: readable in the table, unique even across restarts of one pid."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class LockInfo:
    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


@contextmanager
def _write(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its first statement on SQLite."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


class StoreLock:
    """One named lock row, held (or not) by this object's ``holder``.

    Args:
        engine: the store.
        name: the lock's name (:data:`SYNC_LOCK` for sync runs).
        ttl: how long the lock stays valid without renewal.
        holder: who holds it (default: :func:`default_holder`).
        clock: the current instant (tests move it).
    """

    def __init__(
        self,
        engine: Engine,
        name: str = SYNC_LOCK,
        *,
        ttl: timedelta,
        holder: str | None = None,
        clock: Clock = utcnow,
    ) -> None:
        if ttl <= timedelta(0):
            raise ValueError("a lock's ttl must be positive")
        self.engine = engine
        self.name = name
        self.ttl = ttl
        self.holder = holder or default_holder()
        self._clock = clock

    def _insert(self, now: datetime) -> Insert:
        values = {
            "name": self.name,
            "holder": self.holder,
            "acquired_at": now,
            "expires_at": now + self.ttl,
        }
        if self.engine.dialect.name == "postgresql":
            return (
                postgresql.insert(locks)
                .values(**values)
                .on_conflict_do_nothing(index_elements=[locks.c.name])
                .returning(locks.c.name)
            )
        return (
            sqlite.insert(locks)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[locks.c.name])
            .returning(locks.c.name)
        )

    def acquire(self) -> bool:
        """Takes the lock if it is free, expired or already ours; False if someone holds it."""
        now = self._clock()
        take_over = (
            update(locks)
            .where(locks.c.name == self.name)
            .where(or_(locks.c.expires_at < now, locks.c.holder == self.holder))
            .values(holder=self.holder, acquired_at=now, expires_at=now + self.ttl)
        )
        with _write(self.engine) as conn:
            if conn.execute(take_over).rowcount == 1:
                return True
            # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT
            return conn.execute(self._insert(now)).first() is not None

    def renew(self) -> bool:
        """Extends the lock by its ttl from now; False if it is no longer ours."""
        now = self._clock()
        query = (
            update(locks)
            .where(locks.c.name == self.name, locks.c.holder == self.holder)
            .values(expires_at=now + self.ttl)
        )
        with _write(self.engine) as conn:
            return bool(conn.execute(query).rowcount == 1)

    def release(self) -> bool:
        """Frees the lock if it is ours; False if it was not (expired and taken over)."""
        query = delete(locks).where(locks.c.name == self.name, locks.c.holder == self.holder)
        with _write(self.engine) as conn:
            return bool(conn.execute(query).rowcount == 1)

    def current(self) -> LockInfo | None:
        """Who holds the lock row now (it may have expired), for logs and health."""
        with self.engine.connect() as conn:
            row = conn.execute(select(locks).where(locks.c.name == self.name)).first()
        if row is None:
            return None
        return LockInfo(row.name, row.holder, row.acquired_at, row.expires_at)


@contextmanager
def keep_alive(lock: StoreLock, *, every: float, on_lost: Callable[[], None]) -> Iterator[None]:
    """Renews ``lock`` every ``every`` seconds from a thread while the block runs.

    ``on_lost`` is called once if a renewal finds the lock taken over (the run
    outlived the timeout while this process was stalled): the caller should
    stop writing. A failed renewal (the store briefly unreachable) is logged
    and retried at the next tick.
    """
    done = threading.Event()

    def renew_until_done() -> None:
        while not done.wait(every):
            try:
                still_ours = lock.renew()
            except Exception as exc:  # the store may be briefly unreachable; try next tick
                log.warning("could not renew lock %r: %s", lock.name, exc)
                continue
            if not still_ours:
                log.error("lock %r was taken over by another process", lock.name)
                on_lost()
                return

    thread = threading.Thread(target=renew_until_done, name=f"lock-{lock.name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
