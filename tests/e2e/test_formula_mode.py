"""Formula mode: days with no new activity write nothing (issue 16), against the sandbox.

Two worlds from the same dataset, one per ``fields.dormant_days_mode``. In each,
a first sync at the dataset's "now" writes everything; then three more syncs on
three following days, picked so that no person's state changes in them without
new activity (no episode starting or ending, no period segment crossed: see
:func:`quiet_start`). The first of the three applies what changed since "now";
the two after it are the days under test.

* formula mode: zero field writes, and zero write requests of any kind, on both
  platforms (read from the emulators' request logs);
* written mode, the same two days: field writes on both platforms (every dormant
  person's ``dormant_days`` moved on), so the first assertion cannot pass by
  accident.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from config.rules import Rules, load_rules
from connectors.base import Platform
from sandbox.requestlog import LoggedRequest, request_log
from sync.engine import classify
from sync.plan import OpKind
from sync.run import CycleOptions, run_cycle
from sync.store.snapshot import load_snapshot
from tests.e2e.world import READS_BY_POST, World, open_world

PERSONS = 200
DAY = timedelta(days=1)
LOOKAHEAD_DAYS = 60


def mode_rules(folder: Path, mode: str) -> Rules:
    """The shipped rules with ``fields.dormant_days_mode``, read from a rules file."""
    path = folder / f"rules-{mode}.toml"
    path.write_text(f'[fields]\ndormant_days_mode = "{mode}"\n', encoding="utf-8")
    return load_rules(path)


def _states(world: World, at: datetime) -> np.ndarray:
    """Per person: status, segment, period segment and approach codes as of ``at``."""
    d = classify(load_snapshot(world.engine, world.rules).input, world.rules, at)
    return np.stack([d.status, d.segment, d.period_segment, d.approach]).astype(np.int64)


def quiet_start(world: World) -> datetime:
    """The first day after "now" from which three days pass with no person changing state.

    Without new activity a person's state still moves with time: an episode starts
    ``lead_days`` after the anchor, ``reactivated`` lasts ``recent_days``, a period
    segment ends at its ``to_days``. Those are real changes, written in every mode;
    the days under test must hold none.
    """
    for offset in range(1, LOOKAHEAD_DAYS):
        start = world.as_of + offset * DAY
        first = _states(world, start)
        if all(np.array_equal(first, _states(world, start + k * DAY)) for k in (1, 2)):
            return start
    raise AssertionError(f"no three quiet days within {LOOKAHEAD_DAYS} days of the dataset")


def _writes(entries: list[LoggedRequest], platform: Platform) -> list[LoggedRequest]:
    """Requests that can change something (HubSpot reads through POST and sign-ins left out)."""
    if platform is Platform.HUBSPOT:
        return [e for e in entries if e.method != "GET" and not e.path.endswith(READS_BY_POST)]
    reads = ("oauth", "bulk")  # a Bulk 2.0 query job is created with POST; ingest is below
    return [
        e
        for e in entries
        if e.method != "GET" and (e.object not in reads or e.kind.startswith("ingest"))
    ]


def _field_writes(entries: list[LoggedRequest], platform: Platform) -> list[LoggedRequest]:
    """Record field updates: HubSpot contact (batch) updates; Salesforce PATCH or Bulk ingest."""
    writes = _writes(entries, platform)
    if platform is Platform.HUBSPOT:
        return [e for e in writes if e.object == "contacts" and "update" in e.path]
    return [e for e in writes if e.method == "PATCH" or e.kind.startswith("ingest")]


@dataclass(frozen=True)
class Day:
    """What the emulators served during one sync."""

    at: datetime
    requests: dict[Platform, list[LoggedRequest]]
    updates: int  # update_fields operations planned (one per record)

    def writes(self, platform: Platform) -> list[LoggedRequest]:
        return _writes(self.requests[platform], platform)

    def field_writes(self, platform: Platform) -> list[LoggedRequest]:
        return _field_writes(self.requests[platform], platform)


def sync_day(world: World, at: datetime) -> Day:
    logs = {
        Platform.HUBSPOT: request_log(world.box.hubspot.state),
        Platform.SALESFORCE: request_log(world.box.salesforce.state),
    }
    for log in logs.values():
        log.clear()
    result = run_cycle(
        world.engine,
        world.connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=at, plan=True, apply=True),
    )
    assert result.status == "ok", result.message
    assert result.plan is not None
    updates = sum(1 for op in result.plan.operations if op.op is OpKind.UPDATE_FIELDS)
    return Day(at, {p: log.entries() for p, log in logs.items()}, updates)


def describe(days: list[Day]) -> str:
    return "; ".join(
        f"{d.at:%Y-%m-%d}: {d.updates} record updates, field-write requests "
        + ", ".join(f"{p.value} {len(d.field_writes(p))}" for p in PLATFORMS)
        for d in days
    )


def run_days(world: World) -> list[Day]:
    """The first sync at "now", one at the quiet start, and the two days under test."""
    first = sync_day(world, world.as_of)
    start = quiet_start(world)
    return [first] + [sync_day(world, start + k * DAY) for k in range(3)]


@pytest.fixture(scope="module")
def formula_days(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Day]]:
    folder = tmp_path_factory.mktemp("formula")
    world = open_world(folder, PERSONS, mode_rules(folder, "formula"))
    try:
        yield run_days(world)
    finally:
        world.close()


@pytest.fixture(scope="module")
def written_days(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Day]]:
    folder = tmp_path_factory.mktemp("written")
    world = open_world(folder, PERSONS, load_rules())  # the default mode: written
    try:
        yield run_days(world)
    finally:
        world.close()


PLATFORMS = [Platform.HUBSPOT, Platform.SALESFORCE]


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.value)
def test_written_mode_rewrites_the_days_every_day(
    written_days: list[Day], platform: Platform
) -> None:
    """The yardstick: the same two quiet days do write in the default mode."""
    print(f"\nwritten mode: {describe(written_days)}")
    assert written_days[0].field_writes(platform), "the first sync wrote no fields"
    for day in written_days[2:]:
        assert day.field_writes(platform), f"no field write on {day.at:%Y-%m-%d}"


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.value)
def test_formula_mode_writes_nothing_on_quiet_days(
    formula_days: list[Day], platform: Platform
) -> None:
    print(f"\nformula mode: {describe(formula_days)}")
    assert formula_days[0].field_writes(platform), "the first sync wrote no fields"
    for day in formula_days[2:]:
        made = [f"{e.method} {e.path}" for e in day.writes(platform)]
        assert not day.field_writes(platform), f"{day.at:%Y-%m-%d}: field writes {made}"
        assert not made, f"{day.at:%Y-%m-%d}: write requests {made}"
