"""Backfill (Bulk API 2.0) and increments (REST) against the emulator over HTTPS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest

from connectors.base import Cursor, Page, RecordType, StopRun
from connectors.salesforce.connector import SalesforceConnector
from sandbox.salesforce import SalesforceEmulator

from .conftest import Clock, MakeConnector

Cursors = dict[str, Cursor]


def drain(pages: Iterator[Page[Any]], cursors: Cursors) -> list[Any]:
    """Every item of every page, saving each page's cursor as the engine would."""
    items: list[Any] = []
    for page in pages:
        items.extend(page.items)
        cursors[page.cursor.stream] = page.cursor
    return items


def live_and_deleted(org: SalesforceEmulator, sobject: str) -> int:
    return len(org.state.records(sobject, include_deleted=True))


def bulk_jobs(org: SalesforceEmulator) -> int:
    return org.state.request_counts[("POST", "/services/data/v{version}/jobs/query")]


def test_bulk_backfill_reads_every_record(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(bulk_threshold=100)
    cursors: Cursors = {}
    records = drain(connector.read_records({}), cursors)
    kinds = Counter(r.ref.record_type for r in records)
    assert kinds[RecordType.SALESFORCE_LEAD] == live_and_deleted(org, "Lead")
    assert kinds[RecordType.SALESFORCE_CONTACT] == live_and_deleted(org, "Contact")
    assert len({r.ref for r in records}) == len(records)
    assert bulk_jobs(org) == 2
    assert all(c.value["phase"] == "rest" for c in cursors.values())


def test_rest_backfill_reads_every_record_in_pages(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(batch_size=200)
    records = drain(connector.read_records({}), {})
    assert len(records) == live_and_deleted(org, "Lead") + live_and_deleted(org, "Contact")
    assert bulk_jobs(org) == 0
    more = org.state.request_counts[("GET", "/services/data/v{version}/query/{locator}")]
    leads, contacts = live_and_deleted(org, "Lead"), live_and_deleted(org, "Contact")
    assert more == (leads - 1) // 200 + (contacts - 1) // 200  # one request per further page


def test_activities_and_deals_backfill(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(bulk_threshold=1000)
    activities = drain(connector.read_activities({}), {})
    ids = [a.activity_id for a in activities]
    assert len(ids) == len(set(ids))
    tasks = {a.activity_id for a in activities if a.activity_id.startswith("task:")}
    closed = [t for t in org.state.records("Task", include_deleted=True) if t.get("IsClosed")]
    assert len(tasks) == len([t for t in closed if t.get("WhoId")])
    assert any(a.mirror_of for a in activities)
    deals = drain(connector.read_deals({}), {})
    assert len(deals) == live_and_deleted(org, "Opportunity")
    roles = org.state.records("OpportunityContactRole")
    assert sum(len(d.records) for d in deals) == len(
        {(r["OpportunityId"], r["ContactId"]) for r in roles}
    )


def follow(connector: SalesforceConnector, cursors: Cursors) -> dict[str, Any]:
    return {r.ref.record_id: r for r in drain(connector.read_records(cursors), cursors)}


def test_changed_deleted_merged_and_converted_records_are_followed(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(bulk_threshold=100)
    cursors: Cursors = {}
    drain(connector.read_records({}), cursors)
    assert follow(connector, cursors) == {}  # nothing changed: nothing read
    live = [r for r in org.state.records("Lead") if not r.get("IsConverted")]
    changed, deleted, loser, winner, convert = live[:5]
    sf = connector.client.sf
    sf.restful(f"sobjects/Lead/{changed['Id']}", method="PATCH", json={"Email": "new@example.com"})
    sf.restful(f"sobjects/Lead/{deleted['Id']}", method="DELETE")
    merge(org, loser["Id"], winner["Id"])
    contact_id = convert_lead(org, convert["Id"])

    seen = follow(connector, cursors)
    assert seen[changed["Id"]].email == "new@example.com" and not seen[changed["Id"]].deleted
    assert seen[deleted["Id"]].deleted
    assert seen[loser["Id"]].deleted and seen[loser["Id"]].master_record_id == winner["Id"]
    assert seen[convert["Id"]].converted_contact_id == contact_id
    assert seen[contact_id].ref.record_type == RecordType.SALESFORCE_CONTACT
    assert len(seen) == 5
    assert follow(connector, cursors) == {}


def merge(org: SalesforceEmulator, loser: str, winner: str) -> None:
    """What a Salesforce merge does to the loser (the emulator has no merge call)."""
    with org.state.lock:
        table = org.state.table("Lead")
        record = table.records[loser]
        record.update(IsDeleted=True, MasterRecordId=winner)
        table.restamp(record, org.state.now())
        org.state.deleted_log[loser] = org.state.now()


def convert_lead(org: SalesforceEmulator, lead_id: str) -> str:
    """What a lead conversion does (the emulator has no convertLead call): a contact, a flag."""
    lead = org.state.table("Lead").records[lead_id]
    answer = org_client(org).restful(
        "sobjects/Contact/",
        method="POST",
        json={"LastName": lead["LastName"], "Email": lead["Email"]},
    )
    with org.state.lock:
        table = org.state.table("Lead")
        lead.update(IsConverted=True, ConvertedContactId=answer["id"], Status="Closed - Converted")
        table.restamp(lead, org.state.now())
    return str(answer["id"])


def org_client(org: SalesforceEmulator) -> Any:
    import requests
    from simple_salesforce.api import Salesforce

    session = requests.Session()
    session.verify = str(org.ca_bundle)
    session.trust_env = False
    return Salesforce(
        instance_url=org.url, session_id=org.session_id, version="62.0", session=session
    )


def test_a_deleted_record_purged_from_the_recycle_bin_comes_from_get_deleted(
    org: SalesforceEmulator, make_connector: MakeConnector, clock: Clock
) -> None:
    connector = make_connector()
    cursors: Cursors = {}
    drain(connector.read_records({}), cursors)
    victim = org.state.records("Lead")[3]["Id"]
    with org.state.lock:  # deleted and purged at once: queryAll no longer sees it
        del org.state.table("Lead").records[victim]
        org.state.deleted_log[victim] = org.state.now()
    assert follow(connector, cursors) == {}  # getDeleted covers whole minutes only
    clock.now += timedelta(hours=1, minutes=2)  # and is asked at most hourly
    seen = follow(connector, cursors)
    assert list(seen) == [victim] and seen[victim].deleted


def test_a_lapsed_get_deleted_window_schedules_a_full_reread(
    org: SalesforceEmulator, make_connector: MakeConnector, caplog: Any
) -> None:
    connector = make_connector()
    stale: Mapping[str, Any] = {
        "phase": "rest",
        "ts": "2026-11-01T00:00:00+00:00",
        "id": "00Q",
        "deleted_since": "2026-10-01T00:00:00+00:00",
    }
    cursors: Cursors = {"leads": Cursor("leads", stale)}
    drain(connector.read_records(cursors), cursors)
    assert cursors["leads"].value == {"phase": "new"}
    assert "scheduling a full re-read" in caplog.text
    records = drain(connector.read_records(cursors), cursors)
    assert sum(
        r.ref.record_type == RecordType.SALESFORCE_LEAD for r in records
    ) == live_and_deleted(org, "Lead")


def test_a_bulk_job_still_running_at_the_deadline_stops_cleanly_and_is_waited_on_next(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    """A run does not wait on a Bulk job for ever: it stops (StopRun) with the job's id in
    its cursor, and the next run reads that same job instead of starting another."""
    org.state.knobs.bulk_polls_to_complete = 10**9  # the org never finishes the job
    connector = make_connector(bulk_threshold=100, bulk_poll_deadline=0.3)
    cursors: Cursors = {}
    with pytest.raises(StopRun, match="still InProgress"):
        drain(connector.read_records({}), cursors)
    assert bulk_jobs(org) == 1
    assert next(iter(cursors.values())).value["phase"] == "bulk"
    org.state.knobs.bulk_polls_to_complete = 0
    records = drain(connector.read_records(cursors), cursors)
    leads = [r for r in records if r.ref.record_type is RecordType.SALESFORCE_LEAD]
    assert len(leads) == live_and_deleted(org, "Lead")
    assert bulk_jobs(org) == 2  # the lead job waited on, then the contacts' own
