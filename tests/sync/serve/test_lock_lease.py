"""The lock a run takes: free once its PostgreSQL holder dies; a minute's lease on SQLite."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
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


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    return int(child.stdout)


def test_a_dead_local_runs_lock_is_taken_over_at_once_on_sqlite(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    now = [T0]
    holder = f"{socket.gethostname()}:{dead_pid()}:0badc0de"
    dead = StoreLock(sqlite_engine, ttl=LEASE, holder=holder, clock=lambda: now[0])
    assert dead.acquire()  # ... and its process was SIGKILLed: nobody renews, nobody releases
    nextrun = sync_lock(sqlite_engine)
    nextrun._clock = lambda: now[0] + timedelta(seconds=1)
    with caplog.at_level(logging.INFO, logger="reengage.lock"):
        assert nextrun.acquire()
    current = nextrun.current()
    assert current is not None and current.holder == nextrun.holder
    assert "dead run" in caplog.text and holder in caplog.text


@pytest.mark.parametrize("whose", ["live pid here", "dead pid on another host", "not host:pid"])
def test_a_live_or_foreign_runs_lock_is_not_taken_over_on_sqlite(
    sqlite_engine: Engine, whose: str
) -> None:
    holder = {
        "live pid here": f"{socket.gethostname()}:{os.getpid()}:0badc0de",
        "dead pid on another host": f"not-{socket.gethostname()}:{dead_pid()}:0badc0de",
        "not host:pid": "someone",
    }[whose]
    first = StoreLock(sqlite_engine, ttl=LEASE, holder=holder, clock=lambda: T0)
    assert first.acquire()
    nextrun = sync_lock(sqlite_engine)
    nextrun._clock = lambda: T0 + timedelta(seconds=30)
    assert not nextrun.acquire()
    current = nextrun.current()
    assert current is not None and current.holder == holder
