"""The issue's test (slow): three tenants of 500 persons, each its own generated world, two
``reengage worker`` processes, the scheduler, RabbitMQ and PostgreSQL. One worker's main
process (in one run) or one pool child (in the other) is killed mid-task; every tenant
still converges to what a single-tenant ``reengage sync --apply`` gives for its world, with
no task created twice, no membership lost and no two runs of one tenant overlapping."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.tenants.harness import (
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

SEEDS = {"alpha": 51, "beta": 52, "gamma": 53}
PERSONS = 500


def _kill_mid_task(fleet: Fleet, url: str, lost: str, workers: list[int]) -> str:
    """Waits until some tenant's run is applying, then SIGKILLs its pool child or that
    child's worker main process; returns the tenant hit."""
    found: list[tuple[str, int]] = []

    def applying() -> bool:
        for tenant in SEEDS:
            pid = holder_pid(url, f"tenant_{tenant}")
            if pid is not None and applied_ops(url, f"tenant_{tenant}") > 0:
                found.append((tenant, pid))
                return True
        return False

    wait_for(applying, 600, "a tenant's run applying", fleet)
    tenant, child = found[0]
    victim = child if lost == "child" else parent_pid(child)
    assert lost == "child" or victim in workers
    os.kill(victim, signal.SIGKILL)
    return tenant


@pytest.mark.slow
@pytest.mark.parametrize("lost", ["main", "child"])
def test_three_tenants_two_workers_a_lost_worker_every_tenant_converges(
    lost: str, postgres_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    boxes: dict[str, Any] = {t: world(seed, PERSONS, now) for t, seed in SEEDS.items()}
    refs: dict[str, Any] = {t: world(seed, PERSONS, now) for t, seed in SEEDS.items()}
    fleet: Fleet | None = None
    try:
        text, secrets = "", dict[str, str]()
        for tenant, box in boxes.items():
            table, found = tenant_table(tenant, box, first_apply="true",
                                        schedule="{ interval_seconds = 20 }")  # fmt: skip
            text, secrets = text + table, {**secrets, **found}
        tenants_file = tmp_path / "tenants.toml"
        tenants_file.write_text(text, encoding="utf-8")
        fleet = fleet_env(tmp_path, postgres_url, tenants_file, secrets)
        for args in (["db", "upgrade"], *(["--tenant", t, "setup"] for t in boxes)):
            done = _cli(fleet, *args)
            assert done.returncode == 0, done.stderr
        for box in boxes.values():  # cycles long enough to be cut in the middle of writes
            box.hubspot.faults.latency = box.salesforce.faults.latency = 0.1
        workers = [fleet.start("worker", "--concurrency", "2").pid for _ in range(2)]
        time.sleep(3)
        fleet.start("scheduler")
        hit = _kill_mid_task(fleet, postgres_url, lost, workers)
        killed_at = datetime.now(UTC)
        for box in boxes.values():
            box.hubspot.faults.latency = box.salesforce.faults.latency = 0.0
        if lost == "main":
            fleet.start("worker", "--concurrency", "2")  # the machine comes back
        wait_for(lambda: all(
            sum(1 for s, started, *_ in runs_of(postgres_url, f"tenant_{t}")
                if s == "ok" and started > killed_at) >= 1 for t in SEEDS
        ), 900, "a run of every tenant after the kill", fleet)  # fmt: skip
        fleet.stop_all()
        for tenant, box in boxes.items():
            _reference(
                refs[tenant], tmp_path / tenant, last_as_of(postgres_url, f"tenant_{tenant}")
            )
            have, want = _converged_state(box), _converged_state(refs[tenant])
            assert state_differences(have, want) == [], tenant
            runs = runs_of(postgres_url, f"tenant_{tenant}")
            done_runs = [(started, end) for status, started, end, _ in runs if status != "running"]
            assert overlaps(done_runs) == [], tenant
        cut = [r for r in runs_of(postgres_url, f"tenant_{hit}") if r[0] == "running"]
        assert len(cut) == 1  # the run that was killed, and only that one
    finally:
        if fleet is not None:
            fleet.stop_all()
            fleet.delete_queue()
        for box in [*boxes.values(), *refs.values()]:
            box.stop()
