"""The store failing mid-run, said in one line: which store, and the driver's own reason.

A run's connections may be killed (a DBA's ``pg_terminate_backend``, a failover),
its disk may fill (SQLite's ``database or disk is full``, PostgreSQL's ``disk_full``)
or its server may go away. The journal records every outcome in one transaction
with the state it implies (:mod:`sync.store.journal`), so whatever was cut short is
rolled back and stays pending: the next run re-sends it through the connectors'
look-ups. The command then only has to stop and say so: :func:`store_fault_message`
names the store by its URL without the password and quotes the driver's reason.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import SQLAlchemyError

from sync.serve.lock import LockLost
from sync.store.migrate import safe_url

STORE_FAULTS = (SQLAlchemyError, LockLost)
"""What a store failing mid-run raises: SQLAlchemy's errors, and the run's lock lost."""

PG_DISK_FULL = "53100"  # SQLSTATE disk_full


def driver_reason(exc: BaseException) -> str:
    """The database driver's message (its first line), without SQLAlchemy's SQL and links."""
    orig = getattr(exc, "orig", None)
    if orig is None and isinstance(exc, LockLost) and exc.__cause__ is not None:
        return driver_reason(exc.__cause__)
    source = orig if orig is not None else exc
    lines = [line.strip() for line in str(source).splitlines() if line.strip()]
    return lines[0] if lines else type(source).__name__


def is_full(exc: BaseException) -> bool:
    """Whether the store refused a write for want of space."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.Error):
        return getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    return getattr(orig, "sqlstate", None) == PG_DISK_FULL


def store_fault_message(url: str, exc: BaseException) -> str:
    """One line for a store that failed mid-run (``exc`` one of :data:`STORE_FAULTS`)."""
    store, reason = safe_url(url), driver_reason(exc)
    if is_full(exc):
        return (
            f"the store at {store} is full ({reason}): free space, then run again; nothing "
            "half-written was recorded as done, the next run resumes"
        )
    if isinstance(exc, LockLost):
        reason = f"the connection holding the run's lock was closed ({reason})"
    return (
        f"the store at {store} failed mid-run: {reason}; nothing half-written was recorded "
        "as done, the next run resumes"
    )
