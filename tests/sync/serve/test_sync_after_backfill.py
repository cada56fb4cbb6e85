"""`reengage backfill` followed at once by `reengage sync --apply`, through the CLI.

Salesforce refuses a getDeleted window of one minute or less (and so does the sandbox);
a sync less than a minute after the previous pull must still complete, as every turn of
a `serve` loop on seconds does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from config.rules import load_rules
from sync.cli import app
from sync.store.schema import runs
from tests.e2e.world import World, open_world

runner = CliRunner()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for key in list(os.environ):
        if key.startswith("REENGAGE_"):
            monkeypatch.delenv(key)
    opened = open_world(tmp_path, 40, load_rules())
    for key, value in opened.child_environment().items():
        if not key.startswith("REENGAGE_HUBSPOT__"):  # Salesforce alone: a faster test
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("REENGAGE_PLATFORMS", "salesforce")
    yield opened
    opened.close()


def test_sync_right_after_backfill_exits_0(world: World) -> None:
    backfill = runner.invoke(app, ["backfill", "--quiet"])
    assert backfill.exit_code == 0, backfill.output
    sync = runner.invoke(app, ["sync", "--apply", "--quiet"])
    assert sync.exit_code == 0, sync.output
    with world.engine.connect() as conn:
        kinds = [tuple(r) for r in conn.execute(select(runs.c.kind, runs.c.status)).all()]
    assert kinds == [("backfill", "ok"), ("sync", "ok")]
