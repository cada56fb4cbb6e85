"""A running sandbox with reengage pointed at it, the way an operator would point it.

Each end-to-end module opens one :class:`World` (module-scoped): both emulators
seeded with one generated dataset, a fresh SQLite store, settings built from
the sandbox's ``REENGAGE_*`` variables exactly as ``reengage demo`` builds them,
the connectors from their registered factories, and ``setup`` already done.

Stranger mode (:mod:`sandbox.stranger`): ``open_world(stranger=SEED)``
opens a world shaped differently (ids, key and row order, page sizes); without the
argument, the seed set by :func:`use_stranger` (the ``REENGAGE_TEST_STRANGER``
variable, through ``tests/e2e/conftest.py``) or today's world.

Write requests are counted from the emulators' own counters. HubSpot answers
some reads on POST routes (search, batch read); they change nothing, so
:func:`hubspot_writes` leaves them out — ``HubSpotState.write_requests()``
counts every non-GET route.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from config.rules import Rules, load_rules
from config.settings import Settings
from connectors.base import Connector, Platform
from sandbox.sandbox import Sandbox, SandboxOptions
from sandbox.seed import SandboxDataset
from sync.cli.demo import DEMO_BUDGET_SHARE, DEMO_TEN_SECOND_LIMIT, DEMO_TIER, demo_settings
from sync.run import build_connectors, close_all, setup_all
from sync.store.migrate import open_store

SEED = 7
_STRANGER: list[int | None] = [None]


def use_stranger(seed: int | None) -> None:
    """Worlds opened from now on without an explicit ``stranger`` use this seed."""
    _STRANGER[0] = seed


def current_stranger() -> int | None:
    return _STRANGER[0]


READS_BY_POST = ("/search", "/batch/read")
"""HubSpot routes that read through POST (search, batch read): not writes."""


def rules_with_holdout(share: float) -> Rules:
    """The shipped rules with a holdout share (0.1 is the documented recommendation)."""
    rules = load_rules()
    return rules.model_copy(update={"holdout": rules.holdout.model_copy(update={"share": share})})


def with_owner_fallback(rules: Rules, dataset: SandboxDataset) -> Rules:
    """``rules`` with a fallback task owner on each platform: the dataset's first active user."""
    hubspot = next(o.id for o in dataset.hubspot.owners if not o.archived)
    users = dataset.salesforce.records.get("User", [])
    salesforce = next(str(u["Id"]) for u in users if u.get("IsActive"))
    owners = rules.owners.model_copy(
        update={"hubspot_fallback_user": hubspot, "salesforce_fallback_user": salesforce}
    )
    return rules.model_copy(update={"owners": owners})


@dataclass
class World:
    """One sandbox, one store and reengage's connectors to both platforms."""

    box: Sandbox
    rules: Rules
    settings: Settings
    engine: Engine
    connectors: dict[Platform, Connector]
    folder: Path

    @property
    def as_of(self) -> datetime:
        """The dataset's "now": T of the first sync."""
        assert self.box.dataset is not None
        return self.box.dataset.now

    @property
    def fallback_owners(self) -> dict[str, str]:
        """Platform -> the configured fallback task owner."""
        owners = self.rules.owners
        return {
            "hubspot": owners.hubspot_fallback_user,
            "salesforce": owners.salesforce_fallback_user,
        }

    @property
    def store_path(self) -> Path:
        return Path(self.engine.url.database or "")

    def child_environment(self) -> dict[str, str]:
        """The ``REENGAGE_*`` variables a separate process needs to run against this world."""
        return {
            **self.box.environment(),
            "REENGAGE_HUBSPOT__RATE_LIMIT_TIER": DEMO_TIER,
            "REENGAGE_HUBSPOT__BUDGET_SHARE": str(DEMO_BUDGET_SHARE),
            "REENGAGE_DATABASE_URL": self.settings.store_url,
            "REENGAGE_DATA_DIR": str(self.folder),
        }

    def close(self) -> None:
        close_all(self.connectors)
        self.engine.dispose()
        self.box.stop()


def open_world(
    folder: Path,
    persons: int,
    rules: Rules,
    *,
    ten_second_limit: int = DEMO_TEN_SECOND_LIMIT,
    owner_fallback: bool = False,
    stranger: int | None = None,
) -> World:
    """Starts the sandbox, opens a fresh store under ``folder`` and runs ``setup --create``
    (with ``owner_fallback``, the rules name a fallback task owner on each platform; with
    ``stranger``, or a seed set by :func:`use_stranger`, the world is a stranger one).

    Raises:
        AssertionError: setup left something missing or wrong on a platform.
    """
    options = SandboxOptions(
        persons=persons,
        seed=SEED,
        ten_second_limit=ten_second_limit,
        stranger=stranger if stranger is not None else current_stranger(),
    )
    box = Sandbox(options)
    box.start()
    assert box.dataset is not None
    if owner_fallback:
        rules = with_owner_fallback(rules, box.dataset)
    try:
        settings = demo_settings(box.environment(), folder)
        engine = open_store(settings.store_url)
        connectors = build_connectors(settings, rules)
        items = setup_all(connectors, rules, create=True)
    except BaseException:
        box.stop()
        raise
    world = World(box, rules, settings, engine, connectors, folder)
    bad = [(p, i.kind, i.name, i.status) for p, i in items if i.status not in ("ok", "created")]
    if bad:
        world.close()
        raise AssertionError(f"setup did not finish: {bad}")
    return world


def hubspot_writes(box: Sandbox) -> Counter[str]:
    """HubSpot write requests by route since the last reset (reads through POST left out)."""
    counts = box.hubspot.state.write_requests()
    return Counter({k: n for k, n in counts.items() if not k.endswith(READS_BY_POST)})


def hubspot_lookups(box: Sandbox) -> int:
    """HubSpot reads made through POST since the last reset (task-key searches, batch reads)."""
    counts = box.hubspot.state.write_requests()
    return sum(n for k, n in counts.items() if k.endswith(READS_BY_POST))


def salesforce_writes(box: Sandbox) -> Counter[str]:
    """Salesforce write requests by ``METHOD route`` since the last reset."""
    counts = box.salesforce.state.write_counts
    return Counter({f"{m} {route}": n for (m, route), n in counts.items()})


def reset_counts(box: Sandbox) -> None:
    box.hubspot.state.reset_counts()
    box.salesforce.state.reset_counts()
