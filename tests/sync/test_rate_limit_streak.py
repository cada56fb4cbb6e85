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
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from config.rules import Rules, load_rules
from config.settings import HubSpotSettings, HubSpotTier
from connectors.base import Platform, StopRun
from connectors.hubspot.connector import HubSpotConnector
from connectors.retry import RetryPolicy
from sandbox.dataset import DEFAULT_NOW
from sandbox.hubspot import HubSpotEmulator
from sync.run import CycleOptions, exit_code, run_cycle
from sync.store.migrate import open_store
from sync.store.schema import activities, cursors, deals, platform_records, runs
from tests.connectors.hubspot.support import dataset, start_emulator

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
    # its own ten-second window wide open (sleeping is faked): the 429s are the fault knobs'
    box = start_emulator(dataset(PERSONS, seed=11), ten_second_limit=100_000)
    yield box
    box.stop()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"sqlite:///{tmp_path / 'reengage.db'}")
    yield store
    store.dispose()


def _connector(emulator: HubSpotEmulator, rules: Rules, clock: FakeClock, **kw: Any) -> Any:
    """The connector as a run builds it (default retry policy and penalties), sleep faked;
    ``kw`` are settings (``max_wait_seconds``)."""
    settings = HubSpotSettings(
        access_token=SecretStr(emulator.token),
        base_url=emulator.url,
        rate_limit_tier=HubSpotTier.API_ADDON,
        timeout_seconds=10.0,
        **kw,
    )
    return HubSpotConnector(
        settings,
        rules,
        retry_policy=RetryPolicy(),
        sleep=clock.sleep,
        limiter_clock=clock,
        clock=lambda: DEFAULT_NOW,
        search_margin=timedelta(0),  # the emulator's search indexes at once
    )


def _count(engine: Engine, *tables: Any) -> int:
    with engine.connect() as conn:
        return sum(
            int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables
        )


READ = (platform_records, activities, deals)


def _cycle(engine: Engine, connector: Any, rules: Rules) -> Any:
    return run_cycle(
        engine,
        {Platform.HUBSPOT: connector},
        rules,
        CycleOptions(kind="sync", as_of=DEFAULT_NOW, plan=False, apply=False),
    )


@pytest.mark.parametrize(
    ("settings", "bound"), [({}, 300.0), ({"max_wait_seconds": 10}, 10.0)], ids=["default", "10s"]
)
def test_a_429_streak_stops_the_run_cleanly_and_the_next_run_completes(
    emulator: HubSpotEmulator, engine: Engine, settings: dict[str, Any], bound: float
) -> None:
    rules = load_rules()
    faults = emulator.faults
    clock = FakeClock()
    faults.burst_every, faults.burst_length = STREAK_STARTS_AT, 10**9  # 429 from then on
    try:
        with pytest.raises(StopRun):
            _cycle(engine, _connector(emulator, rules, clock, **settings), rules)
        refused = faults.counts.get("rate_limited", 0)
    finally:
        faults.reset()
    # waited out the streak (with the default, far more than five tries), up to the bound
    assert refused > (10 if bound > 60 else 0)
    assert bound - 15 <= clock.slept <= bound
    with engine.connect() as conn:
        run = conn.execute(select(runs).order_by(runs.c.id.desc())).first()
    assert run is not None and run.status == "stopped"
    assert run.stats["exit_code"] == 3
    kept = _count(engine, *READ)
    assert kept > 0 and _count(engine, cursors) > 0  # progress kept

    again = _cycle(engine, _connector(emulator, rules, FakeClock(), **settings), rules)
    assert again.status == "ok" and exit_code(again) == 0
    assert _count(engine, *READ) > kept
