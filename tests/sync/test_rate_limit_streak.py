"""A 429 streak against the HubSpot emulator ends the run cleanly; the next run completes.

Another app keeping the portal's ten-second window full looks, from reengage,
like every request answered 429 for a long while. The run must wait that out up
to ``REENGAGE_HUBSPOT__MAX_WAIT_SECONDS`` (default 300), then stop cleanly:
status ``stopped`` (exit 3), the pages read so far stored with their cursors, so
that the next run, once the streak is over, resumes and completes. Sleeping is
faked: a clock that the client's waits advance, so the test never waits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from config.rules import Rules, load_rules
from connectors.base import Platform, StopRun
from connectors.hubspot.connector import HubSpotConnector
from connectors.retry import RetryPolicy
from connectors.sandbox.dataset import DEFAULT_NOW
from connectors.sandbox.hubspot import HubSpotEmulator
from sync.run import exit_code, run_cycle
from sync.store.migrate import open_store
from sync.store.schema import cursors, platform_records, runs
from tests.connectors.hubspot.support import connect, dataset, start_emulator

PERSONS = 150
STREAK_STARTS_AT = 12  # requests answered before the portal's window stays full


class FakeClock:
    """Monotonic seconds that only the client's waits move."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


@pytest.fixture(scope="module")
def emulator() -> Iterator[HubSpotEmulator]:
    box = start_emulator(dataset(PERSONS, seed=11))
    yield box
    box.stop()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"sqlite:///{tmp_path / 'reengage.db'}")
    yield store
    store.dispose()


def _connector(emulator: HubSpotEmulator, rules: Rules, clock: FakeClock, **kw: Any) -> Any:
    """The connector as a run builds it (default retry policy and penalties), sleep faked."""
    connector: HubSpotConnector = connect(
        emulator,
        rules,
        retry_policy=RetryPolicy(),
        burst_penalty=10.0,
        search_penalty=1.0,
        sleep=clock.sleep,
        limiter_clock=clock,
        clock=lambda: DEFAULT_NOW,
        **kw,
    )
    return connector


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _cycle(engine: Engine, connector: Any, rules: Rules) -> Any:
    return run_cycle(
        engine, {Platform.HUBSPOT: connector}, rules, kind="sync", as_of=DEFAULT_NOW,
        plan=False, apply=False,
    )  # fmt: skip


@pytest.mark.xfail(
    strict=True, reason="a 429 streak fails the run (exit 1) instead of stopping it cleanly"
)
def test_a_429_streak_stops_the_run_cleanly_and_the_next_run_completes(
    emulator: HubSpotEmulator, engine: Engine
) -> None:
    rules = load_rules()
    faults = emulator.faults
    clock = FakeClock()
    faults.burst_every, faults.burst_length = STREAK_STARTS_AT, 10**9  # 429 from then on
    try:
        with pytest.raises(StopRun):
            _cycle(engine, _connector(emulator, rules, clock), rules)
        refused = faults.counts.get("rate_limited", 0)
    finally:
        faults.reset()
    # waited out the streak (far more than five tries), up to the default bound of 300 s
    assert refused > 10
    assert 250 <= clock.slept <= 300 + 30
    with engine.connect() as conn:
        run = conn.execute(select(runs).order_by(runs.c.id.desc())).first()
    assert run is not None and run.status == "stopped"
    assert run.stats["exit_code"] == 3
    kept = _count(engine, platform_records)
    assert kept > 0 and _count(engine, cursors) > 0  # progress kept

    again = _cycle(engine, _connector(emulator, rules, FakeClock()), rules)
    assert again.status == "ok" and exit_code(again) == 0
    assert _count(engine, platform_records) > kept
