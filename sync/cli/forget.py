"""``reengage forget EMAIL``: a right-to-erasure request, carried out through the applier.

1. The email's salted hash goes into ``forgotten`` first, so that a sync starting
   meanwhile already plans nothing for the person (:mod:`sync.planning`).
2. What the journal says reengage holds for the person (lists, fields, call tasks)
   becomes a plan (:func:`sync.forget.forget_plan`), saved and applied like any other:
   journaled, idempotent, resumable.
3. Only when every write got through are the person's rows deleted from the store
   (:func:`sync.store.forgotten.erase`); otherwise they stay, so that running
   ``forget`` again plans what is left.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from config.rules import Rules
from connectors.base import FieldSink, Platform, RecordRef
from sync.apply import apply_plan
from sync.forget import TASK_TRIGGERS, CreatedTask, Holdings, forget_plan
from sync.identity.rules import normalise_email
from sync.plan.desired import field_names
from sync.plan.model import Plan
from sync.run import sinks_of
from sync.store.forgotten import Found, erase, find_person, remember
from sync.store.journal import load_applied, pending, save_plan, store_version
from sync.store.schema import created_tasks


@dataclass(frozen=True)
class ForgetOutcome:
    """``found``: the store held the person; ``planned`` / ``applied`` / ``failed``: writes
    (``failed`` also counts writes left for a platform with no connector configured)."""

    found: bool
    planned: int
    applied: int
    failed: int
    newly_forgotten: bool


def _holdings(conn: Connection, found: Found) -> Holdings:
    applied = load_applied(conn)
    ids = list(found.person_ids)
    tasks = tuple(
        CreatedTask(Platform(platform), str(task_id), key)
        for key, platform, task_id in conn.execute(
            select(created_tasks.c.idempotency_key, created_tasks.c.platform,
                   created_tasks.c.task_id)
            .where(created_tasks.c.person_id.in_(ids),
                   created_tasks.c.trigger.in_(sorted(TASK_TRIGGERS)),
                   created_tasks.c.task_id.is_not(None))
        )
    )  # fmt: skip
    members: dict[tuple[Platform, str], frozenset[RecordRef]] = {
        k: frozenset(v & found.records) for k, v in applied.members.items() if v & found.records
    }
    fields = {ref: applied.fields[ref] for ref in found.records if ref in applied.fields}
    return Holdings(min(ids) if ids else None, found.records, fields, members, tasks)


def _owned_fields(rules: Rules, platforms: Iterable[Platform]) -> dict[Platform, frozenset[str]]:
    """reengage's own fields per platform (the group and the task key are not values); on a
    plug-in's platform, reengage's own keys (:func:`sync.plan.desired.field_names`)."""
    owned = {p: frozenset(field_names(rules, p).values()) for p in platforms}
    return owned | {
        Platform.HUBSPOT: frozenset(rules.fields.hubspot.model_dump(exclude={"group"}).values()),
        Platform.SALESFORCE: frozenset(
            rules.fields.salesforce.model_dump(exclude={"task_key"}).values()
        ),
    }


def forget_email(
    engine: Engine, sinks: Mapping[Platform, FieldSink], rules: Rules, email: str
) -> ForgetOutcome:
    """Carries out the erasure of ``email`` (see the module docstring)."""
    with engine.begin() as conn:
        newly = remember(conn, email)
        found = find_person(conn, email)
        plan = forget_plan(_holdings(conn, found), _owned_fields(rules, sinks), rules.list_names())
        plan_id = _save(conn, plan) if plan.operations else None
    applied = failed = 0
    if plan_id is not None:
        stats = apply_plan(engine, plan_id, sinks, rules)
        with engine.connect() as conn:  # a platform with no connector leaves its writes
            left = len(pending(conn, plan_id))
        applied, failed = stats.total("applied"), max(stats.total("failed"), left)
    if failed == 0 and (found.person_ids or found.records):
        with engine.begin() as conn:
            erase(conn, found, email)
    return ForgetOutcome(
        found=bool(found.person_ids or found.records),
        planned=len(plan),
        applied=applied,
        failed=failed,
        newly_forgotten=newly,
    )


def _save(conn: Connection, plan: Plan) -> str:
    return save_plan(conn, plan, as_of=datetime.now(UTC), version=store_version(conn))


def forget_command(engine: Engine, settings: Any, rules: Rules, email: str) -> ForgetOutcome:
    """The command's body: holds the store's sync lock (no sync plans for the person while
    their writes are undone) and the connectors; platform errors and store faults become
    CommandError."""
    from sync.cli.common import CommandError, connected, store_faults
    from sync.serve.lock import sync_lock

    if normalise_email(email) is None:
        raise CommandError("no email given: nothing to forget", 2)
    lock = sync_lock(engine)
    if not lock.acquire():
        raise CommandError("another reengage run holds the store; try again later", 3)
    try:
        with connected(settings, rules) as connectors, store_faults(engine):
            return forget_email(engine, sinks_of(connectors), rules, email)
    finally:
        lock.release()


def outcome_document(outcome: ForgetOutcome) -> dict[str, Any]:
    """The ``--json`` document (never the email: the store no longer knows it either)."""
    return {
        "found": outcome.found,
        "planned": outcome.planned,
        "applied": outcome.applied,
        "failed": outcome.failed,
        "exit_code": 1 if outcome.failed else 0,
    }


def outcome_line(outcome: ForgetOutcome) -> str:
    if not outcome.found and not outcome.planned:
        return "no such person in the store; the email is remembered (hashed) and left out"
    return f"forgotten: {outcome.applied} of {outcome.planned} writes undone on the platforms" + (
        f", {outcome.failed} failed (run forget again)" if outcome.failed else ""
    )
