"""Letting a week pass in a running sandbox: the world moves on and both platforms see it.

``advance_week(box)`` reads back whom reengage treated (:func:`treated_persons`),
draws the next week of the world with those persons' engagement boosted by
``1 + uplift`` (:mod:`sandbox.dataset.advance` has the model and
what lift to expect from it), writes the new activity into the HubSpot and
Salesforce emulators as the seed renderers would have
(:mod:`sandbox.advance_apply`), and moves the world's ``now``, the
dataset's ``now`` and both emulators' clocks 7 days forward.

**Clocks.** The emulators start on the real clock. The first advance wraps
each in a :class:`ShiftedClock` whose offset grows by 7 days a week, so
whatever relation the world's ``now`` had to the emulators' clocks holds
after every week (a demo that sets the world at the real now keeps both
together). Connectors reading the sandbox after an advance must use the same
shifted time (:func:`clock_of`) or they will treat the new week as the future.

**The world.** A :class:`Sandbox` keeps only the rendered dataset; the world
is rebuilt once from its seed, size and original ``now`` (generation is
deterministic and rendering draws nothing) and kept beside the box, or handed
over with :func:`attach_world` when the caller built it (custom knobs).

Call these while no sync is running against the box: the emulators' states
are changed under their locks, but a reader in the middle of paging could see
a week arrive between two pages.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np

from sandbox.advance_apply import PlatformIds, apply_hubspot, apply_salesforce
from sandbox.dataset.acts import Act, Activities
from sandbox.dataset.advance import Pace, WeekDraw, advance_world
from sandbox.dataset.ids import hs_seq, sf_seq
from sandbox.dataset.timecols import to_datetime
from sandbox.dataset.world import World, build_world
from sandbox.hubspot.emulator import HubSpotEmulator
from sandbox.salesforce.emulator import SalesforceEmulator
from sandbox.seed import SandboxDataset

LIST_PREFIX = "Reengage: "
HUBSPOT_TASK_KEY = "reengage_task_key"
SALESFORCE_TASK_KEY = "Reengage_Task_Key__c"
WEEK = timedelta(days=7)


class Box(Protocol):
    """What this module needs of a :class:`~sandbox.sandbox.Sandbox` (which calls it)."""

    hubspot: HubSpotEmulator
    salesforce: SalesforceEmulator
    dataset: SandboxDataset | None


class ShiftedClock:
    """Another clock plus an offset that grows as weeks pass."""

    def __init__(self, base: Callable[[], datetime]) -> None:
        self.base = base
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.base() + self.offset


@dataclass
class _Running:
    world: World
    ids: PlatformIds
    hubspot_clock: ShiftedClock
    salesforce_clock: ShiftedClock
    weeks: int = 0


_RUNNING: weakref.WeakKeyDictionary[Box, _Running] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class WeekSummary:
    """What one :func:`advance_week` did.

    Attributes:
        week: how many weeks the box has advanced, this one included.
        start: the old ``now``; everything added happened in ``[start, now)``.
        now: the world's new ``now`` (start + 7 days).
        activities: world rows added, by kind (``mkt_open``, ``meeting_held``...).
        hubspot: records added to the portal: ``email_events``, ``timeline_events``, CRM
            object types (``emails``, ``calls``, ``meetings``, ``notes``, ``tasks``) and
            ``contacts_touched`` (roll-ups and modification date updated).
        salesforce: ``Task``, ``Event`` and ``CampaignMember`` inserted, and
            ``CampaignMember_updated`` (an existing member's status moved on).
        treated / untreated: persons with and without reengage's treatment.
        treated_engaged / untreated_engaged: of those, persons who engaged this week.
        treated_quiet / untreated_quiet: of those, persons quiet at the week's start.
        treated_woke / untreated_woke: quiet persons who woke up this week.
    """

    week: int
    start: datetime
    now: datetime
    activities: dict[str, int]
    hubspot: dict[str, int]
    salesforce: dict[str, int]
    treated: int
    untreated: int
    treated_engaged: int
    untreated_engaged: int
    treated_quiet: int
    untreated_quiet: int
    treated_woke: int
    untreated_woke: int


def _dataset(box: Box) -> tuple[int, int, datetime]:
    if box.dataset is None:
        raise RuntimeError("the sandbox is not started")
    return box.dataset.persons, box.dataset.seed, box.dataset.now


def _running(box: Box, world: World | None = None) -> _Running:
    found = _RUNNING.get(box)
    if found is not None and world is None:
        return found
    if world is None:
        persons, seed, now = _dataset(box)
        world = build_world(persons, seed, now)
    hubspot_clock = ShiftedClock(box.hubspot.state.clock)
    salesforce_clock = ShiftedClock(box.salesforce.state.clock)
    if found is not None:
        hubspot_clock, salesforce_clock = found.hubspot_clock, found.salesforce_clock
    box.hubspot.state.clock = hubspot_clock
    box.salesforce.set_clock(salesforce_clock)
    running = _Running(world, PlatformIds.of(world), hubspot_clock, salesforce_clock)
    _RUNNING[box] = running
    return running


def attach_world(box: Box, world: World) -> None:
    """Hands over the world a started box was rendered from (else it is rebuilt from the seed)."""
    _dataset(box)
    _running(box, world)


def world_of(box: Box) -> World:
    """The box's world, as advanced so far."""
    return _running(box).world


def clock_of(box: Box) -> Callable[[], datetime]:
    """The emulators' (shifted) clock, for connectors that read the box after advances."""
    return _running(box).salesforce_clock


# ----- who reengage treated --------------------------------------------------------------


def _hubspot_person(world: World, contact_id: str) -> int | None:
    n, merged = world.persons.count, world.edges.hs_merged
    seq = hs_seq("contacts", contact_id)
    if seq is None:
        return None
    if seq < n:
        return seq
    return int(merged[seq - n]) if n <= seq < n + merged.size else None


def _salesforce_person(world: World, record_id: str | None) -> int | None:
    n, e = world.persons.count, world.edges
    contact = sf_seq("Contact", record_id)
    if contact is not None:
        return contact if contact < n else None
    seq = sf_seq("Lead", record_id)
    if seq is None:
        return None
    extra = np.concatenate([e.sf_merged, e.dup_lead])
    if seq < n:
        return seq
    return int(extra[seq - n]) if seq - n < extra.size else None


def _hubspot_treated(box: Box, world: World, prefix: str) -> set[str]:
    state = box.hubspot.state
    wanted = prefix.casefold()
    contacts: set[str] = set()
    with state.lock:
        for found in state.lists.values():
            if found.name.casefold().startswith(wanted):
                contacts.update(found.members)
        for task in state.table("tasks").records.values():
            if not task.archived and task.properties.get(HUBSPOT_TASK_KEY):
                contacts.update(state.associated("tasks", task.id, "contacts"))
        return {state.resolve_merged(c) for c in contacts}


def _salesforce_treated(box: Box, prefix: str) -> set[str]:
    state = box.salesforce.state
    with state.lock:
        campaigns = {
            str(c["Id"])[:15]
            for c in state.records("Campaign")
            if str(c.get("Name") or "").startswith(prefix)
        }
        who = {
            m.get("LeadId") or m.get("ContactId")
            for m in state.records("CampaignMember")
            if str(m.get("CampaignId") or "")[:15] in campaigns
        }
        who |= {t.get("WhoId") for t in state.records("Task") if t.get(SALESFORCE_TASK_KEY)}
    return {str(w) for w in who if w}


def treated_persons(box: Box, *, prefix: str = LIST_PREFIX) -> set[int]:
    """World person indices on any reengage list or campaign, or with a reengage task.

    Read back from the emulators' states: HubSpot lists and Salesforce campaigns named
    ``prefix + ...``, and tasks carrying reengage's idempotency key (HubSpot
    ``reengage_task_key``, Salesforce ``Reengage_Task_Key__c``), mapped to persons through
    the renderers' id numbering (merged-away and duplicate records included).
    """
    world = world_of(box)
    people = {_hubspot_person(world, c) for c in _hubspot_treated(box, world, prefix)}
    people |= {_salesforce_person(world, r) for r in _salesforce_treated(box, prefix)}
    return {p for p in people if p is not None}


# ----- one week --------------------------------------------------------------------------


def _view(world: World, rows: slice) -> World:
    a = world.activities
    week = Activities(a.person[rows], a.kind[rows], a.at[rows], a.ref[rows])
    return replace(world, activities=week)


def _summary(
    week: int, draw: WeekDraw, world: World, hs: Counter[str], sf: Counter[str]
) -> WeekSummary:
    kinds = world.activities.kind[draw.rows]
    counts = np.bincount(kinds, minlength=len(Act))
    t = draw.treated
    return WeekSummary(
        week=week,
        start=to_datetime(draw.start),
        now=to_datetime(draw.end),
        activities={Act(k).name.lower(): int(c) for k, c in enumerate(counts.tolist()) if c},
        hubspot=dict(hs),
        salesforce=dict(sf),
        treated=int(t.sum()),
        untreated=int((~t).sum()),
        treated_engaged=int((draw.engaged & t).sum()),
        untreated_engaged=int((draw.engaged & ~t).sum()),
        treated_quiet=int((draw.quiet & t).sum()),
        untreated_quiet=int((draw.quiet & ~t).sum()),
        treated_woke=int((draw.woke & t).sum()),
        untreated_woke=int((draw.woke & ~t).sum()),
    )


def advance_week(
    box: Box,
    *,
    uplift: float = 0.3,
    treated: set[int] | None = None,
    pace: Pace | None = None,
    move_clocks: bool = True,
) -> WeekSummary:
    """Moves the box's world one week forward and writes the week into both emulators.

    Args:
        box: a started sandbox.
        uplift: treated persons' engagement probabilities are multiplied by ``1 + uplift``.
        treated: world person indices to treat; None reads them back (:func:`treated_persons`).
        pace: the wake-up model of quiet persons (defaults: :class:`Pace`).
        move_clocks: shift both emulators' clocks 7 days too; False suits a world started
            weeks before the real now and advanced up to it, whose emulators stay real-time.
    """
    if uplift < 0:
        raise ValueError("uplift must be >= 0")
    running = _running(box)
    world = running.world
    mask = np.zeros(world.persons.count, dtype=np.bool_)
    chosen = treated_persons(box) if treated is None else treated
    mask[np.fromiter(chosen, dtype=np.int64, count=len(chosen))] = True
    draw = advance_world(world, mask, uplift, pace)
    view = _view(world, draw.rows)
    start = to_datetime(draw.start)
    hs = apply_hubspot(box.hubspot.state, view, draw.rows.start, running.ids)
    sf = apply_salesforce(box.salesforce.state, view, draw.rows.start, running.ids, start)
    if move_clocks:
        running.hubspot_clock.offset += WEEK
        running.salesforce_clock.offset += WEEK
    running.weeks += 1
    if box.dataset is not None:
        box.dataset.now = to_datetime(world.now)
    return _summary(running.weeks, draw, world, hs, sf)
