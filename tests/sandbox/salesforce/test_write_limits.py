"""sObject Collections limits the emulator must enforce as Salesforce documents them.

"If the request body includes objects of more than one type, they are processed as
chunks ... {account1, account2, contact1, account3} ... three chunks ... A single
request can process up to 10 chunks." (Create Records Using sObject Collections.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.ids import IdMinter
from sandbox.salesforce.schema import STAGES
from sandbox.seed import SalesforceSeed
from tests.sandbox.salesforce.builders import NOW, lead, system


def _collections(sf: Salesforce, method: str, records: list[dict[str, Any]]) -> Any:
    return sf.restful(
        "composite/sobjects", method=method, json={"allOrNone": False, "records": records}
    )


def _new(kind: str, i: int) -> dict[str, Any]:
    if kind == "Lead":
        return {"attributes": {"type": "Lead"}, "LastName": f"L{i}", "Company": "Acme"}
    return {"attributes": {"type": "Campaign"}, "Name": f"C{i}"}


def test_more_than_ten_type_chunks_refuse_the_call(sf: Salesforce, org: SalesforceEmulator) -> None:
    alternating = [_new("Lead" if i % 2 else "Campaign", i) for i in range(11)]  # 11 chunks
    with pytest.raises(SalesforceMalformedRequest):
        _collections(sf, "POST", alternating)
    assert org.state.records("Lead") == [] and org.state.records("Campaign") == []
    ten = [_new("Lead" if i % 2 else "Campaign", i) for i in range(10)]  # 10 chunks: fine
    assert all(r["success"] for r in _collections(sf, "POST", ten))
    grouped = sorted(alternating * 3, key=lambda r: r["attributes"]["type"])  # 2 chunks
    assert all(r["success"] for r in _collections(sf, "POST", grouped))


def test_an_update_counts_chunks_by_type_too(sf: Salesforce, org: SalesforceEmulator) -> None:
    leads = [lead(i) for i in range(6)]
    org.load_seed(SalesforceSeed(records={"Lead": leads}))
    made = _collections(sf, "POST", [_new("Campaign", i) for i in range(6)])
    campaigns = [r["id"] for r in made]
    records: list[dict[str, Any]] = []
    for person, campaign in zip(leads, campaigns, strict=True):
        records.append({"attributes": {"type": "Lead"}, "id": person["Id"], "FirstName": "x"})
        records.append({"attributes": {"type": "Campaign"}, "id": campaign, "IsActive": True})
    with pytest.raises(SalesforceMalformedRequest):
        _collections(sf, "PATCH", records)  # 12 chunks
    stored = org.state.record("Lead", leads[0]["Id"])
    assert stored is not None and stored.get("FirstName") != "x"


# -- date-only fields -------------------------------------------------------------------------
# "Use the yyyy-MM-dd format to specify date fields. Specifying an offset for date is not
# supported." (REST API, Valid Date and DateTime Formats.) A datetime sent to a date field
# is refused by the JSON parser: JSON_PARSER_ERROR "Cannot deserialize instance of date
# from VALUE_STRING value ..." (observed, not in the reference); dates answer yyyy-MM-dd.
NOT_DATES = ("2026-12-01T10:00:00Z", "2026-12-01T00:00:00.000+0000", "2026-12-01Z", "20261201")


def _task(who: str, due: object) -> dict[str, Any]:
    return {
        "attributes": {"type": "Task"},
        "WhoId": who,
        "Subject": "Call",
        "Status": "Not Started",
        "ActivityDate": due,
    }


@pytest.mark.parametrize("value", NOT_DATES)
def test_a_datetime_for_a_date_field_is_refused(
    sf: Salesforce, org: SalesforceEmulator, value: str
) -> None:
    person = lead(1)
    org.load_seed(SalesforceSeed(records={"Lead": [person]}))
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _collections(sf, "POST", [_task(person["Id"], "2026-12-01"), _task(person["Id"], value)])
    assert caught.value.content[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert org.state.records("Task") == []
    with pytest.raises(SalesforceMalformedRequest):
        sf.Task.create({k: v for k, v in _task(person["Id"], value).items() if k != "attributes"})
    assert org.state.records("Task") == []
    made = _collections(sf, "POST", [_task(person["Id"], "2026-12-01")])
    assert made[0]["success"] is True


def test_dates_are_answered_as_days(sf: Salesforce, org: SalesforceEmulator) -> None:
    deal = {
        "Id": IdMinter("006").next(),
        "Name": "Deal",
        "StageName": STAGES[0],
        "CloseDate": datetime(2026, 11, 24, 0, 0, tzinfo=UTC),
        "OwnerId": org.state.user_id,
        **system(NOW),
    }
    org.load_seed(SalesforceSeed(records={"Opportunity": [deal]}))
    rows = sf.query("SELECT Id, CloseDate FROM Opportunity")["records"]
    assert [r["CloseDate"] for r in rows] == ["2026-11-24"]
    assert sf.Opportunity.get(rows[0]["Id"])["CloseDate"] == "2026-11-24"
