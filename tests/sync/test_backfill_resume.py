"""`reengage backfill` interrupted with Ctrl-C resumes to the same store as an uninterrupted one."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from connectors.base import load_sandbox
from sandbox.sandbox import Sandbox

TABLES = {
    "platform_records": "record_type, record_id, email, deleted",
    "activities": "platform, activity_id, kind, occurred_ms",
    "deals": "platform, deal_id, status, amount",
    "owners": "platform, owner_id, active",
}


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = load_sandbox()(persons=400, seed=5, ten_second_limit=250).start()
    yield sandbox
    sandbox.stop()


def _env(box: Sandbox, store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    env.update(box.environment())
    env.update(
        {
            "REENGAGE_DATABASE_URL": f"sqlite:///{store}",
            "REENGAGE_HUBSPOT__RATE_LIMIT_TIER": "api_addon",
            "REENGAGE_HUBSPOT__BUDGET_SHARE": "0.9",
            "COLUMNS": "120",
        }
    )
    return env


def _backfill(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sync.cli", "backfill"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _fingerprint(store: Path) -> dict[str, tuple[int, str]]:
    engine = create_engine(f"sqlite:///{store}")
    out = {}
    with engine.connect() as conn:
        for table, cols in TABLES.items():
            rows = conn.execute(text(f"SELECT {cols} FROM {table} ORDER BY {cols}")).all()
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    engine.dispose()
    return out


def _activity_count(store: Path) -> int:
    if not store.exists():
        return 0
    engine = create_engine(f"sqlite:///{store}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM activities")).scalar_one())
    except Exception:  # the store is still being created
        return 0
    finally:
        engine.dispose()


def test_interrupted_backfill_resumes_to_the_same_store(box: Sandbox, tmp_path: Path) -> None:
    whole = tmp_path / "whole.db"
    done = _backfill(_env(box, whole))
    out, _ = done.communicate(timeout=300)
    assert done.returncode == 0, out

    resumed = tmp_path / "resumed.db"
    first = _backfill(_env(box, resumed))
    deadline = time.monotonic() + 120
    while _activity_count(resumed) < 600 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)  # Ctrl-C mid-backfill
    out, _ = first.communicate(timeout=120)
    assert first.returncode == 3, out
    assert "interrupted" in out and "run the same command again" in out
    partial = _fingerprint(resumed)["activities"][0]
    assert 0 < partial < _fingerprint(whole)["activities"][0]

    again = _backfill(_env(box, resumed))
    out, _ = again.communicate(timeout=300)
    assert again.returncode == 0, out
    assert _fingerprint(resumed) == _fingerprint(whole)
