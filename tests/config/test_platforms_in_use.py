"""Which platforms a run uses is explicit; a half-configured or misspelled setting is an error.

Each case runs the real command in a subprocess with a clean environment, as cron would.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_process import run_cli

SALESFORCE = {
    "REENGAGE_SALESFORCE__INSTANCE_URL": "https://127.0.0.1:9",
    "REENGAGE_SALESFORCE__SESSION_ID": "00Dsession!canary",
}


def test_a_misspelled_variable_is_an_error_naming_it(tmp_path: Path) -> None:
    env = {**SALESFORCE, "REENGAGE_HUBSPOT_ACCESS_TOKEN": "pat-na1-canary"}
    done = run_cli(["config", "check"], tmp_path, **env)
    assert done.returncode == 2
    assert "REENGAGE_HUBSPOT_ACCESS_TOKEN" in done.stderr
    assert "canary" not in done.stderr + done.stdout


def test_no_credentials_at_all_is_not_ok(tmp_path: Path) -> None:
    done = run_cli(["config", "check"], tmp_path)
    assert done.returncode == 2
    assert "REENGAGE_HUBSPOT__ACCESS_TOKEN" in done.stderr
    assert "REENGAGE_PLATFORMS" in done.stderr


def test_platforms_in_use_are_shown_and_one_platform_is_enough_when_chosen(
    tmp_path: Path,
) -> None:
    done = run_cli(
        ["config", "check", "--json"], tmp_path, **SALESFORCE, REENGAGE_PLATFORMS="salesforce"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["platforms"] == ["salesforce"]


def test_sync_refuses_to_start_when_a_platform_in_use_has_no_credentials(tmp_path: Path) -> None:
    done = run_cli(["sync", "--apply", "-q"], tmp_path, **SALESFORCE)
    assert done.returncode == 2
    assert "REENGAGE_HUBSPOT__ACCESS_TOKEN" in done.stderr
    assert "retrying" not in done.stderr  # refused before any request
