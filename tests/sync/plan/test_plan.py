"""The plan as a whole: order, determinism, steady state, alerts and counts."""

from __future__ import annotations

import json

from connectors.base import ActivityKind as K
from connectors.base import Platform
from sync.engine.builder import InputBuilder
from sync.plan import OpKind, Plan, alert_key, make_plan

from .factory import (
    RULES,
    AppliedState,
    World,
    active,
    ago,
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
    sunset,
)


def handed_later(b: InputBuilder) -> int:
    """Reactivated by a click 20 days ago, handed off by a reply 5 days ago (score 30.4)."""
    p = b.person(ago(210))
    for k in range(4):
        b.activity(p, K.EMAIL_OPEN, ago(200 + k), f"Newsletter {k}")
    b.activity(p, K.EMAIL_CLICK, ago(20), "Offer")
    b.activity(p, K.FORM_SUBMISSION, ago(12), "Contact us")
    b.activity(p, K.EMAIL_REPLY, ago(5), "Re: pricing")
    return p


def everyone() -> World:
    w = World()
    w.add(dormant(100), hs("h0"), lead("00Q0"))
    w.add(dormant(200), hs("h1"))
    w.add(dormant(400), lead("00Q2"), opt_out=True)
    w.add(high_score, hs("h3"), contact("0033"))
    w.add(lost, lead("00Q4"), dnc=True)
    w.add(customer, contact("0035"))
    w.add(sunset, hs("h6"), bounce=True)
    w.add(reactivated(), hs("h7"), lead("00Q7"))
    w.add(handed_off, hs("h8"), lead("00Q8"), holdout=True)
    w.add(handed_later, hs("h9"), contact("0039"))
    w.add(active, hs("h10"), lead("00Q10"))
    return w


def test_same_input_same_operations_in_the_same_order() -> None:
    w = everyone()
    first, second = make_plan(w.input(), RULES), make_plan(w.input(), RULES)
    assert [o.to_dict() for o in first.operations] == [o.to_dict() for o in second.operations]


def test_operations_run_by_platform_then_fields_lists_tasks_alerts() -> None:
    plan = make_plan(everyone().input(), RULES)
    keys = [o.sort_key() for o in plan.operations]
    assert keys == sorted(keys)
    order = [OpKind.UPDATE_FIELDS, OpKind.REMOVE_MEMBER, OpKind.ADD_MEMBER, OpKind.CREATE_TASK]
    for platform in Platform.members():
        kinds = [o.op for o in plan.operations if o.platform is platform]
        assert kinds == sorted(kinds, key=order.index)
    assert plan.operations[-1].op is OpKind.SEND_ALERT


def test_operations_are_json_and_have_keys() -> None:
    plan = make_plan(everyone().input(), RULES)
    json.dumps([o.to_dict() for o in plan.operations])
    keys = [o.idempotency_key for o in plan.operations]
    assert all(keys) and len(set(keys)) == len(keys)


def test_applied_state_equal_to_desired_gives_zero_operations() -> None:
    w = everyone()
    first = make_plan(w.input(), RULES)
    assert len(first) > 0
    applied = AppliedState().after(first)
    assert not make_plan(w.input(applied), RULES).operations


def test_counts_per_op_platform_and_segment() -> None:
    w = World()
    w.add(dormant(100), hs("h1"), lead("00Q1"))
    counts = make_plan(w.input(), RULES).counts()
    assert counts.by_op == {
        ("add_member", "hubspot"): 1,
        ("add_member", "salesforce"): 1,
        ("create_task", "salesforce"): 1,
        ("update_fields", "hubspot"): 1,
        ("update_fields", "salesforce"): 1,
    }
    assert counts.by_segment == {"dormant_90_180d": 5}
    assert counts.deferred == 0


# ---------------------------------------------------------------------------- alerts


def alerts(plan: Plan) -> dict[str, dict[str, object]]:
    return {str(o.target): dict(o.payload) for o in ops(plan, OpKind.SEND_ALERT)}


def test_reactivation_alert_says_who_what_when() -> None:
    w = World()
    w.add(reactivated(3), hs("h1"), lead("00Q1"), key="jane")
    got = alerts(make_plan(w.input(), RULES))
    assert set(got) == {"reactivation"}
    alert = got["reactivation"]
    assert alert["what"] == "clicked Spring webinar invite on 2025-05-30"
    assert alert["at"] == "2025-05-30T12:00:00.000Z"
    assert (alert["person_key"], alert["email"], alert["status"]) == (
        "jane",
        "jane@example.com",
        "reactivated",
    )
    assert alert["score"] == 8.6
    assert alert["records"] == [
        {"record_type": "hubspot_contact", "record_id": "h1"},
        {"record_type": "salesforce_lead", "record_id": "00Q1"},
    ]


def test_instant_handoff_sends_one_handoff_alert() -> None:
    w = World()
    w.add(handed_off, hs("h1"))
    got = alerts(make_plan(w.input(), RULES))
    assert set(got) == {"handoff"}
    assert got["handoff"]["what"] == "held a meeting (Demo call) on 2025-05-30"


def test_later_handoff_alerts_once_each_and_never_again() -> None:
    w = World()
    w.add(handed_later, hs("h1"), key="k")
    inp = w.input()
    got = alerts(make_plan(inp, RULES))
    assert got["reactivation"]["what"] == "clicked Offer on 2025-05-13"
    assert got["handoff"]["what"] == "replied to Re: pricing on 2025-05-28"
    start = int(inp.decisions.episode_start_ms[0])
    sent = AppliedState(created=frozenset({alert_key("k", start, "reactivation")}))
    assert set(alerts(make_plan(w.input(sent), RULES))) == {"handoff"}
    done = AppliedState().after(make_plan(inp, RULES))
    assert not alerts(make_plan(w.input(done), RULES))


def test_dormant_and_inactive_persons_raise_no_alert() -> None:
    w = World()
    w.add(dormant(), hs("h1"))
    w.add(active, hs("h2"))
    assert not alerts(make_plan(w.input(), RULES))
