"""The scheduler: each enabled tenant enqueued when due, on its own schedule, with a task
that expires at its next turn; a paused tenant never; pausing takes effect without a
restart; the first turn of a tenant that ran follows its last run."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from config.settings import Settings
from config.tenants import load_tenants
from sync.run import start_run
from sync.serve.metrics import Metrics
from sync.store.schema import runs
from sync.tenants.scheduler import Scheduler
from sync.tenants.store import open_tenant_store, upgrade_tenants
from sync.tenants.tasks import WorkerState, _cycle

FILE = """
[tenants.fast]
schedule = {{ interval_seconds = 30 }}
paused = {paused}
hubspot.access_token = {{ env = "X" }}

[tenants.slow]
schedule = {{ interval_minutes = 10 }}
hubspot.access_token = {{ env = "X" }}

[tenants.off]
paused = true
hubspot.access_token = {{ env = "X" }}
"""


def test_tenants_are_enqueued_on_their_own_schedules_and_paused_ones_never(
    postgres_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text(FILE.format(paused="false"), encoding="utf-8")
    settings = Settings(database_url=postgres_url, tenants_file=path)
    upgrade_tenants(settings, load_tenants(path))
    t0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    slow = open_tenant_store(settings, load_tenants(path), load_tenants(path).get("slow"))
    try:
        start_run(slow, "sync", t0)  # slow ran just now (real clock): its first turn waits
    finally:
        slow.dispose()
    now = [datetime.now(UTC)]
    sent: list[tuple[str, float]] = []
    scheduler = Scheduler(settings, lambda t, expires: sent.append((t, expires)), lambda: now[0])
    assert scheduler.turn() == ["fast"]
    assert sent == [("fast", 30.0)]  # expires when its next turn comes
    now[0] += timedelta(seconds=29)
    assert scheduler.turn() == []
    now[0] += timedelta(seconds=1)
    assert scheduler.turn() == ["fast"]
    path.write_text(FILE.format(paused="true"), encoding="utf-8")  # paused while running
    now[0] += timedelta(minutes=10)
    assert scheduler.turn() == ["slow"]
    now[0] += timedelta(minutes=30)
    assert "fast" not in scheduler.turn() and all(t != "off" for t, _ in sent)


def test_a_task_for_a_paused_tenant_runs_nothing(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task queued before its tenant was paused reaches a worker: it ends without a run."""
    path = tmp_path / "tenants.toml"
    path.write_text(
        '[tenants.off]\npaused = true\nplatforms = ["hubspot"]\n'
        'hubspot.access_token = { env = "OFF_HS" }\nhubspot.base_url = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("OFF_HS", "token-of-off")
    settings = Settings(database_url=postgres_url, tenants_file=path)
    upgrade_tenants(settings, load_tenants(path))
    state = WorkerState(settings, Metrics(), {})
    try:
        outcome = _cycle(state, "off", threading.Event())
    finally:
        state.dispose()
    assert outcome["status"] == "paused"
    engine = open_tenant_store(settings, load_tenants(path), load_tenants(path).get("off"))
    try:
        with engine.connect() as conn:
            assert conn.execute(select(runs.c.id)).all() == []
    finally:
        engine.dispose()
