"""A sandbox world with reengage pointed at it, as ``reengage demo`` points it.

Both emulators seeded with one generated world of N persons, a fresh SQLite store
in a temporary folder, the connectors from their registered factories and
``setup --create`` done. Request counts come from the emulators' own counters
and request logs (HubSpot reads through POST, search and batch read, are not
writes).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from config.rules import Rules, load_rules
from connectors.base import Connector, Platform
from sandbox.requestlog import request_log
from sandbox.sandbox import Sandbox, SandboxOptions
from sync.cli.demo import DEMO_TEN_SECOND_LIMIT, demo_settings
from sync.run import build_connectors, close_all, setup_all
from sync.store.migrate import open_store

READS_BY_POST = ("/search", "/batch/read")
UNLIMITED = 1_000_000


@dataclass
class World:
    box: Sandbox
    rules: Rules
    engine: Engine
    connectors: dict[Platform, Connector]
    folder: Path
    env: dict[str, str]

    @property
    def as_of(self) -> datetime:
        assert self.box.dataset is not None
        return self.box.dataset.now

    def reset_counts(self) -> None:
        for state in (self.box.hubspot.state, self.box.salesforce.state):
            state.reset_counts()
            request_log(state).clear()

    def hubspot_writes(self) -> Counter[str]:
        counts = self.box.hubspot.state.write_requests()
        return Counter({k: n for k, n in counts.items() if not k.endswith(READS_BY_POST)})

    def salesforce_writes(self) -> Counter[str]:
        counts = self.box.salesforce.state.write_counts
        return Counter({f"{m} {route}": n for (m, route), n in counts.items()})

    def requests(self) -> dict[str, int]:
        """Every request each emulator served since the last reset (reads and writes)."""
        return {
            "hubspot": sum(self.box.hubspot.state.request_counts.values()),
            "salesforce": sum(self.box.salesforce.state.request_counts.values()),
        }

    def close(self) -> None:
        close_all(self.connectors)
        self.engine.dispose()
        self.box.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def open_world(persons: int, *, ten_second_limit: int = DEMO_TEN_SECOND_LIMIT) -> World:
    """Starts the sandbox (``ten_second_limit``: HubSpot's window; ``UNLIMITED`` turns the
    rate limits off), opens a fresh store and runs ``setup --create``."""
    box = Sandbox(SandboxOptions(persons=persons, seed=7, ten_second_limit=ten_second_limit))
    box.start()
    folder = Path(tempfile.mkdtemp(prefix="reengage-bench-world-"))
    try:
        env = box.environment()
        settings = demo_settings(env, folder)
        rules = load_rules()
        engine = open_store(settings.store_url)
        connectors = build_connectors(settings, rules)
        items = setup_all(connectors, rules, create=True)
    except BaseException:
        box.stop()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    world = World(box, rules, engine, connectors, folder, env)
    bad = [(p, i.name, i.status) for p, i in items if i.status not in ("ok", "created")]
    if bad:
        world.close()
        raise RuntimeError(f"setup did not finish: {bad}")
    world.reset_counts()
    return world


def stored_activities(world: World) -> int:
    """Activities in the world's store (after a pull: what the world holds)."""
    from sqlalchemy import func, select

    from sync.store.schema import activities

    with world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(activities)).scalar() or 0)
