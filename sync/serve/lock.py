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

A holder that dies must not block the store, and how fast it is noticed
depends on the back-end (:func:`sync_lock` picks):

* **PostgreSQL** (:class:`AdvisoryLock`): the lock is a session-level advisory
  lock taken on a connection of its own, held for the whole run. When the
  holder dies, for any reason, its connection closes, the server ends the
  session and the lock is free at once. The row is still written, for people
  and health checks to see who holds the store.
* **SQLite**: the row is a *lease* of :data:`LEASE` (a minute), renewed every
  quarter of it while the run lives (:func:`keep_alive`). SQLite stores live on
  one host, so a holder row naming this host and a pid that no longer exists
  (``host:pid:random``, :func:`default_holder`) is a dead run's: the next run
  takes it over at once. Otherwise a dead holder's lease runs out and the next
  run takes the store over within 90 seconds; expiry is judged by the clock of
  the process asking.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, Insert, delete, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from sync.store.schema import locks

log = logging.getLogger("reengage.lock")

SYNC_LOCK = "sync"  # the lock every run that writes to the platforms takes
LEASE = timedelta(seconds=60)
"""How long a lock row stays valid without renewal; renewed every quarter of it."""

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_holder() -> str:
    """``host:pid:random``: readable in the table, unique even across restarts of one pid."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LockLost(Exception):
    """The run's lock is no longer held (its connection closed): the run must stop writing."""


def _dead_here(holder: str) -> bool:
    """Whether ``holder`` (``host:pid:random``) names a process of this host that is gone."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) <= 0:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive under another user (PermissionError), or unknowable: not dead
        return False
    return False


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
            if conn.dialect.name == "sqlite" and self._take_over_dead(conn, now):
                return True
            # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT
            return conn.execute(self._insert(now)).first() is not None

    def _take_over_dead(self, conn: Connection, now: datetime) -> bool:
        """Takes over a row whose holder was a process of this host that is gone (SIGKILLed,
        crashed): on SQLite every run is local, so its pid tells at once."""
        held = conn.execute(select(locks.c.holder).where(locks.c.name == self.name)).scalar()
        if held is None or not _dead_here(held):
            return False
        claim = (
            update(locks)
            .where(locks.c.name == self.name, locks.c.holder == held)
            .values(holder=self.holder, acquired_at=now, expires_at=now + self.ttl)
        )
        if conn.execute(claim).rowcount != 1:
            return False
        log.info("took over lock %r from a dead run (%s): its process is gone", self.name, held)
        return True

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

    def check(self) -> None:
        """Raises :class:`LockLost` when the lock is known to be gone. A lease row is
        checked by its renewals (:func:`keep_alive`): nothing to do here."""

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
                log.error("lock %r is no longer ours", lock.name)
                on_lost()
                return

    thread = threading.Thread(target=renew_until_done, name=f"lock-{lock.name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


class AdvisoryLock(StoreLock):
    """A PostgreSQL session-level advisory lock, free the moment its holder's connection dies.

    The lock lives on a connection of its own, in autocommit mode (an idle
    transaction held for a whole run would keep old row versions alive). The
    lock row is kept beside it for who-holds-it displays; while the advisory
    lock is ours, any row left by a dead holder is simply overwritten.
    """

    def __init__(
        self,
        engine: Engine,
        name: str = SYNC_LOCK,
        *,
        ttl: timedelta = LEASE,
        holder: str | None = None,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__(engine, name, ttl=ttl, holder=holder, clock=clock)
        # a tenant's store (one schema of a shared database: its search_path in the URL's
        # options) has locks of its own; advisory locks are per database
        scope = engine.url.query.get("options")
        label = f"reengage:{scope}:{name}" if scope else f"reengage:{name}"
        digest = hashlib.sha256(label.encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)
        self._session: Connection | None = None
        self._lost: SQLAlchemyError | None = None  # what ended the lock's connection
        self._using = threading.Lock()  # the connection is used from the renewing thread too

    def acquire(self) -> bool:
        if self._session is not None:
            return self.renew()
        session = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = bool(
            session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        )
        if not got:
            session.close()
            return False
        self._session = session
        self._write_row()
        return True

    def _write_row(self) -> None:
        now = self._clock()
        values = {"holder": self.holder, "acquired_at": now, "expires_at": now + self.ttl}
        with _write(self.engine) as conn:
            claimed = conn.execute(update(locks).where(locks.c.name == self.name).values(**values))
            if claimed.rowcount != 1:
                conn.execute(self._insert(now))

    def renew(self) -> bool:
        """True while the advisory lock's connection is alive (the row's expiry is refreshed)."""
        if self._session is None:
            return False
        try:
            self.check()
        except LockLost:
            log.error("the connection holding lock %r is gone", self.name)
            return False
        super().renew()
        return True

    def check(self) -> None:
        """Raises :class:`LockLost` unless the advisory lock's connection still answers:
        another run may hold the store from the moment it closed. Safe from any thread
        (the run checks before each write while :func:`keep_alive` renews)."""
        with self._using:
            if self._session is None:
                raise LockLost(f"lock {self.name!r} is not held") from self._lost
            try:
                self._session.execute(text("SELECT 1"))
            except SQLAlchemyError as exc:
                self._lost = exc
                self._drop_session()
                raise LockLost(f"the connection holding lock {self.name!r} is gone") from exc

    def release(self) -> bool:
        """Unlocks and deletes the row; a dead connection or an unreachable store is logged,
        never raised (the lock went with the connection; the row only informs)."""
        with self._using:
            if self._session is None:
                return False
            try:
                self._session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            except SQLAlchemyError:
                log.warning(
                    "could not unlock %r: its connection is gone (and so is the lock)", self.name
                )
            self._drop_session()
        try:
            super().release()
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            log.warning("could not delete the row of lock %r: %s", self.name, reason)
        return True

    def _drop_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.invalidate()  # never back into the pool with a lock possibly held
            session.close()


def sync_lock(engine: Engine, name: str = SYNC_LOCK, *, lease: timedelta = LEASE) -> StoreLock:
    """The lock a run takes on ``engine``: advisory on PostgreSQL, a lease row elsewhere."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, name, ttl=lease)
    return StoreLock(engine, name, ttl=lease)
