"""The planner's input: the store's facts (:mod:`sync.store.plan_input`) and what this
cycle computed (the classification, the reactivation and hand-off triggers).

Persons erased by ``reengage forget`` whose records a later read brought back get no
status, no records and no email here, so the planner makes nothing for them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from config.rules import Rules
from sync.decide import Classification
from sync.engine.codes import Status
from sync.plan.inputs import PersonRecord, PlanInput
from sync.plan.triggers import triggers_from_input
from sync.store.plan_input import read_plan_facts


def _leave_out(
    inp: PlanInput,
    gone: list[int],
    columns: dict[str, Any],
    records: list[tuple[PersonRecord, ...]],
) -> PlanInput:
    """``inp`` with the forgotten persons' status, records and email taken away, and their
    records out of the applied memberships (else they would be planned off the lists:
    undoing reengage's writes is ``forget``'s own plan, run again, not a sync's)."""
    status = inp.decisions.status.copy()
    status[gone] = Status.NONE
    refs = {r.ref for i in gone for r in records[i]}
    for i in gone:
        records[i] = ()
        columns["emails"][i] = None
    members = {k: v - refs for k, v in inp.applied_members.items()}
    return replace(
        inp,
        decisions=replace(inp.decisions, status=status),
        records=records,
        applied_members=members,
    )


def plan_input(conn: Connection, c: Classification, rules: Rules) -> PlanInput:
    """The planner's input for classification ``c`` (same transaction as the plan's save)."""
    as_of = c.decisions.as_of
    facts = read_plan_facts(conn, c.snapshot.people, as_of, rules.dormancy.business_timezone)
    reactivation, handoff = triggers_from_input(c.snapshot.input, c.decisions, rules)
    columns: dict[str, Any] = dict(facts.columns)
    records = list(facts.records)
    inp = PlanInput(
        as_of=as_of,
        decisions=c.decisions,
        person_keys=c.snapshot.person_keys,
        person_ids=c.snapshot.person_ids,
        details=c.snapshot.input.details,
        records=records,
        holdout=c.holdout,
        reactivation=reactivation,
        handoff=handoff,
        owners_active=facts.owners_active,
        applied_fields=facts.applied.fields,
        applied_members=facts.applied.members,
        created=facts.applied.created | facts.applied.parked,
        former_keys=facts.former_keys,
        tasks_today=facts.tasks_today,
        **columns,
    )
    return _leave_out(inp, facts.forgotten, columns, records) if facts.forgotten else inp
