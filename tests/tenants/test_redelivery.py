"""A worker lost mid-task: its tenant's task is redelivered and the tenant converges, with no
task created twice and no membership lost; a duplicated task never runs the tenant twice at
once. Real RabbitMQ, real PostgreSQL, ``reengage worker`` processes killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from sync.tenants.app import TASK_NAME, make_app
from tests.tenants.harness import (
    BROKER,
    Fleet,
    applied_ops,
    fleet_env,
    holder_pid,
    last_as_of,
    overlaps,
    parent_pid,
    runs_of,
    tenant_table,
    wait_for,
    world,
)
from tests.tenants.test_workers import _cli, _converged_state, _reference, state_differences

PERSONS = 300
SCHEMA = "tenant_east"


def _skipped(folder: Path) -> int:
    """Tasks that ended because the tenant's lock was held (the worker's JSON log lines)."""
    log = (folder / "worker-0.log").read_text(errors="replace")
    return log.count('"message": "tenant east: cycle skipped"')


def _send(fleet: Fleet, tenant: str, times: int = 1) -> None:
    app = make_app(Settings(broker_url=BROKER), fleet.queue)
    for _ in range(times):
        app.send_task(TASK_NAME, args=[tenant])
    app.close()


def _fleet(tmp_path: Path, postgres_url: str, box: Any) -> Fleet:
    table, secrets = tenant_table("east", box, first_apply="true")
    tenants_file = tmp_path / "tenants.toml"
    tenants_file.write_text(table, encoding="utf-8")
    fleet = fleet_env(tmp_path, postgres_url, tenants_file, secrets)
    for args in (["db", "upgrade"], ["--tenant", "east", "setup"]):
        done = _cli(fleet, *args)
        assert done.returncode == 0, done.stderr
    return fleet


@pytest.mark.parametrize("lost", ["main", "child"])
def test_a_worker_lost_mid_task_has_it_redelivered_and_the_tenant_converges(
    lost: str, postgres_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    box, ref = world(41, PERSONS, now), world(41, PERSONS, now)
    fleet: Fleet | None = None
    try:
        fleet = _fleet(tmp_path, postgres_url, box)
        for faults in (box.hubspot.faults, box.salesforce.faults):
            faults.latency = 0.25  # a cycle long enough to be cut in the middle of its writes
        workers = [fleet.start("worker", "--concurrency", "1") for _ in range(2)]
        time.sleep(3)  # both consuming before the task is sent
        _send(fleet, "east")
        url = postgres_url
        wait_for(lambda: applied_ops(url, SCHEMA) > 0 and holder_pid(url, SCHEMA) is not None, 180,
                 "the first applied operation", fleet)  # fmt: skip
        child = holder_pid(url, SCHEMA)
        assert child is not None
        victim = child if lost == "child" else parent_pid(child)
        assert victim in [w.pid for w in workers] or lost == "child"
        os.kill(victim, signal.SIGKILL)
        killed_at = datetime.now(UTC)
        for faults in (box.hubspot.faults, box.salesforce.faults):
            faults.latency = 0.0
        wait_for(lambda: any(s == "ok" for s, *_ in runs_of(url, "tenant_east")), 150,
                 "the redelivered task's run", fleet)  # fmt: skip
        runs = runs_of(url, "tenant_east")
        assert runs[0][0] == "running" and runs[0][1] < killed_at  # the run that was cut short
        _reference(ref, tmp_path / "ref", last_as_of(url, SCHEMA))
        assert state_differences(_converged_state(box), _converged_state(ref)) == []
        finished = [(started, end) for status, started, end, _ in runs if status != "running"]
        assert overlaps(finished) == []
    finally:
        if fleet is not None:
            fleet.stop_all()
            fleet.delete_queue()
        box.stop()
        ref.stop()


def test_a_duplicated_task_never_runs_a_tenant_twice_at_once(
    postgres_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    box = world(42, 100, now)
    fleet: Fleet | None = None
    try:
        fleet = _fleet(tmp_path, postgres_url, box)
        fleet.start("worker", "--concurrency", "2")
        time.sleep(3)
        _send(fleet, "east", times=4)
        wait_for(lambda: _skipped(tmp_path) > 0
                 and any(s == "ok" for s, *_ in runs_of(postgres_url, "tenant_east")), 180,
                 "one run and a skipped duplicate", fleet)  # fmt: skip
        time.sleep(5)  # the remaining duplicates end too
        runs = runs_of(postgres_url, "tenant_east")
        assert overlaps([(started, end) for _, started, end, _ in runs]) == []
        assert len(runs) < 4  # at least one duplicate found the tenant's lock held and ended
    finally:
        if fleet is not None:
            fleet.stop_all()
            fleet.delete_queue()
        box.stop()


def test_a_long_cycle_stops_cleanly_at_its_budget_and_the_next_turns_finish_it(
    postgres_url: str, tmp_path: Path
) -> None:
    """A task ends well within the broker's consumer timeout: a cycle longer than the task's
    budget (the tenants file's ``task_seconds``) stops after the page or batch in flight, and
    the tenant's next turns resume from there until it converges."""
    now = datetime.now(UTC).replace(microsecond=0)
    box, ref = world(43, PERSONS, now), world(43, PERSONS, now)
    fleet: Fleet | None = None
    try:
        fleet = _fleet(tmp_path, postgres_url, box)
        tenants_file = Path(fleet.env["REENGAGE_TENANTS_FILE"])
        tenants_file.write_text("task_seconds = 6\n" + tenants_file.read_text(encoding="utf-8"))
        for faults in (box.hubspot.faults, box.salesforce.faults):
            faults.latency = 0.1  # a first cycle far longer than 6 s
        fleet.start("worker", "--concurrency", "1")
        time.sleep(3)
        url = postgres_url
        for _ in range(60):  # one turn at a time, as a scheduler would send them
            before = len(runs_of(url, SCHEMA))
            _send(fleet, "east")
            wait_for(partial(_settled, url, before + 1), 180, "the turn's run", fleet)
            if runs_of(url, SCHEMA)[-1][0] == "ok":
                break
        statuses = [status for status, *_ in runs_of(url, SCHEMA)]
        assert statuses[0] == "stopped" and statuses[-1] == "ok", statuses
        _reference(ref, tmp_path / "ref", last_as_of(url, SCHEMA))
        assert state_differences(_converged_state(box), _converged_state(ref)) == []
    finally:
        if fleet is not None:
            fleet.stop_all()
            fleet.delete_queue()
        box.stop()
        ref.stop()


def _settled(url: str, count: int) -> bool:
    found = runs_of(url, SCHEMA)
    return len(found) >= count and found[-1][0] != "running"
