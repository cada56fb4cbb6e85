"""``reengage runs`` and ``reengage errors``: the sync log an operator reads the morning after.

Runs and operations are recorded the way a cycle records them (``start_run`` /
``finish_run`` with the run's stats, ``save_plan`` / ``record_outcomes`` for the
journal), then the commands are run as a script runs them: a subprocess whose
stdout is parsed as data.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine, select, update

from config.rules import load_rules
from config.settings import Settings
from connectors.base import (
    Platform,
    RecordRef,
    RecordType,
    StopRun,
    WriteResult,
    WriteStatus,
)
from sync.apply import ApplyStats
from sync.cli.runs import parse_since
from sync.plan.model import Operation, OpKind, Plan
from sync.pull import PullStats
from sync.report import build_report, html_text
from sync.run import RunResult, finish_run, run_stats, start_run
from sync.serve.metrics import Metrics
from sync.serve.service import sync_cycle
from sync.store.journal import pending, record_outcomes, save_plan
from sync.store.migrate import open_store
from sync.store.runlog import failures, recent_runs
from sync.store.schema import operations, plans, runs
from tests.cli_process import run_cli
from tests.sync.serve.test_loop import StoppingSource

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
    finish_run(engine, result, run_stats(result))
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


def age(engine: Engine, run_id: int, started: datetime) -> None:
    """Moves a recorded run (and its plans' operations) back to ``started``."""
    with engine.begin() as conn:
        conn.execute(
            update(runs).where(runs.c.id == run_id).values(started_at=started, finished_at=started)
        )
        plan_ids = select(plans.c.id).where(plans.c.run_id == run_id)
        conn.execute(
            update(operations).where(operations.c.plan_id.in_(plan_ids)).values(updated_at=started)
        )


def test_since_leaves_out_what_came_before_the_cutoff(
    store: tuple[Engine, str], tmp_path: Path
) -> None:
    engine, url = store
    old = record_run(engine)
    park_one(engine, old)
    age(engine, old, datetime.now(UTC) - timedelta(days=3))
    new = record_run(engine)
    engine.dispose()
    cutoff = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    listed = cli(["runs", "--json", "--since", cutoff], tmp_path, url)
    assert [r["id"] for r in listed["runs"]] == [new]  # type: ignore[union-attr]
    assert cli(["errors", "--json", "--since", "2d"], tmp_path, url)["errors"] == []
    listed = cli(["runs", "--json", "--since", "4d"], tmp_path, url)
    assert [r["id"] for r in listed["runs"]] == [new, old]  # type: ignore[union-attr]
    found = cli(["errors", "--json", "--since", "4d"], tmp_path, url)["errors"]
    assert [e["record_id"] for e in found] == [LEAD]  # type: ignore[union-attr,index]


def test_csv_is_one_row_per_run_and_per_failure(store: tuple[Engine, str], tmp_path: Path) -> None:
    """Operations per platform come from the run's stats, or from the journal when the run
    made plans (two failed sends of one operation in the second run here)."""
    engine, url = store
    first = record_run(engine)
    second = record_run(engine)
    park_one(engine, second)
    engine.dispose()
    env = {"REENGAGE_DATABASE_URL": url, "REENGAGE_SALESFORCE__INSTANCE_URL": INSTANCE}
    done = run_cli(["runs", "--csv"], tmp_path, REENGAGE_LOG_LEVEL="DEBUG", **env)
    assert done.returncode == 0, done.stderr
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert sorted(rows) == [first, second]
    run = rows[first]
    assert (run["kind"], run["trigger"], run["status"], run["exit_code"]) == (
        "sync", "manual", "ok", "1",
    )  # fmt: skip
    assert run["read hubspot/contacts"] == "40" and run["read salesforce/Lead"] == "9"
    assert run["applied hubspot"] == "5" and run["failed salesforce"] == "1"
    assert rows[second]["failed salesforce"] == "2" and rows[second]["applied hubspot"] == ""
    done = run_cli(["errors", "--csv"], tmp_path, REENGAGE_LOG_LEVEL="DEBUG", **env)
    assert done.returncode == 0, done.stderr
    (error,) = list(csv.DictReader(io.StringIO(done.stdout)))
    assert error["link"] == f"{INSTANCE}/lightning/r/Lead/{LEAD}/view"
    assert (error["kind"], error["parked"], error["attempts"]) == ("parked", "True", "2")
    assert error["error_code"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"


def test_attempts_count_every_plan_and_the_log_shows_the_operation_once(store_url: str) -> None:
    engine = open_store(store_url)
    try:
        run_id = record_run(engine)
        park_one(engine, run_id, max_attempts=3)
        with engine.connect() as conn:
            (failure,) = failures(conn, datetime.now(UTC) - timedelta(hours=1))
            (run,) = recent_runs(conn, datetime.now(UTC) - timedelta(hours=1))
        assert (failure.kind, failure.attempts, failure.run_id) == ("parked", 3, run_id)
        assert (failure.object, failure.record_id) == ("lead", LEAD)
        assert run.read["salesforce"] == {"Lead": 9, "Contact": 3}
        assert (run.applied, run.failed) == ({}, {"salesforce": 3})  # the journal's, not stats'
    finally:
        engine.dispose()


def test_a_scheduled_run_is_logged_with_its_trigger_and_exit(
    store: tuple[Engine, str],
) -> None:
    """``reengage serve``'s cycle is a ``schedule`` run; a budget stop exits 3."""
    engine, _ = store
    cycle = sync_cycle(
        engine, Settings(), load_rules(), Metrics(), connectors=lambda *_: {
            Platform.SALESFORCE: StoppingSource()
        },
    )  # fmt: skip
    with pytest.raises(StopRun):
        cycle(threading.Event())
    with engine.connect() as conn:
        (run,) = recent_runs(conn, datetime.now(UTC) - timedelta(hours=1))
    engine.dispose()
    assert (run.trigger, run.status, run.exit_code) == ("schedule", "stopped", 3)
    assert run.message and "daily budget" in run.message


def test_since_takes_durations_and_dates() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert parse_since(None, now=now) == now - timedelta(days=7)
    assert parse_since("24h", now=now) == now - timedelta(hours=24)
    assert parse_since("2w", now=now) == now - timedelta(weeks=2)
    assert parse_since("2026-11-19", now=now) == datetime(2026, 11, 19, tzinfo=UTC)
    with pytest.raises(typer.BadParameter, match="neither a duration"):
        parse_since("yesterday", now=now)


def test_the_html_report_names_the_sync_log(sqlite_url: str) -> None:
    engine = open_store(sqlite_url)
    try:
        end = datetime.now(UTC)
        page = html_text(build_report(engine, load_rules(), end - timedelta(weeks=4), end))
    finally:
        engine.dispose()
    assert "<code>reengage runs</code>" in page and "<code>reengage errors</code>" in page
