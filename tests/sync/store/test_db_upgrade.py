"""`reengage db upgrade [--sql]`: the one command that migrates, and the SQL it prints for a DBA."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
import typer
from alembic import command
from sqlalchemy import select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from sync.cli.db import db_app
from sync.store import migrate
from sync.store.schema import person_anchors, persons, platform_records
from tests.sync.store.test_store_behind import PREVIOUS, _revision

runner = CliRunner()
app = typer.Typer()  # as sync/cli/__init__.py mounts it: app.add_typer(db_app, name="db")
app.add_typer(db_app, name="db")


@app.command()
def version() -> None:
    """A second command, so that Typer keeps ``db`` a group as in the real app."""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("REENGAGE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("REENGAGE_DATA_DIR", str(tmp_path / "data"))


def _previous_store(url: str) -> None:
    """A store as the previous reengage leaves it: schema 0004, one person with one record."""
    engine = migrate.make_engine(url)
    cfg = migrate._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, PREVIOUS)
        from datetime import UTC, datetime

        now = datetime(2026, 11, 1, tzinfo=UTC)
        pid = conn.execute(
            persons.insert().values(person_key="salesforce_lead:00QA", updated_at=now)
        ).inserted_primary_key[0]
        conn.execute(
            platform_records.insert().values(
                record_type="salesforce_lead", record_id="00QA", email="a@x.com",
                person_id=pid, created_at=now,
            )
        )  # fmt: skip
    engine.dispose()


def _db(url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> object:
    monkeypatch.setenv("REENGAGE_DATABASE_URL", url)
    return runner.invoke(app, ["db", "upgrade", *args])


def _run_sql(url: str, sql: str) -> None:
    """Runs the printed SQL as a DBA would (psql / sqlite3), outside reengage."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with sqlite3.connect(str(parsed.database)) as conn:
            conn.executescript(sql)
        return
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.encode())


def _anchors(url: str) -> list[tuple[str, str, bool]]:
    engine = migrate.open_store(url)  # refuses unless the store is at head
    try:
        with engine.connect() as conn:
            cols = (person_anchors.c.record_id, person_anchors.c.anchor, person_anchors.c.current)
            return [tuple(r) for r in conn.execute(select(*cols))]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_sql_prints_the_migration_and_changes_nothing(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _previous_store(store_url)
    result = _db(store_url, monkeypatch, "--sql")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    sql = result.stdout  # type: ignore[attr-defined]
    assert "person_anchors" in sql and "CREATE TABLE persons" not in sql  # from 0004, not base
    assert _revision(store_url) == PREVIOUS
    _run_sql(store_url, sql)  # the DBA runs it: the store is at head, its keys seeded
    assert _revision(store_url) == migrate.head_revision()
    assert _anchors(store_url) == [("00QA", "salesforce_lead:00QA", True)]


def test_sql_for_a_new_store_starts_from_base_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "new" / "store.db"
    result = _db(f"sqlite:///{db}", monkeypatch, "--sql")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "CREATE TABLE persons" in result.stdout  # type: ignore[attr-defined]
    assert not db.exists()
    db.parent.mkdir(parents=True, exist_ok=True)
    _run_sql(f"sqlite:///{db}", result.stdout)  # type: ignore[attr-defined]
    assert _revision(f"sqlite:///{db}") == migrate.head_revision()


def test_upgrade_migrates_and_says_from_and_to(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _previous_store(store_url)
    first = _db(store_url, monkeypatch)
    head = migrate.head_revision()
    assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
    assert f"from schema revision {PREVIOUS} to {head}" in first.stdout  # type: ignore[attr-defined]
    assert _anchors(store_url) == [("00QA", "salesforce_lead:00QA", True)]
    again = _db(store_url, monkeypatch)
    assert again.exit_code == 0 and f"already at schema revision {head}" in again.stdout  # type: ignore[attr-defined]
    nothing = _db(store_url, monkeypatch, "--sql")
    assert nothing.exit_code == 0 and nothing.stdout == ""  # type: ignore[attr-defined]


def test_open_store_refuses_a_store_behind_naming_it_without_its_password(
    postgres_url: str,
) -> None:
    url = make_url(postgres_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    _previous_store(url)
    with pytest.raises(migrate.StoreError) as refused:
        migrate.open_store(url)
    message = str(refused.value)
    assert "reengage db upgrade" in message and "s3cret-pw" not in message
    assert make_url(postgres_url).database in message  # type: ignore[operator]
    assert PREVIOUS in message and migrate.head_revision() in message
    assert _revision(url) == PREVIOUS
    migrate.upgrade_store(url)
    assert _revision(url) == migrate.head_revision()


def test_a_store_from_a_newer_reengage_is_refused_by_upgrade_too(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate.open_store(sqlite_url).dispose()
    with sqlite3.connect(str(make_url(sqlite_url).database)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    for args in ((), ("--sql",)):
        result = _db(sqlite_url, monkeypatch, *args)
        assert result.exit_code == 2 and "newer reengage" in result.stderr  # type: ignore[attr-defined]
