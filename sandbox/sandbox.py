"""Both emulators, seeded with one generated world, as one thing to start and stop.

``reengage demo`` and ``reengage sandbox serve`` use this; so do the tests and
benchmarks that need both platforms. :meth:`Sandbox.environment` gives the
``REENGAGE_*`` variables that point reengage at it, so that running against
the sandbox and against real platforms differs only in those values.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from sandbox.advance import advance_week, clock_of, treated_persons, world_of
from sandbox.dataset import generate
from sandbox.dataset.ids import id_scheme
from sandbox.dataset.knobs import Knobs
from sandbox.hubspot.emulator import HubSpotEmulator
from sandbox.killpoints import KillPoints
from sandbox.salesforce.emulator import SalesforceEmulator
from sandbox.seed import SandboxDataset
from sandbox.stranger import Stranger
from sandbox.stranger_shape import PLAIN


@dataclass
class SandboxOptions:
    """How big the world is and how the platforms behave.

    Attributes:
        persons: persons in the generated world.
        seed: the generator's seed (same seed, same world).
        now: the world's "now" (the generator's default when None).
        ten_second_limit: HubSpot's burst window (100 Free/Starter, 190 Pro/Enterprise).
        hubspot_daily_limit: HubSpot's daily cap.
        salesforce_daily_limit: Salesforce's daily API allocation.
        stranger: a stranger-mode seed (:mod:`sandbox.stranger`): ids, key and
            row order, page sizes and the mirror subject form drawn from it; None is
            today's world exactly.
        mirror_form: the mirrored task's subject form (None: the stranger seed's pick, or
            today's form).
    """

    persons: int = 5000
    seed: int = 7
    now: datetime | None = None
    ten_second_limit: int = 100
    hubspot_daily_limit: int = 1_000_000
    salesforce_daily_limit: int = 1_000_000
    api_version: str = "62.0"
    extra: dict[str, str] = field(default_factory=dict)
    stranger: int | None = None
    mirror_form: str | None = None


class Sandbox:
    """The emulated HubSpot portal and Salesforce org on loopback, with one generated world."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        seed = self.options.stranger
        self.stranger = Stranger.of(seed) if seed is not None else None
        shape = self.stranger.shape if self.stranger is not None else PLAIN
        self.hubspot = HubSpotEmulator(
            ten_second_limit=self.options.ten_second_limit,
            daily_limit=self.options.hubspot_daily_limit,
            shape=shape,
        )
        self.salesforce = SalesforceEmulator(
            api_version=self.options.api_version,
            daily_limit=self.options.salesforce_daily_limit,
            shape=shape,
        )
        self.dataset: SandboxDataset | None = None
        self._folder: Path | None = None

    def start(self, dataset: SandboxDataset | None = None) -> Sandbox:
        """Generates (or takes) the world, loads it into both emulators and serves them."""
        opts = self.options
        if dataset is None:
            knobs = None if self.mirror_form is None else Knobs(mirror_form=self.mirror_form)

            def make() -> SandboxDataset:
                return generate(opts.persons, seed=opts.seed, now=opts.now, knobs=knobs)

            dataset = self.stranger.render(make) if self.stranger is not None else make()
        self.dataset = dataset
        self.hubspot.load_seed(self.dataset.hubspot)
        self.salesforce.load_seed(self.dataset.salesforce)
        self.hubspot.start()
        self.salesforce.start()
        self._folder = Path(tempfile.mkdtemp(prefix="reengage-sandbox-"))
        shutil.copy(self.salesforce.ca_bundle, self._folder / "salesforce-ca.pem")
        return self

    @property
    def mirror_form(self) -> str | None:
        """The mirrored task's subject form this world asks for (None: today's)."""
        if self.options.mirror_form is not None:
            return self.options.mirror_form
        return self.stranger.mirror_form if self.stranger is not None else None

    @contextmanager
    def ids(self) -> Iterator[None]:
        """The block renders and reads dataset ids the way this world's seed renders them."""
        with id_scheme(self.stranger.ids if self.stranger is not None else None):
            yield

    @property
    def salesforce_ca_bundle(self) -> Path:
        if self._folder is None:
            raise RuntimeError("the sandbox is not started")
        return self._folder / "salesforce-ca.pem"

    def environment(self) -> dict[str, str]:
        """The ``REENGAGE_*`` variables that point reengage at this sandbox.

        Salesforce uses the client-credentials flow, so that an expired session
        is renewed the way it is against a real org.
        """
        creds = self.salesforce.state.credentials
        return {
            "REENGAGE_HUBSPOT__ACCESS_TOKEN": self.hubspot.token,
            "REENGAGE_HUBSPOT__BASE_URL": self.hubspot.url,
            "REENGAGE_SALESFORCE__INSTANCE_URL": self.salesforce.url,
            "REENGAGE_SALESFORCE__CONSUMER_KEY": creds.client_id,
            "REENGAGE_SALESFORCE__CONSUMER_SECRET": creds.client_secret,
            "REENGAGE_SALESFORCE__API_VERSION": self.options.api_version,
            "REENGAGE_SALESFORCE__CA_BUNDLE": str(self.salesforce_ca_bundle),
        }

    # ----- kill points (sandbox.killpoints) ----------------------------------------

    def kill_points(self, platform: str) -> KillPoints:
        """One platform's kill points: its write counts and the kills it fired."""
        if platform not in ("hubspot", "salesforce"):
            raise ValueError(f"no platform {platform!r} in the sandbox")
        return self.hubspot.kills if platform == "hubspot" else self.salesforce.kills

    def arm_kill(self, pid: int, *, platform: str, kind: str, after: int) -> None:
        """SIGKILLs ``pid`` once ``platform`` has sent the answer of its ``after``-th ``kind``
        write from now (kinds: :data:`sandbox.killpoints.KINDS`); the other
        platform is disarmed, and both count from now."""
        for name in ("hubspot", "salesforce"):
            self.kill_points(name).reset()
        self.kill_points(platform).arm(pid, kind, after)

    def disarm_kill(self) -> None:
        for name in ("hubspot", "salesforce"):
            self.kill_points(name).disarm()

    # ----- the world moving forward (sandbox.advance) -----------------------------

    def clock(self) -> Callable[[], datetime]:
        """The sandbox's "now" (ahead of the real clock once weeks have passed)."""
        return clock_of(self)

    def treated(self) -> set[int]:
        """World persons on a reengage list / campaign or with a reengage task, read back."""
        with self.ids():
            return treated_persons(self)

    def advance_week(self, *, uplift: float, treated: set[int]) -> Any:
        """Moves the world (and both emulators' clocks) a week forward; see advance_week."""
        with self.ids():
            return advance_week(self, uplift=uplift, treated=treated)

    def expected_lift(self, treated: set[int], weeks: int, uplift: float, holdout: float) -> float:
        """The sandbox model's expected difference in reactivation rate, treated side minus
        holdout, over ``weeks``, of persons quiet now: only those reengage actually treats
        (``treated``) react more, and the holdout share of the quiet is never treated."""
        from sandbox.dataset.advance import expected_wake_share, quiet_mask, wake_chance

        world = world_of(self)
        quiet, p = quiet_mask(world), wake_chance(world)
        on = np.zeros(world.persons.count, dtype=bool)
        on[sorted(treated)] = True
        gain = expected_wake_share(p, weeks, uplift) - expected_wake_share(p, weeks, 0.0)
        eligible = quiet.sum() * (1.0 - holdout)
        return float((gain * (on & quiet)).sum() / eligible) if eligible else 0.0

    def stop(self) -> None:
        self.hubspot.stop()
        self.salesforce.stop()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def open_sandbox(
    persons: int = 5000,
    seed: int = 7,
    now: datetime | None = None,
    stranger: int | None = None,
    **limits: int,
) -> Sandbox:
    """The ``reengage.sandbox`` entry point: an unstarted :class:`Sandbox`."""
    options = SandboxOptions(persons=persons, seed=seed, now=now, stranger=stranger, **limits)  # type: ignore[arg-type]
    return Sandbox(options)
