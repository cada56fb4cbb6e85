"""Call tasks: one per person, episode and trigger, to the right record and owner, capped.

Triggers (SPEC §4): ``segment`` — the playbook task of the person's segment while
the episode is open (dormant or sunset: sunset leaves call tasks alone) — and
``reactivation`` — ``rules.reactivation.task`` once the person is reactivated or
handed off. A task's idempotency key is ``stable_key(person key, episode start ms,
trigger)``: a key in ``PlanInput.created`` is never planned again, nor is one made
under a key the person was known by before (``PlanInput.former_keys``). The person
key is an anchor that survives conversions, new links and merges
(:mod:`sync.identity.anchors`), so one person, episode and trigger get one task. No task for the
holdout, for do-not-call (either platform), or for a person with no record.

The per-owner daily cap (``rules.tasks.max_per_owner_per_day``, 0 = off) counts
``tasks_today`` first; the tasks over it are *deferred* (returned apart, not to be
applied; their keys stay uncreated, so they return in the next plan), in this
order of precedence: high-score dormant and reactivation tasks first, then the
earliest due date, then the highest score, then the key. Unassigned tasks have
no owner and no cap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from config.rules import Rules, TaskRule
from connectors.base import Platform
from sync.engine.calendar import due_date
from sync.engine.codes import Status

from .desired import ENDED, PersonState, iso_ms
from .inputs import PlanInput
from .model import Operation, OpKind, Trigger, made, stable_key
from .owners import choose_owner, task_record
from .texts import TaskContext, body, subject
from .triggers import describe

URGENT_SEGMENT = "high_score_dormant"


def task_key(person_key: str, episode_start_ms: int, trigger: Trigger) -> str:
    """The idempotency key of a person's task for one episode and trigger."""
    return stable_key(person_key, episode_start_ms, trigger.value)


def task_rule(state: PersonState, rules: Rules) -> tuple[Trigger, TaskRule] | None:
    """The trigger and the rule of the task the person's state calls for, if any."""
    if state.status in (Status.DORMANT, Status.SUNSET) and state.segment is not None:
        play = rules.playbook.get(state.segment)
        return (Trigger.SEGMENT, play.task) if play and play.task else None
    if state.status in ENDED:
        return Trigger.REACTIVATION, rules.reactivation.task
    return None


def what_they_did(inp: PlanInput, state: PersonState, zone: str) -> str:
    """The engagement that reactivated (or, once handed off, handed off) the person."""
    i, d = state.index, inp.decisions
    handed = state.status is Status.HANDED_OFF
    eng = inp.handoff if handed else inp.reactivation
    at = int(eng.at_ms[i])
    if at < 0:
        at = int(d.handed_off_ms[i] if handed else d.reactivated_ms[i])
    detail = int(eng.detail[i])
    return describe(int(eng.kind[i]), inp.details[detail] if detail >= 0 else None, at, zone)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A task that could be planned now, and where it stands in the cap's queue."""

    op: Operation
    owner: tuple[Platform, str] | None
    rank: tuple[int, str, float, str]


def _context(
    inp: PlanInput, rules: Rules, state: PersonState, trigger: Trigger, rule: TaskRule
) -> TaskContext:
    zone = rules.dormancy.business_timezone
    loss = int(inp.decisions.loss_reason[state.index])
    return TaskContext(
        trigger=trigger,
        what=what_they_did(inp, state, zone) if trigger is Trigger.REACTIVATION else None,
        loss_reason=inp.details[loss] if rule.include_loss_reason and loss >= 0 else None,
        email=inp.emails[state.index],
        zone=zone,
    )


def candidate(inp: PlanInput, rules: Rules, state: PersonState) -> Candidate | None:
    """The task the person's state calls for, unless it exists or must not be made."""
    i = state.index
    picked = task_rule(state, rules)
    if picked is None or state.holdout or inp.do_not_call[i]:
        return None
    trigger, rule = picked
    key = task_key(state.key, state.episode_start_ms, trigger)
    record = task_record(inp.records[i], inp.owners_active)
    if record is None or record.ref.platform is None:
        return None
    if made(inp.created, inp.keys_of(state.key), state.episode_start_ms, trigger.value):
        return None
    owner = choose_owner(rules, inp.owners_active, record, state.key)
    due = due_date(inp.as_of, rule.due_business_days, rules.dormancy).isoformat()
    ctx = _context(inp, rules, state, trigger, rule)
    payload = {
        "trigger": trigger.value,
        "subject": subject(state, ctx),
        "body": body(state, ctx),
        "due": due,
        "priority": rule.priority,
        "owner_id": owner.owner_id,
        "owner_source": owner.source,
        "person_key": state.key,
        "episode_start": iso_ms(state.episode_start_ms),
    }
    op = Operation(
        OpKind.CREATE_TASK, record.ref.platform, record.ref, trigger.value, payload, key,
        person_id=int(inp.person_ids[i]), segment=state.label, priority=rule.priority,
    )  # fmt: skip
    urgent = trigger is Trigger.REACTIVATION or state.segment == URGENT_SEGMENT
    bucket = (record.ref.platform, owner.owner_id) if owner.owner_id else None
    return Candidate(op, bucket, (0 if urgent else 1, due, -state.score, key))


def apply_cap(
    inp: PlanInput, rules: Rules, candidates: Iterable[Candidate]
) -> tuple[list[Operation], list[Operation]]:
    """(planned, deferred): each owner gets at most the cap, today's tasks included."""
    cap = rules.tasks.max_per_owner_per_day
    ordered = sorted(candidates, key=lambda c: c.rank)
    if cap <= 0:
        return [c.op for c in ordered], []
    given: dict[tuple[Platform, str], int] = defaultdict(int, inp.tasks_today)
    planned: list[Operation] = []
    deferred: list[Operation] = []
    for c in ordered:
        if c.owner is not None and given[c.owner] >= cap:
            deferred.append(c.op)
            continue
        if c.owner is not None:
            given[c.owner] += 1
        planned.append(c.op)
    return planned, deferred


def task_ops(
    inp: PlanInput, rules: Rules, states: Sequence[PersonState]
) -> tuple[list[Operation], list[Operation]]:
    """(planned, deferred) ``create_task`` operations for ``states``."""
    found = (candidate(inp, rules, s) for s in states)
    return apply_cap(inp, rules, (c for c in found if c is not None))
