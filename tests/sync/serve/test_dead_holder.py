"""A run killed while it holds the store's lock does not block the runs after it.

The real command is started against the sandbox on a PostgreSQL store, killed
with SIGKILL once it holds the lock (its row is in the store), and run again:
the second run must get the store at once, not exit 3 for two hours.
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
from sqlalchemy import select

from sandbox.sandbox import Sandbox, SandboxOptions
from sync.store.migrate import open_store
from sync.store.schema import locks

PATIENCE = 120.0  # a bound for a loaded machine, not a timing the test relies on


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(SandboxOptions(persons=300, seed=5)).start()
    yield box
    box.stop()


def command(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sync.cli", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lock_is_held(url: str) -> bool:
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(locks.c.name)).first() is not None
    finally:
        engine.dispose()


def test_a_run_killed_holding_the_lock_blocks_nobody(
    sandbox: Sandbox, postgres_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    env.update(sandbox.environment())
    env.update({"REENGAGE_DATABASE_URL": postgres_url, "REENGAGE_DATA_DIR": str(tmp_path)})
    open_store(postgres_url).dispose()  # migrated here, so the lock is the first thing a run takes
    first = command(["backfill", "-q"], env, tmp_path)
    deadline = time.monotonic() + PATIENCE
    while not lock_is_held(postgres_url):
        assert first.poll() is None, f"the first run ended before taking the lock: {first.stderr}"
        assert time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=PATIENCE)

    second = command(["backfill", "-q"], env, tmp_path)
    _, err = second.communicate(timeout=PATIENCE * 2)
    assert second.returncode == 0, err
