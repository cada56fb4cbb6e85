"""``reengage runs`` and ``reengage errors``: the sync log an operator reads the morning after.

Runs and operations are recorded the way a cycle records them (``start_run`` /
``finish_run`` with the run's stats, ``save_plan`` / ``record_outcomes`` for the
journal), then the commands are run as a script runs them: a subprocess whose
stdout is parsed as data.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from connectors.base import Platform, RecordRef, RecordType, WriteResult, WriteStatus
from sync.apply import ApplyStats
from sync.journal import pending, record_outcomes, save_plan
from sync.plan.model import Operation, OpKind, Plan
from sync.pull import PullStats
from sync.run import RunResult, _stats, finish_run, start_run
from sync.store.migrate import open_store
from tests.cli_process import run_cli

INSTANCE = "https://acme.my.salesforce.com"
LEAD = "00Q5g00000AbCdEAAA"


def record_run(engine: Engine) -> int:
    """A finished sync run: read both platforms, applied and failed a few operations."""
    run_id = start_run(engine, "sync", datetime.now(UTC))
    result = RunResult(run_id=run_id, status="ok")
    result.pulled = [
        PullStats("hubspot", records=40, activities=7, by_stream={"contacts": 40, "emails": 7}),
        PullStats("salesforce", records=12, by_stream={"Lead": 9, "Contact": 3}),
    ]
    result.applied = ApplyStats(
        applied=Counter({("hubspot", "update_fields"): 5, ("salesforce", "add_member"): 2}),
        failed=Counter({("salesforce", "update_fields"): 1}),
    )
    finish_run(engine, result, _stats(result))
    return run_id


def park_one(engine: Engine, run_id: int, *, max_attempts: int = 2) -> None:
    """One Salesforce field update refused ``max_attempts`` times in a row: parked."""
    op = Operation(
        op=OpKind.UPDATE_FIELDS,
        platform=Platform.SALESFORCE,
        record=RecordRef(RecordType.SALESFORCE_LEAD, LEAD),
        target=None,
        payload={"fields": {"Reengage_Status__c": "dormant"}},
        idempotency_key="fields-1",
        person_id=1,
        segment="dormant_lead",
    )
    for _ in range(max_attempts):
        with engine.begin() as conn:
            plan_id = save_plan(
                conn, Plan.of([op]), as_of=datetime.now(UTC), version="v", run_id=run_id
            )
            refused = WriteResult(
                "fields-1",
                WriteStatus.FAILED,
                error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
                message="Status may not be set on a converted lead",
            )
            outcomes = [(entry, refused) for entry in pending(conn, plan_id)]
            record_outcomes(conn, outcomes, max_attempts=max_attempts)


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, str]:
    url = f"sqlite:///{tmp_path}/log.db"
    engine = open_store(url)
    return engine, url


def cli(args: list[str], tmp_path: Path, url: str) -> dict[str, object]:
    done = run_cli(
        args,
        tmp_path,
        REENGAGE_DATABASE_URL=url,
        REENGAGE_SALESFORCE__INSTANCE_URL=INSTANCE,
        REENGAGE_LOG_LEVEL="DEBUG",
    )
    assert done.returncode == 0, done.stderr
    doc: dict[str, object] = json.loads(done.stdout)
    return doc


def test_runs_lists_a_recorded_run_with_its_figures(
    store: tuple[Engine, str], tmp_path: Path
) -> None:
    engine, url = store
    run_id = record_run(engine)
    engine.dispose()
    doc = cli(["runs", "--json"], tmp_path, url)
    assert "since" in doc
    runs = doc["runs"]
    assert isinstance(runs, list) and len(runs) == 1
    run = runs[0]
    assert run["id"] == run_id
    assert run["kind"] == "sync" and run["trigger"] == "manual"
    assert run["status"] == "ok" and run["exit_code"] == 1  # an operation failed
    assert run["started_at"] and run["finished_at"]
    assert run["read"] == {
        "hubspot": {"contacts": 40, "emails": 7},
        "salesforce": {"Lead": 9, "Contact": 3},
    }
    assert run["applied"] == {"hubspot": 5, "salesforce": 2}
    assert run["failed"] == {"salesforce": 1}


def test_errors_lists_a_parked_operation(store: tuple[Engine, str], tmp_path: Path) -> None:
    engine, url = store
    park_one(engine, record_run(engine))
    engine.dispose()
    doc = cli(["errors", "--json"], tmp_path, url)
    assert "since" in doc
    errors = doc["errors"]
    assert isinstance(errors, list) and len(errors) == 1, errors
    error = errors[0]
    assert error["kind"] == "parked" and error["parked"] is True
    assert error["platform"] == "salesforce"
    assert error["object"] == "lead" and error["record_id"] == LEAD
    assert error["link"] == f"{INSTANCE}/lightning/r/Lead/{LEAD}/view"
    assert error["error_code"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert error["error_message"] == "Status may not be set on a converted lead"
    assert error["attempts"] == 2
    assert error["operation"] == "update_fields"
