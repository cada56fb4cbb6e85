"""Bulk API 2.0 through simple-salesforce's ``bulk2``: query jobs and ingest jobs."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.salesforce import SalesforceEmulator

Loader = Callable[..., list[dict[str, Any]]]


def rows_of(chunks: list[str]) -> list[dict[str, str]]:
    return [row for chunk in chunks for row in csv.DictReader(io.StringIO(chunk))]


def test_bulk_query_returns_every_row_as_csv_across_locators(
    sf: Salesforce, seed_leads: Loader
) -> None:
    rows = seed_leads(3000)
    chunks = list(
        sf.bulk2.Lead.query("SELECT Id, Email, IsDeleted FROM Lead", max_records=1000, wait=0)
    )
    got = rows_of(chunks)
    assert len(chunks) == 3
    assert sorted(r["Id"] for r in got) == sorted(r["Id"] for r in rows if not r["IsDeleted"])
    assert chunks[0].startswith('"Id","Email","IsDeleted"\n')
    assert {r["IsDeleted"] for r in got} == {"false"}


def test_bulk_query_all_includes_deleted(sf: Salesforce, seed_leads: Loader) -> None:
    seed_leads(200)
    got = rows_of(list(sf.bulk2.Lead.query_all("SELECT Id, IsDeleted FROM Lead", wait=0)))
    assert len(got) == 200 and sum(r["IsDeleted"] == "true" for r in got) == 20


def test_job_polls_before_complete_and_results_headers(
    org: SalesforceEmulator, seed_leads: Loader
) -> None:
    seed_leads(5, deleted_every=0)
    session = requests.Session()
    session.verify, session.trust_env = str(org.ca_bundle), False
    base = f"{org.url}/services/data/v62.0/jobs/query"
    headers = {"Authorization": f"Bearer {org.session_id}"}
    job = session.post(
        base, json={"operation": "query", "query": "SELECT Id FROM Lead"}, headers=headers
    ).json()
    states = [session.get(f"{base}/{job['id']}", headers=headers).json()["state"] for _ in range(2)]
    assert [job["state"], *states] == ["UploadComplete", "InProgress", "JobComplete"]
    answer = session.get(f"{base}/{job['id']}/results", params={"maxRecords": 3}, headers=headers)
    assert (
        answer.headers["Sforce-NumberOfRecords"] == "3"
        and answer.headers["Sforce-Locator"] != "null"
    )
    rest = session.get(
        f"{base}/{job['id']}/results",
        params={"locator": answer.headers["Sforce-Locator"]},
        headers=headers,
    )
    assert (
        rest.headers["Sforce-Locator"] == "null" and rest.headers["Sforce-NumberOfRecords"] == "2"
    )
    assert session.delete(f"{base}/{job['id']}", headers=headers).status_code == 204
    session.close()


def test_bulk_query_refuses_count(sf: Salesforce) -> None:
    with pytest.raises(Exception, match="INVALIDJOB"):
        list(sf.bulk2.Lead.query("SELECT COUNT() FROM Lead", wait=0))


def test_bulk_ingest_insert_then_update_with_results(
    sf: Salesforce, org: SalesforceEmulator
) -> None:
    inserted = sf.bulk2.Lead.insert(
        records=[{"LastName": "Bulk", "Company": "B"}, {"Company": "no name"}], wait=0
    )
    assert inserted[0]["numberRecordsProcessed"] == 2 and inserted[0]["numberRecordsFailed"] == 1
    job_id = inserted[0]["job_id"]
    ok = list(csv.DictReader(io.StringIO(sf.bulk2.Lead.get_successful_records(job_id))))
    bad = list(csv.DictReader(io.StringIO(sf.bulk2.Lead.get_failed_records(job_id))))
    assert ok[0]["sf__Created"] == "true" and ok[0]["LastName"] == "Bulk"
    assert bad[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")
    updated = sf.bulk2.Lead.update(
        records=[{"Id": ok[0]["sf__Id"], "Status": "Working - Contacted"}], wait=0
    )
    assert updated[0]["numberRecordsFailed"] == 0
    assert org.state.record("Lead", ok[0]["sf__Id"])["Status"] == "Working - Contacted"  # type: ignore[index]
