"""REST query / queryAll through simple-salesforce over HTTPS: paging, batch size, errors."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox.salesforce import SalesforceEmulator

Loader = Callable[..., list[dict[str, Any]]]
QUERY_MORE = ("GET", "/services/data/v{version}/query/{locator}")


def test_query_all_iter_pages_every_live_record_once(
    sf: Salesforce, org: SalesforceEmulator, seed_leads: Loader
) -> None:
    rows = seed_leads(4500)
    got = [r["Id"] for r in sf.query_all_iter("SELECT Id, Email FROM Lead ORDER BY Id")]
    live = {r["Id"] for r in rows if not r["IsDeleted"]} | {org.state.user_id} - {org.state.user_id}
    assert Counter(got) == Counter(live)
    assert org.state.request_counts[QUERY_MORE] == 2  # 4050 rows: 2000 + 2000 + 50


def test_batch_size_header_is_honoured(
    sf: Salesforce, org: SalesforceEmulator, seed_leads: Loader
) -> None:
    seed_leads(1000, deleted_every=0)
    first = sf.query("SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=300"})
    assert len(first["records"]) == 300 and first["totalSize"] == 1000
    assert first["nextRecordsUrl"].startswith("/services/data/v62.0/query/")
    records = list(
        sf.query_all_iter("SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=300"})
    )
    assert len({r["Id"] for r in records}) == 1000


def test_query_all_shows_deleted_records(sf: Salesforce, seed_leads: Loader) -> None:
    rows = seed_leads(50)
    deleted = {r["Id"] for r in rows if r["IsDeleted"]}
    found = sf.query_all(
        "SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true", include_deleted=True
    )
    assert {r["Id"] for r in found["records"]} == deleted
    assert sf.query("SELECT Id FROM Lead WHERE IsDeleted = true")["totalSize"] == 0


def test_records_carry_wire_datetimes_and_attributes(sf: Salesforce, seed_leads: Loader) -> None:
    seed_leads(3, deleted_every=0)
    record = sf.query(
        "SELECT Id, SystemModstamp, Name FROM Lead ORDER BY SystemModstamp DESC LIMIT 1"
    )["records"][0]
    assert record["SystemModstamp"] == "2026-11-24T18:10:32.000+0000"
    assert record["Name"] == "First0 Last0"
    assert record["attributes"] == {
        "type": "Lead",
        "url": f"/services/data/v62.0/sobjects/Lead/{record['Id']}",
    }


def test_relationship_field_renders_nested_parent(sf: Salesforce, org: SalesforceEmulator) -> None:
    sf.Lead.create({"LastName": "Rel", "Company": "C"})
    record = sf.query("SELECT Id, Owner.Name, Owner.IsActive FROM Lead")["records"][0]
    assert record["Owner"]["Name"] == "Integration User" and record["Owner"]["IsActive"] is True
    assert record["Owner"]["attributes"]["type"] == "User"


def test_count_query(sf: Salesforce, seed_leads: Loader) -> None:
    seed_leads(30)
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 27


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"),
        ("SELECT Nope__c FROM Lead", "INVALID_FIELD"),
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
    ],
    ids=["malformed", "field", "object"],
)
def test_bad_queries_answer_400_with_error_code(sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(soql)
    assert caught.value.status == 400
    assert caught.value.content[0]["errorCode"] == code
