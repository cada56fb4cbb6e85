"""Tenants on Celery workers, end to end on real parts: RabbitMQ, PostgreSQL, one sandbox per
tenant, ``reengage worker`` and ``reengage scheduler`` as real processes.

After the scheduled cycles each tenant's platforms hold what a single-tenant ``reengage
sync --apply`` gives for an identical world (lists and campaigns, task keys); no two runs
of one tenant overlapped; a paused tenant never ran; every log line of a task names its
tenant.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.rules import load_rules
from tests.cli_process import run_cli
from tests.e2e.readback import read_back
from tests.tenants.harness import (
    Fleet,
    fleet_env,
    last_as_of,
    overlaps,
    runs_of,
    single_tenant_env,
    tenant_table,
    wait_for,
    world,
)

SEEDS = {"north": 31, "south": 32}
PERSONS = 100


def _reference(box: Any, folder: Path, as_of: str) -> None:
    """What a single-tenant `reengage sync --apply --as-of AS_OF` makes of ``box``'s world."""
    folder.mkdir(exist_ok=True)
    env = {**single_tenant_env(box), "REENGAGE_DATABASE_URL": f"sqlite:///{folder}/ref.db"}
    for args in (["setup"], ["sync", "--apply", "--quiet", "--as-of", as_of]):
        done = run_cli(args, folder, **env)
        assert done.returncode == 0, done.stderr


def _cli(fleet: Fleet, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sync.cli", *args]
    return subprocess.run(command, env=fleet.env, cwd=fleet.folder, capture_output=True,
                          text=True, timeout=180)  # fmt: skip


def _ok_runs(url: str, schema: str) -> int:
    return sum(1 for status, *_ in runs_of(url, schema) if status == "ok")


def _applied(stats: dict[str, Any] | None) -> int:
    return sum((stats or {}).get("applied", {}).values())


def state_differences(have: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """What one platform state has that the other lacks: list members, task keys (counted)."""
    out = []
    for platform in want:
        (members, keys), (ref_members, ref_keys) = have[platform], want[platform]
        for name in sorted(set(members) | set(ref_members)):
            extra = members.get(name, frozenset()) - ref_members.get(name, frozenset())
            lost = ref_members.get(name, frozenset()) - members.get(name, frozenset())
            if extra or lost:
                out.append(f"{platform} {name}: extra {sorted(extra)}, lost {sorted(lost)}")
        if keys != ref_keys:
            out.append(f"{platform} tasks: extra {keys - ref_keys}, lost {ref_keys - keys}")
    return out


def _converged_state(box: Any) -> dict[str, Any]:
    seen = read_back(box, load_rules())
    return {
        name: (state.members, state.task_keys())
        for name, state in (("hubspot", seen.hubspot), ("salesforce", seen.salesforce))
    }


def test_tenants_on_a_worker_and_the_scheduler_converge_apart(
    postgres_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    boxes = {t: world(seed, PERSONS, now) for t, seed in SEEDS.items()}
    refs = {t: world(seed, PERSONS, now) for t, seed in SEEDS.items()}
    paused_box = world(33, 20, now)
    fleet: Fleet | None = None
    try:
        text, secrets = "", dict[str, str]()
        for tenant, box in [*boxes.items(), ("west", paused_box)]:
            extra = {"paused": "true"} if tenant == "west" else {"first_apply": "true"}
            table, found = tenant_table(tenant, box, schedule="{ interval_seconds = 10 }", **extra)
            text, secrets = text + table, {**secrets, **found}
        tenants_file = tmp_path / "tenants.toml"
        tenants_file.write_text(text, encoding="utf-8")
        fleet = fleet_env(tmp_path, postgres_url, tenants_file, secrets)
        for args in (["db", "upgrade"], *(["--tenant", t, "setup"] for t in boxes)):
            done = _cli(fleet, *args)
            assert done.returncode == 0, done.stderr
        paused_box.hubspot.state.reset_counts()
        fleet.start("worker", "--concurrency", "2")
        fleet.start("scheduler")
        wait_for(lambda: all(_ok_runs(postgres_url, f"tenant_{t}") >= 2 for t in boxes), 240,
                 "two finished runs of each tenant", fleet)  # fmt: skip
        fleet.stop_all()
        for tenant, box in boxes.items():
            _reference(
                refs[tenant], tmp_path / tenant, last_as_of(postgres_url, f"tenant_{tenant}")
            )
            state = _converged_state(box)
            assert state_differences(state, _converged_state(refs[tenant])) == [], tenant
            assert sum(len(m) for m in state["hubspot"][0].values()) > 0  # there was work
            runs = runs_of(postgres_url, f"tenant_{tenant}")
            assert _applied(runs[0][3]) > 0, runs[0]  # ... done by the worker's first run
            assert overlaps([(started, finished) for _, started, finished, _ in runs]) == []
            assert {stats["trigger"] for *_, stats in runs} == {"schedule"}
        assert runs_of(postgres_url, "tenant_west") == []
        assert paused_box.hubspot.state.write_requests() == {}
        _assert_tenant_on_task_lines(fleet)
    finally:
        if fleet is not None:
            fleet.stop_all()
            fleet.delete_queue()
        for box in [*boxes.values(), *refs.values(), paused_box]:
            box.stop()


def _assert_tenant_on_task_lines(fleet: Fleet) -> None:
    lines = []
    for line in (fleet.folder / "worker-0.log").read_text(errors="replace").splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue  # Celery's own banner and lines
        if isinstance(doc, dict) and str(doc.get("logger", "")).startswith("reengage"):
            lines.append(doc)
    cycle_lines = [d for d in lines if d["logger"] in ("reengage.run", "reengage.tenants")]
    assert cycle_lines, "no reengage log line from the worker"
    assert all(d.get("tenant") in SEEDS for d in cycle_lines), cycle_lines[:3]
