"""A task batch that lands but whose answer is lost, while search still indexes it: the retry
finds what landed and creates nothing twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from config.rules import Rules
from connectors.base import WriteStatus
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.tasks import TASK_KEY_PROPERTY
from sandbox.hubspot import HubSpotEmulator

from .support import connect, dataset, start_emulator
from .test_writes import contact_ids, ready, task

INDEX_DELAY = 30.0  # seconds: longer than the test, so search never sees the new tasks


@pytest.fixture
def emulator() -> Iterator[HubSpotEmulator]:
    emulator = start_emulator(
        dataset(200, seed=2), ten_second_limit=250, search_per_second=50, index_delay=INDEX_DELAY
    )
    yield emulator
    emulator.stop()


@pytest.fixture
def connector(emulator: HubSpotEmulator, rules: Rules) -> Iterator[HubSpotConnector]:
    made = connect(emulator, rules, search_per_second=50)
    yield made
    made.close()


def task_keys(emulator: HubSpotEmulator) -> Counter[str]:
    found = (t.properties.get(TASK_KEY_PROPERTY) for t in emulator.state.objects("tasks"))
    return Counter(k for k in found if k)


def test_a_lost_task_answer_retried_while_search_is_stale_creates_nothing_twice(
    emulator: HubSpotEmulator, connector: HubSpotConnector, rules: Rules
) -> None:
    ready(connector, rules)
    ids = contact_ids(emulator, 5)
    emulator.faults.lost_answer_rate = 1.0  # every write lands; no answer arrives
    results = connector.create_tasks([task(f"once-{cid}", cid) for cid in ids])
    assert emulator.faults.counts["lost_answer"] == 1  # the retry found them: no second create
    assert task_keys(emulator) == Counter(f"once-{cid}" for cid in ids)
    assert {r.status for r in results} == {WriteStatus.SKIPPED}
    owner = {r.key: r.platform_id for r in results}
    for t in emulator.state.objects("tasks"):
        if (key := t.properties.get(TASK_KEY_PROPERTY)) in owner:
            assert owner[key] == t.id
