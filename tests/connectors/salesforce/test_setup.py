"""``reengage setup`` against the emulator: describe checks, Tooling API creation, manual steps."""

from __future__ import annotations

from sandbox.salesforce import SalesforceEmulator

from .conftest import MakeConnector


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
