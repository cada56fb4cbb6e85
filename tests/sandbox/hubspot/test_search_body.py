"""The search request size limit: "A query can contain a maximum of 3,000 characters. If
the body of your request exceeds 3,000 characters, a 400 error will be returned."
(CRM search guide, Limits.) The emulator takes the stricter reading: the whole body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.hubspot import HubSpotEmulator


def _body(values: int) -> dict[str, Any]:
    keys = [f"rg1-{i:032x}" for i in range(values)]
    in_filter = {"propertyName": "hs_task_subject", "operator": "IN", "values": keys}
    return {"filterGroups": [{"filters": [in_filter]}], "limit": 200, "after": "0"}


def test_a_search_body_over_3000_characters_is_a_400(
    client: Any, emulator: HubSpotEmulator
) -> None:
    small, large = _body(60), _body(100)
    assert len(json.dumps(small)) <= 3000 < len(json.dumps(large))
    assert client.crm.objects.search_api.do_search("tasks", small).total == 0
    with pytest.raises(Exception) as caught:  # the SDK's own ApiException
        client.crm.objects.search_api.do_search("tasks", large)
    assert getattr(caught.value, "status", None) == 400
    assert json.loads(caught.value.body)["category"] == "VALIDATION_ERROR"  # type: ignore[attr-defined]
