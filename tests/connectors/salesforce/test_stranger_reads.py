"""The Salesforce connector's reads on a stranger org (:mod:`sandbox.stranger`).

Other ids (another pod, mixed-case sequences, case-safe suffixes that differ id by id),
query batches from 100 to 2000 rows whatever ``batchSize`` asks, Bulk 2.0 result sets
shorter than ``maxRecords``, rows with equal sort keys and record keys in another
order: the backfill, Bulk 2.0 included, and the following of changes must not notice.
The tests are :mod:`.test_reads`' own, run here on this module's org (the REST paging
test is left out: it counts the requests today's fixed batch size takes).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.dataset import generate
from sandbox.faults import Faults
from sandbox.salesforce import SalesforceEmulator
from sandbox.seed import SandboxDataset
from sandbox.stranger import Stranger

from .conftest import PERSONS, Clock
from .test_reads import (  # noqa: F401 (the tests run here, on the stranger org)
    test_activities_and_deals_backfill,
    test_bulk_backfill_reads_every_record,
    test_changed_deleted_merged_and_converted_records_are_followed,
)

STRANGER = Stranger.of(17)


@pytest.fixture(scope="module")
def dataset() -> SandboxDataset:
    return STRANGER.render(lambda: generate(PERSONS, seed=11))


@pytest.fixture
def org(dataset: SandboxDataset, clock: Clock, faults: Faults) -> Iterator[SalesforceEmulator]:
    emulator = SalesforceEmulator(faults=faults, shape=STRANGER.shape)
    emulator.set_clock(clock)
    emulator.load_seed(dataset.salesforce)
    with emulator:
        yield emulator
