"""The real cycle against the built-in sandbox: serve's wiring end to end.

Marked slow (about 15 s, most of it the sandbox's first full pull); run with ``-m slow``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from config.rules import load_rules
from sync.cli.serve import serve_command
from sync.run import ever_applied
from sync.serve.lock import StoreLock
from sync.serve.metrics import Metrics
from sync.serve.schedule import Schedule
from sync.serve.service import ServeLoop, sync_cycle
from sync.store.schema import runs
from tests.e2e.world import World, open_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    opened = open_world(tmp_path, 300, load_rules())
    yield opened
    opened.close()


def totals(metrics: Metrics, name: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for s in family.samples:
            if s.name == name:
                key = s.labels.get("platform", "")
                out[key] = out.get(key, 0.0) + s.value
    return out


@pytest.mark.slow
def test_serve_plans_until_a_person_applied_and_counts_the_real_cycle(world: World) -> None:
    assert serve_command(world.settings, world.rules, once=True) == 0
    with world.engine.connect() as conn:
        rows = conn.execute(select(runs.c.kind, runs.c.status)).all()
    assert [tuple(r) for r in rows] == [("sync", "ok")]
    assert not ever_applied(world.engine)  # the first write is a person's decision

    metrics = Metrics()
    cycle = sync_cycle(world.engine, world.settings, world.rules, metrics)
    lock = StoreLock(world.engine, ttl=timedelta(minutes=5))
    loop = ServeLoop(cycle, Schedule(interval=timedelta(hours=1)), lock, metrics=metrics)
    assert loop.turn() == "ok"
    requests = totals(metrics, "reengage_api_requests_total")
    assert set(requests) == {"hubspot", "salesforce"} and all(n > 0 for n in requests.values())
    assert totals(metrics, "reengage_runs_total") == {"": 1.0}
