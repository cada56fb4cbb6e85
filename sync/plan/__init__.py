"""The planner: desired state as of T, diffed against what was last applied, into operations.

Pure: no database, no clock, no I/O. The caller fills a :class:`PlanInput` from
the store (the engine's decisions plus the journal's applied state) and hands the
:class:`Plan` to the applier. ``make_plan(inp, rules)`` is deterministic: the same
input gives the same operations in the same order — platform (HubSpot, Salesforce,
then alerts), kind (fields, removals, additions, tasks, alerts), target, record.

Modules: :mod:`.model` (operations, keys, value strings), :mod:`.inputs` (the
input), :mod:`.desired` (per-person state, lists, field values), :mod:`.diff`
(fields and memberships), :mod:`.tasks` / :mod:`.owners` / :mod:`.texts` (call
tasks), :mod:`.alerts`, :mod:`.triggers` (what a person did, and when).
"""

from __future__ import annotations

import numpy as np

from config.rules import Rules
from sync.engine.codes import Status

from .alerts import alert_key, alert_ops
from .desired import PersonState, episode_anchors, person_state
from .diff import field_ops, list_ops
from .inputs import Engagements, PersonRecord, PlanInput
from .model import (
    Operation,
    OpKind,
    Plan,
    PlanCounts,
    Trigger,
    field_string,
    stable_key,
)
from .tasks import task_key, task_ops
from .triggers import describe, triggers_from_input


def _states(inp: PlanInput) -> list[PersonState]:
    """Persons who can need an operation: a status now, or a status applied to a record."""
    anchors = episode_anchors(inp)
    has_status = inp.decisions.status != Status.NONE
    wanted = np.flatnonzero(has_status | np.array([bool(r) for r in inp.records], dtype=bool))
    out = []
    for i in wanted.tolist():
        if has_status[i] or any(r.ref in inp.applied_fields for r in inp.records[i]):
            out.append(person_state(inp, i, anchors))
    return out


def make_plan(inp: PlanInput, rules: Rules) -> Plan:
    """Every operation that brings the platforms to the desired state as of ``inp.as_of``."""
    states = _states(inp)
    active = [s for s in states if s.status is not Status.NONE]
    tasks, deferred = task_ops(inp, rules, active)
    ops = [
        *field_ops(inp, rules, states),
        *list_ops(inp, rules, active),
        *tasks,
        *alert_ops(inp, rules, active),
    ]
    return Plan.of(ops, deferred)


__all__ = [
    "Engagements",
    "OpKind",
    "Operation",
    "PersonRecord",
    "Plan",
    "PlanCounts",
    "PlanInput",
    "Trigger",
    "alert_key",
    "describe",
    "field_string",
    "make_plan",
    "stable_key",
    "task_key",
    "triggers_from_input",
]
