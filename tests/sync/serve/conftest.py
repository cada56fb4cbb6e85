"""Fixtures the serve tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from sync.store.migrate import open_store


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite store, disposed afterwards (modules with their own keep theirs)."""
    engine = open_store(sqlite_url)
    yield engine
    engine.dispose()
