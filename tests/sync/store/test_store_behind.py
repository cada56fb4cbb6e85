"""Only `reengage db upgrade` migrates a store: other commands refuse one behind the code.

Operators run replicas and read-only commands (report, explain) against a shared
store; if each of them migrated on start, they would all need schema rights and
replicas starting together would race on the DDL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from alembic import command
from sqlalchemy import Engine

from sync.store import migrate

PREVIOUS = "0004"


def _at(url: str, revision: str) -> None:
    """Leaves the store at ``url`` as an older reengage does: schema ``revision``."""
    engine = migrate.make_engine(url)
    cfg = migrate._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def _revision(url: str) -> str | None:
    engine = migrate.make_engine(url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


def _reengage(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    env.update(
        REENGAGE_DATABASE_URL=url,
        REENGAGE_DATA_DIR=str(tmp_path / "data"),
        COLUMNS="200",
    )
    return subprocess.run(
        [sys.executable, "-m", "sync.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_on_a_store_behind_the_code_exits_2_and_leaves_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    _at(sqlite_url, PREVIOUS)
    done = _reengage(sqlite_url, tmp_path, "report")
    assert done.returncode == 2, done.stderr
    assert "reengage db upgrade" in done.stderr
    assert PREVIOUS in done.stderr and migrate.head_revision() in done.stderr
    assert _revision(sqlite_url) == PREVIOUS  # untouched: the operator migrates, once


def test_report_with_no_store_yet_creates_it_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/store.db"
    done = _reengage(url, tmp_path, "report")
    assert done.returncode == 0, done.stderr
    assert _revision(url) == migrate.head_revision()


def test_two_processes_creating_a_new_postgres_store_both_succeed(postgres_url: str) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            engine: Engine = migrate.open_store(postgres_url)
            engine.dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)  # a deadlock fails the test rather than hanging the suite
    assert not any(t.is_alive() for t in threads), "the two openers deadlocked"
    assert errors == []
    assert _revision(postgres_url) == migrate.head_revision()
