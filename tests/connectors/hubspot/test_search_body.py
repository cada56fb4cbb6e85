"""Task-key look-ups within the search request limit.

"If the body of your request exceeds 3,000 characters, a 400 error will be returned"
(search guide, Limits; listed under the ``query`` limit, so it may mean the query
string only). Reengage keeps the whole JSON body under 3,000 characters, which holds
under every reading: ``find_tasks`` splits the keys of its IN filter to fit.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.rules import Rules
from connectors.base import WriteStatus
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.tasks import SEARCH_BODY_LIMIT, key_chunks, search_body_length
from sandbox.hubspot import HubSpotEmulator
from sync.plan.model import stable_key

from .support import connect, dataset, start_emulator
from .test_writes import contact_ids, ready, task


@pytest.fixture
def emulator() -> Iterator[HubSpotEmulator]:
    emulator = start_emulator(dataset(300, seed=3), ten_second_limit=250, search_per_second=50)
    yield emulator
    emulator.stop()


@pytest.fixture
def connector(emulator: HubSpotEmulator, rules: Rules) -> Iterator[HubSpotConnector]:
    made = connect(emulator, rules, search_per_second=50)
    yield made
    made.close()


def test_a_hundred_task_keys_are_looked_up_and_found(
    emulator: HubSpotEmulator, connector: HubSpotConnector, rules: Rules
) -> None:
    ready(connector, rules)
    ids = contact_ids(emulator, 150)
    keys = [stable_key("person", cid, "segment") for cid in ids]  # 36 characters each
    made = connector.create_tasks([task(k, cid) for k, cid in zip(keys, ids, strict=True)])
    assert {r.status for r in made} == {WriteStatus.APPLIED}
    found = connector.find_tasks(keys)
    assert found == {r.key: r.platform_id for r in made}


def _keys(count: int, width: int = 32, prefix: str = "rg1-") -> list[str]:
    return [prefix + f"{i:0{width}x}" for i in range(count)]


def test_key_chunks_keep_each_body_under_3000_characters() -> None:
    before = _keys(100)  # what one IN filter used to carry
    assert search_body_length(before, after="0") > SEARCH_BODY_LIMIT
    unusual = [*_keys(30, width=200), *_keys(20, prefix="clé-ünï-"), *_keys(150)]
    for keys in (before, unusual, _keys(1), []):
        after = key_chunks(keys)
        assert [k for chunk in after for k in chunk] == keys  # every key once, in order
        assert all(0 < len(chunk) <= 100 for chunk in after)
        assert all(search_body_length(chunk) <= SEARCH_BODY_LIMIT for chunk in after)
    assert len(key_chunks(before)) == 2
    assert key_chunks(["x" * 4000, "y"]) == [["x" * 4000], ["y"]]  # too long: alone
