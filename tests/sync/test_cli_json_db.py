"""`reengage db upgrade --json`: one document at DEBUG, errors included."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_process import run_cli


def test_db_upgrade_json_says_what_it_did_and_errors_are_documents(tmp_path: Path) -> None:
    debug = {"REENGAGE_LOG_LEVEL": "DEBUG"}
    first = json.loads(run_cli(["db", "upgrade", "--json"], tmp_path, **debug).stdout)
    again = json.loads(run_cli(["db", "upgrade", "--json"], tmp_path, **debug).stdout)
    assert first["migrated"] and first["from_revision"] is None
    assert not again["migrated"] and again["from_revision"] == first["to_revision"]
    sql = json.loads(run_cli(["db", "upgrade", "--sql", "--json"], tmp_path, **debug).stdout)
    assert sql["sql"] == ""  # at head: nothing to print
    bad = run_cli(["db", "upgrade", "--json"], tmp_path, REENGAGE_DATABASE_URL="bogus://", **debug)
    doc = json.loads(bad.stdout)
    assert bad.returncode == 2 == doc["exit_code"]
    assert (
        doc["error"]["code"] == "configuration"
        and "REENGAGE_DATABASE_URL" in doc["error"]["message"]
    )
