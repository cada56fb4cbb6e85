"""The lock a run takes: free once its PostgreSQL holder dies; a minute's lease on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from sync.serve.lock import LEASE, AdvisoryLock, StoreLock, sync_lock
from sync.store.migrate import open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = open_store(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = open_store(postgres_url)
    yield engine
    engine.dispose()


def test_a_dead_holders_lease_is_taken_over_within_90_seconds_on_sqlite(
    sqlite_engine: Engine,
) -> None:
    now = [T0]
    dead = StoreLock(sqlite_engine, ttl=LEASE, holder="dead", clock=lambda: now[0])
    assert dead.acquire()  # ... and its process dies: nobody renews
    nextrun = sync_lock(sqlite_engine)
    nextrun._clock = lambda: now[0]
    now[0] = T0 + timedelta(seconds=30)
    assert not nextrun.acquire()
    now[0] = T0 + timedelta(seconds=90)
    assert nextrun.acquire()


def test_an_advisory_lock_is_exclusive_and_free_once_its_connection_is_gone(
    pg_engine: Engine,
) -> None:
    first, second = sync_lock(pg_engine), sync_lock(pg_engine)
    assert isinstance(first, AdvisoryLock)
    assert first.acquire()
    assert not second.acquire()
    current = second.current()
    assert current is not None and current.holder == first.holder
    assert first._session is not None
    pid = first._session.execute(text("SELECT pg_backend_pid()")).scalar()
    with pg_engine.connect() as admin:  # the holder's session ends (as when its process dies)
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert not first.renew()  # the holder learns it lost the lock
    assert second.acquire()  # and the next run has it at once, whatever the row says
    current = second.current()
    assert current is not None and current.holder == second.holder
    assert second.release()
    assert first.acquire()
    assert first.release()
