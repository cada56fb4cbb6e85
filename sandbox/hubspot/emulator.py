"""The HubSpot emulator others start: state, limits, faults and the served app together."""

from __future__ import annotations

from types import TracebackType

from sandbox.faults import Faults
from sandbox.hubspot.app import build_app
from sandbox.hubspot.context import Context
from sandbox.hubspot.limits import RateLimiter
from sandbox.hubspot.state import HubSpotState
from sandbox.killpoints import KillPoints
from sandbox.seed import HubSpotSeed
from sandbox.server import ServedApp
from sandbox.stranger_shape import PLAIN, Shape


class HubSpotEmulator:
    """An in-memory HubSpot portal served over HTTP on 127.0.0.1.

    Point the real SDK at it with
    ``hubspot.Client.create(access_token=emu.token, host=emu.url)``.

    Args:
        token: the private-app token the emulator accepts (``Authorization: Bearer``).
        ten_second_limit: requests per rolling 10 seconds (100 Free/Starter, 190 Pro/Ent).
        search_per_second: the search endpoints' own bucket.
        daily_limit: requests per day, all endpoints.
        faults: fault knobs; a fresh, all-off :class:`Faults` when None.
        index_delay: seconds before search sees a new or updated record (HubSpot: "a few
            moments", no figure given); 0 keeps search immediate for tests that write then read.
        shape: page sizes, key and row order, id starts (:data:`PLAIN`: today's).
    """

    def __init__(
        self,
        *,
        token: str = "sandbox-token",
        ten_second_limit: int = 100,
        search_per_second: int = 5,
        daily_limit: int = 1_000_000,
        faults: Faults | None = None,
        index_delay: float = 0.0,
        shape: Shape = PLAIN,
    ) -> None:
        self.token = token
        self.shape = shape
        self.state = HubSpotState()
        self.state.index_delay_ms = int(index_delay * 1000)
        self.faults = faults if faults is not None else Faults()
        self.kills = KillPoints("hubspot")
        self.limiter = RateLimiter(
            ten_second_limit=ten_second_limit,
            search_per_second=search_per_second,
            daily_limit=daily_limit,
        )
        self.context = Context(self.state, self.limiter, token)
        self._served: ServedApp | None = None

    @property
    def missing_scopes(self) -> set[str]:
        """Endpoint families answered 403 MISSING_SCOPES (``objects``, ``search``,
        ``associations``, ``properties``, ``lists``, ``owners``, ``email_events``, ``events``,
        ``account_info``); mutable while serving."""
        return self.context.missing_scopes

    @property
    def url(self) -> str:
        if self._served is None:
            raise RuntimeError("the HubSpot emulator is not started")
        return self._served.url

    def load_seed(self, seed: HubSpotSeed) -> None:
        self.state.load_seed(seed)
        self.state.restart_ids(self.shape.hubspot_first_ids)

    def start(self) -> str:
        """Serves on a free port; returns the base URL ``http://127.0.0.1:PORT``."""
        if self._served is None:
            self._served = ServedApp(
                build_app(self.context, self.faults, self.shape, self.kills)
            ).start()
        return self._served.url

    def stop(self) -> None:
        if self._served is not None:
            self._served.stop()
            self._served = None

    def __enter__(self) -> HubSpotEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
