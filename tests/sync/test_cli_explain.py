"""`reengage explain` on a stored world: the reasons, the rule, the score's parts, where."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app
from sync.store.migrate import open_store
from tests.sync.store.worlds import NOW, store_world

runner = CliRunner()


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("REENGAGE_"):
            monkeypatch.delenv(key)
    url = f"sqlite:///{tmp_path}/store.db"
    engine = open_store(url)
    store_world(engine)
    engine.dispose()
    monkeypatch.setenv("REENGAGE_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")


def test_explains_by_email(stored: None) -> None:
    result = runner.invoke(app, ["explain", " ANN@x.com", "--as-of", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "status dormant" in out
    assert "high_score_dormant" in out and "immediate_call" in out
    assert "email_click (Email Clicked: Dec news) in salesforce" in out
    assert "dormant days 150" in out
    # the open mirrored 3 minutes later is shown with its twin; the click without one is real
    assert "1 Salesforce task(s) taken as copies of HubSpot email events" in out
    assert (
        "salesforce 00T1 'Email Opened: Nov news'" in out
        and "= hubspot ev1 email_open 'Nov news'" in out
    )
    assert "(+3 min)" in out and "00T2" not in out.split("taken as copies")[1]


def test_explains_by_record_id_with_score_parts(stored: None) -> None:
    result = runner.invoke(app, ["explain", "3", "--as-of", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert "status reactivated" in result.stdout
    assert "reactivation score 7.8" in result.stdout
    assert "no Salesforce task taken as a copy" in result.stdout


def test_unknown_person_and_bad_date(stored: None) -> None:
    missing = runner.invoke(app, ["explain", "nobody@x.com"])
    assert missing.exit_code == 1 and "no person" in missing.stderr
    bad = runner.invoke(app, ["explain", "ann@x.com", "--as-of", "last tuesday"])
    assert bad.exit_code == 2 and "not a date" in bad.output
