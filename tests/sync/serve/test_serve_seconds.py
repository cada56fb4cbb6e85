"""`reengage serve` on a 15-second interval against the sandbox: ten cycles, none failed.

Every cycle here starts less than a minute after the previous pull, which Salesforce
answers with a refused getDeleted window unless the connector skips such windows
(Failure 1). Marked slow (about three minutes: ten 15-second slots, the first after a
person's `sync --apply`); run with ``-m slow``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from config.rules import load_rules
from sync.store.schema import runs
from tests.e2e.world import World, open_world

CYCLES = 10
DEADLINE_SECONDS = 600.0


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    opened = open_world(tmp_path, 200, load_rules())
    yield opened
    opened.close()


def environment(world: World) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    env.update(world.child_environment())
    env.update({"REENGAGE_SERVE__INTERVAL_SECONDS": "15", "REENGAGE_SERVE__PORT": "0"})
    return env


def finished_runs(url: str) -> list[tuple[str, str, float]]:
    """(kind, status, seconds) of every finished run, oldest first."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(runs.c.kind, runs.c.status, runs.c.started_at, runs.c.finished_at)
                .where(runs.c.finished_at.is_not(None))
                .order_by(runs.c.id)
            ).all()
    finally:
        engine.dispose()
    return [(r.kind, r.status, (r.finished_at - r.started_at).total_seconds()) for r in rows]


@pytest.mark.slow
def test_serve_every_15_seconds_runs_ten_cycles_without_a_failure(world: World) -> None:
    env = environment(world)
    command = [sys.executable, "-m", "sync.cli"]
    person = subprocess.run(
        [*command, "sync", "--apply", "--quiet"], env=env, capture_output=True, text=True
    )
    assert person.returncode == 0, person.stdout + person.stderr
    serve = subprocess.Popen(
        [*command, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = world.settings.store_url
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while len(finished_runs(url)) < 1 + CYCLES and serve.poll() is None:
            assert time.monotonic() < deadline, "serve did not finish ten cycles in time"
            time.sleep(1.0)  # polling the store for progress; nothing is timed
    finally:
        serve.send_signal(signal.SIGTERM)
        out, _ = serve.communicate(timeout=300)
    assert serve.returncode == 0, out
    done = finished_runs(url)
    cycles = done[1 : 1 + CYCLES]
    print(f"\nserve cycles (kind, status, seconds): {cycles}")
    assert len(cycles) == CYCLES, out
    assert [(kind, status) for kind, status, _ in cycles] == [("sync", "ok")] * CYCLES, out
