"""The client-side limiter keeps a long read under a small 10-second window: no 429 at all.

The emulator's rate limiter and the connector's limiter share one virtual clock
that moves only when someone sleeps, so the test runs at full speed while both
sides count the same seconds. The control run (limiter opened wide) shows that
the same read does hit the emulator's limit.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.rules import Rules
from config.settings import HubSpotTier
from connectors.errors import RetriableError
from sandbox.hubspot import HubSpotEmulator
from sandbox.hubspot.limits import RateLimiter

from .support import connect, dataset, read_everything

LIMIT = 25  # the emulator's 10-second window; the connector allows itself 20% of 100


class VirtualClock:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def emulator(clock: VirtualClock) -> Iterator[HubSpotEmulator]:
    emulator = HubSpotEmulator(ten_second_limit=LIMIT, search_per_second=5)
    # Work-around (tests only): the emulator takes no clock, so its limiter is swapped for one
    # on the shared virtual clock before it starts serving.
    emulator.limiter = emulator.context.limiter = RateLimiter(
        ten_second_limit=LIMIT, search_per_second=5, daily_limit=1_000_000, clock=clock.time
    )
    emulator.load_seed(dataset(300, seed=4).hubspot)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.mark.parametrize("limited", [True, False], ids=["limiter", "control-without-limiter"])
def test_a_long_read_at_a_small_10_second_limit_gets_no_429(
    emulator: HubSpotEmulator, rules: Rules, clock: VirtualClock, limited: bool
) -> None:
    connector = connect(
        emulator,
        rules,
        tier=HubSpotTier.FREE_STARTER,
        budget_share=0.2,
        limiter_clock=clock.time,
        sleep=clock.sleep,
    )
    if not limited:
        connector.client.burst.limit = 10_000
    try:
        read = read_everything(connector, {})
        assert read.items["contacts"]
    except RetriableError:
        assert not limited  # the control may run out of retries: that is what it shows
    if limited:
        assert sum(connector.client.requests.values()) > 2 * LIMIT  # past the window twice
        assert emulator.state.rate_limited == {}
        assert connector.client.rate_limited == 0
        assert clock.slept >= 20.0
    else:
        assert emulator.state.rate_limited["TEN_SECONDLY_ROLLING"] > 0
        assert connector.client.rate_limited == sum(emulator.state.rate_limited.values())
    connector.close()


def test_another_app_using_the_window_causes_no_429(
    emulator: HubSpotEmulator, rules: Rules, clock: VirtualClock
) -> None:
    """The connector allows itself 20 of the portal's 25 requests per window; another app
    has just used 15 of them. Following the window headers, the connector waits instead of
    running into the limit."""
    import requests

    for _ in range(15):  # the other app
        assert requests.get(
            f"{emulator.url}/crm/v3/owners", headers={"Authorization": f"Bearer {emulator.token}"},
            timeout=10,
        ).status_code == 200  # fmt: skip
    connector = connect(
        emulator,
        rules,
        tier=HubSpotTier.FREE_STARTER,
        budget_share=0.2,
        limiter_clock=clock.time,
        sleep=clock.sleep,
    )
    read = read_everything(connector, {})
    assert read.items["contacts"]
    assert emulator.state.rate_limited == {}
