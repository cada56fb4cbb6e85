"""Opens the store, and migrates it only when the operator asks (`reengage db upgrade`).

Every command opens the store with :func:`open_store`, which creates a store that
does not exist yet at this code's head but never migrates an existing one: a
store behind the code is refused (the CLI exits 2) naming ``reengage db upgrade``.
Read-only commands then need no schema rights, and replicas starting together do
not race on DDL. :func:`upgrade_store` migrates; :func:`upgrade_sql` prints the
SQL for a DBA instead. A store written by a newer reengage (a revision this code
does not know) is refused rather than guessed at: downgrading a production store
silently would lose data.

On PostgreSQL creation and migration run inside one transaction that first takes
a transaction-scoped advisory lock, so two processes take turns and the second
finds the store already at head.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from sync.store.schema import metadata

T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key for creating / migrating a store ("reengage" in ASCII);
# advisory locks are per database, so one fixed key serialises one store's openers.
MIGRATION_LOCK_KEY = 0x7265656E67616765


class StoreError(Exception):
    """The store cannot be opened or is not a schema this reengage can use."""


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships its migrations
        raise StoreError("no migrations found in the reengage package")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    # Rollback journal, not WAL: the columnar reader (ADBC) links its own SQLite,
    # and a WAL index shared by two SQLite libraries in one process can serve it
    # a stale snapshot.
    cursor.execute("PRAGMA journal_mode=DELETE")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Creates the SQLAlchemy engine; for SQLite, makes the folder and turns on WAL and FKs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def safe_url(url: str) -> str:
    """The store's URL for messages: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def _connection_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _check_known(current: str | None, head: str) -> None:
    """Refuses a revision this code does not know: the store was written by a newer reengage."""
    if current is None or current == head:
        return
    try:
        ScriptDirectory.from_config(_config()).get_revision(current)
    except Exception as exc:  # alembic raises several types for an unknown revision
        raise StoreError(
            f"the store is at schema revision {current}, which this reengage does not know "
            f"(its newest is {head}): the store was written by a newer reengage; upgrade "
            "reengage rather than point an older one at it"
        ) from exc


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that, on PostgreSQL, first waits for the store's migration lock.

    The lock is transaction-scoped: it is released at commit or rollback, and with
    the connection if the process dies. PostgreSQL DDL is transactional, so whoever
    waited sees either no store or a store at head, never half of one.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        yield conn


def _migrate(conn: Connection) -> None:
    cfg = _config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def _is_new(conn: Connection) -> bool:
    """No schema revision and none of reengage's tables: a store to create, not to migrate."""
    if _connection_revision(conn) is not None:
        return False
    return not set(metadata.tables) & set(inspect(conn).get_table_names())


def _create_or_refuse(engine: Engine, url: str) -> None:
    """Creates a new store at head; refuses one behind or ahead of this code."""
    head = head_revision()
    with engine.connect() as conn:
        if _connection_revision(conn) == head:
            return  # the common case: no lock, no write
    with _migration_transaction(engine) as conn:
        current = _connection_revision(conn)
        if current == head:
            return  # another process created it while this one waited for the lock
        if _is_new(conn):
            _migrate(conn)
            return
        _check_known(current, head)
    at = f"schema revision {current}" if current else "no schema revision but reengage tables"
    raise StoreError(
        f"the store at {safe_url(url)} is at {at}, behind this reengage (schema revision "
        f"{head}): run `reengage db upgrade` once to migrate it, then start reengage again"
    )


def _opening(url: str, fn: Callable[[Engine], T]) -> tuple[Engine, T]:
    """Runs ``fn`` on a new engine for ``url``; a failure becomes a StoreError naming the store."""
    engine = make_engine(url)
    try:
        return engine, fn(engine)
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise StoreError(
            f"cannot open the store at {safe_url(url)}: {type(exc).__name__}: {exc}"
        ) from exc


def open_store(url: str) -> Engine:
    """Opens the store at ``url``, creating it at head if it does not exist yet.

    Raises:
        StoreError: the store is unreachable, behind this code (run ``reengage db
            upgrade``) or written by a newer reengage.
    """
    engine, _ = _opening(url, lambda e: _create_or_refuse(e, url))
    return engine


@dataclass(frozen=True)
class Upgrade:
    """What ``reengage db upgrade`` did: the store's revision before (None: new) and after."""

    from_revision: str | None
    to_revision: str


def upgrade(engine: Engine) -> Upgrade:
    """Migrates (or creates) the store to this code's head, under the migration lock."""
    head = head_revision()
    with _migration_transaction(engine) as conn:
        current = _connection_revision(conn)
        _check_known(current, head)
        if current != head:
            _migrate(conn)
    return Upgrade(current, head)


def upgrade_store(url: str) -> Upgrade:
    """Migrates the store at ``url`` to head (the only path that migrates an existing store)."""
    engine, done = _opening(url, upgrade)
    engine.dispose()
    return done


def _sqlite_file_absent(url: str) -> bool:
    parsed = make_url(url)
    return (
        parsed.get_backend_name() == "sqlite"
        and bool(parsed.database)
        and parsed.database != ":memory:"
        and not Path(str(parsed.database)).exists()
    )


def upgrade_sql(url: str) -> str:
    """The SQL that would bring the store at ``url`` to head, for a DBA; changes nothing.

    Alembic's offline mode renders it from the store's current revision (from the
    start for a store that does not exist yet); empty when the store is at head.
    """
    head = head_revision()
    current: str | None = None
    if not _sqlite_file_absent(url):  # connecting to SQLite would create the file
        engine, current = _opening(url, current_revision)
        engine.dispose()
    _check_known(current, head)
    if current == head:
        return ""
    out = io.StringIO()
    cfg = Config(output_buffer=out)
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["dialect_name"] = make_url(url).get_backend_name()
    command.upgrade(cfg, f"{current}:head" if current else "head", sql=True)
    return out.getvalue()
