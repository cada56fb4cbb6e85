"""A week passes in a running sandbox: both platforms show it to their real client
libraries, inside the new week, deterministically; reengage's treatment is read back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import hubspot
import numpy as np
import pytest
import requests
from simple_salesforce.api import Salesforce

from sandbox.advance import advance_week, treated_persons, world_of
from sandbox.dataset.ids import hs_ids, sf_ids
from sandbox.dataset.presence import SfKind
from sandbox.sandbox import Sandbox, SandboxOptions

PERSONS = 800


def _box(seed: int = 13) -> Sandbox:
    return Sandbox(SandboxOptions(persons=PERSONS, seed=seed)).start()


@pytest.fixture
def box() -> Iterator[Sandbox]:
    sandbox = _box()
    yield sandbox
    sandbox.stop()


def _salesforce(box: Sandbox) -> Salesforce:
    env = box.environment()
    session = requests.Session()
    session.trust_env = False  # this machine sets REQUESTS_CA_BUNDLE, which would beat verify
    session.verify = env["REENGAGE_SALESFORCE__CA_BUNDLE"]
    return Salesforce(
        instance_url=box.salesforce.url,
        session_id=box.salesforce.session_id,
        version="62.0",
        session=session,
    )


def _hubspot(box: Sandbox) -> Any:
    return hubspot.Client.create(
        access_token=box.hubspot.token, host=box.hubspot.url, client_side_validation=True
    )


def _every_third() -> set[int]:
    return set(range(0, PERSONS, 3))


def _soql_count(sf: Salesforce, sobject: str, since: datetime) -> int:
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    found = sf.query_all(f"SELECT Id FROM {sobject} WHERE SystemModstamp >= {stamp}")
    return int(found["totalSize"])


def _search_total(client: Any, object_type: str, prop: str, since: datetime) -> int:
    body = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": prop,
                        "operator": "GTE",
                        "value": str(int(since.timestamp() * 1000)),
                    }
                ]
            }
        ],
        "limit": 1,
    }
    return int(client.crm.objects.search_api.do_search(object_type, body).total)


def _email_events_since(box: Sandbox, since: datetime) -> int:
    seen, offset = 0, None
    while True:
        params: dict[str, Any] = {"startTimestamp": int(since.timestamp() * 1000), "limit": 1000}
        if offset:
            params["offset"] = offset
        page = httpx.get(
            f"{box.hubspot.url}/email/public/v1/events",
            params=params,
            headers={"Authorization": f"Bearer {box.hubspot.token}"},
        ).json()
        seen += len(page["events"])
        if not page.get("hasMore"):
            return seen
        offset = page["offset"]


def test_a_week_shows_through_both_client_libraries_inside_the_week(box: Sandbox) -> None:
    start = box.dataset.now  # type: ignore[union-attr]
    week = advance_week(box, uplift=0.3, treated=_every_third())
    assert week.start == start and week.now == start + timedelta(days=7)
    assert box.dataset.now == week.now and world_of(box).now == int(week.now.timestamp())  # type: ignore[union-attr]
    sf = _salesforce(box)
    for sobject in ("Task", "Event"):
        assert week.salesforce[sobject] > 0
        assert _soql_count(sf, sobject, start) == week.salesforce[sobject], sobject
    members = week.salesforce.get("CampaignMember", 0) + week.salesforce.get(
        "CampaignMember_updated", 0
    )
    assert _soql_count(sf, "CampaignMember", start) == members
    client = _hubspot(box)
    assert _search_total(client, "calls", "hs_lastmodifieddate", start) == week.hubspot["calls"]
    touched = _search_total(client, "contacts", "lastmodifieddate", start)
    assert touched == week.hubspot["contacts_touched"] > 0
    assert _email_events_since(box, start) == week.hubspot["email_events"] > 0
    seeded = {o.id for o in box.dataset.hubspot.objects["meetings"]}  # type: ignore[union-attr]
    new = [o for o in box.hubspot.state.objects("meetings") if o.id not in seeded]
    assert len(new) == week.hubspot["meetings"] > 0
    assert all(start <= o.updated_at < week.now for o in new)


def test_the_emulators_clocks_move_a_week(box: Sandbox) -> None:
    before = box.salesforce.state.now()
    advance_week(box, treated=set())
    ahead = timedelta(days=7)
    for clock in (box.salesforce.state.now, box.hubspot.state.clock):
        assert abs(clock() - datetime.now(UTC) - ahead) < timedelta(minutes=1)
    assert box.salesforce.state.now() - before >= ahead


def _added(box: Sandbox, since: datetime) -> list[tuple[Any, ...]]:
    tasks = [
        (r["Id"], r["WhoId"], r["Subject"], r["SystemModstamp"])
        for r in box.salesforce.state.records("Task")
        if r["SystemModstamp"] >= since
    ]
    events = [
        (e.id, e.type, e.recipient, e.created)
        for e in box.hubspot.state.email_events.events
        if e.created >= since
    ]
    return sorted(tasks) + sorted(events)


def test_same_seed_and_weeks_give_the_same_additions() -> None:
    seen = []
    for _ in range(2):
        sandbox = _box(seed=17)
        try:
            start = sandbox.dataset.now  # type: ignore[union-attr]
            weeks = [advance_week(sandbox, uplift=0.5, treated=_every_third()) for _ in range(2)]
            seen.append((weeks, _added(sandbox, start)))
        finally:
            sandbox.stop()
    assert seen[0] == seen[1]
    assert seen[0][0][0].activities != seen[0][0][1].activities  # two different weeks


def _create(sf: Salesforce, sobject: str, fields: dict[str, Any]) -> str:
    made = sf.restful(f"sobjects/{sobject}/", method="POST", data=json.dumps(fields))
    assert made is not None
    return str(made["id"])


def _pick(mask: np.ndarray, taken: set[int]) -> int:
    who = next(int(p) for p in np.flatnonzero(mask) if int(p) not in taken)
    taken.add(who)
    return who


def test_treated_persons_reads_lists_campaigns_and_tasks_back(box: Sandbox) -> None:
    world = world_of(box)
    pr, e = world.presence, world.edges
    alive = e.hs_archived_at < 0
    taken: set[int] = set()
    on_list, hs_task, outsider = (_pick(pr.in_hs & alive, taken) for _ in range(3))
    lead = _pick((pr.sf_kind == SfKind.LEAD) & (e.sf_deleted_at < 0), taken)
    contact = _pick(pr.sf_kind == SfKind.CONTACT, taken)
    dup_person = int(e.dup_lead[0])
    dup_lead_id = sf_ids("Lead", e.dup_seq()[:1])[0]
    contact_ids = hs_ids("contacts", np.array([on_list, hs_task, outsider]))

    client = _hubspot(box)
    lists = client.crm.lists
    mine = lists.lists_api.create(
        {"name": "Reengage: dormant_90_180d", "objectTypeId": "0-1", "processingType": "MANUAL"}
    )
    lists.memberships_api.add(mine.list.list_id, [contact_ids[0]])
    other = lists.lists_api.create(
        {"name": "Newsletter", "objectTypeId": "0-1", "processingType": "MANUAL"}
    )
    lists.memberships_api.add(other.list.list_id, [contact_ids[2]])
    client.crm.properties.core_api.create(
        "tasks",
        {"name": "reengage_task_key", "label": "Key", "type": "string", "fieldType": "text",
         "groupName": "task"},
    )  # fmt: skip
    association = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}
    for key in ("k-1", ""):
        client.crm.objects.tasks.basic_api.create(
            {
                "properties": {"hs_task_subject": "Call", "hs_timestamp": "1706745600000",
                               "reengage_task_key": key},
                "associations": [{"to": {"id": contact_ids[1 if key else 2]},
                                  "types": [association]}],
            }
        )  # fmt: skip

    sf = _salesforce(box)
    sf.toolingexecute(
        "sobjects/CustomField",
        method="POST",
        data={
            "FullName": "Task.Reengage_Task_Key__c",
            "Metadata": {"label": "Key", "type": "Text"},
        },
    )
    campaign = _create(sf, "Campaign", {"Name": "Reengage: lost_deal"})
    for who in (sf_ids("Lead", np.array([lead]))[0], dup_lead_id):
        _create(sf, "CampaignMember", {"CampaignId": campaign, "LeadId": who})
    owner = box.salesforce.state.user_id
    contact_id = sf_ids("Contact", np.array([contact]))[0]
    _create(sf, "Task", {"WhoId": contact_id, "OwnerId": owner, "Reengage_Task_Key__c": "k-2"})
    unkeyed = sf_ids("Contact", np.array([_pick(pr.sf_kind == SfKind.CONTACT, taken)]))[0]
    _create(sf, "Task", {"WhoId": unkeyed, "OwnerId": owner})

    treated = treated_persons(box)
    assert treated == {on_list, hs_task, lead, contact, dup_person}
    assert advance_week(box, uplift=0.3).treated == len(treated)
