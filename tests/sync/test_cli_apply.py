"""`reengage apply PLAN_ID`: a saved plan is applied only while the store is as it was."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.base import PlatformRecord, RecordRef, RecordType
from sync.cli import app
from sync.plan.model import Plan
from sync.store.journal import save_plan, store_version
from sync.store.migrate import open_store
from sync.store.mirror import save_records

runner = CliRunner()
NOW = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    for key in list(os.environ):
        if key.startswith("REENGAGE_"):
            monkeypatch.delenv(key)
    url = f"sqlite:///{tmp_path}/store.db"
    monkeypatch.setenv("REENGAGE_DATABASE_URL", url)
    monkeypatch.setenv("REENGAGE_PLATFORMS", "hubspot")  # configured, never reached here
    monkeypatch.setenv("REENGAGE_HUBSPOT__ACCESS_TOKEN", "pat-na1-test")
    return url


def test_a_plan_made_before_the_data_changed_is_refused(store: str) -> None:
    engine = open_store(store)
    with engine.begin() as conn:
        plan_id = save_plan(conn, Plan.of([]), as_of=NOW, version=store_version(conn))
    with engine.begin() as conn:  # new data arrives after the plan was made
        save_records(conn, [PlatformRecord(RecordRef(RecordType.HUBSPOT_CONTACT, "1"), "a@x.com")])
    engine.dispose()
    result = runner.invoke(app, ["apply", plan_id])
    message = " ".join(result.stderr.split())  # Rich wraps long lines
    assert result.exit_code == 1
    assert "data that has changed since" in message and "reengage plan" in message


def test_unknown_plan(store: str) -> None:
    open_store(store).dispose()
    result = runner.invoke(app, ["apply", "no-such-plan"])
    assert result.exit_code == 1 and "no plan 'no-such-plan'" in result.stderr
