"""Kill points: a process is SIGKILLed right after an emulator answered its k-th write of a kind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.hubspot import HubSpotEmulator
from sandbox.killpoints import Fired, KillPoints, hubspot_kind, salesforce_kind
from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import SalesforceSeed
from tests.sandbox.hubspot.conftest import small_seed
from tests.sandbox.salesforce.builders import NOW, campaign, client_for, close_clients
from tests.sandbox.salesforce.builders import lead as sf_lead

# The throwaway client: creates one HubSpot task per request (every second request is a
# contact update in between, and the third a refused create), printing what was answered.
CHILD = textwrap.dedent(
    """
    import json, sys, urllib.error, urllib.request
    url, token = sys.argv[1], sys.argv[2]

    def call(path, body):
        request = urllib.request.Request(
            url + path, json.dumps(body).encode(), method="POST",
            headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status
        except urllib.error.HTTPError as exc:
            return exc.code

    task = {"hs_task_subject": "call", "hs_timestamp": "2024-02-01T00:00:00.000Z"}
    for i in range(10):
        if i == 2:
            print("refused", call("/crm/v3/objects/tasks/batch/create", {"inputs": "no"}))
        update = {"inputs": [{"id": "1", "properties": {"firstname": f"F{i}"}}]}
        print("contact", call("/crm/v3/objects/contacts/batch/update", update), flush=True)
        created = {"inputs": [{"properties": {**task, "hs_task_subject": f"call {i}"}}]}
        print("task", call("/crm/v3/objects/tasks/batch/create", created), flush=True)
    """
)


@pytest.fixture
def portal() -> Iterator[HubSpotEmulator]:
    emulator = HubSpotEmulator()
    emulator.load_seed(small_seed())
    with emulator:
        yield emulator


def created_tasks(emulator: HubSpotEmulator) -> list[str]:
    with emulator.state.lock:
        subjects = [t.properties.get("hs_task_subject") for t in emulator.state.objects("tasks")]
    return sorted(str(s) for s in subjects if str(s).startswith("call "))


def test_a_client_is_killed_right_after_its_third_task_create_was_answered(
    portal: HubSpotEmulator,
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, portal.url, portal.token],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    portal.kills.arm(child.pid, "task_create", 3)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, out
    assert created_tasks(portal) == ["call 0", "call 1", "call 2"]  # acted on, then no more
    assert portal.kills.fired == [Fired(child.pid, "task_create", 3)]
    # the 400 is not counted; the kill lands after the answer was sent, so the client may
    # have sent its next request (a contact update) before it died, never a 4th create
    assert portal.kills.counts["task_create"] == 3
    assert portal.kills.counts["contact_update"] in (3, 4)
    assert not portal.kills.armed
    assert "refused 400" in out


def test_an_unarmed_portal_only_counts(portal: HubSpotEmulator) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, portal.url, portal.token],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    assert len(created_tasks(portal)) == 10
    assert portal.kills.counts == {"contact_update": 10, "task_create": 10}
    assert portal.kills.fired == []


@pytest.fixture
def org() -> Iterator[SalesforceEmulator]:
    emulator = SalesforceEmulator()
    emulator.set_clock(lambda: NOW)
    with emulator:
        yield emulator
        close_clients()


def test_salesforce_kills_after_the_kth_campaign_member_insert(org: SalesforceEmulator) -> None:
    people, webinar = [sf_lead(i) for i in range(3)], campaign("Webinar")
    org.load_seed(SalesforceSeed(records={"Lead": people, "Campaign": [webinar]}))
    sf = client_for(org)
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        org.kills.arm(victim.pid, "member_add", 2)
        for person in people:
            member = {"attributes": {"type": "CampaignMember"}, "CampaignId": webinar["Id"]}
            body: dict[str, Any] = {"records": [{**member, "LeadId": person["Id"]}]}
            patch = {"records": [{"attributes": {"type": "Lead"}, "id": person["Id"]}]}
            sf.restful("composite/sobjects", method="PATCH", json=patch)
            sf.restful("composite/sobjects", method="POST", json=body)
            if person is people[0]:
                assert victim.poll() is None  # one insert answered: still alive
        assert victim.wait(timeout=10) == -signal.SIGKILL
    finally:
        victim.kill()
        victim.wait()
    assert org.kills.fired == [Fired(victim.pid, "member_add", 2)]
    assert org.kills.counts == {"field_update": 3, "member_add": 3}
    assert len(org.state.records("CampaignMember")) == 3  # the body reached the org unchanged


def test_arming_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="salesforce write kind"):
        KillPoints("salesforce").arm(1, "contact_update", 1)
    with pytest.raises(ValueError, match="1 or more"):
        KillPoints("hubspot").arm(1, "task_create", 0)


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("POST", "/crm/v3/objects/contacts/batch/update", "contact_update"),
        ("PATCH", "/crm/v3/objects/0-1/101", "contact_update"),
        ("PUT", "/crm/v3/lists/12/memberships/add", "member_add"),
        ("PUT", "/crm/v3/lists/12/memberships/remove/", "member_remove"),
        ("POST", "/crm/v3/objects/tasks/batch/create", "task_create"),
        ("POST", "/crm/v3/objects/0-27", "task_create"),
        ("POST", "/crm/v3/objects/tasks/batch/update", "task_update"),
        ("PATCH", "/crm/v3/objects/tasks/60000000001", "task_update"),
        ("POST", "/crm/v3/objects/tasks/search", None),
        ("POST", "/crm/v3/objects/tasks/batch/read", None),
        ("POST", "/crm/v3/objects/contacts/batch/create", None),
        ("GET", "/crm/v3/lists/12/memberships", None),
        ("POST", "/crm/v3/properties/contacts", None),
    ],
)
def test_hubspot_write_kinds(method: str, path: str, kind: str | None) -> None:
    assert hubspot_kind(method, path) == kind


def records(*types: str) -> bytes:
    return json.dumps({"records": [{"attributes": {"type": t}} for t in types]}).encode()


DATA = "/services/data/v62.0/"


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "kind"),
    [
        ("PATCH", DATA + "composite/sobjects", "", records("Lead", "Contact"), "field_update"),
        ("PATCH", DATA + "composite/sobjects", "", records("Task"), "task_update"),
        ("POST", DATA + "composite/sobjects", "", records("Task"), "task_create"),
        ("POST", DATA + "composite/sobjects", "", records("CampaignMember"), "member_add"),
        ("POST", DATA + "composite/sobjects", "", records("Campaign"), None),
        (
            "DELETE",
            DATA + "composite/sobjects",
            "ids=00vSD0000000001,00vSD2",
            None,
            "member_remove",
        ),
        ("DELETE", DATA + "composite/sobjects", "ids=00QSD0000000001", None, None),
        ("PATCH", DATA + "sobjects/Lead/00QSD0000000001", "", None, "field_update"),
        ("POST", DATA + "sobjects/Task/", "", None, "task_create"),
        ("DELETE", DATA + "sobjects/CampaignMember/00vSD1", "", None, "member_remove"),
        ("PATCH", DATA + "jobs/ingest/750X", "", b'{"state": "UploadComplete"}', "field_update"),
        ("PATCH", DATA + "jobs/ingest/750X", "", b'{"state": "Aborted"}', None),
        ("GET", DATA + "query/", "q=SELECT+Id+FROM+Task", None, None),
        ("POST", DATA + "tooling/sobjects/CustomField", "", b"{}", None),
    ],
)
def test_salesforce_write_kinds(
    method: str, path: str, query: str, body: bytes | None, kind: str | None
) -> None:
    assert salesforce_kind(method, path, query, body) == kind
