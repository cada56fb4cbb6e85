"""``forget_plan`` undoes only what reengage holds for the person, and only on what it owns."""

from __future__ import annotations

from connectors.base import Platform, RecordRef, RecordType
from sync.forget import CreatedTask, Holdings, forget_plan
from sync.plan.model import OpKind

HS = RecordRef(RecordType.HUBSPOT_CONTACT, "101")
SF = RecordRef(RecordType.SALESFORCE_LEAD, "00Q000000000001AAA")
OTHER = RecordRef(RecordType.HUBSPOT_CONTACT, "202")
OWNED = {
    Platform.HUBSPOT: frozenset({"reengage_status", "reengage_score"}),
    Platform.SALESFORCE: frozenset({"Reengage_Status__c"}),
}


def test_removes_clears_and_closes_only_what_is_reengages() -> None:
    held = Holdings(
        person_id=7,
        records=frozenset({HS, SF}),
        fields={
            HS: {"reengage_status": "dormant", "reengage_score": None, "hs_lead_status": "NEW"},
            SF: {"Reengage_Status__c": "sunset", "Status": "Working"},
        },
        members={
            (Platform.HUBSPOT, "Reengage: a"): frozenset({HS, OTHER}),
            (Platform.SALESFORCE, "Reengage: a"): frozenset({SF}),
            (Platform.HUBSPOT, "Someone else's list"): frozenset({HS}),
        },
        tasks=(CreatedTask(Platform.SALESFORCE, "00T000000000001AAA", "rg1-k"),),
    )
    plan = forget_plan(held, OWNED, ["Reengage: a"])
    got = {(o.op, o.platform, o.record, o.target) for o in plan.operations}
    assert got == {
        (OpKind.REMOVE_MEMBER, Platform.HUBSPOT, HS, "Reengage: a"),
        (OpKind.REMOVE_MEMBER, Platform.SALESFORCE, SF, "Reengage: a"),
        (OpKind.UPDATE_FIELDS, Platform.HUBSPOT, HS, None),
        (OpKind.UPDATE_FIELDS, Platform.SALESFORCE, SF, None),
        (OpKind.CLOSE_TASK, Platform.SALESFORCE, None, "forget"),
    }
    values = {o.record: dict(o.payload["values"]) for o in plan.operations
              if o.op is OpKind.UPDATE_FIELDS}  # fmt: skip
    assert values == {HS: {"reengage_status": None}, SF: {"Reengage_Status__c": None}}
    close = next(o for o in plan.operations if o.op is OpKind.CLOSE_TASK)
    assert close.task_close().task_id == "00T000000000001AAA"
    again = forget_plan(held, OWNED, ["Reengage: a"])
    assert [o.idempotency_key for o in again.operations] == [
        o.idempotency_key for o in plan.operations
    ]


def test_nothing_held_plans_nothing() -> None:
    assert len(forget_plan(Holdings(None, frozenset(), {}, {}, ()), OWNED, [])) == 0
