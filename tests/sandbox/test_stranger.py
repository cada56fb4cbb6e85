"""Stranger mode: seeded, deterministic worlds whose ids, order and page sizes differ from
today's, and whose answers still hold to what the platforms document."""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
import requests

from sandbox.dataset import generate
from sandbox.dataset.ids import hs_ids, hs_seq, id_scheme, sf_ids, sf_seq
from sandbox.salesforce.ids import to18
from sandbox.sandbox import Sandbox, SandboxOptions
from sandbox.seed import SandboxDataset
from sandbox.stranger import Stranger
from sandbox.stranger_shape import PLAIN, StrangerShape

PERSONS = 300


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxOptions(persons=PERSONS, seed=3, stranger=41)).start()
    yield sandbox
    sandbox.stop()


@functools.cache
def _stranger_dataset(seed: int) -> SandboxDataset:
    return _render_stranger(seed)


def _render_stranger(seed: int) -> SandboxDataset:
    return Stranger.of(seed).render(lambda: generate(PERSONS, seed=3))


def _salesforce_ids(dataset: SandboxDataset) -> dict[str, set[str]]:
    return {name: {r["Id"] for r in rows} for name, rows in dataset.salesforce.records.items()}


def test_without_a_seed_the_world_is_todays() -> None:
    today = generate(PERSONS, seed=3)
    box = Sandbox(SandboxOptions(persons=PERSONS, seed=3))
    assert box.stranger is None and box.hubspot.shape is PLAIN
    box.start()
    try:
        assert box.dataset is not None
        assert _salesforce_ids(box.dataset) == _salesforce_ids(today)
        assert [o.id for o in box.dataset.hubspot.owners] == [o.id for o in today.hubspot.owners]
        assert box.salesforce.state.org_id == "00DEM0000000001EAA"
    finally:
        box.stop()


def test_same_seed_same_world_other_seed_other_ids() -> None:
    a, b, c = _stranger_dataset(5), _render_stranger(5), _stranger_dataset(6)
    assert _salesforce_ids(a) == _salesforce_ids(b)
    assert [o.user_id for o in a.hubspot.owners] == [o.user_id for o in b.hubspot.owners]
    today = generate(PERSONS, seed=3)
    for other in (c, today):
        assert not _salesforce_ids(a)["Lead"] & _salesforce_ids(other)["Lead"]
        contacts = {o.id for o in other.hubspot.objects["contacts"]}
        assert not {o.id for o in a.hubspot.objects["contacts"]} & contacts


def test_salesforce_ids_are_valid_and_every_reference_resolves() -> None:
    dataset = _stranger_dataset(5)
    every = set().union(*_salesforce_ids(dataset).values())
    for record_id in every:
        assert len(record_id) == 18 and to18(record_id[:15]) == record_id
    assert any(c.isupper() for i in every for c in i[5:15]), "mixed-case sequences expected"
    for rows in dataset.salesforce.records.values():
        for row in rows:
            for name in ("OwnerId", "WhoId", "AccountId", "ContactId", "LeadId", "CampaignId"):
                if row.get(name):
                    assert row[name] in every, (name, row[name])
    for contact in dataset.hubspot.objects["contacts"]:
        for name in ("salesforceleadid", "salesforcecontactid"):
            linked = contact.properties.get(name)
            assert linked is None or linked in every


def test_hubspot_ids_are_long_numbers_and_associations_resolve() -> None:
    dataset = _stranger_dataset(6)
    ids = {t: {o.id for o in objs} for t, objs in dataset.hubspot.objects.items()}
    for type_name, found in ids.items():
        assert all(i.isdigit() and 9 <= len(i) <= 12 for i in found), type_name
    for link in dataset.hubspot.associations:
        assert link.from_id in ids[link.from_type] and link.to_id in ids[link.to_type]
    owners = {o.id for o in dataset.hubspot.owners}
    assert all(9 <= len(o) <= 12 for o in owners)
    assert {o.user_id for o in dataset.hubspot.owners}.isdisjoint(range(9_000_000, 9_001_000))


def test_ids_map_back_to_world_indices_under_their_scheme() -> None:
    seq = np.arange(0, 5000, 13, dtype=np.int64)
    stranger = Stranger.of(9)
    with id_scheme(stranger.ids):
        assert [sf_seq("Lead", i) for i in sf_ids("Lead", seq)] == seq.tolist()
        assert [hs_seq("contacts", i) for i in hs_ids("contacts", seq)] == seq.tolist()
        assert sf_seq("Contact", sf_ids("Lead", seq)[0]) is None
    assert sf_seq("Lead", sf_ids("Lead", seq)[1]) == seq[1]


def test_page_sizes_stay_within_the_documented_limits() -> None:
    shape = StrangerShape(3)
    pages = [shape.page(100, str(k)) for k in range(300)]
    assert all(1 <= p <= 100 for p in pages) and min(pages) < 100
    batches = [shape.batch(500, str(k)) for k in range(300)]
    assert all(100 <= b <= 2000 for b in batches) and len(set(batches)) > 10
    chunks = [shape.chunk(1000, str(k)) for k in range(300)]
    assert all(1 <= c <= 1000 for c in chunks)
    assert shape.page(100, "x") == StrangerShape(3).page(100, "x")


def _hubspot_pages(box: Sandbox, path: str, limit: int) -> tuple[list[str], list[int]]:
    ids: list[str] = []
    sizes: list[int] = []
    after: str | None = None
    headers = {"Authorization": f"Bearer {box.hubspot.token}"}
    with httpx.Client(base_url=box.hubspot.url, headers=headers) as client:
        while True:
            params: dict[str, Any] = {"limit": limit, **({"after": after} if after else {})}
            body = client.get(path, params=params).raise_for_status().json()
            ids += [str(r.get("id", r.get("recordId"))) for r in body["results"]]
            sizes.append(len(body["results"]))
            after = (body.get("paging") or {}).get("next", {}).get("after")
            if after is None:
                return ids, sizes


def test_hubspot_short_pages_still_walk_every_record_once(box: Sandbox) -> None:
    assert box.dataset is not None
    ids, sizes = _hubspot_pages(box, "/crm/v3/objects/contacts", 100)
    expected = sorted((o.id for o in box.dataset.hubspot.objects["contacts"] if not o.archived),
                      key=int)  # fmt: skip
    assert ids == expected
    assert min(sizes[:-1]) < 100, "some page shorter than asked while more follow"
    body = httpx.get(f"{box.hubspot.url}/crm/v3/objects/contacts",
                     params={"limit": 5, "properties": "email,firstname,lastname,phone"},
                     headers={"Authorization": f"Bearer {box.hubspot.token}"}).json()  # fmt: skip
    orders = {tuple(r["properties"]) for r in body["results"]}
    assert len(orders) > 1, "properties come in more than one key order"


def _salesforce_session(box: Sandbox) -> tuple[requests.Session, str]:
    """A plain HTTP session on the org's own first access token."""
    session = requests.Session()
    session.trust_env = False  # this machine sets REQUESTS_CA_BUNDLE, which would beat verify
    session.verify = str(box.salesforce_ca_bundle)
    session.headers["Authorization"] = f"Bearer {box.salesforce.session_id}"
    return session, box.salesforce.url


def test_salesforce_batches_vary_and_query_answers_every_row_once(box: Sandbox) -> None:
    session, url = _salesforce_session(box)
    soql = "SELECT Id, Subject, WhoId, OwnerId FROM Task"
    answer = session.get(f"{url}/services/data/v62.0/query", params={"q": soql},
                         headers={"Sforce-Query-Options": "batchSize=200"}).json()  # fmt: skip
    ids, sizes, orders = [], [], set()
    while True:
        ids += [r["Id"] for r in answer["records"]]
        sizes.append(len(answer["records"]))
        orders |= {tuple(r) for r in answer["records"]}
        if answer["done"]:
            break
        answer = session.get(url + answer["nextRecordsUrl"]).json()
    tasks = box.salesforce.state.records("Task")
    assert sorted(ids) == sorted(r["Id"] for r in tasks)
    assert len(orders) > 1
    assert all(100 <= s <= 2000 for s in sizes[:-1]) and len(set(sizes[:-1])) > 1


def test_bulk_result_sets_are_at_most_max_records_and_complete(box: Sandbox) -> None:
    session, url = _salesforce_session(box)
    base = f"{url}/services/data/v62.0/jobs/query"
    job = session.post(base, json={"operation": "query", "query": "SELECT Id FROM Task"}).json()
    while session.get(f"{base}/{job['id']}").json()["state"] != "JobComplete":
        pass
    ids: list[str] = []
    locator: str | None = None
    while locator != "null":
        params = {"maxRecords": 150, **({"locator": locator} if locator else {})}
        answer = session.get(f"{base}/{job['id']}/results", params=params)
        rows = answer.text.strip().splitlines()[1:]
        assert 1 <= len(rows) <= 150
        ids += [r.strip('"') for r in rows]
        locator = answer.headers["Sforce-Locator"]
        assert locator == "null" or base64.b64decode(locator)
    assert sorted(ids) == sorted(r["Id"] for r in box.salesforce.state.records("Task"))


def test_hubspot_search_pages_may_be_short_and_still_cover_every_match(box: Sandbox) -> None:
    assert box.dataset is not None
    headers = {"Authorization": f"Bearer {box.hubspot.token}"}
    body: dict[str, Any] = {"limit": 100, "sorts": [{"propertyName": "hs_object_id",
                                                     "direction": "ASCENDING"}]}  # fmt: skip
    ids: list[str] = []
    sizes: list[int] = []
    with httpx.Client(base_url=box.hubspot.url, headers=headers) as client:
        while True:
            answer = client.post("/crm/v3/objects/contacts/search", json=body)
            page = answer.raise_for_status().json()
            ids += [r["id"] for r in page["results"]]
            sizes.append(len(page["results"]))
            after = (page.get("paging") or {}).get("next", {}).get("after")
            if after is None:
                break
            body["after"] = after
    live = [o.id for o in box.dataset.hubspot.objects["contacts"] if not o.archived]
    assert sorted(ids) == sorted(live) and len(ids) == len(set(ids))
    assert min(sizes[:-1]) < 100


def test_a_stranger_world_moves_forward_and_reads_treatment_back() -> None:
    # 800 persons: a smaller world can draw a week without campaign members, which
    # campaign_members() does not survive (IndexError in reduceat), stranger or not
    with Sandbox(SandboxOptions(persons=800, seed=13, stranger=42)) as box:
        assert box.dataset is not None
        contact = next(o for o in box.dataset.hubspot.objects["contacts"] if not o.archived)
        with box.ids():
            person = hs_seq("contacts", contact.id)
        headers = {"Authorization": f"Bearer {box.hubspot.token}"}
        with httpx.Client(base_url=box.hubspot.url, headers=headers) as client:
            made = client.post("/crm/v3/lists/", json={"name": "Reengage: dormant_90_180d",
                               "objectTypeId": "0-1", "processingType": "MANUAL"})  # fmt: skip
            list_id = made.raise_for_status().json()["list"]["listId"]
            client.put(f"/crm/v3/lists/{list_id}/memberships/add", json=[contact.id])
        assert person is not None and box.treated() == {person}
        week = box.advance_week(uplift=0.3, treated={person})
        assert week.week == 1
