"""Each limit and access refusal as a client sees it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.hubspot import HubSpotEmulator


def _status(call: Any) -> tuple[int, dict[str, Any], Any]:
    try:
        call()
    except Exception as exc:  # each SDK package raises its own ApiException class
        status = getattr(exc, "status", None)
        assert status is not None, exc
        return status, json.loads(exc.body), exc.headers  # type: ignore[attr-defined]
    return 200, {}, {}


@pytest.fixture
def tight(emulator: HubSpotEmulator) -> Iterator[HubSpotEmulator]:
    emulator.limiter.ten_second_limit = 5
    emulator.limiter.search_per_second = 2
    yield emulator


def test_ten_second_window_answers_429_with_policy_and_headers(
    tight: HubSpotEmulator, client_for: Any
) -> None:
    client = client_for(tight)
    api = client.crm.contacts.basic_api
    api.get_page()
    _, _, headers = api.get_page_with_http_info()
    assert (
        headers["X-HubSpot-RateLimit-Max"] == "5"
        and headers["X-HubSpot-RateLimit-Remaining"] == "3"
    )
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    for _ in range(3):
        api.get_page()
    status, body, headers = _status(api.get_page)
    assert status == 429 and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert (
        body["errorType"] == "RATE_LIMIT"
        and body["correlationId"]
        and body["category"] == "RATE_LIMITS"
    )
    assert headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert tight.state.rate_limited["TEN_SECONDLY_ROLLING"] == 1


def test_search_has_its_own_bucket_and_no_rate_headers(
    tight: HubSpotEmulator, client_for: Any
) -> None:
    search = client_for(tight).crm.contacts.search_api
    _, _, headers = search.do_search_with_http_info({"limit": 1})
    assert "X-HubSpot-RateLimit-Max" not in headers
    search.do_search({"limit": 1})
    status, body, _ = _status(lambda: search.do_search({"limit": 1}))
    assert status == 429 and body["policyName"] == "SECONDLY"
    client_for(tight).crm.contacts.basic_api.get_page()  # the 10-second bucket is untouched


def test_daily_cap() -> None:
    with HubSpotEmulator(daily_limit=2) as emu:
        auth = {"Authorization": f"Bearer {emu.token}"}
        codes = [httpx.get(f"{emu.url}/crm/v3/objects/contacts", headers=auth) for _ in range(3)]
        assert [c.status_code for c in codes] == [200, 200, 429]
        assert codes[2].json()["policyName"] == "DAILY"
        assert codes[1].headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"


def test_search_refuses_paging_past_ten_thousand(client: Any) -> None:
    status, body, _ = _status(
        lambda: client.crm.contacts.search_api.do_search({"after": "10000", "limit": 10})
    )
    assert status == 400 and body["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "request_body",
    [
        {
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}]
            * 6
        },
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 7}
            ]
        },
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 5}
            ]
            * 4
        },
        {"limit": 201},
        {"sorts": ["email", "firstname"]},
    ],
    ids=["six-groups", "seven-per-group", "twenty-filters", "limit-201", "two-sorts"],
)
def test_search_query_limits(client: Any, request_body: dict[str, Any]) -> None:
    status, _, _ = _status(lambda: client.crm.contacts.search_api.do_search(request_body))
    assert status == 400


def test_batch_over_one_hundred_inputs_is_refused(client: Any) -> None:
    inputs = [{"id": str(i)} for i in range(101)]
    status, body, _ = _status(lambda: client.crm.contacts.batch_api.read({"inputs": inputs}))
    assert status == 400 and body["category"] == "VALIDATION_ERROR"


def test_partial_batch_update_answers_207_and_applies_good_records(
    client: Any, emulator: HubSpotEmulator
) -> None:
    inputs = [
        {"id": "1", "properties": {"firstname": "Good"}, "objectWriteTraceId": "t1"},
        {"id": "777777", "properties": {"firstname": "Nobody"}, "objectWriteTraceId": "t2"},
        {"id": "3", "properties": {"lastmodifieddate": "2020-01-01"}, "objectWriteTraceId": "t3"},
        {"id": "4", "properties": {"no_such_property": "x"}, "objectWriteTraceId": "t4"},
    ]
    answer, status, _ = client.crm.contacts.batch_api.update_with_http_info({"inputs": inputs})
    assert status == 207 and answer.num_errors == 3
    traces = sorted(e.context["objectWriteTraceId"][0] for e in answer.errors)
    assert traces == ["t2", "t3", "t4"]
    codes = {e.errors[0].code for e in answer.errors if e.errors}
    assert codes == {"READ_ONLY_VALUE", "PROPERTY_DOESNT_EXIST"}
    assert emulator.state.get_object("contacts", "1").properties["firstname"] == "Good"  # type: ignore[union-attr]


def test_partial_batch_read_names_missing_ids(client: Any) -> None:
    answer, status, _ = client.crm.contacts.batch_api.read_with_http_info(
        {"inputs": [{"id": "1"}, {"id": "5555"}]}
    )
    assert status == 207 and answer.errors[0].context["ids"] == ["5555"]
    assert [r.id for r in answer.results] == ["1"]


def test_bad_token_is_401(emulator: HubSpotEmulator, client_for: Any) -> None:
    emulator.context.token = "rotated"  # the client still sends the old token
    status, body, _ = _status(client_for(emulator).crm.contacts.basic_api.get_page)
    assert status == 401 and body["category"] == "INVALID_AUTHENTICATION"
    missing = httpx.get(f"{emulator.url}/crm/v3/owners")
    assert missing.status_code == 401


def test_missing_scopes_is_403(emulator: HubSpotEmulator, client: Any) -> None:
    emulator.missing_scopes.add("lists")
    status, body, _ = _status(lambda: client.crm.lists.lists_api.get_by_id("1"))
    assert status == 403 and body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredGranularScopes"]
    client.crm.contacts.basic_api.get_page()


def test_list_membership_cap(client: Any) -> None:
    made = client.crm.lists.lists_api.create(
        {"name": "Big", "objectTypeId": "0-1", "processingType": "MANUAL"}
    )
    ids = [str(i) for i in range(251)]
    status, _, _ = _status(lambda: client.crm.lists.memberships_api.add(made.list.list_id, ids))
    assert status == 400


def test_duplicates_answer_409_and_404(client: Any) -> None:
    spec = {
        "name": "firstname",
        "label": "x",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
    }
    assert _status(lambda: client.crm.properties.core_api.create("contacts", spec))[0] == 409
    group = {"name": "contactinformation", "label": "x"}
    assert _status(lambda: client.crm.properties.groups_api.create("contacts", group))[0] == 409
    assert _status(lambda: client.crm.lists.lists_api.get_by_name("nope", "0-1"))[0] == 404
