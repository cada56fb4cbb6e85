"""Every table of the store is created by the migrations and round-trips its values,
on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Engine,
    Float,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)

from sync.store.migrate import StoreError, current_revision, head_revision, open_store
from sync.store.schema import UtcDateTime, metadata

TOKYO = timezone(timedelta(hours=9))


def _value(column: Column[Any], n: int) -> Any:
    """A non-trivial value of the column's type, different per row ``n``."""
    kind = column.type
    if isinstance(kind, UtcDateTime):
        return datetime(2026, 11, 24, 18, 10, 32, 123000, tzinfo=TOKYO) + timedelta(days=n)
    if isinstance(kind, Boolean):
        return n % 2 == 0
    if isinstance(kind, Date):
        return date(2026, 1, 31) + timedelta(days=n)
    if isinstance(kind, Float):
        return 1234.5 + n
    if isinstance(kind, SmallInteger):
        return 13 - n
    if isinstance(kind, BigInteger):
        return 1_764_000_000_123 + n
    if isinstance(kind, Integer):
        return 7 + n
    if isinstance(kind, JSON):
        return {"cursor": {"ts": "2026-11-24T18:10:32Z", "id": f"00Q{n}"}, "n": [1, n]}
    if isinstance(kind, Text):
        return f"quoted ' \" \\ 資料 ✓ {n}"
    if isinstance(kind, String):
        limit = kind.length or 20
        return f"{column.name}-{n}-é"[:limit]
    raise AssertionError(f"no builder for {column.table.name}.{column.name}: {kind!r}")


def _row(table: Table, n: int, parents: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in table.columns:
        fks = list(column.foreign_keys)
        if fks:
            row[column.name] = parents[fks[0].column.table.name][n]
        elif column.primary_key and column.autoincrement is True:
            continue
        elif (
            column.primary_key and isinstance(column.type, Integer) and len(table.primary_key) == 1
        ):
            continue  # single integer primary key: the database assigns it
        else:
            row[column.name] = _value(column, n)
    return row


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, datetime):
        return isinstance(got, datetime) and got.tzinfo is not None and got == expected
    return bool(expected == got)


def _roundtrip(engine: Engine) -> int:
    parents: dict[str, list[Any]] = {}  # table -> the primary keys of its two rows
    checked = 0
    for table in metadata.sorted_tables:
        rows = [_row(table, n, parents) for n in range(2)]
        with engine.begin() as conn:
            for row in rows:
                pk = conn.execute(table.insert().values(**row)).inserted_primary_key
                parents.setdefault(table.name, []).append(pk[0] if pk else None)
            stored = conn.execute(select(table)).mappings().all()
        assert len(stored) == 2, table.name
        for row, back in zip(rows, sorted(stored, key=lambda r: _sort_key(table, r)), strict=True):
            for name, expected in row.items():
                assert _same(expected, back[name]), (table.name, name, expected, back[name])
                checked += 1
    return checked


def _sort_key(table: Table, row: Any) -> tuple[str, ...]:
    return tuple(str(row[c.name]) for c in table.primary_key.columns)


def test_every_table_round_trips(store_url: str) -> None:
    engine = open_store(store_url)
    try:
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        assert current_revision(engine) == head_revision()
        assert _roundtrip(engine) > 100
    finally:
        engine.dispose()


def test_opening_twice_is_idempotent(store_url: str) -> None:
    open_store(store_url).dispose()
    engine = open_store(store_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_store_from_a_newer_reengage_is_refused(store_url: str) -> None:
    engine = open_store(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer reengage"):
        open_store(store_url)


def test_naive_datetimes_are_refused(sqlite_url: str) -> None:
    from sync.store.schema import runs

    engine = open_store(sqlite_url)
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
        conn.execute(
            runs.insert().values(kind="sync", started_at=datetime(2026, 1, 1), status="ok")
        )
    with engine.begin() as conn:
        conn.execute(
            runs.insert().values(
                kind="sync", started_at=datetime(2026, 1, 1, tzinfo=UTC), status="ok"
            )
        )
        back = conn.execute(select(runs.c.started_at)).scalar_one()
    assert back == datetime(2026, 1, 1, tzinfo=UTC) and back.tzinfo is not None
    engine.dispose()


def test_unreachable_database_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(StoreError, match="cannot open the store at postgresql") as info:
        open_store("postgresql+psycopg://someone:s3cret@127.0.0.1:1/none?connect_timeout=2")
    assert "s3cret" not in str(info.value)


def test_migrations_match_the_schema(store_url: str) -> None:
    """The tables Alembic builds are exactly those schema.py declares (no forgotten migration)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = open_store(store_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert diff == []
