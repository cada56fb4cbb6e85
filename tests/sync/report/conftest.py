"""A store holding the hand-built world of ``builders.build_world``, and its report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from config.rules import load_rules
from sync.report import Report, build_report
from sync.store.migrate import open_store
from tests.sync.report.builders import END, START, build_world

RULES = load_rules()


@pytest.fixture
def world(sqlite_url: str) -> Iterator[Engine]:
    engine = open_store(sqlite_url)
    build_world(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def report(world: Engine) -> Report:
    return build_report(world, RULES, START, END)
