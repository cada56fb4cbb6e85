"""Every command that reports a result prints one JSON document with ``--json``, at any
log level, and its errors as ``{"error": {"message", "code", "platform"}, "exit_code": n}``.

Run as an operator's script runs reengage: a subprocess whose stdout is a pipe, at
``REENGAGE_LOG_LEVEL=DEBUG``, against one small sandbox and one store shared by the
whole module (the cases run in order: plan before apply, a run before ``runs``).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.sandbox import Sandbox, SandboxOptions
from tests.cli_process import run_cli

# numba's cache outlives the module's folder (it is keyed on the source files), so that
# only the first run on a machine compiles the engine
ENGINE_CACHE = Path(tempfile.gettempdir()) / "reengage-test-engine-cache"
ERROR_CODES = {"configuration", "not_found", "platform", "stopped", "store", "usage"}


class Cli:
    """``reengage ARGS`` against the module's sandbox and store, at DEBUG."""

    def __init__(self, box: Sandbox, folder: Path) -> None:
        self.folder = folder
        self.hubspot_url = box.hubspot.url
        self.record_id = ""  # a record the plan touched, for explain
        self.env = {
            **box.environment(),
            "REENGAGE_DATABASE_URL": f"sqlite:///{folder}/store.db",
            "REENGAGE_LOG_LEVEL": "DEBUG",
            "NUMBA_CACHE_DIR": str(ENGINE_CACHE),
        }

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run_cli(list(args), self.folder, **{**self.env, **env})

    def document(self, *args: str, exit_code: int = 0, **env: str) -> dict[str, Any]:
        """The one JSON document the command printed; its exit code checked."""
        done = self.run(*args, **env)
        assert done.returncode == exit_code, done.stderr[-2000:]
        doc = json.loads(done.stdout)
        assert isinstance(doc, dict), done.stdout
        return doc


def error_of(doc: dict[str, Any], code: str, exit_code: int) -> dict[str, Any]:
    """The error part of an error document, checked for shape."""
    assert set(doc) >= {"error", "exit_code"} and doc["exit_code"] == exit_code, doc
    error = doc["error"]
    assert set(error) == {"message", "code", "platform"}, error
    assert error["code"] in ERROR_CODES and error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"], error
    return dict(error)


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    box = Sandbox(SandboxOptions(persons=200)).start()
    try:
        yield Cli(box, tmp_path_factory.mktemp("jsonout"))
    finally:
        box.stop()


def test_setup_check_only(cli: Cli) -> None:
    doc = cli.document("setup", "--check-only", "--json", exit_code=1)  # nothing created yet
    items = doc["items"]
    assert {i["platform"] for i in items} == {"hubspot", "salesforce"}
    assert all(i["status"] in ("ok", "created", "missing", "wrong", "manual") for i in items)
    assert doc["ready"] is False and doc["exit_code"] == 1


def test_setup_then_backfill(cli: Cli) -> None:
    setup = cli.document("setup", "--json")
    assert setup["ready"] is True and "created" in {i["status"] for i in setup["items"]}
    doc = cli.document("backfill", "--json")
    assert doc["read"]["hubspot"]["records"] > 0 and doc["read"]["salesforce"]["records"] > 0
    assert sum(doc["decided"]["status"].values()) == doc["decided"]["persons"]
    assert doc["exit_code"] == 0


def test_sync_dry_run(cli: Cli) -> None:
    doc = cli.document("sync", "--dry-run", "--json")
    assert doc["plan_id"] and "planned" in doc and "applied" not in doc


def test_plan_then_apply(cli: Cli) -> None:
    plan = cli.document("plan", "--json", "--limit", "3")
    cli.record_id = next(op["record_id"] for op in plan["operations"] if op["record_id"])
    doc = cli.document("apply", plan["plan_id"], "--json")
    assert doc["plan_id"] == plan["plan_id"]
    planned = sum(plan["counts"].values())
    done = sum(doc["applied"].values()) + sum(doc["failed"].values())
    assert done <= planned and doc["exit_code"] == 0


def test_report(cli: Cli) -> None:
    doc = cli.document("report", "--json")
    assert set(doc["period"]) == {"from", "to"}
    overview = doc["tables"]["overview"]
    assert set(overview) >= {"title", "columns", "rows", "note"}
    assert all(len(row) == len(overview["columns"]) for row in overview["rows"])


def test_runs_and_errors(cli: Cli) -> None:
    assert isinstance(cli.document("runs", "--json")["runs"], list)
    assert isinstance(cli.document("errors", "--json")["errors"], list)


def test_serve_once(cli: Cli) -> None:
    doc = cli.document("serve", "--once", "--json")
    assert doc["status"] == "ok" and doc["exit_code"] == 0
    assert doc["run"]["kind"] == "sync" and doc["run"]["trigger"] == "schedule"


def test_config_check(cli: Cli) -> None:
    assert cli.document("config", "check", "--json")["rules"]["segments"]


def test_explain(cli: Cli) -> None:
    assert cli.record_id, "test_plan_then_apply runs first"
    assert isinstance(cli.document("explain", cli.record_id, "--json"), dict)


def test_explain_someone_unknown(cli: Cli) -> None:
    doc = cli.document("explain", "nobody@example.invalid", "--json", exit_code=1)
    assert "nobody@example.invalid" in error_of(doc, "not_found", 1)["message"]


def test_a_misspelled_variable_is_a_configuration_error(cli: Cli) -> None:
    doc = cli.document("plan", "--json", exit_code=2, REENGAGE_HUBSPOT__ACESS_TOKEN="x")
    assert "REENGAGE_HUBSPOT__ACESS_TOKEN" in error_of(doc, "configuration", 2)["message"]


def test_an_unknown_plan_is_not_found(cli: Cli) -> None:
    doc = cli.document("apply", "no-such-plan", "--json", exit_code=1)
    assert "no-such-plan" in error_of(doc, "not_found", 1)["message"]


def test_a_platform_error_names_the_platform(cli: Cli) -> None:
    doc = cli.document("sync", "--json", exit_code=1, REENGAGE_PLATFORMS="hubspot",
                       REENGAGE_HUBSPOT__BASE_URL=f"{cli.hubspot_url}/nowhere")  # fmt: skip
    assert error_of(doc, "platform", 1)["platform"] == "hubspot"


def test_flags_that_exclude_each_other_are_a_usage_error(cli: Cli) -> None:
    doc = cli.document("sync", "--apply", "--dry-run", "--json", exit_code=2)
    error_of(doc, "usage", 2)


def test_an_unreachable_store_is_a_store_error(cli: Cli) -> None:
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:9/none"  # discard port: nothing listens
    doc = cli.document("runs", "--json", exit_code=2, REENGAGE_DATABASE_URL=nowhere)
    error_of(doc, "store", 2)
