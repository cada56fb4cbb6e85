"""Fault knobs as a client sees them: latency, 503s, 429 bursts, dropped connections."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import urllib3

from sandbox.hubspot import HubSpotEmulator


def _fail(call: Any) -> Exception:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def test_error_rate_answers_hubspot_shaped_503(emulator: HubSpotEmulator, client: Any) -> None:
    emulator.faults.error_rate = 1.0
    exc = _fail(client.crm.contacts.basic_api.get_page)
    assert getattr(exc, "status", None) == 503
    assert json.loads(exc.body)["category"] == "SERVICE_UNAVAILABLE"  # type: ignore[attr-defined]


def test_bursts_answer_ten_secondly_429s(emulator: HubSpotEmulator, client: Any) -> None:
    emulator.faults.burst_every, emulator.faults.burst_length = 3, 2
    outcomes = []
    for _ in range(5):
        try:
            client.crm.contacts.basic_api.get_page()
            outcomes.append(200)
        except Exception as exc:  # per-package ApiException
            outcomes.append(exc.status)  # type: ignore[attr-defined]
            assert json.loads(exc.body)["policyName"] == "TEN_SECONDLY_ROLLING"  # type: ignore[attr-defined]
    assert outcomes == [200, 200, 429, 429, 200]


def test_dropped_connection_is_a_broken_read(emulator: HubSpotEmulator, client_for: Any) -> None:
    emulator.faults.drop_rate = 1.0
    client = client_for(emulator, retry=urllib3.Retry(total=0, read=0))
    exc = _fail(client.crm.contacts.basic_api.get_page)
    assert getattr(exc, "status", None) is None
    assert emulator.faults.counts["drop"] >= 1


def test_latency_is_added(emulator: HubSpotEmulator, client: Any) -> None:
    emulator.faults.latency = 0.05
    client.crm.contacts.basic_api.get_page()
    emulator.faults.reset()
    assert emulator.faults.latency == 0.0


def test_lost_answer_applies_the_write_then_cuts_the_connection(
    emulator: HubSpotEmulator, client_for: Any
) -> None:
    from hubspot.crm.contacts import SimplePublicObjectInputForCreate

    emulator.faults.lost_answer_rate = 1.0
    client = client_for(emulator, retry=urllib3.Retry(total=0, read=0))
    before = len(emulator.state.objects("contacts"))
    body = SimplePublicObjectInputForCreate(properties={"email": "lost@example.com"})
    exc = _fail(lambda: client.crm.contacts.basic_api.create(body))
    assert getattr(exc, "status", None) is None  # no answer, only a broken read
    emails = [c.properties.get("email") for c in emulator.state.objects("contacts")]
    assert len(emails) == before + 1 and "lost@example.com" in emails  # yet it landed
    assert emulator.faults.counts == {"lost_answer": 1}


def test_lost_answer_spares_reads_including_reads_through_post(
    emulator: HubSpotEmulator, client: Any
) -> None:
    from hubspot.crm.contacts import PublicObjectSearchRequest

    emulator.faults.lost_answer_rate = 1.0
    client.crm.contacts.basic_api.get_page()
    search = PublicObjectSearchRequest(filter_groups=[], limit=5)
    assert client.crm.contacts.search_api.do_search(public_object_search_request=search).results
    assert emulator.faults.counts == {}


def test_a_streak_refuses_every_request_until_it_ends(
    emulator: HubSpotEmulator, client: Any
) -> None:
    emulator.faults.rate_limit_for(0.5)
    exc = _fail(client.crm.contacts.basic_api.get_page)
    assert getattr(exc, "status", None) == 429
    time.sleep(0.6)
    client.crm.contacts.basic_api.get_page()
    assert emulator.faults.counts == {"rate_limited": 1}


def test_latency_spikes_delay_some_answers(emulator: HubSpotEmulator, client: Any) -> None:
    emulator.faults.spike_rate, emulator.faults.spike_seconds = 0.5, 0.3
    took = []
    for _ in range(8):
        started = time.monotonic()
        client.crm.contacts.basic_api.get_page()
        took.append(time.monotonic() - started)
    spikes = emulator.faults.counts["spike"]
    assert 0 < spikes < 8
    assert sum(t >= 0.3 for t in took) == spikes
