"""The two real client libraries, configured only through their public options, read a
generated world from the sandbox and their batch writes land in the emulators' state."""

from __future__ import annotations

from collections.abc import Iterator

import hubspot
import pytest
import requests
from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput
from simple_salesforce import Salesforce

from connectors.base import load_sandbox
from sandbox.sandbox import Sandbox


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = load_sandbox()(persons=1000, seed=11).start()
    yield sandbox
    sandbox.stop()


def _salesforce(box: Sandbox) -> Salesforce:
    env = box.environment()
    session = requests.Session()
    session.trust_env = False  # this machine sets REQUESTS_CA_BUNDLE, which would beat verify
    session.verify = env["REENGAGE_SALESFORCE__CA_BUNDLE"]
    token = session.post(
        env["REENGAGE_SALESFORCE__INSTANCE_URL"] + "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": env["REENGAGE_SALESFORCE__CONSUMER_KEY"],
            "client_secret": env["REENGAGE_SALESFORCE__CONSUMER_SECRET"],
        },
        timeout=10,
    ).json()
    return Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        version="62.0",
        session=session,
    )


def test_hubspot_sdk_pages_through_contacts_and_calls(box: Sandbox) -> None:
    env = box.environment()
    client = hubspot.Client.create(
        access_token=env["REENGAGE_HUBSPOT__ACCESS_TOKEN"],
        host=env["REENGAGE_HUBSPOT__BASE_URL"],
        client_side_validation=True,
    )
    for object_type in ("contacts", "calls", "meetings"):
        api = client.crm.objects.basic_api
        seen: list[str] = []
        after = None
        while True:
            page = api.get_page(object_type, limit=100, after=after)
            seen += [o.id for o in page.results]
            if page.paging is None or page.paging.next is None:
                break
            after = page.paging.next.after
        live = box.hubspot.state.objects(object_type, archived=False)
        assert len(seen) == len(set(seen)) == len(live) > 0, object_type


def test_hubspot_batch_update_lands(box: Sandbox) -> None:
    env = box.environment()
    client = hubspot.Client.create(
        access_token=env["REENGAGE_HUBSPOT__ACCESS_TOKEN"], host=env["REENGAGE_HUBSPOT__BASE_URL"]
    )
    ids = [o.id for o in box.hubspot.state.objects("contacts", archived=False)[:100]]
    body = BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": i, "properties": {"hs_lead_status": "IN_PROGRESS"}} for i in ids]
    )
    client.crm.contacts.batch_api.update(batch_input_simple_public_object_batch_input=body)
    for i in ids:
        contact = box.hubspot.state.get_object("contacts", i)
        assert contact is not None and contact.properties["hs_lead_status"] == "IN_PROGRESS"


def test_simple_salesforce_reads_leads_and_tasks(box: Sandbox) -> None:
    sf = _salesforce(box)
    for name, at_least in (("Lead", 100), ("Contact", 100), ("Task", 2001)):  # Task: several pages
        got = [r["Id"] for r in sf.query_all_iter(f"SELECT Id FROM {name}")]
        assert len(got) == len(set(got)) == len(box.salesforce.state.records(name)) >= at_least


def test_simple_salesforce_collection_update_lands(box: Sandbox) -> None:
    sf = _salesforce(box)
    leads = [r["Id"] for r in box.salesforce.state.records("Lead")[:200]]
    result = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Lead"}, "Id": i, "Status": "Working - Contacted"}
                for i in leads
            ],
        },
    )
    assert all(r["success"] for r in result)
    for i in leads:
        assert box.salesforce.state.record("Lead", i)["Status"] == "Working - Contacted"


def test_only_state_changing_requests_count_as_writes_for_lost_answers() -> None:
    from sandbox.faults import is_write

    assert is_write("POST", "/crm/v3/objects/tasks/batch/create")
    assert is_write("PATCH", "/services/data/v62.0/composite/sobjects")
    assert is_write("DELETE", "/crm/v3/lists/7/memberships/remove")
    assert not is_write("GET", "/crm/v3/objects/contacts")
    assert not is_write("POST", "/crm/v3/objects/tasks/search")
    assert not is_write("POST", "/crm/v3/objects/tasks/batch/read/")
    assert not is_write("POST", "/services/oauth2/token")
