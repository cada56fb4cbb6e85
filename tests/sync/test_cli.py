"""The command line as an operator meets it: exit codes, masked secrets, named problems."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("REENGAGE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("reengage 0.")


def test_connectors_lists_builtins() -> None:
    result = runner.invoke(app, ["connectors"])
    assert result.exit_code == 0
    assert "hubspot" in result.stdout and "salesforce" in result.stdout


def test_config_check_masks_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REENGAGE_HUBSPOT__ACCESS_TOKEN", "pat-na1-very-secret")
    monkeypatch.setenv("REENGAGE_SALESFORCE__INSTANCE_URL", "https://acme.my.salesforce.com")
    monkeypatch.setenv("REENGAGE_SALESFORCE__SESSION_ID", "00D!session-very-secret")
    monkeypatch.setenv("REENGAGE_DATABASE_URL", "postgresql+psycopg://u:pw-very-secret@h/db")
    result = runner.invoke(app, ["config", "check", "--json"])
    assert result.exit_code == 0, result.output
    assert "very-secret" not in result.output
    shown = json.loads(result.stdout)
    assert shown["salesforce"]["auth_mode"] == "session_id"
    assert shown["hubspot"]["access_token"] == "**********"
    assert shown["rules"]["lead_days"] == 90


def test_config_check_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every default holds once the one platform chosen has its credential."""
    monkeypatch.setenv("REENGAGE_PLATFORMS", "hubspot")
    monkeypatch.setenv("REENGAGE_HUBSPOT__ACCESS_TOKEN", "pat-na1-test")
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.stdout


def test_broken_rules_file_names_each_problem(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text(
        "[dormancy]\nlead_days = -5\ncolour = 'red'\n[weights]\nemail_open = 'three'\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("REENGAGE_RULES_FILE", str(bad))
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 2
    for expected in ("dormancy.lead_days", "dormancy.colour: unknown key", "weights.email_open"):
        assert expected in result.stderr
    assert "Traceback" not in result.output


def test_broken_environment_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REENGAGE_SALESFORCE__PASSWORD", "hunter2-secret")
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 2
    assert "incomplete Salesforce credentials" in result.stderr
    assert "hunter2-secret" not in result.output
