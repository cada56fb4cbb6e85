"""Call tasks (SPEC §4 "Playbook", "Reactivated", "Owner fallback", "One task per person...")."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, timedelta

import pytest

from config.rules import Owners, Play, TaskRule, Tasks
from sync.plan import Operation, OpKind, Plan, make_plan, task_key
from sync.plan.inputs import PersonRecord
from sync.plan.model import Trigger
from sync.plan.owners import team_member

from .factory import (
    HS,
    RULES,
    SF,
    AppliedState,
    Shape,
    T,
    World,
    contact,
    customer,
    dormant,
    handed_off,
    high_score,
    hs,
    lead,
    lost,
    ops,
    reactivated,
    rules_with,
    sunset,
)


def tasks(plan: Plan) -> list[Operation]:
    return ops(plan, OpKind.CREATE_TASK)


def one_task(plan: Plan) -> Operation:
    [task] = tasks(plan)
    return task


@pytest.mark.parametrize(
    ("shape", "due", "priority", "trigger"),
    [
        (dormant(100), date(2025, 6, 5), "NORMAL", "segment"),  # Monday + 3 business days
        (lost, date(2025, 6, 4), "NORMAL", "segment"),
        (high_score, date(2025, 6, 2), "HIGH", "segment"),  # T's date
        (customer, date(2025, 6, 9), "NORMAL", "segment"),  # Monday + 5: next Monday
        (sunset, date(2025, 6, 5), "NORMAL", "segment"),  # sunset leaves call tasks alone
        (reactivated(), date(2025, 6, 2), "HIGH", "reactivation"),
        (handed_off, date(2025, 6, 2), "HIGH", "reactivation"),
    ],
    ids=["90_180d", "lost_deal", "high_score", "customer", "sunset", "reactivated", "handed_off"],
)
def test_task_due_date_priority_and_trigger(
    shape: Shape, due: date, priority: str, trigger: str
) -> None:
    w = World()
    w.add(shape, lead("00Q1"))
    task = one_task(make_plan(w.input(), RULES))
    assert task.payload["due"] == due.isoformat()
    assert task.task_request().due == due
    assert (task.priority, task.target) == (priority, trigger)


@pytest.mark.parametrize("shape", [dormant(200), dormant(400)], ids=["180_365d", "365d_plus"])
def test_segments_without_a_playbook_task_get_none(shape: Shape) -> None:
    w = World()
    w.add(shape, lead("00Q1"))
    assert not tasks(make_plan(w.input(), RULES))


def test_due_dates_skip_holidays() -> None:
    dormancy = RULES.dormancy.model_copy(update={"holidays": [date(2025, 6, 4)]})
    w = World()
    w.add(dormant(100), lead("00Q1"))
    rules = rules_with(dormancy=dormancy)
    task = one_task(make_plan(w.input(rules=rules), rules))
    assert task.payload["due"] == "2025-06-06"


def test_reactivation_task_says_what_they_did_and_when() -> None:
    w = World()
    w.add(reactivated(3), lead("00Q1"))
    task = one_task(make_plan(w.input(), RULES))
    said = "clicked Spring webinar invite on 2025-05-30"
    assert said in task.payload["subject"]
    assert said in task.payload["body"]


def test_segment_task_gives_the_caller_context() -> None:
    w = World()
    w.add(dormant(100), lead("00Q1"))
    body = one_task(make_plan(w.input(), RULES)).payload["body"]
    for line in (
        "Segment: dormant_90_180d",
        "Approach: email_and_call",
        "Dormant days: 100",
        "Last touch: Newsletter 0",
        "Reengage score: 0.0",
    ):
        assert line in body


def test_lost_deal_task_carries_the_loss_reason_when_the_rule_says_so() -> None:
    w = World()
    w.add(lost, lead("00Q1"))
    assert "Loss reason: Price" in one_task(make_plan(w.input(), RULES)).payload["body"]
    playbook = dict(RULES.playbook)
    playbook["lost_deal"] = Play(approach="call_first", task=TaskRule(due_business_days=2))
    rules = rules_with(playbook=playbook)
    assert "Loss reason" not in one_task(make_plan(w.input(rules=rules), rules)).payload["body"]


def test_do_not_call_and_holdout_get_no_task() -> None:
    w = World()
    w.add(dormant(), lead("00Q1"), dnc=True)
    w.add(reactivated(), lead("00Q2"), dnc=True)
    w.add(high_score, lead("00Q3"), holdout=True)
    w.add(reactivated(), lead("00Q4"), holdout=True)
    assert not tasks(make_plan(w.input(), RULES))


# ---------------------------------------------------------------------------- idempotency


def test_task_key_is_person_episode_trigger_and_survives_reruns() -> None:
    w = World()
    w.add(dormant(100), lead("00Q1"), key="lead-42")
    inp = w.input()
    first, second = make_plan(inp, RULES), make_plan(w.input(), RULES)
    start = int(inp.decisions.episode_start_ms[0])
    expected = task_key("lead-42", start, Trigger.SEGMENT)
    assert one_task(first).idempotency_key == expected == one_task(second).idempotency_key
    assert task_key("lead-42", start, Trigger.REACTIVATION) != expected
    assert task_key("lead-42", start + 1, Trigger.SEGMENT) != expected


def test_a_created_task_is_never_planned_again_even_days_later() -> None:
    w = World()
    w.add(dormant(100), lead("00Q1"))
    done = AppliedState().after(make_plan(w.input(), RULES))
    later = w.input(done, as_of=T + timedelta(days=3))
    assert not tasks(make_plan(later, RULES))


def test_reactivation_after_a_segment_task_is_a_new_task() -> None:
    # The episode had its segment task; the reactivation trigger has its own key.
    w = World()
    w.add(reactivated(), lead("00Q1"))
    inp = w.input()
    start = int(inp.decisions.episode_start_ms[0])
    segment_done = AppliedState(created=frozenset({task_key("person-0", start, Trigger.SEGMENT)}))
    assert one_task(make_plan(w.input(segment_done), RULES)).target == "reactivation"


# ---------------------------------------------------------------------------- where and who


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ((hs("h1"),), hs("h1")),
        ((hs("h1"), lead("00Q1")), lead("00Q1")),
        ((hs("h1"), lead("00Q1"), contact("0031")), contact("0031")),
    ],
    ids=["hubspot_only", "lead_over_hubspot", "contact_over_lead"],
)
def test_tasks_go_to_salesforce_when_there_is_a_salesforce_record(
    records: tuple[PersonRecord, ...], expected: PersonRecord
) -> None:
    w = World()
    w.add(dormant(), *records)
    task = one_task(make_plan(w.input(), RULES))
    assert task.record == expected.ref
    assert task.platform == expected.ref.platform


def test_an_active_owner_keeps_the_task() -> None:
    w = World()
    w.add(dormant(), lead("00Q1", owner="sf-owner"))
    task = one_task(make_plan(w.input(), RULES))
    assert (task.payload["owner_id"], task.payload["owner_source"]) == ("sf-owner", "record")


@pytest.mark.parametrize("owner", ["005gone", None], ids=["inactive", "no_owner"])
def test_inactive_owner_falls_back_to_the_fallback_user(owner: str | None) -> None:
    w = World()
    w.owners_active[(SF, "005gone")] = False
    w.add(dormant(), lead("00Q1", owner=owner))
    rules = rules_with(owners=Owners(salesforce_fallback_user="005FALL", salesforce_team=["005A"]))
    task = one_task(make_plan(w.input(rules=rules), rules))
    assert task.task_request().owner_id == "005FALL"
    assert task.payload["owner_source"] == "fallback"


def test_without_a_fallback_user_the_team_takes_turns_stably_by_person() -> None:
    team = ["005A", "005B", "005C"]
    rules = rules_with(owners=Owners(salesforce_team=team, hubspot_fallback_user="hs-fall"))
    keys = [f"lead-{n}" for n in range(12)]

    def owners(order: list[str]) -> dict[str, str]:
        w = World()
        for k in order:
            w.add(dormant(), lead(f"00Q{k}", owner="005gone"), key=k)
        plan = make_plan(w.input(rules=rules), rules)
        return {t.payload["person_key"]: t.payload["owner_id"] for t in tasks(plan)}

    forward, backward, alone = owners(keys), owners(keys[::-1]), owners(keys[:1])
    assert forward == backward
    assert alone[keys[0]] == forward[keys[0]] == team_member(team, keys[0])
    assert set(forward.values()) == set(team)  # everyone gets some


def test_nobody_to_fall_back_on_leaves_the_task_unassigned() -> None:
    w = World()
    w.add(dormant(), hs("h1", owner="unknown-owner"))  # unknown owners count as inactive
    task = one_task(make_plan(w.input(), RULES))
    assert task.payload["owner_id"] is None
    assert task.payload["owner_source"] == "unassigned"
    assert task.platform == HS


# ---------------------------------------------------------------------------- the daily cap


def _queue() -> World:
    w = World()
    w.add(dormant(100), lead("00Q1"), key="normal-a")  # NORMAL, due 06-05
    w.add(dormant(120), lead("00Q2"), key="normal-b")  # NORMAL, due 06-05
    w.add(high_score, lead("00Q3"), key="high")  # urgent, due T, score 0
    w.add(reactivated(3), lead("00Q4"), key="react")  # urgent, due T, score 8.6
    w.add(dormant(100), hs("h5", owner="hs-owner"), key="other-owner")
    return w


def _keys(ops_: Iterable[Operation]) -> list[str]:
    return [o.payload["person_key"] for o in ops_]


def test_cap_off_plans_every_task() -> None:
    assert len(tasks(make_plan(_queue().input(), RULES))) == 5


def test_cap_keeps_the_most_urgent_and_defers_the_rest_in_order() -> None:
    rules = rules_with(tasks=Tasks(max_per_owner_per_day=2))
    today = AppliedState(tasks_today={(SF, "sf-owner"): 1})
    plan = make_plan(_queue().input(today, rules=rules), rules)
    assert sorted(_keys(tasks(plan))) == ["other-owner", "react"]  # other owners are not capped
    deferred = sorted(plan.deferred, key=lambda o: o.payload["person_key"])
    assert _keys(deferred) == ["high", "normal-a", "normal-b"]
    assert plan.counts().deferred == 3


def test_cap_order_urgent_then_due_then_score() -> None:
    rules = rules_with(tasks=Tasks(max_per_owner_per_day=3))
    plan = make_plan(_queue().input(rules=rules), rules)
    planned = set(_keys(tasks(plan)))
    assert {"react", "high"} <= planned
    assert _keys(plan.deferred) in (["normal-a"], ["normal-b"])  # equal rank: decided by key


def test_deferred_tasks_come_back_the_next_day() -> None:
    rules = rules_with(tasks=Tasks(max_per_owner_per_day=2))
    w = _queue()
    day1 = make_plan(w.input(rules=rules), rules)
    applied = AppliedState().after(day1)
    day2 = make_plan(w.input(applied, rules=rules, as_of=T + timedelta(days=1)), rules)
    assert sorted(_keys(tasks(day2))) == ["normal-a", "normal-b"]
    assert not day2.deferred


def test_cap_puts_high_score_dormant_first_even_when_due_later() -> None:
    playbook = dict(RULES.playbook)
    playbook["high_score_dormant"] = Play(
        approach="immediate_call", task=TaskRule(due_business_days=3, priority="HIGH")
    )
    playbook["dormant_90_180d"] = Play(
        approach="email_and_call", task=TaskRule(due_business_days=0)
    )
    rules = rules_with(playbook=playbook, tasks=Tasks(max_per_owner_per_day=1))
    w = World()
    w.add(dormant(100), lead("00Q1"), key="normal-due-today")
    w.add(high_score, lead("00Q2"), key="high-due-later")
    plan = make_plan(w.input(rules=rules), rules)
    assert _keys(tasks(plan)) == ["high-due-later"]
    assert _keys(plan.deferred) == ["normal-due-today"]


def test_tasks_alerts_and_handoffs_made_under_a_former_key_are_made() -> None:
    """A person merged into another (sync.identity.anchors): what was made under the merged-in
    person's key, for this episode, is not made again under the survivor's."""
    before = World()
    before.add(handed_off, lead("00Q1"), key="salesforce_lead:00Q1")
    first = make_plan(before.input(), RULES)
    assert {o.op for o in first.operations if o.one_off} == {
        OpKind.CREATE_TASK,
        OpKind.SEND_ALERT,
        OpKind.UPDATE_FIELDS,
    }
    done = AppliedState().after(first)
    merged = World()
    merged.add(handed_off, lead("00Q1"), key="hubspot_contact:7")
    without = make_plan(merged.input(done), RULES)
    assert [o for o in without.operations if o.one_off]  # a new key alone would repeat them
    inp = dataclasses.replace(
        merged.input(done), former_keys={"hubspot_contact:7": ("salesforce_lead:00Q1",)}
    )
    assert [o for o in make_plan(inp, RULES).operations if o.one_off] == []
