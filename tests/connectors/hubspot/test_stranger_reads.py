"""The HubSpot connector's reads on a stranger portal (:mod:`sandbox.stranger`).

Other ids (9 to 12 digits, each type its own range and step), other owner and user
ids, pages shorter than asked while ``paging.next`` leads on (object lists, events,
search), ``properties`` keys and unordered lists in another order: the backfill and the
owners must not notice. The tests are :mod:`.test_reads`' own, run here on this module's
portal; the resumption after the daily cap runs on a stranger portal in the contract suite
(``tests/connectors/contract/subjects/hubspot_stranger.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.hubspot import HubSpotEmulator
from sandbox.seed import SandboxDataset
from sandbox.stranger import Stranger

from .support import dataset, start_emulator
from .test_reads import (  # noqa: F401 (the tests run here, on the stranger portal)
    clean,
    clean_read,
    test_backfill_reads_every_contact_deal_and_engagement,
    test_backfill_reads_every_engagement_object,
    test_bot_filtered_events_and_meetings_not_held_are_not_activity,
    test_faults_do_not_change_the_result,
    test_owners_active_and_inactive,
)

STRANGER = Stranger.of(23)


@pytest.fixture(scope="module")
def data() -> SandboxDataset:
    return STRANGER.render(dataset)


@pytest.fixture(scope="module")
def emulator(data: SandboxDataset) -> Iterator[HubSpotEmulator]:
    emulator = start_emulator(data, ten_second_limit=250, search_per_second=5,
                              shape=STRANGER.shape)  # fmt: skip
    yield emulator
    emulator.stop()
