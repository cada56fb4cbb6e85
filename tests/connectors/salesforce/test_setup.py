"""``reengage setup`` against the emulator: describe checks, Tooling API creation, manual steps."""

from __future__ import annotations

from collections import Counter

from sandbox.salesforce import SalesforceEmulator

from .conftest import MakeConnector


def test_missing_fields_and_campaigns_are_created_then_reported_ok(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    before = connector.check_setup(None)
    assert Counter((i.kind, i.status) for i in before) == {
        ("field", "missing"): 21,
        ("campaign", "missing"): 9,
        ("owner", "ok"): 1,
    }
    applied = connector.apply_setup(before)
    assert Counter((i.kind, i.status) for i in applied) == {
        ("field", "created"): 21,
        ("campaign", "created"): 9,
        ("owner", "ok"): 1,
    }
    assert {i.status for i in connector.check_setup(None)} == {"ok"}
    fields = org.state.schema.get("Task")
    assert fields is not None and fields.field("Reengage_Task_Key__c") is not None


def test_without_permission_each_field_comes_with_exact_instructions(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    org.can_customize = False
    applied = connector.apply_setup(connector.check_setup(None))
    manual = {i.name: i for i in applied if i.status == "manual"}
    assert len(manual) == 21
    item = manual["Lead.Reengage_Score__c"]
    assert "Object Manager > Lead" in item.instructions
    assert "type Number, 7 digits, 1 decimal places" in item.instructions
    assert "API name Reengage_Score__c" in item.instructions
    assert "length 80" in manual["Task.Reengage_Task_Key__c"].instructions
    assert "INSUFFICIENT_ACCESS" in item.detail


def test_a_field_of_the_wrong_type_is_reported_never_changed(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    connector.client.sf.restful(
        "tooling/sobjects/CustomField",
        method="POST",
        json={
            "FullName": "Lead.Reengage_Status__c",
            "Metadata": {"label": "X", "type": "Checkbox"},
        },
    )
    wrong = [i for i in connector.check_setup(None) if i.status == "wrong"]
    assert [(i.name, i.detail) for i in wrong] == [
        ("Lead.Reengage_Status__c", "is boolean, reengage needs Text")
    ]
