"""Opens the store and brings its schema to this code's revision with Alembic.

reengage migrates on start, so operators never run Alembic by hand. A store
written by a newer reengage (a revision this code does not know) is refused
rather than guessed at: downgrading a production store silently would lose
data.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")


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


def upgrade(engine: Engine) -> str:
    """Migrates the store to this code's head and returns the revision.

    Raises:
        StoreError: the store's revision is unknown to this code (written by a newer reengage).
    """
    head = head_revision()
    current = current_revision(engine)
    script = ScriptDirectory.from_config(_config())
    if current is not None and current != head:
        try:
            script.get_revision(current)
        except Exception as exc:  # alembic raises several types for an unknown revision
            raise StoreError(
                f"the store is at schema revision {current}, which this reengage does not know "
                f"(its newest is {head}): the store was written by a newer reengage; upgrade "
                "reengage rather than point an older one at it"
            ) from exc
    if current != head:
        cfg = _config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    return head


def open_store(url: str) -> Engine:
    """Opens (creating if needed) and migrates the store at ``url``."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        safe = make_url(url).render_as_string(hide_password=True)
        raise StoreError(f"cannot open the store at {safe}: {type(exc).__name__}: {exc}") from exc
    return engine
