"""sObject Collections limits the emulator must enforce as Salesforce documents them.

"If the request body includes objects of more than one type, they are processed as
chunks ... {account1, account2, contact1, account3} ... three chunks ... A single
request can process up to 10 chunks." (Create Records Using sObject Collections.)
"""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connectors.sandbox.salesforce import SalesforceEmulator
from connectors.sandbox.seed import SalesforceSeed
from tests.connectors.sandbox.salesforce.builders import lead


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
