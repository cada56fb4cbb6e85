"""A poisoned record is its own problem: the run goes on, and nobody else notices.

Two worlds of the same seed: one clean, one where a HubSpot contact (a garbage
``createdate``, a ``nan`` score, no email) and a Salesforce lead (a garbage
``CreatedDate``, no email) are poisoned in the emulators' state before the first
sync, and another lead holds its booleans as the strings ``"false"``. After one
``sync --apply`` in each, every person not made of a poisoned record has the same
decisions, and the platforms hold the same reengage lists, fields and tasks for
them; the poisoned records are listed by ``reengage errors``; the ``"false"``
strings are read as false.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config.rules import load_rules
from sync.run import CycleOptions, run_cycle
from sync.store.runlog import failures
from sync.store.schema import person_states, persons, platform_records
from tests.e2e.readback import PlatformState, read_back
from tests.e2e.world import World, open_world

PERSONS = 60
DECISION = ("status", "segment", "approach", "dormant_days", "holdout", "is_customer")


def _open(folder: Path) -> World:
    return open_world(folder, PERSONS, load_rules())


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, World]]:
    clean = _open(tmp_path_factory.mktemp("clean"))
    try:
        poisoned = _open(tmp_path_factory.mktemp("poisoned"))
    except BaseException:
        clean.close()
        raise
    yield clean, poisoned
    poisoned.close()
    clean.close()


def _poison(world: World) -> dict[str, tuple[str, str | None]]:
    """Poisons records in the emulators' memory; answers record id -> (platform, the field
    it must be skipped for, or None for the lead whose "false" strings must be read)."""
    score = world.rules.segments.high_score_dormant.hubspot_score_property
    hubspot = world.box.hubspot.state
    with hubspot.lock:
        contacts = sorted(hubspot.tables["contacts"].records.values(), key=lambda o: int(o.id))
        live = [o for o in contacts if not o.archived and o.properties.get("email")]
        dated, scored, flagged = (live[len(live) * k // 4] for k in (1, 2, 3))
        dated.properties.update({"createdate": "not-a-date", "email": None})
        scored.properties[score] = "nan"
        flagged.properties["hs_email_optout"] = "maybe"
    salesforce = world.box.salesforce.state
    with salesforce.lock:
        leads = sorted(
            (r for r in salesforce.records("Lead") if r.get("Email") and not r.get("IsConverted")),
            key=lambda r: str(r["Id"]),
        )
        bad, maybe, stringy = (leads[len(leads) * k // 4] for k in (1, 2, 3))
        bad.update({"CreatedDate": "31/12/2025 25:61", "Email": None})
        maybe["DoNotCall"] = "maybe"
        stringy.update({"HasOptedOutOfEmail": "false", "DoNotCall": "FALSE"})
    return {
        dated.id: ("hubspot", "createdate"),
        scored.id: ("hubspot", score),
        flagged.id: ("hubspot", "hs_email_optout"),
        str(bad["Id"]): ("salesforce", "CreatedDate"),
        str(maybe["Id"]): ("salesforce", "DoNotCall"),
        str(stringy["Id"]): ("salesforce", None),
    }


def _sync(world: World) -> None:
    result = run_cycle(
        world.engine,
        world.connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=world.as_of, plan=True, apply=True),
    )
    assert result.status == "ok", result.message


def _people(world: World) -> dict[frozenset[str], tuple[Any, ...]]:
    """Each person by the records it is made of -> its decisions."""
    query = (
        select(platform_records.c.record_id, persons.c.id, *[person_states.c[c] for c in DECISION])
        .join(persons, persons.c.id == platform_records.c.person_id)
        .join(person_states, person_states.c.person_id == persons.c.id)
    )
    records: dict[int, set[str]] = {}
    decisions: dict[int, tuple[Any, ...]] = {}
    with world.engine.connect() as conn:
        for row in conn.execute(query):
            records.setdefault(row.id, set()).add(str(row.record_id))
            decisions[row.id] = tuple(row[2:])
    return {frozenset(ids): decisions[pid] for pid, ids in records.items()}


def _without(state: PlatformState, tainted: set[str]) -> dict[str, Any]:
    return {
        "members": {n: set(ids) - tainted for n, ids in state.members.items()},
        "fields": {r: v for r, v in state.fields.items() if r not in tainted},
        "tasks": sorted(
            (str(t.record_id), t.due, t.priority, str(t.owner))
            for t in state.tasks
            if t.record_id not in tainted
        ),
    }


def test_a_poisoned_record_is_skipped_named_and_harmless(worlds: tuple[World, World]) -> None:
    clean, poisoned = worlds
    named = _poison(poisoned)
    _sync(clean)
    _sync(poisoned)
    bad = {rid for rid, (_, field) in named.items() if field is not None}
    clean_people, poisoned_people = _people(clean), _people(poisoned)
    tainted = set().union(*(ids for ids in clean_people if ids & bad))
    kept = {k: v for k, v in clean_people.items() if not k & tainted}
    assert len(kept) > PERSONS // 3
    assert {k: v for k, v in poisoned_people.items() if not k & tainted} == kept
    before, after = read_back(clean.box, clean.rules), read_back(poisoned.box, poisoned.rules)
    for platform in ("hubspot", "salesforce"):
        want = _without(getattr(before, platform), tainted)
        assert any(want["members"].values()) and want["fields"], platform  # writes were made
        assert _without(getattr(after, platform), tainted) == want, platform
    with poisoned.engine.connect() as conn:
        listed = failures(conn, datetime(2000, 1, 1, tzinfo=UTC))
        stringy = conn.execute(
            select(platform_records.c.email_opt_out, platform_records.c.do_not_call).where(
                platform_records.c.record_id.in_([r for r, (_, f) in named.items() if f is None])
            )
        ).one()
    skipped = {(f.platform, f.record_id, f.target) for f in listed if f.kind == "skipped"}
    assert skipped == {(p, rid, field) for rid, (p, field) in named.items() if field is not None}
    assert tuple(stringy) == (False, False)
