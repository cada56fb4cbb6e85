"""Mirrored sends count once, whatever the integration wrote as the task's subject.

A small sandbox world per form the HubSpot–Salesforce integration is known to
write (``Knobs.mirror_form``), one sync cycle applied, then the platforms read
back: every record on ``Reengage: sunset`` belongs to a person with at least
``sunset.after_emails`` real sends since their last engagement. Real sends are
counted from the store with the integration's copies left out by the world's
own truth (which task ids the generator wrote as mirrors), never by subject.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pytest
from sqlalchemy import and_, select

from config.rules import load_rules
from connectors.base import ActivityKind, Platform, RecordType
from sandbox import sandbox as sandbox_module
from sandbox.dataset import DEFAULT_NOW, Knobs, build_world, render
from sandbox.dataset import World as GeneratedWorld
from sandbox.dataset.ids import sf_ids
from sandbox.dataset.render_salesforce_activity import mirrored
from sandbox.seed import SandboxDataset
from sync.store.schema import activities, persons, platform_records
from tests.e2e.runs import SyncRun, sync_once
from tests.e2e.world import World, open_world

PERSONS = 600
FORMS = ["event", "marketing", "email", "bare", "mixed"]


@dataclass
class Mirrored:
    """A running world and the activity ids of the tasks its generator wrote as copies."""

    world: World
    copies: set[str]


@pytest.fixture(scope="module", params=FORMS)
def mirrored_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Mirrored]:
    """A running world whose mirrored tasks are all written in one form (or mixed)."""
    chosen = Knobs(mirror_form=str(request.param))
    worlds: list[GeneratedWorld] = []

    def generate(
        persons: int, *, seed: int, now: datetime | None, knobs: Knobs | None = None
    ) -> SandboxDataset:
        worlds.append(build_world(persons, seed, now or DEFAULT_NOW, chosen))
        return render(worlds[-1])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandbox_module, "generate", generate)
        opened = open_world(tmp_path_factory.mktemp("mirrors"), PERSONS, load_rules())
    copies = {f"task:{i}" for i in sf_ids("Task", np.flatnonzero(mirrored(worlds[0])))}
    yield Mirrored(opened, copies)
    opened.close()


@pytest.fixture(scope="module")
def world(mirrored_world: Mirrored) -> World:
    return mirrored_world.world


@pytest.fixture(scope="module")
def run(world: World) -> SyncRun:
    return sync_once(world, world.as_of)


def real_sends(world: World, copies: set[str]) -> dict[int, list[int]]:
    """Store person id -> the instants (ms) of their sends that are not integration copies."""
    a, r, p = activities, platform_records, persons
    sent = and_(a.c.deleted.is_(False), a.c.kind == ActivityKind.EMAIL_SENT.code)
    cols = (a.c.activity_id, a.c.platform, a.c.occurred_ms)
    by_record = select(r.c.person_id, *cols).join(
        r, and_(r.c.record_type == a.c.record_type, r.c.record_id == a.c.record_id)
    )
    by_email = select(p.c.id, *cols).join(p, p.c.email == a.c.record_id)
    by_email = by_email.where(a.c.record_type == RecordType.EMAIL_ADDRESS.value)
    out: dict[int, list[int]] = {}
    with world.engine.connect() as conn:
        for query in (by_record.where(sent), by_email.where(sent)):
            for person_id, activity_id, platform, at in conn.execute(query):
                if person_id is None:
                    continue
                if platform == Platform.SALESFORCE.value and activity_id in copies:
                    continue
                out.setdefault(int(person_id), []).append(int(at))
    return out


def test_nobody_is_sunset_before_the_rule_s_real_sends(
    mirrored_world: Mirrored, run: SyncRun
) -> None:
    """SPEC §4: sunset after ``after_emails`` sends with no engagement; a copy is no send."""
    world = mirrored_world.world
    threshold = world.rules.sunset.after_emails
    sunset_list = world.rules.lists.prefix + world.rules.lists.sunset
    on_list = run.seen.hubspot.members.get(sunset_list, frozenset()) | (
        run.seen.salesforce.members.get(sunset_list, frozenset())
    )
    sends = real_sends(world, mirrored_world.copies)
    checked: Counter[str] = Counter()
    early = []
    for truth in run.truths:
        ids = {rid for _, rid in truth.records}
        if not ids & on_list:
            continue
        since = [t for t in sends.get(truth.person_id, []) if t >= truth.quiet_since_ms]
        checked["sunset"] += 1
        if len(since) < threshold:
            early.append((truth.person_id, len(since)))
    assert checked["sunset"] > 0, "no one on the sunset list: the world does not test the rule"
    assert not early, (
        f"{len(early)} of {checked['sunset']} on sunset with fewer real sends: {early[:10]}"
    )
