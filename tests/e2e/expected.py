"""What SPEC §4 says each person's records should hold, from the engine's decisions.

Derived here, in the test, from two sources only: the engine's
:class:`~sync.engine.Decisions` (status, segments, days, score, episodes) and the
store's own tables (persons, platform records with their consent flags, the
holdout group). The planner is not used: lists, field values and tasks are
re-derived from SPEC §4's rules, so that a planner bug shows up as a difference
with what the platforms hold.

Readings of SPEC §4 made here (each names the sentence it follows):

* writable records are the person's live HubSpot contacts, Salesforce leads and
  contacts, minus converted leads (Salesforce makes them read-only) and deleted
  or merged-away records;
* consent is "in either platform": any record of the person, live or not, with
  an email opt-out / hard bounce (no segment list) or do-not-call (no task);
* after an episode ended, ``quiet_since`` is that episode's anchor and
  ``dormant_days`` the quiet time the episode ended (from its anchor to the
  reactivation), as the planner documents it; segment,
  period segment and approach are not checked then (they keep earlier values);
* the task key is the documented ``(person, episode start, trigger)`` key, the
  only way to tell one episode's task from another's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select

from config.rules import Rules, TaskRule
from sync.engine import Decisions
from sync.plan import Trigger, task_key
from sync.store.schema import holdout, persons, platform_records

DAY_MS = 86_400_000
WRITABLE = ("hubspot_contact", "salesforce_lead", "salesforce_contact")
OPEN_EPISODE = ("dormant", "sunset")
ENDED = ("reactivated", "handed_off")


@dataclass(frozen=True)
class ExpectedTask:
    key: str
    trigger: str
    platform: str
    due: date
    priority: str


@dataclass(frozen=True)
class Truth:
    """One person's reengage state as SPEC §4 wants it on the platforms as of T."""

    person_id: int
    email: str | None
    status: str
    segment: str | None
    period_segment: str | None
    approach: str | None
    dormant_days: int
    quiet_since_ms: int
    last_engagement_ms: int
    score: float
    holdout: bool
    open_deal: bool
    no_email: bool
    do_not_call: bool
    records: tuple[tuple[str, str], ...]
    lists: frozenset[str]
    # ``task``: the task SPEC wants; ``playbook_task``: whether the playbook or a
    # reactivation calls for one at all (before consent and the holdout)
    task: ExpectedTask | None
    playbook_task: bool

    def record_ids(self, platform: str) -> list[str]:
        return [rid for rtype, rid in self.records if rtype.startswith(platform)]

    def signature(self) -> tuple[object, ...]:
        """What the platforms show of this person's decision (to tell who changed)."""
        return (
            self.status, self.segment, self.period_segment, self.approach,
            self.dormant_days if self.status else None, self.score if self.status else None,
            self.holdout if self.status else None, self.lists, self.task,
        )  # fmt: skip


def add_business_days(start: date, days: int) -> date:
    """The ``days``-th Monday-to-Friday day strictly after ``start`` (``start`` for 0)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@dataclass(frozen=True)
class _StoreFacts:
    email: dict[int, str | None]
    key: dict[int, str]
    records: dict[int, list[tuple[str, str]]]
    no_email: set[int]
    do_not_call: set[int]
    held: set[int]


def _store_facts(engine: Engine, rules: Rules) -> _StoreFacts:
    r = platform_records
    records: dict[int, list[tuple[str, str]]] = defaultdict(list)
    no_email: set[int] = set()
    dnc: set[int] = set()
    with engine.connect() as conn:
        people = conn.execute(select(persons.c.id, persons.c.email, persons.c.person_key)).all()
        rows = conn.execute(
            select(r).where(r.c.person_id.is_not(None), r.c.record_type.in_(WRITABLE))
        ).all()
        held = set(
            conn.execute(
                select(holdout.c.person_id).where(holdout.c.salt == rules.holdout.salt)
            ).scalars()
        )
    for row in rows:
        pid = int(row.person_id)
        if row.email_opt_out or row.hard_bounce:
            no_email.add(pid)
        if row.do_not_call:
            dnc.add(pid)
        if not row.deleted and row.converted_contact_id is None:
            records[pid].append((row.record_type, row.record_id))
    return _StoreFacts(
        email={int(p.id): p.email for p in people},
        key={int(p.id): p.person_key for p in people},
        records=records,
        no_email=no_email,
        do_not_call=dnc,
        held=held if rules.holdout.share > 0 else set(),
    )


def _last_anchor(d: Decisions) -> npt.NDArray[np.int64]:
    """Each person's latest episode anchor (-1: none)."""
    out = np.full(len(d.status), -1, dtype=np.int64)
    for person, anchor in zip(
        d.episodes.person.tolist(), d.episodes.anchor_ms.tolist(), strict=True
    ):
        out[person] = anchor  # rows are ordered by (person, start): the last one wins
    return out


def _name(names: Sequence[str], code: int) -> str | None:
    return names[code] or None if code >= 0 else None


def _lists(
    status: str, segment: str | None, no_email: bool, held: bool, rules: Rules
) -> frozenset[str]:
    """SPEC §4 "Lists", "Sunset", "Reactivated", "Consent", "Holdout"."""
    prefix = rules.lists.prefix
    if held or not status:
        return frozenset()
    if status == "sunset":
        return frozenset({prefix + rules.lists.sunset})
    if status in ENDED:
        return frozenset({prefix + rules.lists.reactivated})
    if no_email or segment is None:
        return frozenset()
    return frozenset({prefix + segment})


def _task_rule(status: str, segment: str | None, rules: Rules) -> tuple[Trigger, TaskRule] | None:
    if status in OPEN_EPISODE and segment is not None:
        rule = rules.playbook[segment].task
        return (Trigger.SEGMENT, rule) if rule is not None else None
    if status in ENDED:
        return Trigger.REACTIVATION, rules.reactivation.task
    return None


def truths(
    engine: Engine, decisions: Decisions, person_ids: npt.NDArray[np.int64], rules: Rules
) -> list[Truth]:
    """Every classified person's :class:`Truth` as of ``decisions.as_of``."""
    facts = _store_facts(engine, rules)
    anchors = _last_anchor(decisions)
    return [
        _truth(decisions, i, int(pid), facts, anchors, rules) for i, pid in enumerate(person_ids)
    ]


def _truth(
    d: Decisions, i: int, pid: int, facts: _StoreFacts, anchors: npt.NDArray[np.int64], rules: Rules
) -> Truth:
    status = d.status_names[int(d.status[i])]
    segment = _name(d.segment_names, int(d.segment[i])) if status in OPEN_EPISODE else None
    days, quiet = int(d.dormant_days[i]), int(d.quiet_since_ms[i])
    if status in ENDED and anchors[i] >= 0:
        quiet = int(anchors[i])
        days = (int(d.reactivated_ms[i]) - quiet) // DAY_MS
    held = pid in facts.held and bool(status)
    no_email, dnc = pid in facts.no_email, pid in facts.do_not_call
    open_deal = bool(d.has_open_deal[i])  # "in an active sales process: no list, no task"
    records = tuple(sorted(facts.records.get(pid, [])))
    return Truth(
        person_id=pid,
        email=facts.email.get(pid),
        status=status,
        segment=segment,
        period_segment=_name(d.segment_names, int(d.period_segment[i])) if segment else None,
        approach=rules.playbook[segment].approach if segment else None,
        dormant_days=days,
        quiet_since_ms=quiet,
        last_engagement_ms=int(d.last_engagement_ms[i]),
        score=round(float(d.score[i]), 1),
        holdout=held,
        open_deal=open_deal,
        no_email=no_email,
        do_not_call=dnc,
        records=records,
        lists=frozenset() if open_deal else _lists(status, segment, no_email, held, rules),
        task=_task(d, i, status, segment, facts.key[pid], records, held or dnc or open_deal, rules),
        playbook_task=_task_rule(status, segment, rules) is not None,
    )


def _task(
    d: Decisions,
    i: int,
    status: str,
    segment: str | None,
    person_key: str,
    records: tuple[tuple[str, str], ...],
    barred: bool,
    rules: Rules,
) -> ExpectedTask | None:
    """SPEC §4 "Playbook", "Reactivated", "Consent" (do-not-call), "Holdout", "One task"."""
    picked = _task_rule(status, segment, rules)
    if picked is None or barred or not records:
        return None
    trigger, rule = picked
    as_of: datetime = d.as_of
    t_date = as_of.astimezone(ZoneInfo(rules.dormancy.business_timezone)).date()
    platform = "salesforce" if any(t.startswith("salesforce") for t, _ in records) else "hubspot"
    return ExpectedTask(
        key=task_key(person_key, int(d.episode_start_ms[i]), trigger),
        trigger=trigger.value,
        platform=platform,
        due=add_business_days(t_date, rule.due_business_days),
        priority=rule.priority,
    )
