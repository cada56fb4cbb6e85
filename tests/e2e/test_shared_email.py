"""Reengage's own writes do not change who is who (failure 4 of "Right on the real platforms").

Two live Salesforce leads share a HubSpot contact's email. The contact joins one of
them; reengage then writes to the other (its status emptied, its campaign left),
and Salesforce stamps that lead (``LastModifiedDate`` / ``SystemModstamp``). Were the
tie-break to read those stamps, the next sync would move the contact to that lead
and write both leads again, each sync undoing the last. Through sync cycles
against the sandbox:

1. a first sync; a HubSpot-only person in an episode is chosen;
2. a lead with that email appears: the contact joins it, reengage writes its fields;
3. a second lead with that email appears, created later: the contact joins it, and
   reengage empties the first lead;
4. an earlier apply's write to the first lead lands late (a retried operation, an
   apply resumed after an interruption): Salesforce stamps that lead after the second;
5. the next sync moves nobody: no operation on either lead or the contact, and no
   task on the first lead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from connectors.base import FieldUpdate, Platform, RecordRef, RecordType, WriteStatus
from sync.plan import Plan
from sync.run import CycleOptions, run_cycle
from sync.store.schema import created_tasks, persons, platform_records
from tests.e2e.leads import new_lead
from tests.e2e.readback import read_back
from tests.e2e.world import World, open_world, rules_with_holdout

PERSONS = 200


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("shared-email")
    opened = open_world(folder, PERSONS, rules_with_holdout(0.0), owner_fallback=True)
    yield opened
    opened.close()


def _sync(world: World) -> Plan:
    result = run_cycle(
        world.engine,
        world.connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=world.as_of, plan=True, apply=True),
    )
    assert result.status == "ok", result.message
    assert result.plan is not None
    return result.plan


def _hubspot_only_with_task(engine: Engine) -> tuple[str, str]:
    """(contact id, email) of a person with a task whose only record is an unlinked contact."""
    pr, p, ct = platform_records, persons, created_tasks
    with engine.connect() as conn:
        with_task = set(conn.execute(select(ct.c.person_id)).scalars())
        rows = conn.execute(
            select(p.c.id, p.c.email, pr.c.record_id, pr.c.sf_lead_id, pr.c.sf_contact_id)
            .join(pr, pr.c.person_id == p.c.id)
            .where(p.c.person_key.like("hubspot_contact:%"), ~pr.c.deleted)
            .order_by(p.c.person_key)
        ).all()
    records: dict[int, list[tuple[str, str | None, bool]]] = {}
    for pid, email, rid, lead_link, contact_link in rows:
        records.setdefault(pid, []).append((rid, email, bool(lead_link or contact_link)))
    for pid, recs in records.items():
        if pid in with_task and len(recs) == 1 and recs[0][1] and not recs[0][2]:
            return recs[0][0], str(recs[0][1])
    raise AssertionError("no HubSpot-only person with a task")


def _touching(plan: Plan, ids: set[str]) -> list[tuple[str, str | None]]:
    return [
        (op.op.value, op.record.record_id if op.record else None)
        for op in plan.operations
        if op.record is not None and op.record.record_id in ids
    ]


def test_reengage_writes_on_the_other_lead_move_nobody(world: World) -> None:
    _sync(world)
    contact_id, email = _hubspot_only_with_task(world.engine)
    first = new_lead(world.box, email, "First")
    assert _touching(_sync(world), {first})  # the contact joined it: reengage wrote to it
    second = new_lead(world.box, email.upper(), "Second")
    moved = _touching(_sync(world), {first, second})
    assert ("update_fields", first) in moved  # its status emptied: Salesforce stamps it
    assert ("update_fields", second) in moved
    late = FieldUpdate(
        "late-write", RecordRef(RecordType.SALESFORCE_LEAD, first),
        {world.rules.fields.salesforce.status: None},
    )  # fmt: skip
    (result,) = world.connectors[Platform.SALESFORCE].update_fields([late])
    assert result.status is WriteStatus.APPLIED, result
    after = _sync(world)
    assert _touching(after, {first, second, contact_id}) == []
    tasks = read_back(world.box, world.rules).salesforce.tasks
    assert [t.key for t in tasks if t.record_id == first] == []
