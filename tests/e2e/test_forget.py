"""``reengage forget EMAIL`` (a right-to-erasure request), read back from both emulators.

One small world, one sync that puts persons on lists with fields and call tasks; a
person who is on a reengage list with reengage fields on both platforms and has an
open reengage task is forgotten. Afterwards, from the emulators' own state: on no
reengage list or campaign, reengage's fields empty, reengage's tasks for them closed;
from the store: no row holds their email; and the next syncs plan nothing for them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from connectors.base import Platform
from sync.plan.model import Operation
from sync.store.schema import (
    applied_fields,
    applied_memberships,
    created_tasks,
    cursors,
    metadata,
    persons,
    platform_records,
)
from tests.e2e.readback import HUBSPOT_TASK_KEY, read_back
from tests.e2e.runs import sync_once
from tests.e2e.world import World, open_world, rules_with_holdout

HUBSPOT_OPEN = "COMPLETED"


@dataclass(frozen=True)
class Chosen:
    """The person to forget: their email, store id, record ids and reengage task keys."""

    email: str
    person_id: int
    record_ids: frozenset[str]
    task_keys: frozenset[str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    opened = open_world(
        tmp_path_factory.mktemp("forget"), 300, rules_with_holdout(0.0), owner_fallback=True
    )
    yield opened
    opened.close()


def _choose(world: World) -> Chosen:
    """A person with reengage memberships and fields on both platforms and an open task."""
    with world.engine.connect() as conn:
        records: dict[int, list[tuple[str, str]]] = {}
        for pid, rtype, rid in conn.execute(
            select(
                platform_records.c.person_id,
                platform_records.c.record_type,
                platform_records.c.record_id,
            ).where(platform_records.c.person_id.is_not(None))
        ):
            records.setdefault(pid, []).append((rtype, rid))
        members = {(p, r) for p, r in conn.execute(
            select(applied_memberships.c.platform, applied_memberships.c.record_id)
        )}  # fmt: skip
        fielded = set(conn.execute(select(applied_fields.c.record_id)).scalars())
        tasks: dict[int, set[tuple[str, str]]] = {}
        for pid, platform, key in conn.execute(
            select(created_tasks.c.person_id, created_tasks.c.platform,
                   created_tasks.c.idempotency_key)
            .where(created_tasks.c.trigger.in_(("segment", "reactivation")))
        ):  # fmt: skip
            tasks.setdefault(pid, set()).add((platform, key))
        emails = dict(conn.execute(select(persons.c.id, persons.c.email)).all())
    best: list[tuple[int, int]] = []
    for pid, recs in records.items():
        if not emails.get(pid) or pid not in tasks:
            continue
        on = {p for p in ("hubspot", "salesforce") if any(
            (p, rid) in members and rid in fielded for rt, rid in recs if rt.startswith(p)
        )}  # fmt: skip
        if len(on) == 2:
            best.append((len({p for p, _ in tasks[pid]}), pid))
    assert best, "the world has no person on lists with fields on both platforms and a task"
    _, pid = max(best)
    return Chosen(
        email=str(emails[pid]),
        person_id=pid,
        record_ids=frozenset(rid for _, rid in records[pid]),
        task_keys=frozenset(k for _, k in tasks[pid]),
    )


def _closed_task_keys(world: World, keys: frozenset[str]) -> dict[str, bool]:
    """Task key -> whether the emulator holds that task closed (HubSpot COMPLETED; Salesforce
    a status whose TaskStatus is closed)."""
    out: dict[str, bool] = {}
    hs = world.box.hubspot.state
    for task in hs.objects("tasks", archived=False):
        key = task.properties.get(HUBSPOT_TASK_KEY)
        if key in keys:
            out[str(key)] = task.properties.get("hs_task_status") == HUBSPOT_OPEN
    sf = world.box.salesforce.state
    try:
        closed = {str(s["ApiName"]) for s in sf.records("TaskStatus") if s.get("IsClosed")}
    except KeyError:  # an org without the TaskStatus object: the standard closed value
        closed = {"Completed"}
    key_field = world.rules.fields.salesforce.task_key
    for task in sf.records("Task"):
        key = task.get(key_field)
        if key in keys:
            out[str(key)] = task.get("Status") in closed
    return out


def _rows_naming(world: World, email: str, person_id: int | None = None) -> list[str]:
    """The store's tables that still hold a row with ``email`` (or ``person_id``)."""
    out: list[str] = []
    with world.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if "email" in table.c and conn.execute(
                select(func.count()).select_from(table)
                .where(func.lower(func.trim(table.c.email)) == email.lower())
            ).scalar():  # fmt: skip
                out.append(f"{table.name} (email)")
            if person_id is not None and "person_id" in table.c and conn.execute(
                select(func.count()).select_from(table).where(table.c.person_id == person_id)
            ).scalar():  # fmt: skip
                out.append(f"{table.name} (person)")
    return out


def _another(world: World, chosen: Chosen) -> tuple[str, frozenset[str]]:
    """Another person on a reengage list: their email and record ids."""
    pr, am = platform_records, applied_memberships
    with world.engine.connect() as conn:
        pid = conn.execute(
            select(pr.c.person_id).join(am, am.c.record_id == pr.c.record_id)
            .where(pr.c.person_id != chosen.person_id).order_by(pr.c.person_id).limit(1)
        ).scalar_one()  # fmt: skip
        email = conn.execute(select(persons.c.email).where(persons.c.id == pid)).scalar_one()
        rids = conn.execute(select(pr.c.record_id).where(pr.c.person_id == pid)).scalars()
        return str(email), frozenset(rids)


def _writes_for(ops: Sequence[Operation], email: str, record_ids: frozenset[str]) -> list[Any]:
    return [
        o for o in ops
        if (o.record is not None and o.record.record_id in record_ids)
        or email.lower() in repr(dict(o.payload)).lower()
    ]  # fmt: skip


def test_forget_erases_the_person_and_keeps_them_out(world: World) -> None:
    from sync.cli.forget import forget_email
    from sync.store.forgotten import remember

    sync_once(world, world.as_of)
    chosen = _choose(world)
    before = _closed_task_keys(world, chosen.task_keys)
    assert before and not any(before.values()), "the chosen person's tasks start open"

    outcome = forget_email(world.engine, world.connectors, world.rules, chosen.email.upper())
    assert outcome.found and outcome.failed == 0 and outcome.applied >= 3, outcome

    seen = read_back(world.box, world.rules)
    for state in (seen.hubspot, seen.salesforce):
        for rid in chosen.record_ids:
            assert state.lists_of(rid) == set(), rid
            assert state.fields.get(rid, {}) == {}, rid
    assert all(_closed_task_keys(world, chosen.task_keys).values())
    assert _rows_naming(world, chosen.email, chosen.person_id) == []

    again = forget_email(world.engine, world.connectors, world.rules, chosen.email)
    assert again.failed == 0 and again.applied == 0, "forgetting twice writes nothing"

    # a second person whose forget got no further than the hash (its writes failed, say):
    # their rows are still in the store, and syncs must leave them out all the same
    other_email, other_ids = _another(world, chosen)
    with world.engine.begin() as conn:
        remember(conn, other_email)
        conn.execute(delete(cursors))  # the next sync reads every record again
    for days in (0, 8):
        run = sync_once(world, world.as_of + timedelta(days=days))
        mine = _writes_for(run.plan.operations, chosen.email, chosen.record_ids)
        assert mine == [], f"sync +{days}d plans writes for the forgotten person: {mine[:3]}"
        theirs = _writes_for(run.plan.operations, other_email, other_ids)
        assert theirs == [], f"sync +{days}d plans writes for a forgotten person: {theirs[:3]}"
        assert _rows_naming(world, chosen.email) == [], "a re-read stored the person again"
        for rid in chosen.record_ids:
            for state in (run.seen.hubspot, run.seen.salesforce):
                assert state.lists_of(rid) == set()


def test_forget_command_answers_one_document(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """``reengage forget EMAIL --json``: the outcome as one document, never the email."""
    import json

    from typer.testing import CliRunner

    from sync.cli import app

    for key in [k for k in os.environ if k.startswith("REENGAGE_")]:
        monkeypatch.delenv(key)
    for key, value in world.child_environment().items():
        monkeypatch.setenv(key, value)
    with world.engine.connect() as conn:
        email = conn.execute(
            select(persons.c.email).where(persons.c.email.is_not(None)).order_by(persons.c.id)
        ).scalars().first()  # fmt: skip
    assert email
    result = CliRunner().invoke(app, ["forget", str(email), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["found"] is True and doc["failed"] == 0 and doc["exit_code"] == 0
    assert str(email).lower() not in result.stdout.lower()
    assert _rows_naming(world, str(email)) == []
    nobody = CliRunner().invoke(app, ["forget", "nobody@example.invalid", "--json"])
    assert nobody.exit_code == 0, nobody.output
    assert json.loads(nobody.stdout)["found"] is False


def test_forget_keeps_the_rows_until_every_write_is_undone(world: World) -> None:
    """With one platform's connector missing, its writes stay pending: the person's rows stay
    (so that forget, run again, knows what is left), and the second run finishes the job."""
    from sync.cli.forget import forget_email

    am, pr = applied_memberships, platform_records
    with world.engine.connect() as conn:
        email, pid = conn.execute(
            select(persons.c.email, persons.c.id)
            .join(pr, pr.c.person_id == persons.c.id)
            .join(am, am.c.record_id == pr.c.record_id)
            .where(am.c.platform == "salesforce", persons.c.email.is_not(None))
            .order_by(persons.c.id).limit(1)
        ).one()  # fmt: skip
    hubspot_only = {Platform.HUBSPOT: world.connectors[Platform.HUBSPOT]}
    first = forget_email(world.engine, hubspot_only, world.rules, str(email))
    assert first.failed > 0, first
    assert _rows_naming(world, str(email), pid) != [], "rows erased before the writes were undone"
    second = forget_email(world.engine, world.connectors, world.rules, str(email))
    assert second.failed == 0 and second.applied > 0, second
    assert _rows_naming(world, str(email), pid) == []
