"""Real serve processes: two on one PostgreSQL store never overlap; SIGTERM mid-apply is clean."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from connectors.base import Platform, RecordRef, RecordType
from sync.plan.model import Operation, OpKind, Plan
from sync.store.journal import save_plan
from sync.store.migrate import open_store
from sync.store.schema import operations
from tests.sync.serve.worker import CALL, probe

ROOT = Path(__file__).resolve().parents[3]
PATIENCE = 120.0  # seconds: a bound for a loaded machine, not a timing the test relies on


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.sync.serve.worker", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, dict[str, Any]]:
    out, err = proc.communicate(timeout=PATIENCE)
    assert out.strip(), f"worker printed nothing; stderr:\n{err}"
    return proc.returncode, json.loads(out.strip().splitlines()[-1])


def wait_until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {PATIENCE} s")
        time.sleep(0.05)


def probe_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(probe.c.id)).all())


def test_two_processes_take_turns_without_overlap(postgres_url: str, tmp_path: Path) -> None:
    """Both workers start on one grid only once both are up; the test waits for turns, not time."""
    engine = open_store(postgres_url)  # migrated once here, so the workers only open it
    probe.create(engine)
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{i}" for i in range(2)]
    procs = [spawn("turns", postgres_url, str(r), str(go)) for r in ready]
    wait_until(lambda: all(r.exists() for r in ready), "both workers were not ready")
    go.write_text(str(time.time() + 0.5))
    wait_until(lambda: probe_rows(engine) >= 4, "four turns were not taken")
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    results = [finish(proc) for proc in procs]
    with engine.connect() as conn:
        runs = conn.execute(select(probe).order_by(probe.c.started)).all()
    engine.dispose()

    assert [code for code, _ in results] == [0, 0]
    assert len(runs) >= 3
    for before, after in pairwise(runs):
        assert after.started >= before.ended, f"runs overlapped: {before} and {after}"
    summaries = [summary for _, summary in results]
    assert sum(s["runs"]["ok"] for s in summaries) == len(runs)
    assert all(s["runs"]["ok"] + s["skipped"] >= 1 for s in summaries)  # both took part
    assert sum(s["skipped"] for s in summaries) >= 1  # they met at the lock, one was refused


def field_plan(n: int) -> Plan:
    return Plan.of(
        [
            Operation(
                OpKind.UPDATE_FIELDS,
                Platform.SALESFORCE,
                RecordRef(RecordType.SALESFORCE_LEAD, f"00Q{i:04d}"),
                None,
                {"values": {"Reengage_Status__c": "dormant"}},
                f"f{i}",
                i,
                "x",
            )
            for i in range(n)
        ]
    )


def wait_for_lines(path: Path, n: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"the worker sent fewer than {n} operations in {timeout} s")


def journal(engine: Engine, plan_id: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(operations.c.idempotency_key, operations.c.status).where(
                operations.c.plan_id == plan_id
            )
        ).all()
    return {key: status for key, status in rows}


def test_sigterm_finishes_the_batch_in_flight(store_url: str, tmp_path: Path) -> None:
    engine = open_store(store_url)
    total = 10 * CALL
    with engine.begin() as conn:
        plan_id = save_plan(conn, field_plan(total), as_of=datetime.now(UTC), version="v")
    sent = tmp_path / "sent.txt"
    proc = spawn("apply", store_url, plan_id, str(sent))
    wait_for_lines(sent, 3 * CALL)  # the platform is answering the third call right now
    proc.send_signal(signal.SIGTERM)
    code, summary = finish(proc)
    statuses = journal(engine, plan_id)
    engine.dispose()

    assert code == 0
    assert summary["runs"]["stopped"] == 1
    received = sent.read_text().splitlines()
    applied = {key for key, status in statuses.items() if status == "applied"}
    assert set(statuses.values()) <= {"applied", "planned"}
    assert applied == set(received)  # what the platform got is journaled, nothing more
    assert len(received) == len(set(received))  # and nothing was sent twice
    assert 3 * CALL <= len(applied) < total and len(applied) % CALL == 0
