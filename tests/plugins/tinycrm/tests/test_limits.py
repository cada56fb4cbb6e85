"""tinycrm's 429s: the daily limit spent stops the run cleanly (``BudgetExhausted``, a
``StopRun``); a 429 of a short limit stays retriable and is counted as rate limited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from reengage_tinycrm import TinyCrmSettings
from reengage_tinycrm.connector import TinyCrmConnector
from reengage_tinycrm.server import TinyCrmServer

from connectors.base import BudgetExhausted, RetriableError, StopRun

KEY = "tinycrm-limits-key-31c9"


@pytest.fixture
def server() -> Iterator[TinyCrmServer]:
    running = TinyCrmServer(KEY).start()
    yield running
    running.stop()


def connector(server: TinyCrmServer) -> TinyCrmConnector:
    return TinyCrmConnector(TinyCrmSettings(base_url=server.url, api_key=SecretStr(KEY)))


def test_a_spent_daily_limit_stops_the_run(server: TinyCrmServer) -> None:
    server.state.daily_left = 1
    made = connector(server)
    assert list(made.read_owners()) == []  # the last request of the day
    with pytest.raises(BudgetExhausted) as stopped:
        list(made.read_records({}))
    assert isinstance(stopped.value, StopRun) and stopped.value.status == 429
    assert made.usage().rate_limited == 1
    made.close()


def test_a_short_limit_stays_retriable(server: TinyCrmServer) -> None:
    server.state.burst_429s = 1
    made = connector(server)
    with pytest.raises(RetriableError) as limited:
        list(made.read_records({}))
    assert not isinstance(limited.value, StopRun)
    assert limited.value.retry_after == 1.0
    assert made.usage().rate_limited == 1
    assert list(made.read_records({})) != []  # the limit has passed: the read goes on
    made.close()
