"""Writes through simple-salesforce: sObject Collections, single records, custom fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceRefusedRequest

from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import SalesforceSeed
from tests.sandbox.salesforce.builders import NOW, campaign, lead, user

COLLECTION_WRITES = ("POST", "/services/data/v{version}/composite/sobjects")


def new_lead(i: int, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Lead"}, "LastName": f"New{i}", "Company": "Acme", **fields}


def collections(
    sf: Salesforce, method: str, records: list[dict[str, Any]], all_or_none: bool = False
) -> Any:
    return sf.restful(
        "composite/sobjects", method=method, json={"allOrNone": all_or_none, "records": records}
    )


def test_create_with_partial_failure_answers_200_per_record_in_order(
    sf: Salesforce, org: SalesforceEmulator
) -> None:
    records = [
        new_lead(0),
        {"attributes": {"type": "Lead"}, "Company": "NoName"},
        new_lead(2, Bogus__c="x"),
        new_lead(3, IsConverted=True),
        new_lead(4),
    ]
    results = collections(sf, "POST", records)
    assert [r["success"] for r in results] == [True, False, False, False, True]
    assert [r["errors"][0]["statusCode"] for r in results if not r["success"]] == [
        "REQUIRED_FIELD_MISSING",
        "INVALID_FIELD",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
    ]
    assert results[1]["errors"][0]["fields"] == ["LastName"]
    stored = org.state.record("Lead", results[0]["id"])
    assert stored is not None and stored["LastName"] == "New0" and stored["SystemModstamp"] == NOW
    assert org.state.write_requests() == 1


def test_update_bumps_modstamp_and_reports_deleted_and_unknown(
    sf: Salesforce, org: SalesforceEmulator
) -> None:
    old = NOW - timedelta(days=2)
    alive, gone = lead(1, stamp=old), lead(2, stamp=old, IsDeleted=True)
    org.load_seed(SalesforceSeed(records={"Lead": [alive, gone]}))
    results = collections(
        sf,
        "PATCH",
        [
            {"attributes": {"type": "Lead"}, "Id": alive["Id"], "Status": "Working - Contacted"},
            {"attributes": {"type": "Lead"}, "Id": gone["Id"], "Status": "Working - Contacted"},
            {
                "attributes": {"type": "Lead"},
                "Id": "00QSD0000000zzzAAA",
                "Status": "Working - Contacted",
            },
        ],
    )
    assert [r["success"] for r in results] == [True, False, False]
    assert results[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    stored = org.state.record("Lead", alive["Id"])
    assert stored is not None and stored["Status"] == "Working - Contacted"
    assert stored["SystemModstamp"] == NOW and stored["LastModifiedDate"] == NOW
    found = sf.query(
        f"SELECT Id FROM Lead WHERE SystemModstamp > {old.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    )
    assert [r["Id"] for r in found["records"]] == [alive["Id"]]


def test_all_or_none_rolls_every_record_back(sf: Salesforce, org: SalesforceEmulator) -> None:
    results = collections(sf, "POST", [new_lead(0), new_lead(1, Nope__c=1)], all_or_none=True)
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert org.state.records("Lead") == []


def test_more_than_200_records_is_a_400(sf: Salesforce, org: SalesforceEmulator) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        collections(sf, "POST", [new_lead(i) for i in range(201)])
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert org.state.records("Lead") == []
    assert len(collections(sf, "POST", [new_lead(i) for i in range(200)])) == 200


def test_second_campaign_member_is_duplicate_value(sf: Salesforce, org: SalesforceEmulator) -> None:
    person, webinar = lead(1), campaign("Webinar")
    org.load_seed(SalesforceSeed(records={"Lead": [person], "Campaign": [webinar]}))
    member = {
        "attributes": {"type": "CampaignMember"},
        "CampaignId": webinar["Id"],
        "LeadId": person["Id"],
    }
    results = collections(sf, "POST", [member, dict(member)])
    assert results[0]["success"] is True
    assert results[1]["errors"][0] == {
        "statusCode": "DUPLICATE_VALUE",
        "message": "Already a campaign member.",
        "fields": [],
    }
    again = collections(sf, "POST", [member])
    assert again[0]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    sf.restful("composite/sobjects", method="DELETE", params={"ids": results[0]["id"]})
    assert collections(sf, "POST", [member])[0]["success"] is True


def test_unable_to_lock_row_knob_fails_a_share_of_records(
    sf: Salesforce, org: SalesforceEmulator
) -> None:
    org.lock_row_rate = 0.5
    results = collections(sf, "POST", [new_lead(i) for i in range(100)])
    locked = [r for r in results if not r["success"]]
    assert 20 < len(locked) < 80
    assert {r["errors"][0]["statusCode"] for r in locked} == {"UNABLE_TO_LOCK_ROW"}
    assert len(org.state.records("Lead")) == 100 - len(locked)


def test_task_references_are_checked(sf: Salesforce, org: SalesforceEmulator) -> None:
    person, retired = lead(1), user(9, active=False)
    org.load_seed(SalesforceSeed(records={"Lead": [person], "User": [retired]}))
    results = collections(
        sf,
        "POST",
        [
            {
                "attributes": {"type": "Task"},
                "WhoId": person["Id"],
                "Subject": "Call",
                "Status": "Completed",
            },
            {"attributes": {"type": "Task"}, "WhoId": "00QSD0000000zzzAAA", "Subject": "Call"},
            {"attributes": {"type": "Task"}, "WhoId": person["Id"], "OwnerId": retired["Id"]},
        ],
    )
    assert results[0]["success"] and org.state.record("Task", results[0]["id"])["IsClosed"] is True  # type: ignore[index]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert results[2]["errors"][0]["statusCode"] == "INACTIVE_OWNER_OR_USER"


def test_single_record_crud(sf: Salesforce, org: SalesforceEmulator) -> None:
    created = sf.Lead.create({"LastName": "Solo", "Company": "One"})
    assert created["success"] is True
    assert sf.Lead.update(created["id"], {"DoNotCall": True}) == 204
    assert sf.Lead.get(created["id"])["DoNotCall"] is True
    assert sf.Lead.delete(created["id"]) == 204
    assert org.state.record("Lead", created["id"])["IsDeleted"] is True  # type: ignore[index]
    assert org.state.deleted_log[created["id"]] == NOW
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Lead.create({"Company": "No last name"})
    assert caught.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_custom_field_creation_then_describe_query_and_write(
    sf: Salesforce, org: SalesforceEmulator
) -> None:
    body = {
        "FullName": "Lead.Reengage_Status__c",
        "Metadata": {"label": "Reengage Status", "type": "Text", "length": 40},
    }
    created = sf.toolingexecute("sobjects/CustomField", method="POST", data=body)
    assert created["success"] is True
    names = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert (
        names["Reengage_Status__c"]["custom"] is True
        and names["Reengage_Status__c"]["length"] == 40
    )
    lead_id = sf.Lead.create({"LastName": "C", "Company": "D", "Reengage_Status__c": "dormant"})[
        "id"
    ]
    found = sf.query("SELECT Id, Reengage_Status__c FROM Lead WHERE Reengage_Status__c = 'DORMANT'")
    assert [r["Id"] for r in found["records"]] == [lead_id]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.toolingexecute("sobjects/CustomField", method="POST", data=body)
    assert caught.value.content[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"


def test_custom_field_creation_without_permission_is_403(
    sf: Salesforce, org: SalesforceEmulator
) -> None:
    org.can_customize = False
    body = {
        "FullName": "Contact.Reengage_Score__c",
        "Metadata": {"label": "Score", "type": "Number"},
    }
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.toolingexecute("sobjects/CustomField", method="POST", data=body)
    assert caught.value.content[0]["errorCode"] == "INSUFFICIENT_ACCESS"
