"""One sync cycle against a :class:`~tests.e2e.world.World`, with what it left on the platforms.

:func:`sync_once` runs ``run_cycle(kind="sync", plan=True, apply=True)`` as of an
instant, then snapshots everything a test compares afterwards: the plan, the
write requests the emulators served during the cycle, the platforms' state, and
the persons' :class:`~tests.e2e.expected.Truth` derived from the cycle's
decisions.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sync.plan.model import Plan
from sync.run import CycleOptions, RunResult, run_cycle
from tests.e2e.expected import Truth, truths
from tests.e2e.readback import Readback, read_back
from tests.e2e.world import World, hubspot_lookups, hubspot_writes, reset_counts, salesforce_writes


@dataclass(frozen=True, repr=False)
class SyncRun:
    """One cycle's result and the platforms' state right after it."""

    result: RunResult
    truths: list[Truth]
    seen: Readback
    hubspot_writes: Counter[str]
    hubspot_lookups: int
    salesforce_writes: Counter[str]
    seconds: float

    @property
    def plan(self) -> Plan:
        assert self.result.plan is not None
        return self.result.plan

    def by_person(self) -> dict[int, Truth]:
        return {t.person_id: t for t in self.truths}

    def describe(self) -> str:
        counts = ", ".join(f"{op}/{p} {n}" for (op, p), n in self.plan.counts().by_op.items())
        hs, sf = sum(self.hubspot_writes.values()), sum(self.salesforce_writes.values())
        return (
            f"{len(self.plan)} operations ({counts or 'none'}); write requests: HubSpot {hs} "
            f"(+{self.hubspot_lookups} look-ups through POST), Salesforce {sf}; "
            f"{self.seconds:.1f} s"
        )


def sync_once(world: World, as_of: datetime, *, apply: bool = True) -> SyncRun:
    reset_counts(world.box)
    started = time.monotonic()
    result = run_cycle(
        world.engine,
        world.connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=as_of, plan=True, apply=apply),
    )
    seconds = time.monotonic() - started
    assert result.status == "ok", result.message
    c = result.classification
    assert c is not None
    return SyncRun(
        result=result,
        truths=truths(world.engine, c.decisions, c.snapshot.person_ids, world.rules),
        seen=read_back(world.box, world.rules),
        hubspot_writes=hubspot_writes(world.box),
        hubspot_lookups=hubspot_lookups(world.box),
        salesforce_writes=salesforce_writes(world.box),
        seconds=seconds,
    )
