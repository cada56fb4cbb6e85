"""A store failing under a run: the lock's connection gone, the store full, in one line each.

The end-to-end side (a real ``sync --apply`` killed or filled mid-apply) is in
``tests/e2e/test_store_faults.py``; here the pieces it relies on: the run's
PostgreSQL lock notices its connection died and is released without raising even
when the store is gone, and the message names the store (never its password) with
the driver's reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from sync.serve.lock import AdvisoryLock, LockLost, sync_lock
from sync.store.faults import store_fault_message
from sync.store.migrate import open_store, safe_url


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = open_store(postgres_url)
    yield engine
    engine.dispose()


def _admin(url: str, sql: str) -> None:
    """Runs ``sql`` from a connection to the server's ``test`` database."""
    dsn = make_url(url).set(drivername="postgresql", database="test")
    with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql)


def test_a_lock_whose_connection_was_killed_says_so_with_the_drivers_reason(
    pg_engine: Engine, postgres_url: str
) -> None:
    lock = sync_lock(pg_engine)
    assert isinstance(lock, AdvisoryLock) and lock.acquire()
    lock.check()  # alive: no error
    name = make_url(postgres_url).database
    _admin(
        postgres_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
    )
    with pytest.raises(LockLost) as lost:
        lock.check()
    message = store_fault_message(postgres_url, lost.value)
    assert message.startswith(f"the store at {safe_url(postgres_url)} failed mid-run"), message
    assert "terminating connection due to administrator command" in message, message
    assert sync_lock(pg_engine).acquire(), "the lock died with its connection"


def test_a_lock_is_released_without_raising_when_its_store_is_gone(
    pg_engine: Engine, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    lock = sync_lock(pg_engine)
    assert lock.acquire()
    name = make_url(postgres_url).database
    _admin(postgres_url, f'DROP DATABASE "{name}" WITH (FORCE)')  # the lock's session ends too
    with caplog.at_level(logging.WARNING, logger="reengage.lock"):
        lock.release()
    assert f'database "{name}" does not exist' in caplog.text, caplog.text


def test_a_full_sqlite_store_is_named_full(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/full.db"
    engine = create_engine(url)
    event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA max_page_count = 8"))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (b BLOB)"))
    with pytest.raises(OperationalError) as full, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (zeroblob(100000))"))
    engine.dispose()
    message = store_fault_message(url, full.value)
    assert message.startswith(f"the store at {url} is full (database or disk is full)"), message


def test_a_full_postgresql_disk_is_named_full_and_the_password_is_hidden() -> None:
    url = "postgresql+psycopg://reengage:pw-very-secret@db.internal:5432/reengage"
    driver = psycopg.errors.DiskFull('could not extend file "base/16384/16397"')
    message = store_fault_message(url, OperationalError("INSERT ...", {}, driver))
    assert message.startswith("the store at postgresql+psycopg://reengage:***@db.internal"), message
    assert "is full (could not extend file" in message, message
    assert "pw-very-secret" not in message
