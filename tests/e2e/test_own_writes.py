"""Reengage's own writes cost nothing: the increments after an apply, against the sandbox.

One small world (400 persons), three cycles as ``reengage sync --apply`` runs them,
each with connectors built afresh as every CLI run and every ``serve`` turn builds
them (so nothing is remembered in memory between cycles):

1. the first sync: backfill, decide, apply (reengage writes its fields, lists, tasks);
2. the sync right after it: the records reengage wrote have moved their
   modification stamps, so they may be read once more (the pages that hold them),
   but nothing else changed: zero write requests on both platforms, and the
   store sees no changed record (a record whose only change is reengage's own
   fields keeps the row it had, its modification time included) and no
   changed person;
3. one more sync, nothing changed at all: zero records read, and at most one
   request per stream on each platform (counted from the emulators' request
   logs by the object each request touched).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from config.rules import load_rules
from connectors.base import Platform
from sandbox.requestlog import LoggedRequest, request_log
from sync.pull import PullStats
from sync.run import CycleOptions, RunResult, build_connectors, close_all, run_cycle
from sync.store.schema import applied_fields, platform_records
from tests.e2e.world import World, hubspot_writes, open_world, reset_counts, salesforce_writes

PERSONS = 400

# Requests an unchanged increment may make per object: one per reengage stream on it.
HUBSPOT_STREAMS = Counter(
    {
        "contacts": 2,  # contacts, contacts_archived (+ contact_conversions without events)
        "deals": 2,  # deals, deals_archived
        "emails": 1,
        "calls": 1,
        "meetings": 1,
        "notes": 1,
        "tasks": 1,
        "email_events": 3,  # sent, open, click
        "events": 2,  # web visits, form submissions
        "owners": 2,  # the active and the archived owners list
    }
)
SALESFORCE_STREAMS = Counter(
    {
        "Lead": 1,
        "Contact": 1,
        "Task": 1,
        "Event": 1,
        "CampaignMember": 1,
        "Opportunity": 1,
        "OpportunityContactRole": 1,
        "User": 1,  # owners
    }
)
NOT_A_STREAM = frozenset({"oauth"})  # a fresh process signs in once; no stream is read


@dataclass(frozen=True)
class Cycle:
    result: RunResult
    writes: int
    requests: dict[Platform, list[LoggedRequest]]
    records: dict[str, tuple[Any, ...]]

    def pulled(self, platform: Platform) -> PullStats:
        return next(s for s in self.result.pulled if s.platform == platform.value)


COLUMNS = [c.name for c in platform_records.c]


def _store_records(world: World) -> dict[str, tuple[Any, ...]]:
    with world.engine.connect() as conn:
        rows = conn.execute(select(platform_records)).mappings().all()
    return {f"{r['record_type']}:{r['record_id']}": tuple(r[c] for c in COLUMNS) for r in rows}


def _applied_values(world: World) -> dict[str, set[str]]:
    """Record -> the values reengage applied to it (its fields and hand-off values)."""
    out: dict[str, set[str]] = {}
    with world.engine.connect() as conn:
        for rtype, rid, value in conn.execute(
            select(applied_fields.c.record_type, applied_fields.c.record_id, applied_fields.c.value)
        ):
            out.setdefault(f"{rtype}:{rid}", set()).add(str(value))
    return out


def run_sync(world: World) -> Cycle:
    """One ``sync --apply`` cycle with fresh connectors, and what the emulators served."""
    close_all(world.connectors)
    world.connectors = build_connectors(world.settings, world.rules)
    logs = {
        Platform.HUBSPOT: request_log(world.box.hubspot.state),
        Platform.SALESFORCE: request_log(world.box.salesforce.state),
    }
    reset_counts(world.box)
    for log in logs.values():
        log.clear()
    result = run_cycle(
        world.engine,
        world.connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=world.as_of, plan=True, apply=True),
    )
    assert result.status == "ok", result.message
    writes = sum(hubspot_writes(world.box).values()) + sum(salesforce_writes(world.box).values())
    requests = {p: log.entries() for p, log in logs.items()}
    return Cycle(result, writes, requests, _store_records(world))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    opened = open_world(tmp_path_factory.mktemp("ownwrites"), PERSONS, load_rules())
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def cycles(world: World) -> list[Cycle]:
    return [run_sync(world) for _ in range(3)]


def test_the_first_sync_writes(cycles: list[Cycle]) -> None:
    """Without writes on both platforms the later checks would prove nothing."""
    assert cycles[0].writes > 0
    applied = cycles[0].result.applied
    assert applied is not None
    assert {p for p, _ in applied.applied} >= {"hubspot", "salesforce"}


def test_the_sync_after_an_apply_writes_nothing(cycles: list[Cycle]) -> None:
    after = cycles[1]
    assert after.result.plan is not None and len(after.result.plan) == 0
    assert after.writes == 0


def test_own_writes_change_no_stored_record(world: World, cycles: list[Cycle]) -> None:
    """Every stored record keeps its person and its modification time; a value that did
    change is one reengage wrote there itself (a hand-off's lead status)."""
    before, after = cycles[0].records, cycles[1].records
    assert before.keys() == after.keys()
    applied = _applied_values(world)
    moved: list[str] = []
    for key, old in before.items():
        new = after[key]
        changed = {c for c, a, b in zip(COLUMNS, old, new, strict=True) if a != b}
        ours = {c for c in changed if str(new[COLUMNS.index(c)]) in applied.get(key, set())}
        if changed - ours:
            moved.append(f"{key}: {sorted(changed - ours)}")
    assert moved == [], f"{len(moved)} stored records changed, e.g. {moved[:5]}"


PLATFORMS = [
    pytest.param(Platform.HUBSPOT, id="hubspot"),
    pytest.param(Platform.SALESFORCE, id="salesforce"),
]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_unchanged_increment_reads_no_record(cycles: list[Cycle], platform: Platform) -> None:
    stats = cycles[2].pulled(platform)
    read = {s: n for s, n in stats.by_stream.items() if n}
    assert read == {}


def _extra_requests(requests: list[LoggedRequest], allowed: Counter[str]) -> dict[str, int]:
    made = Counter(r.object for r in requests if r.object not in NOT_A_STREAM)
    return {obj: n - allowed[obj] for obj, n in made.items() if n > allowed[obj]}


@pytest.mark.parametrize(
    ("platform", "allowed"),
    [
        pytest.param(Platform.HUBSPOT, HUBSPOT_STREAMS, id="hubspot"),
        pytest.param(Platform.SALESFORCE, SALESFORCE_STREAMS, id="salesforce"),
    ],
)
def test_an_unchanged_increment_makes_one_request_per_stream(
    cycles: list[Cycle], platform: Platform, allowed: Counter[str]
) -> None:
    requests = cycles[2].requests[platform]
    made = Counter(f"{r.object} {r.method} {r.kind}" for r in requests)
    print(f"\n{platform.value}: {sorted(made.items())}")
    assert _extra_requests(requests, allowed) == {}
